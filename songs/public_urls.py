"""The deliberately public pages (songs/public_views.py): they work logged out, and show only public,
unhidden songs."""

from django.urls import path

from . import converters, public_views  # noqa: F401  (converters registers the path converters)

app_name = "public"
urlpatterns = [
    path("explore/", public_views.explore, name="explore"),
    path("listen/<int:pk>/", public_views.song_share, name="song_share"),
    path("listen/<int:pk>/embed/", public_views.song_embed, name="song_embed"),
    path("listen/clips/<int:pk>/play/", public_views.clip_play, name="clip_play"),
    path("listen/clips/<int:pk>/<media_kind:kind>/", public_views.clip_share_media, name="clip_media"),
    path("hooks/upstream/<str:token>/", public_views.upstream_hook, name="upstream_hook"),
]
