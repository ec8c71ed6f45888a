"""The sign-up forms, one per settings.SIGNUP_POLICY that shows a form (validation only: the view hands
the unsaved user to services.account_sign_up)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from .services import invite_problem

EMAIL_OPTIONAL = "Optional: it lets you reset a forgotten password."
EMAIL_TO_CONFIRM = "We'll send a link to it: open it to start making songs."
EMAIL_TAKEN = "An account already uses this address. Log in, or reset its password."


class SignupForm(UserCreationForm):
    email = forms.EmailField(label="Email address", required=False, help_text=EMAIL_OPTIONAL)

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if settings.SIGNUP_VERIFY_EMAIL:  # the account can't make songs until the link is opened
            self.fields["email"].required = True
            self.fields["email"].help_text = EMAIL_TO_CONFIRM

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if email and get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(EMAIL_TAKEN)
        return email


class InviteSignupForm(SignupForm):
    invite_code = forms.CharField(
        label="Invite code",
        max_length=40,
        help_text="It came with your invitation: a link fills it in for you.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    field_order = ["invite_code", "username", "email", "password1", "password2"]

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
