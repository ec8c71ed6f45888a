"""`manage.py check_ports PORT=8000 SUNO_SIMULATOR_PORT=8765`: say in one line which ports are taken.

`make run` calls it before starting anything, so a second copy says what is wrong and exits 1 instead of
printing a traceback from runserver in the middle of honcho's output.
"""

import errno
import socket

from django.core.management.base import BaseCommand, CommandError


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is free
        try:
            sock.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


class Command(BaseCommand):
    help = "Check that the ports `make run` needs are free (arguments: VARIABLE=PORT)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("ports", nargs="+", metavar="VARIABLE=PORT")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--target", default="run", help="the make target to suggest (run or serve)")

    def handle(self, *args, **options):
        host = options["host"]
        wanted = {}
        for item in options["ports"]:
            variable, _, value = item.partition("=")
            if not value.isdigit():
                raise CommandError(f"{variable} must be a port number, not {value!r}")
            wanted[variable] = int(value)
        busy = {variable: port for variable, port in wanted.items() if not port_is_free(host, port)}
        if not busy:
            return
        taken = set(wanted.values())
        suggestions = []
        for variable, port in busy.items():
            candidate = port + 1
            while candidate in taken or not port_is_free(host, candidate):
                candidate += 1
            taken.add(candidate)
            suggestions.append(f"{variable}={candidate}")
        in_use = " and ".join(f"{port} ({variable})" for variable, port in busy.items())
        ports_are = "Ports" if len(busy) > 1 else "Port"
        verb = "are" if len(busy) > 1 else "is"
        self.stderr.write(
            f"{ports_are} {in_use} {verb} already in use (another copy of the studio?): stop it, "
            f"or pick free ones: {' '.join(suggestions)} make {options['target']}"
        )
        raise SystemExit(1)
