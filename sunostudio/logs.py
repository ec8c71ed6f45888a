"""Structured logs: a request id on every line, one line per request and one per job.

With `LOG_FORMAT=json` each record is one JSON object on one line, ready for a log shipper. The request id
comes from the proxy's `X-Request-ID` (or is made here), goes back on the response, and travels with every
job the request queued, so one id ties a click to the upstream calls its jobs made.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

request_logger = logging.getLogger("sunostudio.requests")
job_logger = logging.getLogger("sunostudio.jobs")

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept only if it can't smuggle anything into a log line or a header.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Load balancers probe these every few seconds: a healthy answer is not news.
HEALTH_PATHS = frozenset({"/healthz", "/readyz"})

# Everything a LogRecord carries by itself; whatever else is on a record came in through `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# runserver's request lines carry the socket and the server's clock: not ours to print.
_SKIPPED_EXTRAS = frozenset({"request", "server_time", "status_code"})


def new_request_id() -> str:
    return uuid.uuid4().hex


def incoming_request_id(value: str | None) -> str:
    if value and _SAFE_REQUEST_ID.fullmatch(value):
        return value
    return new_request_id()


class JsonFormatter(logging.Formatter):
    @staticmethod
    def request_id(record: logging.LogRecord) -> str | None:
        # Django logs a 4xx/5xx (django.request) after the middleware has returned: its record carries
        # the request, and the request carries the id.
        return getattr(getattr(record, "request", None), "request_id", None) or request_id_var.get()

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": self.request_id(record),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in _SKIPPED_EXTRAS:
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class HealthProbeFilter(logging.Filter):
    """Drops runserver's line for a healthy probe (`make run` waits on /healthz before it greets)."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is None or status >= 400:
            return True
        message = record.getMessage()
        return not any(f'"GET {path} ' in message or f'"HEAD {path} ' in message for path in HEALTH_PATHS)


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None  # nothing on the way looked at the user: don't run a session query just to log it
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    """First in MIDDLEWARE, so the duration covers the whole stack and every response gets the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = incoming_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        method, path = request.method, request.path  # as they came: a middleware may rewrite the method
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            if not (path in HEALTH_PATHS and response.status_code < 400):
                request_logger.info(
                    "%s %s %s",
                    method,
                    path,
                    response.status_code,
                    extra={
                        "event": "request",
                        "method": method,
                        "path": path,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "user_id": _user_id(request),
                    },
                )
            return response
        finally:
            request_id_var.reset(token)


# --- Jobs (django-q2 signals, connected in apps.py) ---------------------------------------------------
# pre_enqueue runs where the job is queued (a request), pre_execute and post_execute_in_worker in the
# worker process around the call. The task dict is pickled into the broker, so the id rides along with it.
_job_started: ContextVar[tuple[float, Any] | None] = ContextVar("job_started", default=None)


def _job_name(func: Any) -> str:
    # Our jobs are queued by dotted path; a callable gets its module and name.
    if callable(func):
        return f"{func.__module__}.{func.__qualname__}"
    return str(func)


def on_pre_enqueue(sender, task: dict, **kwargs) -> None:
    task.setdefault("request_id", request_id_var.get())


def on_pre_execute(sender, func, task: dict, **kwargs) -> None:
    token = request_id_var.set(task.get("request_id") or new_request_id())
    _job_started.set((time.perf_counter(), token))


def on_post_execute_in_worker(sender, func, task: dict, **kwargs) -> None:
    started = _job_started.get()
    if started is None:
        return
    started_at, token = started
    _job_started.set(None)
    # A sync task that raised arrives here before django-q2 has written "success".
    outcome = "success" if task.get("success") is True else "failure"
    name = _job_name(task.get("func"))
    duration_ms = round((time.perf_counter() - started_at) * 1000, 1)
    job_logger.log(
        logging.INFO if outcome == "success" else logging.WARNING,
        "job %s %s in %s ms",
        name,
        outcome,
        duration_ms,
        extra={
            "event": "job",
            "job": name,
            "task_id": task.get("id"),
            "task_name": task.get("name"),
            "duration_ms": duration_ms,
            "outcome": outcome,
        },
    )
    request_id_var.reset(token)
