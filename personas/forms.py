from __future__ import annotations

import uuid

from django import forms

from songs.forms import OneLineCharField

from .models import Persona

NAME_MAX = 80
DESCRIPTION_MAX = 500
CONFIRM_PUBLIC_REQUIRED = "Tick the box to publish this take's audio, or keep the persona private."


class PersonaForm(forms.ModelForm):
    """Name, description and visibility. On create the upstream gets them too; on edit they stay local.

    A public persona plays its source take to every creator here (personas.views.persona_media), so making
    one public from a take of a song that isn't public asks the creator to confirm it: `source_is_public`
    False adds the required `confirm_public` box whenever the persona becomes public."""

    name = OneLineCharField(label="Name", max_length=NAME_MAX)
    description = forms.CharField(
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The voice and style in a sentence: it helps you and others pick it later.",
    )
    confirm_public = forms.BooleanField(
        required=False,
        label="Yes, let every creator here hear this take",
        help_text=(
            "The song this take comes from isn't public, but a public persona plays the whole take to "
            "every creator here, so they can hear the voice before they pick it."
        ),
    )

    class Meta:
        model = Persona
        fields = ["name", "description", "visibility"]
        widgets = {"visibility": forms.RadioSelect}
        help_texts = {"name": "How you'll find this voice in your library, e.g. “Smoky alto”."}

    def __init__(self, *args, source_is_public: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].help_text = self._meta.help_texts["name"]
        self.fields["name"].widget.attrs.update({"maxlength": NAME_MAX, "autocomplete": "off"})
        self.fields["name"].error_messages["required"] = "Give the persona a name."
        was_public = bool(self.instance.pk) and self.instance.is_public
        self.asks_to_confirm_public = not source_is_public and not was_public
        if not self.asks_to_confirm_public:
            del self.fields["confirm_public"]

    def clean_description(self) -> str:
        return self.cleaned_data["description"].strip()

    def clean(self):
        data = super().clean()
        becomes_public = data.get("visibility") == Persona.Visibility.PUBLIC
        if self.asks_to_confirm_public and becomes_public and not data.get("confirm_public"):
            self.add_error("confirm_public", CONFIRM_PUBLIC_REQUIRED)
        return data


class PersonaCreateForm(PersonaForm):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs["initial"] = {"idempotency_key": uuid.uuid4(), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
