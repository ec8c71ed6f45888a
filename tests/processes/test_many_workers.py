"""Two web processes and two worker clusters share the work: every song is sent once, every take finishes
and is archived once, and when the cluster running the poll loop is killed the other one carries on."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest

from .conftest import Watcher, wait_for

pytestmark = pytest.mark.slow


def clip_rows(stack, song_ids: list[int]) -> list[tuple]:
    return stack.sql(
        "SELECT id, status, completed_at, audio_file, image_file FROM songs_clip WHERE song_id = ANY(%s)",
        song_ids,
    )


def test_thirty_songs_are_sent_once_finish_and_are_archived_once(fresh):
    stack = fresh
    stack.control("settings", {"complete_after": 8})
    stack.start_cluster()
    stack.start_cluster()
    creators = stack.creators("many", 3)
    submits_before = stack.paid_submits()
    calls_before = stack.control("calls")["total"]

    song_ids = [creators[n % 3].create_song(f"Night Drive {n}") for n in range(30)]

    def all_archived():
        rows = clip_rows(stack, song_ids)
        return len(rows) == 60 and all(
            status == "complete" and audio and image for _, status, _, audio, image in rows
        )

    wait_for(all_archived, timeout=150, what="60 takes complete and archived", every=1)
    assert stack.paid_submits() - submits_before == 30
    states = Counter(
        state for (state,) in stack.sql("SELECT state FROM songs_song WHERE id = ANY(%s)", song_ids)
    )
    assert states == {"submitted": 30}
    downloads = Counter(
        call["path"]
        for call in stack.control(f"calls?since={calls_before}")["calls"]
        if call["endpoint"] == "media" and call["method"] == "GET"
    )
    assert len(downloads) == 120  # each take's MP3 and cover
    assert [path for path, times in downloads.items() if times > 1] == []  # each fetched once


def test_the_other_cluster_takes_over_the_poll_loop_of_a_killed_one(fresh):
    stack = fresh
    complete_after = 10.0
    stack.control("settings", {"streaming_after": 2, "complete_after": complete_after})
    stack.start_cluster()
    stack.start_cluster()
    (creator,) = stack.creators("takeover", 1)
    song_ids = [creator.create_song(f"Takeover {n}") for n in range(3)]
    clip_ids = [row[0] for row in clip_rows(stack, song_ids)]
    watcher = Watcher(cards=[(creator, clip_id) for clip_id in clip_ids])  # the creator keeps the page open
    watcher.until(
        lambda: {row[1] for row in clip_rows(stack, song_ids)} == {"streaming"},
        timeout=30,
        what="every take streaming",
    )
    # The upstream finishes each song complete_after seconds after it was sent. Kill the loop's cluster
    # just before that, so every take is still streaming when it dies.
    sent = {
        song_id: submitted_at.timestamp()
        for song_id, submitted_at in stack.sql(
            "SELECT id, submitted_at FROM songs_song WHERE id = ANY(%s)", song_ids
        )
    }
    upstream_done_at = max(sent.values()) + complete_after
    watcher.until(
        lambda: time.time() >= upstream_done_at - 1.5, timeout=30, what="just before the upstream finishes"
    )
    victim = stack.cluster_holding_poll_lease()
    dead_holder = stack.poll_lease_holder()  # the same loop renews under the same name until it dies
    killed_at = stack.kill_cluster(victim)
    assert {row[1] for row in clip_rows(stack, song_ids)} == {"streaming"}

    new_holder = {}

    def all_complete():
        if not new_holder and stack.poll_lease_holder() not in (dead_holder, "starting"):
            new_holder["at"] = time.time()
        return {row[1] for row in clip_rows(stack, song_ids)} == {"complete"}

    watcher.until(all_complete, timeout=90, what="the other cluster finishes every take")
    completed = {
        song_id: completed_at.timestamp()
        for song_id, completed_at in stack.sql(
            "SELECT song_id, max(completed_at) FROM songs_clip WHERE song_id = ANY(%s) GROUP BY song_id",
            song_ids,
        )
    }
    # How long after the upstream had finished (and the worker was dead) the creator still saw "streaming".
    lag = max(completed[song_id] - max(killed_at, sent[song_id] + complete_after) for song_id in song_ids)
    print(
        json.dumps(
            {
                "measure": "poll_loop_takeover",
                "kill_to_new_loop_s": round(new_holder.get("at", float("nan")) - killed_at, 1),
                "last_take_complete_after_upstream_s": round(lag, 1),
            }
        )
    )
    assert lag < 30  # the target is 15 s; the bound leaves room for a loaded CI machine
