"""The real stack for browser tests: simulator, web server and django-q2 worker as separate processes,
on their own database, exactly as `make run` starts them. Chromium is Debian's, driven by Playwright."""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)  # a process starting up: there is no event to wait on
    raise TimeoutError(url)


def database_url(tmp_path: Path) -> tuple[str, callable]:
    """A fresh database of the kind the suite runs on (SQLite file, or a new PostgreSQL database)."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        return f"sqlite:///{tmp_path / 'e2e.sqlite3'}", lambda: None
    import psycopg

    name = f"sunostudio_e2e_{uuid.uuid4().hex[:8]}"
    admin_url = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return base.rsplit("/", 1)[0] + "/" + name, drop


@dataclass
class Stack:
    base_url: str
    simulator_url: str
    control_url: str
    env: dict

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    def simulator_faults(self, *faults: dict) -> None:
        """Switch faults on in the simulator process through its control API."""
        httpx.post(f"{self.control_url}/faults", json={"add": list(faults)}, timeout=5).raise_for_status()

    def create_user(self, username: str) -> tuple[str, str]:
        self.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_user({username!r}, password={PASSWORD!r})",
        )
        return username, PASSWORD


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not shutil.which("chromium") and not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it")
    tmp_path = tmp_path_factory.mktemp("stack")
    db_url, drop_database = database_url(tmp_path)
    web_port, sim_port, control_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SUNO_API_KEY": "",
        "SUNO_SIMULATOR_PORT": str(sim_port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "DJANGO_SETTINGS_MODULE": "sunostudio.settings",
        "CACHE_KEY_PREFIX": f"e2e-{uuid.uuid4().hex[:8]}",  # its own keys when the cache is a shared Redis
        "DEBUG": "true",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    log = open(tmp_path / "stack.log", "w")  # noqa: SIM115 - closed at teardown
    commands = {
        "simulator": ["suno_simulator", "--port", str(sim_port), "--control-port", str(control_port)],
        "web": ["runserver", f"127.0.0.1:{web_port}", "--noreload"],
        "worker": ["qcluster"],
    }
    processes = {
        name: subprocess.Popen(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        for name, args in commands.items()
    }
    try:
        wait_until_up(f"http://127.0.0.1:{sim_port}/cdn1/none.mp3", processes["simulator"])
        wait_until_up(f"http://127.0.0.1:{web_port}/healthz", processes["web"])
        wait_until_up(f"http://127.0.0.1:{control_port}/_simulator/counts", processes["simulator"])
        yield Stack(
            base_url=f"http://127.0.0.1:{web_port}",
            simulator_url=f"http://127.0.0.1:{sim_port}",
            control_url=f"http://127.0.0.1:{control_port}/_simulator",
            env=env,
        )
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        print((tmp_path / "stack.log").read_text()[-4000:])
        drop_database()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, stack):
    context = browser.new_context(base_url=stack.base_url, viewport={"width": 1280, "height": 900})
    # Chromium reports every Content-Security-Policy violation on the console: none may happen in any test.
    csp_violations = []
    context.on(
        "console", lambda message: csp_violations.append(message.text) if is_csp_violation(message) else None
    )
    page = context.new_page()
    page.wait_for_function = functools.partial(wait_for_js, page)
    yield page
    context.close()
    assert csp_violations == [], (
        "the page broke its Content-Security-Policy (settings.CONTENT_SECURITY_POLICY)"
    )


def wait_for_js(page, expression: str, *, arg=None, timeout: float = 30_000, polling=None) -> None:
    """Stands in for page.wait_for_function, which compiles its predicate with `new Function` inside the
    page: the studio's policy has no 'unsafe-eval', so Chromium refuses it. page.evaluate goes through the
    DevTools protocol, which no page policy covers, so the predicate is polled from here instead."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout / 1000:.0f} s: {expression}")
        page.wait_for_timeout(50)  # as wait_for_function polls (every animation frame); no event to wait on


def is_csp_violation(message) -> bool:
    return "Content Security Policy" in message.text


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def create_moderator(stack: Stack, username: str) -> tuple[str, str]:
    """A staff user in the Moderators group the data migration made (not a superuser)."""
    stack.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; from django.contrib.auth.models import Group; "
        f"user = get_user_model().objects.create_user({username!r}, password={PASSWORD!r}, is_staff=True); "
        "user.groups.add(Group.objects.get(name='Moderators'))",
    )
    return username, PASSWORD
