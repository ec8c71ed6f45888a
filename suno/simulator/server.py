"""The simulator over a real socket, for whatever needs one: the browser, the worker, the walk."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .app import Simulator
from .hooks import post_in_background


class SimulatorRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a browser seeking through audio reuses its connection
    server_version = "SunoSimulator/1.0"
    simulator: Simulator  # set on the subclass make_server builds

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        answer = self.simulator.handle(
            self.command, path, query=query, headers=dict(self.headers.items()), body=body
        )
        if answer.delay > 0:
            time.sleep(answer.delay)  # the timeout fault: the client gives up first
        try:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if "Content-Length" not in answer.headers:
                self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting; nothing to tell it

    do_GET = do_POST = do_HEAD = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet: tests and `make run` stay readable
        pass


class SimulatorHTTPServer(ThreadingHTTPServer):
    simulator: Simulator

    def service_actions(self) -> None:
        """Called by serve_forever on every turn of its loop (each 0.5 s): the tasks that ended since the
        last turn call their notify_hook. In the loop rather than a thread of its own, so a served
        simulator has no extra thread to stop."""
        self.simulator.deliver_notifications(post_in_background)


def make_server(simulator: Simulator, host: str = "127.0.0.1", port: int = 8765) -> SimulatorHTTPServer:
    handler = type("BoundSimulatorRequestHandler", (SimulatorRequestHandler,), {"simulator": simulator})
    server = SimulatorHTTPServer((host, port), handler)
    server.simulator = simulator
    server.daemon_threads = True
    return server


def serve_in_thread(
    simulator: Simulator, host: str = "127.0.0.1", port: int = 0
) -> tuple[SimulatorHTTPServer, threading.Thread, str]:
    """Serve on a free port (port=0) in a daemon thread; media URLs then point at the real port."""
    server = make_server(simulator, host, port)
    base_url = f"http://{host}:{server.server_address[1]}"
    simulator.base_url = base_url
    thread = threading.Thread(target=server.serve_forever, name="suno-simulator", daemon=True)
    thread.start()
    return server, thread, base_url
