"""Playlists: order, reorder, add and remove, sharing, and every view scoped to its owner."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from playlists import services
from playlists.models import Playlist, PlaylistItem
from songs.models import Clip
from tests.songs.builders import make_public_song, make_song

pytestmark = pytest.mark.django_db


def finished(owner, title: str, **fields):
    song = make_song(owner=owner, status=Clip.Status.COMPLETE, title=title, **fields)
    for clip in song.clips.all():  # not archived yet: plays from the upstream's CDN
        Clip.objects.filter(pk=clip.pk).update(audio_url=f"https://cdn1.suno.ai/{clip.pk}.mp3", duration=61.0)
    return song


def take(song, number: int = 1) -> Clip:
    return song.clips.get(take=number)


def order(playlist: Playlist) -> list[str]:
    return [item.clip.song.title for item in playlist.items.select_related("clip__song").order_by("position")]


def titles_on(page) -> list[str]:
    """Track titles as listed on a playlist page, top to bottom."""
    return re.findall(r'class="track-title">([^<]+)</a>', page.content.decode())


@pytest.fixture
def playlist(user) -> Playlist:
    return services.playlist_create(owner=user, title="Road trip")


@pytest.fixture
def three(user, playlist) -> list[PlaylistItem]:
    songs = [finished(user, title) for title in ("One", "Two", "Three")]
    return [services.playlist_add(playlist=playlist, clip=take(song))[0] for song in songs]


# --- Order, reorder, add, remove -------------------------------------------------------------------------


def test_takes_are_added_at_the_end_once(user, playlist, three):
    assert order(playlist) == ["One", "Two", "Three"]
    item, created = services.playlist_add(playlist=playlist, clip=three[0].clip)
    assert not created and item == three[0] and playlist.items.count() == 3


def test_another_creators_take_cannot_be_added(playlist, other_user):
    with pytest.raises(ValueError):
        services.playlist_add(playlist=playlist, clip=take(finished(other_user, "Theirs")))


def test_move_up_and_down_swap_neighbours_and_stop_at_the_ends(client, user, playlist, three):
    client.force_login(user)
    url = reverse("playlists:item_move", args=[playlist.pk, three[2].pk])
    client.post(url, {"direction": "up"})
    assert order(playlist) == ["One", "Three", "Two"]
    client.post(url, {"direction": "up"})
    assert order(playlist) == ["Three", "One", "Two"]
    response = client.post(url, {"direction": "up"}, follow=True)  # already first: nothing moves, it says so
    assert order(playlist) == ["Three", "One", "Two"]
    assert "already first" in response.content.decode()
    client.post(reverse("playlists:item_move", args=[playlist.pk, three[0].pk]), {"direction": "down"})
    assert order(playlist) == ["Three", "Two", "One"]
    assert titles_on(client.get(playlist.get_absolute_url())) == ["Three", "Two", "One"]


def test_a_move_with_htmx_answers_the_list_and_says_where_it_went(client, user, playlist, three):
    client.force_login(user)
    response = client.post(
        reverse("playlists:item_move", args=[playlist.pk, three[0].pk]),
        {"direction": "down"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'id="playlist-items"' in body and "Moved “One” to 2 of 3." in body
    assert titles_on(response) == ["Two", "One", "Three"]


def test_a_dragged_order_is_saved_whole_and_a_stale_one_changes_nothing(client, user, playlist, three):
    client.force_login(user)
    url = reverse("playlists:playlist_reorder", args=[playlist.pk])
    client.post(url, {"item": [three[2].pk, three[0].pk, three[1].pk]})
    assert order(playlist) == ["Three", "One", "Two"]
    client.post(url, {"item": [three[0].pk, three[1].pk]})  # misses one: the page was stale
    assert order(playlist) == ["Three", "One", "Two"]


def test_remove_leaves_the_rest_in_order(client, user, playlist, three):
    client.force_login(user)
    client.post(reverse("playlists:item_remove", args=[playlist.pk, three[1].pk]))
    assert order(playlist) == ["One", "Three"]
    services.playlist_add(playlist=playlist, clip=three[1].clip)  # back, at the end
    assert order(playlist) == ["One", "Three", "Two"]


def test_every_item_uses_the_one_player_and_play_all_names_the_list(client, user, playlist, three):
    client.force_login(user)
    body = client.get(playlist.get_absolute_url()).content.decode()
    assert "<audio" not in body.split('id="player"')[0]  # no page-own players: the bar's is the only one
    assert len(re.findall(r'class="play-button" data-play ', body)) == 3
    assert 'data-play-all="#playlist-tracks"' in body and 'id="playlist-tracks" data-play-queue' in body


def test_create_rename_and_a_bad_title_keeps_what_was_typed(client, user):
    client.force_login(user)
    response = client.post(reverse("playlists:playlist_list"), {"title": "Late night", "description": "Slow"})
    playlist = Playlist.objects.get(owner=user)
    assert response.url == playlist.get_absolute_url() and playlist.description == "Slow"
    response = client.post(
        reverse("playlists:playlist_edit", args=[playlist.pk]), {"title": "", "description": "Kept text"}
    )
    assert response.status_code == 200 and "Kept text" in response.content.decode()
    client.post(
        reverse("playlists:playlist_edit", args=[playlist.pk]), {"title": "Later night", "description": ""}
    )
    playlist.refresh_from_db()
    assert playlist.title == "Later night"


# --- Add to playlist: from the Library's menu, the song page and the take page ----------------------------


def test_the_library_menu_offers_add_to_playlist_through_the_hook(client, user):
    song = finished(user, "Menu song")
    unfinished = make_song(owner=user, title="Still going")
    client.force_login(user)
    menu = client.get(
        reverse("songs:song_menu", args=[song.pk]), HTTP_HX_CURRENT_URL="/songs/"
    ).content.decode()
    assert f"{reverse('playlists:item_add')}?song={song.pk}&amp;next=/songs/" in menu
    assert (
        "Add to playlist" not in client.get(reverse("songs:song_menu", args=[unfinished.pk])).content.decode()
    )
    assert "Add to playlist" in client.get(song.get_absolute_url()).content.decode()
    assert (
        "Add to playlist" in client.get(reverse("songs:clip_detail", args=[take(song).pk])).content.decode()
    )


def test_add_to_an_existing_playlist_or_a_new_one(client, user, playlist):
    song = finished(user, "Picked")
    client.force_login(user)
    url = reverse("playlists:item_add")
    page = client.get(url, {"song": song.pk, "next": "/songs/"})
    assert page.status_code == 200 and "Road trip" in page.content.decode()
    response = client.post(
        url, {"song": song.pk, "clip": take(song, 2).pk, "playlist": playlist.pk, "next": "/songs/"}
    )
    assert response.url == "/songs/"
    assert [item.clip for item in playlist.items.all()] == [take(song, 2)]
    client.post(url, {"song": song.pk, "clip": take(song).pk, "playlist": "", "new_title": "Fresh"})
    fresh = Playlist.objects.get(owner=user, title="Fresh")
    assert [item.clip for item in fresh.items.all()] == [take(song)]


def test_add_needs_a_playlist_or_a_title_and_keeps_the_choice(client, user):
    song = finished(user, "Picked")
    client.force_login(user)
    response = client.post(
        reverse("playlists:item_add"), {"song": song.pk, "clip": take(song, 2).pk, "new_title": ""}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "give the new one a title" in body
    assert re.search(rf'value="{take(song, 2).pk}"[^>]*checked', body)
    assert not PlaylistItem.objects.exists()


def test_an_offsite_next_is_ignored(client, user, playlist):
    song = finished(user, "Picked")
    client.force_login(user)
    response = client.post(
        reverse("playlists:item_add"),
        {"song": song.pk, "clip": take(song).pk, "playlist": playlist.pk, "next": "https://evil.example/"},
    )
    assert response.url == song.get_absolute_url()


# --- Owner scoping: another creator's playlist, item or take is a 404 everywhere --------------------------


def test_every_owner_view_is_a_404_to_another_creator(client, user, other_user, playlist, three):
    mine = finished(user, "Mine")
    theirs_playlist = services.playlist_create(owner=other_user, title="Theirs")
    client.force_login(other_user)
    item = three[0]
    for method, url, data in [
        ("get", reverse("playlists:playlist_detail", args=[playlist.pk]), {}),
        ("post", reverse("playlists:playlist_edit", args=[playlist.pk]), {"title": "Stolen"}),
        ("post", reverse("playlists:playlist_publish", args=[playlist.pk]), {"is_public": "1"}),
        ("post", reverse("playlists:playlist_delete", args=[playlist.pk]), {}),
        ("post", reverse("playlists:playlist_reorder", args=[playlist.pk]), {"item": [item.pk]}),
        ("post", reverse("playlists:item_move", args=[playlist.pk, item.pk]), {"direction": "down"}),
        ("post", reverse("playlists:item_remove", args=[playlist.pk, item.pk]), {}),
        # their own playlist id with my item id: still not theirs
        ("post", reverse("playlists:item_remove", args=[theirs_playlist.pk, item.pk]), {}),
        ("get", reverse("playlists:item_add"), {"song": mine.pk}),
        ("get", reverse("playlists:item_add"), {"clip": take(mine).pk}),
        ("post", reverse("playlists:item_add"), {"song": mine.pk, "clip": take(mine).pk, "new_title": "X"}),
    ]:
        assert getattr(client, method)(url, data).status_code == 404, url
    playlist.refresh_from_db()
    assert (
        playlist.title == "Road trip"
        and not playlist.is_public
        and order(playlist) == ["One", "Two", "Three"]
    )
    assert not Playlist.objects.filter(owner=other_user, title="X").exists()


def test_adding_into_another_creators_playlist_is_refused_as_a_form_error(client, user, other_user):
    theirs = services.playlist_create(owner=other_user, title="Theirs")
    song = finished(user, "Mine")
    client.force_login(user)
    response = client.post(
        reverse("playlists:item_add"), {"song": song.pk, "clip": take(song).pk, "playlist": theirs.pk}
    )
    assert response.status_code == 200 and not theirs.items.exists()


def test_the_list_shows_only_my_playlists(client, user, other_user, playlist):
    services.playlist_create(owner=other_user, title="Someone else's")
    client.force_login(user)
    body = client.get(reverse("playlists:playlist_list")).content.decode()
    assert "Road trip" in body and "Someone else" not in body


def test_pages_need_a_login(client, playlist):
    response = client.get(reverse("playlists:playlist_list"))
    assert response.status_code == 302 and reverse("login") in response.url


# --- Sharing -------------------------------------------------------------------------------------------


def test_a_private_playlist_is_a_404_to_others_and_anonymous(client, user, other_user, playlist, three):
    url = playlist.get_share_url()
    assert client.get(url).status_code == 404
    client.force_login(other_user)
    assert client.get(url).status_code == 404


def test_a_public_playlist_plays_its_public_takes_in_order_to_anyone(client, user, other_user, playlist):
    songs = {title: make_public_song(owner=user, title=title) for title in ("A", "B", "C", "D", "E")}
    private = finished(user, "Private one")
    for title in ("C", "A", "D", "E", "B"):
        services.playlist_add(playlist=playlist, clip=take(songs[title]))
    services.playlist_add(playlist=playlist, clip=take(private))
    type(songs["D"]).objects.filter(pk=songs["D"].pk).update(is_hidden=True)
    type(songs["E"]).objects.filter(pk=songs["E"].pk).update(trashed_at=timezone.now())
    services.playlist_set_public(playlist=playlist, is_public=True)

    response = client.get(playlist.get_share_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert titles_on(response) == ["C", "A", "B"]  # hidden, trashed and private songs are left out
    assert "Private one" not in body
    assert len(re.findall(r'class="play-button" data-play ', body)) == 3
    assert (
        f'data-src="{take(songs["C"]).public_audio_url}"' in body
    )  # the public media URL, never the owner's
    assert reverse("songs:clip_media", args=[take(songs["C"]).pk, "audio"]) not in body
    assert 'data-play-all="#playlist-tracks"' in body

    client.force_login(other_user)
    assert titles_on(client.get(playlist.get_share_url())) == ["C", "A", "B"]


def test_the_owner_is_told_what_listeners_miss(client, user, playlist):
    services.playlist_add(playlist=playlist, clip=take(make_public_song(owner=user, title="Shared")))
    services.playlist_add(playlist=playlist, clip=take(finished(user, "Not shared")))
    client.force_login(user)
    client.post(reverse("playlists:playlist_publish", args=[playlist.pk]), {"is_public": "1"})
    body = client.get(playlist.get_absolute_url()).content.decode()
    assert "Listeners hear 1 of its 2 takes" in body and playlist.get_share_url() in body
    client.post(reverse("playlists:playlist_publish", args=[playlist.pk]), {"is_public": "0"})
    client.logout()
    assert client.get(playlist.get_share_url()).status_code == 404


def test_emptying_trash_takes_its_takes_out_of_playlists(user, playlist, three):
    three[1].clip.song.delete()
    assert order(playlist) == ["One", "Three"]


def test_a_remove_with_htmx_updates_the_count_too(client, user, playlist, three):
    client.force_login(user)
    body = client.post(
        reverse("playlists:item_remove", args=[playlist.pk, three[0].pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="playlist-count" hx-swap-oob="true">2 takes' in body


def test_playlist_pages_cost_the_same_queries_whatever_their_length(client, user, playlist):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.playlist_set_public(playlist=playlist, is_public=True)
    client.force_login(user)

    def counts() -> list[int]:
        found = []
        for url in (
            playlist.get_absolute_url(),
            playlist.get_share_url(),
            reverse("playlists:playlist_list"),
        ):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    services.playlist_add(playlist=playlist, clip=take(make_public_song(owner=user, title="First")))
    counts()  # the first request fills per-process caches (the model catalogue, the credits' price table)
    one = counts()
    for n in range(11):
        services.playlist_add(playlist=playlist, clip=take(make_public_song(owner=user, title=f"S{n}")))
    assert counts() == one


def test_the_admin_lists_and_opens_playlists(admin_client, playlist, three):
    listing = admin_client.get(reverse("admin:playlists_playlist_changelist"))
    assert listing.status_code == 200 and "Road trip" in listing.content.decode()
    page = admin_client.get(reverse("admin:playlists_playlist_change", args=[playlist.pk]))
    assert page.status_code == 200 and 'name="items-0-position"' in page.content.decode()
