"""The Library's create panel (wide screens): the form, and Generate answering with out-of-band pieces."""

import pytest
from django.urls import reverse

from songs.models import CreateDraft, Song
from tests.songs.builders import make_song, song_form_data

pytestmark = pytest.mark.django_db


def test_the_library_leaves_room_for_the_panel_and_costs_no_more(client, user):
    client.force_login(user)
    html = client.get(reverse("songs:library")).content.decode()
    assert f'data-panel-url="{reverse("songs:create_panel")}"' in html
    assert 'name="lyrics"' not in html  # the form itself comes later, and only on a wide screen
    trash = client.get(reverse("songs:library") + "?trash=1").content.decode()
    assert "data-create-panel" not in trash


def test_the_panel_is_the_create_form_posting_to_the_library(client, user):
    CreateDraft.objects.create(owner=user, fields={"mode": "custom", "title": "Half a song"})
    client.force_login(user)
    html = client.get(reverse("songs:create_panel"), HTTP_HX_REQUEST="true").content.decode()
    assert f'hx-post="{reverse("songs:library_create")}"' in html
    assert "Restored your draft from" in html and 'value="Half a song"' in html
    assert "<html" not in html


def test_generate_from_the_panel_adds_the_row_on_top_and_keeps_the_form(
    client, user, suno, django_capture_on_commit_callbacks
):
    make_song(owner=user, title="Older song")
    CreateDraft.objects.create(owner=user, fields={"title": "x"})
    client.force_login(user)
    data = song_form_data(title="Panel Song")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("songs:library_create"), data, HTTP_HX_REQUEST="true")
    song = Song.objects.get(title="Panel Song")
    assert response["HX-Reswap"] == "none"  # the form stays as the creator left it
    html = response.content.decode()
    assert 'hx-swap-oob="afterbegin:#library-songs"' in html and f'id="song-{song.pk}"' in html
    assert 'id="id_idempotency_key" hx-swap-oob="true"' in html
    assert data["idempotency_key"] not in html  # a fresh key: Generate again makes another song
    assert "at the top of your list" in html
    assert not CreateDraft.objects.filter(owner=user).exists()
    assert suno.calls("submit_music") == 1
    again = client.post(reverse("songs:library_create"), data, HTTP_HX_REQUEST="true")  # the same key
    assert "afterbegin:#library-songs" not in again.content.decode()  # no second row for the same song
    assert Song.objects.filter(title="Panel Song").count() == 1


def test_a_bad_form_comes_back_in_the_panel_with_what_was_typed(client, user, suno):
    client.force_login(user)
    response = client.post(
        reverse("songs:library_create"), song_form_data(title="Keep me", tags=""), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "HX-Reswap" not in response
    html = response.content.decode()
    assert "Add at least one style" in html and 'value="Keep me"' in html
    assert Song.objects.count() == 0 and suno.calls() == 0
