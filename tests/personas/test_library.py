"""The persona library: mine plus others' public ones, search, sort, owner-scoped everything else."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.services import account_of
from personas.models import Persona
from songs.models import Clip
from tests.personas.builders import make_persona
from tests.songs.builders import make_song

pytestmark = pytest.mark.django_db

PUBLIC = Persona.Visibility.PUBLIC


def library(client, **params) -> str:
    response = client.get(reverse("personas:library"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_library_lists_mine_and_others_public_only(client, user, other_user):
    make_persona(owner=user, name="Mine private")
    make_persona(owner=user, name="Mine failed", state=Persona.State.FAILED, error_message="refused")
    make_persona(owner=other_user, name="Their public", visibility=PUBLIC)
    make_persona(owner=other_user, name="Their private")
    make_persona(owner=other_user, name="Their hidden", visibility=PUBLIC, is_hidden=True)
    make_persona(owner=other_user, name="Their unfinished", visibility=PUBLIC, state=Persona.State.CREATING)
    client.force_login(user)
    page = library(client)
    for shown in ("Mine private", "Mine failed", "Their public", "by mallory"):
        assert shown in page
    for hidden in ("Their private", "Their hidden", "Their unfinished"):
        assert hidden not in page


def test_owner_sees_their_hidden_persona_with_the_reason(client, user):
    make_persona(
        owner=user, name="Loud one", visibility=PUBLIC, is_hidden=True, hidden_reason="Misleading name"
    )
    client.force_login(user)
    page = library(client)
    assert "Loud one" in page and "Misleading name" in page


def test_search_by_name_and_sort_by_use(client, user, other_user):
    rare = make_persona(owner=user, name="Rare voice")
    popular = make_persona(owner=other_user, name="Popular voice", visibility=PUBLIC)
    make_persona(owner=user, name="Choir")
    for _ in range(3):
        make_song(owner=user, persona=popular, persona_name=popular.name)
    make_song(owner=user, persona=rare, persona_name=rare.name)
    client.force_login(user)

    found = library(client, q="voice")
    assert "Rare voice" in found and "Popular voice" in found and "Choir" not in found

    by_use = library(client, sort="most_used")
    assert by_use.index("Popular voice") < by_use.index("Rare voice") < by_use.index("Choir")
    assert "Used in 3 songs" in by_use and "Used in 1 song<" in by_use

    newest = library(client, sort="newest")
    assert newest.index("Choir") < newest.index("Popular voice") < newest.index("Rare voice")


def test_cards_list_my_songs_and_others_public_songs_made_with_it(client, user, other_user):
    persona = make_persona(owner=other_user, name="Shared", visibility=PUBLIC)
    make_song(owner=user, title="My persona song", persona=persona)
    make_song(owner=other_user, title="Their private song", persona=persona)
    public_song = make_song(owner=other_user, title="Their public song", persona=persona)
    if hasattr(public_song, "is_public"):  # sharing work: Song.is_public
        public_song.is_public = True
        public_song.save()
    client.force_login(user)
    page = library(client)
    assert "My persona song" in page
    assert "Their private song" not in page
    assert "Used in 3 songs" in page  # the count is every song made with it
    if hasattr(public_song, "is_public"):
        assert "Their public song" in page


@pytest.mark.parametrize("persona_count", [1, 12])
def test_library_queries_do_not_grow(client, user, other_user, django_assert_num_queries, persona_count):
    for index in range(persona_count):
        mine = make_persona(owner=user, name=f"Mine {index}")
        theirs = make_persona(owner=other_user, name=f"Theirs {index}", visibility=PUBLIC)
        make_song(owner=user, persona=mine)
        make_song(owner=user, persona=theirs)
    client.force_login(user)
    account_of(user)  # this month's allowance is granted on the first page of the month, once
    # session, the user with the header's credit balance, count, page of personas (owner, clip, use count
    # joined in), songs prefetch
    with django_assert_num_queries(5):
        response = client.get(reverse("personas:library"), {"sort": "most_used"})
    assert response.status_code == 200


def test_in_flight_card_refreshes_until_done(client, user):
    persona = make_persona(owner=user, state=Persona.State.CREATING)
    client.force_login(user)
    url = reverse("personas:persona_card", args=[persona.pk])
    assert 'hx-trigger="every 2s"' in client.get(url, HTTP_HX_REQUEST="true").content.decode()
    Persona.objects.filter(pk=persona.pk).update(state=Persona.State.READY, persona_id="p-1")
    done = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and "New song with this persona" in done


def test_others_private_persona_pages_are_404(client, user, other_user):
    private = make_persona(owner=other_user)
    public = make_persona(owner=other_user, visibility=PUBLIC)
    client.force_login(user)
    for name in ("persona_card", "persona_edit"):
        assert (
            client.get(reverse(f"personas:{name}", args=[private.pk]), HTTP_HX_REQUEST="true").status_code
            == 404
        )
    for name in ("persona_delete", "persona_retry", "persona_edit"):
        for persona in (private, public):  # public means usable, not editable
            assert (
                client.post(reverse(f"personas:{name}", args=[persona.pk]), {"name": "x"}).status_code == 404
            )
    assert Persona.objects.filter(pk__in=[private.pk, public.pk]).count() == 2


def archived_clip(owner) -> Clip:
    song = make_song(owner=owner, status=Clip.Status.COMPLETE)
    clip = song.clips.first()
    clip.audio_file.save("audio.mp3", ContentFile(b"ID3abc"))
    clip.image_file.save("cover.jpeg", ContentFile(b"\xff\xd8jpeg"))
    return clip


def test_public_persona_media_is_served_through_the_persona_not_the_clip(client, user, other_user):
    clip = archived_clip(other_user)
    public = make_persona(owner=other_user, visibility=PUBLIC, source_clip=clip)
    private = make_persona(owner=other_user, source_clip=clip)
    client.force_login(user)
    assert public.cover_url == reverse("personas:persona_media", args=[public.pk, "image"])
    audio = client.get(reverse("personas:persona_media", args=[public.pk, "audio"]))
    assert audio.status_code == 200 and b"".join(audio.streaming_content) == b"ID3abc"
    assert client.get(reverse("personas:persona_media", args=[public.pk, "image"])).status_code == 200
    # The clip's own URL stays owner-only, and a private persona shows nothing to others.
    assert client.get(reverse("songs:clip_media", args=[clip.pk, "audio"])).status_code == 404
    assert client.get(reverse("personas:persona_media", args=[private.pk, "audio"])).status_code == 404
    Persona.objects.filter(pk=public.pk).update(is_hidden=True)
    assert client.get(reverse("personas:persona_media", args=[public.pk, "audio"])).status_code == 404


def test_edit_is_local_and_says_so(client, user, suno):
    persona = make_persona(owner=user, name="Old name")
    client.force_login(user)
    url = reverse("personas:persona_edit", args=[persona.pk])
    assert "the music service keeps the name" in client.get(url).content.decode()
    response = client.post(url, {"name": "New name", "description": "new words", "visibility": "public"})
    assert response.status_code == 302
    persona.refresh_from_db()
    assert (persona.name, persona.description, persona.visibility) == ("New name", "new words", "public")
    assert suno.calls() == 0
    bad = client.post(url, {"name": "", "description": "kept text", "visibility": "public"})
    assert bad.status_code == 200 and "kept text" in bad.content.decode()


def test_delete_keeps_history_on_the_songs(client, user):
    persona = make_persona(owner=user, name="Gone voice")
    song = make_song(
        owner=user,
        persona=persona,
        persona_name=persona.name,
        persona_upstream_id=persona.persona_id,
        persona_artist_clip_id=persona.artist_clip_id,
        model_version="chirp-auk",
    )
    upstream_id = persona.persona_id
    client.force_login(user)
    response = client.post(reverse("personas:persona_delete", args=[persona.pk]))
    assert response.status_code == 302
    assert not Persona.objects.exists()
    song.refresh_from_db()
    assert song.persona is None
    assert (song.persona_name, song.persona_upstream_id) == ("Gone voice", upstream_id)
    detail = client.get(song.get_absolute_url()).content.decode()
    assert "Gone voice" in detail and "(deleted)" in detail


def test_admin_lists_personas_and_hides_one_with_a_reason(client, user):
    moderator = get_user_model().objects.create_superuser("mod", password="x")
    persona = make_persona(owner=user, name="Edgy", visibility=PUBLIC)
    make_song(owner=user, persona=persona)
    client.force_login(moderator)
    changelist = reverse("admin:personas_persona_changelist")
    page = client.get(changelist, {"visibility__exact": "public"})
    assert page.status_code == 200 and "Edgy" in page.content.decode()
    client.post(
        changelist,
        {"action": "hide_selected", "_selected_action": [persona.pk], "reason": "Impersonates a real singer"},
    )
    persona.refresh_from_db()
    assert persona.is_hidden and persona.hidden_by == moderator
    assert persona.hidden_reason == "Impersonates a real singer"
    assert not Persona.objects.listed_publicly().exists()
