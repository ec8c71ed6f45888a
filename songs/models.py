from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Action
from moderation.models import Hideable

# The Library's full-text search on PostgreSQL: the GIN index song_search (migration 0016) is on exactly this
# expression, and songs.selectors matches against exactly this text, or the planner can't use the index.
# 'simple': no stemming and no stop words, so a title like "The The" or a word in any language is found.
# Columns are unqualified: the page's ids are picked in a subquery, where Django renames the table (U0).
SONG_SEARCH_VECTOR = (
    "to_tsvector('simple', title || ' ' || tags || ' ' || persona_name || ' ' || description"
    " || ' ' || lyrics)"
)


class SongQuerySet(models.QuerySet):
    def owned_by(self, user) -> SongQuerySet:
        return self.filter(owner=user)

    def visible(self) -> SongQuerySet:
        """Not hidden by a moderator."""
        return self.filter(is_hidden=False)

    def public(self) -> SongQuerySet:
        """Shared by its creator, not hidden and not in Trash: what anyone, logged in or not, may see."""
        return self.visible().filter(is_public=True, trashed_at__isnull=True)

    def in_library(self) -> SongQuerySet:
        """Out of Trash: the songs the Library lists (index song_owner_library)."""
        return self.filter(trashed_at__isnull=True)

    def trashed(self) -> SongQuerySet:
        return self.filter(trashed_at__isnull=False)

    def due_for_submit(self, now: datetime) -> SongQuerySet:
        return self.filter(state=Song.State.QUEUED, next_submit_at__lte=now)

    def reportable(self) -> SongQuerySet:
        """What a listener may report (moderation's protocol): what they can see on a public page."""
        return self.public()

    def persona_history_visible_to(self, user) -> SongQuerySet:
        """Songs a persona card may list for `user`: their own, plus others' public, unhidden ones; none
        from Trash."""
        return self.filter(Q(owner=user) | Q(is_public=True, is_hidden=False), trashed_at__isnull=True)


class Song(Hideable):
    """The creator's request: the full recipe, kept forever."""

    class Kind(models.TextChoices):
        CUSTOM = "custom", "Custom lyrics"
        DESCRIPTION = "description", "From a description"
        # Made from a clip (extend, whole song, stems) or a file: each is a Song whose takes poll like any
        # generation.
        EXTEND = "extend", "Extension"
        CONCAT = "concat", "Whole song"
        STEMS_ALL = "stems_all", "All stems"
        STEMS_TWO = "stems_two", "Vocals and instrumental"
        UPLOAD = "upload", "Uploaded audio"
        COVER = "cover", "Cover"
        INFILL = "infill", "Replaced section"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to send"
        SUBMITTING = "submitting", "Sending"
        SUBMITTED = "submitted", "Sent"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="songs")
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CUSTOM)
    title = models.CharField(max_length=100, blank=True)
    lyrics = models.TextField(blank=True)
    tags = models.CharField("style tags", max_length=1000, blank=True)
    negative_tags = models.CharField("excluded styles", max_length=1000, blank=True)
    model_version = models.CharField(max_length=40)
    instrumental = models.BooleanField(default=False)
    description = models.TextField("description prompt", blank=True)
    # Clip tools: the clip this song extends, splices or separates, and where an extension continues from.
    parent_clip = models.ForeignKey(
        "songs.Clip", on_delete=models.SET_NULL, null=True, blank=True, related_name="derived_songs"
    )
    continue_at = models.FloatField(null=True, blank=True)
    # Replace section: the window of the parent clip that the new takes sing again (seconds).
    infill_start_s = models.FloatField(null=True, blank=True)
    infill_end_s = models.FloatField(null=True, blank=True)
    # A song's family: the original everything else was made from (NULL on the original itself), set when a
    # derived song is created so the Library can group a family with one query.
    family_root = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="family_members"
    )
    # "Fork": the song whose recipe this one copied with a field changed (its page shows the difference).
    forked_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="forks"
    )
    # More options: metadata.control_sliders as sent (each 0..1, keys in suno.versions.CONTROL_SLIDERS) and
    # metadata.vocal_gender ("f" or "m"), kept in the recipe.
    control_sliders = models.JSONField(default=dict, blank=True)
    vocal_gender = models.CharField(
        max_length=1, blank=True, choices=[("f", "Female"), ("m", "Male")], default=""
    )
    # A/B: the take the creator kept (1 or 2), or none yet.
    preferred_take = models.PositiveSmallIntegerField(null=True, blank=True)
    # Made with a persona: the name and upstream ids are copied here, so a song still says which persona
    # it used after the persona is deleted (the FK then goes to NULL).
    persona = models.ForeignKey(
        "personas.Persona", on_delete=models.SET_NULL, null=True, blank=True, related_name="songs"
    )
    persona_name = models.CharField(max_length=80, blank=True)
    persona_upstream_id = models.CharField("upstream persona id", max_length=100, blank=True)
    persona_artist_clip_id = models.CharField(max_length=100, blank=True)

    upstream_task_id = models.CharField(max_length=100, blank=True, db_index=True)
    upstream_batch_id = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED, db_index=True)
    error_message = models.TextField(blank=True)
    # The charge for the current attempt (accounts.paid): a Retry charges a new one.
    paid_request = models.ForeignKey(
        "accounts.PaidRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submit_attempts = models.PositiveSmallIntegerField(default=0)
    next_submit_at = models.DateTimeField(default=timezone.now)
    submitting_since = models.DateTimeField(null=True, blank=True)

    is_public = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    play_count = models.PositiveIntegerField(default=0)  # sum of its clips' counted plays, for Explore
    is_liked = models.BooleanField("liked", default=False)  # the creator's own favourite mark
    trashed_at = models.DateTimeField(null=True, blank=True)  # in the creator's Trash since then

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = SongQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "idempotency_key"], name="song_unique_idempotency_key"),
        ]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="song_owner_created"),
            # The Library: the creator's songs out of Trash, newest first, a page by LIMIT/OFFSET. Partial,
            # so the page reads its twenty entries in order: with `trashed_at` as a column, PostgreSQL
            # can't take `IS NULL` as an equality and sorted the whole library for every page. It also
            # keeps each song's family original, so the COUNT and the OFFSET (one row per family) read
            # the index alone (SQLite ignores `include`).
            models.Index(
                fields=["owner", "-created_at", "-id"],
                include=["family_root"],
                condition=Q(trashed_at__isnull=True),
                name="song_owner_library",
            ),
            # Trash, and the trashed originals the Library's families look up.
            models.Index(
                fields=["owner", "-created_at", "-id"],
                condition=Q(trashed_at__isnull=False),
                name="song_owner_trash",
            ),
            # The Library's persona filter lists the names a creator's songs were sung with.
            models.Index(
                fields=["owner", "persona_name"], condition=~Q(persona_name=""), name="song_owner_persona"
            ),
            models.Index(fields=["is_public", "is_hidden", "-published_at"], name="song_public_newest"),
            models.Index(fields=["is_public", "is_hidden", "-play_count"], name="song_public_most_played"),
        ]

    def __str__(self) -> str:
        return self.display_title

    def get_absolute_url(self) -> str:
        return reverse("songs:song_detail", args=[self.pk])

    def get_share_url(self) -> str:
        return reverse("public:song_share", args=[self.pk])

    def get_public_url(self) -> str:
        return self.get_share_url()

    @property
    def is_listed(self) -> bool:
        return self.is_public and not self.is_hidden and self.trashed_at is None

    @property
    def is_trashed(self) -> bool:
        return self.trashed_at is not None

    @property
    def has_complete_clip(self) -> bool:
        return any(clip.is_complete for clip in self.clips.all())

    @property
    def display_title(self) -> str:
        return self.title_from(self.title, self.description)

    @staticmethod
    def title_from(title: str, description: str) -> str:
        """The name shown for a song: its title, else the start of its description (the Library's rows
        work it out from plain values)."""
        return title or (description[:60] if description else "") or "Untitled song"

    @property
    def is_stem_set(self) -> bool:
        """Its takes are the parts of one take (vocals, drums…), not alternatives: its page is a mixer."""
        return self.kind in (self.Kind.STEMS_ALL, self.Kind.STEMS_TWO)

    @property
    def is_sending(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.SUBMITTING)

    @property
    def is_in_flight(self) -> bool:
        """Uses the prefetched clips when the caller prefetched them (the library page does)."""
        return self.is_sending or any(not clip.is_terminal for clip in self.clips.all())

    @property
    def paid_action(self) -> str:
        """What sending this song costs (accounts.models.Action)."""
        return {
            self.Kind.EXTEND: Action.EXTEND,
            self.Kind.CONCAT: Action.CONCAT,
            self.Kind.STEMS_ALL: Action.STEMS,
            self.Kind.STEMS_TWO: Action.STEMS,
            self.Kind.UPLOAD: Action.UPLOAD,
            self.Kind.COVER: Action.COVER,
            self.Kind.INFILL: Action.REPLACE,
        }.get(self.kind, Action.GENERATE)  # custom, description, persona: a generation

    @property
    def can_retry(self) -> bool:
        """Retry sends the recipe again: only when nothing came of it (every take failed)."""
        if self.state == self.State.FAILED:
            return True
        clips = list(self.clips.all())
        return self.state == self.State.SUBMITTED and bool(clips) and all(c.is_failed for c in clips)

    @property
    def infill_window_display(self) -> str:
        """A replaced section's window as m:ss–m:ss ("0:42–1:05"), floored as players show times."""
        if self.infill_start_s is None or self.infill_end_s is None:
            return ""
        return "–".join(f"{int(s) // 60}:{int(s) % 60:02d}" for s in (self.infill_start_s, self.infill_end_s))

    @property
    def retry_take(self) -> int | None:
        """The take whose card offers Retry, so a song shows one Retry, not one per failed card: the take
        that failed last (the others stopped refreshing before Retry was possible), the highest on a tie."""
        if not self.can_retry:
            return None
        clips = [clip for clip in self.clips.all() if clip.is_failed]
        if not clips:
            return None
        epoch = timezone.now().replace(year=1970)
        return max(clips, key=lambda clip: (clip.completed_at or epoch, clip.take)).take

    @property
    def excluded_styles_ignored(self) -> bool:
        """A relay that keeps only the fields it knows drops negative_tags (docs/upstream.md §11): the
        finished takes' metadata then comes back without them."""
        if not self.negative_tags:
            return False
        finished = [clip for clip in self.clips.all() if clip.is_complete and clip.metadata]
        return bool(finished) and all(not clip.metadata.get("negative_tags") for clip in finished)

    def recipe(self) -> dict:
        fields = [
            "kind",
            "title",
            "lyrics",
            "tags",
            "negative_tags",
            "model_version",
            "instrumental",
            "description",
            "control_sliders",
            "vocal_gender",
        ]
        return {name: getattr(self, name) for name in fields}

    MORE_OPTIONS_LABELS = {
        "weirdness_constraint": "Weirdness",
        "style_weight": "Style influence",
        "audio_weight": "Audio influence",
    }

    def more_options_display(self) -> list[tuple[str, str]]:
        """The recipe's More options as the song page shows them: 0–100, as the creator set them."""
        sliders = self.control_sliders or {}
        shown = [
            (label, str(round(float(sliders[key]) * 100)))
            for key, label in self.MORE_OPTIONS_LABELS.items()
            if isinstance(sliders.get(key), int | float)
        ]
        if self.vocal_gender:
            shown.append(("Vocal gender", self.get_vocal_gender_display()))
        return shown


class ClipQuerySet(models.QuerySet):
    def owned_by(self, user) -> ClipQuerySet:
        return self.filter(song__owner=user)

    def in_flight(self) -> ClipQuerySet:
        return self.filter(status__in=Clip.IN_FLIGHT_STATUSES, next_poll_at__isnull=False)

    def visible(self) -> ClipQuerySet:
        return self.filter(is_hidden=False)

    def complete(self) -> ClipQuerySet:
        return self.filter(status=Clip.Status.COMPLETE)

    def public(self) -> ClipQuerySet:
        """Finished takes of public, unhidden songs out of Trash that aren't hidden themselves."""
        return (
            self.visible()
            .complete()
            .filter(song__is_public=True, song__is_hidden=False, song__trashed_at__isnull=True)
        )

    def reportable(self) -> ClipQuerySet:
        return self.public().select_related("song__owner")

    def due_for_poll(self, now: datetime) -> ClipQuerySet:
        return self.in_flight().filter(next_poll_at__lte=now)

    def stuck(self, now: datetime) -> ClipQuerySet:
        limit = timedelta(minutes=settings.SUNO_CLIP_TIMEOUT_MINUTES)
        return self.in_flight().filter(polling_since__lt=now - limit)

    def archive_claimable(self, now: datetime) -> ClipQuerySet:
        """Complete, a file still missing, and no run holds an unexpired claim (songs/archive.py)."""
        return (
            self.filter(status=Clip.Status.COMPLETE)
            .filter(Q(audio_file="") | Q(image_file=""))
            .filter(Q(archive_lease_until__isnull=True) | Q(archive_lease_until__lte=now))
        )

    def due_for_archive(self, now: datetime) -> ClipQuerySet:
        return self.archive_claimable(now).filter(next_archive_at__isnull=False, next_archive_at__lte=now)

    def archive_given_up(self) -> ClipQuerySet:
        """Complete with no archived audio and no retry planned: refused by a rule, or out of attempts."""
        return self.filter(status=Clip.Status.COMPLETE, audio_file="", next_archive_at__isnull=True)


def clip_media_path(clip: Clip, filename: str) -> str:
    return f"clips/{clip.song.owner_id}/{clip.pk}/{filename}"


class Clip(Hideable):
    """One upstream clip. Status uses the upstream's words and only moves forward."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        QUEUED = "queued", "Queued"
        STREAMING = "streaming", "Streaming"
        COMPLETE = "complete", "Complete"
        ERROR = "error", "Failed"

    IN_FLIGHT_STATUSES = (Status.SUBMITTED, Status.QUEUED, Status.STREAMING)
    STATUS_ORDER = {
        Status.SUBMITTED: 0,
        Status.QUEUED: 1,
        Status.STREAMING: 2,
        Status.COMPLETE: 3,
        Status.ERROR: 3,
    }

    song = models.ForeignKey(Song, on_delete=models.CASCADE, related_name="clips")
    take = models.PositiveSmallIntegerField(default=1)
    upstream_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    # The relay task that made this take. The relay refuses to continue a clip (extend, replace section,
    # stems…) without it, and refuses a task it didn't create, so a take from /suno/generate (a persona's
    # native batch) has none: docs/upstream.md §11.
    upstream_task_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    title = models.CharField(max_length=200, blank=True)
    audio_url = models.URLField(max_length=500, blank=True)
    video_url = models.URLField(max_length=500, blank=True)
    image_url = models.URLField(max_length=500, blank=True)
    duration = models.FloatField(null=True, blank=True)
    model_name = models.CharField(max_length=40, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    error_message = models.TextField(blank=True)

    audio_file = models.FileField(upload_to=clip_media_path, blank=True, max_length=300)
    image_file = models.FileField(upload_to=clip_media_path, blank=True, max_length=300)
    archive_attempts = models.PositiveSmallIntegerField(default=0)
    next_archive_at = models.DateTimeField(null=True, blank=True)
    archive_error = models.CharField(max_length=300, blank=True)
    archive_lease_until = models.DateTimeField(null=True, blank=True)  # an archive run's claim

    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    poll_attempts = models.PositiveIntegerField(default=0)
    polling_since = models.DateTimeField(null=True, blank=True)

    play_count = models.PositiveIntegerField(default=0)
    # The waveform: peak levels 0..1, computed once by the worker when the audio is archived (the browser
    # never decodes a whole file to draw it). Lists leave it out (.defer): it is a few KB a clip.
    peaks = models.JSONField(default=list, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = ClipQuerySet.as_manager()

    class Meta:
        ordering = ["song", "take"]
        constraints = [models.UniqueConstraint(fields=["song", "take"], name="clip_unique_take")]

    def __str__(self) -> str:
        return f"{self.song.display_title} - take {self.take}"

    def get_absolute_url(self) -> str:
        return reverse("songs:song_detail", args=[self.song_id]) + f"#clip-{self.pk}"

    def get_public_url(self) -> str:
        return reverse("public:song_share", args=[self.song_id]) + f"#clip-{self.pk}"

    @property
    def owner(self):
        return self.song.owner

    @property
    def is_terminal(self) -> bool:
        return self.status in (self.Status.COMPLETE, self.Status.ERROR)

    @property
    def is_complete(self) -> bool:
        return self.status == self.Status.COMPLETE

    @property
    def needs_refresh(self) -> bool:
        """The card keeps polling while in flight, and once more until the first archive attempt lands
        (so the download link appears without a reload)."""
        if not self.is_terminal:
            return True
        return self.is_complete and self.next_archive_at is not None and self.archive_attempts == 0

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.ERROR

    @property
    def is_archive_given_up(self) -> bool:
        """No copy of the audio is coming (the card says why, instead of "Saving a copy…" forever)."""
        return self.is_complete and not self.audio_file and self.next_archive_at is None

    @property
    def can_continue(self) -> bool:
        """Extend, replace section and stems need the relay task that made the take (continue_clip_id);
        a cover names its source by cover_clip_id, outside the relay's task_id rule (§11)."""
        return self.is_complete and bool(self.upstream_id) and bool(self.upstream_task_id)

    @property
    def playable_url(self) -> str:
        """Our archived copy once we have it; the upstream's URL (stream or CDN) until then."""
        if self.audio_file:
            return reverse("songs:clip_media", args=[self.pk, "audio"])
        return self.audio_url

    @property
    def cover_url(self) -> str:
        if self.image_file:
            return reverse("songs:clip_media", args=[self.pk, "image"])
        return self.image_url

    @property
    def public_audio_url(self) -> str:
        """Public pages serve only our archived copy, through the URL that checks the song is still public."""
        if self.audio_file:
            return reverse("public:clip_media", args=[self.pk, "audio"])
        return ""

    @property
    def public_cover_url(self) -> str:
        if self.image_file:
            return reverse("public:clip_media", args=[self.pk, "image"])
        return ""

    @property
    def download_name(self) -> str:
        title = self.title or self.song.display_title
        safe = "".join(ch for ch in title if ch.isalnum() or ch in " -_.,()'&!").strip() or "Untitled"
        return f"{safe} - take {self.take}"

    @property
    def progress_steps(self) -> list[tuple[str, str]]:
        """(label, "done" | "current" | "") for the card's four steps."""
        reached = self.STATUS_ORDER.get(self.status, 0)
        steps = []
        for index, label in enumerate(("Submitted", "Queued", "Streaming", "Complete")):
            done = index < reached or (index == reached and self.is_complete)
            steps.append((label, "done" if done else ("current" if index == reached else "")))
        return steps

    @property
    def stem_name(self) -> str:
        """A stem's part ("Vocals", "Drums"): stems come titled "<title> - <Stem>" (docs/upstream.md §5.7)."""
        title = self.title or ""
        if " - " in title:
            return title.rsplit(" - ", 1)[1].strip() or f"Stem {self.take}"
        return title or f"Stem {self.take}"

    @property
    def duration_display(self) -> str:
        if not self.duration:
            return ""
        minutes, seconds = divmod(int(self.duration), 60)  # players floor too: 28.9 s shows as 0:28
        return f"{minutes}:{seconds:02d}"

    def mark_failed(self, reason: str, *, now: datetime | None = None) -> None:
        if self.is_terminal:
            return
        self.status = self.Status.ERROR
        self.error_message = reason
        self.next_poll_at = None
        self.completed_at = now or timezone.now()
        self.save(update_fields=["status", "error_message", "next_poll_at", "completed_at", "updated_at"])


class ClipPlay(models.Model):
    """One counted play: a listener (user id, or a hash of the address) per clip per hour.

    The unique constraint is the deduplication: a second play in the same hour, or any number of Range
    requests for the same file, never add a row.
    """

    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="plays")
    listener_key = models.CharField(max_length=64)
    hour = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clip", "listener_key", "hour"], name="clipplay_once_per_hour"),
        ]

    def __str__(self) -> str:
        return f"{self.clip_id} by {self.listener_key[:8]} at {self.hour:%Y-%m-%d %H:00}"


class PollLease(models.Model):
    """One row per background loop: the holder runs the loop, others return at once.

    The holder renews it every tick, so it runs out seconds after its worker was killed; the next loop
    to start takes it over (songs/tasks.py says who starts one). Holder "starting": a restart was asked
    for, and no loop holds it yet.
    """

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=100, blank=True)
    expires_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder or 'nobody'} until {self.expires_at:%H:%M:%S}"


# --- What the upstream makes from a finished clip, lyric drafts, the creator's preferences ------------


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
    # Some gateways answer act/wav with a task id; that task's result holds the URL (docs/upstream.md §11).
    upstream_task_id = models.CharField(max_length=100, blank=True)
    words = models.JSONField(default=list, blank=True)  # timing: [{"word", "start_s", "end_s"}]
    error_message = models.TextField(blank=True)
    # The charge for the current attempt (accounts.paid): a Retry charges a new one.
    paid_request = models.ForeignKey(
        "accounts.PaidRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
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
    # The charge for the current attempt (accounts.paid): a Retry charges a new one.
    paid_request = models.ForeignKey(
        "accounts.PaidRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
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


class CreateDraft(models.Model):
    """What the creator last typed in the create form, saved a few seconds after typing stops and
    restored on their next visit: one per creator, gone once the song is generated."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="create_draft"
    )
    fields = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Draft of {self.owner}"


class StyleEnhancementQuerySet(models.QuerySet):
    def owned_by(self, user) -> StyleEnhancementQuerySet:
        return self.filter(owner=user)


class StyleEnhancement(models.Model):
    """The create form's "Enhance style": the creator's style tags rewritten by the upstream's free style
    enhancer (POST /suno/act/tags), asked by a job and read by the form's polling partial."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to send"
        SENDING = "sending", "Asking"
        COMPLETE = "complete", "Ready"
        FAILED = "failed", "Failed"

    # A job that never ran (a lost task) leaves the row in flight; the partial stops asking after this.
    GIVE_UP_AFTER = timedelta(minutes=1)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="style_enhancements"
    )
    original = models.CharField(max_length=1000)
    enhanced = models.CharField(max_length=1000, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = StyleEnhancementQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Enhance {self.original[:40]!r}: {self.state}"

    @property
    def is_in_flight(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.SENDING) and not self.is_given_up

    @property
    def is_given_up(self) -> bool:
        in_flight = self.state in (self.State.QUEUED, self.State.SENDING)
        return in_flight and timezone.now() - self.created_at > self.GIVE_UP_AFTER


class CreatorProfile(models.Model):
    """Per-creator preferences; for now the model version the create forms start from."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="studio_profile"
    )
    default_model_version = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"


# --- The model catalogue: which Suno versions the studio offers, edited by the operator in the admin ---


class ModelVersion(models.Model):
    """One Suno model version (`mv`). Suno's line moves every few months and resellers enable versions on
    their own schedule, so the catalogue is data: seeded from suno.versions, then the operator's."""

    mv = models.CharField(
        "mv", max_length=40, unique=True, help_text="The value sent upstream, e.g. chirp-crow."
    )
    label = models.CharField(max_length=60, help_text="What creators see, e.g. v5.")
    note = models.CharField(
        max_length=200,
        blank=True,
        help_text="Shown to staff only, e.g. “newest; not yet confirmed on ElkAPI”.",
    )
    lyrics_max = models.PositiveIntegerField("lyrics limit", default=3000)
    tags_max = models.PositiveIntegerField("style limit", default=200)
    negative_tags_max = models.PositiveIntegerField("excluded styles limit", default=1000)
    description_max = models.PositiveIntegerField("description limit", default=500)
    title_max = models.PositiveIntegerField("title limit", default=80)
    max_length = models.CharField("longest song", max_length=20, blank=True)
    can_generate = models.BooleanField("generate", default=True)
    can_extend = models.BooleanField("extend", default=True)
    can_persona = models.BooleanField("persona", default=False, help_text="Accepted with a persona.")
    can_cover = models.BooleanField("cover", default=False)
    can_stems = models.BooleanField("stems", default=False)
    is_enabled = models.BooleanField("enabled", default=True, help_text="Untick to stop offering it.")
    is_default = models.BooleanField("default", default=False, help_text="New songs start with it.")
    sort_order = models.IntegerField(default=0, help_text="Lower comes first; newest first reads best.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "mv"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="modelversion_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.mv})"

    @property
    def choice_label(self) -> str:
        return f"{self.label} ({self.mv})"
