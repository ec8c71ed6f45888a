"""Extend, whole song (concat) and stems: Songs made from a finished take, submitted once, polled like any."""

import uuid

import pytest
from django.urls import reverse

from songs import services
from songs.models import Song
from sunostudio.errors import Refused
from tests.songs.drive import complete_song, finish_song

pytestmark = pytest.mark.django_db


@pytest.fixture
def clip(user, suno, django_capture_on_commit_callbacks):
    song = complete_song(user, suno, django_capture_on_commit_callbacks)
    return song.clips.order_by("take").first()


def last_body(suno, endpoint):
    return [body for name, _, _, body in suno.simulator.call_log if name == endpoint][-1]


def extend_data(**overrides):
    data = {
        "continue_at": "12.5",
        "title": "Night Drive II",
        "lyrics": "[Verse]\nThe road goes on and on\n[Chorus]\nWe never stop",
        "tags": "synthwave, dreamy",
        "model_version": "chirp-auk",
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def post_extend(client, clip, capture, **overrides):
    with capture(execute=True):
        return client.post(reverse("songs:clip_extend", args=[clip.pk]), extend_data(**overrides))


def test_extend_makes_a_song_with_two_takes_that_continue_the_parent(
    client, user, suno, clip, django_capture_on_commit_callbacks
):
    client.force_login(user)
    data = extend_data()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("songs:clip_extend", args=[clip.pk]), data)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("songs:clip_extend", args=[clip.pk]), data)  # a double click
    song = Song.objects.get(kind=Song.Kind.EXTEND)
    assert response["Location"] == song.get_absolute_url()
    assert song.parent_clip == clip and song.continue_at == 12.5 and song.clips.count() == 2
    assert suno.calls("submit_music") == 2  # the parent's generation and ONE extend
    sent = last_body(suno, "submit_music")
    assert sent["task"] == "extend" and sent["continue_clip_id"] == clip.upstream_id
    assert sent["continue_at"] == 12.5 and sent["task_id"] == clip.song.upstream_task_id
    finish_song(suno, django_capture_on_commit_callbacks, song)
    assert {c.status for c in song.clips.all()} == {"complete"}
    assert song.clips.first().metadata["history"][0]["id"] == clip.upstream_id


def test_extend_form_defaults_to_the_parent_style_and_offers_only_extend_versions(client, user, clip):
    client.force_login(user)
    page = client.get(reverse("songs:clip_detail", args=[clip.pk])).content.decode()
    assert 'value="synthwave, dreamy"' in page
    extend_form = page.split('class="extend-form"', 1)[1].split("</form>", 1)[0]
    assert "chirp-v4-tau" not in extend_form  # persona-only versions cannot extend (a cover may use them)
    assert "Use player position" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"continue_at": "9999"}, "pick a point within it"),
        ({"continue_at": "0"}, "after the start"),
        ({"continue_at": "soon"}, "Enter a number"),
        ({"lyrics": "  "}, "Write the lyrics"),
        ({"model_version": "chirp-v4-tau"}, "Select a valid choice"),
    ],
)
def test_bad_extend_input_keeps_what_was_typed(
    client, user, suno, clip, django_capture_on_commit_callbacks, overrides, message
):
    client.force_login(user)
    response = post_extend(client, clip, django_capture_on_commit_callbacks, title="Keep Me", **overrides)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'value="Keep Me"' in page
    assert not Song.objects.filter(kind=Song.Kind.EXTEND).exists()


def test_extend_refused_by_the_upstream_is_a_failed_song_with_retry(
    client, user, suno, clip, django_capture_on_commit_callbacks
):
    suno.faults.add("insufficient_balance", endpoint="submit_music")
    client.force_login(user)
    post_extend(client, clip, django_capture_on_commit_callbacks)
    song = Song.objects.get(kind=Song.Kind.EXTEND)
    assert song.state == Song.State.FAILED and "music credit" in song.error_message
    page = client.get(song.get_absolute_url()).content.decode()
    assert "Retry" in page


def extended(user, suno, clip, capture):
    with capture(execute=True):
        song, _ = services.clip_extend(
            owner=user,
            parent=clip,
            idempotency_key=uuid.uuid4(),
            continue_at=10.0,
            lyrics="[Verse]\nThe road goes on",
            tags="synthwave",
            title="Night Drive",
            model_version="chirp-auk",
        )
    return finish_song(suno, capture, song)


def test_whole_song_splices_the_chain_once_and_the_pages_show_the_chain(
    client, user, suno, clip, django_capture_on_commit_callbacks
):
    extension = extended(user, suno, clip, django_capture_on_commit_callbacks)
    last = extension.clips.order_by("take").first()
    client.force_login(user)
    card = client.get(extension.get_absolute_url()).content.decode()
    assert "Get whole song" in card
    assert "Original" in card and "Extension" in card  # the chain on the song page
    key = str(uuid.uuid4())
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("songs:clip_concat", args=[last.pk]), {"idempotency_key": key})
    with django_capture_on_commit_callbacks(execute=True):  # a second tab, another key: same whole song
        client.post(reverse("songs:clip_concat", args=[last.pk]), {"idempotency_key": str(uuid.uuid4())})
    whole = Song.objects.get(kind=Song.Kind.CONCAT)
    assert response["Location"] == whole.get_absolute_url()
    assert suno.calls("submit_concat") == 1
    assert whole.clips.count() == 1
    finish_song(suno, django_capture_on_commit_callbacks, whole)
    master = whole.clips.get()
    assert master.is_complete and master.metadata["type"] == "concat"
    assert master.duration == pytest.approx(10.0 + last.duration, abs=0.1)
    page = client.get(whole.get_absolute_url()).content.decode()
    chain = page.split('class="song-chain"')[1].split("</nav>")[0]
    assert chain.index("Original") < chain.index("Extension") < chain.index("Whole song (master)")
    clip_page = client.get(reverse("songs:clip_detail", args=[last.pk])).content.decode()
    assert "Whole song (master)" in clip_page


def test_whole_song_only_from_the_end_of_an_extension(client, user, clip, django_capture_on_commit_callbacks):
    client.force_login(user)
    assert "Get whole song" not in client.get(clip.song.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("songs:clip_concat", args=[clip.pk]), {"idempotency_key": str(uuid.uuid4())}, follow=True
        )
    assert "Only the finished end of an extension" in response.content.decode()
    assert not Song.objects.filter(kind=Song.Kind.CONCAT).exists()


def test_concat_failure_upstream_is_a_failed_state(user, suno, clip, django_capture_on_commit_callbacks):
    extension = extended(user, suno, clip, django_capture_on_commit_callbacks)
    suno.faults.add("server_error", endpoint="submit_concat")
    with django_capture_on_commit_callbacks(execute=True):
        whole, _ = services.clip_concat(
            owner=user, clip=extension.clips.first(), idempotency_key=uuid.uuid4()
        )
    whole.refresh_from_db()
    assert whole.state == Song.State.FAILED and whole.error_message
    assert suno.calls("submit_concat") == 1  # a 500 on a paid call is never resent


@pytest.mark.parametrize(
    ("mode", "count", "names"), [("two", 2, {"Vocals", "Instrumental"}), ("all", 12, {"Drums"})]
)
def test_stems_are_listed_under_the_clip_with_players_and_downloads(
    client, user, suno, clip, django_capture_on_commit_callbacks, mode, count, names
):
    client.force_login(user)
    key = str(uuid.uuid4())
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("songs:clip_stems", args=[clip.pk, mode]), {"idempotency_key": key}
            )
    assert response["Location"] == reverse("songs:clip_detail", args=[clip.pk]) + "#stems"
    stems = Song.objects.get(parent_clip=clip)
    assert stems.clips.count() == count and stems.model_version == "chirp-auk"
    sent = last_body(suno, "submit_music")
    assert sent["task"] == "gen_stem" and sent["mv"] == "chirp-auk"
    assert sent["stem_type_group_name"] == ("Twelve" if mode == "all" else "Two")
    finish_song(suno, django_capture_on_commit_callbacks, stems)
    titles = {c.title.rsplit(" - ", 1)[-1] for c in stems.clips.all()}
    assert names <= titles
    page = client.get(reverse("songs:clip_detail", args=[clip.pk])).content.decode()
    assert page.count("Download MP3") >= count
    assert "Stems of this take" in page


def test_stems_of_a_stem_are_refused(user, suno, clip, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        stems, _ = services.clip_stems(owner=user, clip=clip, full=False, idempotency_key=uuid.uuid4())
    finish_song(suno, django_capture_on_commit_callbacks, stems)
    with pytest.raises(Refused):
        services.clip_stems(owner=user, clip=stems.clips.first(), full=False, idempotency_key=uuid.uuid4())


def test_stems_with_an_unknown_mode_change_nothing(client, user, clip):
    client.force_login(user)
    response = client.post(reverse("songs:clip_stems", args=[clip.pk, "five"]), {"idempotency_key": "x"})
    assert response.status_code == 302
    assert not Song.objects.filter(parent_clip=clip).exists()


def test_a_suspended_creator_cannot_start_paid_tools(
    client, user, suno, clip, django_capture_on_commit_callbacks
):
    from moderation.models import Suspension

    Suspension.objects.create(user=user, reason="spam")
    client.force_login(user)
    response = post_extend(client, clip, django_capture_on_commit_callbacks, title="Keep Me")
    assert response.status_code == 200 and "suspended" in response.content.decode()
    assert 'value="Keep Me"' in response.content.decode()
    with pytest.raises(Refused):
        services.clip_stems(owner=user, clip=clip, full=True, idempotency_key=uuid.uuid4())
    lyrics = client.post(
        reverse("songs:lyrics_draft_create"), {"lyrics_idea": "x", "lyrics_key": str(uuid.uuid4())}
    )
    assert "suspended" in lyrics.content.decode()
    assert Song.objects.count() == 1 and suno.calls("submit_lyrics") == 0
