"""A creator's playlists: an ordered list of takes (clips), private until shared.

A playlist plays takes, not songs: the Library's play buttons and the one player work on clips, and a song's
two takes are different recordings. Positions are unique per playlist and need not be contiguous (removing
an item leaves a gap; order is all they mean)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class PlaylistQuerySet(models.QuerySet):
    def owned_by(self, user) -> PlaylistQuerySet:
        return self.filter(owner=user)

    def public(self) -> PlaylistQuerySet:
        return self.filter(is_public=True)


class Playlist(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playlists")
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True, max_length=1000)
    is_public = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlaylistQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-updated_at"], name="playlist_owner_updated")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("playlists:playlist_detail", args=[self.pk])

    def get_share_url(self) -> str:
        return reverse("public_playlists:playlist_share", args=[self.pk])

    def get_public_url(self) -> str:
        return self.get_share_url()


class PlaylistItem(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="items")
    # A take that is deleted for good (Trash emptied) leaves every playlist it was in.
    clip = models.ForeignKey("songs.Clip", on_delete=models.CASCADE, related_name="playlist_items")
    position = models.PositiveIntegerField()
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["playlist", "position"]
        constraints = [
            models.UniqueConstraint(fields=["playlist", "position"], name="playlistitem_unique_position"),
            # Once per playlist: the player's queue knows a take by its clip id, so a repeat would be skipped.
            models.UniqueConstraint(fields=["playlist", "clip"], name="playlistitem_unique_clip"),
        ]

    def __str__(self) -> str:
        return f"{self.playlist_id} #{self.position}: clip {self.clip_id}"
