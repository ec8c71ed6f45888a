"""Rows for the clip tools: per-clip assets (WAV, video, word timings), lyric drafts and creator profiles.

Kept apart from models.py so the clip tools grow without touching the Song/Clip module others edit; models.py
imports this module so Django registers the models under the songs app.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


def asset_media_path(asset: ClipAsset, filename: str) -> str:
    return f"clips/{asset.clip.song.owner_id}/{asset.clip_id}/{filename}"


class ClipAssetQuerySet(models.QuerySet):
    def owned_by(self, user) -> ClipAssetQuerySet:
        return self.filter(clip__song__owner=user)

    def due_for_poll(self, now: datetime) -> ClipAssetQuerySet:
        return self.filter(next_poll_at__isnull=False, next_poll_at__lte=now)


class ClipAsset(models.Model):
    """Something the upstream makes from a finished clip on request: one row per clip and kind, so a second
    click finds the first request instead of asking again."""

    class Kind(models.TextChoices):
        WAV = "wav", "WAV"
        MP4 = "mp4", "Video"
        TIMING = "timing", "Synced lyrics"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        CONVERTING = "converting", "Converting"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    clip = models.ForeignKey("songs.Clip", on_delete=models.CASCADE, related_name="assets")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    file = models.FileField(upload_to=asset_media_path, blank=True, max_length=300)
    upstream_url = models.URLField(max_length=500, blank=True)
    words = models.JSONField(default=list, blank=True)  # timing: [{"word", "start_s", "end_s"}]
    error_message = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    objects = ClipAssetQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clip", "kind"], name="clipasset_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of clip {self.clip_id}: {self.status}"

    @property
    def is_in_flight(self) -> bool:
        return self.status in (self.Status.REQUESTED, self.Status.CONVERTING)

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def file_url(self) -> str:
        if not self.file:
            return ""
        return reverse("songs:clip_asset_file", args=[self.clip_id, self.kind])


class LyricsDraftQuerySet(models.QuerySet):
    def owned_by(self, user) -> LyricsDraftQuerySet:
        return self.filter(owner=user)

    def due_for_poll(self, now: datetime) -> LyricsDraftQuerySet:
        return self.filter(state=LyricsDraft.State.SUBMITTED, next_poll_at__lte=now)


class LyricsDraft(models.Model):
    """Lyrics the upstream wrote from an idea, for the create form to pick up."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to send"
        SUBMITTING = "submitting", "Sending"
        SUBMITTED = "submitted", "Writing"
        COMPLETE = "complete", "Ready"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lyrics_drafts"
    )
    idempotency_key = models.UUIDField(default=uuid.uuid4)
    idea = models.TextField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    upstream_task_id = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    error_message = models.TextField(blank=True)
    poll_attempts = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LyricsDraftQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "idempotency_key"], name="lyricsdraft_unique_key"),
        ]

    def __str__(self) -> str:
        return f"Lyrics for {self.idea[:40]!r}: {self.state}"

    @property
    def is_in_flight(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.SUBMITTING, self.State.SUBMITTED)


class CreatorProfile(models.Model):
    """Per-creator preferences; for now the model version the create forms start from."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="studio_profile"
    )
    default_model_version = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"
