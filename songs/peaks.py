"""A take's waveform: peak levels computed once in the worker (when the audio is archived, or by the
backfill job for older takes) and stored on the clip, so the clip page draws it without the browser ever
decoding the whole file.

ffmpeg (the static binary imageio-ffmpeg ships) decodes to mono 16-bit PCM at a low rate; each of
PEAK_COUNT equal slices keeps its largest magnitude, scaled so the loudest slice is 1.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile

import numpy as np
from django.conf import settings
from django.core.cache import cache

from sunostudio.jobs import enqueue

from .models import Clip

logger = logging.getLogger(__name__)

PEAK_COUNT = 1000
DECODE_RATE = 4000  # Hz: plenty for a peak per slice (a 4-minute take is ~240 samples a slice)
DECODE_TIMEOUT_SECONDS = 120
BACKFILL_QUEUED_FOR_SECONDS = 3600  # a clip page asks for a backfill at most once an hour per clip


class PeaksUnavailable(Exception):
    """The audio could not be decoded (no ffmpeg, not audio, too slow)."""


def _ffmpeg() -> str:
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as error:
        found = shutil.which("ffmpeg")
        if not found:
            raise PeaksUnavailable("no ffmpeg") from error
        return found


def peaks_from_path(path: str, *, count: int = PEAK_COUNT) -> list[float]:
    command = [_ffmpeg(), "-nostdin", "-v", "error", "-i", path, "-vn", "-ac", "1", "-ar", str(DECODE_RATE)]
    command += ["-f", "s16le", "-acodec", "pcm_s16le", "pipe:1"]
    try:
        decoded = subprocess.run(command, capture_output=True, timeout=DECODE_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PeaksUnavailable(type(error).__name__) from error
    samples = np.frombuffer(decoded.stdout[: len(decoded.stdout) // 2 * 2], dtype="<i2")
    if decoded.returncode != 0 or samples.size == 0:
        message = decoded.stderr.decode(errors="replace").strip().splitlines()
        raise PeaksUnavailable(message[-1][:200] if message else f"ffmpeg exited {decoded.returncode}")
    magnitude = np.abs(samples.astype(np.int32))
    count = min(count, magnitude.size)
    edges = np.linspace(0, magnitude.size, count + 1).astype(int)[:-1]
    peaks = np.maximum.reduceat(magnitude, edges).astype(np.float64)
    loudest = peaks.max()
    if loudest > 0:
        peaks /= loudest
    return [round(float(value), 3) for value in peaks]


def peaks_from_storage(field_file) -> list[float]:
    """Through the storage API (local disk or a bucket), to a local copy ffmpeg reads like any file."""
    os.makedirs(settings.MEDIA_TEMP_DIR, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=settings.MEDIA_TEMP_DIR, prefix="peaks-") as copy:
        with field_file.open("rb") as source:
            shutil.copyfileobj(source, copy, length=1024 * 1024)
        copy.flush()
        return peaks_from_path(copy.name)


def clip_peaks_compute(*, clip_id: int) -> bool:
    """The backfill for takes archived before peaks existed (or whose first try failed). Never raises for
    audio it can't read: the clip page then shows a plain seek bar."""
    clip = Clip.objects.filter(pk=clip_id).exclude(audio_file="").only("pk", "audio_file", "peaks").first()
    if clip is None or clip.peaks:
        return False
    try:
        peaks = peaks_from_storage(clip.audio_file)
    except (PeaksUnavailable, OSError) as error:
        logger.warning("clip %s: no waveform: %s", clip_id, error)
        return False
    return bool(Clip.objects.filter(pk=clip_id, peaks=[]).update(peaks=peaks))


def clip_peaks_backfill_request(clip: Clip) -> None:
    """A clip page saw archived audio without peaks: queue one job (not in this request), once an hour."""
    if (
        clip.audio_file
        and not clip.peaks
        and cache.add(f"peaks-backfill:{clip.pk}", 1, BACKFILL_QUEUED_FOR_SECONDS)
    ):
        enqueue("songs.tasks.compute_peaks", clip.pk)
