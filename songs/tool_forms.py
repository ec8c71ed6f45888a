"""Forms for the clip tools: validation and per-version choices only; the services in songs/tools.py save."""

from __future__ import annotations

import io
import uuid

import mutagen
from django import forms
from django.conf import settings

from suno import versions

from .models import Clip, Song

UPLOAD_MAX_BYTES = 20 * 1024 * 1024
UPLOAD_MAX_SECONDS = 8 * 60
# Sniffed from the first bytes, never from the file name or the browser's claimed type.
AUDIO_SIGNATURES = (
    ("mp3", lambda head: head[:3] == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0)),
    ("wav", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WAVE"),
    ("flac", lambda head: head[:4] == b"fLaC"),
    ("ogg", lambda head: head[:4] == b"OggS"),
    ("m4a", lambda head: head[4:8] == b"ftyp"),
)


def extend_version_choices() -> list[tuple[str, str]]:
    return [(v.mv, f"{v.label} ({v.mv})") for v in versions.generation_versions() if v.extend]


def seconds_display(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


class ExtendForm(forms.Form):
    continue_at = forms.FloatField(
        label="Continue from (seconds)",
        min_value=0,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    title = forms.CharField(max_length=versions.TITLE_MAX, required=False)
    lyrics = forms.CharField(
        label="Lyrics for the continuation", widget=forms.Textarea(attrs={"rows": 6}), strip=False
    )
    tags = forms.CharField(label="Style tags", required=False)
    model_version = forms.ChoiceField(label="Model version", choices=extend_version_choices)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, parent: Clip, default_model: str = "", **kwargs):
        self.parent = parent
        song = parent.song
        offered = dict(extend_version_choices())
        model = song.model_version if song.model_version in offered else default_model
        if model not in offered:
            model = settings.SUNO_DEFAULT_MODEL
        kwargs["initial"] = {
            "idempotency_key": uuid.uuid4(),
            "title": song.title or parent.title,
            "tags": song.tags,  # the continuation keeps the parent's style unless the creator changes it
            "model_version": model,
            **(kwargs.get("initial") or {}),
        }
        super().__init__(*args, **kwargs)
        if parent.duration:
            self.fields["continue_at"].widget.attrs["max"] = f"{parent.duration:.2f}"
        self.fields["lyrics"].widget.attrs["placeholder"] = "[Verse]\nWhere the song goes next…"

    def clean_continue_at(self) -> float:
        value = self.cleaned_data["continue_at"]
        duration = self.parent.duration
        if value <= 0:
            raise forms.ValidationError("Pick a point after the start of the take.")
        if duration and value > duration:
            raise forms.ValidationError(
                f"This take is {seconds_display(duration)} long ({duration:.2f} s): pick a point within it."
            )
        return round(value, 2)

    def clean(self):
        data = super().clean()
        version = versions.get_version(data.get("model_version") or "")
        if version is not None:
            for name, limit in (("lyrics", version.prompt_max), ("tags", version.tags_max)):
                if len(data.get(name) or "") > limit:
                    self.add_error(name, f"{version.label} takes at most {limit:,} characters here.")
        if "lyrics" in data and not data["lyrics"].strip():
            self.add_error("lyrics", "Write the lyrics the continuation should sing.")
        return data

    def recipe(self) -> dict:
        data = self.cleaned_data
        return {
            "continue_at": data["continue_at"],
            "title": (data["title"] or "").strip() or self.parent.song.title,
            "lyrics": data["lyrics"].strip(),
            "tags": (data["tags"] or "").strip(),
            "model_version": data["model_version"],
        }


class UploadForm(forms.Form):
    audio = forms.FileField(
        label="Audio file", help_text="MP3, WAV, FLAC, OGG or M4A, up to 20 MB and 8 minutes."
    )
    title = forms.CharField(max_length=versions.TITLE_MAX, required=False)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def clean_audio(self):
        audio = self.cleaned_data["audio"]
        if audio.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"This file is {audio.size / 1024 / 1024:.1f} MB; "
                f"the limit is {UPLOAD_MAX_BYTES // 1024 // 1024} MB."
            )
        audio.seek(0)
        head = audio.read(16)
        extension = next((ext for ext, test in AUDIO_SIGNATURES if len(head) >= 12 and test(head)), None)
        if extension is None:
            raise forms.ValidationError(
                "This doesn't look like an audio file. Upload an MP3, WAV, FLAC, OGG or M4A."
            )
        audio.seek(0)
        try:
            parsed = mutagen.File(io.BytesIO(audio.read()))
        except Exception:  # a damaged file can trip any of mutagen's parsers
            parsed = None
        duration = getattr(getattr(parsed, "info", None), "length", 0) or 0
        if duration <= 0:
            raise forms.ValidationError(
                "We couldn't read this audio file. It may be damaged; try another one."
            )
        if duration > UPLOAD_MAX_SECONDS:
            raise forms.ValidationError(f"This audio is {seconds_display(duration)} long; the limit is 8:00.")
        audio.seek(0)
        self.audio_extension = extension
        self.audio_duration = round(float(duration), 2)
        return audio

    def upload_title(self) -> str:
        title = (self.cleaned_data.get("title") or "").strip()
        if title:
            return title
        name = self.cleaned_data["audio"].name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        return name[: versions.TITLE_MAX] or "Uploaded audio"


EMPTY_IDEA = "Describe an idea first, e.g. “a lighthouse keeper's last night”."


class LyricsIdeaForm(forms.Form):
    lyrics_idea = forms.CharField(
        max_length=versions.LYRICS_IDEA_MAX, error_messages={"required": EMPTY_IDEA}
    )
    lyrics_key = forms.UUIDField()


def profile_version_choices() -> list[tuple[str, str]]:
    return [(v.mv, f"{v.label} ({v.mv}), up to {v.max_length}") for v in versions.generation_versions()]


class ProfileForm(forms.Form):
    default_model_version = forms.ChoiceField(label="Default model version", choices=profile_version_choices)


STEM_KINDS = {"all": Song.Kind.STEMS_ALL, "two": Song.Kind.STEMS_TWO}
