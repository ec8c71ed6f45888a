from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

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
