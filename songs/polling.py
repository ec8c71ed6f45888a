"""Every poll tick and the sweep: the only code that asks the upstream how work is going.

A tick claims what is due with a lease (next_poll_at pushed forward in one short transaction), asks the
upstream outside any transaction (one batch query per batch-cap of tasks, never a query per clip), and
writes the answers in another short transaction. Status only moves forward, so applying the same answer
twice changes nothing. The loops that run the ticks are in songs/tasks.py.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts import paid
from accounts.errors import NotCharged
from suno import errors as suno_errors
from suno import types as suno_types
from suno.client import SunoClient
from sunostudio import paid_calls
from sunostudio.jobs import enqueue
from sunostudio.text import one_line
from sunostudio.upstream import get_client

from . import archive
from .models import Clip, ClipAsset, LyricsDraft, Song
from .services import lyrics_draft_fail, lyrics_draft_submit, song_fail, song_submit, songs_settle
from .timing import words_from_timing

logger = logging.getLogger(__name__)

# Seconds between polls of one clip, by how many polls it has had: quick while a demo is watching, then
# backing off towards the upstream's own guidance of about 5 s (docs/upstream.md §4), never slower than 15 s.
POLL_INTERVALS = (2, 2, 2, 2, 3, 3, 3, 5, 5, 8, 10)
POLL_INTERVAL_MAX = 15
# A claimed clip isn't claimed again while its tick talks upstream. As long as the loop's own lease
# (songs.tasks), so the clips of a tick that died with its worker are due when the next loop may start.
POLL_LEASE = timedelta(seconds=10)
POLL_CLAIM_LIMIT = 5000
STUCK_CLIP = "The music service didn't finish this take within {minutes} minutes, so we stopped waiting."

# act/wav: retry every 5 s for about 2 min; act/mp4: every 10 s for about 3 min (docs/upstream.md §5.11,
# §5.12). The first polls come quicker so a watching creator isn't kept waiting for a conversion that is done.
ASSET_INTERVAL_MAX = {ClipAsset.Kind.WAV: 5, ClipAsset.Kind.MP4: 10, ClipAsset.Kind.TIMING: 5}
ASSET_GIVE_UP_AFTER = {
    ClipAsset.Kind.WAV: timedelta(minutes=2),
    ClipAsset.Kind.MP4: timedelta(minutes=3),
    ClipAsset.Kind.TIMING: timedelta(minutes=2),
}
ASSET_ARCHIVE_KIND = {ClipAsset.Kind.WAV: "wav", ClipAsset.Kind.MP4: "video"}
ASSET_LEASE = timedelta(seconds=30)
LYRICS_GIVE_UP_AFTER = timedelta(minutes=3)
LYRICS_STUCK_QUEUED = timedelta(seconds=30)

ASSET_TIMED_OUT = "The music service didn't finish the {kind} in time. Press Retry to ask again."
ASSET_NOT_SAVED = "The music service sent a {kind} we couldn't save. Press Retry to ask again."
LYRICS_TIMED_OUT = "The music service didn't write the lyrics in time. Try again."


# --- Takes ------------------------------------------------------------------------------------------------


@dataclass
class PollReport:
    clips: int = 0
    requests: int = 0


def poll_interval(poll_attempts: int) -> int:
    if poll_attempts < len(POLL_INTERVALS):
        return POLL_INTERVALS[poll_attempts]
    return POLL_INTERVAL_MAX


def _claim_due_clips(now: datetime) -> list[Clip]:
    """Push the due clips' next_poll_at forward (a lease) in one short transaction.

    On PostgreSQL, SKIP LOCKED lets several workers share the load; SQLite has no row locks, so there the
    conditional UPDATE on next_poll_at is what keeps two ticks from claiming the same clip.
    """
    with transaction.atomic():
        due = Clip.objects.due_for_poll(now).select_related("song").order_by("next_poll_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        clips = list(due[:POLL_CLAIM_LIMIT])
        if clips:
            Clip.objects.filter(pk__in=[c.pk for c in clips]).update(next_poll_at=now + POLL_LEASE)
    return clips


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def clips_poll_due(*, now: datetime | None = None) -> PollReport:
    """One tick: ONE batch query per batch-cap of due work, never a query per clip."""
    now = now or timezone.now()
    report = PollReport()
    clips = _claim_due_clips(now)
    if not clips:
        return report
    report.clips = len(clips)
    by_task: dict[str, list[Clip]] = defaultdict(list)
    by_feed: list[Clip] = []
    for clip in clips:
        if clip.song.upstream_task_id:
            by_task[clip.song.upstream_task_id].append(clip)
        elif clip.upstream_id:
            by_feed.append(clip)
    cap = settings.SUNO_BATCH_CAP
    # Few, short retries inside a tick: one slow answer must not hold up every other clip's poll. A clip
    # whose batch failed is simply polled again later (after Retry-After when the upstream gave one).
    with get_client(max_attempts=2, backoff_max=5) as client:
        _poll_tasks(client, by_task, now, report)
        for chunk in _chunks([c.upstream_id for c in by_feed], cap):
            report.requests += 1
            chunk_clips = [c for c in by_feed if c.upstream_id in set(chunk)]
            try:
                upstream_clips = client.feed(chunk)
            except suno_errors.SunoError as error:
                # A gateway that doesn't route /suno/feed: a 404, or the relay's web UI answering HTML.
                if isinstance(error, suno_errors.RouteNotServed) or (
                    isinstance(error, suno_errors.BadRequest) and error.status_code == 404
                ):
                    _poll_by_batch_id(client, chunk_clips, now, report)
                else:
                    _poll_failed(chunk_clips, error, now)
                continue
            found_clips = {u.id: u for u in upstream_clips}
            with transaction.atomic():
                for clip in chunk_clips:
                    _apply_clip(clip, found_clips.get(clip.upstream_id), now)
    songs_settle(now=now, song_ids=sorted({clip.song_id for clip in clips}))
    return report


def _poll_tasks(client, by_task: dict[str, list[Clip]], now: datetime, report: PollReport) -> None:
    for task_ids in _chunks(sorted(by_task), settings.SUNO_BATCH_CAP):
        report.requests += 1
        try:
            tasks = client.fetch_tasks(task_ids)
        except suno_errors.SunoError as error:
            _poll_failed([c for t in task_ids for c in by_task[t]], error, now)
            continue
        found = {task.task_id: task for task in tasks}
        for task_id in task_ids:
            _apply_task(by_task[task_id], found.get(task_id), now)


def _poll_by_batch_id(client, clips: list[Clip], now: datetime, report: PollReport) -> None:
    """A gateway without /suno/feed: track the native batch id as a task instead (docs/upstream.md §5.15).

    The song keeps the batch id as its task id from now on, so later ticks go straight to /suno/fetch.
    """
    by_batch: dict[str, list[Clip]] = defaultdict(list)
    for clip in clips:
        by_batch[clip.song.upstream_batch_id].append(clip)
    untrackable = by_batch.pop("", [])
    for clip in untrackable:
        clip.mark_failed("The music service can't report on this take, so we can't follow it.", now=now)
    Song.objects.filter(upstream_batch_id__in=list(by_batch), upstream_task_id="").update(
        upstream_task_id=F("upstream_batch_id")
    )
    _poll_tasks(client, by_batch, now, report)


def _poll_failed(clips: list[Clip], error: suno_errors.SunoError, now: datetime) -> None:
    logger.warning("poll of %d clips failed: %s", len(clips), error)
    delay = getattr(error, "retry_after", None) or POLL_INTERVAL_MAX
    Clip.objects.filter(pk__in=[c.pk for c in clips], status__in=Clip.IN_FLIGHT_STATUSES).update(
        next_poll_at=now + timedelta(seconds=delay)
    )


def _apply_task(clips: list[Clip], task: suno_types.Task | None, now: datetime) -> None:
    with transaction.atomic():
        if task is None:  # batch fetch silently omits unknown ids: keep trying until the stuck limit
            for clip in clips:
                _reschedule(clip, now)
            return
        upstream_by_id = {u.id: u for u in task.clips}
        for clip in clips:
            upstream = upstream_by_id.get(clip.upstream_id or "")
            if upstream is None and not clip.upstream_id and len(task.clips) >= clip.take:
                upstream = task.clips[clip.take - 1]  # the task lists its two takes in order
            if task.is_failure and (upstream is None or not upstream.is_terminal):
                reason = (upstream.error_message if upstream else "") or task.fail_reason
                _mark_error(clip, upstream, reason or "The music service could not generate this take.", now)
                continue
            _apply_clip(clip, upstream, now)


# What a poll writes on a take, and nothing else: a full save would also write back columns other
# processes change meanwhile (the archive job's files, a moderator hiding the take), and costs more SQL.
_SCHEDULE_FIELDS = ["next_poll_at", "completed_at", "updated_at"]
_APPLIED_FIELDS = [
    "status",
    "upstream_id",
    "title",
    "audio_url",
    "video_url",
    "image_url",
    "duration",
    "model_name",
    "metadata",
    "poll_attempts",
    "next_archive_at",
    *_SCHEDULE_FIELDS,
]


def _reschedule(clip: Clip, now: datetime) -> None:
    clip.poll_attempts += 1
    clip.next_poll_at = now + timedelta(seconds=poll_interval(clip.poll_attempts))
    clip.save(update_fields=["poll_attempts", "next_poll_at", "updated_at"])


def _mark_error(clip: Clip, upstream: suno_types.Clip | None, reason: str, now: datetime) -> None:
    if upstream is not None:
        clip.upstream_id = clip.upstream_id or upstream.id
        clip.metadata = upstream.metadata
    clip.status = Clip.Status.ERROR
    clip.error_message = reason
    clip.next_poll_at = None
    clip.completed_at = now
    clip.save(update_fields=["upstream_id", "metadata", "status", "error_message", *_SCHEDULE_FIELDS])


def _apply_clip(clip: Clip, upstream: suno_types.Clip | None, now: datetime) -> None:
    """Copy what the upstream says onto the row. Status only moves forward, so applying twice is harmless."""
    if upstream is None or clip.is_terminal:
        if not clip.is_terminal:
            _reschedule(clip, now)
        return
    if upstream.is_failed:
        reason = upstream.error_message or "The music service could not generate this take."
        _mark_error(clip, upstream, reason, now)
        return
    status = Clip.Status.COMPLETE if upstream.is_complete else upstream.status
    if upstream.status == "complete" and not upstream.is_complete:
        status = Clip.Status.STREAMING  # complete without an audio_url is not done yet (docs/upstream.md §4)
    if Clip.STATUS_ORDER.get(status, 0) >= Clip.STATUS_ORDER[clip.status]:
        clip.status = status
    clip.upstream_id = clip.upstream_id or upstream.id
    clip.title = upstream.title or clip.title
    _title_from_upstream(clip.song, upstream.title, now)
    clip.audio_url = upstream.audio_url or clip.audio_url
    clip.video_url = upstream.video_url or clip.video_url
    clip.image_url = upstream.image_url or clip.image_url
    clip.duration = upstream.duration or clip.duration
    clip.model_name = upstream.model_name or clip.model_name
    clip.metadata = upstream.metadata or clip.metadata
    if clip.status == Clip.Status.COMPLETE:
        clip.completed_at = now
        clip.next_poll_at = None
        clip.next_archive_at = now
        enqueue("songs.tasks.archive_clip", clip.pk)
    else:
        clip.poll_attempts += 1
        clip.next_poll_at = now + timedelta(seconds=poll_interval(clip.poll_attempts))
    clip.save(update_fields=_APPLIED_FIELDS)


def _title_from_upstream(song: Song, title: str, now: datetime) -> None:
    """A song made from a description is titled by the title the upstream wrote for it (docs/upstream.md
    §5.4), not by its prompt. The first take to report one fills the empty title; a title the creator has
    given it since (a rename) is never overwritten. The UPDATE is conditional, so the second take's
    poll, with its own stale copy of the song, writes nothing."""
    title = one_line(title or "")[: Song._meta.get_field("title").max_length].strip()
    if song.kind != Song.Kind.DESCRIPTION or song.title or not title:
        return
    if Song.objects.filter(pk=song.pk, title="").update(title=title, updated_at=now):
        song.title = title


def clips_fail_stuck(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    reason = STUCK_CLIP.format(minutes=settings.SUNO_CLIP_TIMEOUT_MINUTES)
    stuck = Clip.objects.stuck(now).update(
        status=Clip.Status.ERROR, error_message=reason, next_poll_at=None, completed_at=now
    )
    if stuck:
        songs_settle(now=now)  # a song whose every take got stuck is refunded
    return stuck


def songs_sweep(*, now: datetime | None = None) -> None:
    """Find the work lost jobs left behind: unsent songs, songs stuck while sending, stuck clips."""
    now = now or timezone.now()
    for song_id in Song.objects.due_for_submit(now).values_list("pk", flat=True)[:100]:
        song_submit(song_id=song_id, now=now)
    # A worker killed mid-submit: the request may or may not have reached the upstream. Never resend.
    stuck = Song.objects.filter(
        state=Song.State.SUBMITTING, submitting_since__lt=now - paid_calls.SUBMITTING_STUCK_AFTER
    )
    for song_id in stuck.values_list("pk", flat=True):
        song_fail(song_id=song_id, reason=paid_calls.UNCONFIRMED_SUBMIT, now=now, unconfirmed=True)
    clips_fail_stuck(now=now)
    songs_settle(now=now)  # what a tick that died between its writes left unsettled
    archive.archives_sweep(now=now)  # due archives, and temporary files killed downloads left


def has_pending_work(*, now: datetime, horizon: timedelta = timedelta(seconds=30)) -> bool:
    """A song being sent counts: if its job dies, the loop's sweep fails it as soon as it is stuck."""
    return (
        Clip.objects.in_flight().exists()
        or Song.objects.filter(state=Song.State.QUEUED, next_submit_at__lte=now + horizon).exists()
        or Song.objects.filter(state=Song.State.SUBMITTING).exists()
    )


def next_wakeup_seconds(*, now: datetime, longest: float = 2.0) -> float:
    next_poll = (
        Clip.objects.in_flight().order_by("next_poll_at").values_list("next_poll_at", flat=True).first()
    )
    if next_poll is None:
        return longest
    return max(0.2, min(longest, (next_poll - now).total_seconds()))


# --- Per-clip assets: WAV, video, word timings ------------------------------------------------------


def _claim(queryset, now: datetime, lease: timedelta) -> list:
    with transaction.atomic():
        due = list(queryset[:200])
        if due:
            type(due[0]).objects.filter(pk__in=[row.pk for row in due]).update(next_poll_at=now + lease)
    return due


def clip_assets_poll_due(*, now: datetime | None = None) -> int:
    """act/* endpoints take one clip each: there is no batch form, so one request per due asset."""
    now = now or timezone.now()
    due = _claim(ClipAsset.objects.due_for_poll(now).select_related("clip__song"), now, ASSET_LEASE)
    if not due:
        return 0
    with get_client(max_attempts=2, backoff_max=5) as client:
        for asset in due:
            _asset_poll_one(client, asset, now)
    return len(due)


def _asset_fail(asset: ClipAsset, reason: str, *, error: suno_errors.SunoError | None = None) -> None:
    """A read that came to nothing: nothing to review, so the charge is refunded."""
    with transaction.atomic():
        asset.status = ClipAsset.Status.FAILED
        asset.error_message = reason
        asset.next_poll_at = None
        asset.save()
        paid.refund(asset.paid_request_id, reason=reason)


def _asset_wait(asset: ClipAsset, now: datetime, *, reason: str = "") -> None:
    if now - asset.created_at >= ASSET_GIVE_UP_AFTER[asset.kind]:
        _asset_fail(asset, reason or ASSET_TIMED_OUT.format(kind=asset.get_kind_display()))
        return
    asset.attempts += 1
    asset.status = ClipAsset.Status.CONVERTING
    asset.next_poll_at = now + timedelta(
        seconds=min(poll_interval(asset.attempts), ASSET_INTERVAL_MAX[asset.kind])
    )
    asset.save()


def _asset_ready(asset: ClipAsset, now: datetime) -> None:
    with transaction.atomic():
        asset.status = ClipAsset.Status.READY
        asset.error_message = ""
        asset.next_poll_at = None
        asset.ready_at = now
        asset.save()
        paid.settle(asset.paid_request_id, now=now)


def _asset_poll_one(client: SunoClient, asset: ClipAsset, now: datetime) -> None:
    clip_id = asset.clip.upstream_id or ""
    try:
        if asset.kind == ClipAsset.Kind.TIMING:
            asset.words = words_from_timing(client.get_timing(clip_id))
            _asset_ready(asset, now)
            return
        with paid.sending(asset.paid_request_id):
            if asset.upstream_task_id:
                media_file = client.wav_from_task(asset.upstream_task_id)
            else:
                getter = client.get_wav if asset.kind == ClipAsset.Kind.WAV else client.get_mp4
                media_file = getter(clip_id)
    except NotCharged as refusal:
        _asset_fail(asset, refusal.user_message)
        return
    except suno_errors.SunoError as error:
        logger.warning("clip %s %s: %s", asset.clip_id, asset.kind, error)
        if error.retryable:
            _asset_wait(asset, now, reason=error.user_message)
        else:
            _asset_fail(asset, paid_calls.failure_reason(error))
        return
    if not media_file.is_ready:  # still converting (§5.12: `{}` until it is done), or a task to follow
        asset.upstream_task_id = media_file.task_id or asset.upstream_task_id
        _asset_wait(asset, now)
        return
    try:
        archive.asset_store(asset, media_file, kind=ASSET_ARCHIVE_KIND[asset.kind])
    except archive.MediaUnavailable as error:
        logger.warning("clip %s %s download: %s", asset.clip_id, asset.kind, error)
        _asset_wait(asset, now)
        return
    except archive.MediaRejected as error:
        logger.warning("clip %s %s rejected: %s", asset.clip_id, asset.kind, error)
        _asset_fail(asset, ASSET_NOT_SAVED.format(kind=asset.get_kind_display()))
        return
    _asset_ready(asset, now)


# --- Lyric drafts --------------------------------------------------------------------------------------


def lyrics_drafts_poll_due(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    due = _claim(LyricsDraft.objects.due_for_poll(now).order_by("next_poll_at"), now, ASSET_LEASE)
    if not due:
        return 0
    try:
        with get_client(max_attempts=2, backoff_max=5) as client:
            tasks = {
                t.task_id: t for t in client.fetch_tasks([d.upstream_task_id for d in due], action="LYRICS")
            }
    except suno_errors.SunoError as error:
        logger.warning("lyrics poll failed: %s", error)
        tasks = {}
    for draft in due:
        task = tasks.get(draft.upstream_task_id)
        if task is not None and task.is_success and task.lyrics is not None and task.lyrics.text:
            draft.state, draft.title, draft.text = (
                LyricsDraft.State.COMPLETE,
                task.lyrics.title,
                task.lyrics.text,
            )
            draft.next_poll_at = None
            paid.settle(draft.paid_request_id, now=now)
        elif task is not None and task.is_failure:
            lyrics_draft_fail(
                draft, reason=task.fail_reason or "The music service couldn't write these lyrics."
            )
            continue
        elif now - draft.created_at >= LYRICS_GIVE_UP_AFTER:
            lyrics_draft_fail(draft, reason=LYRICS_TIMED_OUT)
            continue
        else:
            draft.poll_attempts += 1
            draft.next_poll_at = now + timedelta(seconds=poll_interval(draft.poll_attempts))
        draft.save()
    return len(due)


# --- What the tools loop does each tick ------------------------------------------------------------------


def clip_tools_tick(*, now: datetime | None = None) -> None:
    now = now or timezone.now()
    lost = LyricsDraft.objects.filter(
        state=LyricsDraft.State.QUEUED, created_at__lt=now - LYRICS_STUCK_QUEUED
    )
    for draft_id in lost.values_list("pk", flat=True)[:50]:
        lyrics_draft_submit(draft_id=draft_id, now=now)
    clip_assets_poll_due(now=now)
    lyrics_drafts_poll_due(now=now)


def has_pending_tool_work() -> bool:
    return (
        ClipAsset.objects.filter(next_poll_at__isnull=False).exists()
        or LyricsDraft.objects.filter(
            state__in=(LyricsDraft.State.QUEUED, LyricsDraft.State.SUBMITTED)
        ).exists()
    )


def next_tool_wakeup_seconds(*, now: datetime, longest: float = 2.0) -> float:
    times = [
        ClipAsset.objects.filter(next_poll_at__isnull=False)
        .order_by("next_poll_at")
        .values_list("next_poll_at", flat=True)
        .first(),
        LyricsDraft.objects.due_for_poll(now + timedelta(days=1))
        .order_by("next_poll_at")
        .values_list("next_poll_at", flat=True)
        .first(),
    ]
    soonest = min((t for t in times if t is not None), default=None)
    if soonest is None:
        return longest
    return max(0.2, min(longest, (soonest - now).total_seconds()))
