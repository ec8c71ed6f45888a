"""The create form's More options: weirdness, style influence and vocal gender reach the upstream."""

import re

import pytest
from django.urls import reverse

from songs.models import Song
from tests.songs.builders import make_song, song_form_data

pytestmark = pytest.mark.django_db


def _submitted_bodies(suno) -> list[dict]:
    return [body for endpoint, _, _, body in suno.simulator.call_log if endpoint == "submit_music"]


def test_more_options_are_stored_and_sent_as_metadata(client, user, suno, django_capture_on_commit_callbacks):
    client.force_login(user)
    data = song_form_data(weirdness="70", style_influence="25", vocal_gender="f")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("songs:song_create"), data)
    song = Song.objects.get()
    assert response.status_code == 302
    assert song.control_sliders == {"weirdness_constraint": 0.7, "style_weight": 0.25}
    assert song.vocal_gender == "f"
    (body,) = _submitted_bodies(suno)
    assert body["metadata"] == {
        "control_sliders": {"weirdness_constraint": 0.7, "style_weight": 0.25},
        "vocal_gender": "f",
    }


def test_instrumental_and_description_songs_carry_them_too(
    client, user, suno, django_capture_on_commit_callbacks
):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("songs:song_create"), song_form_data(instrumental="on", lyrics="", weirdness="10")
        )
        client.post(
            reverse("songs:song_create"),
            song_form_data(mode="description", description="a road trip", vocal_gender="m"),
        )
    instrumental, description = _submitted_bodies(suno)
    assert instrumental["metadata"] == {"control_sliders": {"weirdness_constraint": 0.1}}
    assert description["metadata"] == {"vocal_gender": "m"}


def test_sliders_left_in_the_middle_send_no_metadata(client, user, suno, django_capture_on_commit_callbacks):
    client.force_login(user)
    data = song_form_data(weirdness="50", style_influence="50", vocal_gender="")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("songs:song_create"), data)
    (body,) = _submitted_bodies(suno)
    assert "metadata" not in body
    assert Song.objects.get().control_sliders == {}


def test_an_out_of_range_value_is_a_form_error_that_keeps_what_was_typed(client, user, suno):
    client.force_login(user)
    data = song_form_data(weirdness="150", title="Keep this title")
    response = client.post(reverse("songs:song_create"), data)
    assert response.status_code == 200
    assert Song.objects.count() == 0
    html = response.content.decode()
    assert "Pick a value from 0 to 100." in html
    assert 'value="150"' in html  # the slider keeps the typed number
    assert 'value="Keep this title"' in html
    assert '<details class="more-options" open>' in html  # opened, so the error shows
    assert suno.calls() == 0


def test_the_create_page_folds_more_options_and_has_no_audio_influence(client, user):
    client.force_login(user)
    html = client.get(reverse("songs:song_create")).content.decode()
    assert '<details class="more-options">' in html
    assert 'name="weirdness"' in html and 'name="style_influence"' in html
    assert 'name="audio_influence"' not in html  # only forms with source audio (covers, uploads) offer it
    assert 'type="range"' in html
    # the unset vocal gender says "Any": "None" read as "no vocals" next to Instrumental
    assert 'value="" id="id_vocal_gender_0" checked> Any</label>' in html and "> None</label>" not in html


def test_the_recipe_shows_them_and_make_another_keeps_them(client, user):
    song = make_song(
        owner=user, control_sliders={"weirdness_constraint": 0.7, "style_weight": 0.3}, vocal_gender="m"
    )
    client.force_login(user)
    page = client.get(song.get_absolute_url()).content.decode()
    assert "<dt>Weirdness</dt><dd>70</dd>" in page
    assert "<dt>Style influence</dt><dd>30</dd>" in page
    assert "<dt>Vocal gender</dt><dd>Male</dd>" in page
    form = client.get(reverse("songs:song_create") + f"?from={song.pk}").content.decode()
    assert 'id="id_weirdness-value" class="slider-value">70</output>' in form
    assert re.search(r'name="vocal_gender" value="m"[^>]*checked', form)
