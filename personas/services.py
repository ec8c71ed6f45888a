"""Writes for personas. Creating one is a paid upstream call, so it runs once, in a job, guarded like
song submission: an idempotency key on the row, a conditional UPDATE on its state, and the studio's
paid-call policy (sunostudio.paid_calls) for what is resent and what the creator reads.
"""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts import paid
from accounts.errors import NotCharged
from accounts.models import Action
from moderation.services import refuse_if_suspended
from songs.models import Clip
from suno import errors as suno_errors
from sunostudio import paid_calls
from sunostudio.jobs import enqueue
from sunostudio.upstream import get_client

from .models import Persona

logger = logging.getLogger(__name__)


def persona_create(
    *, owner, clip: Clip, idempotency_key: UUID, name: str, description: str, visibility: str
) -> tuple[Persona, bool]:
    """Save the persona and queue its one upstream call; a double click finds the same row."""
    if clip.song.owner_id != owner.pk or not clip.is_complete or not clip.upstream_id:
        raise ValueError("a persona is made from one of the owner's own complete clips")
    refuse_if_suspended(user=owner, doing="make personas")  # a paid call, like a new song
    with transaction.atomic():
        persona, created = Persona.objects.get_or_create(
            owner=owner,
            idempotency_key=idempotency_key,
            defaults={
                "name": name,
                "description": description,
                "visibility": visibility,
                "source_clip": clip,
                "artist_clip_id": clip.upstream_id,
                "clip_ids": [clip.upstream_id],
                "upstream_is_public": visibility == Persona.Visibility.PUBLIC,
                "image_url": clip.image_url,
                "audio_url": clip.audio_url if clip.is_complete else "",
            },
        )
        if created:
            _charge(persona)
            enqueue("personas.tasks.create_persona", persona.pk)
    return persona, created


def _charge(persona: Persona) -> None:
    """In the transaction that saves (or re-queues) the persona: no credits, no persona."""
    request = paid.charge(
        user=persona.owner,
        action=Action.PERSONA,
        subject=f"Persona: {persona.name}",
        subject_url=persona.get_absolute_url(),
    )
    Persona.objects.filter(pk=persona.pk).update(paid_request=request)


def persona_submit(*, persona_id: int, now: datetime | None = None) -> None:
    now = now or timezone.now()
    # Exactly one run moves QUEUED -> CREATING, so a job that runs twice makes one paid call.
    claimed = Persona.objects.filter(
        pk=persona_id, state=Persona.State.QUEUED, next_attempt_at__lte=now
    ).update(state=Persona.State.CREATING, creating_since=now)
    if not claimed:
        return
    persona = Persona.objects.get(pk=persona_id)
    try:
        # paid: sunostudio.paid_calls spaces resends, so the client makes one attempt
        with paid.sending(persona.paid_request_id), get_client(max_attempts=1) as client:
            created = client.create_persona(
                root_clip_id=persona.artist_clip_id,
                name=persona.name,
                description=persona.description,
                is_public=persona.upstream_is_public,
                clips=persona.clip_ids or [persona.artist_clip_id],
            )
    except NotCharged as refusal:
        _persona_fail(persona, reason=refusal.user_message, attempts=persona.create_attempts)
        return
    except suno_errors.SunoError as error:
        _persona_create_failed(persona, error, now=now)
        return
    paid.settle(persona.paid_request_id, now=now)
    source = created.clip
    Persona.objects.filter(pk=persona.pk, state=Persona.State.CREATING).update(
        state=Persona.State.READY,
        persona_id=created.id,
        artist_clip_id=created.root_clip_id or persona.artist_clip_id,
        image_url=(source.image_url if source else "") or persona.image_url,
        audio_url=(source.audio_url if source and source.is_complete else "") or persona.audio_url,
        error_message="",
        create_attempts=F("create_attempts") + 1,
        ready_at=now,
    )


def _persona_create_failed(persona: Persona, error: suno_errors.SunoError, *, now: datetime) -> None:
    logger.warning("create of persona %s failed: %s", persona.pk, error)
    attempts = persona.create_attempts + 1
    if paid_calls.should_resend(error, attempts=attempts):
        delay = paid_calls.resend_delay(error, attempts=attempts)
        Persona.objects.filter(pk=persona.pk, state=Persona.State.CREATING).update(
            state=Persona.State.QUEUED,
            create_attempts=attempts,
            next_attempt_at=now + delay,
            error_message=paid_calls.waiting_message(error, attempts=attempts, delay=delay),
        )
        return
    _persona_fail(
        persona, reason=paid_calls.failure_reason(error, attempts=attempts), attempts=attempts, error=error
    )


def _persona_fail(
    persona: Persona,
    *,
    reason: str,
    attempts: int,
    error: suno_errors.SunoError | None = None,
    unconfirmed: bool = False,
) -> None:
    """Refunded, or held for staff review when the upstream may have made it."""
    with transaction.atomic():
        Persona.objects.filter(pk=persona.pk, state=Persona.State.CREATING).update(
            state=Persona.State.FAILED, create_attempts=attempts, error_message=reason
        )
        paid.failed(persona.paid_request_id, reason=reason, error=error, unconfirmed=unconfirmed)


def persona_retry(*, persona: Persona) -> bool:
    """The creator's Retry on a failed persona: a new paid call, sent once however often it's pressed."""
    with transaction.atomic():
        moved = Persona.objects.filter(pk=persona.pk, state=Persona.State.FAILED).update(
            state=Persona.State.QUEUED, error_message="", create_attempts=0, next_attempt_at=timezone.now()
        )
        if moved:
            _charge(persona)  # a new paid call
            enqueue("personas.tasks.create_persona", persona.pk)
    return bool(moved)


def persona_update(*, persona: Persona, name: str, description: str, visibility: str) -> Persona:
    """Local only: the upstream has no endpoint to rename a persona, so it keeps what it was created with."""
    persona.name = name
    persona.description = description
    persona.visibility = visibility
    persona.save(update_fields=["name", "description", "visibility", "updated_at"])
    return persona


def persona_delete(*, persona: Persona) -> None:
    """Songs made with it keep its name and upstream ids (copied onto the song); their FK goes to NULL."""
    persona.delete()


def personas_sweep(*, now: datetime | None = None) -> None:
    """Find what lost jobs left: queued personas nobody sent, and sends a killed worker never finished."""
    now = now or timezone.now()
    for persona_id in Persona.objects.due_for_create(now).values_list("pk", flat=True)[:50]:
        persona_submit(persona_id=persona_id, now=now)
    stuck = Persona.objects.filter(
        state=Persona.State.CREATING, creating_since__lt=now - paid_calls.SUBMITTING_STUCK_AFTER
    )
    for persona in stuck:
        _persona_fail(
            persona, reason=paid_calls.UNCONFIRMED_SUBMIT, attempts=persona.create_attempts, unconfirmed=True
        )
