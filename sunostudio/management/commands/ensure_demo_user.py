from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "suno-studio-demo"


class Command(BaseCommand):
    help = "Create (or reset) the demo account and print its login. For `make run` on a local machine."

    def handle(self, *args, **options):
        user, _ = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        self.stdout.write(f"Demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}")
