"""Many processes, as production runs them: the simulator, two gunicorn web processes and django-q2
clusters, on a fresh PostgreSQL database with django-q2 on Redis (its own db number).

Each cluster is its own process group, so SIGKILL takes the whole cluster (parent, sentinel, workers)
the way a lost machine does. The test process reads the rows straight from PostgreSQL and steers the
simulator through its control API. Only where DATABASE_URL is PostgreSQL: CI's second leg runs them.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.browser.conftest import PASSWORD, ROOT, database_url, free_port, wait_until_up

CLUSTER_WORKERS = 2
REDIS_DB = 14  # the rest of the suite uses REDIS_URL's own db; these flush theirs
WEB_PROCESSES = 2
SIMULATOR_DEFAULTS = {"slow_submit": 0, "streaming_after": 3, "complete_after": 12}


def redis_url() -> str:
    base = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return urlunsplit(base._replace(path=f"/{REDIS_DB}"))


def process_group(pgid: int) -> list[int]:
    """The pids in a process group (Linux /proc: the field after the state, behind the parenthesised name)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == pgid:
            pids.append(int(stat.parent.name))
    return pids


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str, every: float = 0.25) -> Any:
    """Poll until `condition()` is truthy (rows in another process's database: there is no event)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(every)


@dataclass
class Stack:
    env: dict
    tmp_path: Path
    web_urls: list[str]
    control_url: str
    db: Any  # a psycopg connection (autocommit) to the stack's database
    clusters: list[subprocess.Popen] = field(default_factory=list)

    def sql(self, query: str, *params: Any) -> list[tuple]:
        cursor = self.db.execute(query, params)
        return cursor.fetchall() if cursor.description else []

    def control(self, route: str, body: dict | None = None) -> Any:
        url = f"{self.control_url}/{route}"
        response = httpx.get(url, timeout=10) if body is None else httpx.post(url, json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def paid_submits(self) -> int:
        return self.control("counts")["paid_calls"].get("submit_music", 0)

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def creators(self, prefix: str, count: int) -> list[Creator]:
        names = [f"{prefix}{n}" for n in range(1, count + 1)]
        self.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"[get_user_model().objects.create_user(name, password={PASSWORD!r}) for name in {names!r}]",
        )
        return [Creator(self, name) for name in names]

    def start_cluster(self) -> subprocess.Popen:
        log_path = self.tmp_path / f"cluster-{len(self.clusters) + 1}.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a SIGKILL takes every worker with it
            )
        self.clusters.append(process)
        # Up once the sentinel has spawned its monitor, pusher and workers (the parent logs nothing then).
        wait_for(
            lambda: process.poll() is not None or len(process_group(process.pid)) >= 4 + CLUSTER_WORKERS,
            timeout=60,
            what=f"qcluster {process.pid} up",
        )
        assert process.poll() is None, log_path.read_text()[-3000:]
        return process

    def kill_cluster(self, process: subprocess.Popen) -> float:
        """SIGKILL the whole cluster; returns when it happened (time.time())."""
        killed_at = time.time()
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return killed_at

    def poll_lease_holder(self) -> str:
        rows = self.sql("SELECT holder FROM songs_polllease WHERE name = 'poll_clips'")
        return rows[0][0] if rows else ""

    def cluster_holding_poll_lease(self) -> subprocess.Popen:
        """The cluster whose worker runs the clips' poll loop (the lease names host:pid:…)."""

        def holding_cluster():
            holder = self.poll_lease_holder().split(":")
            if len(holder) < 2:
                return None  # between two loops
            try:
                group = os.getpgid(int(holder[1]))
            except ProcessLookupError:
                return None
            return next((c for c in self.clusters if c.poll() is None and c.pid == group), None)

        return wait_for(holding_cluster, timeout=10, what="a cluster holding the poll lease")

    def stop_clusters(self) -> None:
        for process in self.clusters:
            if process.poll() is None:
                self.kill_cluster(process)
        self.clusters.clear()


class Creator:
    """A logged-in creator in a browser of sorts: one cookie jar for both web processes (same host)."""

    def __init__(self, stack: Stack, username: str) -> None:
        self.stack = stack
        self.http = httpx.Client(timeout=30)
        self.requests = 0
        self.get("/accounts/login/").raise_for_status()  # sets the CSRF cookie
        self.post("/accounts/login/", {"username": username, "password": PASSWORD})

    def url(self, path: str) -> str:
        self.requests += 1
        return self.stack.web_urls[self.requests % len(self.stack.web_urls)] + path  # round robin

    def get(self, path: str) -> httpx.Response:
        return self.http.get(self.url(path))

    def post(self, path: str, data: dict) -> httpx.Response:
        """A form POST as the browser sends it, answered with a redirect (a form error would be a 200)."""
        token = self.http.cookies["csrftoken"]
        response = self.http.post(self.url(path), data={**data, "csrfmiddlewaretoken": token})
        assert response.status_code == 302, response.text[-2000:]
        return response

    def create_song(self, title: str) -> int:
        """POST the create form, as the browser does; returns the new song's id."""
        response = self.post(
            "/songs/new/",
            {
                "mode": "custom",
                "title": title,
                "lyrics": "[Verse]\nCity lights are calling me home\n[Chorus]\nDrive all night",
                "tags": "synthwave, dreamy",
                "model_version": "chirp-auk",
                "idempotency_key": str(uuid.uuid4()),
            },
        )
        return int(re.fullmatch(r".*/songs/(\d+)/", response.headers["location"]).group(1))

    def card(self, clip_id: int) -> str:
        """What htmx fetches every 2 s while a card is on screen."""
        response = self.http.get(self.url(f"/songs/clips/{clip_id}/card/"), headers={"HX-Request": "true"})
        response.raise_for_status()
        return response.text


@dataclass
class Watcher:
    """Creators watching their songs' pages: every card refreshes every 2 s, as htmx does."""

    cards: list[tuple[Creator, int]]
    every: float = 2.0
    last: float = 0.0

    def refresh_when_due(self) -> None:
        if time.monotonic() - self.last >= self.every:
            self.last = time.monotonic()
            for creator, clip_id in self.cards:
                creator.card(clip_id)

    def until(self, condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
        def refreshed_condition():
            self.refresh_when_due()
            return condition()

        return wait_for(refreshed_condition, timeout=timeout, what=what)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("process tests run on PostgreSQL with Redis (CI's second leg)")
    import psycopg
    import redis

    try:
        redis.Redis.from_url(redis_url()).flushdb()
    except redis.RedisError as error:
        pytest.skip(f"Redis isn't reachable at {redis_url()}: {error}")
    tmp_path = tmp_path_factory.mktemp("processes")
    db_url, drop_database = database_url(tmp_path)
    sim_port, control_port = free_port(), free_port()
    web_ports = [free_port() for _ in range(WEB_PROCESSES)]
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url(),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "MEDIA_TEMP_DIR": str(tmp_path / "media-tmp"),
        "SUNO_API_KEY": "",
        "SUNO_SIMULATOR_PORT": str(sim_port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_ports[0]}",
        "DJANGO_SETTINGS_MODULE": "sunostudio.settings",
        "CACHE_KEY_PREFIX": f"e2e-{uuid.uuid4().hex[:8]}",  # its own keys when the cache is a shared Redis
        "DEBUG": "false",
        "Q_WORKERS": str(CLUSTER_WORKERS),
        # Many songs per creator here; the limits themselves are tested in tests/accounts.
        "CREDITS_MAX_IN_FLIGHT": "100",
        "CREDITS_MAX_PER_HOUR": "100",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    log = open(tmp_path / "stack.log", "w")  # noqa: SIM115 - closed at teardown
    simulator = ["manage.py", "suno_simulator", "--port", str(sim_port), "--control-port", str(control_port)]
    # gunicorn as production runs it, but not with the repo's gunicorn.conf.py (its bind and worker count).
    no_config = tmp_path / "gunicorn.conf.py"
    no_config.write_text("")
    gunicorn = ["-m", "gunicorn", "sunostudio.wsgi", "-c", str(no_config), "--no-control-socket"]
    web = [
        [*gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"] for port in web_ports
    ]
    commands = [simulator, *web]
    processes = [
        subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        for args in commands
    ]
    db = psycopg.connect(db_url, autocommit=True)
    stack = Stack(
        env=env,
        tmp_path=tmp_path,
        web_urls=[f"http://127.0.0.1:{port}" for port in web_ports],
        control_url=f"http://127.0.0.1:{control_port}/_simulator",
        db=db,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{control_port}/_simulator/counts", processes[0])
        for port, process in zip(web_ports, processes[1:], strict=True):
            wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        yield stack
    finally:
        stack.stop_clusters()
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        db.close()
        log.close()
        print((tmp_path / "stack.log").read_text()[-3000:])
        drop_database()
        redis.Redis.from_url(redis_url()).flushdb()


@pytest.fixture
def fresh(stack):
    """Each test starts from a quiet stack: default simulator settings, no faults, no queued jobs, and
    the leases of the last test's killed workers run out (as they would have by now)."""
    import redis

    stack.control("settings", SIMULATOR_DEFAULTS)
    stack.control("media", {"delay": 0})
    stack.control("faults", {"clear": True})
    redis.Redis.from_url(redis_url()).flushdb()
    stack.sql("UPDATE songs_polllease SET expires_at = now()")
    yield stack
    stack.stop_clusters()
    for log_path in sorted(stack.tmp_path.glob("cluster-*.log")):
        print(f"--- {log_path.name}\n{log_path.read_text()[-1500:]}")
        log_path.unlink()
