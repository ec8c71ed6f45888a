"""The public share page of a playlist (public_views.py): works logged out, shows only public takes."""

from django.urls import path

from . import public_views

app_name = "public_playlists"
urlpatterns = [
    path("listen/playlists/<int:pk>/", public_views.playlist_share, name="playlist_share"),
]
