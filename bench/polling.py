"""Upstream requests per poller tick for 1, 100 and 1,000 in-flight clips, against the simulator.

Target: at most ceil(N / batch cap) requests per tick. Prints one JSON line per measurement.
Run: .venv/bin/python bench/polling.py
"""

from __future__ import annotations

import json
import math
import time
import uuid
from datetime import datetime, timedelta

from _setup import django_on_fresh_database

django_on_fresh_database()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402

from songs import polling, services  # noqa: E402
from songs.models import Clip, Song  # noqa: E402
from suno.simulator.app import Simulator  # noqa: E402
from suno.simulator.clock import ManualClock  # noqa: E402
from suno.simulator.transport import SimulatorTransport  # noqa: E402
from sunostudio.upstream import use_transport  # noqa: E402


def in_flight_clips(owner, count: int) -> datetime:
    Song.objects.all().delete()
    songs = [
        services.song_create(
            owner=owner,
            idempotency_key=uuid.uuid4(),
            kind="custom",
            title="Bench",
            lyrics="la la la",
            tags="pop",
            model_version="chirp-auk",
        )[0]
        for _ in range(math.ceil(count / 2))
    ]
    now = timezone.now()
    for song in songs:
        services.song_submit(song_id=song.pk, now=now)
    if count % 2:  # an odd count: one take of the last song has already finished
        Clip.objects.filter(pk=Clip.objects.order_by("-pk").values("pk")[:1]).update(
            status=Clip.Status.COMPLETE, next_poll_at=None
        )
    return now


def main() -> None:
    owner = get_user_model().objects.create_user("bench")
    clock = ManualClock(start=time.time())
    simulator = Simulator(clock=clock, base_url=settings.SUNO_SIMULATOR_URL)
    cap = settings.SUNO_BATCH_CAP
    with use_transport(SimulatorTransport(simulator)):
        for count in (1, 100, 1000):
            now = in_flight_clips(owner, count)
            assert Clip.objects.in_flight().count() == count
            before = simulator.calls("fetch_batch") + simulator.calls("fetch") + simulator.calls("feed")
            report = polling.clips_poll_due(now=now + timedelta(seconds=5))
            sent = (
                simulator.calls("fetch_batch") + simulator.calls("fetch") + simulator.calls("feed") - before
            )
            assert report.clips == count and sent == report.requests
            print(
                json.dumps(
                    {
                        "bench": "polling",
                        "in_flight_clips": count,
                        "upstream_requests_per_tick": sent,
                        "batch_cap": cap,
                        "target_max": math.ceil(count / cap),
                    }
                )
            )


if __name__ == "__main__":
    main()
