"""A gateway answering only the OpenAI-style billing routes: the simulator doesn't serve them, so this is
the one place where an `httpx.MockTransport` stands in for the upstream (docs/upstream.md, "Balance")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from sunostudio.upstream import use_transport

SUBSCRIPTION = "/v1/dashboard/billing/subscription"
USAGE = "/v1/dashboard/billing/usage"


@dataclass
class BillingGateway:
    hard_limit_usd: float = 100.0
    usage_cents: float = 2500
    mode: str = "ok"  # ok | html | not_found | unauthorized | unavailable
    paths: list[str] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if self.mode == "html":  # a gateway whose web UI answers every unknown path
            return httpx.Response(200, html="<!doctype html><html><body>New API</body></html>")
        if self.mode == "not_found":
            return httpx.Response(404, json={"error": {"message": "Invalid URL (GET /v1/dashboard)"}})
        if self.mode == "unauthorized":
            return httpx.Response(401, json={"error": {"message": "Invalid token", "type": "new_api_error"}})
        if self.mode == "unavailable":
            return httpx.Response(502, text="Bad Gateway")
        if request.url.path == SUBSCRIPTION:
            return httpx.Response(
                200, json={"object": "billing_subscription", "hard_limit_usd": self.hard_limit_usd}
            )
        if request.url.path == USAGE:
            assert "start_date" in request.url.params and "end_date" in request.url.params
            return httpx.Response(200, json={"object": "list", "total_usage": self.usage_cents})
        return httpx.Response(404, json={"error": {"message": "not found"}})


@contextmanager
def billing_gateway(**kwargs) -> Iterator[BillingGateway]:
    gateway = BillingGateway(**kwargs)
    with use_transport(httpx.MockTransport(gateway), sleep=lambda seconds: None):
        yield gateway


@contextmanager
def no_upstream() -> Iterator[list[str]]:
    """Any upstream request fails the test: web requests read rows only."""
    called: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        called.append(str(request.url))
        raise AssertionError(f"a web request called the upstream: {request.url}")

    with use_transport(httpx.MockTransport(refuse)):
        yield called
