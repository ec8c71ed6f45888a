from __future__ import annotations

import uuid

from django import forms

from .models import Persona

NAME_MAX = 80
DESCRIPTION_MAX = 500


class PersonaForm(forms.ModelForm):
    """Name, description and visibility. On create the upstream gets them too; on edit they stay local."""

    description = forms.CharField(
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The voice and style in a sentence: it helps you and others pick it later.",
    )

    class Meta:
        model = Persona
        fields = ["name", "description", "visibility"]
        widgets = {"visibility": forms.RadioSelect}
        help_texts = {"name": "How you'll find this voice in your library, e.g. “Smoky alto”."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"maxlength": NAME_MAX, "autocomplete": "off"})
        self.fields["name"].error_messages["required"] = "Give the persona a name."

    def clean_description(self) -> str:
        return self.cleaned_data["description"].strip()


class PersonaCreateForm(PersonaForm):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs["initial"] = {"idempotency_key": uuid.uuid4(), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
