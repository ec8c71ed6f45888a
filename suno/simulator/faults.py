"""Fault switches: which failures a test (or `--faults`) turns on, and what each one does (§6).

Gateway faults answer before the Suno adaptor runs (the request is counted, nothing is created);
response faults change the answer of a request that otherwise ran; lifecycle faults (task_failure,
clip_error, clip_never_completes) are taken when a task is created and decide how it ends.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .routes import ENDPOINTS, JSON_TYPE, PAID_ENDPOINTS, SimResponse, json_response, task_error
from .state import ClipState, TaskState

FAULTS = (
    "unauthorized",
    "forbidden",
    "insufficient_balance",
    "rate_limited",
    "server_error",
    "unavailable",
    "gateway_timeout",
    "timeout",
    "malformed_json",
    "clip_error",
    "clip_never_completes",
    "task_failure",
)
# Answered by the gateway before the Suno adaptor runs: the request is counted, nothing is created.
GATEWAY_FAULTS = ("unauthorized", "forbidden", "insufficient_balance", "rate_limited", "unavailable")
# Change the answer of a request that otherwise runs normally (server_error: unless work_done=True).
RESPONSE_FAULTS = ("server_error", "gateway_timeout", "timeout", "malformed_json")

# Unscoped faults reach every API endpoint, except that a quota check only guards what costs money:
# polling an existing task never answers quota_not_enough.
FAULT_SCOPE = {"insufficient_balance": PAID_ENDPOINTS}

DEFAULT_CLIP_ERROR = ("moderation", "Lyrics flagged by moderation: please revise them and try again.")
DEFAULT_TASK_FAILURE = "Unable to generate music: the upstream account failed to process the request."


@dataclass
class Fault:
    name: str
    endpoint: str | None = None
    times: int | None = None  # None: until removed
    options: dict[str, Any] = field(default_factory=dict)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: list[Fault] = []

    def add(
        self, name: str, *, endpoint: str | None = None, times: int | None = None, **options: Any
    ) -> None:
        """Switch a fault on for `endpoint` (None: every API endpoint) for the next `times` requests.

        Options: rate_limited `retry_after` (2); timeout `delay` (timeout_delay, or paid_timeout_delay on
        a paid endpoint); insufficient_balance `answer` (legacy, user_quota, pre_consume, token_exhausted;
        by default the dialect's); server_error
        `work_done` (False: the paid call creates nothing; True: created, answer lost); clip_error
        `error_type`, `error_message`; task_failure `fail_reason`.
        """
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; known: {', '.join(ENDPOINTS)}")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._active.append(Fault(name, endpoint, times, options))

    def add_specs(self, specs: str) -> None:
        """`"rate_limited,server_error:submit_music"`: the SUNO_SIMULATOR_FAULTS / --faults syntax."""
        for spec in specs.split(","):
            if spec.strip():
                name, _, endpoint = spec.strip().partition(":")
                self.add(name.strip(), endpoint=endpoint.strip() or None)

    def remove(self, name: str) -> None:
        with self._lock:
            self._active = [f for f in self._active if f.name != name]

    def clear(self) -> None:
        with self._lock:
            self._active.clear()

    def __contains__(self, name: object) -> bool:
        with self._lock:
            return any(f.name == name for f in self._active)

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._active)

    def take(self, endpoint: str, names: tuple[str, ...]) -> Fault | None:
        """The first active fault among `names` that applies to `endpoint`, using up one of its `times`."""
        with self._lock:
            for fault in self._active:
                applies = (
                    endpoint in FAULT_SCOPE.get(fault.name, ENDPOINTS)
                    if fault.endpoint is None
                    else (fault.endpoint == endpoint)
                )
                if fault.name in names and applies:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._active.remove(fault)
                    return fault
        return None


class FaultAnswers:
    """Simulator mixin: the gateway's own error answers, and what a fault that was taken does (§6)."""

    clock: Callable[[], float]
    faults: Faults
    streaming_after: float
    timeout_delay: float
    paid_timeout_delay: float
    _lock: threading.RLock
    _request_seq: int

    def request_id(self) -> str:
        with self._lock:
            self._request_seq += 1
            seq = self._request_seq
        stamp = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y%m%d%H%M%S")
        return f"{stamp}{hashlib.sha256(str(seq).encode()).hexdigest()[:16]}"

    def gateway_error(self, status: int, message: str, *, code: str = "", headers=None) -> SimResponse:
        request_id = self.request_id()
        payload = {
            "error": {
                "message": f"{message} (request id: {request_id})",
                "type": "new_api_error",
                "code": code,
                "param": "",
            }
        }
        return json_response(status, payload, {"X-Oneapi-Request-Id": request_id, **(headers or {})})

    def gateway_fault(self, fault: Fault, endpoint: str) -> SimResponse:
        model = "suno_lyrics" if "lyrics" in endpoint else "suno_music"
        if fault.name == "unauthorized":
            return self.gateway_error(401, "Invalid token")
        if fault.name == "forbidden":
            return self.gateway_error(
                403, f"This token is not allowed to use model {model}", code="access_denied"
            )
        if fault.name == "insufficient_balance":
            return task_error(403, "quota_not_enough", "user quota is not enough")
        if fault.name == "rate_limited":
            retry_after = fault.options.get("retry_after", 2)
            return self.gateway_error(
                429,
                "Rate limit reached for requests, please try again later",
                code="rate_limit_exceeded",
                headers={"Retry-After": f"{retry_after:g}"},
            )
        return self.gateway_error(503, f"no available channel for model {model} under group default")

    def server_error(self, endpoint: str) -> SimResponse:
        # new-api wraps the upstream failure in E-task-error; on fetch it says it could not fetch the task.
        code = "fail_to_fetch_task" if endpoint.startswith(("fetch", "feed")) else "do_request_failed"
        return task_error(500, code, "upstream returned status 500: internal server error")

    def apply_response_fault(self, fault: Fault, response: SimResponse, endpoint: str) -> SimResponse:
        if fault.name == "server_error":  # work_done=True: the task exists, the answer is lost
            return self.server_error(endpoint)
        if fault.name == "timeout":  # beyond the client's read timeout, which is longer for paid calls
            default = self.paid_timeout_delay if endpoint in PAID_ENDPOINTS else self.timeout_delay
            response.delay = float(fault.options.get("delay", default))
            return response
        if fault.name == "gateway_timeout":  # Cloudflare gave up waiting; the origin did the work
            html = b"<!DOCTYPE html><html><head><title>524: A timeout occurred</title></head><body>"
            html += b"<h1>Error code 524</h1><p>A timeout occurred</p></body></html>"
            return SimResponse(524, {"Content-Type": "text/html; charset=UTF-8"}, html)
        truncated = response.body[: max(1, len(response.body) // 2)]  # malformed_json
        return SimResponse(200, {"Content-Type": JSON_TYPE}, truncated)

    def apply_lifecycle_faults(self, endpoint: str, task: TaskState, clips: list[ClipState]) -> None:
        fault = self.faults.take(endpoint, ("task_failure",))
        if fault:
            task.failure = fault.options.get("fail_reason", DEFAULT_TASK_FAILURE)
            task.fail_after = task.ready_after if task.ready_after is not None else self.streaming_after
            for clip in clips:  # family N pollers only see clips: they must end too
                clip.error = ("task_failure", task.failure)
            return
        if not clips:
            return
        fault = self.faults.take(endpoint, ("clip_error",))
        if fault:
            error_type = fault.options.get("error_type", DEFAULT_CLIP_ERROR[0])
            error_message = fault.options.get("error_message", DEFAULT_CLIP_ERROR[1])
            for clip in clips:
                clip.error = (error_type, error_message)
            return
        if self.faults.take(endpoint, ("clip_never_completes",)):
            for clip in clips:
                clip.never_completes = True
