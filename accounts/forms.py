"""The sign-up forms, one per settings.SIGNUP_POLICY that shows a form (validation only: the view hands
the unsaved user to services.account_sign_up)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm

from .services import invite_problem


class SignupForm(UserCreationForm):
    pass


class InviteSignupForm(SignupForm):
    invite_code = forms.CharField(
        label="Invite code",
        max_length=40,
        help_text="It came with your invitation: a link fills it in for you.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    field_order = ["invite_code", "username", "password1", "password2"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.initial.get("invite_code"):  # no link filled it in: the code is the first thing to type
            self.fields["username"].widget.attrs.pop("autofocus", None)
            self.fields["invite_code"].widget.attrs["autofocus"] = True

    def clean_invite_code(self) -> str:
        code = self.cleaned_data["invite_code"].strip()
        # Checked again, atomically, when the account is saved: this is the early, friendly answer.
        if problem := invite_problem(code):
            raise forms.ValidationError(problem)
        return code


def signup_form_class(policy: str) -> type[SignupForm] | None:
    """None when sign-up is closed: there is no form to show."""
    return {"open": SignupForm, "approval": SignupForm, "invite": InviteSignupForm}.get(policy)
