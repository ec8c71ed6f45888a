"""Archive a complete clip's audio and cover (and the WAV and video made from it) locally, so the library
survives upstream URL expiry.

Rules: only from the hosts the upstream serves media from (https in production), a size cap, the
content type checked, an atomic write (a half-written file never gets a name), and the upstream URL kept
whatever happens. Transient failures are retried with backoff by the sweep.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.utils import timezone

from suno.types import MediaFile
from sunostudio.upstream import get_media_http

from .models import Clip, ClipAsset

logger = logging.getLogger(__name__)

ALLOWED_TYPES = {
    "audio": {"audio/mpeg": "mp3", "audio/mp3": "mp3"},
    "image": {"image/jpeg": "jpeg", "image/png": "png", "image/webp": "webp"},
    "wav": {"audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav"},  # clip tools: act/wav
    "video": {"video/mp4": "mp4"},  # clip tools: act/mp4
}
SIZE_CAPS = {
    "audio": 100 * 1024 * 1024,
    "image": 10 * 1024 * 1024,
    "wav": 300 * 1024 * 1024,  # 8 min of 16-bit stereo 44.1 kHz is about 85 MB
    "video": 300 * 1024 * 1024,
}
RETRY_BASE = timedelta(seconds=30)
ARCHIVE_MAX_ATTEMPTS = 5


class MediaRejected(Exception):
    """The file breaks a rule: retrying won't help."""


class MediaUnavailable(Exception):
    """The download failed for a reason that may pass (network, 5xx): retry later."""


class _TemporaryFile(File):
    """Lets FileSystemStorage move the finished file into place (a rename) instead of copying it."""

    def temporary_file_path(self) -> str:
        return self.file.name


def check_media_url(url: str) -> None:
    parts = urlsplit(url)
    allowed_schemes = {"https"} if settings.SUNO_MEDIA_REQUIRE_HTTPS else {"https", "http"}
    if parts.scheme not in allowed_schemes:
        raise MediaRejected(f"scheme {parts.scheme or 'none'} is not allowed")
    host = (parts.hostname or "").lower()
    host_port = f"{host}:{parts.port}" if parts.port else host
    allowed = {h.lower() for h in settings.SUNO_MEDIA_HOSTS}
    if host not in allowed and host_port not in allowed:
        raise MediaRejected(f"host {host_port} is not an upstream media host")
    if "audiopipe" in host or parts.path.startswith("/audiopipe"):
        raise MediaRejected("live stream URLs are never archived")


def download_media(url: str, *, kind: str) -> tuple[tempfile._TemporaryFileWrapper, str]:
    """Stream `url` into a temporary file beside the media root; return it with its extension."""
    check_media_url(url)
    cap = SIZE_CAPS[kind]
    os.makedirs(settings.MEDIA_ROOT / "tmp", exist_ok=True)
    try:
        with get_media_http() as http, http.stream("GET", url) as response:
            if response.status_code >= 500 or response.status_code == 429:
                raise MediaUnavailable(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise MediaRejected(f"HTTP {response.status_code}")
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            extension = ALLOWED_TYPES[kind].get(content_type)
            if extension is None:
                raise MediaRejected(f"content type {content_type or 'none'} is not {kind}")
            if int(response.headers.get("content-length") or 0) > cap:
                raise MediaRejected("file is larger than the size cap")
            tmp = tempfile.NamedTemporaryFile(dir=settings.MEDIA_ROOT / "tmp", delete=False)
            size = 0
            try:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > cap:
                        raise MediaRejected("file is larger than the size cap")
                    tmp.write(chunk)
                tmp.flush()
            except BaseException:
                tmp.close()
                os.unlink(tmp.name)
                raise
            if size == 0:
                tmp.close()
                os.unlink(tmp.name)
                raise MediaUnavailable("empty file")
            tmp.seek(0)
            return tmp, extension
    except httpx.HTTPError as error:
        raise MediaUnavailable(type(error).__name__) from error


def _save_download(field_file, url: str, *, kind: str, stem: str) -> None:
    tmp, extension = download_media(url, kind=kind)
    try:
        name = f"{stem}.{extension}"
        field_file.save(name, _TemporaryFile(tmp, name=name), save=False)
    finally:
        tmp.close()
        if os.path.exists(tmp.name):
            os.unlink(tmp.name)


def clip_archive(*, clip_id: int, now: datetime | None = None) -> None:
    now = now or timezone.now()
    clip = Clip.objects.select_related("song").filter(pk=clip_id, status=Clip.Status.COMPLETE).first()
    if clip is None:
        return
    wanted = [("audio", clip.audio_url, clip.audio_file), ("image", clip.image_url, clip.image_file)]
    try:
        for kind, url, field in wanted:
            if url and not field:
                _save_download(field, url, kind=kind, stem=kind)
    except MediaRejected as error:
        logger.warning("clip %s: media not archived: %s", clip.pk, error)
        clip.archive_error = str(error)[:300]
        clip.next_archive_at = None
    except MediaUnavailable as error:
        clip.archive_attempts += 1
        clip.archive_error = str(error)[:300]
        if clip.archive_attempts >= ARCHIVE_MAX_ATTEMPTS:
            clip.next_archive_at = None
        else:
            clip.next_archive_at = now + RETRY_BASE * 2 ** (clip.archive_attempts - 1)
    else:
        clip.archive_error = ""
        clip.next_archive_at = None
    clip.save(
        update_fields=["audio_file", "image_file", "archive_attempts", "archive_error", "next_archive_at"]
    )


def asset_store(asset: ClipAsset, media_file: MediaFile, *, kind: str) -> None:
    """Save a WAV or video the upstream made (a URL to download, or the bytes themselves) on the asset."""
    if media_file.url:
        asset.upstream_url = media_file.url
        _save_download(asset.file, media_file.url, kind=kind, stem=asset.kind)
        return
    # A binary answer (§5.12 variant 3): the same type and size rules as a download.
    extension = ALLOWED_TYPES[kind].get(media_file.content_type.lower())
    if extension is None:
        raise MediaRejected(f"content type {media_file.content_type or 'none'} is not {kind}")
    if len(media_file.content) > SIZE_CAPS[kind]:
        raise MediaRejected("file is larger than the size cap")
    asset.file.save(f"{asset.kind}.{extension}", ContentFile(media_file.content), save=False)
