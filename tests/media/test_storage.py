"""A file appears under its final name only when complete, on local disk and in the bucket."""

from __future__ import annotations

import pytest
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from sunostudio.storage import AtomicFileSystemStorage
from tests.media.conftest import stored_names


class DiesHalfway(ContentFile):
    """Content whose reader dies after the first chunk (a killed worker, a full disk)."""

    def chunks(self, chunk_size=None):
        yield b"x" * 1024
        raise OSError("no space left on device")

    def read(self, *args):  # boto3 reads; Django's local save iterates chunks
        raise OSError("no space left on device")


def test_a_save_that_dies_midway_leaves_nothing_under_the_final_name(media_storage):
    with pytest.raises(OSError):
        default_storage.save("clips/1/2/audio.mp3", DiesHalfway(b"x" * 10_000, name="audio.mp3"))
    assert stored_names() == []
    if media_storage == "local":
        assert list(default_storage.partial_dir.iterdir()) == []  # and no partial file either


def test_a_taken_name_is_never_overwritten(media_storage):
    first = default_storage.save("clips/1/2/audio.mp3", ContentFile(b"first take"))
    second = default_storage.save("clips/1/2/audio.mp3", ContentFile(b"second take"))
    assert first == "clips/1/2/audio.mp3" and second != first
    assert default_storage.open(first).read() == b"first take"
    assert default_storage.open(second).read() == b"second take"


def test_a_temporary_file_on_the_same_disk_is_linked_into_place(settings, tmp_path):
    """No copy: the finished download becomes the archived file."""
    settings.MEDIA_ROOT = tmp_path / "media"
    storage = AtomicFileSystemStorage()
    download = tmp_path / "download.mp3"
    download.write_bytes(b"ID3 complete")

    class Download(File):
        def temporary_file_path(self):
            return str(download)

    with download.open("rb") as handle:
        name = storage.save("clips/1/2/audio.mp3", Download(handle, name="audio.mp3"))
    assert (settings.MEDIA_ROOT / name).stat().st_ino == download.stat().st_ino
