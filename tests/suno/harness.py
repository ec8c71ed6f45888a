"""The mock upstream the client tests share: one scripted answer per request, every request kept.

Only for answers the simulator can't give; everything else runs against the simulator.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

BASE_URL = "https://api.elk.test"
KEY = "sk-live-0123456789abcdefSECRET"
CLIP_A = "0e6937df-64d8-41f9-82c6-b6dadc4426a8"
CLIP_B = "fff58de4-7ccc-4b95-937b-3b66ec07cc65"
TASK_ID = "736a6f88-bd29-4b1e-b110-37132a5325ac"


def answer(status: int = 200, body=None, *, content: bytes | None = None, headers: dict | None = None):
    """A fresh response per request (a Response object can't be read twice)."""

    def make(request: httpx.Request) -> httpx.Response:
        if content is not None:
            return httpx.Response(status, content=content, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return make


def etask(data) -> Callable[[httpx.Request], httpx.Response]:
    return answer(200, {"code": "success", "message": "", "data": data})


def gateway_error(status: int, message: str, code: str = "", headers: dict | None = None):
    body = {"error": {"message": message, "type": "new_api_error", "code": code, "param": ""}}
    return answer(status, body, headers=headers)


def task_error(status: int, code: str, message: str):
    return answer(status, {"code": code, "message": message, "data": None})


class Upstream:
    """Plays one step per request (the last step repeats) and keeps every request it saw."""

    def __init__(self, *steps) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, type) and issubclass(step, Exception):
            raise step(f"simulated {step.__name__}", request=request)
        return step(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def last_json(self) -> dict:
        return json.loads(self.last.content)
