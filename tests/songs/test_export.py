"""The library export: a streamed ZIP whose every file is there, MP3s whose ID3 frames read back with
mutagen, and a metadata.json that says what the database says. Real MP3s from the simulator's encoder."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
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
        Song.objects.filter(owner=owner)
        .prefetch_related("clips__assets")
        .select_related("parent_clip__song", "family_root")
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
    assert metadata["family"] == {"root_song_id": song.pk, "root_title": "Night Drive", "made_from": None}
    assert metadata["created_at"] == song.created_at.isoformat()


def test_a_derived_song_names_its_family_and_unfinished_takes_are_left_out(user, mp3_bytes):
    original = finished_song(user, mp3_bytes, title="Harbour Lights")
    extension = finished_song(
        user,
        mp3_bytes,
        title="Harbour Lights II",
        kind=Song.Kind.EXTEND,
        parent_clip=original.clips.get(take=2),
        family_root=original,
    )
    Clip.objects.filter(song=extension, take=2).update(status=Clip.Status.ERROR)
    make_song(owner=user, title="Still going")  # nothing finished: no folder at all
    archive = unzip(export.export_stream(songs_of(user), artist="Ada"))
    folder = f"Harbour Lights II ({extension.pk})"
    names = archive.namelist()
    assert f"{folder}/take 1.mp3" in names and f"{folder}/take 2.mp3" not in names
    assert not any(name.startswith("Still going") for name in names)
    family = json.loads(archive.read(f"{folder}/metadata.json"))["family"]
    assert family == {
        "root_song_id": original.pk,
        "root_title": "Harbour Lights",
        "made_from": {"song_id": original.pk, "take": 2, "title": "Harbour Lights"},
    }
    tags = ID3(io.BytesIO(archive.read(f"{folder}/take 1.mp3")))
    assert str(tags["TALB"]) == "Harbour Lights" and str(tags["TIT2"]) == "Harbour Lights II"  # album: family


def test_each_take_is_read_only_when_its_turn_comes(user, mp3_bytes, monkeypatch):
    finished_song(user, mp3_bytes, title="One")
    finished_song(user, mp3_bytes, title="Two")
    reads = []
    real_read, real_pieces = export._read, export._pieces

    def pieces(field_file, **options):
        reads.append(field_file.name)  # when zipstream starts the entry, not when it is added
        yield from real_pieces(field_file, **options)

    monkeypatch.setattr(export, "_read", lambda f: reads.append(f.name) or real_read(f))
    monkeypatch.setattr(export, "_pieces", pieces)
    stream = iter(export.export_stream(songs_of(user), artist="Ada"))
    assert reads == []  # building the stream reads nothing
    next(stream)
    assert len(reads) <= 2  # the first take's audio and cover, not every file
    b"".join(stream)
    assert len(reads) == 4 * 3  # each take: its audio, its cover for the tag, its cover as a file


def test_a_file_is_streamed_in_pieces_and_an_old_id3_tag_is_replaced(user, mp3_bytes):
    """Memory doesn't grow with a file's size: a take's audio goes out 64 KB at a time, after its new tag
    (the old ID3v2 tag, the upstream's, is dropped rather than kept inside the audio)."""
    from mutagen.id3 import ID3, TIT2

    old = io.BytesIO()
    old_tag = ID3()
    old_tag.add(TIT2(encoding=3, text="The upstream's title"))
    old_tag.save(old, v2_version=3)
    tagged = old.getvalue() + mp3_bytes * 3  # an MP3 bigger than one piece, with a tag of its own
    assert len(tagged) > export.CHUNK
    song = finished_song(user, tagged, title="Pieces")
    clip = song.clips.get(take=1)
    assert list(map(len, export._pieces(clip.audio_file)))[0] == export.CHUNK
    archive = zipfile.ZipFile(io.BytesIO(b"".join(export.export_stream(songs_of(user), artist="Ada"))))
    (mp3_name,) = [n for n in archive.namelist() if n.endswith("take 1.mp3")]
    data = archive.read(mp3_name)
    assert ID3(io.BytesIO(data))["TIT2"].text == ["Pieces"]
    assert data[export.id3v2_length(data[:10]) :] == mp3_bytes * 3  # the audio, whole, once


@pytest.mark.parametrize(
    ("title", "expected"),
    [("A/B: ..\\c", "AB ..c"), ("..", "Untitled"), ("   ", "Untitled"), ("Ünïcode & co", "Ünïcode & co")],
)
def test_names_are_safe_in_any_zip_tool(title, expected):
    assert export.safe_name(title) == expected


# --- The views: Export library (GET) and the bulk bar's Export (POST with the ticked songs) --------------


def streamed_zip(response) -> zipfile.ZipFile:
    assert response.streaming  # never built in memory: a generator the server writes out as it goes
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def folders(archive: zipfile.ZipFile) -> set[str]:
    return {name.split("/")[0] for name in archive.namelist()}


def test_export_library_streams_every_file_with_tags_as_an_attachment(client, user, mp3_bytes):
    from django.utils import timezone

    from personas.models import Persona

    original = finished_song(user, mp3_bytes, title="Night Drive", tags="synthwave")
    first = original.clips.get(take=1)
    ClipAsset.objects.create(clip=first, kind="timing", status="ready", words=WORDS)
    wav = ClipAsset.objects.create(clip=first, kind="wav", status="ready")
    wav.file.save("take.wav", ContentFile(b"RIFF....WAVE"), save=True)
    persona = Persona.objects.filter(owner=user).first()
    cover = finished_song(
        user,
        mp3_bytes,
        title="Night Drive (cover)",
        kind=Song.Kind.COVER,
        parent_clip=first,
        family_root=original,
        persona=persona,
        persona_name="Ada's voice",
        persona_upstream_id="persona-up-1",
        upstream_task_id="task-9",
        control_sliders={"weirdness": 0.3},
        vocal_gender="f",
    )
    Song.objects.filter(pk=cover.pk).update(submitted_at=timezone.now())
    client.force_login(user)

    response = client.get(reverse("songs:library_export"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    stamp = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="suno-studio-library-{stamp}.zip"'
    archive = streamed_zip(response)
    folder = f"Night Drive ({original.pk})"
    assert {
        f"{folder}/take 1.mp3",
        f"{folder}/take 1.wav",
        f"{folder}/take 1 cover.jpg",
        f"{folder}/take 1.lrc",
        f"{folder}/take 2.mp3",
        f"{folder}/lyrics.txt",
        f"{folder}/metadata.json",
    } <= set(archive.namelist())
    tags = ID3(io.BytesIO(archive.read(f"{folder}/take 1.mp3")))
    assert (
        str(tags["TIT2"]) == "Night Drive"
        and str(tags["TPE1"]) == "ada"
        and str(tags["TALB"]) == "Night Drive"
    )
    assert (
        tags.getall("APIC")[0].data == b"\xff\xd8\xff cover"
        and tags.getall("USLT")[0].text == original.lyrics
    )
    assert tags.getall("SYLT")[0].text[0] == ("City lights are calling", 500)

    cover_folder = f"Night Drive (cover) ({cover.pk})"
    cover_tags = ID3(io.BytesIO(archive.read(f"{cover_folder}/take 1.mp3")))
    assert str(cover_tags["TALB"]) == "Night Drive"  # the album is the family's title
    metadata = json.loads(archive.read(f"{cover_folder}/metadata.json"))
    assert (
        metadata["family"]["root_song_id"] == original.pk
        and metadata["family"]["root_title"] == "Night Drive"
    )
    assert metadata["persona"]["name"] == "Ada's voice"
    assert metadata["persona"]["upstream_persona_id"] == "persona-up-1"
    assert metadata["recipe"]["model_version"] == "chirp-auk" and metadata["recipe"]["vocal_gender"] == "f"
    assert metadata["recipe"]["control_sliders"] == {"weirdness": 0.3}
    assert metadata["upstream"]["task_id"] == "task-9" and metadata["submitted_at"]
    assert [t["upstream_clip_id"] for t in metadata["takes"]] == [f"up-{cover.pk}-1", f"up-{cover.pk}-2"]


def test_export_is_the_owners_library_without_trash(client, user, other_user, mp3_bytes):
    from django.utils import timezone

    mine = finished_song(user, mp3_bytes, title="Mine")
    trashed = finished_song(user, mp3_bytes, title="Binned")
    Song.objects.filter(pk=trashed.pk).update(trashed_at=timezone.now())
    finished_song(other_user, mp3_bytes, title="Theirs")
    client.force_login(user)
    assert folders(streamed_zip(client.get(reverse("songs:library_export")))) == {f"Mine ({mine.pk})"}


def test_exporting_the_ticked_songs_ignores_ids_that_are_not_mine(client, user, other_user, mp3_bytes):
    from django.utils import timezone

    one = finished_song(user, mp3_bytes, title="One")
    finished_song(user, mp3_bytes, title="Two")
    three = finished_song(user, mp3_bytes, title="Three")
    theirs = finished_song(other_user, mp3_bytes, title="Theirs")
    client.force_login(user)
    response = client.post(
        reverse("songs:library_export"), {"song": [one.pk, three.pk, theirs.pk, "junk"], "action": "export"}
    )
    stamp = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="suno-studio-songs-{stamp}.zip"'
    assert folders(streamed_zip(response)) == {f"One ({one.pk})", f"Three ({three.pk})"}

    only_theirs = client.post(reverse("songs:library_export"), {"song": [theirs.pk]})
    assert (
        streamed_zip(only_theirs).namelist() == []
    )  # nothing of mine ticked: an empty archive, never theirs
    nothing = client.post(reverse("songs:library_export"), {"next": "/songs/"}, follow=True)
    assert "Tick the songs first." in nothing.content.decode()


def test_export_needs_a_login(client):
    response = client.get(reverse("songs:library_export"))
    assert response.status_code == 302


def test_the_library_offers_export_and_the_bulk_export(client, user, mp3_bytes):
    finished_song(user, mp3_bytes, title="One")
    client.force_login(user)
    body = client.get(reverse("songs:library")).content.decode()
    url = reverse("songs:library_export")
    assert f'<a href="{url}" download' in body and "Export library" in body
    assert f'formaction="{url}"' in body and "data-bulk-export" in body


@pytest.mark.s3
def test_export_reads_media_from_s3(client, user, mp3_bytes, s3_bucket):
    song = finished_song(user, mp3_bytes, title="In the bucket")
    client.force_login(user)
    archive = streamed_zip(client.get(reverse("songs:library_export")))
    folder = f"In the bucket ({song.pk})"
    assert str(ID3(io.BytesIO(archive.read(f"{folder}/take 1.mp3")))["TIT2"]) == "In the bucket"
    assert archive.read(f"{folder}/take 2 cover.jpg") == b"\xff\xd8\xff cover"
