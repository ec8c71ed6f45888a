from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and credits"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import prices  # noqa: F401  (connects the signal that drops the cached price table)
