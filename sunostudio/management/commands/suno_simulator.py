"""`python manage.py suno_simulator --port 8765`: serve the Suno simulator until Ctrl-C."""

from __future__ import annotations

import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from suno.simulator.app import Simulator
from suno.simulator.server import make_server


class Command(BaseCommand):
    help = "Serve the local Suno simulator (the ElkAPI contract of docs/upstream.md) over HTTP."
    # The simulator knows nothing about our models or URLs: a broken app must not stop it serving.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.SUNO_SIMULATOR_HOST)
        parser.add_argument("--port", type=int, default=settings.SUNO_SIMULATOR_PORT)
        parser.add_argument(
            "--base-url",
            default="",
            help="Where clients reach us, for media URLs (default: http://HOST:PORT, or SUNO_SIMULATOR_URL).",
        )
        parser.add_argument("--faults", default="", help='e.g. "rate_limited,server_error:submit_music"')
        parser.add_argument("--streaming-after", type=float, default=3.0)
        parser.add_argument("--complete-after", type=float, default=12.0)

    def handle(self, *args, **options):
        host, port = options["host"], options["port"]
        simulator = Simulator.from_env(
            streaming_after=options["streaming_after"], complete_after=options["complete_after"]
        )
        simulator.faults.add_specs(options["faults"])
        server = make_server(simulator, host, port)
        bound_port = server.server_address[1]  # --port 0 picks a free one
        simulator.base_url = options["base_url"] or self.reachable_url(host, port, bound_port)
        faults = ", ".join(
            f.name + (f":{f.endpoint}" if f.endpoint else "") for f in simulator.faults.active()
        )
        self.stdout.write(
            f"Suno simulator listening on http://{host}:{bound_port} "
            f"(media at {simulator.base_url}; faults: {faults or 'none'}). Ctrl-C to stop."
        )
        self.stdout.flush()
        signal.signal(signal.SIGTERM, _interrupt)  # honcho and `kill` stop us like Ctrl-C does
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Suno simulator stopped.")
        finally:
            server.server_close()

    @staticmethod
    def reachable_url(host: str, port: int, bound_port: int) -> str:
        """Where clients reach us: the configured URL when serving on the configured address."""
        if (host, port) == (settings.SUNO_SIMULATOR_HOST, settings.SUNO_SIMULATOR_PORT):
            return settings.SUNO_SIMULATOR_URL
        # Bound to every interface, clients still need a name they can reach.
        reachable = settings.SUNO_SIMULATOR_HOST if host in ("0.0.0.0", "::", "") else host
        return f"http://{reachable}:{bound_port}"


def _interrupt(signum, frame):
    raise KeyboardInterrupt
