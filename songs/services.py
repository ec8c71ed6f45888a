"""Every write that spans rows, makes the paid call or queues a job.

Web requests only write rows and queue jobs; `song_submit` and `lyrics_draft_submit` run in django-q2
workers and make the paid calls. Any job may run twice or never, so each one is guarded by a conditional
UPDATE on its row, and the sweep (songs/polling.py) finds the work a lost job left behind.

Every kind of song (a generation, an extension, a whole song, stems, an upload) is made by one path,
`_song_create`, and sent by one dispatch, `_send`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts import paid
from accounts.errors import NotCharged
from accounts.models import Action
from moderation.services import refuse_if_suspended
from suno import errors as suno_errors
from suno import types as suno_types
from suno import versions
from suno.client import SunoClient, control_metadata
from sunostudio import paid_calls
from sunostudio.errors import Refused
from sunostudio.jobs import enqueue
from sunostudio.notices import notify_staff
from sunostudio.upstream import get_client

from . import callbacks, catalogue
from .models import (
    Clip,
    ClipAsset,
    ClipPlay,
    CreateDraft,
    CreatorProfile,
    LyricsDraft,
    Song,
    StyleEnhancement,
)
from .selectors import library_personas_forget
from .signals import song_finished

logger = logging.getLogger(__name__)

CLIPS_PER_GENERATION = 2
STEM_TAKES = {Song.Kind.STEMS_ALL: 12, Song.Kind.STEMS_TWO: 2}  # docs/upstream.md §5.7, §5.8
FIRST_POLL_AFTER = timedelta(seconds=2)
UPLOAD_LINK_SALT = "songs.upload-source"
UPLOAD_LINK_MAX_AGE = 60 * 60  # the upstream fetches at once; an hour covers its queue

ASSET_ACTIONS = {ClipAsset.Kind.WAV: Action.WAV, ClipAsset.Kind.MP4: Action.VIDEO}  # timing reads: free
ALL_TAKES_FAILED = "Every take failed: {reason}"

NO_RELAY_TASK = (
    "This music service can't {doing} takes made with a persona through its quick route. Make the song "
    "again from this recipe, or ask an admin to send persona songs through the task route."
)


# --- Making a song: one path for every kind ------------------------------------------------------------


@dataclass(frozen=True)
class UploadedAudio:
    """A checked upload (songs.forms.UploadForm): our copy is the take's audio from the start."""

    file: UploadedFile
    extension: str
    duration: float


def _song_create(
    *, owner, idempotency_key: UUID, takes: int, upload: UploadedAudio | None = None, **fields: Any
) -> tuple[Song, bool]:
    """Save the request and its takes and queue the one paid call; a double click or a resubmitted form
    finds the same song (the unique idempotency key) and queues nothing."""
    refuse_if_suspended(user=owner, doing="make songs")
    parent = fields.get("parent_clip")
    if parent is not None:  # one family: everything made from a clip joins its song's original
        fields.setdefault("family_root_id", parent.song.family_root_id or parent.song_id)
    with transaction.atomic():
        song, created = Song.objects.get_or_create(
            owner=owner, idempotency_key=idempotency_key, defaults=fields
        )
        if created:
            if song.persona_name:  # the Library's persona filter may have a new name to offer
                transaction.on_commit(lambda: library_personas_forget(user_id=owner.pk))
            _charge_song(song)
            clips = [Clip(song=song, take=take, title=song.title) for take in range(1, takes + 1)]
            if upload is not None:
                clips[0].duration = upload.duration
            Clip.objects.bulk_create(clips)
            if upload is not None:
                clip = song.clips.get(take=1)
                upload.file.seek(0)
                clip.audio_file.save(f"upload.{upload.extension}", upload.file, save=True)
            enqueue("songs.tasks.submit_song", song.pk)
    return song, created


def _charge_song(song: Song) -> None:
    """In the transaction that saves (or re-queues) the song: no credits, no song, and the form says why."""
    song.paid_request = paid.charge(
        user=song.owner,
        action=song.paid_action,
        subject=song.title or song.get_kind_display(),
        subject_url=song.get_absolute_url(),
    )
    Song.objects.filter(pk=song.pk).update(paid_request=song.paid_request)


def song_create(*, owner, idempotency_key: UUID, **recipe: Any) -> tuple[Song, bool]:
    """A new song from lyrics and styles, a description, or a persona: two takes."""
    return _song_create(owner=owner, idempotency_key=idempotency_key, takes=CLIPS_PER_GENERATION, **recipe)


def _existing_result(*, owner, kind: str, clip: Clip) -> Song | None:
    """A whole song or a stem set is asked for once per clip: a second click shows the first, unless that
    one failed (then the button asks again)."""
    for song in Song.objects.owned_by(owner).filter(kind=kind, parent_clip=clip).prefetch_related("clips"):
        if not song.can_retry:
            return song
    return None


def clip_extend(
    *,
    owner,
    parent: Clip,
    idempotency_key: UUID,
    continue_at: float,
    lyrics: str,
    tags: str,
    title: str,
    model_version: str,
) -> tuple[Song, bool]:
    if not parent.is_complete or not parent.upstream_id:
        raise Refused("Only a finished take can be extended.")
    _refuse_without_relay_task(parent, doing="extend")
    return _song_create(
        owner=owner,
        idempotency_key=idempotency_key,
        takes=CLIPS_PER_GENERATION,
        kind=Song.Kind.EXTEND,
        parent_clip=parent,
        continue_at=continue_at,
        title=title,
        lyrics=lyrics,
        tags=tags,
        model_version=model_version,
    )


def _refuse_without_relay_task(clip: Clip, *, doing: str) -> None:
    """Said before anything is spent: the relay would refuse the call without the take's task id."""
    if not clip.upstream_task_id:
        raise Refused(NO_RELAY_TASK.format(doing=doing))


def _whole_song(*, owner, clip: Clip, idempotency_key: UUID) -> tuple[Song, bool]:
    """The one-take concat song made from an extension's end or a replaced take (asked once per clip)."""
    existing = _existing_result(owner=owner, kind=Song.Kind.CONCAT, clip=clip)
    if existing is not None:
        return existing, False
    return _song_create(
        owner=owner,
        idempotency_key=idempotency_key,
        takes=1,
        kind=Song.Kind.CONCAT,
        parent_clip=clip,
        title=clip.song.title,
        tags=clip.song.tags,
        model_version=clip.song.model_version,
    )


def can_concat(clip: Clip) -> bool:
    """Concat takes the last segment of an extension chain (docs/upstream.md §5.6)."""
    return clip.is_complete and bool(clip.upstream_id) and clip.song.kind == Song.Kind.EXTEND


def clip_concat(*, owner, clip: Clip, idempotency_key: UUID) -> tuple[Song, bool]:
    if not can_concat(clip):
        raise Refused("Only the finished end of an extension can become a whole song.")
    return _whole_song(owner=owner, clip=clip, idempotency_key=idempotency_key)


def can_cover(clip: Clip) -> bool:
    """Any finished take the upstream knows can be covered, an upload too (docs/upstream.md §5.4, §5.5)."""
    return clip.is_complete and bool(clip.upstream_id)


def clip_cover(
    *,
    owner,
    parent: Clip,
    idempotency_key: UUID,
    tags: str,
    title: str,
    lyrics: str,
    instrumental: bool,
    model_version: str,
    **options: Any,
) -> tuple[Song, bool]:
    """Two takes of the parent in a new style. The body names the source by `cover_clip_id`, not
    `continue_clip_id`, so the relay's task_id rule (§11) does not apply. `options`: the More options
    fields (control_sliders, vocal_gender) when the form has them."""
    if not can_cover(parent):
        raise Refused("Only a finished take can be covered.")
    return _song_create(
        owner=owner,
        idempotency_key=idempotency_key,
        takes=CLIPS_PER_GENERATION,
        kind=Song.Kind.COVER,
        parent_clip=parent,
        title=title,
        lyrics=lyrics,
        tags=tags,
        instrumental=instrumental,
        model_version=model_version,
        **options,
    )


def can_replace_section(clip: Clip) -> bool:
    """A stem is one instrument of a song, not a song to sing a part of again."""
    return (
        clip.is_complete
        and bool(clip.upstream_id)
        and bool(clip.duration)
        and clip.song.kind not in (Song.Kind.STEMS_ALL, Song.Kind.STEMS_TWO)
    )


def clip_replace_section(
    *,
    owner,
    parent: Clip,
    idempotency_key: UUID,
    infill_start_s: float,
    infill_end_s: float,
    lyrics: str,
    tags: str,
    model_version: str,
) -> tuple[Song, bool]:
    """Two takes, each the whole parent with [start, end) sung anew (task=infill, §5.4)."""
    if not can_replace_section(parent):
        raise Refused("A section can be replaced in a finished take only.")
    if not 0 <= infill_start_s < infill_end_s <= (parent.duration or 0):
        raise Refused("Pick a part inside the take: the start before the end.")
    _refuse_without_relay_task(parent, doing="replace a section of")  # continue_clip_id: the §11 rule
    return _song_create(
        owner=owner,
        idempotency_key=idempotency_key,
        takes=CLIPS_PER_GENERATION,
        kind=Song.Kind.INFILL,
        parent_clip=parent,
        infill_start_s=infill_start_s,
        infill_end_s=infill_end_s,
        title=parent.song.title or parent.title,
        lyrics=lyrics,
        tags=tags,
        model_version=model_version,
    )


def can_join_infill(clip: Clip) -> bool:
    """A replaced-section take is confirmed as a song of its own by concat with is_infill (§5.6)."""
    return clip.is_complete and bool(clip.upstream_id) and clip.song.kind == Song.Kind.INFILL


def clip_join_infill(*, owner, clip: Clip, idempotency_key: UUID) -> tuple[Song, bool]:
    if not can_join_infill(clip):
        raise Refused("Only a finished take with a replaced section can be joined into the whole song.")
    return _whole_song(owner=owner, clip=clip, idempotency_key=idempotency_key)


def can_separate(clip: Clip) -> bool:
    return (
        clip.is_complete
        and bool(clip.upstream_id)
        and clip.song.kind not in (Song.Kind.STEMS_ALL, Song.Kind.STEMS_TWO, Song.Kind.UPLOAD)
    )


def clip_stems(*, owner, clip: Clip, full: bool, idempotency_key: UUID) -> tuple[Song, bool]:
    if not can_separate(clip):
        raise Refused("Stems can be made from a finished take only.")
    _refuse_without_relay_task(clip, doing="split")
    kind = Song.Kind.STEMS_ALL if full else Song.Kind.STEMS_TWO
    existing = _existing_result(owner=owner, kind=kind, clip=clip)
    if existing is not None:
        return existing, False
    return _song_create(
        owner=owner,
        idempotency_key=idempotency_key,
        takes=STEM_TAKES[kind],
        kind=kind,
        parent_clip=clip,
        title=clip.title or clip.song.title,
        tags=clip.song.tags,
        model_version=catalogue.stems_mv(),
    )


def upload_create(*, owner, idempotency_key: UUID, audio: UploadedAudio, title: str) -> tuple[Song, bool]:
    """The job hands the upstream a signed link to our copy of the file."""
    return _song_create(
        owner=owner,
        idempotency_key=idempotency_key,
        takes=1,
        upload=audio,
        kind=Song.Kind.UPLOAD,
        title=title,
        model_version="",
    )


def upload_source_url(clip: Clip) -> str:
    token = signing.dumps(clip.pk, salt=UPLOAD_LINK_SALT)
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("songs:upload_source", args=[token])


def upload_clip_for_token(token: str) -> Clip | None:
    """The clip a still-valid link points at; None for a forged or expired link."""
    try:
        clip_id = signing.loads(token, salt=UPLOAD_LINK_SALT, max_age=UPLOAD_LINK_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    return Clip.objects.filter(pk=clip_id, song__kind=Song.Kind.UPLOAD).exclude(audio_file="").first()


def song_retry(*, song: Song) -> bool:
    """A creator's Retry when every take failed: a new upstream call, so the conditional UPDATE makes a
    double click send it once."""
    if not song.can_retry:
        return False
    refuse_if_suspended(user=song.owner, doing="make songs")
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
        _charge_song(song)  # a new paid call; the failed one was refunded or is with staff for review
        song.clips.all().update(
            status=Clip.Status.SUBMITTED,
            upstream_id=None,
            upstream_task_id="",
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


# --- Sending: the one dispatch from a song's kind to its paid call --------------------------------------


def _send(client: SunoClient, song: Song) -> suno_types.Submission:
    if song.kind == Song.Kind.UPLOAD:
        url = upload_source_url(song.clips.get(take=1))
        return suno_types.Submission(task_id=client.upload_audio_url(url=url))
    hook = callbacks.hook_url(song)  # "" unless SITE_URL is set: then the upstream may call us when done
    if song.kind in (Song.Kind.EXTEND, Song.Kind.CONCAT, Song.Kind.STEMS_ALL, Song.Kind.STEMS_TWO):
        return _send_from_clip(client, song, hook)
    if song.kind in (Song.Kind.COVER, Song.Kind.INFILL):
        return _send_remake(client, song, hook)
    if song.persona_upstream_id:
        return _send_with_persona(client, song, hook)
    metadata = song_control_metadata(song)
    if song.kind == Song.Kind.DESCRIPTION:
        return client.generate_from_description(
            description=song.description,
            mv=song.model_version,
            instrumental=song.instrumental,
            metadata=metadata,
            notify_hook=hook,
        )
    if song.instrumental:
        return client.generate_instrumental(
            tags=song.tags,
            title=song.title,
            mv=song.model_version,
            negative_tags=song.negative_tags,
            metadata=metadata,
            notify_hook=hook,
        )
    return client.generate_custom(
        lyrics=song.lyrics,
        tags=song.tags,
        title=song.title,
        mv=song.model_version,
        negative_tags=song.negative_tags,
        metadata=metadata,
        notify_hook=hook,
    )


def song_control_metadata(song: Song) -> dict:
    """More options as the submit body's `metadata` (empty: none sent). The catalogue has no per-version
    flag for them, so every version gets them; a relay that drops `metadata` just ignores them (§11)."""
    sliders = {
        key: song.control_sliders[key]
        for key in versions.CONTROL_SLIDERS
        if key in (song.control_sliders or {})
    }
    return control_metadata(
        weirdness=_percent(sliders.get("weirdness_constraint")),
        style_influence=_percent(sliders.get("style_weight")),
        audio_influence=_percent(sliders.get("audio_weight")),
        vocal_gender=song.vocal_gender if song.vocal_gender in versions.VOCAL_GENDERS else "",
    )


def _percent(value: float | None) -> int | None:
    return None if value is None else round(float(value) * 100)


def _send_with_persona(client: SunoClient, song: Song, hook: str) -> suno_types.Submission:
    """`seed` (the ElkAPI page's /suno/generate, Family N §5.15: clip ids at once, polled with /suno/feed,
    but no relay task to continue from) or `task` (/suno/submit/music with task=artist_consistency). A
    gateway that doesn't serve /suno/generate created nothing, so the task route is tried at once."""
    recipe = {
        "persona_id": song.persona_upstream_id,
        "artist_clip_id": song.persona_artist_clip_id,
        "lyrics": song.lyrics,
        "tags": song.tags,
        "title": song.title,
        "mv": song.model_version,
        "negative_tags": song.negative_tags,
        "notify_hook": hook,
    }
    if settings.SUNO_PERSONA_ROUTE == "task":
        return client.generate_with_persona(**recipe, route="task")
    try:
        return client.generate_with_persona(**recipe, route="seed")
    except suno_errors.RouteNotServed:
        logger.info("song %s: /suno/generate not served; sending the persona through the task route", song.pk)
        return client.generate_with_persona(**recipe, route="task")


def _send_from_clip(client: SunoClient, song: Song, hook: str) -> suno_types.Submission:
    parent = song.parent_clip
    if parent is None or not parent.upstream_id:
        raise suno_errors.BadRequest("the clip this was made from no longer exists")
    source_task_id = parent.upstream_task_id
    if song.kind == Song.Kind.EXTEND:
        return client.extend(
            clip_id=parent.upstream_id,
            continue_at=float(song.continue_at or 0),
            mv=song.model_version,
            lyrics=song.lyrics,
            tags=song.tags,
            title=song.title,
            task_id=source_task_id,
            uploaded=parent.song.kind == Song.Kind.UPLOAD,
            notify_hook=hook,
        )
    if song.kind == Song.Kind.CONCAT:
        # A replaced section is confirmed with is_infill=true; an extension chain is joined with false (§5.6).
        is_infill = parent.song.kind == Song.Kind.INFILL
        return client.concat(clip_id=parent.upstream_id, is_infill=is_infill, notify_hook=hook)
    return client.separate_stems(
        clip_id=parent.upstream_id,
        task_id=source_task_id,
        title=song.title,
        full=song.kind == Song.Kind.STEMS_ALL,
        notify_hook=hook,
    )


def _send_remake(client: SunoClient, song: Song, hook: str) -> suno_types.Submission:
    """Cover and replace section: the parent sung again, whole (cover) or in a window (infill)."""
    parent = song.parent_clip
    if parent is None or not parent.upstream_id:
        raise suno_errors.BadRequest("the clip this was made from no longer exists")
    if song.kind == Song.Kind.COVER:
        return client.cover(
            clip_id=parent.upstream_id,
            mv=song.model_version,
            lyrics=song.lyrics,
            tags=song.tags,
            title=song.title,
            negative_tags=song.negative_tags,
            instrumental=song.instrumental,
            metadata=song_control_metadata(song) or None,
            notify_hook=hook,
        )
    return client.replace_section(
        clip_id=parent.upstream_id,
        start_s=float(song.infill_start_s or 0),
        end_s=float(song.infill_end_s or 0),
        mv=song.model_version,
        lyrics=song.lyrics,
        tags=song.tags,
        title=song.title,
        task_id=parent.upstream_task_id,
        notify_hook=hook,
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
    song = Song.objects.select_related("parent_clip__song").get(pk=song_id)
    try:
        # paid: sunostudio.paid_calls spaces the resends, so the client makes one attempt
        with paid.sending(song.paid_request_id), get_client(max_attempts=1) as client:
            submission = _send(client, song)
    except NotCharged as refusal:
        song_fail(song_id=song.pk, reason=refusal.user_message, now=now)
        return
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
        paid.record_task_id(song.paid_request_id, submission.task_id or submission.batch_id)
        clips = list(song.clips.order_by("take"))
        for clip, upstream in zip(clips, submission.clips, strict=False):
            clip.upstream_id = upstream.id
        for clip in clips:
            clip.upstream_task_id = submission.task_id  # "" for a native batch: no relay task made it
            clip.next_poll_at = now + FIRST_POLL_AFTER
            clip.polling_since = now
        Clip.objects.bulk_update(clips, ["upstream_id", "upstream_task_id", "next_poll_at", "polling_since"])
        enqueue("songs.tasks.poll_clips")


def _song_submit_failed(song: Song, error: suno_errors.SunoError, *, now: datetime) -> None:
    logger.warning("submit of song %s failed: %s", song.pk, error)
    attempts = song.submit_attempts + 1
    if paid_calls.should_resend(error, attempts=attempts):
        delay = paid_calls.resend_delay(error, attempts=attempts)
        Song.objects.filter(pk=song.pk).update(
            state=Song.State.QUEUED,
            submit_attempts=attempts,
            next_submit_at=now + delay,
            error_message=paid_calls.waiting_message(error, attempts=attempts, delay=delay),
        )
        return
    if isinstance(error, suno_errors.ModelUnavailable):
        reason = _model_unavailable(song, error)
    else:
        reason = paid_calls.failure_reason(error, attempts=attempts)
    song_fail(song_id=song.pk, reason=reason, attempts=attempts, now=now, error=error)


def _model_unavailable(song: Song, error: suno_errors.ModelUnavailable) -> str:
    """The creator picks another version; staff learn which one to untick in the catalogue."""
    mv = error.mv or song.model_version
    notify_staff(
        cause=f"model_unavailable:{mv}",
        message=f"The upstream has no channel for model version {mv}: untick it in the model catalogue.",
        detail=error.message,
        url=reverse("admin:songs_modelversion_changelist") + f"?q={mv}",
    )
    return (
        f"The model version {mv} isn't available on this music service right now, so nothing was made. "
        "Make the song again with another version. An admin has been notified."
    )


def song_fail(
    *,
    song_id: int,
    reason: str,
    now: datetime,
    attempts: int | None = None,
    error: suno_errors.SunoError | None = None,
    unconfirmed: bool = False,
) -> None:
    """The send failed: its charge is refunded, or held for staff review when it may have been made."""
    with transaction.atomic():
        fields: dict[str, Any] = {"state": Song.State.FAILED, "error_message": reason}
        if attempts is not None:
            fields["submit_attempts"] = attempts
        Song.objects.filter(pk=song_id).update(**fields)
        Clip.objects.filter(song_id=song_id, status__in=Clip.IN_FLIGHT_STATUSES).update(
            status=Clip.Status.ERROR, error_message=reason, next_poll_at=None, completed_at=now
        )
        request_id = Song.objects.values_list("paid_request_id", flat=True).get(pk=song_id)
        paid.failed(request_id, reason=reason, error=error, unconfirmed=unconfirmed, now=now)
        _tell_finished(song_id, "failed", reason)


def songs_settle(*, now: datetime, song_ids: list[int] | None = None) -> int:
    """Settle the charge of every sent song whose takes have all ended: it stands if any take finished,
    and is refunded if every take failed (the upstream made nothing). Safe to run again: a settled
    request is never settled twice."""
    ended = (
        Song.objects.filter(state=Song.State.SUBMITTED, paid_request__state="held")
        .exclude(clips__status__in=Clip.IN_FLIGHT_STATUSES)
        .annotate(finished=Count("clips", filter=Q(clips__status=Clip.Status.COMPLETE)))
    )
    if song_ids is not None:
        ended = ended.filter(pk__in=song_ids)
    settled = 0
    for song in ended:
        if song.finished:
            paid.settle(song.paid_request_id, now=now)
            _tell_finished(song.pk, "complete")
        else:
            first_error = song.clips.exclude(error_message="").values_list("error_message", flat=True).first()
            reason = ALL_TAKES_FAILED.format(reason=first_error or "the music service made nothing.")
            paid.failed(song.paid_request_id, reason=reason, now=now)
            _tell_finished(song.pk, "failed", first_error or "the music service made nothing.")
        settled += 1
    return settled


def _tell_finished(song_id: int, outcome: str, reason: str = "") -> None:
    """After the commit, tell the layers above (notifications). A receiver's failure is logged, never
    raised: settling a song must not depend on telling anyone about it."""

    def send() -> None:
        song = Song.objects.select_related("owner").get(pk=song_id)
        for receiver, result in song_finished.send_robust(Song, song=song, outcome=outcome, reason=reason):
            if isinstance(result, Exception):
                logger.error("song %s: %s failed: %s", song_id, receiver, result, exc_info=result)

    transaction.on_commit(send)


# --- Per-clip assets: WAV, video, word timings -----------------------------------------------------


def clip_asset_request(*, clip: Clip, kind: str, now: datetime | None = None) -> ClipAsset:
    """One row per clip and kind: a second click, or a second tab, finds the first request. Retry moves a
    failed row back with a conditional UPDATE, so a double click asks once. These only read what exists,
    so a suspended creator may still ask for them."""
    now = now or timezone.now()
    if not clip.is_complete or not clip.upstream_id:
        raise Refused("This take isn't finished yet.")
    with transaction.atomic():
        asset, created = ClipAsset.objects.get_or_create(
            clip=clip, kind=kind, defaults={"next_poll_at": now, "created_at": now}
        )
        if not created and asset.is_failed:
            created = bool(
                ClipAsset.objects.filter(pk=asset.pk, status=ClipAsset.Status.FAILED).update(
                    status=ClipAsset.Status.REQUESTED,
                    upstream_task_id="",
                    error_message="",
                    attempts=0,
                    next_poll_at=now,
                    created_at=now,
                )
            )
        if created:
            if kind in ASSET_ACTIONS:
                request = paid.charge(
                    user=clip.song.owner,
                    action=ASSET_ACTIONS[kind],
                    subject=f"{clip.title or clip.song.title} ({asset.get_kind_display()})",
                    subject_url=clip.get_absolute_url(),
                    now=now,
                )
                ClipAsset.objects.filter(pk=asset.pk).update(paid_request=request)
            enqueue("songs.tasks.poll_tools")
    asset.refresh_from_db()
    return asset


# --- Lyric drafts (docs/upstream.md §5.3) ----------------------------------------------------------------


def lyrics_draft_create(*, owner, idempotency_key: UUID, idea: str) -> tuple[LyricsDraft, bool]:
    refuse_if_suspended(user=owner, doing="make songs")
    with transaction.atomic():
        draft, created = LyricsDraft.objects.get_or_create(
            owner=owner, idempotency_key=idempotency_key, defaults={"idea": idea}
        )
        if created:
            request = paid.charge(
                user=owner,
                action=Action.LYRICS,
                subject=f"Lyrics: {idea[:80]}",
                subject_url=reverse("songs:song_create"),
            )
            LyricsDraft.objects.filter(pk=draft.pk).update(paid_request=request)
            enqueue("songs.tasks.submit_lyrics", draft.pk)
    return draft, created


def lyrics_draft_submit(*, draft_id: int, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if not LyricsDraft.objects.filter(pk=draft_id, state=LyricsDraft.State.QUEUED).update(
        state=LyricsDraft.State.SUBMITTING
    ):
        return  # another run sent it: a paid call goes out once
    draft = LyricsDraft.objects.get(pk=draft_id)
    try:
        with paid.sending(draft.paid_request_id), get_client() as client:
            task_id = client.generate_lyrics(idea=draft.idea)
    except NotCharged as refusal:
        lyrics_draft_fail(draft, reason=refusal.user_message)
        return
    except suno_errors.SunoError as error:
        logger.warning("lyrics draft %s: %s", draft_id, error)
        lyrics_draft_fail(draft, reason=paid_calls.failure_reason(error), error=error)
        return
    LyricsDraft.objects.filter(pk=draft_id).update(
        state=LyricsDraft.State.SUBMITTED, upstream_task_id=task_id, next_poll_at=now + FIRST_POLL_AFTER
    )
    paid.record_task_id(draft.paid_request_id, task_id)


def lyrics_draft_fail(draft: LyricsDraft, *, reason: str, error: suno_errors.SunoError | None = None) -> None:
    with transaction.atomic():
        LyricsDraft.objects.filter(pk=draft.pk).update(
            state=LyricsDraft.State.FAILED, error_message=reason, next_poll_at=None
        )
        paid.failed(draft.paid_request_id, reason=reason, error=error)
    enqueue("songs.tasks.poll_tools")


# --- Sharing --------------------------------------------------------------------------------------------


def song_publish(*, song: Song) -> None:
    """Give the song its public page and list it on Explore."""
    refuse_if_suspended(user=song.owner, doing="publish songs")
    if song.is_hidden:
        raise Refused(f"A moderator hid this song, so it can't be made public. Reason: {song.hidden_reason}")
    if song.trashed_at is not None:
        raise Refused(TRASHED_NOT_SHARED)
    if not song.clips.complete().exists():
        raise Refused("Wait for a take to finish before you share the song.")
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


# --- The Library: rename, like, Trash, and the same for many songs at once --------------------------------

TRASHED_NOT_SHARED = "This song is in Trash: restore it before you share it."
STILL_IN_FLIGHT = "“{title}” is still being made: move it to Trash once its takes have finished."
SENDING_STATES = (Song.State.QUEUED, Song.State.SUBMITTING)


def song_rename(*, song: Song, title: str) -> None:
    """The song and its takes (whose titles name the downloads and the player) take the new title."""
    with transaction.atomic():
        Song.objects.filter(pk=song.pk).update(title=title, updated_at=timezone.now())
        song.clips.update(title=title)
    song.title = title


def song_like(*, song: Song, liked: bool) -> None:
    Song.objects.filter(pk=song.pk).update(is_liked=liked)
    song.is_liked = liked


def song_keep_take(*, song: Song, take: int | None) -> None:
    """A/B: the take the creator keeps (None: neither). The Library and the family page list it first."""
    Song.objects.filter(pk=song.pk).update(preferred_take=take, updated_at=timezone.now())
    song.preferred_take = take


def _trashable(songs):
    """Songs that may go to Trash: a song still being made may not. A job would go on writing to a song
    its creator thinks is gone, and emptying Trash under a running archive would leave its files behind."""
    in_flight = Clip.objects.filter(song=OuterRef("pk"), status__in=Clip.IN_FLIGHT_STATUSES)
    return songs.filter(trashed_at__isnull=True).exclude(state__in=SENDING_STATES).exclude(Exists(in_flight))


def song_trash(*, song: Song) -> int:
    """Out of the Library and off every public page. It keeps is_public: a restore brings it back as is.

    An original is its family's Library row: the songs made from it go to Trash with it (those not still
    being made), at the same moment, which is how a restore knows to bring them back. Returns how many."""
    now = timezone.now()
    with transaction.atomic():
        if not _trashable(Song.objects.filter(pk=song.pk)).update(trashed_at=now):
            song.refresh_from_db(fields=["trashed_at"])
            if song.trashed_at is None:
                raise Refused(STILL_IN_FLIGHT.format(title=song.display_title))
            return 0  # already in Trash (a second click)
        song.trashed_at = now
        return _family_trash(root_ids=[song.pk], now=now)


def _family_trash(*, root_ids: list[int], now) -> int:
    return _trashable(Song.objects.filter(family_root__in=root_ids)).update(trashed_at=now)


def _family_restore(*, songs) -> int:
    """The family songs that went to Trash with these originals (the same moment) come back with them."""
    restored = 0
    for pk, trashed_at in songs.filter(family_root__isnull=True).values_list("pk", "trashed_at"):
        restored += Song.objects.filter(family_root_id=pk, trashed_at=trashed_at).update(trashed_at=None)
    return restored


def song_restore(*, song: Song) -> int:
    """Back in the Library, with the family songs that went to Trash with it; returns how many of those."""
    with transaction.atomic():
        family = _family_restore(songs=Song.objects.filter(pk=song.pk, trashed_at__isnull=False))
        Song.objects.filter(pk=song.pk).update(trashed_at=None)
    song.trashed_at = None
    return family


@dataclass(frozen=True)
class BulkOutcome:
    """How many songs an action changed, and why the others were left as they were."""

    done: int
    skipped: dict[str, int]


def songs_trash(*, owner, song_ids: list[int]) -> BulkOutcome:
    """Ids that aren't the owner's are ignored, as if they weren't there."""
    songs = Song.objects.owned_by(owner).filter(pk__in=song_ids, trashed_at__isnull=True)
    now = timezone.now()
    with transaction.atomic():
        asked = songs.count()
        trashed = list(_trashable(songs).values_list("pk", "family_root_id"))
        done = Song.objects.filter(pk__in=[pk for pk, _ in trashed]).update(trashed_at=now)
        _family_trash(root_ids=[pk for pk, root in trashed if root is None], now=now)  # as song_trash
    skipped = {"still being made": asked - done} if asked > done else {}
    return BulkOutcome(done=done, skipped=skipped)


def songs_restore(*, owner, song_ids: list[int]) -> BulkOutcome:
    songs = Song.objects.owned_by(owner).filter(pk__in=song_ids).trashed()
    with transaction.atomic():
        _family_restore(songs=songs)
        done = songs.update(trashed_at=None)
    return BulkOutcome(done=done, skipped={})


def songs_publish(*, owner, song_ids: list[int]) -> BulkOutcome:
    """The rules of song_publish, song by song: a hidden song, or one with no finished take, is skipped."""
    refuse_if_suspended(user=owner, doing="publish songs")
    complete = Clip.objects.filter(song=OuterRef("pk"), status=Clip.Status.COMPLETE)
    songs = (
        Song.objects.owned_by(owner)
        .in_library()
        .filter(pk__in=song_ids, is_public=False)
        .annotate(has_complete=Exists(complete))
        .values_list("pk", "is_hidden", "has_complete")
    )
    skipped = {"hidden by a moderator": 0, "no finished take yet": 0}
    publishable = []
    for pk, is_hidden, has_complete in songs:
        if is_hidden:
            skipped["hidden by a moderator"] += 1
        elif not has_complete:
            skipped["no finished take yet"] += 1
        else:
            publishable.append(pk)
    done = Song.objects.filter(pk__in=publishable).update(is_public=True, published_at=timezone.now())
    return BulkOutcome(done=done, skipped={reason: n for reason, n in skipped.items() if n})


def trash_empty(*, owner) -> int:
    """Delete the songs in the owner's Trash, their takes and what was made from them (WAV, video, timing),
    and then their files, through the storage API (a bucket as well as the disk). Never calls the upstream:
    it keeps its copies by its own rules."""
    songs = Song.objects.owned_by(owner).trashed()
    clips = Clip.objects.filter(song__in=songs)
    storage = Clip._meta.get_field("audio_file").storage
    with transaction.atomic():
        names = [name for pair in clips.values_list("audio_file", "image_file") for name in pair if name]
        names += [
            name for name in ClipAsset.objects.filter(clip__in=clips).values_list("file", flat=True) if name
        ]
        count = songs.count()
        songs.delete()
        transaction.on_commit(lambda: library_personas_forget(user_id=owner.pk))
        transaction.on_commit(lambda: _files_delete(storage, names))
    return count


def _files_delete(storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # the rows are gone; a file left over is logged, not a failed request
            logger.exception("could not delete %s from the media storage", name)


# --- The creator's default model version (docs/upstream.md §2: chosen per request with `mv`) ----------


def profile_set_default_model(*, user, model_version: str) -> CreatorProfile:
    profile, _ = CreatorProfile.objects.update_or_create(
        user=user, defaults={"default_model_version": model_version}
    )
    return profile


# --- The create form's helpers: style enhancement, the saved draft -------------------------------------

ENHANCE_NOT_OFFERED = "This music service doesn't offer style enhancement, so your styles are unchanged."


def style_enhancement_create(*, owner, tags: str) -> StyleEnhancement:
    """A click on Enhance style: the row, and the job that asks the upstream (free, so nothing is charged)."""
    refuse_if_suspended(user=owner, doing="make songs")
    with transaction.atomic():
        enhancement = StyleEnhancement.objects.create(owner=owner, original=tags)
        enqueue("songs.tasks.enhance_style", enhancement.pk)
    return enhancement


def style_enhancement_run(*, enhancement_id: int) -> None:
    # The conditional UPDATE is the guard: a job that runs twice asks once.
    claimed = StyleEnhancement.objects.filter(pk=enhancement_id, state=StyleEnhancement.State.QUEUED).update(
        state=StyleEnhancement.State.SENDING
    )
    if not claimed:
        return
    enhancement = StyleEnhancement.objects.get(pk=enhancement_id)
    try:
        with get_client() as client:
            enhanced = client.enhance_tags(enhancement.original)
    except suno_errors.RouteNotServed:
        _style_enhancement_fail(enhancement_id, ENHANCE_NOT_OFFERED)
        return
    except suno_errors.SunoError as error:
        logger.warning("style enhancement %s: %s", enhancement_id, error)
        _style_enhancement_fail(enhancement_id, error.user_message)
        return
    StyleEnhancement.objects.filter(pk=enhancement_id).update(
        state=StyleEnhancement.State.COMPLETE, enhanced=enhanced[:1000]
    )


def _style_enhancement_fail(enhancement_id: int, reason: str) -> None:
    StyleEnhancement.objects.filter(pk=enhancement_id).update(
        state=StyleEnhancement.State.FAILED, error_message=reason
    )


CREATE_DRAFT_WORDS = ("title", "lyrics", "tags", "negative_tags", "description")  # a draft needs one


def create_draft_save(*, owner, fields: dict, idempotency_key: UUID | None = None) -> CreateDraft | None:
    """Keep what the creator typed. Nothing typed: no draft. A late autosave from a form that was already
    generated (its key made a song) saves nothing, so a generated song's draft never comes back."""
    generated = Song.objects.filter(owner=owner, idempotency_key=idempotency_key)
    if idempotency_key is not None and generated.exists():
        return None
    if not any((fields.get(name) or "").strip() for name in CREATE_DRAFT_WORDS):
        CreateDraft.objects.filter(owner=owner).delete()
        return None
    draft, _ = CreateDraft.objects.update_or_create(owner=owner, defaults={"fields": fields})
    return draft


def create_draft_delete(*, owner) -> None:
    CreateDraft.objects.filter(owner=owner).delete()
