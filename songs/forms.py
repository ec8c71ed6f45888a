"""Validation and per-model-version limits for every form a creator fills in; forms never save."""

from __future__ import annotations

import io
import json
import uuid

import mutagen
from django import forms
from django.conf import settings

from suno import versions
from sunostudio.text import one_line

from . import catalogue
from .models import Clip, Song
from .selectors import LibraryFilters


class OneLineCharField(forms.CharField):
    """A one-line field (title, style tags, name): line breaks and tabs become spaces, other control
    characters are dropped, before the length is checked."""

    def to_python(self, value):
        return one_line(super().to_python(value))


def model_version_choices() -> list[tuple[str, str]]:
    return [(v.mv, v.choice_label) for v in catalogue.generation_versions()]


def persona_model_version_choices() -> list[tuple[str, str]]:
    """The versions the upstream takes with a persona (docs/upstream.md §5.15), in the catalogue's order."""
    return [(v.mv, v.choice_label) for v in catalogue.persona_versions()]


def persona_models_help() -> str:
    labels = ", ".join(label for _, label in persona_model_version_choices())
    return f"With a persona the music service accepts only {labels}, so other versions aren't offered."


def model_limits_json() -> str:
    """Per-version limits for the live character counters (the form enforces the same numbers)."""
    offered = [v for v in catalogue.enabled_versions() if v.can_generate or v.can_persona]
    return json.dumps(
        {
            v.mv: {"lyrics": v.lyrics_max, "tags": v.tags_max, "negative_tags": v.negative_tags_max}
            for v in offered
        }
    )


# --- More options: the advanced controls, shared by every form that makes music ------------------------

SLIDER_ERROR = "Pick a value from 0 to 100."
# A range input always sends a value, so its middle (where it starts) means "not set": nothing is sent and
# the music service uses its own default. The form says so beside the sliders.
SLIDER_UNSET = 50
# The studio's 0–100 slider names, in the order of suno.versions.CONTROL_SLIDERS (the upstream's 0–1 keys).
SLIDER_KEYS = dict(
    zip(("weirdness", "style_influence", "audio_influence"), versions.CONTROL_SLIDERS, strict=True)
)
VOCAL_GENDER_CHOICES = [("", "Any"), ("f", "Female"), ("m", "Male")]  # "Any": "None" read as no vocals


class RangeInput(forms.NumberInput):
    input_type = "range"


def slider_field(label: str, help_text: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=0,
        max_value=100,
        required=False,
        initial=SLIDER_UNSET,
        widget=RangeInput(attrs={"min": 0, "max": 100, "step": 1}),
        error_messages={key: SLIDER_ERROR for key in ("invalid", "min_value", "max_value")},
    )


class MoreOptionsMixin(forms.Form):
    """The "More options" fields (weirdness, style influence, audio influence, vocal gender), for any form
    that makes music: `class CoverForm(MoreOptionsMixin, forms.Form)`, render them with
    `{% include "songs/more_options.html" %}` inside the <form>, and pass `**form.more_options()` to the
    service (Song.control_sliders / Song.vocal_gender). Audio influence is offered only when the song has
    source audio (a cover, an upload): set `has_source_audio = True` on the form class (or on the instance
    before calling `super().__init__`). A slider left empty or at SLIDER_UNSET is not sent."""

    has_source_audio = False

    weirdness = slider_field("Weirdness", "Low keeps it safe; high takes risks.")
    style_influence = slider_field("Style influence", "How closely the music follows your style tags.")
    audio_influence = slider_field("Audio influence", "How closely the music follows the source audio.")
    vocal_gender = forms.ChoiceField(
        label="Vocal gender", choices=VOCAL_GENDER_CHOICES, required=False, widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.has_source_audio:
            del self.fields["audio_influence"]

    @property
    def slider_fields(self) -> list:
        return [self[name] for name in SLIDER_KEYS if name in self.fields]

    def more_options(self) -> dict:
        """`control_sliders` (0..1 floats under the upstream's keys) and `vocal_gender`, for the Song."""
        data = self.cleaned_data
        sliders = {
            key: round(data[name] / 100, 2)
            for name, key in SLIDER_KEYS.items()
            if name in self.fields and data.get(name) not in (None, SLIDER_UNSET)
        }
        return {"control_sliders": sliders, "vocal_gender": data.get("vocal_gender") or ""}

    @property
    def more_options_open(self) -> bool:
        """Unfolded when one of them has an error or is set (a restored draft, a copied recipe)."""
        names = [*SLIDER_KEYS, "vocal_gender"]
        if any(name in self.errors for name in names if name in self.fields):
            return True
        values = [self[name].value() for name in names if name in self.fields]
        return any(str(value) not in ("", "None", str(SLIDER_UNSET)) for value in values)

    def more_options_set(self) -> bool:
        """Whether any of them is set (only meaningful once the form is cleaned)."""
        if not hasattr(self, "cleaned_data"):
            return False
        chosen = self.more_options()
        return bool(chosen["control_sliders"] or chosen["vocal_gender"])

    @staticmethod
    def more_options_initial(song: Song) -> dict:
        """A song's stored controls as this form's initial values (Make another, Fork)."""
        stored = song.control_sliders or {}
        initial = {name: round(stored[key] * 100) for name, key in SLIDER_KEYS.items() if key in stored}
        return {**initial, "vocal_gender": song.vocal_gender}


class SongForm(MoreOptionsMixin, forms.Form):
    MODES = [(Song.Kind.CUSTOM, "Custom lyrics"), (Song.Kind.DESCRIPTION, "From a description")]

    mode = forms.ChoiceField(choices=MODES, initial=Song.Kind.CUSTOM, widget=forms.RadioSelect)
    title = OneLineCharField(max_length=versions.TITLE_MAX, required=False)
    lyrics = forms.CharField(widget=forms.Textarea(attrs={"rows": 12}), required=False, strip=False)
    tags = OneLineCharField(label="Style tags", required=False)
    negative_tags = OneLineCharField(label="Exclude styles", required=False)
    description = forms.CharField(
        label="Describe the song",
        max_length=versions.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    model_version = forms.ChoiceField(label="Model version", choices=model_version_choices)
    instrumental = forms.BooleanField(required=False, label="Instrumental (no vocals)")
    # The queryset is the creator's usable personas, given by the view (songs.selectors.personas_usable_by).
    persona = forms.ModelChoiceField(queryset=None, required=False, empty_label="No persona", label="Persona")
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, personas=None, **kwargs):
        defaults = {
            "idempotency_key": uuid.uuid4(),
            "model_version": catalogue.default_mv(),
            "mode": "custom",
        }
        kwargs["initial"] = {**defaults, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self._restrict_to_personas(personas)
        self.fields["title"].widget.attrs.update({"maxlength": versions.TITLE_MAX, "autocomplete": "off"})
        self.fields["description"].widget.attrs["maxlength"] = versions.DESCRIPTION_MAX
        self.fields["tags"].widget.attrs["placeholder"] = "e.g. dreamy synth-pop, female vocals, 100 bpm"
        self.fields["negative_tags"].widget.attrs["placeholder"] = "e.g. heavy metal, screaming"
        self.fields["lyrics"].widget.attrs["placeholder"] = "[Verse]\nWrite your lyrics here…\n\n[Chorus]\n…"
        self.fields["description"].widget.attrs["placeholder"] = (
            "e.g. an upbeat summer song about a road trip with friends"
        )

    def _restrict_to_personas(self, personas) -> None:
        """`personas`: the ones this creator may use. Once one is picked, only persona versions are
        offered."""
        field = self.fields["persona"]
        persona_model = Song._meta.get_field("persona").related_model
        field.queryset = personas if personas is not None else persona_model._default_manager.none()
        picked = self.data.get("persona") if self.is_bound else self.initial.get("persona")
        self.has_persona = bool(picked)
        if self.has_persona:
            choices = persona_model_version_choices()
            model_field = self.fields["model_version"]
            model_field.choices = choices
            model_field.help_text = model_field.error_messages["invalid_choice"] = persona_models_help()
            if not self.is_bound and self.initial.get("model_version") not in dict(choices) and choices:
                self.initial["model_version"] = choices[0][0]

    def clean(self):
        data = super().clean()
        if data.get("persona"):
            if self.more_options_set():
                self.add_error(
                    None,
                    "The music service takes no More options with a persona: set the sliders back to 50 "
                    "and Vocal gender to Any, or choose No persona.",
                )
            if data.get("mode") == Song.Kind.DESCRIPTION:
                self.add_error("mode", "A persona sings your own lyrics: choose Custom lyrics.")
            if data.get("instrumental"):
                self.add_error("instrumental", "A persona is a voice: untick Instrumental to use one.")
        version = catalogue.get_version(data.get("model_version") or "")
        if version is None:
            return data
        limits = {
            "lyrics": version.lyrics_max,
            "tags": version.tags_max,
            "negative_tags": version.negative_tags_max,
        }
        for name, limit in limits.items():
            value = data.get(name) or ""
            if len(value) > limit:
                self.add_error(
                    name, f"{version.label} takes at most {limit:,} characters here; this has {len(value):,}."
                )
        if data.get("mode") == Song.Kind.DESCRIPTION:
            if not (data.get("description") or "").strip():
                self.add_error("description", "Describe the song you want, in a sentence or two.")
        else:
            if not (data.get("title") or "").strip():
                self.add_error("title", "Give your song a title.")
            if not (data.get("tags") or "").strip():
                self.add_error("tags", "Add at least one style, e.g. “acoustic folk”.")
            if not data.get("instrumental") and not (data.get("lyrics") or "").strip():
                self.add_error("lyrics", "Write some lyrics, or tick Instrumental.")
        return data

    def recipe(self) -> dict:
        """The fields a Song keeps, for the chosen mode."""
        data = self.cleaned_data
        common = {"model_version": data["model_version"], "instrumental": data["instrumental"]}
        common.update(self.more_options())
        if data["mode"] == Song.Kind.DESCRIPTION:
            return {**common, "kind": Song.Kind.DESCRIPTION, "description": data["description"].strip()}
        persona = data.get("persona")
        if persona is not None:
            common.update(
                persona=persona,
                persona_name=persona.name,
                persona_upstream_id=persona.persona_id,
                persona_artist_clip_id=persona.artist_clip_id,
            )
        return {
            **common,
            "kind": Song.Kind.CUSTOM,
            "title": data["title"].strip(),
            "lyrics": "" if data["instrumental"] else data["lyrics"].strip(),
            "tags": data["tags"].strip(),
            "negative_tags": data["negative_tags"].strip(),
        }


# --- Clip tools, uploads, lyric ideas, the profile ----------------------------------------------------

UPLOAD_MAX_BYTES = settings.UPLOAD_MAX_BYTES  # a larger body is refused unread (RequestBodyLimitMiddleware)
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
    return [(v.mv, v.choice_label) for v in catalogue.extend_versions()]


def seconds_display(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


class ExtendForm(forms.Form):
    continue_at = forms.FloatField(
        label="Continue from (seconds)",
        min_value=0,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    title = OneLineCharField(max_length=versions.TITLE_MAX, required=False)
    lyrics = forms.CharField(
        label="Lyrics for the continuation", widget=forms.Textarea(attrs={"rows": 6}), strip=False
    )
    tags = OneLineCharField(label="Style tags", required=False)
    model_version = forms.ChoiceField(label="Model version", choices=extend_version_choices)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, parent: Clip, default_model: str = "", **kwargs):
        self.parent = parent
        song = parent.song
        offered = dict(extend_version_choices())
        model = song.model_version if song.model_version in offered else default_model
        if model not in offered:
            model = catalogue.default_mv()
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
        version = catalogue.get_version(data.get("model_version") or "")
        if version is not None:
            for name, limit in (("lyrics", version.lyrics_max), ("tags", version.tags_max)):
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
    title = OneLineCharField(max_length=versions.TITLE_MAX, required=False)
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
        name = one_line(self.cleaned_data["audio"].name.rsplit("/", 1)[-1].rsplit(".", 1)[0])
        return name[: versions.TITLE_MAX] or "Uploaded audio"


EMPTY_IDEA = "Describe an idea first, e.g. “a lighthouse keeper's last night”."


class LyricsIdeaForm(forms.Form):
    lyrics_idea = OneLineCharField(
        max_length=versions.LYRICS_IDEA_MAX, error_messages={"required": EMPTY_IDEA}
    )
    lyrics_key = forms.UUIDField()


def profile_version_choices() -> list[tuple[str, str]]:
    return [(v.mv, f"{v.choice_label}, up to {v.max_length}") for v in catalogue.generation_versions()]


class ProfileForm(forms.Form):
    default_model_version = forms.ChoiceField(label="Default model version", choices=profile_version_choices)


STEM_KINDS = {"all": Song.Kind.STEMS_ALL, "two": Song.Kind.STEMS_TWO}


# --- Cover and replace section: new songs made from a finished take -------------------------------------


def cover_version_choices() -> list[tuple[str, str]]:
    return [(v.mv, v.choice_label) for v in catalogue.cover_versions()]


def replace_version_choices() -> list[tuple[str, str]]:
    return [(v.mv, v.choice_label) for v in catalogue.replace_versions()]


def clip_lyrics(clip: Clip) -> str:
    """The words a take sings: what the upstream echoed (a description song's lyrics Suno wrote, a whole
    song's joined parts), else the recipe's."""
    sung = (clip.metadata or {}).get("prompt") if isinstance(clip.metadata, dict) else ""
    return (sung if isinstance(sung, str) else "") or clip.song.lyrics


def _version_for(parent: Clip, offered: dict[str, str]) -> str:
    """The parent's own version when it may be used here, else the first one offered."""
    if parent.song.model_version in offered:
        return parent.song.model_version
    return next(iter(offered), "")


def _check_version_limits(form: forms.Form, data: dict, names: tuple[str, ...]) -> None:
    version = catalogue.get_version(data.get("model_version") or "")
    if version is None:
        return
    limits = {"lyrics": version.lyrics_max, "tags": version.tags_max}
    for name in names:
        value = data.get(name) or ""
        if len(value) > limits[name]:
            form.add_error(
                name,
                f"{version.label} takes at most {limits[name]:,} characters here; this has {len(value):,}.",
            )


class FocusFirstError:
    """A form far down a long page comes back with the focus on its first wrong field (autofocus: the
    browser and htmx's swap both honour it), so the creator sees why, not the top of the page."""

    def _post_clean(self):
        super()._post_clean()
        first = next((name for name in self.fields if name in self.errors), None)
        if first is not None:
            self.fields[first].widget.attrs["autofocus"] = True


class CoverForm(FocusFirstError, MoreOptionsMixin, forms.Form):
    """A new version of a finished take in another style: the tune stays, the style (and maybe the words)
    change. Only versions.COVER_MODELS the catalogue offers. More options include Audio influence: how
    closely the cover follows the take it covers."""

    has_source_audio = True

    tags = OneLineCharField(
        label="New style",
        error_messages={"required": "Describe the new style, e.g. “jazz trio, brushed drums”."},
    )
    title = OneLineCharField(max_length=versions.TITLE_MAX, required=False)
    lyrics = forms.CharField(
        label="New lyrics (optional)", widget=forms.Textarea(attrs={"rows": 6}), required=False, strip=False
    )
    instrumental = forms.BooleanField(required=False, label="Instrumental (no vocals)")
    model_version = forms.ChoiceField(label="Model version", choices=cover_version_choices)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    prefix = "cover"

    def __init__(self, *args, parent: Clip, **kwargs):
        self.parent = parent
        kwargs["initial"] = {
            "idempotency_key": uuid.uuid4(),
            "title": parent.song.title or parent.title,
            "model_version": _version_for(parent, dict(cover_version_choices())),
            **(kwargs.get("initial") or {}),
        }
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs.update({"maxlength": versions.TITLE_MAX, "autocomplete": "off"})
        self.fields["tags"].widget.attrs["placeholder"] = (
            "e.g. acoustic jazz trio, brushed drums, male vocals"
        )
        self.fields["lyrics"].widget.attrs["placeholder"] = "Leave empty to keep the original's words"
        self.fields["model_version"].error_messages["invalid_choice"] = (
            "Covers can be made only with " + ", ".join(label for _, label in cover_version_choices()) + "."
        )

    def clean(self):
        data = super().clean()
        _check_version_limits(self, data, ("lyrics", "tags"))
        if not data.get("instrumental") and not (data.get("lyrics") or "").strip():
            if not clip_lyrics(self.parent).strip() and not self.parent.song.instrumental:
                self.add_error(
                    "lyrics", "This take has no words we know of: write the lyrics, or tick Instrumental."
                )
        return data

    def recipe(self) -> dict:
        data = self.cleaned_data
        instrumental = data["instrumental"] or (not data["lyrics"].strip() and self.parent.song.instrumental)
        lyrics = "" if instrumental else (data["lyrics"].strip() or clip_lyrics(self.parent).strip())
        return {
            "title": (data["title"] or "").strip() or self.parent.song.display_title,
            "lyrics": lyrics,
            "tags": data["tags"].strip(),
            "instrumental": instrumental,
            "model_version": data["model_version"],
            **self.more_options(),
        }


class ReplaceSectionForm(FocusFirstError, forms.Form):
    """Sing a part of a finished take again: the window in seconds, and the song's lyrics with that part
    rewritten (the upstream takes the whole song's words, docs/upstream.md §5.4). The contract names no
    shortest or longest window, so only "inside the take, start before end" is checked."""

    start_s = forms.FloatField(
        label="Start (seconds)", widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"})
    )
    end_s = forms.FloatField(
        label="End (seconds)", widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"})
    )
    lyrics = forms.CharField(
        label="Lyrics, with the part you replace rewritten",
        widget=forms.Textarea(attrs={"rows": 8}),
        strip=False,
        error_messages={"required": "Write the lyrics the new part should sing."},
    )
    tags = OneLineCharField(label="Style (optional)", required=False)
    model_version = forms.ChoiceField(label="Model version", choices=replace_version_choices)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    prefix = "replace"

    def __init__(self, *args, parent: Clip, **kwargs):
        self.parent = parent
        kwargs["initial"] = {
            "idempotency_key": uuid.uuid4(),
            "lyrics": clip_lyrics(parent),
            "tags": parent.song.tags,
            "model_version": _version_for(parent, dict(replace_version_choices())),
            **(kwargs.get("initial") or {}),
        }
        super().__init__(*args, **kwargs)
        for name in ("start_s", "end_s"):
            self.fields[name].widget.attrs["min"] = "0"
            if parent.duration:
                self.fields[name].widget.attrs["max"] = f"{parent.duration:.2f}"
        self.fields["model_version"].error_messages["invalid_choice"] = (
            "A section can be replaced only with "
            + ", ".join(label for _, label in replace_version_choices())
            + "."
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("start_s"), data.get("end_s")
        duration = self.parent.duration or 0
        if start is not None and end is not None:
            start, end = round(start, 2), round(end, 2)  # what the client sends (2 decimals)
            if start < 0:
                self.add_error("start_s", "Start at 0 seconds or later.")
            elif duration and end > duration:
                self.add_error(
                    "end_s",
                    f"This take is {seconds_display(duration)} long ({duration:.2f} s): end within it.",
                )
            elif start >= end:
                self.add_error("end_s", "End after the start: pick a part at least 0.01 s long.")
            else:
                data["start_s"], data["end_s"] = start, end
        _check_version_limits(self, data, ("lyrics", "tags"))
        if "lyrics" in data and not data["lyrics"].strip():
            self.add_error("lyrics", "Write the lyrics the new part should sing.")
        return data

    def recipe(self) -> dict:
        data = self.cleaned_data
        return {
            "infill_start_s": data["start_s"],
            "infill_end_s": data["end_s"],
            "lyrics": data["lyrics"].strip(),
            "tags": (data["tags"] or "").strip() or self.parent.song.tags,
            "model_version": data["model_version"],
        }


# --- The Library: its search and filters (all in the URL) ------------------------------------------------


class LibraryFilterForm(forms.Form):
    """Parses the Library's query string. A value it doesn't understand is left out (and named), never a
    500: bookmarks outlive choices (a retired model version, a renamed persona)."""

    SORTS = [("newest", "Newest"), ("oldest", "Oldest"), ("plays", "Most played"), ("title", "Title")]
    VIEWS = [("list", "List"), ("grid", "Grid")]

    q = OneLineCharField(label="Search", max_length=200, required=False)
    liked = forms.BooleanField(label="Liked only", required=False)
    public = forms.ChoiceField(
        label="Sharing", required=False, choices=[("", "Any"), ("public", "Public"), ("private", "Private")]
    )
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "Any"), *Song.Kind.choices])
    model = forms.ChoiceField(label="Model", required=False)
    persona = forms.ChoiceField(label="Persona", required=False)
    instrumental = forms.ChoiceField(
        label="Vocals",
        required=False,
        choices=[("", "Any"), ("vocals", "With vocals"), ("instrumental", "Instrumental")],
    )
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("", "Any"), ("in_flight", "In progress"), ("complete", "Complete"), ("failed", "Failed")],
    )
    trash = forms.BooleanField(required=False, widget=forms.HiddenInput)
    sort = forms.ChoiceField(label="Sort", required=False, choices=SORTS)
    view = forms.ChoiceField(required=False, choices=VIEWS, widget=forms.HiddenInput)

    def __init__(self, *args, persona_names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "Any"), *((v.mv, v.label) for v in catalogue.enabled_versions())]
        self.fields["persona"].choices = [("", "Any"), *((name, name) for name in persona_names)]

    def filters(self) -> LibraryFilters:
        """What was understood; the rest falls back to "any"."""
        self.is_valid()
        values = {name: value for name, value in self.cleaned_data.items() if name != "view"}
        values["sort"] = values.get("sort") or "newest"
        return LibraryFilters(**values)

    @property
    def ignored(self) -> list[str]:
        """The labels of the filters that were left out, for the page to say so."""
        return [str(self.fields[name].label or name) for name in self.errors]

    PANEL = ("state", "public", "kind", "model", "persona", "instrumental")

    def panel_fields(self) -> list[dict]:
        """The panel's selects as plain data: the template writes the <select>s itself, since a widget
        renders through a template of its own (a few milliseconds for the seven of them, on every page)."""
        fields = []
        for name in self.PANEL:
            choices = self.fields[name].choices
            if name == "persona" and len(choices) < 2:
                continue  # no song was sung with a persona: nothing to choose
            value = self.data.get(name, "") if name not in self.errors else ""
            fields.append(
                {"name": name, "label": self.fields[name].label, "choices": choices, "value": value}
            )
        return fields

    @property
    def open_count(self) -> int:
        """How many filters in the panel narrow the list (its summary shows the number)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        panel = ("liked", "public", "kind", "model", "persona", "instrumental", "state")
        return sum(1 for name in panel if data.get(name))


class SongRenameForm(forms.Form):
    title = OneLineCharField(
        max_length=Song._meta.get_field("title").max_length,
        error_messages={"required": "Give the song a title."},
    )


# --- The create form's helpers ------------------------------------------------------------------------


class StyleEnhanceForm(forms.Form):
    tags = OneLineCharField(
        max_length=Song._meta.get_field("tags").max_length,
        error_messages={"required": "Type a few styles first, e.g. “dreamy synth-pop”, then press Enhance."},
    )


# What a create draft keeps: the create form's fields as typed (strings), never its idempotency key.
DRAFT_FIELDS = (
    "mode",
    "title",
    "lyrics",
    "tags",
    "negative_tags",
    "description",
    "model_version",
    "instrumental",
    "persona",
    "weirdness",
    "style_influence",
    "vocal_gender",
)
DRAFT_VALUE_MAX = 10_000  # longer than any version's lyrics limit: the form, not the draft, says "too long"


def draft_fields_from(data) -> dict[str, str]:
    """The create form's posted values, as a draft keeps them (a tick box: present or not)."""
    fields = {name: str(data.get(name, ""))[:DRAFT_VALUE_MAX] for name in DRAFT_FIELDS if name in data}
    fields["instrumental"] = "on" if data.get("instrumental") else ""
    return fields


def draft_initial(fields: dict, *, personas) -> dict:
    """A saved draft as SongForm's initial values; a persona no longer usable is left out."""
    initial: dict = {name: fields[name] for name in DRAFT_FIELDS if fields.get(name) not in (None, "")}
    initial["instrumental"] = bool(fields.get("instrumental"))
    persona = initial.pop("persona", "")
    if str(persona).isdigit() and personas is not None and personas.filter(pk=persona).exists():
        initial["persona"] = int(persona)
    return initial
