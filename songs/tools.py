"""Services for the clip tools: WAV, video and word timings of a finished clip; extend, whole song (concat),
stems and uploads as Songs whose takes poll like any generation; lyric drafts; the creator's default model.

Same rules as songs/services.py: web requests only write rows and queue jobs, every paid call is made once
per user action (idempotency key or one row per clip and kind, then a conditional UPDATE), and an upstream
failure becomes a failed state with the reason.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from moderation.services import user_is_suspended
from suno import errors as suno_errors
from suno import types as suno_types
from suno import versions
from suno.client import SunoClient
from sunostudio.upstream import get_client

from . import archive
from .models import Clip, ClipAsset, CreatorProfile, LyricsDraft, Song
from .services import enqueue, poll_interval
from .timing import words_from_timing

logger = logging.getLogger(__name__)

TOOL_KINDS = (Song.Kind.EXTEND, Song.Kind.CONCAT, Song.Kind.STEMS_ALL, Song.Kind.STEMS_TWO, Song.Kind.UPLOAD)
STEM_TAKES = {Song.Kind.STEMS_ALL: 12, Song.Kind.STEMS_TWO: 2}  # suno-api.md §5.7, §5.8
# act/wav: retry every 5 s for about 2 min; act/mp4: every 10 s for about 3 min (suno-api.md §5.11, §5.12).
# The first polls come quicker so a watching creator isn't kept waiting for a conversion that is done.
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
UPLOAD_LINK_SALT = "songs.upload-source"
UPLOAD_LINK_MAX_AGE = 60 * 60  # the upstream fetches at once; an hour covers its queue

ASSET_TIMED_OUT = "The music service didn't finish the {kind} in time. Press Retry to ask again."
ASSET_NOT_SAVED = "The music service sent a {kind} we couldn't save. Press Retry to ask again."
LYRICS_TIMED_OUT = "The music service didn't write the lyrics in time. Try again."


SUSPENDED = (
    "Your account is suspended, so you can't make new music right now. You can still listen to your songs."
)


class ToolRefused(Exception):
    """The action doesn't apply to this clip (not finished, not the end of an extension...), or the creator
    may not make paid calls now (suspended by a moderator)."""


def _refuse_if_suspended(owner) -> None:
    """Every paid tool (extend, whole song, stems, upload, lyrics) is new music: the same rule as
    song_create. WAV, video and timings only read what exists, so they stay open."""
    if user_is_suspended(user=owner):
        raise ToolRefused(SUSPENDED)


# --- Per-clip assets: WAV, video, word timings -----------------------------------------------------


def clip_asset_request(*, clip: Clip, kind: str, now: datetime | None = None) -> ClipAsset:
    """One row per clip and kind: a second click, or a second tab, finds the first request. Retry moves a
    failed row back with a conditional UPDATE, so a double click asks once."""
    now = now or timezone.now()
    if not clip.is_complete or not clip.upstream_id:
        raise ToolRefused("This take isn't finished yet.")
    with transaction.atomic():
        asset, created = ClipAsset.objects.get_or_create(
            clip=clip, kind=kind, defaults={"next_poll_at": now, "created_at": now}
        )
        if not created and asset.is_failed:
            created = bool(
                ClipAsset.objects.filter(pk=asset.pk, status=ClipAsset.Status.FAILED).update(
                    status=ClipAsset.Status.REQUESTED,
                    error_message="",
                    attempts=0,
                    next_poll_at=now,
                    created_at=now,
                )
            )
        if created:
            enqueue("songs.tool_tasks.poll_tools")
    asset.refresh_from_db()
    return asset


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


def _asset_fail(asset: ClipAsset, reason: str) -> None:
    asset.status = ClipAsset.Status.FAILED
    asset.error_message = reason
    asset.next_poll_at = None
    asset.save()


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
    asset.status = ClipAsset.Status.READY
    asset.error_message = ""
    asset.next_poll_at = None
    asset.ready_at = now
    asset.save()


def _asset_poll_one(client: SunoClient, asset: ClipAsset, now: datetime) -> None:
    clip_id = asset.clip.upstream_id or ""
    try:
        if asset.kind == ClipAsset.Kind.TIMING:
            asset.words = words_from_timing(client.get_timing(clip_id))
            _asset_ready(asset, now)
            return
        getter = client.get_wav if asset.kind == ClipAsset.Kind.WAV else client.get_mp4
        media_file = getter(clip_id)
    except suno_errors.SunoError as error:
        logger.warning("clip %s %s: %s", asset.clip_id, asset.kind, error)
        if error.retryable:
            _asset_wait(asset, now, reason=error.user_message)
        else:
            _asset_fail(asset, error.user_message)
        return
    if not media_file.is_ready:  # still converting (§5.12: `{}` until it is done)
        _asset_wait(asset, now)
        return
    try:
        _asset_store(asset, media_file)
    except archive.MediaUnavailable as error:
        logger.warning("clip %s %s download: %s", asset.clip_id, asset.kind, error)
        _asset_wait(asset, now)
        return
    except archive.MediaRejected as error:
        logger.warning("clip %s %s rejected: %s", asset.clip_id, asset.kind, error)
        _asset_fail(asset, ASSET_NOT_SAVED.format(kind=asset.get_kind_display()))
        return
    _asset_ready(asset, now)


def _asset_store(asset: ClipAsset, media_file: suno_types.MediaFile) -> None:
    kind = ASSET_ARCHIVE_KIND[asset.kind]
    if media_file.url:
        asset.upstream_url = media_file.url
        tmp, extension = archive.download_media(media_file.url, kind=kind)
        try:
            name = f"{asset.kind}.{extension}"
            asset.file.save(name, archive._TemporaryFile(tmp, name=name), save=False)
        finally:
            tmp.close()
            if os.path.exists(tmp.name):
                os.unlink(tmp.name)
        return
    # A binary answer (§5.12 variant 3): the same type and size rules as a download.
    extension = archive.ALLOWED_TYPES[kind].get(media_file.content_type.lower())
    if extension is None:
        raise archive.MediaRejected(f"content type {media_file.content_type or 'none'} is not {kind}")
    if len(media_file.content) > archive.SIZE_CAPS[kind]:
        raise archive.MediaRejected("file is larger than the size cap")
    asset.file.save(f"{asset.kind}.{extension}", ContentFile(media_file.content), save=False)


# --- Songs made from a clip: extend, whole song, stems, upload ------------------------------------------


def _tool_song_create(*, owner, idempotency_key: UUID, takes: int, **fields) -> tuple[Song, bool]:
    _refuse_if_suspended(owner)
    with transaction.atomic():
        song, created = Song.objects.get_or_create(
            owner=owner, idempotency_key=idempotency_key, defaults=fields
        )
        if created:
            Clip.objects.bulk_create(
                [Clip(song=song, take=take, title=song.title) for take in range(1, takes + 1)]
            )
            enqueue("songs.tasks.submit_song", song.pk)
    return song, created


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
        raise ToolRefused("Only a finished take can be extended.")
    return _tool_song_create(
        owner=owner,
        idempotency_key=idempotency_key,
        takes=2,
        kind=Song.Kind.EXTEND,
        parent_clip=parent,
        continue_at=continue_at,
        title=title,
        lyrics=lyrics,
        tags=tags,
        model_version=model_version,
    )


def can_concat(clip: Clip) -> bool:
    """Concat takes the last segment of an extension chain (suno-api.md §5.6)."""
    return clip.is_complete and bool(clip.upstream_id) and clip.song.kind == Song.Kind.EXTEND


def clip_concat(*, owner, clip: Clip, idempotency_key: UUID) -> tuple[Song, bool]:
    if not can_concat(clip):
        raise ToolRefused("Only the finished end of an extension can become a whole song.")
    existing = _existing_result(owner=owner, kind=Song.Kind.CONCAT, clip=clip)
    if existing is not None:
        return existing, False
    return _tool_song_create(
        owner=owner,
        idempotency_key=idempotency_key,
        takes=1,
        kind=Song.Kind.CONCAT,
        parent_clip=clip,
        title=clip.song.title,
        tags=clip.song.tags,
        model_version=clip.song.model_version,
    )


def can_separate(clip: Clip) -> bool:
    return (
        clip.is_complete
        and bool(clip.upstream_id)
        and clip.song.kind not in (Song.Kind.STEMS_ALL, Song.Kind.STEMS_TWO, Song.Kind.UPLOAD)
    )


def clip_stems(*, owner, clip: Clip, full: bool, idempotency_key: UUID) -> tuple[Song, bool]:
    if not can_separate(clip):
        raise ToolRefused("Stems can be made from a finished take only.")
    kind = Song.Kind.STEMS_ALL if full else Song.Kind.STEMS_TWO
    existing = _existing_result(owner=owner, kind=kind, clip=clip)
    if existing is not None:
        return existing, False
    return _tool_song_create(
        owner=owner,
        idempotency_key=idempotency_key,
        takes=STEM_TAKES[kind],
        kind=kind,
        parent_clip=clip,
        title=clip.title or clip.song.title,
        tags=clip.song.tags,
        model_version=versions.STEM_MODEL,  # "仅限chirp_auk" (§5.7)
    )


def upload_create(
    *, owner, idempotency_key: UUID, audio: UploadedFile, title: str, duration: float, extension: str
) -> tuple[Song, bool]:
    """Our copy of the file is the take's audio from the start; the job hands the upstream a signed link."""
    _refuse_if_suspended(owner)
    with transaction.atomic():
        song, created = Song.objects.get_or_create(
            owner=owner,
            idempotency_key=idempotency_key,
            defaults={"kind": Song.Kind.UPLOAD, "title": title, "model_version": ""},
        )
        if created:
            clip = Clip(song=song, take=1, title=title, duration=duration)
            clip.save()
            audio.seek(0)
            clip.audio_file.save(f"upload.{extension}", audio, save=True)
            enqueue("songs.tasks.submit_song", song.pk)
    return song, created


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


def tool_song_submission(client: SunoClient, song: Song) -> suno_types.Submission:
    """The paid call for a tool song; songs.services.song_submit guards it like any generation."""
    if song.kind == Song.Kind.UPLOAD:
        return suno_types.Submission(
            task_id=client.upload_audio_url(url=upload_source_url(song.clips.get(take=1)))
        )
    parent = song.parent_clip
    if parent is None or not parent.upstream_id:
        raise suno_errors.BadRequest("the clip this was made from no longer exists")
    source_task_id = parent.song.upstream_task_id
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
        )
    if song.kind == Song.Kind.CONCAT:
        return client.concat(clip_id=parent.upstream_id, is_infill=False)
    return client.separate_stems(
        clip_id=parent.upstream_id,
        task_id=source_task_id,
        title=song.title,
        full=song.kind == Song.Kind.STEMS_ALL,
    )


def clip_chain(clip: Clip) -> list[Clip]:
    """Original → extension → … → this clip (a whole song lists the chain it was spliced from)."""
    chain = [clip]
    seen = {clip.pk}
    current = clip
    while current.song.parent_clip_id and current.song.kind in (Song.Kind.EXTEND, Song.Kind.CONCAT):
        parent = Clip.objects.select_related("song").filter(pk=current.song.parent_clip_id).first()
        if parent is None or parent.pk in seen:
            break
        chain.append(parent)
        seen.add(parent.pk)
        current = parent
    chain.reverse()
    return chain


# --- Lyric drafts (suno-api.md §5.3) -----------------------------------------------------------------


def lyrics_draft_create(*, owner, idempotency_key: UUID, idea: str) -> tuple[LyricsDraft, bool]:
    _refuse_if_suspended(owner)
    with transaction.atomic():
        draft, created = LyricsDraft.objects.get_or_create(
            owner=owner, idempotency_key=idempotency_key, defaults={"idea": idea}
        )
        if created:
            enqueue("songs.tool_tasks.submit_lyrics", draft.pk)
    return draft, created


def lyrics_draft_submit(*, draft_id: int, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if not LyricsDraft.objects.filter(pk=draft_id, state=LyricsDraft.State.QUEUED).update(
        state=LyricsDraft.State.SUBMITTING
    ):
        return  # another run sent it: a paid call goes out once
    draft = LyricsDraft.objects.get(pk=draft_id)
    try:
        with get_client() as client:
            task_id = client.generate_lyrics(idea=draft.idea)
    except suno_errors.SunoError as error:
        logger.warning("lyrics draft %s: %s", draft_id, error)
        LyricsDraft.objects.filter(pk=draft_id).update(
            state=LyricsDraft.State.FAILED, error_message=error.user_message
        )
        return
    LyricsDraft.objects.filter(pk=draft_id).update(
        state=LyricsDraft.State.SUBMITTED, upstream_task_id=task_id, next_poll_at=now + timedelta(seconds=2)
    )
    enqueue("songs.tool_tasks.poll_tools")


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
        elif task is not None and task.is_failure:
            draft.state = LyricsDraft.State.FAILED
            draft.error_message = task.fail_reason or "The music service couldn't write these lyrics."
            draft.next_poll_at = None
        elif now - draft.created_at >= LYRICS_GIVE_UP_AFTER:
            draft.state, draft.error_message, draft.next_poll_at = (
                LyricsDraft.State.FAILED,
                LYRICS_TIMED_OUT,
                None,
            )
        else:
            draft.poll_attempts += 1
            draft.next_poll_at = now + timedelta(seconds=poll_interval(draft.poll_attempts))
        draft.save()
    return len(due)


# --- The loop's work ---------------------------------------------------------------------------------


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


# --- The creator's default model version (suno-api.md §2: chosen per request with `mv`) -----------------


def default_model_for(user) -> str:
    profile = CreatorProfile.objects.filter(user=user).first()
    if profile and profile.default_model_version:
        version = versions.get_version(profile.default_model_version)
        if version is not None and version.generate and not version.deprecated:
            return version.mv
    return settings.SUNO_DEFAULT_MODEL


def profile_set_default_model(*, user, model_version: str) -> CreatorProfile:
    profile, _ = CreatorProfile.objects.update_or_create(
        user=user, defaults={"default_model_version": model_version}
    )
    return profile
