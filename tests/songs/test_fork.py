"""Make another from this recipe, and Fork: the create form starts from a song; a fork remembers it."""

import pytest
from django.urls import reverse

from songs.models import Song
from tests.songs.builders import make_song, song_form_data

pytestmark = pytest.mark.django_db


def _original(user) -> Song:
    return make_song(
        owner=user,
        title="Night Drive",
        tags="synthwave, dreamy",
        control_sliders={"weirdness_constraint": 0.4},
        vocal_gender="f",
    )


def test_the_song_page_offers_make_another_and_fork(client, user):
    song = _original(user)
    client.force_login(user)
    html = client.get(song.get_absolute_url()).content.decode()
    assert f"{reverse('songs:song_create')}?from={song.pk}" in html
    assert f"{reverse('songs:song_create')}?fork={song.pk}" in html


@pytest.mark.parametrize("param", ["from", "fork"])
def test_both_open_the_form_filled_with_the_recipe(client, user, param):
    song = _original(user)
    client.force_login(user)
    html = client.get(reverse("songs:song_create") + f"?{param}={song.pk}").content.decode()
    assert 'value="Night Drive"' in html and 'value="synthwave, dreamy"' in html
    assert 'class="slider-value">40</output>' in html
    assert ('name="forked_from"' in html) == (param == "fork")


def test_a_fork_records_its_original_and_its_page_shows_only_what_changed(
    client, user, suno, django_capture_on_commit_callbacks
):
    original = _original(user)
    client.force_login(user)
    data = song_form_data(
        title="Night Drive",
        lyrics=original.lyrics,
        tags="synthwave, dreamy, 120 bpm",
        negative_tags="",
        weirdness="40",
        vocal_gender="m",
        forked_from=str(original.pk),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("songs:song_create"), data)
    fork = Song.objects.exclude(pk=original.pk).get()
    assert response["Location"] == fork.get_absolute_url()
    assert fork.forked_from == original
    html = client.get(fork.get_absolute_url()).content.decode()
    assert "Forked from" in html and original.get_absolute_url() in html
    changes = html.split('class="recipe-changes"')[1].split("</ul>")[0]
    assert "<strong>Style:</strong>" in changes and "120 bpm" in changes
    assert "<strong>Vocal gender:</strong>" in changes and "Female" in changes and "Male" in changes
    assert "<strong>Title:</strong>" not in changes  # unchanged fields are left out
    assert "<strong>Weirdness:</strong>" not in changes
    assert "<strong>Lyrics:</strong>" not in changes


def test_make_another_records_no_fork(client, user, suno, django_capture_on_commit_callbacks):
    _original(user)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("songs:song_create"), song_form_data())
    assert Song.objects.filter(forked_from__isnull=False).count() == 0


def test_forking_someone_elses_song_is_not_possible(client, user, other_user, suno):
    theirs = _original(other_user)
    client.force_login(user)
    html = client.get(reverse("songs:song_create") + f"?fork={theirs.pk}").content.decode()
    assert "Night Drive" not in html and 'name="forked_from"' not in html
    client.post(reverse("songs:song_create"), song_form_data(forked_from=str(theirs.pk)))
    mine = Song.objects.get(owner=user)
    assert mine.forked_from is None


def test_a_song_that_is_not_a_fork_shows_no_diff(client, user):
    song = _original(user)
    client.force_login(user)
    assert "Forked from" not in client.get(song.get_absolute_url()).content.decode()


def test_the_song_page_says_what_fork_does_beside_make_another(client, user):
    """Two buttons, 'Make another from this recipe' and 'Fork', with nothing to tell them apart."""
    song = _original(user)
    client.force_login(user)
    html = client.get(song.get_absolute_url()).content.decode()
    assert 'role="button" aria-describedby="fork-help">Fork</a>' in html
    assert 'id="fork-help"' in html and "its page shows what you changed" in html
