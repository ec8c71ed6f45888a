"""A creator's songs as one ZIP, streamed: memory stays flat whatever the count (issue 15's export).

For every complete take: its MP3 with ID3 tags (title, artist, album = the song family's title, the cover,
the lyrics unsynchronised and, when timed, synchronised, and the recipe as JSON in a TXXX frame), the WAV
when one was fetched, the cover, the lyrics as .txt and (timed) .lrc; for every song a metadata.json
(recipe, model, persona, family, upstream ids, dates). zipstream-ng writes entries as they are read (no
compression: audio doesn't shrink), and each file is read in 64 KB pieces only when its turn comes: an
MP3's fresh ID3 tag is written on its own and the audio after the old tag follows it, piece by piece, so
a four-minute WAV costs the same memory as a cover.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from mutagen.id3 import APIC, ID3, SYLT, TALB, TIT2, TPE1, TXXX, USLT, Encoding
from zipstream import ZIP_STORED, ZipStream

from .models import Clip, ClipAsset, Song
from .timing import timed_lines, to_lrc

RECIPE_FRAME = "Suno Studio recipe"
_UNSAFE = re.compile(r"[^\w\- .,'()&]+", re.UNICODE)


def safe_name(text: str, *, fallback: str = "Untitled") -> str:
    cleaned = _UNSAFE.sub("", text).strip(" .")[:60]
    return cleaned or fallback


def recipe_of(song: Song) -> dict[str, Any]:
    return {
        "kind": song.kind,
        "title": song.title,
        "lyrics": song.lyrics,
        "style": song.tags,
        "excluded_styles": song.negative_tags,
        "description": song.description,
        "model_version": song.model_version,
        "instrumental": song.instrumental,
        "persona": song.persona_name,
        "continue_at": song.continue_at,
        "infill_start_s": song.infill_start_s,
        "infill_end_s": song.infill_end_s,
        "control_sliders": song.control_sliders,
        "vocal_gender": song.vocal_gender,
    }


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _persona_of(song: Song) -> dict[str, Any] | None:
    """As the song keeps it: the name and upstream ids outlive a deleted persona."""
    if not song.persona_name and not song.persona_upstream_id:
        return None
    return {
        "name": song.persona_name,
        "persona_id": song.persona_id,
        "upstream_persona_id": song.persona_upstream_id,
        "upstream_artist_clip_id": song.persona_artist_clip_id,
    }


def family_root_of(song: Song) -> Song:
    """The family's original (Song.family_root, set when a derived song is made); a song made from a take
    before that field existed falls back to its parent take's song; an original is its own root."""
    if song.family_root_id and song.family_root is not None:
        return song.family_root
    if song.parent_clip_id and song.parent_clip is not None:
        return song.parent_clip.song
    return song


def family_of(song: Song) -> dict[str, Any]:
    """The family's original and the take this song was made from, if any (extend, cover, stems...)."""
    root = family_root_of(song)
    parent = song.parent_clip
    made_from = None
    if parent is not None:
        made_from = {"song_id": parent.song_id, "take": parent.take, "title": parent.song.display_title}
    return {"root_song_id": root.pk, "root_title": root.display_title, "made_from": made_from}


def album_of(song: Song) -> str:
    """The ID3 album: the family's title, so a player groups an original with its extensions and covers."""
    return family_root_of(song).display_title


def metadata_of(song: Song, clips: list[Clip]) -> dict[str, Any]:
    return {
        "song_id": song.pk,
        "title": song.display_title,
        "recipe": recipe_of(song),
        "family": family_of(song),
        "persona": _persona_of(song),
        "forked_from_song_id": song.forked_from_id,
        "upstream": {"task_id": song.upstream_task_id, "batch_id": song.upstream_batch_id},
        "created_at": song.created_at.isoformat(),
        "submitted_at": _iso(song.submitted_at),
        "published_at": _iso(song.published_at) if song.is_public else None,
        "takes": [
            {
                "take": clip.take,
                "title": clip.title,
                "duration_s": clip.duration,
                "model": clip.model_name,
                "upstream_clip_id": clip.upstream_id,
                "upstream_task_id": clip.upstream_task_id,
                "completed_at": _iso(clip.completed_at),
            }
            for clip in clips
        ],
    }


CHUNK = 64 * 1024


def _read(field_file) -> bytes:
    with field_file.open("rb") as source:
        return source.read()


def _pieces(field_file, *, skip_id3: bool = False) -> Iterator[bytes]:
    """The file in CHUNK pieces, read when zipstream reaches its entry; with `skip_id3`, from after the
    ID3v2 tag it starts with (if any), which id3_tag's fresh tag replaces."""
    with field_file.open("rb") as source:
        if skip_id3:
            source.seek(id3v2_length(source.read(10)))
        while piece := source.read(CHUNK):
            yield piece


def id3v2_length(header: bytes) -> int:
    """How many bytes the ID3v2 tag at the start of a file takes (0 without one): the 10-byte header, the
    size it gives (syncsafe: 7 bits a byte) and a footer when its flag says so."""
    if len(header) < 10 or header[:3] != b"ID3" or any(b & 0x80 for b in header[6:10]):
        return 0
    size = (header[6] << 21) | (header[7] << 14) | (header[8] << 7) | header[9]
    footer = 10 if header[5] & 0x10 else 0
    return 10 + size + footer


def id3_tag(
    *,
    title: str,
    artist: str,
    album: str,
    cover: bytes,
    lyrics: str,
    words: list[dict],
    recipe: dict,
) -> bytes:
    """A fresh ID3v2.4 tag, on its own: the MP3's audio follows it in the file."""
    tags = ID3()
    tags.add(TIT2(encoding=Encoding.UTF8, text=title))
    tags.add(TPE1(encoding=Encoding.UTF8, text=artist))
    tags.add(TALB(encoding=Encoding.UTF8, text=album))
    if cover:
        tags.add(APIC(encoding=Encoding.UTF8, mime="image/jpeg", type=3, desc="Cover", data=cover))
    if lyrics:
        tags.add(USLT(encoding=Encoding.UTF8, lang="eng", desc="", text=lyrics))
    lines = timed_lines(words) if words else []
    if lines:  # format 2: milliseconds; type 1: lyrics
        synced = [(line.text, round(line.start_s * 1000)) for line in lines]
        tags.add(SYLT(encoding=Encoding.UTF8, lang="eng", format=2, type=1, desc="", text=synced))
    tags.add(TXXX(encoding=Encoding.UTF8, desc=RECIPE_FRAME, text=json.dumps(recipe, ensure_ascii=False)))
    out = io.BytesIO()
    tags.save(out, v2_version=4, padding=lambda info: 0)
    return out.getvalue()


def export_stream(songs: Iterable[Song], *, artist: str) -> Iterator[bytes]:
    """The ZIP of `songs` (each with its clips, assets and parent prefetched), to stream as a response.

    One song's entries are queued at a time and written before the next song is read, so only the
    archive's directory (a few hundred bytes an entry) grows with the count."""
    zip_file = ZipStream(compress_type=ZIP_STORED, sized=False)
    for song in songs:
        _add_song(zip_file, song, artist=artist)
        yield from zip_file.all_files()
        _let_go(song)
    yield from zip_file.footer()


def _let_go(song: Song) -> None:
    """Break the reference cycles a prefetch and a file field make (a song lists its clips, each clip
    points back at its song; the same for assets; a FieldFile points at its model), so a written song is
    freed at once: left to the cycle collector, a few
    thousand songs piled up between its passes (the peak grew with the count)."""
    for clip in song.clips.all():
        for asset in clip.assets.all():
            asset._state.fields_cache.clear()
            asset.__dict__.pop("file", None)  # a FieldFile points back at its instance
        clip.__dict__.get("_prefetched_objects_cache", {}).clear()
        clip._state.fields_cache.clear()
        clip.__dict__.pop("audio_file", None)
        clip.__dict__.pop("image_file", None)
    song.__dict__.get("_prefetched_objects_cache", {}).clear()
    song._state.fields_cache.clear()


def _add_song(zip_file: ZipStream, song: Song, *, artist: str) -> None:
    clips = [c for c in song.clips.all() if c.is_complete and c.audio_file]
    if not clips:
        return
    folder = f"{safe_name(song.display_title)} ({song.pk})"
    recipe = recipe_of(song)
    for clip in clips:
        assets = {a.kind: a for a in clip.assets.all() if a.status == ClipAsset.Status.READY}
        timing = assets.get(ClipAsset.Kind.TIMING)
        words = list(timing.words) if timing else []
        stem = f"{folder}/take {clip.take}"

        def mp3(clip=clip, words=words, song=song, recipe=recipe) -> Iterator[bytes]:
            cover = _read(clip.image_file) if clip.image_file else b""  # a cover is tens of KB
            yield id3_tag(
                title=clip.title or song.display_title,
                artist=artist,
                album=album_of(song),
                cover=cover,
                lyrics=song.lyrics,
                words=words,
                recipe=recipe,
            )
            yield from _pieces(clip.audio_file, skip_id3=True)

        zip_file.add(mp3(), f"{stem}.mp3")
        wav = assets.get(ClipAsset.Kind.WAV)
        if wav is not None and wav.file:
            zip_file.add(_pieces(wav.file), f"{stem}.wav")
        if clip.image_file:
            zip_file.add(_pieces(clip.image_file), f"{stem} cover.jpg")
        if words:
            lrc = to_lrc(timed_lines(words), title=clip.title or song.display_title)
            zip_file.add(lrc.encode(), f"{stem}.lrc")
    if song.lyrics:
        zip_file.add(song.lyrics.encode(), f"{folder}/lyrics.txt")
    metadata = json.dumps(metadata_of(song, clips), ensure_ascii=False, indent=2)
    zip_file.add(metadata.encode(), f"{folder}/metadata.json")


def stems_zip_name(song: Song) -> str:
    return f"{safe_name(song.display_title)} - stems.zip"


def stems_stream(song: Song, stems: list[Clip]) -> Iterator[bytes]:
    """A stem set's MP3s as one ZIP, streamed (each file read when its turn comes), named by stem."""
    zip_file = ZipStream(compress_type=ZIP_STORED, sized=False)
    folder = f"{safe_name(song.display_title)} - stems"
    for clip in stems:
        name = f"{folder}/{clip.take:02d} {safe_name(clip.stem_name, fallback=f'Stem {clip.take}')}.mp3"
        zip_file.add(_pieces(clip.audio_file), name)
    yield from zip_file.all_files()
    yield from zip_file.footer()
