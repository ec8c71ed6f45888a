from django import forms
from django.contrib.admin.helpers import ActionForm

from .models import Report


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=Report.Reason.choices, widget=forms.RadioSelect, label="What's wrong?")
    details = forms.CharField(
        label="Details",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Anything a moderator should know"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == Report.Reason.OTHER and not (data.get("details") or "").strip():
            self.add_error("details", "Tell us what's wrong, in a sentence or two.")
        return data


class ModerationActionForm(ActionForm):
    """The admin's action bar, with the reason every moderation action records (and owners read)."""

    reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "Reason (shown to the owner)", "size": 40}),
    )


class ReportDecisionForm(forms.Form):
    """A report's own page: which of Hide / Restore / Dismiss was pressed, and the reason. The services
    decide which decisions need a reason (hiding does: the owner reads it), as for the bulk actions."""

    DECISIONS = [("hide", "Hide"), ("restore", "Restore"), ("dismiss", "Dismiss")]

    decision = forms.ChoiceField(choices=DECISIONS)
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=500,
        help_text="Needed to hide: the owner reads it. Every decision keeps it in the audit log.",
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "decision_%s")  # ids apart from the admin form on the same page
        super().__init__(*args, **kwargs)
