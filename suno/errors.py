"""One exception class per class of upstream failure.

Each class carries the sentence a creator reads (`user_message`) and whether a later retry is safe
(`retryable`). `str(error)` is for logs: it never holds the API key (the client scrubs it).
"""

from __future__ import annotations


class SunoError(Exception):
    user_message = "The music service had a problem. We'll try again shortly."
    retryable = False

    def __init__(self, message: str = "", *, status_code: int | None = None, request_id: str = "") -> None:
        super().__init__(message or self.user_message)
        self.message = message or self.user_message
        self.status_code = status_code
        self.request_id = request_id


class AuthError(SunoError):
    """401/403: the key is missing, wrong, expired or not allowed this model."""

    user_message = "The studio's music service key was refused. An admin needs to check the API key."


class InsufficientCredits(SunoError):
    """403 quota_not_enough (or a 'quota exhausted' gateway error): the account balance ran out."""

    user_message = (
        "The studio is out of music credits. An admin has been notified; try again once it's topped up."
    )


class RateLimited(SunoError):
    """429: too many requests. Safe to retry after `retry_after` seconds: the request was not accepted."""

    user_message = "The music service is busy right now. We'll retry automatically in a moment."
    retryable = True

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class UpstreamUnavailable(SunoError):
    """5xx, a connect error or a timeout.

    `may_have_reached_upstream` is False only when the request provably never got there (connect error,
    pool timeout, or a gateway error answered before the Suno adaptor ran, such as 503 "no available
    channel"). When it is True, a paid call must never be resent: the upstream may already have charged.
    """

    user_message = "The music service is unavailable right now. Please try again in a few minutes."
    retryable = True

    def __init__(self, message: str = "", *, may_have_reached_upstream: bool = True, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.may_have_reached_upstream = may_have_reached_upstream


class BadRequest(SunoError):
    """4xx with the upstream's own message (validation, unknown ids, a clip not ready yet...)."""

    user_message = "The music service refused this request."

    def __init__(self, message: str = "", *, code: str = "", **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.code = code
        if message:
            self.user_message = f"The music service refused this request: {message}"


class TaskNotFound(BadRequest):
    """400 task_not_exist: an unknown task id, or one that belongs to another key."""


class MalformedResponse(SunoError):
    """A 2xx whose body is not the JSON shape docs/upstream.md describes."""

    user_message = "The music service sent an answer we couldn't read. We'll try again shortly."
    retryable = True
