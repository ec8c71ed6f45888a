"""The simulator as an httpx transport: the real client code runs in-process, with no sockets.

A test builds `httpx.Client(transport=SimulatorTransport(sim), base_url=sim.base_url)` and drives time
with a ManualClock; the transport never sleeps.
"""

from __future__ import annotations

from typing import Any

import httpx

from .app import Simulator


class SimulatorTransport(httpx.BaseTransport):
    def __init__(self, simulator: Simulator | None = None, **simulator_options: Any) -> None:
        # `SimulatorTransport(clock=clock)` (conventions.md §1) builds its own simulator.
        self.simulator = simulator if simulator is not None else Simulator(**simulator_options)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path, _, query = request.url.raw_path.decode("ascii").partition("?")
        answer = self.simulator.handle(
            request.method, path, query=query, headers=dict(request.headers.items()), body=request.read()
        )
        read_timeout = (request.extensions.get("timeout") or {}).get("read")
        if answer.delay > 0 and read_timeout is not None and answer.delay > read_timeout:
            # The request reached the simulator (it is counted and its work is done); only the answer
            # is lost, exactly as a real read timeout after a paid submit.
            raise httpx.ReadTimeout(f"simulated: no answer within {read_timeout} s", request=request)
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body, request=request)
