"""Many creators against the production server: gunicorn with 2 workers on PostgreSQL, 50 creators, one
of them with 5,000 songs (10,000 clips), and 200 open song pages whose takes are still in flight.

Each kind of request runs alone (the kinds taking turns over a few rounds), then all of them together in
the proportions a busy evening has: mostly the clip-card polls of the open song pages (each page polls two
cards every 2 s), some song pages and library pages.

The bare view is /healthz on the same server in the same run, in two forms:
- `bare`: with a creator's session cookie. Django 5.2's LoginRequiredMiddleware asks whether the user is
  authenticated before it looks at @login_not_required, so this is the floor every signed-in request pays
  (the middleware, the session and the user: two queries) and the baseline the targets are measured against;
- `bare_anonymous`: no cookie, so no query at all: printed to show what that floor costs.

Targets: 0 errors; the clip card at >= 50% of the bare view's req/s; the library page (the creator with
10,000 clips) at p95 <= 3x the bare view's p95. Prints one JSON line per kind and phase, then a summary.
Run: .venv/bin/python bench/load.py [--requests 3000] [--threads 8]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "bench-load-secret-key-" + "x" * 40  # the bench writes sessions the server must read
KINDS = ("bare_anonymous", "bare", "clip_card", "song_page", "library")
MIX = {"clip_card": 0.8, "song_page": 0.1, "library": 0.1}  # 200 open pages poll two cards every 2 s
TAGS = "synthwave, dreamy female vocals, 90 bpm"
# Rows as big as real ones: about 900 characters of lyrics, which the upstream repeats in each take's
# metadata (its `prompt`).
LYRICS = "\n".join(
    f"[{part}]\nNeon on the water, we were never here\nTail lights fading into the harbour\nHold the line"
    for part in ("Intro", "Verse", "Pre-Chorus", "Chorus", "Verse", "Chorus", "Bridge", "Chorus", "Outro")
)


# The benches make their own database on this server (dropped and made again at each run).
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


def fresh_postgres_database(name: str) -> str:
    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES_URL}/{name}"


def django_on(database_url: str, workdir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "sunostudio.settings"
    os.environ.update(DATABASE_URL=database_url, SECRET_KEY=SECRET_KEY, DEBUG="false", SUNO_API_KEY="")
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- Seeding: bulk inserts, no per-row services (pages never open the media files) -------------------

TOOL_SONG_EVERY = 10  # one song in ten extends its creator's previous song, so pages name sources


@dataclass
class Seeded:
    heavy_owner_id: int
    library_pages: int
    sessions: dict[int, str] = field(default_factory=dict)  # user id -> session key
    songs: list[tuple[int, int]] = field(default_factory=list)  # (owner id, song id)
    polled_clips: list[tuple[int, int]] = field(default_factory=list)  # (owner id, clip id) still in flight


def seed(*, creators: int, heavy_songs: int, songs_each: int, open_pages: int) -> Seeded:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from songs.selectors import LIBRARY_PAGE_SIZE

    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"creator{i:02d}", password="!unusable") for i in range(creators)
    )
    songs = seed_songs(users, heavy_songs=heavy_songs, songs_each=songs_each)
    # Each creator's newest songs are the open pages, still being made (a creator has at most 4 at once).
    per_creator = max(1, open_pages // creators)
    in_flight = {song.pk for user in users for song in songs[user.pk][-per_creator:]}
    clips = seed_clips([song for own in songs.values() for song in own], in_flight)
    seed_tool_songs(songs, clips)
    with connection.cursor() as cursor:  # a live database has its statistics: plan like one
        cursor.execute("VACUUM ANALYZE")
    return Seeded(
        heavy_owner_id=users[0].pk,
        library_pages=-(-heavy_songs // LIBRARY_PAGE_SIZE),
        sessions=signed_in_sessions(users),
        songs=[(song.owner_id, song.pk) for own in songs.values() for song in own],
        polled_clips=[(clip.song.owner_id, clip.pk) for clip in clips.values() if clip.song_id in in_flight],
    )


def seed_songs(users: list, *, heavy_songs: int, songs_each: int) -> dict[int, list]:
    """Each creator's songs, oldest first; the first creator has the big library."""
    from django.utils import timezone

    from songs.models import Song

    now = timezone.now()
    songs = []
    for index, user in enumerate(users):
        count = heavy_songs if index == 0 else songs_each
        songs += [
            Song(
                owner=user,
                idempotency_key=uuid.uuid4(),
                title=f"Song {n} of {user.username}",
                tags=TAGS,
                lyrics=LYRICS,
                model_version="chirp-auk",
                state=Song.State.SUBMITTED,
                upstream_task_id=f"task-{user.pk}-{n}",
                created_at=now - timedelta(minutes=count - n),
            )
            for n in range(count)
        ]
    by_owner: dict[int, list] = {user.pk: [] for user in users}
    for song in Song.objects.bulk_create(songs, batch_size=2000):
        by_owner[song.owner_id].append(song)
    return by_owner


def seed_clips(songs: list, in_flight: set[int]) -> dict[tuple[int, int], object]:
    """Two takes a song: finished and archived, or streaming for the open pages. Keyed (song id, take)."""
    from django.utils import timezone

    from songs.models import Clip

    now = timezone.now()
    clips = []
    for song in songs:
        for take in (1, 2):
            clip = Clip(song=song, take=take, title=song.title, upstream_id=f"clip-{song.pk}-{take}")
            clip.metadata = {"tags": TAGS, "prompt": LYRICS, "type": "gen", "stream": True, "duration": 154.3}
            if song.pk in in_flight:
                clip.status = Clip.Status.STREAMING
                clip.audio_url = f"http://127.0.0.1:8765/stream/{song.pk}-{take}.mp3"
                clip.next_poll_at = now + timedelta(days=1)  # no worker runs here
                clip.polling_since = now
            else:
                clip.status = Clip.Status.COMPLETE
                clip.duration = 154.3
                clip.model_name = "chirp-auk"
                clip.audio_file = f"clips/{song.owner_id}/{song.pk}-{take}/audio.mp3"
                clip.image_file = f"clips/{song.owner_id}/{song.pk}-{take}/cover.jpeg"
                clip.completed_at = now
            clips.append(clip)
    return {(clip.song_id, clip.take): clip for clip in Clip.objects.bulk_create(clips, batch_size=2000)}


def seed_tool_songs(songs: dict[int, list], clips: dict) -> None:
    from songs.models import Song

    extensions = []
    for own in songs.values():
        for n in range(TOOL_SONG_EVERY - 1, len(own), TOOL_SONG_EVERY):
            own[n].kind, own[n].parent_clip = Song.Kind.EXTEND, clips[(own[n - 1].pk, 1)]
            own[n].family_root_id = own[n - 1].pk  # as services._song_create sets it: one Library row
            extensions.append(own[n])
    Song.objects.bulk_update(extensions, ["kind", "parent_clip", "family_root"], batch_size=2000)


def signed_in_sessions(users: list) -> dict[int, str]:
    """A session per creator, as logging in makes one (the login form would cost a password hash each)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.services import account_of

    backend = settings.AUTHENTICATION_BACKENDS[-1]  # the one that signs in (after axes' lockout check)
    sessions = {}
    for user in users:
        account_of(user)  # this month's grant, so the first page of the run isn't a write
        session = SessionStore()
        session.update(
            {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: backend,
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
        )
        session.create()
        sessions[user.pk] = session.session_key
    return sessions


# --- The server ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_ENV": "production",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(workdir / "static"),
    }


def start_gunicorn(port: int, *, workers: int, threads: int, workdir: Path) -> subprocess.Popen:
    env = server_environment(workdir)
    # Production serves hashed static names from the manifest: without it every page would be a 500.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    # Self-contained: this command line, not gunicorn.conf.py (its gthread x 4 is --server-threads 4).
    config = workdir / "gunicorn.conf.py"
    config.write_text("# bench/load.py: every setting is on the command line\n")
    command = [str(ROOT / ".venv/bin/gunicorn"), "sunostudio.wsgi", "--config", str(config)]
    command += ["-w", str(workers), "-b", f"127.0.0.1:{port}", "--no-control-socket"]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    with open(workdir / "gunicorn.log", "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: see {workdir / 'gunicorn.log'}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}, timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)  # waiting for a process to listen: there is no event to drive
    raise RuntimeError("gunicorn did not start")


# --- Requests -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    kind: str
    url: str
    session_key: str | None


def request_for(kind: str, seeded: Seeded, rng: random.Random) -> Request:
    from django.urls import reverse

    if kind == "bare_anonymous":
        return Request(kind, reverse("healthz"), None)
    if kind == "bare":
        owner_id = rng.choice(list(seeded.sessions))
        return Request(kind, reverse("healthz"), seeded.sessions[owner_id])
    if kind == "clip_card":
        owner_id, clip_id = rng.choice(seeded.polled_clips)
        return Request(kind, reverse("songs:clip_card", args=[clip_id]), seeded.sessions[owner_id])
    if kind == "song_page":
        owner_id, song_id = rng.choice(seeded.songs)
        return Request(kind, reverse("songs:song_detail", args=[song_id]), seeded.sessions[owner_id])
    # The library of the creator with 10,000 clips: mostly its first page, sometimes an older one.
    page = 1 if rng.random() < 0.7 else rng.randint(2, seeded.library_pages)
    url = reverse("songs:library") + (f"?page={page}" if page > 1 else "")
    return Request(kind, url, seeded.sessions[seeded.heavy_owner_id])


@dataclass
class Outcome:
    kind: str
    seconds: float
    error: str = ""


class Load:
    def __init__(self, base: str, threads: int) -> None:
        from django.conf import settings

        self.cookie_name = settings.SESSION_COOKIE_NAME
        # Behind the TLS proxy production expects: X-Forwarded-Proto says the visitor came over HTTPS.
        self.clients = [
            httpx.Client(base_url=base, headers={"X-Forwarded-Proto": "https"}, timeout=30)
            for _ in range(threads)
        ]
        self.pool = ThreadPoolExecutor(threads)

    def one(self, index: int, request: Request) -> Outcome:
        headers = {"HX-Request": "true"} if request.kind == "clip_card" else {}
        if request.session_key:
            headers["Cookie"] = f"{self.cookie_name}={request.session_key}"
        client = self.clients[index % len(self.clients)]
        start = time.perf_counter()
        try:
            response = client.get(request.url, headers=headers)
        except httpx.HTTPError as error:
            return Outcome(request.kind, time.perf_counter() - start, type(error).__name__)
        seconds = time.perf_counter() - start
        return Outcome(
            request.kind, seconds, "" if response.status_code == 200 else str(response.status_code)
        )

    def run(self, requests: list[Request]) -> tuple[list[Outcome], float]:
        started = time.perf_counter()
        outcomes = list(self.pool.map(self.one, range(len(requests)), requests))
        return outcomes, time.perf_counter() - started

    def close(self) -> None:
        self.pool.shutdown()
        for client in self.clients:
            client.close()


def figures(outcomes: list[Outcome], seconds: float) -> dict:
    latencies = sorted(o.seconds * 1000 for o in outcomes)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    errors: dict[str, int] = {}
    for outcome in outcomes:
        if outcome.error:
            errors[outcome.error] = errors.get(outcome.error, 0) + 1
    return {
        "requests": len(outcomes),
        "req_per_s": round(len(outcomes) / seconds, 1),
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
        "p99_ms": round(cuts[98], 1),
        "errors": sum(errors.values()),
        "error_kinds": errors,
    }


def solo_phase(load: Load, seeded: Seeded, rng: random.Random, *, requests: int, rounds: int) -> dict:
    """Each kind alone, the kinds taking turns round by round: a neighbour's burst on the shared machine
    then slows every kind a little instead of one kind a lot."""
    outcomes: dict[str, list[Outcome]] = {kind: [] for kind in KINDS}
    seconds = dict.fromkeys(KINDS, 0.0)
    for _ in range(rounds):
        for kind in KINDS:
            done, elapsed = load.run([request_for(kind, seeded, rng) for _ in range(requests // rounds)])
            outcomes[kind] += done
            seconds[kind] += elapsed
    return {kind: figures(outcomes[kind], seconds[kind]) for kind in KINDS}


def mixed_phase(load: Load, seeded: Seeded, rng: random.Random, *, requests: int) -> dict:
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=requests)
    outcomes, seconds = load.run([request_for(kind, seeded, rng) for kind in kinds])
    results = {}
    for kind in MIX:
        results[kind] = figures([o for o in outcomes if o.kind == kind], seconds)
        results[kind]["req_per_s"] = round(results[kind]["requests"] / seconds, 1)  # its share of the run
    results["all"] = figures(outcomes, seconds)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000, help="requests in the mixed phase")
    parser.add_argument("--solo", type=int, default=1200, help="requests per kind when it runs alone")
    parser.add_argument("--rounds", type=int, default=24, help="the solo phase interleaves kinds over rounds")
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers: one per core")
    parser.add_argument("--server-threads", type=int, default=1, help="gunicorn threads a worker (gthread)")
    parser.add_argument("--creators", type=int, default=50)
    parser.add_argument("--heavy-songs", type=int, default=5000, help="the biggest library (2 takes a song)")
    parser.add_argument("--songs-each", type=int, default=20, help="songs of every other creator")
    parser.add_argument("--open-pages", type=int, default=200, help="song pages whose takes are polled")
    parser.add_argument("--database", default="bench_load")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="sunostudio-bench-load-"))
    django_on(fresh_postgres_database(args.database), workdir)
    seeded = seed(
        creators=args.creators,
        heavy_songs=args.heavy_songs,
        songs_each=args.songs_each,
        open_pages=args.open_pages,
    )
    rng = random.Random(args.seed)
    port = free_port()
    server = start_gunicorn(port, workers=args.workers, threads=args.server_threads, workdir=workdir)
    load = Load(f"http://127.0.0.1:{port}", args.threads)
    server_name = f"gunicorn -w {args.workers}"
    if args.server_threads > 1:
        server_name += f" --threads {args.server_threads}"
    common = {"bench": "load", "server": server_name, "threads": args.threads}
    common["clips_seeded"] = 2 * len(seeded.songs)
    try:
        warm_up = [request_for(kind, seeded, rng) for kind in KINDS for _ in range(args.threads * 5)]
        load.run(warm_up)
        solo = solo_phase(load, seeded, rng, requests=args.solo, rounds=args.rounds)
        mixed = mixed_phase(load, seeded, rng, requests=args.requests)
    finally:
        load.close()
        server.terminate()
        server.wait(timeout=30)

    bare = solo["bare"]
    for kind, result in solo.items():
        line = {**common, "phase": "solo", "kind": kind, **result}
        line["req_per_s_vs_bare"] = round(result["req_per_s"] / bare["req_per_s"], 2)
        line["p95_vs_bare"] = round(result["p95_ms"] / bare["p95_ms"], 2)
        print(json.dumps(line))
    for kind, result in mixed.items():
        print(json.dumps({**common, "phase": "mix", "kind": kind, **result}))
    summary = {
        **common,
        "summary": True,
        "errors": sum(r["errors"] for r in solo.values()) + mixed["all"]["errors"],
        "clip_card_req_per_s_vs_bare": round(solo["clip_card"]["req_per_s"] / bare["req_per_s"], 2),
        "library_p95_vs_bare": round(solo["library"]["p95_ms"] / bare["p95_ms"], 2),
        "targets": {"errors": 0, "clip_card_req_per_s_vs_bare_min": 0.5, "library_p95_vs_bare_max": 3.0},
        # The same against the view with no session at all, for scale (no target):
        "clip_card_req_per_s_vs_bare_anonymous": round(
            solo["clip_card"]["req_per_s"] / solo["bare_anonymous"]["req_per_s"], 2
        ),
        "library_p95_vs_bare_anonymous": round(
            solo["library"]["p95_ms"] / solo["bare_anonymous"]["p95_ms"], 2
        ),
        "load_average": [round(x, 1) for x in os.getloadavg()],  # the machine is shared: how busy it was
    }
    summary["ok"] = (
        summary["errors"] == 0
        and summary["clip_card_req_per_s_vs_bare"] >= 0.5
        and summary["library_p95_vs_bare"] <= 3.0
    )
    print(json.dumps(summary))
    shutil.rmtree(workdir, ignore_errors=True)  # kept when something failed: it holds the logs


if __name__ == "__main__":
    main()
