"""Archiving media: only from upstream media hosts, capped, type-checked, atomic, retried, URL kept."""

from datetime import timedelta

import httpx
import pytest

from songs import archive, polling
from songs.models import Clip
from suno.simulator import media
from sunostudio.upstream import use_transport
from tests.songs.builders import make_song

pytestmark = pytest.mark.django_db

MP3 = media.encode_mp3(media.render_clip("t", tags="pop", lyrics="", duration=2.0, instrumental=True).samples)


def complete_clip(
    user,
    *,
    audio_url="http://127.0.0.1:8765/cdn1/abc.mp3",
    image_url="http://127.0.0.1:8765/cdn2/image_abc.jpeg",
) -> Clip:
    song = make_song(owner=user, clips=1, status=Clip.Status.COMPLETE)
    clip = song.clips.get()
    clip.audio_url, clip.image_url, clip.upstream_id = audio_url, image_url, "abc"
    clip.save()
    return clip


def serve(answers):
    """An upstream CDN that answers each path with (status, content type, body)."""
    seen = []

    def handler(request):
        seen.append(str(request.url))
        status, content_type, body = answers[request.url.path]
        return httpx.Response(status, headers={"content-type": content_type}, content=body)

    return httpx.MockTransport(handler), seen


CDN_OK = {
    "/cdn1/abc.mp3": (200, "audio/mpeg", MP3),
    "/cdn2/image_abc.jpeg": (200, "image/jpeg", b"\xff\xd8\xff\xe0 fake jpeg"),
}


def test_complete_clip_is_archived_from_the_simulator(user, suno, django_capture_on_commit_callbacks):
    from tests.songs.test_polling import create_songs

    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        polling.clips_poll_due(now=suno.advance(13) + timedelta(seconds=60))
    clip = song.clips.first()
    assert clip.audio_file and clip.image_file
    assert clip.audio_file.name.endswith(".mp3") and clip.image_file.name.endswith(".jpeg")
    assert clip.playable_url == f"/songs/clips/{clip.pk}/audio/"
    assert abs(media.decode_duration(clip.audio_file.read()) - clip.duration) < 0.2
    assert clip.audio_url.startswith(suno.simulator.base_url)  # the upstream URL is kept


def test_archive_writes_files_and_keeps_urls(user):
    clip = complete_clip(user)
    transport, _ = serve(CDN_OK)
    with use_transport(transport):
        archive.clip_archive(clip_id=clip.pk)
    clip.refresh_from_db()
    assert clip.audio_file.read() == MP3
    assert clip.audio_url.endswith("abc.mp3")
    assert clip.next_archive_at is None and clip.archive_error == ""


@pytest.mark.parametrize(
    "audio_url",
    [
        "http://evil.example.com/cdn1/abc.mp3",  # not an upstream media host
        "http://127.0.0.1:9999/cdn1/abc.mp3",  # right host, wrong port
        "http://127.0.0.1:8765/audiopipe/?item_id=abc",  # a live stream, never archived
        "file:///etc/passwd",
    ],
)
def test_media_from_other_hosts_is_never_fetched(user, audio_url):
    clip = complete_clip(user, audio_url=audio_url, image_url="")
    transport, seen = serve(CDN_OK)
    with use_transport(transport):
        archive.clip_archive(clip_id=clip.pk)
    clip.refresh_from_db()
    assert seen == []
    assert not clip.audio_file
    assert clip.archive_error and clip.next_archive_at is None
    assert clip.audio_url == audio_url


def test_https_is_required_in_production(user, settings):
    settings.SUNO_MEDIA_REQUIRE_HTTPS = True
    settings.SUNO_MEDIA_HOSTS = ["cdn1.suno.ai", "cdn2.suno.ai"]
    clip = complete_clip(user, audio_url="http://cdn1.suno.ai/abc.mp3", image_url="")
    transport, seen = serve({"/abc.mp3": (200, "audio/mpeg", MP3)})
    with use_transport(transport):
        archive.clip_archive(clip_id=clip.pk)
    clip.refresh_from_db()
    assert seen == [] and not clip.audio_file
    clip.audio_url = "https://cdn1.suno.ai/abc.mp3"
    clip.save()
    with use_transport(transport):
        archive.clip_archive(clip_id=clip.pk)
    clip.refresh_from_db()
    assert clip.audio_file.read() == MP3


def test_wrong_content_type_is_rejected(user):
    clip = complete_clip(user, image_url="")
    transport, _ = serve({"/cdn1/abc.mp3": (200, "text/html", b"<html>not audio</html>")})
    with use_transport(transport):
        archive.clip_archive(clip_id=clip.pk)
    clip.refresh_from_db()
    assert not clip.audio_file
    assert "content type" in clip.archive_error


def test_size_cap(user, monkeypatch):
    monkeypatch.setitem(archive.SIZE_CAPS, "audio", 1000)
    clip = complete_clip(user, image_url="")
    transport, _ = serve({"/cdn1/abc.mp3": (200, "audio/mpeg", MP3)})
    with use_transport(transport):
        archive.clip_archive(clip_id=clip.pk)
    clip.refresh_from_db()
    assert not clip.audio_file
    assert "size cap" in clip.archive_error
    assert list(archive.settings.MEDIA_TEMP_DIR.iterdir()) == []  # nothing half-written left


def test_failed_download_is_retried_later_and_keeps_the_url(user):
    clip = complete_clip(user, image_url="")
    transport, _ = serve({"/cdn1/abc.mp3": (503, "text/plain", b"busy")})
    with use_transport(transport):
        archive.clip_archive(clip_id=clip.pk)
    clip.refresh_from_db()
    assert not clip.audio_file and clip.archive_attempts == 1
    assert clip.next_archive_at is not None
    assert clip.playable_url == clip.audio_url  # still playable from the upstream meanwhile
    ok, _ = serve(CDN_OK)
    with use_transport(ok):
        polling.songs_sweep(now=clip.next_archive_at)
    clip.refresh_from_db()
    assert clip.audio_file.read() == MP3
