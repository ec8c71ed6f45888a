from django.apps import AppConfig


class SongsConfig(AppConfig):
    name = "songs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import catalogue  # noqa: F401  (connects the signals that drop the catalogue cache)
