"""Every write that spans rows, calls the upstream or queues a job.

Web requests only write rows and queue jobs; the functions that talk to the upstream run in django-q2
workers. Any job may run twice or never, so each one is guarded by a conditional UPDATE on its row and a
periodic sweep finds the work a lost job left behind.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from moderation.models import Suspension
from suno import errors as suno_errors
from suno import types as suno_types
from sunostudio.upstream import get_client

from .models import Clip, ClipPlay, Song

logger = logging.getLogger(__name__)

CLIPS_PER_GENERATION = 2
# Seconds between polls of one clip, by how many polls it has had: quick while a demo is watching, then
# backing off towards the upstream's own guidance of about 5 s (suno-api.md §4), never slower than 15 s.
POLL_INTERVALS = (2, 2, 2, 2, 3, 3, 3, 5, 5, 8, 10)
POLL_INTERVAL_MAX = 15
POLL_LEASE = timedelta(seconds=30)  # a claimed clip isn't claimed again while its tick is talking upstream
POLL_CLAIM_LIMIT = 5000
SUBMIT_MAX_ATTEMPTS = 5
SUBMITTING_STUCK_AFTER = timedelta(minutes=5)

UNCONFIRMED_SUBMIT = (
    "We couldn't confirm that the music service received this request. To make sure you aren't charged "
    "twice it wasn't sent again. Press Retry to try once more."
)
STUCK_CLIP = "The music service didn't finish this take within {minutes} minutes, so we stopped waiting."


def enqueue(func: str, *args: Any) -> None:
    """Queue a job once the current transaction commits (a rolled-back request queues nothing)."""
    transaction.on_commit(lambda: async_task(func, *args))


# --- Creating and submitting ------------------------------------------------------------------------


class SongRefused(Exception):
    """An expected refusal (a suspended creator, a song that can't be published): the view shows
    `user_message` instead of failing."""

    def __init__(self, user_message: str):
        super().__init__(user_message)
        self.user_message = user_message


def _refuse_if_suspended(user, *, doing: str) -> None:
    suspension = Suspension.objects.active().filter(user=user).first()
    if suspension is not None:
        raise SongRefused(
            f"Your account is suspended, so you can't {doing} right now. You can still listen to your "
            f"songs. Reason given: {suspension.reason}"
        )


def song_create(*, owner, idempotency_key: UUID, **recipe: Any) -> tuple[Song, bool]:
    """Save the recipe and its two takes; a double click or a resubmitted form finds the same song."""
    _refuse_if_suspended(owner, doing="make songs")
    with transaction.atomic():
        song, created = Song.objects.get_or_create(
            owner=owner, idempotency_key=idempotency_key, defaults=recipe
        )
        if created:
            Clip.objects.bulk_create(
                [Clip(song=song, take=take, title=song.title) for take in range(1, CLIPS_PER_GENERATION + 1)]
            )
            enqueue("songs.tasks.submit_song", song.pk)
    return song, created


def song_retry(*, song: Song) -> bool:
    """A creator's Retry when every take failed: a new upstream call, so the conditional UPDATE makes a
    double click send it once."""
    if not song.can_retry:
        return False
    _refuse_if_suspended(song.owner, doing="make songs")
    with transaction.atomic():
        moved = Song.objects.filter(pk=song.pk, state=song.state).update(
            state=Song.State.QUEUED,
            error_message="",
            submit_attempts=0,
            next_submit_at=timezone.now(),
            upstream_task_id="",
            upstream_batch_id="",
        )
        if not moved:
            return False
        song.clips.all().update(
            status=Clip.Status.SUBMITTED,
            upstream_id=None,
            error_message="",
            audio_url="",
            image_url="",
            video_url="",
            duration=None,
            next_poll_at=None,
            poll_attempts=0,
            polling_since=None,
            completed_at=None,
        )
        enqueue("songs.tasks.submit_song", song.pk)
    return True


def _submit_to_upstream(song: Song) -> suno_types.Submission:
    with get_client() as client:
        from .tools import TOOL_KINDS, tool_song_submission  # clip tools: extend, concat, stems, upload

        if song.kind in TOOL_KINDS:
            return tool_song_submission(client, song)
        if song.persona_upstream_id:
            # Family N (§5.15): the clip ids come back at once and are polled with /suno/feed.
            return client.generate_with_persona(
                persona_id=song.persona_upstream_id,
                artist_clip_id=song.persona_artist_clip_id,
                lyrics=song.lyrics,
                tags=song.tags,
                title=song.title,
                mv=song.model_version,
                negative_tags=song.negative_tags,
            )
        if song.kind == Song.Kind.DESCRIPTION:
            return client.generate_from_description(
                description=song.description, mv=song.model_version, instrumental=song.instrumental
            )
        if song.instrumental:
            return client.generate_instrumental(
                tags=song.tags, title=song.title, mv=song.model_version, negative_tags=song.negative_tags
            )
        return client.generate_custom(
            lyrics=song.lyrics,
            tags=song.tags,
            title=song.title,
            mv=song.model_version,
            negative_tags=song.negative_tags,
        )


def song_submit(*, song_id: int, now: datetime | None = None) -> None:
    now = now or timezone.now()
    # The conditional UPDATE is the guard: exactly one run moves QUEUED -> SUBMITTING, so a job that runs
    # twice (or the sweep racing the first job) makes one upstream call.
    claimed = Song.objects.filter(pk=song_id, state=Song.State.QUEUED, next_submit_at__lte=now).update(
        state=Song.State.SUBMITTING, submitting_since=now
    )
    if not claimed:
        return
    song = Song.objects.get(pk=song_id)
    try:
        submission = _submit_to_upstream(song)
    except suno_errors.SunoError as error:
        _song_submit_failed(song, error, now=now)
        return
    _song_submitted(song, submission, now=now)


def _song_submitted(song: Song, submission: suno_types.Submission, *, now: datetime) -> None:
    with transaction.atomic():
        Song.objects.filter(pk=song.pk).update(
            state=Song.State.SUBMITTED,
            upstream_task_id=submission.task_id,
            upstream_batch_id=submission.batch_id,
            submitted_at=now,
            error_message="",
            submit_attempts=song.submit_attempts + 1,
        )
        clips = list(song.clips.order_by("take"))
        for clip, upstream in zip(clips, submission.clips, strict=False):
            clip.upstream_id = upstream.id
        for clip in clips:
            clip.next_poll_at = now + timedelta(seconds=POLL_INTERVALS[0])
            clip.polling_since = now
        Clip.objects.bulk_update(clips, ["upstream_id", "next_poll_at", "polling_since"])
        enqueue("songs.tasks.poll_clips")


def _song_submit_failed(song: Song, error: suno_errors.SunoError, *, now: datetime) -> None:
    logger.warning("submit of song %s failed: %s", song.pk, error)
    attempts = song.submit_attempts + 1
    never_reached = isinstance(error, suno_errors.RateLimited) or (
        isinstance(error, suno_errors.UpstreamUnavailable) and not error.may_have_reached_upstream
    )
    if never_reached and attempts < SUBMIT_MAX_ATTEMPTS:
        delay = getattr(error, "retry_after", None) or min(60, 5 * 2 ** (attempts - 1))
        Song.objects.filter(pk=song.pk).update(
            state=Song.State.QUEUED,
            submit_attempts=attempts,
            next_submit_at=now + timedelta(seconds=delay),
            error_message=error.user_message,
        )
        return
    if isinstance(error, suno_errors.UpstreamUnavailable | suno_errors.MalformedResponse):
        reason = UNCONFIRMED_SUBMIT
    else:
        reason = error.user_message
    song_fail(song_id=song.pk, reason=reason, attempts=attempts, now=now)


def song_fail(*, song_id: int, reason: str, now: datetime, attempts: int | None = None) -> None:
    with transaction.atomic():
        fields: dict[str, Any] = {"state": Song.State.FAILED, "error_message": reason}
        if attempts is not None:
            fields["submit_attempts"] = attempts
        Song.objects.filter(pk=song_id).update(**fields)
        Clip.objects.filter(song_id=song_id, status__in=Clip.IN_FLIGHT_STATUSES).update(
            status=Clip.Status.ERROR, error_message=reason, next_poll_at=None, completed_at=now
        )


# --- Polling ----------------------------------------------------------------------------------------


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
                if isinstance(error, suno_errors.BadRequest) and error.status_code == 404:
                    _poll_by_batch_id(client, chunk_clips, now, report)
                else:
                    _poll_failed(chunk_clips, error, now)
                continue
            found_clips = {u.id: u for u in upstream_clips}
            with transaction.atomic():
                for clip in chunk_clips:
                    _apply_clip(clip, found_clips.get(clip.upstream_id), now)
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
    """A gateway without /suno/feed: track the native batch id as a task instead (suno-api.md §5.15).

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
    clip.save()


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
        status = Clip.Status.STREAMING  # complete without an audio_url is not done yet (suno-api.md §4)
    if Clip.STATUS_ORDER.get(status, 0) >= Clip.STATUS_ORDER[clip.status]:
        clip.status = status
    clip.upstream_id = clip.upstream_id or upstream.id
    clip.title = upstream.title or clip.title
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
    clip.save()


def clips_fail_stuck(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    reason = STUCK_CLIP.format(minutes=settings.SUNO_CLIP_TIMEOUT_MINUTES)
    return Clip.objects.stuck(now).update(
        status=Clip.Status.ERROR, error_message=reason, next_poll_at=None, completed_at=now
    )


def songs_sweep(*, now: datetime | None = None) -> None:
    """Find the work lost jobs left behind: unsent songs, songs stuck while sending, stuck clips."""
    now = now or timezone.now()
    for song_id in Song.objects.due_for_submit(now).values_list("pk", flat=True)[:100]:
        song_submit(song_id=song_id, now=now)
    # A worker killed mid-submit: the request may or may not have reached the upstream. Never resend.
    stuck = Song.objects.filter(
        state=Song.State.SUBMITTING, submitting_since__lt=now - SUBMITTING_STUCK_AFTER
    )
    for song_id in stuck.values_list("pk", flat=True):
        song_fail(song_id=song_id, reason=UNCONFIRMED_SUBMIT, now=now)
    clips_fail_stuck(now=now)
    for clip_id in Clip.objects.due_for_archive(now).values_list("pk", flat=True)[:50]:
        from .archive import clip_archive

        clip_archive(clip_id=clip_id, now=now)


def has_pending_work(*, now: datetime, horizon: timedelta = timedelta(seconds=30)) -> bool:
    return (
        Clip.objects.in_flight().exists()
        or Song.objects.filter(state=Song.State.QUEUED, next_submit_at__lte=now + horizon).exists()
    )


def next_wakeup_seconds(*, now: datetime, longest: float = 2.0) -> float:
    next_poll = (
        Clip.objects.in_flight().order_by("next_poll_at").values_list("next_poll_at", flat=True).first()
    )
    if next_poll is None:
        return longest
    return max(0.2, min(longest, (next_poll - now).total_seconds()))


# --- Sharing --------------------------------------------------------------------------------------------


def song_publish(*, song: Song) -> None:
    """Give the song its public page and list it on Explore."""
    _refuse_if_suspended(song.owner, doing="publish songs")
    if song.is_hidden:
        raise SongRefused(
            f"A moderator hid this song, so it can't be made public. Reason: {song.hidden_reason}"
        )
    if not song.clips.complete().exists():
        raise SongRefused("Wait for a take to finish before you share the song.")
    Song.objects.filter(pk=song.pk).update(is_public=True, published_at=timezone.now())
    song.refresh_from_db(fields=["is_public", "published_at"])


def song_unpublish(*, song: Song) -> None:
    """Always allowed, suspended or not: taking something down is never refused."""
    Song.objects.filter(pk=song.pk).update(is_public=False)
    song.refresh_from_db(fields=["is_public"])


def clip_play_record(*, clip: Clip, listener_key: str, now: datetime | None = None) -> bool:
    """Count a play once per listener per clip per clock hour. The unique constraint does the
    deduplication, so two tabs racing each other still count once."""
    now = now or timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    try:
        with transaction.atomic():
            ClipPlay.objects.create(clip=clip, listener_key=listener_key, hour=hour, created_at=now)
            Clip.objects.filter(pk=clip.pk).update(play_count=F("play_count") + 1)
            Song.objects.filter(pk=clip.song_id).update(play_count=F("play_count") + 1)
    except IntegrityError:
        return False
    return True
