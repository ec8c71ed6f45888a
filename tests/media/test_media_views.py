"""Every media URL works on both storages: local files answer Range here (or through nginx), bucket files
redirect the owner to a short-lived presigned URL that answers Range itself. Another user gets a 404."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from personas.models import Persona
from songs import services
from songs.models import Clip, ClipAsset, Song
from tests.media.conftest import use_local_storage
from tests.personas.builders import make_persona
from tests.songs.builders import make_public_song, make_song

pytestmark = pytest.mark.django_db

AUDIO = bytes(range(256)) * 40  # make_public_song's 10240 bytes


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes
    redirected_to: str = ""


def fetch(client, url: str, **headers) -> Answer:
    """What a browser ends up with: our answer, or the bucket's after following our redirect."""
    response = client.get(url, headers=headers)
    if response.status_code == 302:
        location = response["Location"]
        answer = httpx.get(location, headers=headers)
        return Answer(answer.status_code, dict(answer.headers), answer.content, location)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return Answer(response.status_code, {k.lower(): v for k, v in response.items()}, body)


def private_song(owner) -> Song:
    """A finished song with its audio and cover archived, not shared."""
    song = make_public_song(owner=owner, clips=1)
    Song.objects.filter(pk=song.pk).update(is_public=False)
    return song


@pytest.fixture
def song(user, media_storage) -> Song:
    return private_song(user)


def clip_url(clip: Clip, kind: str = "audio") -> str:
    return reverse("songs:clip_media", args=[clip.pk, kind])


def test_owner_plays_and_seeks_on_either_storage(client, user, song, media_storage):
    clip = song.clips.get()
    client.force_login(user)
    whole = fetch(client, clip_url(clip))
    assert whole.status == 200 and whole.body == AUDIO
    assert whole.headers["accept-ranges"] == "bytes"
    seek = fetch(client, clip_url(clip), Range="bytes=5000-5099")
    assert seek.status == 206
    assert seek.headers["content-range"] == "bytes 5000-5099/10240"
    assert seek.body == AUDIO[5000:5100]
    assert seek.headers["content-type"] == "audio/mpeg"
    if media_storage == "s3":  # the browser went to the bucket with a signed, expiring URL
        query = parse_qs(urlsplit(seek.redirected_to).query)
        assert "X-Amz-Signature" in query and query["X-Amz-Expires"] == ["3600"]
    else:
        assert seek.redirected_to == ""


def test_download_link_names_the_file_on_either_storage(client, user, song):
    client.force_login(user)
    answer = fetch(client, clip_url(song.clips.get()) + "?download=1")
    assert answer.status == 200 and answer.body == AUDIO
    assert answer.headers["content-disposition"] == (
        "attachment; filename=\"Night Drive - take 1.mp3\"; filename*=UTF-8''Night%20Drive%20-%20take%201.mp3"
    )


def test_every_media_url_is_404_to_another_user(client, user, other_user, song, media_storage):
    clip = song.clips.get()
    asset = ClipAsset.objects.create(clip=clip, kind=ClipAsset.Kind.WAV, status=ClipAsset.Status.READY)
    asset.file.save("wav.wav", ContentFile(b"RIFF" + b"\0" * 100))
    persona = make_persona(owner=user, source_clip=clip)  # private
    client.force_login(other_user)
    urls = [
        clip_url(clip),
        clip_url(clip, "image"),
        reverse("songs:clip_asset_file", args=[clip.pk, "wav"]),
        reverse("public:clip_media", args=[clip.pk, "audio"]),  # the song is private
        reverse("personas:persona_media", args=[persona.pk, "audio"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Location" not in response  # no presigned URL leaks to someone who may not have the file
    client.force_login(user)
    assert fetch(client, reverse("songs:clip_asset_file", args=[clip.pk, "wav"])).body[:4] == b"RIFF"
    assert fetch(client, reverse("personas:persona_media", args=[persona.pk, "audio"])).body == AUDIO


def test_public_page_and_persona_media_play_logged_out_and_ask_again_each_time(client, user, song):
    Song.objects.filter(pk=song.pk).update(is_public=True)
    clip = song.clips.get()
    persona = make_persona(owner=user, source_clip=clip, visibility=Persona.Visibility.PUBLIC)
    public_url = reverse("public:clip_media", args=[clip.pk, "audio"])
    seek = fetch(client, public_url, Range="bytes=0-9")
    assert seek.status == 206 and seek.body == AUDIO[:10]
    response = client.get(public_url)
    assert response["Cache-Control"] == "no-cache"  # hiding the song stops new plays at once
    client.force_login(user)
    assert fetch(client, reverse("personas:persona_media", args=[persona.pk, "image"])).status == 200
    Clip.objects.filter(pk=clip.pk).update(is_hidden=True)
    client.logout()
    assert client.get(public_url).status_code == 404


def test_the_upload_link_streams_from_the_bucket_instead_of_redirecting(client, user, media_storage):
    """The upstream fetches uploads itself, and its fetcher may not follow redirects."""
    song = make_song(owner=user, clips=1, kind=Song.Kind.UPLOAD, status=Clip.Status.COMPLETE)
    clip = song.clips.get()
    clip.audio_file.save("upload.mp3", ContentFile(AUDIO))
    url = services.upload_source_url(clip).removeprefix("http://127.0.0.1:8000")
    response = client.get(url, headers={"Range": "bytes=10-19"})
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == AUDIO[10:20]
    assert response["Content-Range"] == "bytes 10-19/10240"
    assert client.get(url, headers={"Range": "bytes=99999-"}).status_code == 416


@pytest.mark.s3
def test_bucket_is_private_and_the_redirect_is_not_cached_past_half_the_url_life(
    client, user, settings, s3_server, s3_bucket
):
    settings.MEDIA_SIGNED_URL_SECONDS = 600
    song = private_song(user)
    clip = song.clips.get()
    client.force_login(user)
    response = client.get(clip_url(clip))
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, max-age=300"
    unsigned = f"{s3_server.endpoint_url}/{s3_bucket}/{clip.audio_file.name}"
    assert httpx.get(unsigned).status_code == 403
    assert httpx.get(response["Location"]).headers["cache-control"] == "private, max-age=300"


def test_behind_nginx_local_files_go_out_with_x_accel_redirect(client, user, other_user, settings):
    use_local_storage(settings)
    settings.MEDIA_X_ACCEL_REDIRECT = "/protected-media/"
    song = private_song(user)
    clip = song.clips.get()
    client.force_login(user)
    response = client.get(clip_url(clip) + "?download=1", headers={"Range": "bytes=0-9"})
    assert response.status_code == 200 and response.content == b""  # nginx sends the bytes, and the 206
    assert response["X-Accel-Redirect"] == f"/protected-media/{clip.audio_file.name}"
    assert response["Content-Type"] == "audio/mpeg"
    assert response["Content-Disposition"].startswith("attachment;")
    client.force_login(other_user)
    assert client.get(clip_url(clip)).status_code == 404
