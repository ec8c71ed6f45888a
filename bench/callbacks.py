"""How long after the upstream finishes a take the creator sees it Complete: polling alone, and with the
upstream's callback (notify_hook, songs/callbacks.py). Baseline and figure come from the same run.

Time is a ManualClock shared by the simulator and the poll loop, so the figures are the schedule's own (the
loop's wake-ups, the per-take poll backoff, the card's 2 s refresh), not this machine's load. The loop is
the worker's: songs.polling.clips_poll_due at the wake-ups songs.polling.next_wakeup_seconds asks for. The
callback is the real view: the simulator's due hooks are POSTed to it through Django's test client, on a
served simulator's schedule (twice a second). A card that refreshes every 2 s shows Complete at its first
refresh after the row says so.

Each song gets its own upstream duration (25–150 s, the same list in both modes). Prints one JSON line per
mode (p50/p95/max seconds from the upstream finishing to the card showing Complete), then a summary with
the callbacks' p95 next to polling's.
Run: .venv/bin/python bench/callbacks.py [--songs 20]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

from _setup import django_on_fresh_database

django_on_fresh_database()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from songs import polling, services  # noqa: E402
from songs.models import Clip, Song  # noqa: E402
from suno.simulator.app import Simulator  # noqa: E402
from suno.simulator.clock import ManualClock  # noqa: E402
from suno.simulator.transport import SimulatorTransport  # noqa: E402
from sunostudio.upstream import use_transport  # noqa: E402

STEP = 0.1  # seconds of simulated time per step
HOOK_EVERY = 0.5  # a served simulator delivers its due hooks twice a second (suno/simulator/hooks.py)
CARD_EVERY = 2.0  # a clip card in flight refreshes every 2 s


def at(clock: ManualClock) -> datetime:
    return datetime.fromtimestamp(clock(), tz=UTC)


def run(mode: str, complete_after: float, songs: int, rng: random.Random, owner) -> list[float]:
    settings.SITE_URL = "https://studio.example.org" if mode == "callbacks" else ""
    clock = ManualClock(start=time.time())
    simulator = Simulator(clock=clock, base_url=settings.SUNO_SIMULATOR_URL, complete_after=complete_after)
    web = Client()
    sends = sorted(rng.uniform(0, 10) for _ in range(songs))
    opened: dict[int, float] = {}  # song id -> when it was sent (the creator lands on its page then)
    row_complete: dict[int, float] = {}  # song id -> when both its takes were Complete in the database
    start = clock()
    next_tick = next_hook = 0.0

    def hook(url: str, task: dict) -> None:
        web.post(urlsplit(url).path, data=task, content_type="application/json")

    with use_transport(SimulatorTransport(simulator), sleep=lambda seconds: None):
        while len(row_complete) < songs:
            elapsed = clock() - start
            while sends and sends[0] <= elapsed:
                sends.pop(0)
                song, _ = services.song_create(
                    owner=owner,
                    idempotency_key=uuid.uuid4(),
                    kind="custom",
                    title="Bench",
                    lyrics="[Verse]\nla la la",
                    tags="pop",
                    model_version="chirp-auk",
                )
                services.song_submit(song_id=song.pk, now=at(clock))
                opened[song.pk] = elapsed
            if mode == "callbacks" and elapsed >= next_hook:
                simulator.deliver_notifications(hook)
                next_hook = elapsed + HOOK_EVERY
            if elapsed >= next_tick:
                now = at(clock)
                polling.clips_poll_due(now=now)
                next_tick = elapsed + polling.next_wakeup_seconds(now=now)
                waiting = set(opened) - set(row_complete)
                unfinished = set(
                    Clip.objects.filter(song_id__in=waiting)
                    .exclude(status=Clip.Status.COMPLETE)
                    .values_list("song_id", flat=True)
                )
                for song_id in waiting - unfinished:
                    row_complete[song_id] = elapsed
            clock.advance(STEP)
    latencies = []
    for song_id, sent in opened.items():
        card = sent + math.ceil((row_complete[song_id] - sent) / CARD_EVERY) * CARD_EVERY  # its next refresh
        latencies.append(card - (sent + complete_after))
    Song.objects.all().delete()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--songs", type=int, default=20, help="songs per mode, each with its own duration")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    owner = get_user_model().objects.create_user("bench")
    from accounts.models import Account
    from accounts.services import account_of

    Account.objects.filter(pk=account_of(owner).pk).update(unlimited=True)  # no credit or in-flight limit
    rng = random.Random(args.seed)
    # How long the upstream takes varies from song to song (real ones take 30 s to 2 min): the poll backoff
    # lands differently on each, so every song gets its own duration, the same in both modes.
    durations = [round(rng.uniform(25, 150), 1) for _ in range(args.songs)]
    summary = {}
    for mode in ("polling", "callbacks"):
        latencies = [
            run(mode, duration, 1, random.Random(n), owner)[0] for n, duration in enumerate(durations)
        ]
        summary[mode] = stats(latencies)
        print(json.dumps({"bench": "callbacks", "mode": mode, **summary[mode]}), flush=True)
    ratio = round(summary["callbacks"]["p95_s"] / summary["polling"]["p95_s"], 2)
    print(json.dumps({"bench": "callbacks", "summary": True, **summary, "p95_callbacks_vs_polling": ratio}))


def stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "songs": len(ordered),
        "p50_s": round(statistics.median(ordered), 2),
        "p95_s": round(p95, 2),
        "max_s": round(ordered[-1], 2),
    }


if __name__ == "__main__":
    main()
