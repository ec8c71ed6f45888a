"""Archiving to either storage: each clip is claimed by one run, each file is written once and appears
under its final name only when complete, a killed download is retried later, and leftovers are swept."""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import httpx
import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from songs import archive, polling
from songs.models import Clip
from suno.simulator import media
from suno.simulator.transport import SimulatorTransport
from sunostudio.upstream import use_transport
from tests.media.conftest import stored_names
from tests.songs.builders import make_song
from tests.songs.test_polling import create_songs

pytestmark = pytest.mark.django_db

MP3 = media.encode_mp3(media.render_clip("t", tags="pop", lyrics="", duration=2.0, instrumental=True).samples)


def completed_not_archived(user, suno, capture) -> Clip:
    """A take the poll tick just completed, its archive job queued but not yet run."""
    (song,) = create_songs(user, 1, capture)
    with capture(execute=False):  # the tick's on_commit jobs (the archive job among them) are dropped
        polling.clips_poll_due(now=suno.advance(13) + timedelta(seconds=60))
    clip = song.clips.order_by("take").first()
    assert clip.is_complete and not clip.audio_file and clip.next_archive_at is not None
    return clip


class SweepMidDownload(httpx.BaseTransport):
    """The simulator's CDN, with a second archive run (the sweep) starting while the first downloads."""

    def __init__(self, simulator, clip_id: int):
        self.inner, self.clip_id, self.raced = SimulatorTransport(simulator), clip_id, False

    def handle_request(self, request):
        if not self.raced:
            self.raced = True
            polling.songs_sweep(now=timezone.now() + timedelta(minutes=1))
        return self.inner.handle_request(request)


def test_two_archive_runs_on_one_clip_download_each_file_once(
    user, suno, media_storage, django_capture_on_commit_callbacks
):
    clip = completed_not_archived(user, suno, django_capture_on_commit_callbacks)
    media_calls_before = suno.calls("media")
    with use_transport(SweepMidDownload(suno.simulator, clip.pk)):
        archive.clip_archive(clip_id=clip.pk)
        archive.clip_archive(clip_id=clip.pk)  # the job again (django-q may run a task twice)
    clip.refresh_from_db()
    assert suno.calls("media") - media_calls_before == 2  # one audio, one cover: nothing twice
    assert stored_names() == sorted([clip.audio_file.name, clip.image_file.name])  # no orphan copy
    assert abs(media.decode_duration(clip.audio_file.read()) - clip.duration) < 0.2
    assert clip.next_archive_at is None and clip.archive_lease_until is None


@pytest.mark.django_db(transaction=True)
def test_racing_workers_download_each_file_once(user, media_storage):
    """The job and the sweep in two threads, as two workers run them (where the duplicates were seen)."""
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's shared in-memory test database fails a concurrent writer at once (not after a wait "
            "like a file database): CI's PostgreSQL leg runs this"
        )
    clip_ids = []
    for _ in range(6):
        clip = make_song(owner=user, clips=1, status=Clip.Status.COMPLETE).clips.get()
        Clip.objects.filter(pk=clip.pk).update(
            audio_url="http://127.0.0.1:8765/cdn1/x.mp3", image_url="", next_archive_at=timezone.now()
        )
        clip_ids.append(clip.pk)
    downloads: list[str] = []
    returned = threading.Condition()
    returned_count = {clip_id: 0 for clip_id in clip_ids}

    def cdn(request):
        downloads.append(str(request.url))
        clip_id = int(threading.current_thread().name)
        with returned:  # hold the download until the other worker has tried (and, we hope, given up)
            returned.wait_for(lambda: returned_count[clip_id] >= 1, timeout=5)
        return httpx.Response(200, headers={"content-type": "audio/mpeg"}, content=MP3)

    def worker(clip_id, barrier):
        barrier.wait()
        try:
            archive.clip_archive(clip_id=clip_id)
        finally:
            connection.close()
            with returned:
                returned_count[clip_id] += 1
                returned.notify_all()

    with use_transport(httpx.MockTransport(cdn)):
        for clip_id in clip_ids:
            barrier = threading.Barrier(2)
            threads = [
                threading.Thread(target=worker, args=(clip_id, barrier), name=str(clip_id)) for _ in range(2)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    assert len(downloads) == len(clip_ids)
    assert len(stored_names()) == len(clip_ids)
    assert Clip.objects.filter(pk__in=clip_ids).exclude(audio_file="").count() == len(clip_ids)


class Killed(BaseException):
    """The worker dies mid-download (a SIGKILL or the job timeout): no except clause catches it."""


def dies_mid_stream(request):
    def body():
        yield MP3[:4096]
        raise Killed

    return httpx.Response(
        200,
        headers={"content-type": "audio/mpeg", "content-length": str(len(MP3))},
        stream=_Stream(body()),
    )


class _Stream(httpx.SyncByteStream):
    def __init__(self, chunks):
        self.chunks = chunks

    def __iter__(self):
        yield from self.chunks


def test_a_killed_download_leaves_nothing_under_the_final_name_and_is_retried_later(user, media_storage):
    clip = make_song(owner=user, clips=1, status=Clip.Status.COMPLETE).clips.get()
    now = timezone.now()
    Clip.objects.filter(pk=clip.pk).update(
        audio_url="http://127.0.0.1:8765/cdn1/abc.mp3", image_url="", next_archive_at=now
    )
    with use_transport(httpx.MockTransport(dies_mid_stream)), pytest.raises(Killed):
        archive.clip_archive(clip_id=clip.pk, now=now)
    clip.refresh_from_db()
    assert stored_names() == [] and not clip.audio_file
    assert clip.archive_lease_until == now + archive.ARCHIVE_LEASE  # the dead run's claim, until it expires

    fetched = []

    def cdn(request):
        fetched.append(request.url.path)
        return httpx.Response(200, headers={"content-type": "audio/mpeg"}, content=MP3)

    with use_transport(httpx.MockTransport(cdn)):
        polling.songs_sweep(now=now + timedelta(minutes=1))
        assert fetched == []  # still claimed: nobody downloads beside a run that may be alive
        polling.songs_sweep(now=now + archive.ARCHIVE_LEASE + timedelta(seconds=1))
    clip.refresh_from_db()
    assert fetched == ["/cdn1/abc.mp3"]
    assert clip.audio_file.read() == MP3
    assert stored_names() == [clip.audio_file.name]


def test_temporary_files_killed_downloads_left_are_swept_after_an_hour(settings, media_storage):
    now = timezone.now()
    directories = [settings.MEDIA_TEMP_DIR]
    if media_storage == "local":
        directories.append(default_storage.partial_dir)
    for directory in directories:
        directory.mkdir(parents=True, exist_ok=True)
        for name, age in (("stale", timedelta(hours=2)), ("fresh", timedelta(minutes=5))):
            path = directory / name
            path.write_bytes(b"half a download")
            stamp = (now - age).timestamp()
            os.utime(path, (stamp, stamp))
    polling.songs_sweep(now=now)
    for directory in directories:
        assert sorted(p.name for p in directory.iterdir()) == ["fresh"]


def test_media_on_the_configured_upstream_base_is_archived(user, settings):
    """A simulator (or a relay) on another port: SUNO_API_BASE's host:port is allowed without listing it."""
    settings.SUNO_API_BASE = "http://127.0.0.1:9123"
    clip = make_song(owner=user, clips=1, status=Clip.Status.COMPLETE).clips.get()
    Clip.objects.filter(pk=clip.pk).update(
        audio_url="http://127.0.0.1:9123/cdn1/abc.mp3", image_url="", next_archive_at=timezone.now()
    )
    answer = httpx.MockTransport(
        lambda r: httpx.Response(200, headers={"content-type": "audio/mpeg"}, content=MP3)
    )
    with use_transport(answer):
        archive.clip_archive(clip_id=clip.pk)
    clip.refresh_from_db()
    assert clip.audio_file.read() == MP3 and clip.archive_error == ""


def test_an_archive_refused_by_configuration_shows_on_the_card_and_in_the_admin(user, client, admin_client):
    song = make_song(owner=user, clips=1, status=Clip.Status.COMPLETE)
    clip = song.clips.get()
    Clip.objects.filter(pk=clip.pk).update(
        audio_url="http://127.0.0.1:9999/cdn1/abc.mp3", image_url="", next_archive_at=timezone.now()
    )
    archive.clip_archive(clip_id=clip.pk)
    client.force_login(user)
    card = client.get(reverse("songs:clip_card", args=[clip.pk]), headers={"HX-Request": "true"})
    body = card.content.decode()
    assert "No copy saved here (host 127.0.0.1:9999 is not an upstream media host)" in body
    assert "Saving a copy" not in body
    assert "hx-trigger" not in body  # the card stops asking
    listing = admin_client.get(reverse("admin:songs_clip_changelist") + "?archived=not_saved")
    assert listing.status_code == 200
    assert "not saved: host 127.0.0.1:9999 is not an upstream media host" in listing.content.decode()
    saving = admin_client.get(reverse("admin:songs_clip_changelist") + "?archived=saving")
    assert "127.0.0.1:9999" not in saving.content.decode()
