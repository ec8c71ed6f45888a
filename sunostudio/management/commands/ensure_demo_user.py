"""`make run` creates (or resets) two local accounts with published passwords: a creator and a moderator.

Never in production: anyone who read the README could log in.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "suno-studio-demo"
MODERATOR_USERNAME = "moderator"
MODERATOR_PASSWORD = "suno-studio-moderator"
MODERATORS_GROUP = "Moderators"  # made by moderation/migrations/0002_moderators_group.py


def login_lines() -> list[str]:
    return [
        f"Demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}",
        f"Moderator login: {MODERATOR_USERNAME} / {MODERATOR_PASSWORD} (staff, in the Moderators group)",
    ]


def ensure_user(username: str, password: str):
    user, _ = get_user_model().objects.get_or_create(username=username)
    if not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


class Command(BaseCommand):
    help = "Create (or reset) the demo and moderator accounts and print their logins. Local machines only."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "ensure_demo_user makes accounts with published passwords, so it won't run with "
                "DJANGO_ENV=production. Use `make admin` (createsuperuser) instead."
            )
        try:
            moderators = Group.objects.get(name=MODERATORS_GROUP)
        except Group.DoesNotExist:
            raise CommandError("The Moderators group is missing: run `manage.py migrate` first.") from None
        ensure_user(DEMO_USERNAME, DEMO_PASSWORD)
        moderator = ensure_user(MODERATOR_USERNAME, MODERATOR_PASSWORD)
        if not moderator.is_staff:
            moderator.is_staff = True
            moderator.save(update_fields=["is_staff"])
        moderator.groups.add(moderators)
        if options["verbosity"] >= 1:
            self.stdout.write("\n".join(login_lines()))
