"""Song families (issue 15): the tree of everything made from one original, read in a constant number of
queries; its page, scoped to the owner; the Library's one row per family; the kept take of an A/B; and a
stem set's ZIP."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import PaidRequest
from accounts.services import account_of
from songs import selectors
from songs.models import Clip, Song
from tests.songs.builders import make_song

pytestmark = pytest.mark.django_db

STEMS = ("Vocals", "Drums", "Bass", "Synth")


def _archive(song: Song, *, stems: tuple[str, ...] = ()) -> None:
    for clip in song.clips.all():
        if stems:
            clip.title = f"{song.title} - {stems[clip.take - 1]}"
        clip.duration = 95.0
        clip.audio_file.save("audio.mp3", ContentFile(f"ID3 {clip.title} {clip.take}".encode()), save=False)
        clip.save()


def derived(original: Song, parent: Clip, kind: str, *, clips: int = 2, **fields) -> Song:
    song = make_song(
        owner=original.owner,
        clips=clips,
        status=Clip.Status.COMPLETE,
        kind=kind,
        parent_clip=parent,
        family_root=original,
        title=fields.pop("title", f"{original.title} {kind}"),
        **fields,
    )
    _archive(song)
    return song


@pytest.fixture
def family(user):
    """An original and one of every kind of song made from its takes, as the services save them."""
    paid = PaidRequest.objects.create(user=user, action="generate", credits=10, subject="Night Drive")
    original = make_song(owner=user, status=Clip.Status.COMPLETE, title="Night Drive", paid_request=paid)
    _archive(original)
    take1, take2 = original.clips.order_by("take")
    extension = derived(original, take2, Song.Kind.EXTEND, continue_at=65.4, title="Night Drive ext")
    spliced = extension.clips.get(take=1)
    whole = derived(original, spliced, Song.Kind.CONCAT, clips=1, title="Night Drive whole")
    stems = derived(original, take1, Song.Kind.STEMS_ALL, clips=len(STEMS), title="Night Drive stems")
    _archive(stems, stems=STEMS)
    refunded = PaidRequest.objects.create(
        user=user, action="cover", credits=10, subject="cover", state=PaidRequest.State.REFUNDED
    )
    cover = derived(original, take1, Song.Kind.COVER, title="Night Drive cover", paid_request=refunded)
    infill = derived(
        original, take2, Song.Kind.INFILL, title="Night Drive fix", infill_start_s=42.0, infill_end_s=65.9
    )
    return {
        "original": original,
        "extension": extension,
        "whole": whole,
        "stems": stems,
        "cover": cover,
        "infill": infill,
    }


def shape(node: selectors.FamilyNode) -> dict:
    return {
        node.label: {
            f"take {take.clip.take}": [shape(child) for child in take.children] for take in node.takes
        }
    }


def test_the_family_is_a_tree_of_every_kind_in_two_queries(user, family, django_assert_num_queries):
    with django_assert_num_queries(2):  # the family's songs with their charges, then their takes
        tree = selectors.song_family(user=user, song=family["whole"])
        clips = tree.complete_clips()
    stems = {f"take {n}": [] for n in range(1, len(STEMS) + 1)}
    assert shape(tree.root) == {
        "Original": {
            "take 1": [{"Stems of take 1": stems}, {"Cover": {"take 1": [], "take 2": []}}],
            "take 2": [
                {"Extend from 1:05": {"take 1": [{"Whole song": {"take 1": []}}], "take 2": []}},
                {"Replaced 0:42–1:05": {"take 1": [], "take 2": []}},
            ],
        }
    }
    assert tree.size == 6
    assert tree.root.credits == 10 and not tree.root.is_refunded
    cover = tree.root.takes[0].children[1]
    assert cover.credits == 10 and cover.is_refunded
    # "Play the family": every complete take, in the tree's order
    assert [c.song.title for c in clips][:3] == ["Night Drive", "Night Drive stems", "Night Drive stems"]
    assert len(clips) == 2 + len(STEMS) + 2 + 2 + 1 + 2


@pytest.mark.parametrize("extra", [0, 6])
def test_the_family_page_costs_the_same_queries_whatever_its_size(client, user, family, extra):
    for n in range(extra):
        derived(family["original"], family["extension"].clips.get(take=2), Song.Kind.EXTEND, continue_at=n)
    client.force_login(user)
    account_of(user)
    url = reverse("songs:song_family", args=[family["stems"].pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    # session, the user with the header's balance, the song asked for, the family's songs, their takes
    assert len(queries) == 5, [q["sql"][:60] for q in queries]
    assert body.count("data-play ") == 2 + len(STEMS) + 2 + 2 + 1 + 2 + 2 * extra
    for label in ("Extend from 1:05", "Whole song", "Stems of take 1", "Cover", "Replaced 0:42–1:05"):
        assert label in body
    assert "10 credits, given back" in body and "Play the family" in body
    assert 'aria-label="Play Drums of Night Drive stems"' in body


def test_every_song_of_the_family_links_to_the_same_family(client, user, family):
    client.force_login(user)
    for song in family.values():
        body = client.get(song.get_absolute_url()).content.decode()
        assert "Family: 6 songs" in body
        assert reverse("songs:song_family", args=[song.pk]) in body
    lonely = make_song(owner=user, status=Clip.Status.COMPLETE)
    assert "Family:" not in client.get(lonely.get_absolute_url()).content.decode()


def test_the_family_page_and_its_actions_are_the_owners_only(client, other_user, family):
    client.force_login(other_user)
    stems = family["stems"]
    assert client.get(reverse("songs:song_family", args=[stems.pk])).status_code == 404
    assert client.get(reverse("songs:song_stems_zip", args=[stems.pk])).status_code == 404
    keep = client.post(reverse("songs:song_keep_take", args=[family["original"].pk]), {"take": "2"})
    assert keep.status_code == 404
    family["original"].refresh_from_db()
    assert family["original"].preferred_take is None


def test_trashed_members_leave_the_tree_and_the_count(client, user, family):
    family["cover"].trashed_at = timezone.now()
    family["cover"].save()
    tree = selectors.song_family(user=user, song=family["original"])
    assert tree.size == 5
    assert "Cover" not in str(shape(tree.root))
    client.force_login(user)
    assert "Family: 5 songs" in client.get(family["original"].get_absolute_url()).content.decode()


# --- The Library: one row per family ------------------------------------------------------------------------


def library_titles(client, query: str = "") -> list[str]:
    body = client.get(reverse("songs:library") + query).content.decode()
    return re.findall(r'<h2 class="song-title"[^>]*><a href="[^"]+">([^<]+)</a>', body)


def test_the_library_shows_one_row_per_family_with_its_count(client, user, family):
    family["infill"].trashed_at = timezone.now()
    family["infill"].save()
    make_song(owner=user, title="Harbour Lights", status=Clip.Status.COMPLETE)
    client.force_login(user)
    body = client.get(reverse("songs:library")).content.decode()
    assert library_titles(client) == ["Harbour Lights", "Night Drive"]
    family_url = reverse("songs:song_family", args=[family["original"].pk])
    assert f'href="{family_url}"' in body and "+4 in this family" in body  # the trashed one isn't counted
    assert body.count("in this family") == 1
    # Trash lists its songs one by one
    assert library_titles(client, "?trash=1") == ["Night Drive fix"]


def test_a_search_or_filter_hit_inside_a_family_shows_the_familys_row(client, user, family):
    make_song(owner=user, title="Harbour Lights", status=Clip.Status.COMPLETE)
    client.force_login(user)
    assert library_titles(client, "?q=whole") == ["Night Drive"]
    assert library_titles(client, "?kind=stems_all") == ["Night Drive"]
    assert library_titles(client, "?q=harbour") == ["Harbour Lights"]
    assert library_titles(client, "?sort=title") == ["Harbour Lights", "Night Drive"]


def test_a_member_whose_original_is_in_trash_keeps_its_own_row(client, user, family):
    family["original"].trashed_at = timezone.now()
    family["original"].save()
    client.force_login(user)
    assert sorted(library_titles(client)) == sorted(
        s.title for name, s in family.items() if name != "original"
    )


@pytest.mark.parametrize("families", [1, 12])
def test_the_librarys_queries_stay_constant_with_families(client, user, django_assert_num_queries, families):
    for n in range(families):
        original = make_song(owner=user, title=f"Song {n}", status=Clip.Status.COMPLETE)
        derived(original, original.clips.get(take=1), Song.Kind.EXTEND, continue_at=10)
    client.force_login(user)
    account_of(user)
    client.get(reverse("songs:library"))
    with django_assert_num_queries(5):  # session, user and balance, count, ids, songs with their takes
        body = client.get(reverse("songs:library") + "?q=song").content.decode()
    assert body.count("+1 in this family") == families


# --- A/B: the kept take -------------------------------------------------------------------------------------


def test_keeping_a_take_puts_it_first_in_the_library_and_marks_it_on_the_family_page(client, user, family):
    original = family["original"]
    client.force_login(user)
    keep = reverse("songs:song_keep_take", args=[original.pk])
    assert client.post(keep, {"take": "2"}).status_code == 302
    original.refresh_from_db()
    assert original.preferred_take == 2
    body = client.get(reverse("songs:library")).content.decode()
    take_2 = original.clips.get(take=2).pk
    row_clip_ids = re.findall(r'class="take-play[^"]*" data-play [^>]*data-clip-id="(\d+)"', body)
    assert row_clip_ids[0] == str(take_2)
    assert "take 2 (kept)" in body
    family_page = client.get(reverse("songs:song_family", args=[original.pk])).content.decode()
    assert family_page.count("Kept</span>") == 1
    song_page = client.get(original.get_absolute_url()).content.decode()
    assert 'aria-pressed="true"' in song_page and "data-ab-toggle" in song_page
    # pressed again: neither is kept; a take that isn't there is refused
    client.post(keep, {"take": "2"})
    original.refresh_from_db()
    assert original.preferred_take is None
    client.post(keep, {"take": "7"})
    original.refresh_from_db()
    assert original.preferred_take is None


# --- Stems: the mixer and its ZIP ---------------------------------------------------------------------------


def test_the_stems_zip_holds_every_stem(client, user, family):
    stems = family["stems"]
    client.force_login(user)
    response = client.get(reverse("songs:song_stems_zip", args=[stems.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "stems.zip" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    expected = [f"{n:02d} {stem}.mp3" for n, stem in enumerate(STEMS, 1)]
    assert [name.split("/")[-1] for name in names] == expected
    for name, clip in zip(names, stems.clips.order_by("take"), strict=True):
        assert archive.read(name) == clip.audio_file.open("rb").read()
    # not a stem set: no zip
    assert client.get(reverse("songs:song_stems_zip", args=[family["cover"].pk])).status_code == 404


def test_a_stems_page_is_one_mixer_of_compact_rows(client, user, family):
    client.force_login(user)
    body = client.get(family["stems"].get_absolute_url()).content.decode()
    assert body.count("data-mixer-stem") == len(STEMS)
    for stem in STEMS:
        assert f'aria-label="Volume of {stem}"' in body
        assert f'aria-label="Mute {stem}"' in body and f'aria-label="Solo {stem}"' in body
    assert reverse("songs:song_stems_zip", args=[family["stems"].pk]) in body
    assert "Create persona" not in body and 'class="steps"' not in body and "clip-card" not in body


def test_trashing_a_familys_row_takes_the_family_and_undo_brings_it_back(client, user, family):
    """The row is the family: Move to Trash on it must not leave its songs behind as rows of their own. A
    song still being made stays (it may not go to Trash), and one trashed on its own before stays there."""
    original, cover = family["original"], family["cover"]
    Song.objects.filter(pk=cover.pk).update(trashed_at=timezone.now() - timezone.timedelta(days=1))
    busy = derived(original, original.clips.get(take=1), Song.Kind.EXTEND, title="Night Drive busy")
    Clip.objects.filter(song=busy).update(status=Clip.Status.STREAMING)
    client.force_login(user)
    notice = client.post(reverse("songs:song_trash", args=[original.pk]), HTTP_HX_REQUEST="true")
    assert "is in Trash with the 4 songs made from it." in notice.content.decode()
    assert library_titles(client) == ["Night Drive busy"]  # still being made: its own row meanwhile
    trashed = set(Song.objects.filter(owner=user).trashed().values_list("title", flat=True))
    assert trashed == {s.title for s in family.values()}

    back = client.post(reverse("songs:song_restore", args=[original.pk]), HTTP_HX_REQUEST="true")
    assert "with the 4 songs made from it" in back.content.decode()
    assert sorted(library_titles(client)) == ["Night Drive"]  # one row again, the family under it
    assert Song.objects.get(pk=cover.pk).trashed_at is not None  # trashed on its own: left in Trash


def test_the_bulk_bar_trashes_and_restores_families_too(client, user, family):
    original = family["original"]
    client.force_login(user)
    client.post(reverse("songs:songs_bulk"), {"action": "trash", "song": [original.pk]})
    assert not Song.objects.filter(owner=user, trashed_at__isnull=True).exists()
    client.post(reverse("songs:songs_bulk"), {"action": "restore", "song": [original.pk]})
    assert not Song.objects.filter(owner=user).trashed().exists()
