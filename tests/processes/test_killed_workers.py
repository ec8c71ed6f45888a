"""A cluster SIGKILLed mid-submit, mid-poll or mid-download: every song still ends, nothing paid is sent
twice, and no half-written file is served or left behind."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from sunostudio import paid_calls

from .conftest import Watcher, wait_for

pytestmark = pytest.mark.slow


def song_row(stack, song_id: int) -> dict:
    columns = ("state", "error_message", "paid_request_id", "submitting_since")
    (row,) = stack.sql(f"SELECT {', '.join(columns)} FROM songs_song WHERE id = %s", song_id)
    return dict(zip(columns, row, strict=True))


def clips_of(stack, song_id: int) -> list[tuple]:
    return stack.sql(
        "SELECT id, status, audio_file, archive_attempts FROM songs_clip WHERE song_id = %s ORDER BY take",
        song_id,
    )


def files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


def test_a_song_whose_cluster_died_mid_submit_fails_without_a_resend(fresh):
    stack = fresh
    victim = stack.start_cluster()
    stack.control("settings", {"slow_submit": 60})  # the upstream takes the song, then answers slowly
    (creator,) = stack.creators("midsubmit", 1)
    submits_before = stack.paid_submits()
    song_id = creator.create_song("Killed mid-submit")
    wait_for(
        lambda: stack.paid_submits() == submits_before + 1, timeout=60, what="the submit reached the upstream"
    )
    assert song_row(stack, song_id)["state"] == "submitting"
    stack.kill_cluster(victim)
    stack.control("settings", {"slow_submit": 0})
    stack.start_cluster()  # the machine comes back, or another one carries on
    clip_ids = [row[0] for row in clips_of(stack, song_id)]
    assert "Sending…" in creator.card(clip_ids[0])

    # Nobody is sending it any more, but nobody can know that before the longest send could have lasted:
    # move its start back by the stuck limit (three minutes) instead of waiting them out.
    stack.sql(
        "UPDATE songs_song SET submitting_since = submitting_since - %s WHERE id = %s",
        paid_calls.SUBMITTING_STUCK_AFTER,
        song_id,
    )
    limit_passed_at = time.monotonic()
    watcher = Watcher(cards=[(creator, clip_id) for clip_id in clip_ids])  # the creator's page is open
    watcher.until(lambda: song_row(stack, song_id)["state"] == "failed", timeout=60, what="the song failed")
    print(
        json.dumps(
            {
                "measure": "stuck_submit_failed_after_limit_s",
                "seconds": round(time.monotonic() - limit_passed_at, 1),
            }
        )
    )
    song = song_row(stack, song_id)
    assert song["error_message"] == paid_calls.UNCONFIRMED_SUBMIT
    assert "We couldn&#x27;t confirm" in creator.card(clip_ids[0])
    ((held,),) = stack.sql("SELECT state FROM accounts_paidrequest WHERE id = %s", song["paid_request_id"])
    assert held == "review"  # the upstream may have made it: the credits wait for staff, not refunded
    assert stack.paid_submits() == submits_before + 1  # never sent twice


def test_takes_whose_cluster_died_mid_poll_still_finish(fresh):
    stack = fresh
    stack.control("settings", {"streaming_after": 2, "complete_after": 8})
    stack.start_cluster()
    stack.start_cluster()
    (creator,) = stack.creators("midpoll", 1)
    submits_before = stack.paid_submits()
    song_id = creator.create_song("Killed mid-poll")
    clip_ids = [row[0] for row in clips_of(stack, song_id)]
    watcher = Watcher(cards=[(creator, clip_id) for clip_id in clip_ids])
    watcher.until(
        lambda: clips_of(stack, song_id)[0][1] != "submitted", timeout=60, what="a first poll answered"
    )
    # The next batch poll hangs upstream (answered after 20 s); kill the loop's cluster while it waits.
    stack.control(
        "faults", {"add": [{"name": "timeout", "endpoint": "fetch_batch", "times": 1, "delay": 20}]}
    )
    watcher.until(
        lambda: not stack.control("faults")["faults"], timeout=60, what="a poll waiting on the upstream"
    )
    killed_at = stack.kill_cluster(stack.cluster_holding_poll_lease())

    watcher.until(
        lambda: {row[1] for row in clips_of(stack, song_id)} == {"complete"},
        timeout=90,
        what="both takes complete",
    )
    print(
        json.dumps({"measure": "mid_poll_kill_to_complete_s", "seconds": round(time.time() - killed_at, 1)})
    )
    assert stack.paid_submits() == submits_before + 1


def test_a_download_killed_midway_leaves_nothing_half_written(fresh):
    stack = fresh
    media_root = Path(stack.env["MEDIA_ROOT"])
    temp_dir = Path(stack.env["MEDIA_TEMP_DIR"])
    stack.control("settings", {"streaming_after": 1, "complete_after": 3})
    stack.control("media", {"delay": 60})  # the CDN is slow to send the files
    victim = stack.start_cluster()
    (creator,) = stack.creators("middownload", 1)
    song_id = creator.create_song("Killed mid-download")
    clip_ids = [row[0] for row in clips_of(stack, song_id)]
    calls_before = stack.control("calls")["total"]

    def downloading():
        calls = stack.control(f"calls?since={calls_before}")["calls"]
        return any(call["endpoint"] == "media" for call in calls)

    wait_for(downloading, timeout=60, what="an archive download under way")
    clip_files_before = set(files_under(media_root / "clips"))
    stack.kill_cluster(victim)
    stack.control("media", {"delay": 0})
    assert {row[1] for row in clips_of(stack, song_id)} == {
        "complete"
    }  # the takes are done, and play upstream
    for clip_id in clip_ids:
        assert (
            creator.get(f"/songs/clips/{clip_id}/audio/").status_code == 404
        )  # not archived: nothing served
    assert files_under(temp_dir) == [] and set(files_under(media_root / "clips")) == clip_files_before

    # The killed run's claim on the archive runs out (ARCHIVE_LEASE); move it back rather than wait, and let
    # a restarted cluster's one-minute sweep archive the files.
    stack.start_cluster()
    stack.sql("UPDATE songs_clip SET archive_lease_until = now() WHERE song_id = %s", song_id)
    wait_for(
        lambda: all(row[2] for row in clips_of(stack, song_id)),
        timeout=120,
        what="both takes archived",
        every=1,
    )
    for clip_id in clip_ids:
        archived = creator.get(f"/songs/clips/{clip_id}/audio/")
        assert archived.status_code == 200
        (audio_url,) = stack.sql("SELECT audio_url FROM songs_clip WHERE id = %s", clip_id)[0]
        assert archived.content == httpx.get(audio_url, timeout=30).content  # the whole file, byte for byte
    assert files_under(temp_dir) == []
