from __future__ import annotations

from django import forms

from . import webhooks


class WebhookForm(forms.Form):
    url = forms.URLField(
        label="Webhook URL",
        max_length=500,
        assume_scheme="https",
        help_text="An HTTPS address of yours: we POST a signed JSON event when a song is ready or fails.",
        widget=forms.URLInput(
            attrs={"placeholder": "https://example.com/hooks/suno-studio", "autocomplete": "off"}
        ),
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        try:
            webhooks.checked_address(url)  # refused now rather than at every event
        except webhooks.DestinationRefused as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return url
