"""The simulator seen from outside: a small JSON control API on its own loopback port (docs/upstream.md §8).

`manage.py suno_simulator --control-port N` serves it next to the gateway, so a test or a person can look
at and steer a simulator running in another process. Routes, under `/_simulator/`:

* `GET counts`: calls, paid calls and tasks by endpoint, the balance, the dialect;
* `GET calls?since=N`: the call log from entry N on;
* `GET faults`, `POST faults` `{"clear": true, "remove": [names], "add": [{"name", "endpoint", "times",
  …options}] or "name[:endpoint],…"}`: switch faults;
* `GET dialect`, `POST dialect` `{"dialect": "new-api"}`: switch the dialect;
* `POST media` `{"delay", "wav_ready_after", "mp4_ready_after"}`: slow the CDN and the conversions;
* `POST settings` `{"slow_submit", "balance_usd", "unavailable_models", "streaming_after",
  "complete_after", "lyrics_after"}`: the other run-time settings.

Loopback only: it binds to 127.0.0.1, refuses other peers and other Host names (no DNS rebinding), and a
POST must be `application/json` (a web page cannot send that cross-origin without a preflight we never
grant).
"""

from __future__ import annotations

import ipaddress
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .app import Simulator
from .dialects import PRESETS, QUIRKS

PREFIX = "/_simulator/"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
MEDIA_SETTINGS = {
    "delay": "media_delay",
    "wav_ready_after": "wav_ready_after",
    "mp4_ready_after": "mp4_ready_after",
}
NUMBER_SETTINGS = ("slow_submit", "balance_usd", "streaming_after", "complete_after", "lyrics_after")


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Control:
    """What each route does, on one simulator: no sockets here, so it is easy to test."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator

    def get(self, route: str, query: dict[str, str]) -> Any:
        sim = self.simulator
        if route == "":
            return {"routes": ["counts", "calls", "faults", "dialect", "media", "settings"]}
        if route == "counts":
            return sim.counts()
        if route == "calls":
            since = _int(query.get("since", "0"), "since")
            with sim._lock:
                log = list(sim.call_log)
            calls = [
                {"index": i, "endpoint": e, "method": m, "path": p, "body": b}
                for i, (e, m, p, b) in enumerate(log)
                if i >= since
            ]
            return {"total": len(log), "calls": calls}
        if route == "faults":
            return self.faults()
        if route == "dialect":
            return self.dialect()
        if route in ("media", "settings"):
            return self.settings()
        raise ControlError(404, f"no such control route: {route!r}")

    def post(self, route: str, body: dict[str, Any]) -> Any:
        sim = self.simulator
        if route == "faults":
            if body.get("clear"):
                sim.faults.clear()
            for name in body.get("remove") or ():
                sim.faults.remove(str(name))
            add = body.get("add") or ()
            try:
                if isinstance(add, str):
                    sim.faults.add_specs(add)
                else:
                    for spec in add:
                        options = dict(spec)
                        name = options.pop("name")
                        endpoint, times = options.pop("endpoint", None), options.pop("times", None)
                        sim.faults.add(name, endpoint=endpoint, times=times, **options)
            except (ValueError, TypeError, KeyError) as error:
                raise ControlError(400, f"bad fault: {error}") from None
            return self.faults()
        if route == "dialect":
            try:
                sim.set_dialect(str(body.get("dialect", "")))
            except ValueError as error:
                raise ControlError(400, str(error)) from None
            return self.dialect()
        if route == "media":
            for key, attribute in MEDIA_SETTINGS.items():
                if key in body:
                    setattr(sim, attribute, _seconds(body[key], key))
            return self.settings()
        if route == "settings":
            for key in NUMBER_SETTINGS:
                if key in body:
                    setattr(sim, key, _seconds(body[key], key))
            if "unavailable_models" in body:
                models = body["unavailable_models"]
                if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
                    raise ControlError(400, "unavailable_models must be a list of mv strings")
                sim.unavailable_models = set(models)
            return self.settings()
        raise ControlError(404, f"no such control route: {route!r}")

    def faults(self) -> dict[str, Any]:
        return {
            "faults": [
                {"name": f.name, "endpoint": f.endpoint, "times": f.times, "options": f.options}
                for f in self.simulator.faults.active()
            ]
        }

    def dialect(self) -> dict[str, Any]:
        sim = self.simulator
        return {
            "dialect": sim.dialect,
            "quirks": sorted(sim.quirks),
            "presets": {name: sorted(quirks) for name, quirks in PRESETS.items()},
            "known_quirks": QUIRKS,
        }

    def settings(self) -> dict[str, Any]:
        sim = self.simulator
        values = {key: getattr(sim, attribute) for key, attribute in MEDIA_SETTINGS.items()}
        values.update({key: getattr(sim, key) for key in NUMBER_SETTINGS})
        values["unavailable_models"] = sorted(sim.unavailable_models)
        return values


def _seconds(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ControlError(400, f"{key} must be a number >= 0")
    return float(value)


def _int(value: str, key: str) -> int:
    try:
        return max(0, int(value))
    except ValueError:
        raise ControlError(400, f"{key} must be an integer") from None


class ControlRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SunoSimulatorControl/1.0"
    control: Control  # set on the subclass make_control_server builds

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            self._guard(method)
            parts = urlsplit(self.path)
            if not parts.path.startswith(PREFIX) and parts.path != PREFIX.rstrip("/"):
                raise ControlError(404, f"the control API lives under {PREFIX}")
            route = parts.path[len(PREFIX) :].strip("/") if parts.path.startswith(PREFIX) else ""
            if method == "GET":
                payload = self.control.get(route, {k: v[-1] for k, v in parse_qs(parts.query).items()})
            else:
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    raise ControlError(400, "the body must be a JSON object") from None
                if not isinstance(body, dict):
                    raise ControlError(400, "the body must be a JSON object")
                payload = self.control.post(route, body)
            self._send(200, payload)
        except ControlError as error:
            self._send(error.status, {"error": str(error)})

    def _guard(self, method: str) -> None:
        if not ipaddress.ip_address(self.client_address[0]).is_loopback:
            raise ControlError(403, "loopback only")
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        if host not in LOOPBACK_NAMES:
            raise ControlError(403, "loopback only: unexpected Host")
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if method == "POST" and content_type != "application/json":
            raise ControlError(415, "POST application/json")

    def _send(self, status: int, payload: Any) -> None:
        body = json.dumps(payload, ensure_ascii=False, default=str).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet, like the gateway server
        pass


def make_control_server(simulator: Simulator, port: int = 0) -> ThreadingHTTPServer:
    """The control API on 127.0.0.1 (never another interface); port 0 picks a free one."""
    handler = type("BoundControlRequestHandler", (ControlRequestHandler,), {"control": Control(simulator)})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def serve_control_in_thread(
    simulator: Simulator, port: int = 0
) -> tuple[ThreadingHTTPServer, threading.Thread, str]:
    server = make_control_server(simulator, port)
    url = f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    thread = threading.Thread(target=server.serve_forever, name="suno-simulator-control", daemon=True)
    thread.start()
    return server, thread, url
