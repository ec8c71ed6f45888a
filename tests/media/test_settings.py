"""MEDIA_STORAGE and the AWS_* variables choose the storage, as a deployment sets them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = (
    "bucket_name",
    "default_acl",
    "querystring_auth",
    "file_overwrite",
    "querystring_expire",
    "endpoint_url",
)
SHOW_STORAGE = (
    "from django.core.files.storage import default_storage as s; "
    f"print(s.__class__.__name__, *(getattr(s, name, None) for name in {OPTIONS!r}))"
)


def storage_from(**environ: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "MEDIA_"))}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {SHOW_STORAGE}"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "sunostudio.settings", **environ},
        capture_output=True,
        text=True,
    )


def test_local_disk_by_default():
    result = storage_from()
    assert result.stdout.split()[0] == "AtomicFileSystemStorage", result.stderr


def test_s3_from_the_environment_is_a_private_bucket_with_expiring_urls():
    result = storage_from(
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="studio-media",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        MEDIA_SIGNED_URL_SECONDS="900",
    )
    assert result.stdout.split() == [
        "S3Storage",
        "studio-media",
        "None",
        "True",
        "False",
        "900",
        "http://127.0.0.1:9000",
    ], result.stderr


def test_a_wrong_storage_setting_says_what_is_missing():
    result = storage_from(MEDIA_STORAGE="s3")
    assert "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME" in result.stderr
    result = storage_from(MEDIA_STORAGE="dropbox")
    assert "MEDIA_STORAGE must be local or s3, not 'dropbox'" in result.stderr
