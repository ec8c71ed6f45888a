from django.apps import AppConfig


class SunoStudioConfig(AppConfig):
    name = "sunostudio"
    verbose_name = "Suno Studio"
