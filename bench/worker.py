"""The poll worker's resident memory and time per tick with 1,000 takes in flight, against the simulator
served as a process over HTTP (as in production), on PostgreSQL.

500 songs are sent to a simulator that streams them after a second and never finishes them, so every take
stays in flight. Each tick then polls all 1,000 (the tick's clock moves past the longest poll interval, so
every take is due again) exactly as the worker's loop does: songs.polling.clips_poll_due. DEBUG is off, as
in production: with it on Django keeps every query in memory and the figure would be Django's, not ours.

Target: memory flat. The last measured tick's resident memory is within 5 MB of the first's, and as many
Python objects are alive after a full collection at the last tick as at the first. The first measured
tick comes after ten warm-up ticks: a tick's 1,000 Clip instances sit in reference cycles (Django's
FieldFile points back at its instance), so they and their songs are freed only by the cyclic collector,
every few ticks; resident memory climbs about 20 MB to that high-water mark, then stays there.
Prints one JSON line per tick (tick, ms, rss_mb; warm-up ticks are marked), then a summary.
Run: .venv/bin/python bench/worker.py [--ticks 30] [--warmup-ticks 10]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from load import ROOT, free_port, fresh_postgres_database

FLAT_MB = 5.0  # a leak of 1 KB per take per tick would add 40 MB over the measured ticks


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def start_simulator(port: int, workdir: Path) -> subprocess.Popen:
    command = [sys.executable, "manage.py", "suno_simulator", "--port", str(port)]
    command += ["--streaming-after", "1", "--complete-after", str(365 * 24 * 3600)]  # in flight for good
    with open(workdir / "simulator.log", "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"the simulator exited: see {workdir / 'simulator.log'}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)  # waiting for a process to listen: there is no event to drive
    raise RuntimeError("the simulator did not start")


def django_against(database_url: str, simulator_port: int, workdir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "sunostudio.settings"
    os.environ.update(DATABASE_URL=database_url, DEBUG="false", SUNO_API_KEY="")
    os.environ.update(SUNO_SIMULATOR_PORT=str(simulator_port), MEDIA_ROOT=str(workdir / "media"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def send_songs(count: int) -> None:
    """Songs made and sent the way a creator's are (charged, then submitted to the simulator), four at a
    time so the set-up takes seconds, not a minute."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from songs import services

    # Staff are never refused for credits or limits, so one creator can have 500 songs in flight.
    owner = get_user_model().objects.create_user("bench", is_staff=True)
    songs = [
        services.song_create(
            owner=owner,
            idempotency_key=uuid.uuid4(),
            kind="custom",
            title="Bench",
            lyrics="[Verse]\nNeon on the water\n[Chorus]\nWe were never here",
            tags="synthwave",
            model_version="chirp-auk",
        )[0]
        for _ in range(count)
    ]

    def submit(song_id: int) -> None:
        try:
            services.song_submit(song_id=song_id)
        finally:
            connection.close()  # each thread has its own connection

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(submit, [song.pk for song in songs]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=1000, help="takes in flight (two a song)")
    parser.add_argument("--ticks", type=int, default=30, help="measured ticks")
    parser.add_argument("--warmup-ticks", type=int, default=10, help="ticks before the first measured one")
    parser.add_argument("--database", default="bench_worker")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="sunostudio-bench-worker-"))
    port = free_port()
    simulator = start_simulator(port, workdir)
    try:
        django_against(fresh_postgres_database(args.database), port, workdir)
        from django.conf import settings
        from django.utils import timezone

        from songs import polling
        from songs.models import Clip

        started = time.perf_counter()
        send_songs(args.clips // 2)
        setup_s = time.perf_counter() - started
        in_flight = Clip.objects.in_flight().count()
        rss_before_mb = rss_mb()
        step = timedelta(seconds=polling.POLL_INTERVAL_MAX + 1)  # every take is due again at each tick
        now = timezone.now()
        ticks = []
        for tick in range(1 - args.warmup_ticks, args.ticks + 1):
            now += step
            started = time.perf_counter()
            report = polling.clips_poll_due(now=now)
            line = {"bench": "worker", "tick": tick, "ms": round((time.perf_counter() - started) * 1000, 1)}
            line |= {"rss_mb": round(rss_mb(), 1), "clips_polled": report.clips}
            line |= {"upstream_requests": report.requests, "warmup": tick < 1}
            if tick in (1, args.ticks):  # outside the timing: what is still alive once the garbage is gone
                gc.collect()
                line["live_objects"] = len(gc.get_objects())
            print(json.dumps(line), flush=True)
            if tick >= 1:
                ticks.append(line)
        still_in_flight = Clip.objects.in_flight().count()
    finally:
        simulator.terminate()
        simulator.wait(timeout=30)

    times = [t["ms"] for t in ticks]
    growth = ticks[-1]["rss_mb"] - ticks[0]["rss_mb"]
    summary = {
        "bench": "worker",
        "summary": True,
        "in_flight_clips": in_flight,
        "still_in_flight": still_in_flight,
        "ticks": len(ticks),
        "batch_cap": settings.SUNO_BATCH_CAP,
        "upstream_requests_per_tick": ticks[-1]["upstream_requests"],
        "tick_ms_p50": round(statistics.median(times), 1),
        "tick_ms_p95": round(statistics.quantiles(times, n=20, method="inclusive")[-1], 1),
        "tick_ms_max": max(times),
        "rss_before_warmup_mb": round(rss_before_mb, 1),
        "rss_first_mb": ticks[0]["rss_mb"],
        "rss_last_mb": ticks[-1]["rss_mb"],
        "rss_max_mb": max(t["rss_mb"] for t in ticks),
        "rss_growth_mb": round(growth, 1),
        "target_rss_growth_max_mb": FLAT_MB,
        "live_objects_first": ticks[0]["live_objects"],
        "live_objects_last": ticks[-1]["live_objects"],
        "setup_s": round(setup_s, 1),
        "load_average": [round(x, 1) for x in os.getloadavg()],  # the machine is shared: how busy it was
    }
    summary["ok"] = (
        growth <= FLAT_MB
        and ticks[-1]["live_objects"] <= ticks[0]["live_objects"] * 1.01
        and all(t["clips_polled"] == in_flight for t in ticks)
    )
    print(json.dumps(summary))
    shutil.rmtree(workdir, ignore_errors=True)  # kept when something failed: it holds the logs


if __name__ == "__main__":
    main()
