"""Cover and replace section: new songs made from a finished take, sent once as the contract says
(docs/upstream.md §5.4), polled like any; a replaced section joined into the whole song with is_infill."""

import uuid

import pytest
from django.urls import reverse

from accounts.models import Action, PaidRequest
from songs import catalogue
from songs.models import Clip, Song
from suno import versions
from tests.songs import test_clip_uploads_lyrics_profile as uploads
from tests.songs.drive import complete_song, finish_song

pytestmark = pytest.mark.django_db
upload, wav_bytes = uploads.upload, uploads.wav_bytes
upstream_fetches_our_links = uploads.upstream_fetches_our_links  # a fixture: the simulator fetches our links


@pytest.fixture
def clip(user, suno, django_capture_on_commit_callbacks):
    song = complete_song(user, suno, django_capture_on_commit_callbacks)
    return song.clips.order_by("take").first()


def bodies(suno, endpoint):
    return [body for name, _, _, body in suno.simulator.call_log if name == endpoint]


def cover_data(**overrides):
    data = {
        "cover-tags": "acoustic jazz trio, brushed drums",
        "cover-title": "Night Drive (jazz)",
        "cover-lyrics": "",
        "cover-model_version": "chirp-bluejay",
        "cover-idempotency_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def replace_data(**overrides):
    data = {
        "replace-start_s": "5",
        "replace-end_s": "12.345",
        "replace-lyrics": "[Verse]\nCity lights are calling me home\n[Chorus]\nA brand new line right here",
        "replace-tags": "",
        "replace-model_version": "chirp-auk",
        "replace-idempotency_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def post(client, capture, name, clip, data):
    with capture(execute=True):
        return client.post(reverse(name, args=[clip.pk]), data)


def test_a_cover_is_two_takes_of_the_parent_sent_once_with_cover_clip_id(
    client, user, suno, clip, django_capture_on_commit_callbacks
):
    client.force_login(user)
    data = cover_data()
    response = post(client, django_capture_on_commit_callbacks, "songs:clip_cover", clip, data)
    post(client, django_capture_on_commit_callbacks, "songs:clip_cover", clip, data)  # a double click
    cover = Song.objects.get(kind=Song.Kind.COVER)
    assert response["Location"] == cover.get_absolute_url()
    assert cover.parent_clip == clip and cover.family_root == clip.song and cover.clips.count() == 2
    assert PaidRequest.objects.filter(action=Action.COVER).count() == 1
    (sent,) = [body for body in bodies(suno, "submit_music") if body.get("task") == "cover"]
    assert sent["cover_clip_id"] == clip.upstream_id and sent["mv"] == "chirp-bluejay"
    assert sent["tags"] == "acoustic jazz trio, brushed drums" and sent["title"] == "Night Drive (jazz)"
    assert sent["prompt"] == clip.metadata["prompt"]  # no new lyrics: the original's words
    assert "continue_clip_id" not in sent and "metadata" not in sent  # More options left alone: none sent
    finish_song(suno, django_capture_on_commit_callbacks, cover)
    assert {c.status for c in cover.clips.all()} == {Clip.Status.COMPLETE}
    page = client.get(cover.get_absolute_url()).content.decode()
    assert "Cover of" in page and reverse("songs:clip_detail", args=[clip.pk]) in page
    parent_page = client.get(reverse("songs:clip_detail", args=[clip.pk])).content.decode()
    assert "Covers of this take" in parent_page


def test_a_cover_with_new_words_and_audio_influence_sends_them(
    client, user, suno, clip, django_capture_on_commit_callbacks
):
    client.force_login(user)
    lyrics = "[Verse]\nNew words for an old tune"
    data = cover_data(**{"cover-lyrics": lyrics, "cover-audio_influence": "80", "cover-vocal_gender": "m"})
    post(client, django_capture_on_commit_callbacks, "songs:clip_cover", clip, data)
    cover = Song.objects.get(kind=Song.Kind.COVER)
    sent = bodies(suno, "submit_music")[-1]
    assert sent["prompt"] == lyrics == cover.lyrics
    assert sent["metadata"] == {"control_sliders": {"audio_weight": 0.8}, "vocal_gender": "m"}


def test_the_forms_offer_only_the_versions_the_contract_allows(client, user, clip):
    client.force_login(user)
    page = client.get(reverse("songs:clip_detail", args=[clip.pk])).content.decode()

    def offered(form_class):
        form = page.split(f'class="{form_class}"', 1)[1].split("</form>", 1)[0]
        return {v.mv for v in catalogue.enabled_versions() if f'<option value="{v.mv}"' in form}

    assert offered("cover-form") == {v.mv for v in catalogue.cover_versions()}
    assert offered("cover-form") <= set(versions.COVER_MODELS) and "chirp-auk" in offered("cover-form")
    assert offered("replace-form") == {"chirp-auk", "chirp-bluejay"}  # REPLACE_MODELS that continue


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cover-model_version": "chirp-crow"}, "Covers can be made only with"),
        ({"cover-model_version": "chirp-v4"}, "Covers can be made only with"),
        ({"cover-tags": "  "}, "Describe the new style"),
        ({"cover-tags": "x" * 1001}, "at most 1,000 characters"),
    ],
)
def test_a_refused_cover_is_a_form_error_that_keeps_what_was_typed(
    client, user, suno, clip, django_capture_on_commit_callbacks, overrides, message
):
    client.force_login(user)
    data = cover_data(**{"cover-title": "Keep Me", "cover-lyrics": "Words I typed", **overrides})
    response = post(client, django_capture_on_commit_callbacks, "songs:clip_cover", clip, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and 'value="Keep Me"' in page and "Words I typed" in page
    assert not Song.objects.filter(kind=Song.Kind.COVER).exists()
    assert not PaidRequest.objects.filter(action=Action.COVER).exists()


def test_an_uploaded_clip_can_be_covered(
    client, user, upstream_fetches_our_links, django_capture_on_commit_callbacks
):
    suno = upstream_fetches_our_links
    client.force_login(user)
    upload(client, django_capture_on_commit_callbacks, content=wav_bytes())
    song = finish_song(suno, django_capture_on_commit_callbacks, Song.objects.get(kind=Song.Kind.UPLOAD))
    uploaded = song.clips.get()
    data = cover_data(**{"cover-lyrics": "[Verse]\nSung over my demo"})
    post(client, django_capture_on_commit_callbacks, "songs:clip_cover", uploaded, data)
    cover = Song.objects.get(kind=Song.Kind.COVER)
    assert bodies(suno, "submit_music")[-1]["cover_clip_id"] == uploaded.upstream_id
    finish_song(suno, django_capture_on_commit_callbacks, cover)
    assert {c.status for c in cover.clips.all()} == {Clip.Status.COMPLETE}


def test_an_upload_with_no_known_words_asks_for_lyrics_or_instrumental(
    client, user, upstream_fetches_our_links, django_capture_on_commit_callbacks
):
    suno = upstream_fetches_our_links
    client.force_login(user)
    upload(client, django_capture_on_commit_callbacks, content=wav_bytes())
    song = finish_song(suno, django_capture_on_commit_callbacks, Song.objects.get(kind=Song.Kind.UPLOAD))
    response = post(
        client, django_capture_on_commit_callbacks, "songs:clip_cover", song.clips.get(), cover_data()
    )
    assert "write the lyrics, or tick Instrumental" in response.content.decode()
    data = cover_data(**{"cover-instrumental": "on"})
    post(client, django_capture_on_commit_callbacks, "songs:clip_cover", song.clips.get(), data)
    sent = bodies(suno, "submit_music")[-1]
    assert sent["make_instrumental"] is True and sent["prompt"] == ""


def test_a_replaced_section_sends_the_window_and_joins_into_the_whole_song_with_is_infill(
    client, user, suno, clip, django_capture_on_commit_callbacks
):
    suno.simulator.set_dialect("strict_task_id")  # infill continues the clip: the relay's task_id rule
    client.force_login(user)
    data = replace_data()
    response = post(client, django_capture_on_commit_callbacks, "songs:clip_replace_section", clip, data)
    post(client, django_capture_on_commit_callbacks, "songs:clip_replace_section", clip, data)  # again
    infill = Song.objects.get(kind=Song.Kind.INFILL)
    assert response["Location"] == infill.get_absolute_url()
    assert infill.parent_clip == clip and infill.family_root == clip.song
    assert (infill.infill_start_s, infill.infill_end_s) == (5.0, 12.35)
    assert PaidRequest.objects.filter(action=Action.REPLACE).count() == 1
    (sent,) = [body for body in bodies(suno, "submit_music") if body.get("task") == "infill"]
    assert sent["continue_clip_id"] == clip.upstream_id and sent["task_id"] == clip.upstream_task_id
    assert (sent["infill_start_s"], sent["infill_end_s"]) == (5.0, 12.35)
    assert sent["mv"] == "chirp-auk" and sent["prompt"] == data["replace-lyrics"]
    assert sent["tags"] == clip.song.tags  # no style given: the parent's
    finish_song(suno, django_capture_on_commit_callbacks, infill)
    take = infill.clips.order_by("take").first()
    assert take.is_complete and take.duration == pytest.approx(clip.duration, abs=0.05)
    page = client.get(infill.get_absolute_url()).content.decode()
    assert "Replaced 0:05–0:12 of" in page and reverse("songs:clip_detail", args=[clip.pk]) in page
    assert "Join into the whole song" in page

    key = {"idempotency_key": str(uuid.uuid4())}
    for _ in range(2):
        response = post(client, django_capture_on_commit_callbacks, "songs:clip_join_infill", take, key)
    whole = Song.objects.get(kind=Song.Kind.CONCAT)
    assert response["Location"] == whole.get_absolute_url()
    assert bodies(suno, "submit_concat") == [{"clip_id": take.upstream_id, "is_infill": True}]
    assert PaidRequest.objects.filter(action=Action.CONCAT).count() == 1
    finish_song(suno, django_capture_on_commit_callbacks, whole)
    assert whole.clips.get().is_complete
    assert "Replaced section" in client.get(whole.get_absolute_url()).content.decode()  # the chain


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"replace-end_s": "9999"}, "end within it"),
        ({"replace-start_s": "12", "replace-end_s": "8"}, "End after the start"),
        ({"replace-start_s": "8", "replace-end_s": "8.001"}, "End after the start"),
        ({"replace-start_s": "-1"}, "Start at 0 seconds or later"),
        ({"replace-start_s": "soon"}, "Enter a number"),
        ({"replace-model_version": "chirp-v4-tau"}, "A section can be replaced only with"),
        ({"replace-model_version": "chirp-crow"}, "A section can be replaced only with"),
        ({"replace-lyrics": "   "}, "Write the lyrics"),
    ],
)
def test_a_refused_window_or_version_is_a_form_error_that_keeps_what_was_typed(
    client, user, suno, clip, django_capture_on_commit_callbacks, overrides, message
):
    client.force_login(user)
    data = replace_data(**{"replace-tags": "Keep Me", **overrides})
    response = post(client, django_capture_on_commit_callbacks, "songs:clip_replace_section", clip, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and 'value="Keep Me"' in page
    assert not Song.objects.filter(kind=Song.Kind.INFILL).exists()
    assert not PaidRequest.objects.filter(action=Action.REPLACE).exists()


def test_a_take_without_its_relay_task_cannot_have_a_section_replaced(
    client, user, suno, clip, django_capture_on_commit_callbacks
):
    Clip.objects.filter(pk=clip.pk).update(upstream_task_id="")  # a persona's native batch made it
    client.force_login(user)
    response = post(
        client, django_capture_on_commit_callbacks, "songs:clip_replace_section", clip, replace_data()
    )
    assert response.status_code == 200
    assert "replace a section of takes made with a persona" in response.content.decode()
    assert not Song.objects.filter(kind=Song.Kind.INFILL).exists() and suno.calls("submit_music") == 1


def test_another_users_clip_is_a_404_for_every_tool(client, other_user, suno, clip):
    client.force_login(other_user)
    for name, data in (
        ("songs:clip_cover", cover_data()),
        ("songs:clip_replace_section", replace_data()),
        ("songs:clip_join_infill", {"idempotency_key": str(uuid.uuid4())}),
    ):
        assert client.post(reverse(name, args=[clip.pk]), data).status_code == 404
    assert not Song.objects.filter(kind__in=[Song.Kind.COVER, Song.Kind.INFILL]).exists()
    assert suno.calls("submit_music") == 1


def test_a_song_page_never_names_a_source_take_of_someone_else(client, user, other_user, suno, clip):
    """Data that points across owners (hand-edited, say) shows no "Cover of" line and no link."""
    from tests.songs.builders import make_song

    theirs = make_song(owner=other_user, kind=Song.Kind.COVER, parent_clip=clip, title="Stolen")
    client.force_login(other_user)
    page = client.get(theirs.get_absolute_url()).content.decode()
    assert "Cover of" not in page and reverse("songs:clip_detail", args=[clip.pk]) not in page


def test_a_form_sent_back_puts_the_focus_on_its_first_wrong_field(
    client, user, suno, clip, django_capture_on_commit_callbacks
):
    client.force_login(user)
    data = replace_data(**{"replace-end_s": "9999"})
    page = post(client, django_capture_on_commit_callbacks, "songs:clip_replace_section", clip, data)
    field = page.content.decode().split('name="replace-end_s"', 1)[1].split(">", 1)[0]
    assert "autofocus" in field
    assert page.content.decode().count("autofocus") == 1
