"""Reads that outgrow a QuerySet method: pages with their prefetches, a song's lineage, form defaults."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Prefetch, QuerySet

from . import catalogue
from .models import Clip, CreatorProfile, Song

LIBRARY_PAGE_SIZE = 10


def library_page(*, user, page_number: str | int | None) -> Page:
    """A page of the creator's songs with their clips: the same few queries whatever the page holds.

    The page is picked by id in a subquery (LIMIT/OFFSET on the owner's index alone): with the sources
    joined around the OFFSET, PostgreSQL joined and sorted all 5,000 songs of a big library for page 300.
    Tool songs name their source ("Extension of …") through a prefetch rather than a join: it queries only
    when the page has one, where the join cost every page about 1 ms of SQL building for 70 more columns.
    """
    ids = Paginator(Song.objects.owned_by(user).values_list("pk", flat=True), LIBRARY_PAGE_SIZE)
    page = ids.get_page(page_number)
    songs = Song.objects.filter(pk__in=page.object_list).prefetch_related(
        Prefetch("clips", queryset=Clip.objects.order_by("take")),
        Prefetch("parent_clip", queryset=Clip.objects.select_related("song")),
    )
    return Page(songs, page.number, ids)


EXPLORE_PAGE_SIZE = 12
EXPLORE_ORDERINGS = {"new": ("-published_at", "-pk"), "plays": ("-play_count", "-published_at", "-pk")}


def explore_page(*, sort: str, page_number: str | int | None) -> Page:
    """Public songs with their listenable takes and creators: three queries (count, page, clips)."""
    songs = (
        Song.objects.public()
        .select_related("owner")
        .prefetch_related(Prefetch("clips", queryset=Clip.objects.visible().complete().order_by("take")))
        .order_by(*EXPLORE_ORDERINGS.get(sort, EXPLORE_ORDERINGS["new"]))
    )
    return Paginator(songs, EXPLORE_PAGE_SIZE).get_page(page_number)


# --- How a song was built: original → extension → … → whole song --------------------------------------

CHAIN_KINDS = (Song.Kind.EXTEND, Song.Kind.CONCAT)
CHAIN_MAX_DEPTH = 50  # a guard against a cycle in hand-edited data
CHAIN_LABELS = {
    Song.Kind.EXTEND: "Extension",
    Song.Kind.CONCAT: "Whole song (master)",
    Song.Kind.UPLOAD: "Upload",
}


def _ancestor_ids(clip_id: int) -> list[int]:
    """The clip and each clip its song was made from, nearest first, in ONE recursive query (a walk
    through the ORM would cost a query per ancestor)."""
    clip_table, song_table = Clip._meta.db_table, Song._meta.db_table
    kinds = ", ".join(["%s"] * len(CHAIN_KINDS))
    sql = f"""
        WITH RECURSIVE chain(clip_id, depth) AS (
            SELECT CAST(%s AS BIGINT), 0
            UNION ALL
            SELECT s.parent_clip_id, chain.depth + 1
            FROM chain
            JOIN {clip_table} c ON c.id = chain.clip_id
            JOIN {song_table} s ON s.id = c.song_id
            WHERE s.parent_clip_id IS NOT NULL AND s.kind IN ({kinds}) AND chain.depth < %s
        )
        SELECT clip_id FROM chain ORDER BY depth
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [clip_id, *CHAIN_KINDS, CHAIN_MAX_DEPTH])
        ids = [row[0] for row in cursor.fetchall()]
    unique: list[int] = []
    for pk in ids:  # a cycle repeats ids: stop at the first repeat
        if pk in unique:
            break
        unique.append(pk)
    return unique


def clip_chain(clip_id: int) -> list[Clip]:
    """Original → extension → … → this clip (a whole song lists the chain it was spliced from): two
    queries whatever the depth."""
    ids = _ancestor_ids(clip_id)
    clips = Clip.objects.select_related("song").in_bulk(ids)
    return [clips[pk] for pk in reversed(ids) if pk in clips]


@dataclass(frozen=True)
class ChainStep:
    label: str
    title: str
    clip: Clip | None
    current: bool


def _step(clip: Clip, *, current: bool) -> ChainStep:
    return ChainStep(
        label=CHAIN_LABELS.get(clip.song.kind, "Original"),
        title=f"{clip.song.display_title} · take {clip.take}",
        clip=clip,
        current=current,
    )


def clip_chain_steps(clip: Clip) -> list[ChainStep]:
    """For a clip page: its chain, then the whole songs spliced from it. Empty for a plain take."""
    steps = [_step(c, current=c.pk == clip.pk) for c in clip_chain(clip.pk)]
    wholes = Clip.objects.filter(song__parent_clip=clip, song__kind=Song.Kind.CONCAT).select_related("song")
    steps += [_step(whole, current=False) for whole in wholes]
    return steps if len(steps) >= 2 else []


def song_chain_steps(song: Song) -> list[ChainStep]:
    """For a song page: the chain that leads to this song's takes (empty for a plain generation)."""
    if song.kind not in CHAIN_KINDS or song.parent_clip_id is None:
        return []
    chain = clip_chain(song.parent_clip_id)
    if not chain:
        return []
    steps = [_step(c, current=False) for c in chain]
    return [*steps, ChainStep(label=CHAIN_LABELS[song.kind], title="this song", clip=None, current=True)]


@dataclass(frozen=True)
class DerivedSongs:
    extensions: list[Song]
    whole_songs: list[Song]
    stem_sets: list[Song]


def derived_songs(clip: Clip) -> DerivedSongs:
    """The songs made from one clip, by what they are, with their takes: two queries."""
    derived = list(clip.derived_songs.order_by("created_at").prefetch_related("clips"))
    return DerivedSongs(
        extensions=[s for s in derived if s.kind == Song.Kind.EXTEND],
        whole_songs=[s for s in derived if s.kind == Song.Kind.CONCAT],
        stem_sets=[s for s in derived if s.kind in (Song.Kind.STEMS_ALL, Song.Kind.STEMS_TWO)],
    )


# --- What the create forms start from --------------------------------------------------------------------


def default_model_for(user) -> str:
    """The creator's default version (profile), else the site's; a version since retired falls back."""
    profile = CreatorProfile.objects.filter(user=user).first()
    if profile and profile.default_model_version:
        version = catalogue.get_version(profile.default_model_version)
        if version is not None and version.can_generate:
            return version.mv
    return catalogue.default_mv()


def personas_usable_by(user) -> QuerySet:
    """The personas the create form offers. Personas sit above songs, so they are reached through the
    model Song.persona points at; its manager provides `usable_by(user)`."""
    return Song._meta.get_field("persona").related_model._default_manager.usable_by(user)
