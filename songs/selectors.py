"""Reads that outgrow a QuerySet method: pages with their prefetches, a song's lineage, form defaults."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Lower, NullIf
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from sunostudio.fragments import fragment_key

from . import catalogue
from .models import SONG_SEARCH_VECTOR, Clip, CreateDraft, CreatorProfile, Song

LIBRARY_PAGE_SIZE = 20


@dataclass(frozen=True)
class LibraryFilters:
    """What the Library shows (songs.forms.LibraryFilterForm parses it from the URL)."""

    q: str = ""
    liked: bool = False
    public: str = ""  # "public" | "private"
    kind: str = ""
    model: str = ""
    persona: str = ""  # the persona's name as the song keeps it (the persona itself may be gone)
    instrumental: str = ""  # "instrumental" | "vocals"
    state: str = ""  # "in_flight" | "complete" | "failed"
    trash: bool = False
    sort: str = "newest"

    @property
    def is_narrowed(self) -> bool:
        """Anything beyond the sort: an empty page then says "nothing matches", not "no songs yet"."""
        narrowing = (self.q, self.liked, self.public, self.kind, self.model, self.persona, self.instrumental)
        return any(narrowing) or bool(self.state)


LIBRARY_SORTS = {
    "newest": ("-created_at", "-pk"),  # the index song_owner_library
    "oldest": ("created_at", "pk"),
    "plays": ("-play_count", "-created_at", "-pk"),
    "title": (Lower(Coalesce(NullIf("title", Value("")), "description")), "-created_at", "-pk"),
}
SENDING_STATES = (Song.State.QUEUED, Song.State.SUBMITTING)


def _search_words(text: str) -> list[str]:
    """Letters and digits only: nothing the user types can be tsquery syntax (`&`, `:`, `!`, quotes)."""
    return re.findall(r"[^\W_]+", text.lower())[:8]


def _search(songs: QuerySet, text: str) -> QuerySet:
    words = _search_words(text)
    if not words:
        return songs
    if connection.vendor == "postgresql":
        # Every word, each as a prefix: "harb lig" finds Harbour Lights (as LIKE does on SQLite).
        query = " & ".join(f"{word}:*" for word in words)
        matches = RawSQL(f"{SONG_SEARCH_VECTOR} @@ to_tsquery('simple', %s)", [query], BooleanField())
        return songs.filter(matches)
    for word in words:  # SQLite: each word somewhere in the same fields
        songs = songs.filter(
            Q(title__icontains=word)
            | Q(tags__icontains=word)
            | Q(persona_name__icontains=word)
            | Q(description__icontains=word)
            | Q(lyrics__icontains=word)
        )
    return songs


def _state_filter(state: str) -> Q | None:
    if state not in ("in_flight", "complete", "failed"):
        return None
    in_flight = Exists(Clip.objects.filter(song=OuterRef("pk"), status__in=Clip.IN_FLIGHT_STATUSES))
    complete = Exists(Clip.objects.filter(song=OuterRef("pk"), status=Clip.Status.COMPLETE))
    if state == "in_flight":
        return Q(state__in=SENDING_STATES) | Q(in_flight)
    if state == "complete":
        return Q(complete)
    # failed: nothing came of it, so the song page offers Retry
    return Q(state=Song.State.FAILED) | (Q(state=Song.State.SUBMITTED) & ~Q(in_flight) & ~Q(complete))


def library_songs(*, user, filters: LibraryFilters) -> QuerySet:
    """The creator's songs that match, in the page's order (`user` or its id)."""
    ordering = LIBRARY_SORTS.get(filters.sort, LIBRARY_SORTS["newest"])
    if filters.trash:  # Trash lists songs one by one: each is restored or deleted on its own
        return _narrowed(Song.objects.owned_by(user).trashed(), filters).order_by(*ordering)
    matching = _narrowed(Song.objects.owned_by(user).in_library(), filters) if filters.is_narrowed else None
    return _family_heads(user=user, matching=matching).order_by(*ordering)


def _narrowed(songs: QuerySet, filters: LibraryFilters) -> QuerySet:
    songs = _search(songs, filters.q)
    if filters.liked:
        songs = songs.filter(is_liked=True)
    if filters.public:
        songs = songs.filter(is_public=filters.public == "public")
    if filters.kind:
        songs = songs.filter(kind=filters.kind)
    if filters.model:
        songs = songs.filter(model_version=filters.model)
    if filters.persona:
        songs = songs.filter(persona_name=filters.persona)
    if filters.instrumental:
        songs = songs.filter(instrumental=filters.instrumental == "instrumental")
    state = _state_filter(filters.state)
    return songs if state is None else songs.filter(state)


def _family_heads(*, user, matching: QuerySet | None) -> QuerySet:
    """One Library row per family: its original, or a derived song whose original is in Trash (it would
    have no row otherwise). With a search or filter, a family shows when any of its songs matches."""
    # The trashed originals as a subquery, not a join: PostgreSQL hashes the few trashed ids once, where
    # the join to every row's original made the Library's COUNT three times slower.
    trashed = Song.objects.owned_by(user).trashed().order_by().values("pk")
    heads = (
        Song.objects.owned_by(user)
        .in_library()
        .filter(Q(family_root__isnull=True) | Q(family_root__in=trashed))
    )
    if matching is None:
        return heads
    matching = matching.order_by()
    return heads.filter(Q(pk__in=matching.values("pk")) | Q(pk__in=matching.values("family_root_id")))


@functools.lru_cache(maxsize=1024)
def _library_sql(owner_id: int, filters: LibraryFilters, vendor: str) -> tuple[str, tuple, str, tuple]:
    """The matching songs' ids in the page's order, and unordered for the COUNT (or PostgreSQL sorts
    every matching row before it counts them), as SQL with its parameters. A pure function of its
    arguments, so each process compiles a creator's filters once: building and compiling the ORM's
    queries was a tenth of every Library page. `vendor` because the search is written per database."""
    ids = library_songs(user=owner_id, filters=filters).values_list("pk", flat=True)
    return (*ids.query.sql_with_params(), *ids.order_by().query.sql_with_params())


class _MatchingIds:
    """The ids of the songs that match, for the Paginator: its COUNT, and its page by LIMIT/OFFSET on the
    ids alone, on the owner's index (with the rows' joins around the OFFSET, PostgreSQL joined and sorted
    all 5,000 songs of a big library for page 300). A COUNT(*) OVER () would save the COUNT's round trip,
    but makes PostgreSQL read every matching row."""

    def __init__(self, *, owner_id: int, filters: LibraryFilters) -> None:
        self.sql, self.params, self.count_sql, self.count_params = _library_sql(
            owner_id, filters, connection.vendor
        )

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({self.count_sql}) matching", self.count_params)
            return cursor.fetchone()[0]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[int]:
        offset, limit = int(window.start or 0), int(window.stop) - int(window.start or 0)
        with connection.cursor() as cursor:
            cursor.execute(f"{self.sql} LIMIT {limit} OFFSET {offset}", self.params)
            return [row[0] for row in cursor.fetchall()]


def library_page(
    *, user, filters: LibraryFilters | None = None, page_number: str | int | None = None
) -> Page:
    """A page of the creator's songs as rows (LibrarySong): the same three queries whatever the filters
    and the page (the count, the page's ids, its songs with their takes)."""
    ids = Paginator(_MatchingIds(owner_id=user.pk, filters=filters or LibraryFilters()), LIBRARY_PAGE_SIZE)
    page = ids.get_page(page_number)
    return Page(library_songs_by_id(list(page.object_list)), page.number, ids)


def library_row(*, user, pk: int) -> LibraryRow | None:
    """One row, for its refresh and after an action: the owner's song, trashed or not."""
    songs = library_songs_by_id([pk], owner_id=user.pk)
    return songs[0].row if songs else None


PERSONA_NAMES_CACHE_SECONDS = 300


def _persona_names_key(user_id: int) -> str:
    return f"songs.library-personas:{user_id}"


def library_persona_names(*, user) -> list[str]:
    """The personas the creator's songs were sung with, for the filter (index song_owner_persona). Cached:
    every Library page asks, and the list changes only when a song with a new persona is made
    (services.library_personas_changed)."""
    key = _persona_names_key(user.pk)
    names = cache.get(key)
    if names is None:
        rows = Song.objects.owned_by(user).exclude(persona_name="").values_list("persona_name", flat=True)
        names = list(rows.order_by("persona_name").distinct())
        cache.set(key, names, PERSONA_NAMES_CACHE_SECONDS)
    return names


def library_personas_forget(*, user_id: int) -> None:
    cache.delete(_persona_names_key(user_id))


# --- A Library row: everything its markup shows, worked out once -------------------------------------
#
# Twenty rows a page: a reverse() per URL, a property per badge and Django's variable resolution added up
# to most of the page's time, so the row's values are plain attributes, and URLs are formatted from one
# reverse() each per page.


class _TemplateReadable:
    """The template engine tries `row["title"]` before `row.title`: answering it saves an exception per
    value (a few hundred a page)."""

    __slots__ = ()

    def __getitem__(self, name: str):
        return getattr(self, name)


@dataclass(slots=True)
class LibraryTake(_TemplateReadable):
    clip_id: int
    take: int
    status: str
    status_label: str
    src: str  # what the player plays (our copy once archived), "" while there is nothing to hear
    cover: str
    duration: str  # "2:34"
    duration_seconds: str  # "154.30", for the player before it loads the file
    error: str
    play_attributes: str = ""  # the play button's data-* (includes/play_button.html's contract), escaped
    is_kept: bool = False  # the take the creator kept after an A/B (Song.preferred_take): listed first


def _play_attributes(take: LibraryTake, *, title: str, href: str) -> str:
    """The data-* names of includes/play_button.html, written once here: twenty rows of two takes rendered
    them as ten template variables and four {% if %}s each. (The standard library's escape, which Django's
    wraps: format_html was most of this function's time.)"""
    title = escape(title)
    kept = " (kept)" if take.is_kept else ""
    html = (
        f'data-clip-id="{take.clip_id}" data-src="{escape(take.src)}" data-title="{title}"'
        f' data-subtitle="Take {take.take}" data-href="{escape(href)}"'
        f' aria-label="Play {title}, take {take.take}{kept}"'
    )
    if take.cover:
        html += f' data-cover="{escape(take.cover)}"'
    if take.duration_seconds:
        html += f' data-duration="{take.duration_seconds}"'
    return mark_safe(html)  # noqa: S308 - every value above is escaped or a number


@dataclass(slots=True)
class LibraryRow(_TemplateReadable):
    pk: int
    title: str
    url: str
    row_url: str
    menu_url: str
    like_url: str
    cover: str
    style: str
    duration: str
    model: str
    persona: str
    age: str
    created_at: datetime
    created_iso: str
    kind_label: str
    source_title: str
    source_url: str
    source_take: int | None
    state: str  # "" (finished), "sending", "in_flight" or "failed"
    state_label: str
    is_in_flight: bool
    is_liked: bool
    like_pressed: str  # the like button's aria-pressed, and the value its next press sends
    like_value: str
    is_public: bool
    is_hidden: bool
    is_trashed: bool
    takes: list[LibraryTake] = field(default_factory=list)
    family_members: int = 0  # the songs made from it, out of Trash ("+3 in this family")
    family_url: str = ""


_PK = 987654321  # stands for the id in a reverse(), then formatted per row


class _RowUrls:
    """The row's URL patterns, reversed once per script prefix (a deployment under a sub-path has its own)."""

    _known: dict[str, _RowUrls] = {}

    @classmethod
    def current(cls) -> _RowUrls:
        prefix = get_script_prefix()
        if prefix not in cls._known:
            cls._known[prefix] = cls()
        return cls._known[prefix]

    def __init__(self) -> None:
        def pattern(name: str, *rest: str) -> str:
            return reverse(name, args=[_PK, *rest]).replace(str(_PK), "{}")

        self.song = pattern("songs:song_detail")
        self.row = pattern("songs:song_row")
        self.menu = pattern("songs:song_menu")
        self.like = pattern("songs:song_like")
        self.audio = pattern("songs:clip_media", "audio")
        self.image = pattern("songs:clip_media", "image")
        self.family = pattern("songs:song_family")


def short_age(then: datetime, now: datetime) -> str:
    """Compact, as a list column: "now", "5 min ago", "3 h ago", "2 days ago", then the date."""
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 7 * 86400:
        days = int(seconds // 86400)
        return "yesterday" if days == 1 else f"{days} days ago"
    local = timezone.localtime(then)
    if local.year == timezone.localtime(now).year:
        return f"{local.day} {local:%b}"
    return f"{local.day} {local:%b} {local.year}"


CLIP_STATUS_LABELS = dict(Clip.Status.choices)


# The columns a row shows, and no more (a song's lyrics and a take's metadata are kilobytes a row): the
# song, the take a tool song was made from (its song's title), the count of the songs made from its family
# out of Trash ("+3 in this family"), then its takes, a line each. One plain query for the page (the ORM's
# compiling of it cost more than running it).
_ROW_SONG_COLUMNS = 19
_ROW_SQL = f"""
    SELECT s.id, s.kind, s.title, s.tags, s.description, s.model_version, s.persona_name, s.state,
        s.is_public, s.is_hidden, s.is_liked, s.trashed_at, s.created_at, s.preferred_take,
        source.take, source_song.id, source_song.title, source_song.description,
        (SELECT COUNT(*) FROM {Song._meta.db_table} member
            WHERE member.family_root_id = s.id AND member.trashed_at IS NULL),
        c.id, c.take, c.status, c.audio_url, c.image_url, c.audio_file, c.image_file, c.duration,
        c.error_message
    FROM {Song._meta.db_table} s
    LEFT JOIN {Clip._meta.db_table} source ON source.id = s.parent_clip_id
    LEFT JOIN {Song._meta.db_table} source_song ON source_song.id = source.song_id
    LEFT JOIN {Clip._meta.db_table} c ON c.song_id = s.id
"""


@dataclass(slots=True)
class LibrarySong:
    """A Library row as the database has it: `key` names everything its markup shows (its rendered markup
    is kept under it: sunostudio.fragments), `row` builds the values the markup reads."""

    values: tuple  # _ROW_SQL's song columns
    takes: tuple[tuple, ...]  # its take columns, a tuple a take
    age: str  # "5 min ago": the one part that changes with the clock
    model: str  # the version's label
    key: str = ""
    _row: LibraryRow | None = None

    def __post_init__(self) -> None:
        self.key = fragment_key("library-row", (self.values, self.takes, self.age, self.model))

    @property
    def pk(self) -> int:
        return self.values[0]

    @property
    def row(self) -> LibraryRow:
        if self._row is None:
            self._row = _library_row(self)
        return self._row


def library_songs_by_id(ids: list[int], *, owner_id: int | None = None) -> list[LibrarySong]:
    """The songs with these ids, in this order (only the owner's when `owner_id` is given)."""
    if not ids:
        return []
    sql = _ROW_SQL + f" WHERE s.id IN ({', '.join(['%s'] * len(ids))})"
    params: list = list(ids)
    if owner_id is not None:
        sql += " AND s.owner_id = %s"
        params.append(owner_id)
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY s.id, c.take", params)
        lines = cursor.fetchall()
    songs: dict[int, tuple] = {}
    takes: dict[int, list[tuple]] = {}
    for line in lines:
        pk = line[0]
        if pk not in songs:
            songs[pk], takes[pk] = line[:_ROW_SONG_COLUMNS], []
        if line[_ROW_SONG_COLUMNS] is not None:  # a song with no take yet has one line, without
            takes[pk].append(line[_ROW_SONG_COLUMNS:])
    now = timezone.now()
    labels = {version.mv: version.label for version in catalogue.enabled_versions()}
    return [
        LibrarySong(
            values=songs[pk],
            takes=tuple(takes[pk]),
            age=short_age(_aware(songs[pk][12]), now),
            model=labels.get(songs[pk][5], songs[pk][5]),
        )
        for pk in ids
        if pk in songs
    ]


def _aware(value: datetime | None) -> datetime | None:
    """A plain cursor on SQLite gives the stored UTC time without its zone (the ORM would add it)."""
    if value is not None and timezone.is_naive(value):
        return value.replace(tzinfo=UTC)
    return value


def _take(values: tuple, urls: _RowUrls) -> LibraryTake:
    pk, take, status, audio_url, image_url, audio_file, image_file, duration, error = values
    minutes, seconds = divmod(int(duration or 0), 60)  # players floor too: 28.9 s shows as 0:28
    return LibraryTake(
        clip_id=pk,
        take=take,
        status=status,
        status_label=CLIP_STATUS_LABELS.get(status, status),
        src=urls.audio.format(pk) if audio_file else audio_url,  # our copy once archived (Clip.playable_url)
        cover=urls.image.format(pk) if image_file else image_url,
        duration=f"{minutes}:{seconds:02d}" if duration else "",
        duration_seconds=f"{duration:.2f}" if duration else "",
        error=error[:120] if status == Clip.Status.ERROR else "",
    )


def _row_state(state: str, takes: list[LibraryTake]) -> tuple[str, str]:
    if state in SENDING_STATES:
        return "sending", "Sending…"
    if state == Song.State.FAILED:
        return "failed", "Failed"
    statuses = {take.status for take in takes}
    if statuses & set(Clip.IN_FLIGHT_STATUSES):
        return "in_flight", "Streaming…" if Clip.Status.STREAMING in statuses else "Generating…"
    if takes and statuses == {Clip.Status.ERROR}:
        return "failed", "Failed"
    return "", ""


KIND_LABELS = dict(Song.Kind.choices)


def _library_row(song: LibrarySong) -> LibraryRow:
    (
        pk, kind, title, tags, description, model_version, persona, state, is_public, is_hidden, is_liked,
        trashed_at, created_at, preferred_take, source_take, source_song_id, source_title, source_description,
        family_members,
    ) = song.values  # fmt: skip
    urls = _RowUrls.current()
    created_at = _aware(created_at)
    takes = [_take(values, urls) for values in song.takes]
    if preferred_take:  # the kept take first
        for take in takes:
            take.is_kept = take.take == preferred_take
        takes.sort(key=lambda take: not take.is_kept)
    title, url = Song.title_from(title, description), urls.song.format(pk)
    for take in takes:
        if take.src:
            take.play_attributes = _play_attributes(take, title=title, href=url)
    row_state, state_label = _row_state(state, takes)
    return LibraryRow(
        pk=pk,
        title=title,
        url=url,
        row_url=urls.row.format(pk),
        menu_url=urls.menu.format(pk),
        like_url=urls.like.format(pk),
        cover=next((take.cover for take in takes if take.cover), ""),
        style=(tags or description)[:120] or KIND_LABELS.get(kind, ""),
        duration=next((take.duration for take in takes if take.duration), ""),
        model=song.model,
        persona=persona,
        age=song.age,
        created_at=created_at,
        created_iso=created_at.isoformat(),
        kind_label=KIND_LABELS.get(kind, ""),
        source_title=Song.title_from(source_title, source_description) if source_song_id else "",
        source_url=urls.song.format(source_song_id) if source_song_id else "",
        source_take=source_take,
        state=row_state,
        state_label=state_label,
        is_in_flight=row_state in ("sending", "in_flight"),
        is_liked=bool(is_liked),
        like_pressed="true" if is_liked else "false",
        like_value="0" if is_liked else "1",
        is_public=bool(is_public),
        is_hidden=bool(is_hidden),
        is_trashed=trashed_at is not None,
        takes=takes,
        family_members=family_members or 0,
        family_url=urls.family.format(pk),
    )


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
    Song.Kind.COVER: "Cover",
    Song.Kind.INFILL: "Replaced section",
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
    covers: list[Song] = field(default_factory=list)
    replacements: list[Song] = field(default_factory=list)


def derived_songs(clip: Clip) -> DerivedSongs:
    """The songs made from one clip, by what they are, with their takes: two queries."""
    derived = list(clip.derived_songs.order_by("created_at").prefetch_related("clips"))
    return DerivedSongs(
        extensions=[s for s in derived if s.kind == Song.Kind.EXTEND],
        whole_songs=[s for s in derived if s.kind == Song.Kind.CONCAT],
        stem_sets=[s for s in derived if s.kind in (Song.Kind.STEMS_ALL, Song.Kind.STEMS_TWO)],
        covers=[s for s in derived if s.kind == Song.Kind.COVER],
        replacements=[s for s in derived if s.kind == Song.Kind.INFILL],
    )


def song_source(song: Song) -> Clip | None:
    """The take a cover or a replaced section was made from, for the song page's "Cover of …" line: only
    the owner's own (a take of someone else's is never named or linked), one query."""
    if song.kind not in (Song.Kind.COVER, Song.Kind.INFILL) or song.parent_clip_id is None:
        return None
    return Clip.objects.owned_by(song.owner_id).select_related("song").filter(pk=song.parent_clip_id).first()


# --- A song's family: the original, its takes, what was made from each take, and so on --------------------


def _clock(seconds: float | None) -> str:
    whole = int(seconds or 0)  # players floor too
    return f"{whole // 60}:{whole % 60:02d}"


@dataclass
class FamilyTake:
    clip: Clip
    is_kept: bool
    children: list[FamilyNode] = field(default_factory=list)


@dataclass
class FamilyNode:
    song: Song
    label: str  # what it is: "Original", "Extend from 1:05", "Stems of take 2", "Replaced 0:42–1:05"
    state: str  # "" (finished), "sending", "in_flight" or "failed"
    state_label: str
    credits: int | None  # what it was charged (None: no charge recorded)
    is_refunded: bool
    is_current: bool  # the song whose page linked here
    takes: list[FamilyTake] = field(default_factory=list)
    orphans: list[FamilyNode] = field(default_factory=list)  # made from a take since deleted

    @property
    def is_stems(self) -> bool:
        return self.song.kind in (Song.Kind.STEMS_ALL, Song.Kind.STEMS_TWO)


@dataclass
class Family:
    root: FamilyNode
    size: int  # songs in the tree

    def complete_clips(self) -> list[Clip]:
        """Every complete take in tree order: what "Play the family" queues."""
        found: list[Clip] = []

        def walk(node: FamilyNode) -> None:
            for take in node.takes:
                if take.clip.is_complete and take.clip.playable_url:
                    found.append(take.clip)
                for child in take.children:
                    walk(child)
            for child in node.orphans:
                walk(child)

        walk(self.root)
        return found


def family_label(song: Song, parent: Clip | None, *, is_root: bool = False) -> str:
    take = f"take {parent.take}" if parent is not None else "a take"
    if is_root:
        return "Upload" if song.kind == Song.Kind.UPLOAD else "Original"
    if song.kind == Song.Kind.EXTEND:
        return f"Extend from {_clock(song.continue_at)}"
    if song.kind == Song.Kind.CONCAT:
        return "Whole song"
    if song.kind in (Song.Kind.STEMS_ALL, Song.Kind.STEMS_TWO):
        return f"Stems of {take}"
    if song.kind == Song.Kind.COVER:
        return "Cover"
    if song.kind == Song.Kind.INFILL:
        return f"Replaced {_clock(song.infill_start_s)}–{_clock(song.infill_end_s)}"
    return song.get_kind_display()


def _family_state(song: Song, clips: list[Clip]) -> tuple[str, str]:
    if song.state in SENDING_STATES:
        return "sending", "Sending…"
    if song.state == Song.State.FAILED:
        return "failed", "Failed"
    statuses = {clip.status for clip in clips}
    if statuses & set(Clip.IN_FLIGHT_STATUSES):
        return "in_flight", "Streaming…" if Clip.Status.STREAMING in statuses else "Generating…"
    if clips and statuses == {Clip.Status.ERROR}:
        return "failed", "Failed"
    return "", "Complete"


def family_root_id(song: Song) -> int:
    return song.family_root_id or song.pk


def family_size(*, user, song: Song) -> int:
    """The songs in the family out of Trash, the original counted (the song page's "Family: N songs")."""
    root = family_root_id(song)
    return (
        Song.objects.owned_by(user)
        .filter(Q(pk=root) | Q(family_root_id=root), trashed_at__isnull=True)
        .count()
    )


def song_family(*, user, song: Song) -> Family:
    """The family as a tree (original → its takes → the songs made from each take → …) in two queries:
    the family's songs with their charges, then their takes. Members in Trash are left out (the original
    always shows: the tree hangs from it)."""
    root_id = family_root_id(song)
    songs = list(
        Song.objects.owned_by(user)
        .filter(Q(pk=root_id) | Q(family_root_id=root_id))
        .filter(Q(pk=root_id) | Q(trashed_at__isnull=True))
        .select_related("paid_request")
        .order_by("created_at", "pk")
    )
    clips_by_song: dict[int, list[Clip]] = {s.pk: [] for s in songs}
    for clip in Clip.objects.filter(song_id__in=list(clips_by_song)).defer("peaks", "metadata"):
        clips_by_song[clip.song_id].append(clip)
    clips_by_id: dict[int, Clip] = {}
    for s in songs:
        clips_by_song[s.pk].sort(key=lambda clip: clip.take)
        for clip in clips_by_song[s.pk]:
            clip.song = s  # the song is at hand: no query per clip.song
            clips_by_id[clip.pk] = clip

    nodes: dict[int, FamilyNode] = {}
    for s in songs:
        paid = s.paid_request
        state, state_label = _family_state(s, clips_by_song[s.pk])
        nodes[s.pk] = FamilyNode(
            song=s,
            label=family_label(s, clips_by_id.get(s.parent_clip_id), is_root=s.pk == root_id),
            state=state,
            state_label=state_label,
            credits=paid.credits if paid is not None else None,
            is_refunded=paid is not None and paid.state == "refunded",
            is_current=s.pk == song.pk,
            takes=[FamilyTake(clip=c, is_kept=c.take == s.preferred_take) for c in clips_by_song[s.pk]],
        )
    takes_by_clip = {take.clip.pk: take for node in nodes.values() for take in node.takes}
    root = nodes.get(root_id) or nodes[song.pk]
    for s in songs:
        if s.pk == root.song.pk:
            continue
        parent_take = takes_by_clip.get(s.parent_clip_id)
        if parent_take is not None and parent_take.clip.song_id != s.pk:
            parent_take.children.append(nodes[s.pk])
        else:
            root.orphans.append(nodes[s.pk])
    for node in nodes.values():  # the kept take first
        node.takes.sort(key=lambda take: not take.is_kept)
    # A song reached from no take of the tree (a cycle in hand-edited data) is simply not shown: the walk
    # starts at the original, which hangs from nothing, so it always ends.
    return Family(root=root, size=len(songs))


def ab_takes(song: Song, clips) -> list[Clip]:
    """Take 1 and take 2 when both can be heard: the song page's A/B. Iterating `clips` (the page's own
    QuerySet) fills its cache, so the page's loop over the takes costs no second query."""
    if song.is_stem_set or song.kind == Song.Kind.UPLOAD:
        return []
    playable = [clip for clip in clips if clip.take in (1, 2) and clip.is_complete and clip.playable_url]
    return playable if len(playable) == 2 else []


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


# --- The library export (songs/export.py streams it) --------------------------------------------------

EXPORT_CHUNK = 100  # songs read at a time while the ZIP streams: memory is one chunk, whatever the library


def export_songs(*, user, song_ids: list[int] | None = None):
    """The creator's songs out of Trash (those of `song_ids` only, when given; others' ids match nothing),
    oldest first, with what export needs, read a chunk at a time as the response streams."""
    songs = Song.objects.owned_by(user).in_library()
    if song_ids is not None:
        songs = songs.filter(pk__in=song_ids)
    songs = (
        songs.select_related("parent_clip__song", "family_root")
        .prefetch_related(
            Prefetch("clips", queryset=Clip.objects.defer("peaks").order_by("take")), "clips__assets"
        )
        .order_by("created_at", "pk")
    )
    return songs.iterator(chunk_size=EXPORT_CHUNK)


# --- The create form's style chips --------------------------------------------------------------------

STYLE_CHIPS = 6
STYLE_CHIPS_SCANNED = 60  # the newest songs read for distinct styles: one bounded query each


def _distinct_styles(songs: QuerySet) -> list[str]:
    seen: dict[str, str] = {}
    rows = songs.exclude(tags="").order_by("-created_at").values_list("tags", flat=True)
    for tags in rows[:STYLE_CHIPS_SCANNED]:
        seen.setdefault(" ".join(tags.lower().split()), tags)
        if len(seen) == STYLE_CHIPS:
            break
    return list(seen.values())


def style_chips(*, user) -> dict[str, list[str]]:
    """The creator's recent styles (their last distinct style tags) and favourite ones (their liked songs'),
    offered beside the style field. Songs in the Trash don't count."""
    own = Song.objects.owned_by(user).filter(trashed_at__isnull=True)
    return {"recent": _distinct_styles(own), "favourite": _distinct_styles(own.filter(is_liked=True))}


def create_draft_for(*, user):
    """The creator's own saved create-form draft (one per creator), or None."""
    return CreateDraft.objects.filter(owner=user).first()


# --- A fork's song page: what it changed from the song it was forked from ------------------------------


@dataclass(frozen=True)
class RecipeChange:
    label: str
    old: str
    new: str


RECIPE_LABELS = {
    "kind": "Mode",
    "title": "Title",
    "description": "Description",
    "tags": "Style",
    "negative_tags": "Excluded styles",
    "lyrics": "Lyrics",
    "model_version": "Model",
    "instrumental": "Instrumental",
}


def _recipe_values(song: Song) -> dict[str, str]:
    recipe = song.recipe()
    values = {name: recipe.get(name) for name in RECIPE_LABELS}
    values["kind"] = song.get_kind_display()
    values["instrumental"] = "yes" if song.instrumental else "no"
    values.update(song.more_options_display())  # Weirdness, Style influence, …, Vocal gender
    return {name: "" if value is None else str(value) for name, value in values.items()}


def recipe_changes(song: Song) -> list[RecipeChange]:
    """Only the fields that differ, in the recipe's order; none for a song that isn't a fork (or whose
    original was deleted). Two queries at most: the original, read once."""
    if song.forked_from_id is None:
        return []
    original = song.forked_from
    if original is None or original.owner_id != song.owner_id:
        return []
    before, after = _recipe_values(original), _recipe_values(song)
    changes = []
    for name in dict.fromkeys([*before, *after]):
        old, new = before.get(name, ""), after.get(name, "")
        if old != new:
            changes.append(RecipeChange(label=RECIPE_LABELS.get(name, name), old=old, new=new))
    return changes


def stem_sets_of(*, user, song: Song) -> list[Song]:
    """The stem sets a Library row's menu offers as ZIPs: the song itself when it is one, else those made
    from its takes, out of Trash and with a stem saved (one query)."""
    if song.is_stem_set:
        candidates = Song.objects.filter(pk=song.pk)
    else:
        candidates = Song.objects.owned_by(user).in_library().filter(parent_clip__song=song)
    sets = (
        candidates.filter(kind__in=(Song.Kind.STEMS_ALL, Song.Kind.STEMS_TWO))
        .filter(clips__status=Clip.Status.COMPLETE, clips__audio_file__gt="")
        .select_related("parent_clip")
        .distinct()
        .order_by("parent_clip__take", "created_at")
    )
    return list(sets)
