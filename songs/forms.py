from __future__ import annotations

import json
import uuid

from django import forms
from django.conf import settings

from personas.models import Persona
from suno import versions

from .models import Song


def model_version_choices() -> list[tuple[str, str]]:
    return [(v.mv, f"{v.label} ({v.mv})") for v in versions.generation_versions()]


def persona_model_version_choices() -> list[tuple[str, str]]:
    """The only versions the upstream takes with task=artist_consistency (suno-api.md §5.15), newest first."""
    return [(mv, f"{versions.get_version(mv).label} ({mv})") for mv in reversed(versions.PERSONA_MODELS)]


PERSONA_MODELS_HELP = (
    "With a persona the music service accepts only {labels}, so other versions aren't offered."
).format(labels=", ".join(label for _, label in persona_model_version_choices()))


def model_limits_json() -> str:
    """Per-version limits for the live character counters (the form enforces the same numbers)."""
    offered = [v for v in versions.MODEL_VERSIONS if v in versions.generation_versions() or v.persona]
    return json.dumps(
        {
            v.mv: {"lyrics": v.prompt_max, "tags": v.tags_max, "negative_tags": v.negative_tags_max}
            for v in offered
        }
    )


class SongForm(forms.Form):
    MODES = [(Song.Kind.CUSTOM, "Custom lyrics"), (Song.Kind.DESCRIPTION, "From a description")]

    mode = forms.ChoiceField(choices=MODES, initial=Song.Kind.CUSTOM, widget=forms.RadioSelect)
    title = forms.CharField(max_length=versions.TITLE_MAX, required=False)
    lyrics = forms.CharField(widget=forms.Textarea(attrs={"rows": 12}), required=False, strip=False)
    tags = forms.CharField(label="Style tags", required=False)
    negative_tags = forms.CharField(label="Exclude styles", required=False)
    description = forms.CharField(
        label="Describe the song",
        max_length=versions.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    model_version = forms.ChoiceField(label="Model version", choices=model_version_choices)
    instrumental = forms.BooleanField(required=False, label="Instrumental (no vocals)")
    persona = forms.ModelChoiceField(
        queryset=Persona.objects.none(), required=False, empty_label="No persona", label="Persona"
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, personas=None, **kwargs):
        defaults = {
            "idempotency_key": uuid.uuid4(),
            "model_version": settings.SUNO_DEFAULT_MODEL,
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
        field.queryset = personas if personas is not None else Persona.objects.none()
        picked = self.data.get("persona") if self.is_bound else self.initial.get("persona")
        self.has_persona = bool(picked)
        if self.has_persona:
            choices = persona_model_version_choices()
            model_field = self.fields["model_version"]
            model_field.choices = choices
            model_field.help_text = PERSONA_MODELS_HELP
            model_field.error_messages["invalid_choice"] = PERSONA_MODELS_HELP
            if not self.is_bound and self.initial.get("model_version") not in dict(choices):
                self.initial["model_version"] = versions.PERSONA_MODELS[-1]

    def clean(self):
        data = super().clean()
        if data.get("persona"):
            if data.get("mode") == Song.Kind.DESCRIPTION:
                self.add_error("mode", "A persona sings your own lyrics: choose Custom lyrics.")
            if data.get("instrumental"):
                self.add_error("instrumental", "A persona is a voice: untick Instrumental to use one.")
        version = versions.get_version(data.get("model_version") or "")
        if version is None:
            return data
        limits = {
            "lyrics": version.prompt_max,
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
