"""Peak memory and seconds exporting a library as a streamed ZIP (songs/export.py): 1,000 and 3,000 takes.

Every take is a real 30-second MP3 from the simulator's encoder with a cover (all rows point at the same
two files, so seeding is quick; each is still read and tagged once per take). The ZIP is streamed to
nowhere, as a response would stream it to the browser. Songs are read 100 at a time (a queryset iterator
with its prefetches), and files 64 KB at a time, so neither a file's size nor the library's adds up.

Target: memory flat whatever the count, apart from the one thing the ZIP format makes grow: its central
directory, written at the end, which must remember every entry (zipstream-ng keeps about 500 bytes of
Python objects an entry, three entries a take). So the peak of Python allocations (tracemalloc) may grow
by at most 2 MB per 1,000 takes from 1,000 to 3,000 takes, while the archive grows by a gigabyte. (Before
the written songs' reference cycles were broken, they piled up between the cycle collector's passes:
9.2 MB at 1,000 takes, 17.7 MB at 3,000.) Prints one JSON line per count, then a summary.
Run: .venv/bin/python bench/export.py
"""

from __future__ import annotations

import json
import os
import time
import tracemalloc
import uuid

from _setup import django_on_fresh_database

os.environ["DEBUG"] = "false"  # as in production: with DEBUG on, Django keeps every query in memory
workdir = django_on_fresh_database()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402

from songs import export, selectors  # noqa: E402
from songs.models import Clip, Song  # noqa: E402
from suno.simulator import media  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def seed(owner, takes: int, audio: str, cover: str) -> None:
    Song.objects.filter(owner=owner).delete()
    songs = Song.objects.bulk_create(
        Song(
            owner=owner,
            title=f"Song {n}",
            lyrics="[Verse]\nla la la",
            tags="pop",
            model_version="chirp-auk",
            state=Song.State.SUBMITTED,
            idempotency_key=uuid.uuid4(),
        )
        for n in range(takes // 2)
    )
    Clip.objects.bulk_create(
        Clip(
            song=song,
            take=take,
            status=Clip.Status.COMPLETE,
            title=song.title,
            duration=30.0,
            audio_file=audio,
            image_file=cover,
        )
        for song in songs
        for take in (1, 2)
    )


def measure(owner, takes: int) -> dict:
    songs = selectors.export_songs(user=owner)  # what the Export library view streams
    tracemalloc.start()
    started, size = time.perf_counter(), 0
    for chunk in export.export_stream(songs, artist="bench"):
        size += len(chunk)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "bench": "export",
        "takes": takes,
        "seconds": round(seconds, 2),
        "zip_mb": round(size / 2**20, 1),
        "python_peak_mb": round(peak / 2**20, 1),
        "rss_mb": round(rss_mb(), 1),
    }


def main() -> None:
    owner = get_user_model().objects.create_user("bench")
    mp3 = media.encode_mp3(
        media.render_clip("bench", tags="pop", lyrics="la la la", duration=30.0, instrumental=False).samples
    )
    audio = default_storage.save("bench/audio.mp3", __import__("io").BytesIO(mp3))
    cover = default_storage.save(
        "bench/image.jpeg", __import__("io").BytesIO(media.render_cover("bench", title="Bench", tags="pop"))
    )
    results = {}
    for takes in (1000, 3000):
        seed(owner, takes, audio, cover)
        results[takes] = measure(owner, takes)
        print(json.dumps(results[takes]), flush=True)
    ratio = round(results[3000]["python_peak_mb"] / max(results[1000]["python_peak_mb"], 0.1), 2)
    growth = round((results[3000]["python_peak_mb"] - results[1000]["python_peak_mb"]) / 2, 2)
    print(
        json.dumps(
            {
                "bench": "export",
                "summary": True,
                "mp3_kb": round(len(mp3) / 1024),
                "peak_3000_vs_1000": ratio,
                "peak_growth_mb_per_1000_takes": growth,
                "zip_growth_mb_per_1000_takes": round(
                    (results[3000]["zip_mb"] - results[1000]["zip_mb"]) / 2, 1
                ),
                "target_growth_mb_per_1000_takes_max": 2.0,
                "ok": growth <= 2.0,
                "media_root": str(settings.MEDIA_ROOT),
            }
        )
    )


if __name__ == "__main__":
    main()
