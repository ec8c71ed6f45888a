"""Archive a complete clip's audio and cover (and the WAV and video made from it) to the media storage, so
the library survives upstream URL expiry.

Rules: only from the hosts the upstream serves media from (https in production), a size cap, the content
type checked, and the upstream URL kept whatever happens. A download goes to a local temporary file and
reaches the storage (local disk or the bucket) only once complete, so a half-written file never has a
name. The archive job and the sweep may both reach a clip: each run first claims it with a conditional
UPDATE (a lease that expires, so a killed worker's claim passes to the next sweep), and each file is
written once. Transient failures are retried with backoff by the sweep.
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
from django.core.files.storage import default_storage
from django.utils import timezone

from suno.types import MediaFile
from sunostudio.storage import stale_files_remove
from sunostudio.upstream import get_media_http

from . import peaks
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
# Longer than any job may run (django-q2 kills it at Q_CLUSTER["timeout"]): a live claimer never loses its
# claim, and a killed one's clip is picked up by a sweep a minute after it could have finished.
ARCHIVE_LEASE = timedelta(seconds=settings.Q_CLUSTER["timeout"] + 60)
STALE_TEMP_FILE_AGE = timedelta(hours=1)
SWEEP_BATCH = 50


class MediaRejected(Exception):
    """The file breaks a rule: retrying won't help."""


class MediaUnavailable(Exception):
    """The download failed for a reason that may pass (network, 5xx): retry later."""


class _TemporaryFile(File):
    """Lets the local storage link the finished file into place instead of copying it."""

    def temporary_file_path(self) -> str:
        return self.file.name


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def allowed_media_hosts() -> set[str]:
    """SUNO_MEDIA_HOSTS plus the configured upstream base: a simulator (or a relay that rehosts its
    files) on SUNO_API_BASE serves media from its own host and port."""
    return {host.lower() for host in settings.SUNO_MEDIA_HOSTS} | {_host_port(settings.SUNO_API_BASE)}


def check_media_url(url: str) -> None:
    parts = urlsplit(url)
    allowed_schemes = {"https"} if settings.SUNO_MEDIA_REQUIRE_HTTPS else {"https", "http"}
    if parts.scheme not in allowed_schemes:
        raise MediaRejected(f"scheme {parts.scheme or 'none'} is not allowed")
    host = (parts.hostname or "").lower()
    host_port = _host_port(url)
    allowed = allowed_media_hosts()
    if host not in allowed and host_port not in allowed:
        raise MediaRejected(f"host {host_port} is not an upstream media host")
    if "audiopipe" in host or parts.path.startswith("/audiopipe"):
        raise MediaRejected("live stream URLs are never archived")


def download_media(url: str, *, kind: str) -> tuple[tempfile._TemporaryFileWrapper, str]:
    """Stream `url` into a local temporary file (MEDIA_TEMP_DIR); return it with its extension."""
    check_media_url(url)
    cap = SIZE_CAPS[kind]
    os.makedirs(settings.MEDIA_TEMP_DIR, exist_ok=True)
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
            tmp = tempfile.NamedTemporaryFile(dir=settings.MEDIA_TEMP_DIR, prefix=f"{kind}-", delete=False)
            size = 0
            try:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > cap:
                        raise MediaRejected("file is larger than the size cap")
                    tmp.write(chunk)
                tmp.flush()
                if size == 0:
                    raise MediaUnavailable("empty file")
                expected = response.headers.get("content-length")
                encoded = response.headers.get("content-encoding", "identity") != "identity"
                if expected and not encoded and int(expected) != size:
                    raise MediaUnavailable(f"got {size} of {expected} bytes")
            except BaseException:
                tmp.close()
                os.unlink(tmp.name)
                raise
            tmp.seek(0)
            return tmp, extension
    except httpx.HTTPError as error:
        raise MediaUnavailable(type(error).__name__) from error


def _save_download(field_file, url: str, *, kind: str, stem: str, inspect=None) -> None:
    """Download, then one storage save of the complete file (one PUT or multipart upload to a bucket).
    `inspect(path)` reads the local copy first (the waveform), so the file is not read back from storage."""
    tmp, extension = download_media(url, kind=kind)
    try:
        if inspect is not None:
            inspect(tmp.name)
        name = f"{stem}.{extension}"
        field_file.save(name, _TemporaryFile(tmp, name=name), save=False)
    finally:
        tmp.close()
        if os.path.exists(tmp.name):
            os.unlink(tmp.name)


def _claim(clip_id: int, now: datetime) -> datetime | None:
    """Take the clip's archive lease; the lease's end is this run's claim, None when another run has it."""
    lease_until = now + ARCHIVE_LEASE
    claimed = Clip.objects.filter(pk=clip_id).archive_claimable(now).update(archive_lease_until=lease_until)
    return lease_until if claimed else None


def clip_archive(*, clip_id: int, now: datetime | None = None) -> None:
    now = now or timezone.now()
    lease_until = _claim(clip_id, now)
    if lease_until is None:
        return  # done already, not wanted, or another run holds the claim
    clip = Clip.objects.select_related("song").get(pk=clip_id)
    outcome = {"archive_error": "", "next_archive_at": None, "archive_attempts": clip.archive_attempts}
    waveform: dict[str, list[float]] = {}

    def compute_peaks(path: str) -> None:
        try:
            waveform["peaks"] = peaks.peaks_from_path(path)
        except Exception as error:  # never fails the archive: the clip page falls back to a plain seek bar
            logger.warning("clip %s: no waveform: %s", clip.pk, error)

    try:
        for kind, url, field_name in (
            ("audio", clip.audio_url, "audio_file"),
            ("image", clip.image_url, "image_file"),
        ):
            field_file = getattr(clip, field_name)
            if url and not field_file:
                inspect = compute_peaks if kind == "audio" else None
                _save_download(field_file, url, kind=kind, stem=kind, inspect=inspect)
                written = {field_name: field_file.name, **(waveform if kind == "audio" else {})}
                # Written once: should a run whose lease ran out have saved it meanwhile, ours goes.
                if not Clip.objects.filter(pk=clip.pk, **{field_name: ""}).update(**written):
                    field_file.storage.delete(field_file.name)
    except MediaRejected as error:
        logger.warning("clip %s: media not archived: %s", clip.pk, error)
        outcome["archive_error"] = str(error)[:300]
    except MediaUnavailable as error:
        attempts = clip.archive_attempts + 1
        outcome.update(archive_error=str(error)[:300], archive_attempts=attempts)
        if attempts < ARCHIVE_MAX_ATTEMPTS:
            outcome["next_archive_at"] = now + RETRY_BASE * 2 ** (attempts - 1)
    # Only while the claim is still ours: a later claimer's outcome is not overwritten.
    Clip.objects.filter(pk=clip.pk, archive_lease_until=lease_until).update(
        archive_lease_until=None, **outcome
    )


def archives_sweep(*, now: datetime | None = None) -> None:
    """What the sweep does for media: archive the clips that are due, and remove temporary files that
    killed downloads left behind (locally, and the local storage's partial files)."""
    now = now or timezone.now()
    for clip_id in Clip.objects.due_for_archive(now).values_list("pk", flat=True)[:SWEEP_BATCH]:
        clip_archive(clip_id=clip_id, now=now)
    temp_dirs = [settings.MEDIA_TEMP_DIR]
    if hasattr(default_storage, "partial_dir"):
        temp_dirs.append(default_storage.partial_dir)
    for directory in temp_dirs:
        stale_files_remove(directory, now=now, older_than=STALE_TEMP_FILE_AGE)


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
