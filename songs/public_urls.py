"""The deliberately public pages: they work logged out, and show only public, unhidden songs."""

from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("explore/", views.explore, name="explore"),
    path("listen/<int:pk>/", views.song_share, name="song_share"),
    path("listen/clips/<int:pk>/play/", views.clip_play, name="clip_play"),
    path("listen/clips/<int:pk>/<str:kind>/", views.clip_share_media, name="clip_media"),
]
