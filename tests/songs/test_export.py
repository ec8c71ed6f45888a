"""The library export: a streamed ZIP whose every file is there, MP3s whose ID3 frames read back with
mutagen, and a metadata.json that says what the database says. Real MP3s from the simulator's encoder."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from songs import export
from songs.models import Clip, ClipAsset, Song
from suno.simulator import media
from tests.songs.builders import make_song

pytestmark = pytest.mark.django_db

WORDS = [
    {"word": "[Verse]\nCity ", "start_s": 0.5, "end_s": 0.9},
    {"word": "lights ", "start_s": 0.9, "end_s": 1.4},
    {"word": "are calling\n", "start_s": 1.4, "end_s": 2.0},
    {"word": "Drive all night", "start_s": 3.25, "end_s": 4.0},
]


@pytest.fixture(scope="module")
def mp3_bytes() -> bytes:
    return media.encode_mp3(
        media.render_clip("export", tags="pop", lyrics="la la", duration=3.0, instrumental=False).samples
    )


def finished_song(owner, mp3: bytes, **fields) -> Song:
    song = make_song(owner=owner, status=Clip.Status.COMPLETE, **fields)
    for clip in song.clips.all():
        clip.upstream_id = f"up-{song.pk}-{clip.take}"
        clip.duration = 3.0
        clip.audio_file.save("audio.mp3", ContentFile(mp3), save=False)
        clip.image_file.save("image.jpeg", ContentFile(b"\xff\xd8\xff cover"), save=False)
        clip.save()
    return song


def unzip(stream) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(stream)))


def songs_of(owner):
    return (
        Song.objects.filter(owner=owner).prefetch_related("clips__assets").select_related("parent_clip__song")
    )


def test_every_file_is_there_with_tags_and_metadata(user, mp3_bytes):
    song = finished_song(user, mp3_bytes, title="Night Drive")
    first = song.clips.get(take=1)
    ClipAsset.objects.create(clip=first, kind="timing", status="ready", words=WORDS)
    wav = ClipAsset.objects.create(clip=first, kind="wav", status="ready")
    wav.file.save("take.wav", ContentFile(b"RIFF....WAVE"), save=True)

    archive = unzip(export.export_stream(songs_of(user), artist="Ada"))
    folder = f"Night Drive ({song.pk})"
    assert sorted(archive.namelist()) == sorted(
        [
            f"{folder}/take 1.mp3",
            f"{folder}/take 1.wav",
            f"{folder}/take 1 cover.jpg",
            f"{folder}/take 1.lrc",
            f"{folder}/take 2.mp3",
            f"{folder}/take 2 cover.jpg",
            f"{folder}/lyrics.txt",
            f"{folder}/metadata.json",
        ]
    )
    assert archive.read(f"{folder}/take 1.wav") == b"RIFF....WAVE"
    assert archive.read(f"{folder}/lyrics.txt").decode() == song.lyrics
    assert archive.read(f"{folder}/take 1.lrc").decode().splitlines() == [
        "[ti:Night Drive]",
        "[00:00.50]City lights are calling",
        "[00:03.25]Drive all night",
    ]

    mp3 = archive.read(f"{folder}/take 1.mp3")
    tags = ID3(io.BytesIO(mp3))
    assert (
        str(tags["TIT2"]) == "Night Drive"
        and str(tags["TPE1"]) == "Ada"
        and str(tags["TALB"]) == "Night Drive"
    )
    assert tags.getall("APIC")[0].data == b"\xff\xd8\xff cover"
    assert tags.getall("USLT")[0].text == song.lyrics
    assert tags.getall("SYLT")[0].text == [("City lights are calling", 500), ("Drive all night", 3250)]
    recipe = json.loads(str(tags.getall("TXXX:" + export.RECIPE_FRAME)[0]))
    assert recipe["style"] == song.tags and recipe["model_version"] == "chirp-auk"
    assert MP3(io.BytesIO(mp3)).info.length == pytest.approx(3.0, abs=0.2)  # still the same playable audio
    assert "SYLT" not in ID3(
        io.BytesIO(archive.read(f"{folder}/take 2.mp3"))
    )  # untimed take: no synced lyrics

    metadata = json.loads(archive.read(f"{folder}/metadata.json"))
    assert metadata["song_id"] == song.pk and metadata["recipe"]["lyrics"] == song.lyrics
    assert [t["upstream_clip_id"] for t in metadata["takes"]] == [f"up-{song.pk}-1", f"up-{song.pk}-2"]
    assert metadata["family"] == {"root_song_id": song.pk, "made_from": None}
    assert metadata["created_at"] == song.created_at.isoformat()


def test_a_derived_song_names_its_family_and_unfinished_takes_are_left_out(user, mp3_bytes):
    original = finished_song(user, mp3_bytes, title="Harbour Lights")
    extension = finished_song(
        user, mp3_bytes, title="Harbour Lights", kind=Song.Kind.EXTEND, parent_clip=original.clips.get(take=2)
    )
    Clip.objects.filter(song=extension, take=2).update(status=Clip.Status.ERROR)
    make_song(owner=user, title="Still going")  # nothing finished: no folder at all
    archive = unzip(export.export_stream(songs_of(user), artist="Ada"))
    folder = f"Harbour Lights ({extension.pk})"
    names = archive.namelist()
    assert f"{folder}/take 1.mp3" in names and f"{folder}/take 2.mp3" not in names
    assert not any(name.startswith("Still going") for name in names)
    family = json.loads(archive.read(f"{folder}/metadata.json"))["family"]
    assert family == {
        "root_song_id": original.pk,
        "made_from": {"song_id": original.pk, "take": 2, "title": "Harbour Lights"},
    }
    assert str(ID3(io.BytesIO(archive.read(f"{folder}/take 1.mp3")))["TALB"]) == "Harbour Lights"


def test_each_take_is_read_only_when_its_turn_comes(user, mp3_bytes, monkeypatch):
    finished_song(user, mp3_bytes, title="One")
    finished_song(user, mp3_bytes, title="Two")
    reads = []
    real = export._read
    monkeypatch.setattr(export, "_read", lambda f: reads.append(f.name) or real(f))
    stream = iter(export.export_stream(songs_of(user), artist="Ada"))
    assert reads == []  # building the stream reads nothing
    next(stream)
    assert len(reads) <= 2  # the first take's audio and cover, not every file
    b"".join(stream)
    assert len(reads) == 4 * 3  # each take: its audio, its cover for the tag, its cover as a file


@pytest.mark.parametrize(
    ("title", "expected"),
    [("A/B: ..\\c", "AB ..c"), ("..", "Untitled"), ("   ", "Untitled"), ("Ünïcode & co", "Ünïcode & co")],
)
def test_names_are_safe_in_any_zip_tool(title, expected):
    assert export.safe_name(title) == expected
