"""The simulator over a real socket: the whole-contract walk, Range from a plain client, the command."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from suno.simulator.app import Simulator
from suno.simulator.control import serve_control_in_thread
from suno.simulator.server import serve_in_thread
from suno.simulator.walk import Walk, main

FAST = {
    "streaming_after": 0.2,
    "complete_after": 0.4,
    "lyrics_after": 0.2,
    "wav_ready_after": 0.2,
    "mp4_ready_after": 0.2,
}


@pytest.fixture
def served():
    simulator = Simulator(**FAST)
    server, thread, base_url = serve_in_thread(simulator)
    yield simulator, base_url
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_walk_over_a_real_socket(served):
    simulator, base_url = served
    assert simulator.base_url == base_url and not base_url.endswith(":0")
    lines: list[str] = []
    Walk(base_url, poll_interval=0.05, timeout=30).run(lines.append)
    assert len(lines) == 14 and lines[-1].startswith("seed clips: complete")
    assert simulator.calls("generate") == 1 and simulator.calls("persona_create") == 1


def test_walk_exits_non_zero_on_a_mismatch(served):
    simulator, base_url = served
    simulator.faults.add("clip_error")
    out = io.StringIO()
    with redirect_stdout(out):
        status = main(["--base", base_url, "--poll-interval", "0.05", "--timeout", "10"])
    assert status == 1 and "FAILED" in out.getvalue()


def test_range_request_from_a_plain_client(served):
    _, base_url = served
    request = urllib.request.Request(
        f"{base_url}/suno/generate",
        data=json.dumps(
            {"mv": "chirp-auk", "prompt": "[Verse]\nla la", "tags": "pop", "title": "R"}
        ).encode(),
        headers={"Authorization": "Bearer k", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        clip_id = json.load(answer)["clips"][0]["id"]
    Walk(base_url, poll_interval=0.05, timeout=10).feed([clip_id])

    ranged = urllib.request.Request(f"{base_url}/cdn1/{clip_id}.mp3", headers={"Range": "bytes=0-1023"})
    with urllib.request.urlopen(ranged) as answer:
        assert answer.status == 206
        assert answer.headers["Content-Type"] == "audio/mpeg" and answer.headers["Accept-Ranges"] == "bytes"
        assert answer.headers["Content-Range"].startswith("bytes 0-1023/")
        assert len(answer.read()) == 1024


def test_the_timeout_fault_really_keeps_the_client_waiting(served):
    simulator, base_url = served
    simulator.timeout_delay = 1.0
    simulator.faults.add("timeout", endpoint="fetch", times=1)
    request = urllib.request.Request(f"{base_url}/suno/fetch/x", headers={"Authorization": "Bearer k"})
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        urllib.request.urlopen(request, timeout=0.2)
    assert simulator.calls("fetch") == 1


ROOT = Path(__file__).resolve().parents[2]


def read_banner(process: subprocess.Popen) -> str:
    """The first line, with a deadline: a command stuck at start-up must fail the test, not hang it."""
    banner: list[str] = []
    reader = threading.Thread(target=lambda: banner.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout=30)
    return banner[0] if banner else ""


def call(url: str, body: dict | None = None, *, key: str | None = None, method: str | None = None) -> tuple:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"null")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_management_command_serves_until_interrupted(stop):
    command = [sys.executable, "manage.py", "suno_simulator", "--port", "0", "--faults", "rate_limited:fetch"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = read_banner(process)
        assert "listening on http://127.0.0.1:" in line and "rate_limited:fetch" in line, f"banner: {line!r}"
        port = line.split("http://127.0.0.1:", 1)[1].split()[0]
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/suno/fetch/x", headers={"Authorization": "Bearer k"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 429
    finally:
        process.send_signal(stop)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0 and "stopped" in process.stdout.read()


def test_the_control_api_of_a_real_process():
    command = [sys.executable, "manage.py", "suno_simulator", "--port", "0", "--control-port", "0"]
    command += ["--streaming-after", "0.2", "--complete-after", "0.4"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = read_banner(process)
        assert "dialect: elkapi" in line and "control API at http://127.0.0.1:" in line, f"banner: {line!r}"
        base = "http://127.0.0.1:" + line.split("listening on http://127.0.0.1:", 1)[1].split()[0]
        control = line.split("control API at ", 1)[1].split(")")[0].rstrip("/")

        body = {"mv": "chirp-auk", "prompt": "[Verse]\nla la", "tags": "pop", "title": "Counted"}
        status, submitted = call(f"{base}/suno/submit/music", body, key="k")
        assert status == 200 and submitted["code"] == "success"
        call(f"{base}/suno/fetch/{submitted['data']}", key="k")

        status, counts = call(f"{control}/counts")
        assert status == 200
        assert counts["paid_calls"] == {"submit_music": 1} and counts["paid_total"] == 1
        assert counts["tasks"] == {"submit_music": 1} and counts["calls"]["fetch"] == 1
        assert counts["balance"]["used_usd"] == pytest.approx(0.10)
        status, log = call(f"{control}/calls?since=1")
        assert log["total"] == 2 and [c["endpoint"] for c in log["calls"]] == ["fetch"]

        # Switch a fault and the dialect at run time, then see the gateway answer differently.
        status, faults = call(f"{control}/faults", {"add": [{"name": "rate_limited", "endpoint": "fetch"}]})
        assert status == 200 and faults["faults"][0]["name"] == "rate_limited"
        assert call(f"{base}/suno/fetch/x", key="k")[0] == 429
        call(f"{control}/faults", {"clear": True})
        status, dialect = call(f"{control}/dialect", {"dialect": "no_feed"})
        assert status == 200 and dialect["quirks"] == ["no_feed"]
        assert call(f"{base}/suno/feed/x", key="k")[0] == 404
        assert call(f"{control}/dialect", {"dialect": "gremlins"})[0] == 400
        status, media = call(f"{control}/media", {"delay": 0.5, "wav_ready_after": 1})
        assert status == 200 and (media["delay"], media["wav_ready_after"]) == (0.5, 1.0)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0


def test_the_command_calls_notify_hook_when_a_task_ends():
    """`make run`'s simulator is this command: its server loop calls each ended task's hook once."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    arrived, bodies = threading.Event(), []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()
            arrived.set()

        def log_message(self, *args):
            pass

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    command = [sys.executable, "manage.py", "suno_simulator", "--port", "0"]
    command += ["--streaming-after", "0.2", "--complete-after", "0.4"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = read_banner(process)
        base = "http://127.0.0.1:" + line.split("listening on http://127.0.0.1:", 1)[1].split()[0]
        hook = f"http://127.0.0.1:{receiver.server_address[1]}/hooks/1/"
        body = {"mv": "chirp-auk", "prompt": "[Verse]\nla la", "tags": "pop", "title": "Hooked"}
        status, submitted = call(f"{base}/suno/submit/music", {**body, "notify_hook": hook}, key="k")
        assert status == 200
        assert arrived.wait(15), "the hook was never called"
        assert bodies[0]["task_id"] == submitted["data"] and len(bodies) == 1
    finally:
        receiver.shutdown()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0


def test_an_unknown_dialect_stops_the_command_with_a_clear_message():
    command = [sys.executable, "manage.py", "suno_simulator", "--port", "0", "--dialect", "gremlins"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "unknown simulator dialect 'gremlins'" in done.stderr and "Traceback" not in done.stderr


@pytest.fixture
def controlled(served):
    simulator, base_url = served
    server, thread, url = serve_control_in_thread(simulator)
    yield simulator, base_url, url.rstrip("/")
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_control_routes_and_their_refusals(controlled):
    simulator, _, control = controlled
    assert call(f"{control}/")[1]["routes"][0] == "counts"
    assert call(f"{control}/nothing")[0] == 404
    assert call(f"{control}/faults", {"add": [{"name": "gremlins"}]})[0] == 400
    assert call(f"{control}/faults", {"add": "timeout:fetch,clip_error"})[0] == 200
    assert [f.name for f in simulator.faults.active()] == ["timeout", "clip_error"]
    assert call(f"{control}/faults", {"remove": ["timeout"]})[1]["faults"][0]["name"] == "clip_error"
    assert call(f"{control}/media", {"delay": -1})[0] == 400
    status, settings = call(
        f"{control}/settings", {"slow_submit": 2, "balance_usd": 3, "unavailable_models": ["chirp-hawk"]}
    )
    assert status == 200 and (settings["slow_submit"], settings["balance_usd"]) == (2.0, 3.0)
    assert simulator.unavailable_models == {"chirp-hawk"}
    assert call(f"{control}/settings", {"unavailable_models": "chirp-hawk"})[0] == 400
    dialect = call(f"{control}/dialect")[1]
    assert dialect["dialect"] == "elkapi" and "new-api" in dialect["presets"] and dialect["known_quirks"]


def test_control_posts_must_be_json_from_a_loopback_name(controlled):
    _, _, control = controlled
    form = urllib.request.Request(f"{control}/faults", data=b"clear=1", method="POST")
    form.add_header("Content-Type", "application/x-www-form-urlencoded")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(form, timeout=5)
    assert refused.value.code == 415
    rebound = urllib.request.Request(f"{control}/counts", headers={"Host": "evil.example:80"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(rebound, timeout=5)
    assert refused.value.code == 403


def test_slow_media_really_waits(controlled):
    simulator, base_url, control = controlled
    call(f"{control}/media", {"delay": 0.3})
    status, batch = call(
        f"{base_url}/suno/generate", {"mv": "chirp-auk", "prompt": "[Verse]\nla", "tags": "pop"}, key="k"
    )
    clip_id = batch["clips"][0]["id"]
    Walk(base_url, poll_interval=0.05, timeout=10).feed([clip_id])
    request = urllib.request.Request(f"{base_url}/cdn2/image_{clip_id}.jpeg")
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        urllib.request.urlopen(request, timeout=0.1)
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.headers["Content-Type"] == "image/jpeg"
