"""The embeddable player and a creator's public profile: what anyone may see, and nothing more."""

from __future__ import annotations

import pytest
from django.urls import reverse

from personas.models import Persona
from tests.personas.builders import make_persona
from tests.songs.builders import make_public_song, make_song

pytestmark = pytest.mark.django_db


def test_a_public_song_embeds_and_only_the_embed_may_be_framed(client, user):
    song = make_public_song(owner=user, title="Harbour Lights")
    embed = client.get(reverse("public:song_embed", args=[song.pk]))
    page = embed.content.decode()
    assert embed.status_code == 200 and "Harbour Lights" in page
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    clip = song.clips.order_by("take").first()
    assert reverse("public:clip_media", args=[clip.pk, "audio"]) in page
    assert reverse("public:clip_play", args=[clip.pk]) in page  # plays from the embed are counted too
    assert song.get_share_url() in page and 'target="_blank"' in page

    share = client.get(song.get_share_url())
    assert share.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in share.headers["Content-Security-Policy"]


def test_a_private_or_hidden_song_has_no_embed(client, user):
    private = make_song(owner=user, title="Sketch")
    hidden = make_public_song(owner=user, title="Gone")
    hidden.mark_hidden("spam")
    hidden.save()
    for song in (private, hidden):
        assert client.get(reverse("public:song_embed", args=[song.pk])).status_code == 404


def test_a_profile_lists_public_songs_and_personas_only(client, user):
    user.first_name = "Ada"
    user.save()
    make_public_song(owner=user, title="Harbour Lights")
    make_song(owner=user, title="Private sketch")
    make_persona(owner=user, name="Velvet tenor", visibility=Persona.Visibility.PUBLIC)
    make_persona(owner=user, name="Secret alto")
    page = client.get(reverse("creators:profile", args=[user.username])).content.decode()
    assert "Ada" in page and "Harbour Lights" in page and "Velvet tenor" in page
    assert "Private sketch" not in page and "Secret alto" not in page
    assert "Make a song with this voice" not in page  # logged out


def test_someone_with_nothing_public_or_no_account_has_no_profile(client, user, other_user):
    make_song(owner=user, title="Private sketch")
    assert client.get(reverse("creators:profile", args=[user.username])).status_code == 404
    assert client.get(reverse("creators:profile", args=["nobody-here"])).status_code == 404
    make_public_song(owner=other_user, title="Out")
    other_user.is_active = False
    other_user.save()
    assert client.get(reverse("creators:profile", args=[other_user.username])).status_code == 404


def test_the_share_page_previews_in_other_apps_and_offers_its_link_and_embed(client, user):
    song = make_public_song(owner=user, title="Harbour Lights", tags="dreamy synth-pop")
    page = client.get(song.get_share_url()).content.decode()
    site = "http://testserver"
    clip = song.clips.order_by("take").first()
    assert '<meta property="og:title" content="Harbour Lights by ada">' in page
    assert f'<meta property="og:url" content="{site}{song.get_share_url()}">' in page
    assert (
        f'<meta property="og:audio" content="{site}{reverse("public:clip_media", args=[clip.pk, "audio"])}">'
        in page
    )
    assert (
        f'<meta name="twitter:player" content="{site}{reverse("public:song_embed", args=[song.pk])}">' in page
    )
    assert (
        '<meta name="description" content="Harbour Lights by ada: dreamy synth-pop. Listen on Suno Studio.">'
        in page
    )
    assert f'data-copy="{site}{song.get_share_url()}"' in page and "Copy embed code" in page
    assert reverse("creators:profile", args=["ada"]) in page


def test_the_owner_copies_the_link_and_embed_from_the_song_page(client, user):
    song = make_public_song(owner=user, title="Harbour Lights")
    client.force_login(user)
    page = client.get(song.get_absolute_url()).content.decode()
    assert f'data-copy="http://testserver{song.get_share_url()}"' in page
    assert reverse("public:song_embed", args=[song.pk]) in page
