from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and credits"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, prices  # noqa: F401  (registers the checks; connects the price-table signal)
