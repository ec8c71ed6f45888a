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


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_management_command_serves_until_interrupted(stop):
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "manage.py", "suno_simulator", "--port", "0", "--faults", "rate_limited:fetch"]
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Read the banner with a deadline: a command stuck at start-up must fail the test, not hang it.
        banner: list[str] = []
        reader = threading.Thread(target=lambda: banner.append(process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout=30)
        line = banner[0] if banner else ""
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
