"""Public song pages, Explore and play counts: what anyone may see, and nothing more."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from songs import services
from songs.models import Clip, ClipPlay, Song
from tests.songs.builders import make_public_song, make_song

pytestmark = pytest.mark.django_db


def public_urls(song: Song) -> list[str]:
    clip = song.clips.order_by("take").first()
    return [
        reverse("public:song_share", args=[song.pk]),
        reverse("public:clip_media", args=[clip.pk, "audio"]),
        reverse("public:clip_media", args=[clip.pk, "image"]),
    ]


def test_public_song_page_works_logged_out(client, user):
    user.first_name, user.last_name = "Ada", "Lovelace"
    user.save()
    song = make_public_song(owner=user, title="Harbour Lights")
    response = client.get(song.get_share_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "Harbour Lights" in body and "Ada Lovelace" in body
    assert "City lights are calling" in body  # lyrics
    clip = song.clips.order_by("take").first()
    assert reverse("public:clip_media", args=[clip.pk, "audio"]) in body
    assert reverse("songs:clip_media", args=[clip.pk, "audio"]) not in body  # never the owner's URL
    assert client.get(reverse("public:clip_media", args=[clip.pk, "audio"])).status_code == 200


def test_public_page_shows_the_persona_the_song_used(client, user):
    song = make_public_song(owner=user)
    if not hasattr(song, "persona_name"):
        pytest.skip("Song.persona_name arrives with the personas work")
    Song.objects.filter(pk=song.pk).update(persona_name="Velvet Alto")
    assert "Velvet Alto" in client.get(song.get_share_url()).content.decode()


@pytest.mark.parametrize("viewer", ["anonymous", "other_user"])
def test_private_song_and_its_media_are_404_to_everyone_else(client, user, other_user, viewer):
    song = make_public_song(owner=user)
    Song.objects.filter(pk=song.pk).update(is_public=False)
    if viewer == "other_user":
        client.force_login(other_user)
    for url in public_urls(song):
        assert client.get(url).status_code == 404, url
    clip = song.clips.first()
    assert client.post(reverse("public:clip_play", args=[clip.pk])).status_code == 404
    response = client.get(reverse("public:explore"))
    assert song.display_title not in response.content.decode()


def test_owner_media_urls_stay_owner_only_when_the_song_is_public(client, user, other_user):
    song = make_public_song(owner=user)
    clip = song.clips.first()
    client.force_login(other_user)
    assert client.get(reverse("songs:clip_media", args=[clip.pk, "audio"])).status_code == 404
    assert client.get(reverse("songs:song_detail", args=[song.pk])).status_code == 404


def test_unfinished_and_hidden_takes_are_not_served_publicly(client, user):
    song = make_public_song(owner=user)
    first, second = song.clips.order_by("take")
    second.mark_hidden("Spam")
    assert client.get(reverse("public:clip_media", args=[second.pk, "audio"])).status_code == 404
    body = client.get(song.get_share_url()).content.decode()
    assert f'id="clip-{first.pk}"' in body and f'id="clip-{second.pk}"' not in body


def test_public_media_answers_range_requests(client, user):
    song = make_public_song(owner=user)
    url = reverse("public:clip_media", args=[song.clips.first().pk, "audio"])
    response = client.get(url, headers={"Range": "bytes=100-199"})
    assert response.status_code == 206
    assert response["Content-Range"] == "bytes 100-199/10240"
    assert len(b"".join(response.streaming_content)) == 100


def test_range_requests_never_count_as_plays(client, user):
    song = make_public_song(owner=user)
    clip = song.clips.first()
    url = reverse("public:clip_media", args=[clip.pk, "audio"])
    for start in range(0, 10000, 1000):
        client.get(url, headers={"Range": f"bytes={start}-"})
    client.get(url)
    clip.refresh_from_db()
    assert clip.play_count == 0 and not ClipPlay.objects.exists()


def test_a_play_counts_once_per_listener_per_hour(client, user, other_user):
    song = make_public_song(owner=user)
    clip = song.clips.first()
    url = reverse("public:clip_play", args=[clip.pk])
    assert client.post(url).status_code == 204  # logged out: a hashed address is the listener
    assert client.post(url).status_code == 204  # the same listener again within the hour
    client.force_login(other_user)
    client.post(url)
    client.post(url)
    clip.refresh_from_db()
    song.refresh_from_db()
    assert clip.play_count == 2 and song.play_count == 2
    assert ClipPlay.objects.count() == 2


def test_a_play_in_the_next_hour_counts_again(user):
    song = make_public_song(owner=user)
    clip = song.clips.first()
    now = timezone.now().replace(minute=30)
    assert services.clip_play_record(clip=clip, listener_key="user:9", now=now)
    assert not services.clip_play_record(clip=clip, listener_key="user:9", now=now + timedelta(minutes=20))
    assert services.clip_play_record(clip=clip, listener_key="user:9", now=now + timedelta(minutes=40))
    clip.refresh_from_db()
    assert clip.play_count == 2


def test_explore_lists_public_songs_newest_or_most_played_logged_out(client, user, other_user):
    now = timezone.now()
    old_hit = make_public_song(owner=user, title="Old Hit", published_at=now - timedelta(days=3))
    fresh = make_public_song(owner=other_user, title="Fresh One", published_at=now)
    make_song(owner=user, title="Private Draft", status=Clip.Status.COMPLETE)
    hidden = make_public_song(owner=user, title="Hidden Song")
    hidden.mark_hidden("Spam")
    Song.objects.filter(pk=old_hit.pk).update(play_count=50)

    body = client.get(reverse("public:explore")).content.decode()
    assert body.index("Fresh One") < body.index("Old Hit")
    assert "Private Draft" not in body and "Hidden Song" not in body
    body = client.get(reverse("public:explore") + "?sort=plays").content.decode()
    assert body.index("Old Hit") < body.index("Fresh One")
    assert fresh.get_share_url() in body


@pytest.mark.parametrize("song_count", [1, 30])
def test_explore_queries_do_not_grow(client, user, django_assert_num_queries, song_count):
    for index in range(song_count):
        make_public_song(owner=user, title=f"Song {index}", archived=False)
    with django_assert_num_queries(3):  # count, the page of songs with creators, their takes
        response = client.get(reverse("public:explore"))
    assert response.status_code == 200


def test_explore_is_paginated(client, user):
    for index in range(14):
        make_public_song(owner=user, title=f"Song {index}", archived=False)
    first = client.get(reverse("public:explore")).content.decode()
    second = client.get(reverse("public:explore") + "?page=2").content.decode()
    assert "Page 1 of 2" in first and "Page 2 of 2" in second


def test_creator_publishes_and_unpublishes(client, user):
    song = make_song(owner=user, status=Clip.Status.COMPLETE)
    client.force_login(user)
    response = client.post(reverse("songs:song_publish", args=[song.pk]))
    assert response.status_code == 302
    song.refresh_from_db()
    assert song.is_public and song.published_at
    page = client.get(song.get_absolute_url()).content.decode()
    assert song.get_share_url() in page and "Make private" in page
    client.post(reverse("songs:song_unpublish", args=[song.pk]))
    song.refresh_from_db()
    assert not song.is_public
    client.logout()
    assert client.get(song.get_share_url()).status_code == 404


def test_a_song_without_a_finished_take_cannot_be_published(client, user):
    song = make_song(owner=user, status=Clip.Status.STREAMING)
    client.force_login(user)
    response = client.post(reverse("songs:song_publish", args=[song.pk]), follow=True)
    assert "Wait for a take to finish" in response.content.decode()
    song.refresh_from_db()
    assert not song.is_public


def test_nobody_else_can_publish_my_song(client, user, other_user):
    song = make_song(owner=user, status=Clip.Status.COMPLETE)
    client.force_login(other_user)
    assert client.post(reverse("songs:song_publish", args=[song.pk])).status_code == 404
    assert client.post(reverse("songs:song_unpublish", args=[song.pk])).status_code == 404


def test_hidden_song_leaves_every_public_page_and_its_owner_sees_why(client, user):
    song = make_public_song(owner=user, title="Harbour Lights")
    song.mark_hidden("Uses a copyrighted melody")
    for url in public_urls(song):
        assert client.get(url).status_code == 404, url
    assert "Harbour Lights" not in client.get(reverse("public:explore")).content.decode()
    client.force_login(user)
    page = client.get(song.get_absolute_url()).content.decode()
    assert "Hidden by a moderator" in page and "Uses a copyrighted melody" in page
    assert "Make public" not in page
    assert 'data-status="hidden"' in client.get(reverse("songs:library")).content.decode()
    response = client.post(reverse("songs:song_publish", args=[song.pk]), follow=True)
    assert "hid this song" in response.content.decode()


def test_public_media_is_revalidated_so_a_hide_stops_playback_at_once(client, user):
    song = make_public_song(owner=user, title="Harbour Lights")
    clip = song.clips.order_by("take").first()
    response = client.get(reverse("public:clip_media", args=[clip.pk, "audio"]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
