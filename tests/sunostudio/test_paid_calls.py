"""The paid-call policy songs and personas share: resend only what certainly never reached the upstream."""

import pytest

from suno import errors
from sunostudio import paid_calls


@pytest.mark.parametrize(
    ("error", "resend"),
    [
        (errors.RateLimited("busy", retry_after=7), True),
        (errors.UpstreamUnavailable("no channel", may_have_reached_upstream=False), True),
        (errors.UpstreamUnavailable("read timeout"), False),  # may have been charged
        (errors.MalformedResponse("not json"), False),
        (errors.BadRequest("prompt too long"), False),
        (errors.AuthError("bad key"), False),
    ],
)
def test_only_a_call_that_never_reached_the_upstream_is_resent(error, resend):
    assert paid_calls.should_resend(error, attempts=1) is resend


def test_resending_stops_after_the_last_attempt():
    error = errors.RateLimited("busy")
    assert paid_calls.should_resend(error, attempts=paid_calls.SUBMIT_MAX_ATTEMPTS - 1)
    assert not paid_calls.should_resend(error, attempts=paid_calls.SUBMIT_MAX_ATTEMPTS)


def test_the_delay_honours_retry_after_else_backs_off():
    assert paid_calls.resend_delay(errors.RateLimited("busy", retry_after=7), attempts=3).total_seconds() == 7
    delays = [
        paid_calls.resend_delay(errors.RateLimited("busy"), attempts=n).total_seconds() for n in (1, 2, 3)
    ]
    assert delays == [5, 10, 20]


def test_an_unknown_fate_tells_the_creator_it_was_not_resent():
    assert paid_calls.failure_reason(errors.UpstreamUnavailable("timeout")) == paid_calls.UNCONFIRMED_SUBMIT
    assert "charged twice" in paid_calls.UNCONFIRMED_SUBMIT
    refused = errors.BadRequest("prompt too long")
    assert paid_calls.failure_reason(refused) == refused.user_message
