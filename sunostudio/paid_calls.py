"""The studio's policy for paid upstream calls, shared by every job that makes one (songs, personas).

A paid POST is sent once. After a failure it is sent again only when the upstream certainly never took
it (a 429, or a 503 answered before the request reached the Suno adaptor); anything that may have
reached the upstream (a read timeout, a 5xx, an answer we could not read) is never resent, because it may
already have been charged. The creator can still press Retry.

The job's client makes one attempt per send (no retries inside the client for paid calls), so this
module's backoff is the only one: at most SUBMIT_MAX_ATTEMPTS requests per song, spaced exponentially
with jitter and never sooner than the upstream's Retry-After.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from suno import errors as suno_errors
from suno.gateway import DEFAULT_TIMEOUTS

from .notices import notify_staff

SUBMIT_MAX_ATTEMPTS = 5
RESEND_BASE_SECONDS = 10
RESEND_MAX_SECONDS = 300
# The longest a live paid send can wait for its answer: the client's pool, connect, write and paid-read
# timeouts, one after the other (160 s).
LONGEST_PAID_SEND = timedelta(
    seconds=DEFAULT_TIMEOUTS.pool
    + DEFAULT_TIMEOUTS.connect
    + DEFAULT_TIMEOUTS.write
    + DEFAULT_TIMEOUTS.paid_read
)
# A job killed mid-submit leaves its row "sending"; past this nobody is still sending it, so the sweep
# fails it without resending. The margin covers a quick same-host redirect and host clocks a little apart.
SUBMITTING_STUCK_AFTER = LONGEST_PAID_SEND + timedelta(seconds=20)

UNCONFIRMED_SUBMIT = (
    "We couldn't confirm that the music service received this request. To make sure you aren't charged "
    "twice it wasn't sent again. Press Retry to try once more."
)
WAITING_TO_RESEND = "{reason} It will be sent again automatically in about {seconds} s (try {next} of {max})."
GAVE_UP_BUSY = (
    "The music service was too busy to take this request, {tries} times in a row, so it wasn't made and "
    "nothing was charged. Press Retry to try again later."
)
GAVE_UP_UNREACHABLE = (
    "The music service couldn't be reached, {tries} times in a row, so it wasn't made and nothing was "
    "charged. Press Retry to try again later."
)
NOT_SUPPORTED = "This music service gateway doesn't offer that, so nothing was sent or charged."
GATEWAY_REFUSED = (
    "The music service failed to take this request ({message}), so nothing was made or charged. It wasn't "
    "sent again automatically; press Retry to try once more."
)
STAFF_TOLD = " An admin has been notified."
# Failures staff must fix (the key, the balance): each notifies staff, and the creator is told so.
STAFF_CAUSES = {
    suno_errors.InsufficientCredits: (
        "upstream_credit",
        "The upstream account's music credit is used up: top it up at the reseller.",
    ),
    suno_errors.AuthError: ("upstream_key", "The upstream refused the API key: check SUNO_API_KEY."),
}


def never_reached_upstream(error: suno_errors.SunoError) -> bool:
    return isinstance(error, suno_errors.RateLimited) or (
        isinstance(error, suno_errors.UpstreamUnavailable) and not error.may_have_reached_upstream
    )


def nothing_was_charged(error: suno_errors.SunoError) -> bool:
    """True when the upstream certainly made and charged nothing: every refusal it answered (4xx, 429, a
    route it doesn't serve, a 5xx carrying the relay's own JSON error, which takes its quota only when a
    submit succeeds: docs/upstream.md §11) and every request that never reached it. False for a transport
    timeout, a 5xx without the relay's JSON, and a 2xx we couldn't read: those may have been made."""
    if isinstance(error, suno_errors.UpstreamUnavailable):
        return not error.may_have_reached_upstream or error.gateway_answered
    return not isinstance(error, suno_errors.MalformedResponse)


def should_resend(error: suno_errors.SunoError, *, attempts: int) -> bool:
    """`attempts`: how many sends have been made, this one included."""
    return never_reached_upstream(error) and attempts < SUBMIT_MAX_ATTEMPTS


def resend_delay(
    error: suno_errors.SunoError, *, attempts: int, rand: Callable[[], float] = random.random
) -> timedelta:
    """Exponential with 'equal jitter' (half fixed, half random), never sooner than Retry-After."""
    ceiling = min(RESEND_MAX_SECONDS, RESEND_BASE_SECONDS * 2 ** (attempts - 1))
    seconds = ceiling / 2 + rand() * ceiling / 2
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        seconds = max(seconds, float(retry_after))
    return timedelta(seconds=seconds)


def waiting_message(error: suno_errors.SunoError, *, attempts: int, delay: timedelta) -> str:
    """While a send waits for its next try (true: the sweep sends it then)."""
    return WAITING_TO_RESEND.format(
        reason=error.user_message,
        seconds=max(1, round(delay.total_seconds())),
        next=attempts + 1,
        max=SUBMIT_MAX_ATTEMPTS,
    )


def failure_reason(error: suno_errors.SunoError, *, attempts: int = 1) -> str:
    """What the creator reads when the send is given up. Every sentence is true: 'an admin has been
    notified' only where a staff notice was just recorded."""
    if isinstance(error, suno_errors.RateLimited):
        return GAVE_UP_BUSY.format(tries=attempts)
    if never_reached_upstream(error):
        return GAVE_UP_UNREACHABLE.format(tries=attempts)
    if isinstance(error, suno_errors.RouteNotServed):
        return NOT_SUPPORTED
    if isinstance(error, suno_errors.UpstreamUnavailable) and error.gateway_answered:
        return GATEWAY_REFUSED.format(message=error.message.rstrip(". ") or f"HTTP {error.status_code}")
    if isinstance(error, suno_errors.UpstreamUnavailable | suno_errors.MalformedResponse):
        return UNCONFIRMED_SUBMIT
    for error_class, (cause, staff_message) in STAFF_CAUSES.items():
        if isinstance(error, error_class):
            notify_staff(cause=cause, message=staff_message, detail=error.message)
            return error.user_message + STAFF_TOLD
    return error.user_message
