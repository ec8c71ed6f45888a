import re

import pytest
from django.urls import reverse

from accounts.services import account_of
from songs.models import Clip
from tests.songs.builders import make_song, make_songs

pytestmark = pytest.mark.django_db


@pytest.fixture
def archived_clip(user, tmp_path):
    from django.core.files.base import ContentFile

    song = make_song(owner=user, clips=1, status=Clip.Status.COMPLETE, title="Night Drive")
    clip = song.clips.get()
    clip.audio_file.save("audio.mp3", ContentFile(bytes(range(256)) * 40), save=True)
    return clip


def test_pages_need_a_login(client):
    response = client.get(reverse("songs:library"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_root_sends_a_creator_to_the_library(client, user):
    client.force_login(user)
    assert client.get("/")["Location"] == reverse("songs:library")


def test_htmx_request_with_an_expired_session_redirects_the_page(client, user):
    song = make_song(owner=user)
    response = client.get(
        reverse("songs:clip_card", args=[song.clips.first().pk]), headers={"HX-Request": "true"}
    )
    assert response.headers["HX-Redirect"].startswith(reverse("login"))


def test_other_users_objects_are_404_everywhere(client, user, other_user, archived_clip):
    song = archived_clip.song
    client.force_login(other_user)
    urls = [
        reverse("songs:song_detail", args=[song.pk]),
        reverse("songs:song_row", args=[song.pk]),
        reverse("songs:clip_card", args=[archived_clip.pk]),
        reverse("songs:clip_media", args=[archived_clip.pk, "audio"]),
        reverse("songs:clip_media", args=[archived_clip.pk, "image"]),
        reverse("songs:song_create") + f"?from={song.pk}",
    ]
    for url in urls[:-1]:
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 404, url
    assert client.post(reverse("songs:song_retry", args=[song.pk])).status_code == 404
    # the create form doesn't leak another creator's recipe
    assert "Night Drive" not in client.get(urls[-1]).content.decode()


def test_polling_card_refreshes_itself_until_terminal(client, user):
    song = make_song(owner=user, clips=1, status=Clip.Status.STREAMING)
    clip = song.clips.get()
    clip.audio_url = "http://127.0.0.1:8765/audiopipe/?item_id=x"
    clip.save()
    client.force_login(user)
    url = reverse("songs:clip_card", args=[clip.pk])
    body = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in body and f'hx-get="{url}"' in body
    # A play button for the one player, with the stream's URL, and no <audio> of the card's own.
    play = f'data-play aria-pressed="false" data-clip-id="{clip.pk}" data-src="{clip.audio_url}"'
    assert play in body and "<audio" not in body
    assert "<html" not in body  # just the partial
    clip.status = Clip.Status.COMPLETE
    clip.save()
    body = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in body and "hx-get" not in body
    assert play in body  # working at once, not an empty bar
    assert 'class="steps"' not in body  # a finished take shows no progress steps


def test_song_page_shows_recipe_and_both_takes(client, user):
    song = make_song(owner=user)
    client.force_login(user)
    body = client.get(song.get_absolute_url()).content.decode()
    assert "Take 1" in body and "Take 2" in body
    assert "synthwave, dreamy" in body and "City lights are calling" in body


def test_media_is_served_whole_with_accept_ranges(client, user, archived_clip):
    client.force_login(user)
    response = client.get(reverse("songs:clip_media", args=[archived_clip.pk, "audio"]))
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "audio/mpeg"
    assert b"".join(response.streaming_content) == archived_clip.audio_file.open("rb").read()


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=10000-", 10000, 10239),
        ("bytes=-40", 10200, 10239),
        ("bytes=100-999999", 100, 10239),
    ],
)
def test_range_requests_get_206(client, user, archived_clip, header, start, end):
    client.force_login(user)
    response = client.get(
        reverse("songs:clip_media", args=[archived_clip.pk, "audio"]), headers={"Range": header}
    )
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/10240"
    body = b"".join(response.streaming_content)
    assert body == (bytes(range(256)) * 40)[start : end + 1]
    assert response["Content-Length"] == str(end - start + 1)


def test_unsatisfiable_range_is_416(client, user, archived_clip):
    client.force_login(user)
    response = client.get(
        reverse("songs:clip_media", args=[archived_clip.pk, "audio"]), headers={"Range": "bytes=99999-"}
    )
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */10240"


def test_download_gets_a_sensible_file_name(client, user, archived_clip):
    client.force_login(user)
    response = client.get(reverse("songs:clip_media", args=[archived_clip.pk, "audio"]) + "?download=1")
    assert 'filename="Night Drive - take 1.mp3"' in response["Content-Disposition"]


def test_media_not_archived_yet_is_404(client, user):
    song = make_song(owner=user, clips=1)
    client.force_login(user)
    assert client.get(reverse("songs:clip_media", args=[song.clips.get().pk, "audio"])).status_code == 404


# session, the user with the header's balance (accounts.backends), count, the page's ids, its songs with
# their takes and sources
LIBRARY_QUERIES = 5


@pytest.mark.parametrize("song_count", [1, 10, 25])
def test_library_queries_do_not_grow(client, user, django_assert_num_queries, song_count):
    make_songs(owner=user, count=song_count, clips_each=2)
    client.force_login(user)
    account_of(user)  # this month's allowance is granted on the first page of the month, once
    client.get(reverse("songs:library"))  # the model catalogue is cached (songs/catalogue.py)
    with django_assert_num_queries(LIBRARY_QUERIES):
        response = client.get(reverse("songs:library"))
    assert response.status_code == 200


def test_library_lists_newest_first_and_paginates(client, user):
    songs = make_songs(owner=user, count=22)
    for index, song in enumerate(songs):
        song.title = f"Song {index:02d}"
        song.save()
    client.force_login(user)
    body = client.get(reverse("songs:library")).content.decode()
    assert body.index("Song 21") < body.index("Song 20")
    assert "Song 01" not in body and "Page 1 of 2" in body
    assert "Song 00" in client.get(reverse("songs:library") + "?page=2").content.decode()


@pytest.mark.parametrize(("page", "newest", "oldest"), [(1, 44, 25), (2, 24, 5), (3, 4, 0)])
def test_an_older_library_page_lists_its_songs_in_the_same_few_queries(
    client, user, django_assert_num_queries, page, newest, oldest
):
    for index in range(45):
        make_song(owner=user, title=f"Song {index:02d}")
    client.force_login(user)
    account_of(user)
    client.get(reverse("songs:library"))
    with django_assert_num_queries(LIBRARY_QUERIES):  # as on the first page
        body = client.get(reverse("songs:library") + f"?page={page}").content.decode()
    assert re.findall(r">Song (\d\d)</a>", body) == [f"{n:02d}" for n in range(newest, oldest - 1, -1)]
    assert f"Page {page} of 3" in body


@pytest.mark.parametrize(("asked", "shown"), [("99", "Page 2 of 2"), ("many", "Page 1 of 2")])
def test_a_library_page_that_isnt_there_shows_the_nearest_one(client, user, asked, shown):
    make_songs(owner=user, count=22)
    client.force_login(user)
    assert shown in client.get(reverse("songs:library") + f"?page={asked}").content.decode()


def test_library_row_refreshes_only_while_in_flight(client, user):
    in_flight = make_song(owner=user, title="Working")
    done = make_song(owner=user, title="Done", status=Clip.Status.COMPLETE)
    client.force_login(user)
    body = client.get(reverse("songs:library")).content.decode()
    assert f'hx-get="{reverse("songs:song_row", args=[in_flight.pk])}"' in body
    assert f'hx-get="{reverse("songs:song_row", args=[done.pk])}"' not in body


def test_create_form_starts_with_a_fresh_key_and_the_default_model(client, user, settings):
    client.force_login(user)
    body = client.get(reverse("songs:song_create")).content.decode()
    assert 'name="idempotency_key" value="' in body
    assert f'<option value="{settings.SUNO_DEFAULT_MODEL}" selected>' in body


def test_make_another_from_a_recipe_prefills_the_form(client, user):
    song = make_song(owner=user, title="Harbour Lights", tags="sea shanty")
    client.force_login(user)
    body = client.get(reverse("songs:song_create") + f"?from={song.pk}").content.decode()
    assert 'value="Harbour Lights"' in body and 'value="sea shanty"' in body


@pytest.mark.parametrize("extensions", [1, 8])
def test_library_names_the_source_of_tool_songs_in_constant_queries(
    client, user, django_assert_num_queries, extensions
):
    source = make_song(owner=user, title="Harbour Lights", status=Clip.Status.COMPLETE)
    for _ in range(extensions):
        make_song(owner=user, title="Harbour Lights", kind="extend", parent_clip=source.clips.first())
    client.force_login(user)
    account_of(user)
    client.get(reverse("songs:library"))
    # As above: the sources (clips with their songs) are joined into the page's row query.
    with django_assert_num_queries(LIBRARY_QUERIES):
        body = client.get(reverse("songs:library")).content.decode()
    assert body.count("Extension of") == extensions
    assert f'href="{source.get_absolute_url()}">Harbour Lights</a>, take 1' in body


def test_a_song_made_a_moment_ago_says_now(client, user):
    make_song(owner=user)
    client.force_login(user)
    body = client.get(reverse("songs:library")).content.decode()
    assert "0 minutes" not in body
    assert re.search(r">now</time>", body), body


def test_the_last_take_to_finish_brings_a_b_and_add_to_playlist_onto_the_open_song_page(client, user):
    """A creator watching the takes come in got neither A/B nor Add to playlist until a refresh: the
    cards swapped, the page's head and A/B stayed as first rendered (both takes still in flight)."""
    song = make_song(owner=user, clips=2, status=Clip.Status.STREAMING)
    Clip.objects.filter(song=song).update(audio_url="http://127.0.0.1:8765/audiopipe/?item_id=x")
    one, two = song.clips.order_by("take")
    client.force_login(user)
    page = client.get(reverse("songs:song_detail", args=[song.pk])).content.decode()
    assert f'<div id="song-{song.pk}-ab" hidden></div>' in page and "Add to playlist" not in page
    assert f'id="song-{song.pk}-actions"' in page and "js/ab.js" in page  # the places the cards fill

    one.status = Clip.Status.COMPLETE
    one.save()
    card = reverse("songs:clip_card", args=[one.pk])
    body = client.get(card, headers={"HX-Request": "true"}).content.decode()
    assert f'id="song-{song.pk}-actions" hx-swap-oob="true"' in body and "Add to playlist" in body
    assert "data-ab" not in body  # one take finished: nothing to compare yet

    two.status = Clip.Status.COMPLETE
    two.save()
    card = reverse("songs:clip_card", args=[two.pk])
    body = client.get(card, headers={"HX-Request": "true"}).content.decode()
    assert f'class="ab-panel" data-ab data-ab-a="{one.pk}" data-ab-b="{two.pk}"' in body
    assert 'hx-swap-oob="true"' in body.split(f'id="song-{song.pk}-ab"')[1].split(">")[0]
    assert f"next={reverse('songs:song_detail', args=[song.pk])}" in body  # not the card's own URL


def test_a_stem_sets_page_names_the_take_it_was_separated_from(client, user, other_user):
    """The stem set's page said only 'Vocals and instrumental': nothing led back to the take."""
    original = make_song(owner=user, clips=2, status=Clip.Status.COMPLETE, title="Harbour Lights")
    take_two = original.clips.get(take=2)
    complete = Clip.Status.COMPLETE
    stems = make_song(owner=user, clips=2, status=complete, kind="stems_two", parent_clip=take_two)
    client.force_login(user)
    page = client.get(reverse("songs:song_detail", args=[stems.pk])).content.decode()
    line = re.search(r'<p class="song-source">(.*?)</p>', page, re.S).group(1)
    assert "Stems of" in line and "take 2" in line
    assert reverse("songs:clip_detail", args=[take_two.pk]) in line

    theirs = make_song(owner=other_user, clips=1, status=Clip.Status.COMPLETE, title="Not yours")
    stems.parent_clip = theirs.clips.get()  # hand-edited data: someone else's take is never named
    stems.save(update_fields=["parent_clip"])
    page = client.get(reverse("songs:song_detail", args=[stems.pk])).content.decode()
    assert "Not yours" not in page and 'class="song-source"' not in page


def test_a_take_page_of_a_song_in_trash_says_so_with_restore(client, user):
    """A take's page offers every paid tool (cover, replace, stems…) and said nothing of the song being
    in Trash, while the song's own page did."""
    from django.utils import timezone

    song = make_song(owner=user, clips=1, status=Clip.Status.COMPLETE)
    clip = song.clips.get()
    client.force_login(user)
    url = reverse("songs:clip_detail", args=[clip.pk])
    assert "This song is in Trash" not in client.get(url).content.decode()
    song.trashed_at = timezone.now()
    song.save(update_fields=["trashed_at"])
    page = client.get(url).content.decode()
    assert "This song is in Trash" in page and reverse("songs:song_restore", args=[song.pk]) in page


def test_a_song_whose_takes_both_failed_offers_one_retry_on_the_take_that_failed_last(client, user):
    """Two Retry buttons read as two charges: the song shows one, on the card that failed last (the other
    card stopped refreshing when it failed, before a Retry was possible), live and after a reload."""
    from datetime import timedelta

    from django.utils import timezone

    song = make_song(owner=user, status=Clip.Status.ERROR)
    now = timezone.now()
    Clip.objects.filter(song=song, take=1).update(completed_at=now)
    Clip.objects.filter(song=song, take=2).update(completed_at=now - timedelta(seconds=30))
    client.force_login(user)
    page = client.get(song.get_absolute_url()).content.decode()
    assert page.count("Retry ·") == 1
    for take, offers_retry in ((1, True), (2, False)):
        card = client.get(
            reverse("songs:clip_card", args=[song.clips.get(take=take).pk]), HTTP_HX_REQUEST="true"
        ).content.decode()
        assert ("Retry ·" in card) is offers_retry
        assert "Try again with this recipe" not in card  # Retry is the way, on the other card
