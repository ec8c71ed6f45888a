"""The HTTP side of SunoClient: one request, its retries, and what an answer means (docs/upstream.md §6).

`Gateway` sends a request with the right timeout (paid POSTs wait longer), re-sends it once after a
same-host redirect, retries what is safe to retry, and turns every failure answer into one exception of
`suno.errors`. `SunoClient` (client.py) adds one method per endpoint.

The API key travels only in the Authorization header: it is scrubbed from every message we copy into an
exception or a log record.
"""

from __future__ import annotations

import email.utils
import json as jsonlib
import logging
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

import httpx

from .errors import (
    AuthError,
    BadRequest,
    InsufficientCredits,
    MalformedResponse,
    ModelUnavailable,
    RateLimited,
    RouteNotServed,
    SunoError,
    TaskNotFound,
    UncheckedPaidCall,
    UpstreamUnavailable,
)

logger = logging.getLogger("suno")

# These fail before a byte of the request is written, so even a paid call may be sent again.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

# Out of credit, by code first (new-api's and one-api's codes, §6, §11), then by the message's words in
# English and Chinese. "TokenStatusExhausted" is the 401 of a token whose own quota is used up.
CREDIT_CODES = frozenset({"quota_not_enough", "insufficient_user_quota", "pre_consume_token_quota_failed"})
_QUOTA_WORDS = re.compile(r"quota|balance|credit|额度|余额|TokenStatusExhausted", re.IGNORECASE)
# `task_not_exist` on a fetch; on a submit, the relay refuses a task_id it did not create (§11).
TASK_NOT_FOUND_CODES = frozenset({"task_not_exist", "task_origin_not_exist"})
# A refused model version (§6, §11). "No channel" counts only when it names an mv: a relay picks its
# channel by its own model name (`suno_music`), and then it is a 503 UpstreamUnavailable as before.
_NO_CHANNEL = re.compile(r"no available channel|无可用渠道", re.IGNORECASE)
_MODEL_REFUSED = re.compile(
    r"invalid mv|unsupported (?:model|mv)"
    r"|\b(?:model|mv|version)\b[^.;\n]{0,80}?(?:not (?:available|supported|found)|unavailable|unsupported"
    r"|does not exist|doesn't exist)"
    r"|模型[^，。,;；]{0,40}?(?:不可用|不支持|不存在)|不支持[^，。,;；]{0,40}?模型",
    re.IGNORECASE,
)
_MV = re.compile(r"\bchirp-[a-z0-9][a-z0-9.\-]*", re.IGNORECASE)
_INVALID_MV = re.compile(r"invalid mv\W+([A-Za-z0-9][\w.\-]*)", re.IGNORECASE)
_REQUEST_ID = re.compile(r"request id:?\s*([A-Za-z0-9_.-]+)", re.IGNORECASE)
_REQUEST_ID_SUFFIX = re.compile(r"\s*\(request id:[^)]*\)\s*$", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)
# new-api names an exhausted token by a masked key ("TokenStatusExhausted[sk-abc***xyz]"): scrub it too.
_TOKEN_NAME = re.compile(r"\bsk-[A-Za-z0-9*]{3,}")
_BINARY_TYPES = ("audio/", "video/", "application/octet-stream")
_MESSAGE_MAX = 500
_NEST_MAX = 4  # how deep a relay's message may nest the upstream's JSON before we stop unwrapping
# Same-host redirects we re-send once (§1 trailing slashes): 307/308 keep the method and body; a GET may
# also follow 301/302/303 (gin answers a GET's slash form with 301).
_REDIRECT_KEEPS_METHOD = (307, 308)
_REDIRECT_GET = (301, 302, 303)


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 30.0  # queries
    write: float = 30.0
    pool: float = 5.0
    # Paid POSTs: the relay answers only once Suno took the submit (captcha, account pool), which can take
    # far longer than a fetch. Above Cloudflare's 100 s origin timeout, so the gateway's own answer (or its
    # 524) arrives before we give up and leave the fate unknown ourselves (docs/upstream.md §6).
    paid_read: float = 120.0


DEFAULT_TIMEOUTS = Timeouts()


@dataclass(frozen=True)
class Reply:
    body: Any  # parsed JSON, or None for a binary or empty media body
    response: httpx.Response


def parse_retry_after(value: str | None, *, date_header: str | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3).

    A date is measured against the response's own Date header when there is one, so a skewed local
    clock doesn't matter.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        target = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    now = time.time()
    if date_header:
        try:
            now = email.utils.parsedate_to_datetime(date_header).timestamp()
        except (TypeError, ValueError, IndexError):
            pass
    return max(0.0, target.timestamp() - now)


class Gateway:
    """The transport under SunoClient: `_request` sends, re-sends what is safe, and raises `SunoError`s."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        transport: httpx.BaseTransport | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        max_attempts: int = 4,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        authorise: Callable[[str], None] | None = None,
    ) -> None:
        self.base_url = base_url
        # Called with the action before every paid method sends anything; raising stops the call. The
        # studio uses it so that no paid call leaves without its charge (sunostudio.upstream).
        self._authorise = authorise
        self._paid_action: str | None = None
        self._api_key = api_key
        self._max_attempts = max(1, max_attempts)
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._sleep = sleep
        self._rand = rand
        self._paid_timeout = httpx.Timeout(
            connect=timeouts.connect, read=timeouts.paid_read, write=timeouts.write, pool=timeouts.pool
        )
        self._http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=httpx.Timeout(
                connect=timeouts.connect, read=timeouts.read, write=timeouts.write, pool=timeouts.pool
            ),
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            # Never followed blindly: `_send` re-sends a same-host 307/308 once (§1), nothing else.
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _request(self, method: str, path: str, *, json: Any = None, paid: bool, media: bool = False) -> Reply:
        if paid and self._paid_action is None:
            raise UncheckedPaidCall(f"{method} {path} is paid: send it from a method marked @paid(action)")
        attempt = 0
        while True:
            try:
                response = self._send(method, path, json=json, paid=paid)
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                never_sent = isinstance(exc, _NEVER_SENT)
                error: SunoError = UpstreamUnavailable(
                    self._scrub(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__),
                    may_have_reached_upstream=not never_sent,
                )
                may_retry = never_sent or not paid
                logger.warning("suno %s %s: %s", method, path, error.message)
            else:
                try:
                    return self._check(method, path, response, media=media)
                except (RateLimited, UpstreamUnavailable) as exc:
                    error = exc
                    # Any 5xx may have been charged upstream; a 429 was refused before it was accepted.
                    may_retry = isinstance(exc, RateLimited) or not paid
            attempt += 1
            if may_retry and attempt < self._max_attempts:
                delay = self._backoff(attempt - 1, getattr(error, "retry_after", None))
                if delay is not None:
                    logger.info("suno %s %s: retry %d in %.2fs", method, path, attempt, delay)
                    self._sleep(delay)
                    continue
            if paid and isinstance(error, UpstreamUnavailable) and error.may_have_reached_upstream:
                error.retryable = False  # never resend blindly: the caller must check what happened
            raise error

    def _send(self, method: str, path: str, *, json: Any, paid: bool) -> httpx.Response:
        """One request, re-sent once to the `Location` of a same-host redirect (§1 trailing slashes).

        A redirect is a routing answer given before any handler ran, so nothing was charged.
        """
        timeout = self._paid_timeout if paid else httpx.USE_CLIENT_DEFAULT
        response = self._http.request(method, path, json=json, timeout=timeout)
        target = _redirect_target(response, method)
        if target is None:
            return response
        logger.info("suno %s %s: following HTTP %d to %s", method, path, response.status_code, target.path)
        response.close()
        return self._http.request(method, target, json=json, timeout=timeout)

    def _backoff(self, attempt: int, retry_after: float | None) -> float | None:
        """Full jitter; at least Retry-After. None when the server asks for longer than we ever wait:
        the caller (a queued job) should come back later instead of blocking a worker."""
        delay = min(self._backoff_max, self._backoff_base * 2**attempt) * self._rand()
        if retry_after is not None:
            if retry_after > self._backoff_max:
                return None
            delay = max(delay, retry_after)
        return delay

    def _check(self, method: str, path: str, response: httpx.Response, *, media: bool) -> Reply:
        status = response.status_code
        content_type = response.headers.get("content-type", "").lower()
        if content_type.startswith("text/html") and 200 <= status < 400:
            # §11: the relay's web UI answers every path it has no route for with HTTP 200 HTML.
            request_id = self._scrub(response.headers.get("x-oneapi-request-id", ""))
            logger.warning(
                "suno %s %s: HTTP %d text/html: the gateway has no such route", method, path, status
            )
            raise RouteNotServed(
                f"HTTP {status} text/html: this gateway does not serve {method} {path}",
                status_code=status,
                request_id=request_id,
            )
        if 200 <= status < 300 and media:
            if content_type.startswith(_BINARY_TYPES) or not response.content.strip():
                return Reply(None, response)  # binary WAV/MP4, or an empty "still converting" body
        try:
            body = response.json()
        except ValueError:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
            body = None
            is_json = False
        else:
            is_json = True
        message, codes, request_id = self._describe(body, response)
        code = codes[-1] if codes else ""

        if 200 <= status < 300:
            if not is_json:
                logger.warning("suno %s %s: HTTP %d with a non-JSON body", method, path, status)
                raise MalformedResponse(
                    f"HTTP {status} with a non-JSON body", status_code=status, request_id=request_id
                )
            if not _is_failure_envelope(body):
                return Reply(body, response)

        logger.warning(
            "suno %s %s: HTTP %d code=%r request_id=%s: %s", method, path, status, code, request_id, message
        )
        if is_json:
            logger.debug("suno %s %s body: %s", method, path, self._scrub(response.text[:2000]))
        if not message:
            message = (
                f"HTTP {status}" + (f" {code}" if code else "") + ("" if is_json else " (non-JSON body)")
            )
        raise _classify(status, codes, message, body, response, request_id)

    def _describe(self, body: Any, response: httpx.Response) -> tuple[str, tuple[str, ...], str]:
        """The message, the codes (outermost first) and the request id, wherever this envelope keeps them
        (§1.1, §6). A message that is itself the upstream's JSON is unwrapped (§11 nested bodies)."""
        message, code = _envelope_fields(body)
        message = self._scrub(message)
        match = _REQUEST_ID.search(message)
        request_id = match.group(1) if match else ""
        request_id = (
            request_id
            or response.headers.get("x-oneapi-request-id", "")
            or response.headers.get("x-request-id", "")
        )
        message, codes = _unwrap(message, code)
        return message[:_MESSAGE_MAX], codes, self._scrub(request_id)

    def _scrub(self, text: str) -> str:
        if self._api_key:
            text = text.replace(self._api_key, "[redacted]")
        return _TOKEN_NAME.sub("sk-[redacted]", _BEARER.sub(r"\1[redacted]", text))


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _is_failure_envelope(body: Any) -> bool:
    """§1.1: success needs `code` absent or "success" and no top-level `error` object."""
    if not isinstance(body, dict):
        return False
    code = body.get("code")
    if code is not None and as_text(code).lower() != "success":
        return True
    error = body.get("error")
    return isinstance(error, dict) or (isinstance(error, str) and bool(error))


def _envelope_fields(body: Any) -> tuple[str, str]:
    """(message, code) of one envelope: E-gateway-error, E-task-error, or Suno's own `detail`/`msg`."""
    if isinstance(body, list) and body:
        body = body[0]
    if not isinstance(body, dict):
        return "", ""
    message = code = ""
    error = body.get("error")
    if isinstance(error, dict):
        message = as_text(error.get("message"))
        code = as_text(error.get("code"))
    elif isinstance(error, str):
        message = error
    detail = body.get("detail")
    if isinstance(detail, list | dict):
        detail, _ = _envelope_fields(detail)
    message = (
        message
        or as_text(body.get("message"))
        or as_text(body.get("fail_reason"))
        or as_text(detail)
        or as_text(body.get("msg"))
    )
    return message, code or as_text(body.get("code"))


def _unwrap(message: str, code: str) -> tuple[str, tuple[str, ...]]:
    """§11 nested bodies: the upstream's JSON as a string inside `message`, maybe several levels deep.

    Returns the innermost readable message and every code on the way, outermost first. When a level has
    no message of its own the one above is kept, minus the JSON.
    """
    codes = [code] if code else []
    for _ in range(_NEST_MAX):
        text = _REQUEST_ID_SUFFIX.sub("", message).strip()
        start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
        if start < 0:
            break
        try:
            inner, _ = jsonlib.JSONDecoder().raw_decode(text[start:])
        except ValueError:
            break
        inner_message, inner_code = _envelope_fields(inner)
        if not inner_message and not inner_code:
            break  # brackets in plain words, or JSON that is no envelope: keep the text as it is
        if inner_code:
            codes.append(inner_code)
        if not inner_message:
            message = text[:start].strip(" :-")
            break
        message = inner_message
    return message, tuple(codes)


def _named_mv(message: str) -> str:
    found = _MV.search(message) or _INVALID_MV.search(message)
    if not found:
        return ""
    return (found.group(1) if found.re is _INVALID_MV else found.group(0)).rstrip(".-")


def _model_refusal(message: str, codes: tuple[str, ...]) -> str | None:
    """The mv a "model not available" answer names ("" for none), or None when it is no such answer."""
    mv = _named_mv(message)
    if _NO_CHANNEL.search(message) or "model_not_found" in codes:
        return mv or None  # no mv named: the relay's own model has no channel (a 503 outage)
    return mv if _MODEL_REFUSED.search(message) else None


def _classify(
    status: int,
    codes: tuple[str, ...],
    message: str,
    body: Any,
    response: httpx.Response,
    request_id: str,
) -> SunoError:
    info = {"status_code": status, "request_id": request_id}
    code = codes[-1] if codes else ""
    is_gateway_error = isinstance(body, dict) and isinstance(body.get("error"), dict)
    if CREDIT_CODES.intersection(codes):
        return InsufficientCredits(message, **info)
    if status == 429:
        retry_after = parse_retry_after(
            response.headers.get("retry-after"), date_header=response.headers.get("date")
        )
        return RateLimited(message, retry_after=retry_after, **info)
    if status >= 500:
        # A gateway error (its own envelope) is answered before the Suno adaptor runs: a 503 "no available
        # channel" for the relay's own model is an outage; one that names an mv refuses that version.
        mv = _model_refusal(message, codes) if is_gateway_error or "model_not_found" in codes else None
        if mv:
            return ModelUnavailable(message, mv=mv, code=code, **info)
        reached = not (status == 503 and is_gateway_error)
        return UpstreamUnavailable(
            message, may_have_reached_upstream=reached, gateway_answered=_is_failure_envelope(body), **info
        )
    if status == 404:
        return RouteNotServed(message, code=code, **info)
    # 401, 403, other 4xx, 3xx, and a 2xx whose envelope says it failed.
    if _QUOTA_WORDS.search(message):
        return InsufficientCredits(message, **info)
    mv = _model_refusal(message, codes)
    if mv is not None:
        return ModelUnavailable(message, mv=mv, code=code, **info)
    if status in (401, 403):
        return AuthError(message, **info)
    if TASK_NOT_FOUND_CODES.intersection(codes) or message in TASK_NOT_FOUND_CODES:
        return TaskNotFound(message, code="task_not_exist", **info)
    return BadRequest(message, code=code, **info)


def _redirect_target(response: httpx.Response, method: str) -> httpx.URL | None:
    """Where a same-host redirect points, if it is one we re-send; never cross-host, never twice."""
    status = response.status_code
    if status not in _REDIRECT_KEEPS_METHOD and not (status in _REDIRECT_GET and method in ("GET", "HEAD")):
        return None
    location = response.headers.get("location")
    if not location:
        return None
    origin = response.request.url
    try:
        target = origin.join(location)
    except httpx.InvalidURL:
        return None
    if (target.scheme, target.netloc) != (origin.scheme, origin.netloc) or target == origin:
        return None
    return target
