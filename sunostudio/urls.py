from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="songs:library", permanent=False), name="home"),
    path("", include("accounts.urls")),  # sign-up (`signup`) and the credits page (`accounts:credits`)
    path("accounts/", include("django.contrib.auth.urls")),
    path("songs/", include("songs.urls")),
    path("personas/", include("personas.urls")),
    path("notifications/", include("notifications.urls")),
    path("moderation/", include("moderation.urls")),
    path("playlists/", include("playlists.urls")),
    path("", include("songs.public_urls")),
    path("", include("personas.public_urls")),  # /u/<username>/: a creator's public profile
    path("", include("playlists.public_urls")),  # /listen/playlists/<id>/: a shared playlist
    path("admin/", admin.site.urls),
    path("healthz", login_not_required(views.healthz), name="healthz"),
    path("readyz", login_not_required(views.readyz), name="readyz"),
]
# 404, 403 and 500 use Django's handlers with our templates/404.html, 403.html and 500.html; the CSRF
# failure page is settings.CSRF_FAILURE_VIEW.
