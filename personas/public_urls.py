"""Public pages of the personas layer (they work logged out): the creator profile."""

from django.urls import path

from . import public_views

app_name = "creators"
urlpatterns = [
    path("u/<str:username>/", public_views.creator_profile, name="profile"),
]
