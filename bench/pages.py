"""Throughput and latency of the clip-status partial and the library page, next to a bare Django view,
with 10,000 songs (20,000 clips) seeded in families of four (one Library row each), all served by the same
server in the same run; and one family's page.

The Library is measured plain and with search, filters, sorts and a later page (the SQLite fallback's
LIKE search here: PostgreSQL's full-text index is checked by tests/songs/test_library.py and bench/load.py).
Targets: partial >= 50% of the bare view's req/s; every library URL in the same number of queries (<= 10)
and p95 < 50 ms. Prints one JSON line per target, then a summary.
Run: .venv/bin/python bench/pages.py [--songs 10000] [--requests 400] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from _setup import ROOT, django_on_fresh_database

workdir = django_on_fresh_database()

import httpx  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from songs.models import Clip, Song  # noqa: E402

PASSWORD = "bench-password-123"


STYLES = ("synthwave, dreamy female vocals", "lofi hip hop, mellow keys", "indie folk, acoustic guitar")
FAMILY_SIZE = 4


def seed(song_count: int) -> tuple[object, Clip]:
    owner = get_user_model().objects.create_user("bench", password=PASSWORD)
    now = timezone.now()
    songs = Song.objects.bulk_create(
        (
            Song(
                owner=owner,
                idempotency_key=uuid.uuid4(),
                title=f"Harbour Lights {i}" if i % 10 == 0 else f"Song {i}",
                tags=STYLES[i % len(STYLES)],
                lyrics="Neon on the water\nTail lights fading into the harbour\nHold the line",
                model_version="chirp-auk",
                state=Song.State.SUBMITTED,
                is_liked=i % 7 == 0,
                play_count=i % 13,
                created_at=now - timedelta(minutes=song_count - i),
            )
            for i in range(song_count)
        ),
        batch_size=2000,
    )
    Clip.objects.bulk_create(
        (
            Clip(
                song=song,
                take=take,
                status=Clip.Status.COMPLETE,
                title=song.title,
                duration=31.5,
                audio_url=f"http://127.0.0.1:8765/cdn1/{song.pk}-{take}.mp3",
                image_url=f"http://127.0.0.1:8765/cdn2/image_{song.pk}-{take}.jpeg",
            )
            for song in songs
            for take in (1, 2)
        ),
        batch_size=2000,
    )
    # Families (the Library shows one row each): songs come in fours, the last three extensions of the
    # first's take 1, so the Library groups 10,000 songs into 2,500 rows and searches reach into families.
    first_takes = dict(Clip.objects.filter(take=1).values_list("song_id", "pk"))
    members = []
    for index, song in enumerate(songs):
        if index % FAMILY_SIZE:
            original = songs[index - index % FAMILY_SIZE]
            song.kind, song.family_root_id = Song.Kind.EXTEND, original.pk
            song.parent_clip_id, song.continue_at = first_takes[original.pk], 30.0
            members.append(song)
    Song.objects.bulk_update(members, ["kind", "family_root", "parent_clip", "continue_at"], batch_size=2000)
    Song.objects.filter(pk__in=[song.pk for song in songs[::1000]]).update(trashed_at=now)  # Trash has a page
    streaming = Clip.objects.order_by("-pk").first()
    streaming.status = Clip.Status.STREAMING
    streaming.save()
    return owner, streaming


def count_queries(owner, url: str, headers: dict) -> int:
    client = Client()
    client.force_login(owner)
    # Once first: the month's credit grant, and the caches a running server keeps warm (the model
    # catalogue for 30 s, the persona filter's names).
    assert client.get(url, headers=headers).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, headers=headers).status_code == 200
    return len(queries)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)  # waiting for a process to listen: there is no event to drive
    raise RuntimeError("server did not start")


def log_in(base: str) -> dict:
    with httpx.Client(base_url=base) as http:
        http.get("/accounts/login/")
        token = http.cookies["csrftoken"]
        response = http.post(
            "/accounts/login/", data={"username": "bench", "password": PASSWORD, "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 302, response.status_code
        return dict(http.cookies)


def measure(
    base: str, url: str, headers: dict, cookies: dict, requests: int, threads: int
) -> tuple[float, float]:
    def one(index: int) -> float:
        start = time.perf_counter()
        response = clients[index % threads].get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
        return time.perf_counter() - start

    # Django's runserver answers keep-alive requests only after a ~40 ms delayed ACK (Nagle); a new
    # connection per request measures the app instead of that artefact.
    clients = [
        httpx.Client(base_url=base, cookies=cookies, headers={"Connection": "close"}) for _ in range(threads)
    ]
    try:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, range(threads * 5)))  # warm up
            started = time.perf_counter()
            latencies = list(pool.map(one, range(requests)))
            elapsed = time.perf_counter() - started
    finally:
        for client in clients:
            client.close()
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
    return requests / elapsed, p95


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--songs", type=int, default=10_000, help="the creator's library (2 takes a song)")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--threads", type=int, default=2)  # one client per core of the 2-core machines
    args = parser.parse_args()
    owner, streaming = seed(args.songs)
    family = Song.objects.filter(owner=owner, family_root__isnull=True, trashed_at__isnull=True).first()
    library = reverse("songs:library")
    targets = {
        "bare_view": (reverse("healthz"), {}),
        "clip_partial": (reverse("songs:clip_card", args=[streaming.pk]), {"HX-Request": "true"}),
        "library_page": (library, {}),
        "library_search": (library + "?q=harbour+lig", {}),
        "library_filtered": (library + "?liked=1&state=complete&sort=plays", {}),
        "library_search_filtered_page_3": (
            library + "?q=harb&kind=custom&instrumental=vocals&sort=title&page=3",
            {},
        ),
        "library_grid_oldest_page_200": (library + "?view=grid&sort=oldest&page=200", {}),
        "library_trash": (library + "?trash=1", {}),
        # members match, rows are their originals
        "library_search_in_families": (library + "?q=song+7&kind=extend", {}),
        "family_page": (reverse("songs:song_family", args=[family.pk]), {}),
    }
    results = {}
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        cookies = log_in(base)
        for name, (url, headers) in targets.items():
            queries = 0 if name == "bare_view" else count_queries(owner, url, headers)
            req_per_s, p95 = measure(base, url, headers, cookies, args.requests, args.threads)
            results[name] = {"req_per_s": round(req_per_s, 1), "p95_ms": round(p95, 1), "queries": queries}
            line = {"bench": "pages", "target": name, "url": url, **results[name], "songs_seeded": args.songs}
            print(json.dumps(line))
    finally:
        server.terminate()
        server.wait(timeout=10)
    bare = results["bare_view"]
    libraries = {name: result for name, result in results.items() if name.startswith("library")}
    summary = {
        "bench": "pages",
        "summary": True,
        "songs_seeded": args.songs,
        "bare_view_p95_ms": bare["p95_ms"],
        "clip_partial_req_per_s_vs_bare": round(results["clip_partial"]["req_per_s"] / bare["req_per_s"], 2),
        "library_queries": sorted({result["queries"] for result in libraries.values()}),
        "library_p95_ms": {name: result["p95_ms"] for name, result in libraries.items()},
        "library_p95_vs_bare": {n: round(r["p95_ms"] / bare["p95_ms"], 2) for n, r in libraries.items()},
        "targets": {
            "clip_partial_req_per_s_vs_bare_min": 0.5,
            "library_queries_max": 10,
            "library_p95_ms_max": 50,
        },
    }
    summary["ok"] = (
        summary["clip_partial_req_per_s_vs_bare"] >= 0.5
        # the same number whatever the search, filters, sort and page
        and max(summary["library_queries"]) == results["library_page"]["queries"]
        and max(summary["library_queries"]) <= 10
        and max(summary["library_p95_ms"].values()) < 50
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
