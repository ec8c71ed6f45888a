"""The model catalogue is data the operator edits in the admin; the create form follows at once."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from songs import catalogue
from songs.models import ModelVersion, Song
from tests.songs.builders import song_form_data

pytestmark = pytest.mark.django_db

CHANGE_LIST = reverse("admin:songs_modelversion_changelist")


def _offered(client) -> str:
    return html.unescape(client.get(reverse("songs:song_create")).content.decode())


def test_the_catalogue_is_seeded_with_todays_versions_and_v6(db):
    rows = {v.mv: v for v in ModelVersion.objects.all()}
    assert {"chirp-auk", "chirp-crow", "chirp-fenix", "chirp-hawk", "chirp-hawk-wild", "chirp-goose"} <= set(
        rows
    )
    assert rows["chirp-hawk"].note == "newest; not yet confirmed on ElkAPI"
    assert not rows["chirp-v3-0"].is_enabled and rows["chirp-v4-tau"].can_persona
    assert not rows["chirp-v4-tau"].can_generate and rows["chirp-auk"].can_stems


def test_reading_the_catalogue_is_one_query_then_cached(django_assert_num_queries):
    catalogue.enabled_versions()  # may be warm from another test; start cold:
    ModelVersion.objects.filter(mv="chirp-auk").update(label="v4.5")  # (update() sends no signal)
    catalogue._forget()
    with django_assert_num_queries(1):
        catalogue.generation_versions()
        catalogue.persona_versions()
        catalogue.get_version("chirp-crow")


def test_disabling_a_version_in_the_admin_takes_it_off_the_form_at_once(admin_client, user, client):
    client.force_login(user)
    assert 'value="chirp-crow"' in _offered(client)
    crow = ModelVersion.objects.get(mv="chirp-crow")
    response = admin_client.post(
        reverse("admin:songs_modelversion_change", args=[crow.pk]),
        {
            **{
                f.name: getattr(crow, f.name)
                for f in ModelVersion._meta.fields
                if f.name not in ("id", "updated_at")
            },
            "is_enabled": "",  # unticked
            "can_generate": "on",
            "can_extend": "on",
        },
    )
    assert response.status_code == 302
    assert 'value="chirp-crow"' not in _offered(client)
    response = client.post(reverse("songs:song_create"), song_form_data(model_version="chirp-crow"))
    assert response.status_code == 200 and not Song.objects.exists()  # refused, and what was typed kept
    assert "Night Drive" in response.content.decode()


def test_a_new_label_and_limit_show_on_the_form(user, client):
    client.force_login(user)
    hawk = ModelVersion.objects.get(mv="chirp-hawk")
    hawk.label, hawk.lyrics_max = "v6 (try me)", 20
    hawk.save()
    page = _offered(client)
    assert "v6 (try me) (chirp-hawk)" in page and '"chirp-hawk": {"lyrics": 20' in page
    response = client.post(reverse("songs:song_create"), song_form_data(model_version="chirp-hawk"))
    assert "takes at most 20 characters" in response.content.decode() and not Song.objects.exists()


def test_the_operator_default_preselects_the_form(user, client):
    client.force_login(user)
    ModelVersion.objects.filter(mv="chirp-fenix").update(is_default=True)
    catalogue._forget()
    page = _offered(client)
    assert 'value="chirp-fenix" selected' in page


def test_the_changelist_renders_for_staff(admin_client):
    assert "chirp-hawk" in admin_client.get(CHANGE_LIST).content.decode()
