from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django_q.conf import Conf

from suno.simulator.app import Simulator
from suno.simulator.clock import ManualClock
from suno.simulator.transport import SimulatorTransport
from sunostudio.upstream import use_transport


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_TEMP_DIR = tmp_path / "media-tmp"
    settings.SUNO_BATCH_CAP = 20
    settings.SUNO_POLL_LOOP_SECONDS = 0  # a queued poll job ticks once; tests drive the ticks
    # Queued jobs run inline when their on_commit callbacks run (django_capture_on_commit_callbacks).
    monkeypatch.setattr(Conf, "SYNC", True)
    cache.clear()  # the model catalogue is cached; each test's database starts from the seed again
    yield
    cache.clear()


@dataclass
class SunoHarness:
    """The in-process simulator behind the app's real client, with a clock the test moves."""

    simulator: Simulator
    clock: ManualClock
    sleeps: list[float]

    @property
    def faults(self):
        return self.simulator.faults

    def calls(self, endpoint: str | None = None) -> int:
        return self.simulator.calls(endpoint)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), tz=UTC)

    def advance(self, seconds: float) -> datetime:
        self.clock.advance(seconds)
        return self.now()


@pytest.fixture
def suno(settings) -> SunoHarness:
    clock = ManualClock(start=time.time())  # starts in step with the app's clock; only tests move it
    simulator = Simulator(clock=clock, base_url=settings.SUNO_SIMULATOR_URL)
    sleeps: list[float] = []
    with use_transport(SimulatorTransport(simulator), sleep=sleeps.append):
        yield SunoHarness(simulator=simulator, clock=clock, sleeps=sleeps)


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("ada", password="correct horse battery")


@pytest.fixture
def other_user(db):
    return get_user_model().objects.create_user("mallory", password="correct horse battery")


@pytest.fixture
def moderator(db):
    """A staff member in the Moderators group the data migration made: no superuser powers."""
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user("mod", password="correct horse battery", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


# --- Media on S3: a local S3-compatible server (moto) ----------------------------------------------------
# CI's S3 leg starts one and points MEDIA_STORAGE=s3 + AWS_* at it; anywhere else the session starts its own,
# so `make test` on a fresh clone covers S3 too.


def pytest_configure(config):
    config.addinivalue_line("markers", "s3: runs against a local S3-compatible server (moto)")


@dataclass
class S3Server:
    endpoint_url: str
    access_key: str
    secret_key: str
    region: str

    def client(self):
        import boto3  # only S3 tests pay for importing it

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
        )


def _is_up(url: str) -> bool:
    try:
        httpx.get(url, timeout=1)
        return True
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    credentials = (
        os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        os.environ.get("AWS_S3_REGION_NAME", "us-east-1"),
    )
    running = os.environ.get("AWS_S3_ENDPOINT_URL", "")
    if os.environ.get("MEDIA_STORAGE") == "s3" and running and _is_up(running):
        yield S3Server(running, *credentials)
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "w")  # noqa: SIM115 - closed at teardown
    moto = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # moto imports a lot: slow on a busy 2-core machine
        while not _is_up(url):
            if moto.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto_server did not start: see {log.name}")
            time.sleep(0.1)  # a process starting up: there is no event to wait on
        yield S3Server(url, *credentials)
    finally:
        moto.terminate()
        moto.wait(timeout=10)
        log.close()


@pytest.fixture
def s3_bucket(s3_server, settings) -> str:
    """Media goes to a fresh private bucket of the S3 server for this test; returns the bucket's name."""
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_server.endpoint_url,
                "access_key": s3_server.access_key,
                "secret_key": s3_server.secret_key,
                "region_name": s3_server.region,
                "signature_version": "s3v4",
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": settings.MEDIA_SIGNED_URL_SECONDS,
                "file_overwrite": False,
            },
        },
    }
    return bucket
