"""The create form's draft: saved as the creator types, restored on their next visit, gone once generated."""

import pytest
from django.urls import reverse

from songs.models import CreateDraft, Song
from tests.songs.builders import song_form_data

pytestmark = pytest.mark.django_db


def _autosave(client, **fields):
    return client.post(reverse("songs:create_draft_save"), song_form_data(**fields), HTTP_HX_REQUEST="true")


def test_the_autosave_keeps_what_was_typed_and_swaps_only_its_status_line(client, user, suno):
    client.force_login(user)
    response = _autosave(client, title="Half a song", lyrics="[Verse]\nnot done yet", weirdness="80")
    draft = CreateDraft.objects.get(owner=user)
    assert draft.fields["title"] == "Half a song"
    assert draft.fields["lyrics"] == "[Verse]\nnot done yet"
    assert draft.fields["weirdness"] == "80"
    assert "idempotency_key" not in draft.fields
    html = response.content.decode()
    assert html.strip().startswith('<p id="draft-status"') and "Draft saved" in html
    assert Song.objects.count() == 0 and suno.calls() == 0
    _autosave(client, title="Half a song, longer")
    assert CreateDraft.objects.get(owner=user).fields["title"] == "Half a song, longer"  # one per creator


def test_the_create_form_autosaves_a_few_seconds_after_typing_stops(client, user):
    client.force_login(user)
    html = client.get(reverse("songs:song_create")).content.decode()
    status = html.split('<p id="draft-status"')[1].split(">")[0]  # the line inside the form posts it
    assert f'hx-post="{reverse("songs:create_draft_save")}"' in status
    assert 'hx-trigger="input changed delay:3s from:closest form"' in status


def test_coming_back_restores_the_draft_with_a_discard(client, user):
    client.force_login(user)
    _autosave(client, title="Half a song", tags="sea shanty", instrumental="on", vocal_gender="m")
    html = client.get(reverse("songs:song_create")).content.decode()
    assert "Restored your draft from" in html
    assert 'value="Half a song"' in html and 'value="sea shanty"' in html
    assert 'name="instrumental" id="id_instrumental" checked' in html
    assert 'value="m" id="id_vocal_gender_2" checked' in html or 'value="m" checked' in html
    assert reverse("songs:create_draft_discard") in html


def test_discard_forgets_it(client, user):
    client.force_login(user)
    _autosave(client, title="Never mind")
    response = client.post(reverse("songs:create_draft_discard"), {"next": reverse("songs:song_create")})
    assert response.status_code == 302 and response["Location"] == reverse("songs:song_create")
    assert not CreateDraft.objects.exists()
    html = client.get(reverse("songs:song_create")).content.decode()
    assert "Restored your draft" not in html and "Never mind" not in html


def test_generating_deletes_the_draft_and_a_late_autosave_does_not_bring_it_back(
    client, user, suno, django_capture_on_commit_callbacks
):
    client.force_login(user)
    data = song_form_data(title="Ready now")
    _autosave(client, **{k: v for k, v in data.items() if k != "idempotency_key"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("songs:song_create"), data)
    assert Song.objects.count() == 1
    assert not CreateDraft.objects.exists()
    client.post(reverse("songs:create_draft_save"), data)  # the form's timer fired after Generate
    assert not CreateDraft.objects.exists()


def test_an_empty_form_leaves_no_draft(client, user):
    client.force_login(user)
    _autosave(client, title="something")
    _autosave(client, title="", lyrics="", tags="", negative_tags="")
    assert not CreateDraft.objects.exists()


def test_another_users_draft_is_never_shown(client, user, other_user):
    CreateDraft.objects.create(owner=other_user, fields={"title": "Mallory's secret", "mode": "custom"})
    client.force_login(user)
    html = client.get(reverse("songs:song_create")).content.decode()
    assert "Mallory's secret" not in html and "Restored your draft" not in html
    client.post(reverse("songs:create_draft_discard"))
    assert CreateDraft.objects.filter(owner=other_user).exists()  # discard only ever touches your own


def test_copying_a_recipe_is_not_overwritten_by_the_draft(client, user):
    from tests.songs.builders import make_song

    song = make_song(owner=user, title="The recipe")
    client.force_login(user)
    _autosave(client, title="The draft")
    html = client.get(reverse("songs:song_create") + f"?from={song.pk}").content.decode()
    assert 'value="The recipe"' in html and "Restored your draft" not in html
