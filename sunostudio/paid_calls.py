"""The studio's policy for paid upstream calls, shared by every job that makes one (songs, personas).

A paid POST is sent once. After a failure it is sent again only when the upstream certainly never took
it (a 429, or a 503 answered before the request reached the Suno adaptor); anything that may have
reached the upstream (a read timeout, a 5xx, an answer we could not read) is never resent, because it may
already have been charged. The creator can still press Retry.
"""

from __future__ import annotations

from datetime import timedelta

from suno import errors as suno_errors

SUBMIT_MAX_ATTEMPTS = 5
# A job killed mid-submit leaves its row "sending"; past this the sweep fails it without resending.
SUBMITTING_STUCK_AFTER = timedelta(minutes=5)

UNCONFIRMED_SUBMIT = (
    "We couldn't confirm that the music service received this request. To make sure you aren't charged "
    "twice it wasn't sent again. Press Retry to try once more."
)


def never_reached_upstream(error: suno_errors.SunoError) -> bool:
    return isinstance(error, suno_errors.RateLimited) or (
        isinstance(error, suno_errors.UpstreamUnavailable) and not error.may_have_reached_upstream
    )


def should_resend(error: suno_errors.SunoError, *, attempts: int) -> bool:
    """`attempts`: how many sends have been made, this one included."""
    return never_reached_upstream(error) and attempts < SUBMIT_MAX_ATTEMPTS


def resend_delay(error: suno_errors.SunoError, *, attempts: int) -> timedelta:
    seconds = getattr(error, "retry_after", None) or min(60, 5 * 2 ** (attempts - 1))
    return timedelta(seconds=seconds)


def failure_reason(error: suno_errors.SunoError) -> str:
    """What the creator reads when the send is given up: an unknown fate says so and that it wasn't resent."""
    if isinstance(error, suno_errors.UpstreamUnavailable | suno_errors.MalformedResponse):
        return UNCONFIRMED_SUBMIT
    return error.user_message
