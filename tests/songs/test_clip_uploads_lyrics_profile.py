"""Uploading music to extend, lyric drafts for the create form, and the creator's default model version."""

import uuid
from datetime import timedelta

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from songs import forms, selectors, services
from songs.models import Clip, LyricsDraft, Song
from suno.simulator import media
from tests.songs.drive import finish_song, tick_tools

pytestmark = pytest.mark.django_db


def wav_bytes(seconds: float = 6.0) -> bytes:
    t = np.arange(int(seconds * media.SAMPLE_RATE)) / media.SAMPLE_RATE
    return media.encode_wav((0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32))


@pytest.fixture
def upstream_fetches_our_links(suno):
    """The simulator downloads the signed link like the real upstream would, here through Django's client."""

    def fetch(url):
        response = Client().get(url.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
        if response.status_code != 200:
            raise OSError(f"HTTP {response.status_code}")
        return b"".join(response.streaming_content), response["Content-Type"]

    suno.simulator.url_fetcher = fetch
    return suno


def upload(client, capture, *, content: bytes, name: str = "My demo.wav", **data):
    with capture(execute=True):
        return client.post(
            reverse("songs:upload_create"),
            {"audio": SimpleUploadedFile(name, content), "idempotency_key": str(uuid.uuid4()), **data},
        )


def test_upload_then_extend_it(client, user, upstream_fetches_our_links, django_capture_on_commit_callbacks):
    suno = upstream_fetches_our_links
    client.force_login(user)
    response = upload(client, django_capture_on_commit_callbacks, content=wav_bytes())
    song = Song.objects.get(kind=Song.Kind.UPLOAD)
    assert response["Location"] == song.get_absolute_url()
    clip = song.clips.get()
    assert song.title == "My demo" and clip.duration == pytest.approx(6.0, abs=0.05)
    assert suno.calls("upload_audio_url") == 1
    sent_url = [body for name, _, _, body in suno.simulator.call_log if name == "upload_audio_url"][0]["url"]
    assert sent_url.startswith("http://127.0.0.1:8000/songs/upload/source/")
    finish_song(suno, django_capture_on_commit_callbacks, song)
    clip.refresh_from_db()
    assert clip.is_complete and clip.upstream_id
    page = client.get(song.get_absolute_url()).content.decode()
    assert "Extend this upload" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("songs:clip_extend", args=[clip.pk]),
            {
                "continue_at": "4",
                "title": "My demo, extended",
                "lyrics": "[Verse]\nAnd then the band came in",
                "tags": "indie rock",
                "model_version": "chirp-auk",
                "idempotency_key": str(uuid.uuid4()),
            },
        )
    extension = Song.objects.get(kind=Song.Kind.EXTEND)
    sent = [body for name, _, _, body in suno.simulator.call_log if name == "submit_music"][-1]
    assert sent["task"] == "upload_extend" and sent["continue_clip_id"] == clip.upstream_id
    finish_song(suno, django_capture_on_commit_callbacks, extension)
    assert {c.status for c in extension.clips.all()} == {Clip.Status.COMPLETE}


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"just some text, certainly not music " * 20, "song.mp3", "look like an audio file"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 40, "broken.wav", "read this audio file"),
    ],
)
def test_a_bad_file_gets_a_clear_message_and_nothing_is_created(
    client, user, suno, django_capture_on_commit_callbacks, content, name, message
):
    client.force_login(user)
    response = upload(client, django_capture_on_commit_callbacks, content=content, name=name, title="Keep me")
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and 'value="Keep me"' in page
    assert not Song.objects.exists() and not Clip.objects.exists()
    assert suno.calls("upload_audio_url") == 0


def test_a_file_over_the_size_cap_is_refused(
    client, user, suno, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(forms, "UPLOAD_MAX_BYTES", 1024)
    client.force_login(user)
    response = upload(client, django_capture_on_commit_callbacks, content=wav_bytes(1))
    assert "the limit is" in response.content.decode()
    assert not Song.objects.exists()


def test_the_signed_link_works_without_login_only_while_valid(
    client, user, suno, django_capture_on_commit_callbacks, monkeypatch
):
    client.force_login(user)
    upload(client, django_capture_on_commit_callbacks, content=wav_bytes(2))  # the fetch fails: no matter
    clip = Clip.objects.get()
    url = services.upload_source_url(clip).removeprefix("http://127.0.0.1:8000")
    anonymous = Client()
    response = anonymous.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content)[:4] == b"RIFF"
    assert anonymous.get(url[:-3] + "xx/").status_code == 404  # forged
    monkeypatch.setattr(services, "UPLOAD_LINK_MAX_AGE", -1)
    assert anonymous.get(url).status_code == 404  # expired


def test_upload_the_upstream_cannot_fetch_fails_with_the_reason(
    client, user, suno, django_capture_on_commit_callbacks
):
    client.force_login(user)
    upload(client, django_capture_on_commit_callbacks, content=wav_bytes(2))  # 127.0.0.1:8000 isn't running
    song = finish_song(suno, django_capture_on_commit_callbacks, Song.objects.get())
    clip = song.clips.get()
    assert clip.is_failed and "Unable to download audio" in clip.error_message
    assert "Retry" in client.get(song.get_absolute_url()).content.decode()


# --- Lyric drafts ------------------------------------------------------------------------------------


def write_lyrics(client, capture, idea, key=None):
    with capture(execute=True):
        return client.post(
            reverse("songs:lyrics_draft_create"),
            {"lyrics_idea": idea, "lyrics_key": key or str(uuid.uuid4())},
        )


def test_lyrics_are_written_from_an_idea_and_fill_the_form(
    client, user, suno, django_capture_on_commit_callbacks
):
    client.force_login(user)
    key = str(uuid.uuid4())
    response = write_lyrics(
        client, django_capture_on_commit_callbacks, "a lighthouse keeper's last night", key
    )
    write_lyrics(
        client, django_capture_on_commit_callbacks, "a lighthouse keeper's last night", key
    )  # double
    assert suno.calls("submit_lyrics") == 1
    body = response.content.decode()
    assert (
        'hx-trigger="every 2s"' in body and 'hx-swap-oob="true"' in body
    )  # polls; a fresh key for next time
    draft = LyricsDraft.objects.get()
    tick_tools(suno, django_capture_on_commit_callbacks, rounds=2)
    draft.refresh_from_db()
    assert draft.state == LyricsDraft.State.COMPLETE and draft.title and "[Verse]" in draft.text
    panel = client.get(reverse("songs:lyrics_draft_detail", args=[draft.pk])).content.decode()
    assert "hx-trigger" not in panel and 'data-state="complete"' in panel and "application/json" in panel
    page = client.get(reverse("songs:song_create")).content.decode()
    assert "Write lyrics" in page and 'data-insert-tag="[Chorus]"' in page


def test_an_empty_idea_is_a_form_error_and_no_call(client, user, suno, django_capture_on_commit_callbacks):
    client.force_login(user)
    response = write_lyrics(client, django_capture_on_commit_callbacks, "   ")
    assert response.status_code == 200 and "Describe an idea first" in response.content.decode()
    assert not LyricsDraft.objects.exists() and suno.calls("submit_lyrics") == 0


def test_lyrics_refused_upstream_show_the_reason(client, user, suno, django_capture_on_commit_callbacks):
    suno.faults.add("insufficient_balance", endpoint="submit_lyrics")
    client.force_login(user)
    write_lyrics(client, django_capture_on_commit_callbacks, "rainy day in Lisbon")
    draft = LyricsDraft.objects.get()
    assert draft.state == LyricsDraft.State.FAILED and "music credit" in draft.error_message
    panel = client.get(reverse("songs:lyrics_draft_detail", args=[draft.pk])).content.decode()
    assert "music credit" in panel and "hx-trigger" not in panel


def test_a_lyrics_task_that_never_finishes_gives_up(user, suno, django_capture_on_commit_callbacks):
    suno.simulator.lyrics_after = 10_000
    with django_capture_on_commit_callbacks(execute=True):
        draft, _ = services.lyrics_draft_create(owner=user, idempotency_key=uuid.uuid4(), idea="the sea")
    LyricsDraft.objects.filter(pk=draft.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    tick_tools(suno, django_capture_on_commit_callbacks)
    draft.refresh_from_db()
    assert draft.state == LyricsDraft.State.FAILED


def test_another_creators_lyrics_are_404(client, user, other_user, suno, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        draft, _ = services.lyrics_draft_create(owner=user, idempotency_key=uuid.uuid4(), idea="the sea")
    client.force_login(other_user)
    assert client.get(reverse("songs:lyrics_draft_detail", args=[draft.pk])).status_code == 404


# --- Model version: site default, creator default, per-action choices ------------------------------------


def test_profile_default_preselects_the_create_form(client, user, settings):
    settings.SUNO_DEFAULT_MODEL = "chirp-auk"
    client.force_login(user)
    page = client.get(reverse("songs:song_create")).content.decode()
    assert '<option value="chirp-auk" selected>' in page
    response = client.post(reverse("songs:profile"), {"default_model_version": "chirp-crow"})
    assert response.status_code == 302
    page = client.get(reverse("songs:song_create")).content.decode()
    assert '<option value="chirp-crow" selected>' in page
    assert 'value="chirp-crow" selected' in client.get(reverse("songs:profile")).content.decode()


def test_profile_refuses_a_version_that_cannot_generate(client, user):
    client.force_login(user)
    response = client.post(reverse("songs:profile"), {"default_model_version": "chirp-v4-tau"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert selectors.default_model_for(user) == "chirp-auk"


def test_each_form_offers_only_versions_valid_for_its_action():
    extend_versions = dict(forms.extend_version_choices())
    assert "chirp-v4-tau" not in extend_versions and "chirp-auk" in extend_versions
    profile_versions = dict(forms.profile_version_choices())
    assert "chirp-v3-0" not in profile_versions and "chirp-v4-tau" not in profile_versions
