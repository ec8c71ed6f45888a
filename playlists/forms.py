"""Playlist forms: validation only; playlists/services.py does the writing."""

from __future__ import annotations

from django import forms

from .models import Playlist


class PlaylistForm(forms.Form):
    title = forms.CharField(max_length=100, strip=True)
    description = forms.CharField(
        max_length=1000, required=False, strip=True, widget=forms.Textarea(attrs={"rows": 2})
    )


class AddToPlaylistForm(forms.Form):
    """Which take (when the song has more than one finished take), and an existing playlist or a new one."""

    clip = forms.TypedChoiceField(label="Take", coerce=int, widget=forms.RadioSelect)
    playlist = forms.ModelChoiceField(
        label="Playlist", queryset=Playlist.objects.none(), required=False, empty_label="New playlist…"
    )
    new_title = forms.CharField(
        label="New playlist's title",
        max_length=100,
        required=False,
        strip=True,
        help_text="Used when you choose “New playlist…”.",
    )

    def __init__(self, *args, clips, playlists, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clip"].choices = [
            (clip.pk, f"Take {clip.take}" + (f" · {clip.duration_display}" if clip.duration else ""))
            for clip in clips
        ]
        self.fields["playlist"].queryset = playlists
        if len(clips) == 1:
            self.fields["clip"].widget = forms.HiddenInput()

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("playlist") and not cleaned.get("new_title"):
            self.add_error("new_title", "Choose one of your playlists, or give the new one a title.")
        return cleaned
