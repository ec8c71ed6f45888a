"""The media route names the kinds it serves, so `clips/<pk>/<kind>/` is no catch-all that only works
while it stays last in urls.py."""

from django.urls import register_converter


class MediaKind:
    regex = "audio|image"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


# Registered once, here: songs/urls.py and songs/public_urls.py both import this module.
register_converter(MediaKind, "media_kind")
