"""A song made from a description is titled by the title the upstream wrote, not by its prompt; a title
the creator gives it is never overwritten."""

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from songs import polling, services
from songs.models import Song
from suno.simulator.lyrics import write_lyrics
from tests.songs.drive import finish_song

pytestmark = pytest.mark.django_db

PROMPT = "a slow tango about leaving Lisbon at dawn, accordion and rain"


def describe(user, capture, **recipe) -> Song:
    recipe = {"kind": "description", "description": PROMPT, "model_version": "chirp-auk", **recipe}
    with capture(execute=True):
        song, _ = services.song_create(owner=user, idempotency_key=uuid.uuid4(), **recipe)
    return song


def heading(html: str) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()


def test_the_upstream_title_names_the_song_in_the_library_and_on_its_page(
    client, user, suno, django_capture_on_commit_callbacks
):
    upstream_title = write_lyrics(PROMPT)[0]  # what the simulator, like Suno, writes for this prompt
    assert upstream_title and upstream_title not in PROMPT[:60]
    song = finish_song(
        suno, django_capture_on_commit_callbacks, describe(user, django_capture_on_commit_callbacks)
    )
    assert song.title == upstream_title and song.display_title == upstream_title
    assert {clip.title for clip in song.clips.all()} == {upstream_title}

    client.force_login(user)
    library = client.get(reverse("songs:library")).content.decode()
    links = re.findall(rf'<a href="{song.get_absolute_url()}"[^>]*>\s*([^<]*?)\s*</a>', library)
    assert links and set(links) == {upstream_title}  # the row links to the song by its title
    page = client.get(song.get_absolute_url()).content.decode()
    assert heading(page) == upstream_title
    assert f"<title>{upstream_title} · Suno Studio</title>" in page


def test_the_first_take_to_report_a_title_names_the_song(user, suno, django_capture_on_commit_callbacks):
    song = describe(user, django_capture_on_commit_callbacks)
    assert song.title == "" and song.display_title == PROMPT[:60]  # nothing from the upstream yet
    now = suno.advance(4)
    with django_capture_on_commit_callbacks(execute=True):
        polling.clips_poll_due(now=now + timedelta(seconds=60))  # the first poll: takes still streaming
    song.refresh_from_db()
    assert song.title == write_lyrics(PROMPT)[0]
    assert any(not clip.is_terminal for clip in song.clips.all())


def test_a_title_the_creator_gave_is_kept(user, suno, django_capture_on_commit_callbacks):
    song = describe(user, django_capture_on_commit_callbacks)
    # The creator renames it before the first take reports (the Library's rename sets Song.title).
    Song.objects.filter(pk=song.pk).update(title="Lisbon at Dawn")
    song = finish_song(suno, django_capture_on_commit_callbacks, song)
    assert song.title == "Lisbon at Dawn"
    assert {clip.title for clip in song.clips.all()} == {write_lyrics(PROMPT)[0]}  # the takes keep theirs


def test_songs_made_before_take_their_first_takes_title(user):
    import importlib

    from django.apps import apps

    from songs.models import Clip, Song
    from tests.songs.builders import make_song

    migration = importlib.import_module("songs.migrations.0017_description_song_titles")
    old = make_song(owner=user, kind=Song.Kind.DESCRIPTION, title="", description="a song about the sea")
    Clip.objects.filter(song=old, take=1).update(title="Harbour\nLights")
    renamed = make_song(owner=user, kind=Song.Kind.DESCRIPTION, title="Mine", description="rain")
    untitled = make_song(owner=user, kind=Song.Kind.DESCRIPTION, title="", description="wind")
    Clip.objects.filter(song=untitled).update(title="")
    migration.forwards(apps, None)
    assert [
        s.title for s in Song.objects.filter(pk__in=[old.pk, renamed.pk, untitled.pk]).order_by("pk")
    ] == [
        "Harbour Lights",
        "Mine",
        "",
    ]
