"""One exception class per class of upstream failure.

Each class carries the sentence a creator reads (`user_message`) and whether a later retry is safe
(`retryable`). A `user_message` states what happened and promises nothing: only the Django layer knows
what happens next (a resend, a Retry button, an admin), so it adds that. It never holds raw JSON.
`str(error)` and `error.message` are for staff and logs: the upstream's own words, scrubbed of the API
key (the client does that), unwrapped when the relay nested the upstream's JSON inside its message.
"""

from __future__ import annotations

import re

# A message that still looks like JSON (an object or an array of strings) is never shown to a creator.
_JSON_LIKE = re.compile(r"[{\[]\s*\"")


def readable(message: str) -> bool:
    """True when `message` is words a person can read, not a JSON document (docs/upstream.md §6)."""
    return bool(message.strip()) and not _JSON_LIKE.search(message)


class SunoError(Exception):
    user_message = "The music service had a problem with this request."
    retryable = False

    def __init__(self, message: str = "", *, status_code: int | None = None, request_id: str = "") -> None:
        super().__init__(message or self.user_message)
        self.message = message or self.user_message
        self.status_code = status_code
        self.request_id = request_id


class AuthError(SunoError):
    """401/403: the key is missing, wrong, expired or not allowed this model."""

    user_message = "The studio's music service key was refused."


class InsufficientCredits(SunoError):
    """Out of credit: 403 `quota_not_enough` / `insufficient_user_quota`, `pre_consume_token_quota_failed`,
    a 401 for an exhausted token (`TokenStatusExhausted`), or quota words in the message (§6, §11).
    Nothing was made and nothing was charged; staff read the gateway's own words in `message`."""

    user_message = "The studio's music credit is used up, so nothing was made."


class RateLimited(SunoError):
    """429: too many requests. Safe to retry after `retry_after` seconds: the request was not accepted."""

    user_message = "The music service was too busy to take this request."
    retryable = True

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class UncheckedPaidCall(RuntimeError):
    """A paid method was called without the caller's authorisation (see SunoClient `authorise`)."""


class UpstreamUnavailable(SunoError):
    """5xx, a connect error or a timeout.

    `may_have_reached_upstream` is False only when the request provably never got there (connect error,
    pool timeout, or a gateway error answered before the Suno adaptor ran, such as 503 "no available
    channel"). When it is True, a paid call must never be resent: the upstream may already have charged.
    """

    user_message = "The music service couldn't be reached."
    retryable = True

    def __init__(
        self,
        message: str = "",
        *,
        may_have_reached_upstream: bool = True,
        gateway_answered: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(message, **kwargs)
        self.may_have_reached_upstream = may_have_reached_upstream
        # The relay answered with its own JSON error body (§11 refunds): it takes its quota only when a
        # submit succeeds, so nothing was charged even though the request reached it.
        self.gateway_answered = gateway_answered


class BadRequest(SunoError):
    """4xx with the upstream's own message (validation, unknown ids, a clip not ready yet...)."""

    user_message = "The music service refused this request."

    def __init__(self, message: str = "", *, code: str = "", **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.code = code
        if message and readable(message):
            self.user_message = f"The music service refused this request: {message}"


class TaskNotFound(BadRequest):
    """400 `task_not_exist` (message `task_not_exist` or `task_origin_not_exist`): an unknown task id, one
    that belongs to another key, or, on a submit, a `task_id` the relay did not create (§5.10, §11)."""


class RouteNotServed(BadRequest):
    """This gateway has no such route: a 404, or the relay's web UI answering a JSON route with HTML
    (HTTP 200 `text/html`, §11). A paid call answered this way created no task, so nothing was charged."""

    user_message = "This music service gateway doesn't offer that feature."
    may_have_reached_upstream = False

    def __init__(self, message: str = "", **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.user_message = type(self).user_message  # the gateway's words (or HTML) are for staff only


class ModelUnavailable(BadRequest):
    """The gateway says the model version is not available, not supported, or has no channel (§6, §11).

    `mv` is the version it named ("" when it named none). It was refused before any work was done.
    """

    may_have_reached_upstream = False

    def __init__(self, message: str = "", *, mv: str = "", **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.mv = mv
        self.user_message = (
            f"The music service doesn't offer the model version {mv}."
            if mv
            else "The music service doesn't offer that model version."
        )


class MalformedResponse(SunoError):
    """A 2xx whose body is not the JSON shape docs/upstream.md describes."""

    user_message = "The music service sent an answer we couldn't read."
    retryable = True
