"""Reads: a song's lineage comes in a fixed number of queries however deep the chain is."""

from __future__ import annotations

import pytest

from accounts.services import account_of
from songs import selectors
from songs.models import Clip, Song
from tests.songs.builders import make_song

pytestmark = pytest.mark.django_db


def _extension_chain(owner, depth: int) -> list[Clip]:
    """An original take, then `depth` extensions, each of the previous one's first take."""
    clips = [make_song(owner=owner, status=Clip.Status.COMPLETE, title="Original").clips.first()]
    for n in range(depth):
        song = make_song(
            owner=owner,
            status=Clip.Status.COMPLETE,
            title=f"Part {n + 2}",
            kind=Song.Kind.EXTEND,
            parent_clip=clips[-1],
            continue_at=20,
        )
        clips.append(song.clips.first())
    return clips


@pytest.mark.parametrize("depth", [1, 3, 8])
def test_the_chain_is_two_queries_whatever_its_depth(user, django_assert_num_queries, depth):
    clips = _extension_chain(user, depth)
    with django_assert_num_queries(2):
        chain = selectors.clip_chain(clips[-1].pk)
    assert [c.pk for c in chain] == [c.pk for c in clips]
    assert chain[0].song.title == "Original"  # the songs came with the clips


def test_song_and_clip_pages_label_each_step(user):
    clips = _extension_chain(user, 2)
    whole = make_song(owner=user, clips=1, kind=Song.Kind.CONCAT, parent_clip=clips[-1], title="Whole")
    song_steps = selectors.song_chain_steps(whole)
    assert [s.label for s in song_steps] == ["Original", "Extension", "Extension", "Whole song (master)"]
    assert song_steps[-1].current and song_steps[-1].clip is None
    clip_steps = selectors.clip_chain_steps(clips[1])
    assert [s.label for s in clip_steps] == ["Original", "Extension"]
    assert [s.current for s in clip_steps] == [False, True]
    assert [s.label for s in selectors.clip_chain_steps(clips[-1])][-1] == "Whole song (master)"


def test_a_plain_take_has_no_chain(user):
    clip = make_song(owner=user, status=Clip.Status.COMPLETE).clips.first()
    assert selectors.clip_chain_steps(clip) == []
    assert selectors.song_chain_steps(clip.song) == []


def test_a_cycle_in_the_data_ends_the_walk(user):
    first, second = _extension_chain(user, 1)
    Song.objects.filter(pk=first.song_id).update(kind=Song.Kind.EXTEND, parent_clip=second)
    chain = selectors.clip_chain(second.pk)
    assert sorted(c.pk for c in chain) == sorted([first.pk, second.pk])


def test_the_song_and_clip_pages_render_the_chain_in_constant_queries(
    client, user, django_assert_max_num_queries
):
    clips = _extension_chain(user, 6)
    client.force_login(user)
    account_of(user)  # the month's grant, once; the header's balance is one query per page
    with django_assert_max_num_queries(13):
        page = client.get(clips[-1].song.get_absolute_url()).content.decode()
    assert page.count('aria-current="step"') == 1 and "Original" in page
