"""`python manage.py suno_simulator --port 8765`: serve the Suno simulator until Ctrl-C.

`--control-port N` also serves its JSON control API on 127.0.0.1:N under /_simulator/ (counts, the call
log, faults, the dialect, slow media: suno/simulator/control.py); `--dialect` picks how it answers.
"""

from __future__ import annotations

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from suno.simulator.app import Simulator
from suno.simulator.control import serve_control_in_thread
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
        parser.add_argument(
            "--dialect",
            default="",
            help='"elkapi" (default), "new-api" or quirks, e.g. "no_feed,quota_zh" (SUNO_SIMULATOR_DIALECT)',
        )
        parser.add_argument(
            "--control-port",
            type=int,
            default=None,
            help="Also serve the control API on 127.0.0.1:PORT/_simulator/ (0: a free port; default: off).",
        )

    def handle(self, *args, **options):
        host, port = options["host"], options["port"]
        try:
            simulator = Simulator.from_env(
                streaming_after=options["streaming_after"], complete_after=options["complete_after"]
            )
            simulator.faults.add_specs(options["faults"])
            if options["dialect"]:
                simulator.set_dialect(options["dialect"])
        except ValueError as error:  # an unknown fault, dialect or quirk: say which, without a traceback
            raise CommandError(str(error)) from None
        server = make_server(simulator, host, port)
        control = None
        if options["control_port"] is not None:
            control, _, control_url = serve_control_in_thread(simulator, options["control_port"])
        bound_port = server.server_address[1]  # --port 0 picks a free one
        simulator.base_url = options["base_url"] or self.reachable_url(host, port, bound_port)
        faults = ", ".join(
            f.name + (f":{f.endpoint}" if f.endpoint else "") for f in simulator.faults.active()
        )
        extras = f"; dialect: {simulator.dialect}"
        if control is not None:
            extras += f"; control API at {control_url}"
        self.stdout.write(
            f"Suno simulator listening on http://{host}:{bound_port} "
            f"(media at {simulator.base_url}; faults: {faults or 'none'}{extras}). Ctrl-C to stop."
        )
        self.stdout.flush()
        # honcho and `kill` stop us like Ctrl-C does. SIGINT too, explicitly: a process started in the
        # background by a non-interactive shell inherits SIGINT ignored, and Python then leaves it ignored.
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGINT, _interrupt)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Suno simulator stopped.")
        finally:
            server.server_close()
            if control is not None:
                control.shutdown()
                control.server_close()

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
