"""Each media test runs on local disk and on a private S3 bucket (moto, tests/conftest.py)."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def media_storage(request, settings) -> str:
    if request.param == "s3":
        request.getfixturevalue("s3_bucket")
    else:
        use_local_storage(settings)
    return request.param


def use_local_storage(settings) -> None:
    """Local disk whatever the environment chose (CI's S3 leg sets MEDIA_STORAGE=s3)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "sunostudio.storage.AtomicFileSystemStorage"},
    }


def stored_names(directory: str = "") -> list[str]:
    """Every file the media storage holds, whichever it is (the local partial dir aside)."""
    try:
        directories, files = default_storage.listdir(directory)
    except FileNotFoundError:  # local disk before anything was saved
        return []
    names = [f"{directory}{name}" for name in files]
    for name in directories:
        if name != ".partial":
            names += stored_names(f"{directory}{name}/")
    return sorted(names)
