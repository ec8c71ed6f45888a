"""Waveform peaks: decoded once in the worker from a real MP3, stored on the clip, never failing archives."""

import logging

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse

from songs import archive, peaks
from songs.models import Clip
from suno.simulator import media
from sunostudio.upstream import use_transport
from tests.songs.test_archive import CDN_OK, complete_clip, serve

pytestmark = pytest.mark.django_db


def quiet_then_loud_mp3() -> bytes:
    """2 s of near-silence, then 2 s of a full-scale tone: the waveform must show that shape."""
    rate = media.SAMPLE_RATE
    seconds = np.arange(2 * rate) / rate
    quiet = 0.01 * np.sin(2 * np.pi * 220 * seconds)
    loud = 0.9 * np.sin(2 * np.pi * 220 * seconds)
    return media.encode_mp3(np.concatenate([quiet, loud]).astype(np.float32))


def test_peaks_of_a_real_mp3(tmp_path):
    path = tmp_path / "take.mp3"
    path.write_bytes(quiet_then_loud_mp3())
    levels = peaks.peaks_from_path(str(path))
    assert len(levels) == peaks.PEAK_COUNT
    assert max(levels) == 1.0 and min(levels) >= 0.0
    assert all(round(level, 3) == level for level in levels)
    first, last = levels[: len(levels) * 2 // 5], levels[len(levels) * 3 // 5 : len(levels) * 9 // 10]
    assert max(first) < 0.05  # the quiet half
    assert min(last) > 0.8  # the loud half (the encoder pads the very end with silence)


def test_a_file_that_is_not_audio_is_unavailable(tmp_path):
    path = tmp_path / "take.mp3"
    path.write_bytes(b"not an mp3 at all" * 100)
    with pytest.raises(peaks.PeaksUnavailable):
        peaks.peaks_from_path(str(path))


def test_archive_computes_the_peaks_once(user, monkeypatch):
    decoded = []
    real = peaks.peaks_from_path
    monkeypatch.setattr(peaks, "peaks_from_path", lambda path: decoded.append(path) or real(path))
    clip = complete_clip(user)
    transport, _ = serve(CDN_OK)
    with use_transport(transport):
        archive.clip_archive(clip_id=clip.pk)
        archive.clip_archive(clip_id=clip.pk)  # the sweep reaching it again: nothing to do
    clip.refresh_from_db()
    assert clip.audio_file and len(clip.peaks) == peaks.PEAK_COUNT and max(clip.peaks) == 1.0
    assert len(decoded) == 1
    assert peaks.clip_peaks_compute(clip_id=clip.pk) is False  # the backfill leaves it alone too
    assert len(decoded) == 1


def test_peaks_that_fail_never_fail_the_archive(user, caplog):
    clip = complete_clip(user)
    transport, _ = serve({**CDN_OK, "/cdn1/abc.mp3": (200, "audio/mpeg", b"garbage, not audio" * 50)})
    with use_transport(transport), caplog.at_level(logging.WARNING, logger="songs.archive"):
        archive.clip_archive(clip_id=clip.pk)
    clip.refresh_from_db()
    assert clip.audio_file and clip.image_file and clip.archive_error == ""
    assert clip.peaks == []
    assert "no waveform" in caplog.text


def archived_without_peaks(user) -> Clip:
    clip = complete_clip(user)
    clip.audio_file.save("audio.mp3", ContentFile(quiet_then_loud_mp3()), save=True)
    return clip


def test_backfill_reads_the_archived_file_through_the_storage(user):
    clip = archived_without_peaks(user)
    assert peaks.clip_peaks_compute(clip_id=clip.pk) is True
    clip.refresh_from_db()
    assert len(clip.peaks) == peaks.PEAK_COUNT and max(clip.peaks[:300]) < 0.05


def test_clip_page_queues_one_backfill_job(client, user, django_capture_on_commit_callbacks):
    clip = archived_without_peaks(user)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert client.get(reverse("songs:clip_detail", args=[clip.pk])).status_code == 200
    assert len(callbacks) == 1  # the job ran (Q_CLUSTER sync in tests), not the request
    clip.refresh_from_db()
    assert len(clip.peaks) == peaks.PEAK_COUNT
    Clip.objects.filter(pk=clip.pk).update(peaks=[])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.get(reverse("songs:clip_detail", args=[clip.pk]))
    assert callbacks == []  # asked for once an hour, however often the page is opened


def test_compute_peaks_command(user, django_capture_on_commit_callbacks, capsys):
    clip = archived_without_peaks(user)
    call_command("compute_peaks", "--now")
    clip.refresh_from_db()
    assert len(clip.peaks) == peaks.PEAK_COUNT
    assert "1 of 1" in capsys.readouterr().out
