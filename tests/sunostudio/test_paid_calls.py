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


def test_the_delay_backs_off_with_jitter_and_honours_retry_after():
    def delay(attempts, rand, retry_after=None):
        error = errors.RateLimited("busy", retry_after=retry_after)
        return paid_calls.resend_delay(error, attempts=attempts, rand=lambda: rand).total_seconds()

    assert [delay(n, 0.0) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]  # half the ceiling at the least
    assert [delay(n, 1.0) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]  # the ceiling at the most
    assert delay(9, 1.0) == paid_calls.RESEND_MAX_SECONDS
    assert delay(1, 0.0, retry_after=45) == 45  # never sooner than the upstream asked


def test_a_busy_or_unreachable_service_says_how_often_it_was_tried_and_promises_nothing():
    busy = paid_calls.failure_reason(errors.RateLimited("busy"), attempts=5)
    unreachable = paid_calls.failure_reason(
        errors.UpstreamUnavailable("no channel", may_have_reached_upstream=False), attempts=5
    )
    for message in (busy, unreachable):
        assert "5 times" in message and "nothing was charged" in message and "automatically" not in message


def test_an_unknown_fate_tells_the_creator_it_was_not_resent():
    assert paid_calls.failure_reason(errors.UpstreamUnavailable("timeout")) == paid_calls.UNCONFIRMED_SUBMIT
    assert "charged twice" in paid_calls.UNCONFIRMED_SUBMIT
    refused = errors.BadRequest("prompt too long")
    assert paid_calls.failure_reason(refused) == refused.user_message


def test_a_job_outlives_its_longest_paid_send(settings):
    """django-q2 kills a job past Q_CLUSTER["timeout"]: a paid send still waiting for its answer would be
    cut off and left unconfirmed; the broker's retry must come after the timeout too."""
    from sunostudio.paid_calls import LONGEST_PAID_SEND

    assert settings.Q_CLUSTER["timeout"] > LONGEST_PAID_SEND.total_seconds()
    assert settings.Q_CLUSTER["retry"] > settings.Q_CLUSTER["timeout"]
