from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from moderation.models import Hideable


class PersonaQuerySet(models.QuerySet):
    def owned_by(self, user) -> PersonaQuerySet:
        return self.filter(owner=user)

    def listed_publicly(self) -> PersonaQuerySet:
        return self.filter(visibility=Persona.Visibility.PUBLIC, is_hidden=False, state=Persona.State.READY)

    def reportable(self) -> PersonaQuerySet:
        """Moderation's protocol: a listener may report what others' libraries list."""
        return self.listed_publicly().select_related("owner")

    def visible_to(self, user) -> PersonaQuerySet:
        """Mine in every state (so a failure shows its Retry), plus others' ready, unhidden public ones."""
        return self.filter(
            Q(owner=user)
            | Q(visibility=Persona.Visibility.PUBLIC, is_hidden=False, state=Persona.State.READY)
        )

    def usable_by(self, user) -> PersonaQuerySet:
        return self.visible_to(user).filter(state=Persona.State.READY).exclude(persona_id="")

    def matching(self, text: str) -> PersonaQuerySet:
        text = text.strip()
        return self.filter(name__icontains=text) if text else self

    def due_for_create(self, now: datetime) -> PersonaQuerySet:
        return self.filter(state=Persona.State.QUEUED, next_attempt_at__lte=now)


class Persona(Hideable):
    """A voice and style captured upstream from one of the creator's clips (docs/upstream.md §5.9).

    Upstream it is `persona_id` plus the `artist_clip_id` (the root clip) it was made from. Creating one is
    a paid call; using it again costs nothing extra.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to send"
        CREATING = "creating", "Creating"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private: only you"
        PUBLIC = "public", "Public: every creator here can use it"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personas")
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE, db_index=True
    )

    # What the create endpoint took: root_clip_id (our artist_clip_id), clips and is_public.
    source_clip = models.ForeignKey(
        "songs.Clip", on_delete=models.SET_NULL, null=True, blank=True, related_name="personas"
    )
    artist_clip_id = models.CharField("artist clip id (root_clip_id)", max_length=100)
    clip_ids = models.JSONField("clips sent", default=list, blank=True)
    upstream_is_public = models.BooleanField(
        "is_public sent upstream", default=False, help_text="Fixed at creation: local edits don't change it."
    )
    persona_id = models.CharField("upstream persona id", max_length=100, blank=True, db_index=True)
    # The source clip's media as the upstream reported it: the card still has a cover if the clip goes.
    image_url = models.URLField(max_length=500, blank=True)
    audio_url = models.URLField(max_length=500, blank=True)

    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED, db_index=True)
    error_message = models.TextField(blank=True)
    # The charge for the current attempt (accounts.paid): a Retry charges a new one.
    paid_request = models.ForeignKey(
        "accounts.PaidRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    create_attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    creating_since = models.DateTimeField(null=True, blank=True)

    hidden_reason = models.CharField(max_length=300, blank=True)  # narrower than Hideable's: shown on cards

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    objects = PersonaQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"], name="persona_unique_idempotency_key"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("personas:library") + f"#persona-{self.pk}"

    def get_public_url(self) -> str:
        return self.get_absolute_url()

    @property
    def is_ready(self) -> bool:
        return self.state == self.State.READY

    @property
    def is_failed(self) -> bool:
        return self.state == self.State.FAILED

    @property
    def is_in_flight(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.CREATING)

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    def _archived(self, kind: str) -> bool:
        clip = self.source_clip
        return bool(clip and (clip.audio_file if kind == "audio" else clip.image_file))

    @property
    def cover_url(self) -> str:
        """Through the persona's own media URL, which checks the persona's visibility (the clip's URL is
        owner-only); the upstream's public CDN URL until the clip is archived."""
        if self._archived("image"):
            return reverse("personas:persona_media", args=[self.pk, "image"])
        return self.image_url or (self.source_clip.image_url if self.source_clip else "")

    @property
    def playable_url(self) -> str:
        if self._archived("audio"):
            return reverse("personas:persona_media", args=[self.pk, "audio"])
        return self.audio_url or (self.source_clip.audio_url if self.source_clip else "")
