"""`make run`'s last words: wait until the studio answers, then print where it is and how to log in.

It runs as a honcho process, so it keeps running after it has spoken (honcho stops everything as soon
as one process exits) and ends on the SIGTERM that Ctrl-C makes honcho send.
"""

import signal
import time

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand

from .ensure_demo_user import login_lines

POLL_SECONDS = 0.2


def wait_until_answers(url: str) -> None:
    while True:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(POLL_SECONDS)  # a server starting up: there is no event to wait on


class Command(BaseCommand):
    help = "Wait for the web server (and the simulator), then print the URL and the demo logins."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, **options):
        url = options["url"].rstrip("/") + "/"
        try:
            wait_until_answers(url + "healthz")
            if settings.SUNO_USE_SIMULATOR:
                wait_until_answers(settings.SUNO_SIMULATOR_URL + "/cdn1/none.mp3")
                upstream = f"the built-in simulator at {settings.SUNO_SIMULATOR_URL} (no SUNO_API_KEY set)"
            else:
                upstream = f"{settings.SUNO_API_BASE} (SUNO_API_KEY is set: generating spends real credit)"
            lines = ["", "Suno Studio is running.", f"Open {url}", *login_lines(), f"Upstream: {upstream}"]
            self.stdout.write("\n".join([*lines, "Ctrl-C stops everything.", ""]))
            self.stdout.flush()
            signal.pause()
        except KeyboardInterrupt:
            pass
