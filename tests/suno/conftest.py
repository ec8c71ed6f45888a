"""Fixtures of the client tests: a SunoClient on the scripted mock upstream (tests/suno/harness.py)."""

from __future__ import annotations

import httpx
import pytest

from suno.client import SunoClient
from tests.suno.harness import BASE_URL, KEY, Upstream


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(sleeps):
    clients: list[SunoClient] = []

    def make(*steps, **kwargs) -> tuple[SunoClient, Upstream]:
        upstream = Upstream(*steps)
        options = {"sleep": sleeps.append, "rand": lambda: 1.0, **kwargs}
        client = SunoClient(
            base_url=BASE_URL, api_key=KEY, transport=httpx.MockTransport(upstream), **options
        )
        clients.append(client)
        return client, upstream

    yield make
    for client in clients:
        client.close()
