"""The one balance answer the simulator can't give: a relay whose web UI answers a /v1 path it has no
route for with HTTP 200 text/html (docs/upstream.md §11; the simulator 404s unknown /v1 paths)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from sunostudio.upstream import use_transport


@contextmanager
def html_gateway() -> Iterator[list[str]]:
    paths: list[str] = []

    def web_ui(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(200, html="<!doctype html><html><body>New API</body></html>")

    with use_transport(httpx.MockTransport(web_ui)):
        yield paths
