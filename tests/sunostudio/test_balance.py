"""The balance job stores each outcome, the first low read notifies staff, `manage.py suno_balance` prints."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from sunostudio import tasks
from sunostudio.balance import LOW_BALANCE_CAUSE, upstream_balance_refresh
from sunostudio.models import StaffNotice, UpstreamBalance

from .billing import SUBSCRIPTION, USAGE, billing_gateway

pytestmark = pytest.mark.django_db


def test_a_read_stores_the_amounts_in_dollars():
    with billing_gateway(hard_limit_usd=100.0, usage_cents=2500) as gateway:
        tasks.refresh_upstream_balance()

    balance = UpstreamBalance.current()
    assert balance.status == UpstreamBalance.Status.OK
    assert (balance.hard_limit_usd, balance.used_usd, balance.remaining_usd) == (100.0, 25.0, 75.0)
    assert balance.read_at == balance.checked_at and balance.error_message == ""
    assert set(gateway.paths) == {SUBSCRIPTION, USAGE}
    assert UpstreamBalance.objects.count() == 1


@pytest.mark.parametrize("mode", ["html", "not_found"])
def test_a_gateway_without_billing_routes_is_not_served_not_an_error(mode):
    with billing_gateway():
        upstream_balance_refresh()
    with billing_gateway(mode=mode):
        upstream_balance_refresh()

    balance = UpstreamBalance.current()
    assert balance.status == UpstreamBalance.Status.NOT_SERVED
    assert balance.remaining_usd is None and balance.error_message == ""


@pytest.mark.parametrize(("mode", "words"), [("unauthorized", "Invalid token"), ("unavailable", "")])
def test_a_failed_read_keeps_the_last_known_amounts(mode, words):
    start = timezone.now()
    with billing_gateway():
        upstream_balance_refresh(now=start)
    with billing_gateway(mode=mode):
        upstream_balance_refresh(now=start + timedelta(minutes=5))

    balance = UpstreamBalance.current()
    assert balance.status == UpstreamBalance.Status.ERROR
    assert balance.error_message and words in balance.error_message
    assert balance.remaining_usd == 75.0 and balance.read_at == start
    assert balance.checked_at == start + timedelta(minutes=5)


def test_the_first_read_below_the_threshold_notifies_staff_once(settings):
    settings.SUNO_BALANCE_WARN_USD = 5
    with billing_gateway(usage_cents=9700):  # $3 left
        upstream_balance_refresh()
        upstream_balance_refresh()  # still low: no second notice, no second email

    notice = StaffNotice.objects.open().get(cause=LOW_BALANCE_CAUSE)
    assert notice.count == 1
    assert "$3.00 left of $100.00" in notice.message

    with billing_gateway(usage_cents=1000):  # topped up
        upstream_balance_refresh()
    assert not StaffNotice.objects.open().filter(cause=LOW_BALANCE_CAUSE).exists()

    with billing_gateway(usage_cents=9900):  # low again: news again
        upstream_balance_refresh()
    assert StaffNotice.objects.open().get(cause=LOW_BALANCE_CAUSE).count == 1
    assert StaffNotice.objects.filter(cause=LOW_BALANCE_CAUSE).count() == 2


def test_a_balance_above_the_threshold_notifies_nobody(settings):
    settings.SUNO_BALANCE_WARN_USD = 5
    with billing_gateway(usage_cents=9000):  # $10 left
        upstream_balance_refresh()
    assert not StaffNotice.objects.exists()


def test_the_job_is_scheduled_every_five_minutes():
    schedule = Schedule.objects.get(name="sunostudio.refresh_upstream_balance")
    assert schedule.func == "sunostudio.tasks.refresh_upstream_balance"
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 5, -1)


def run_command(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("suno_balance", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_says_when_nothing_was_read_yet():
    out, _ = run_command()
    assert "has not been read yet" in out and "--refresh" in out


def test_the_command_prints_the_stored_balance_and_when_it_was_read(settings):
    settings.SUNO_BALANCE_WARN_USD = 80
    with billing_gateway():
        upstream_balance_refresh()

    out, err = run_command()

    assert "Remaining: $75.00 of $100.00 (used $25.00)" in out
    assert "Read: " in out and "UTC" in out and "now" in out
    assert "Low: below SUNO_BALANCE_WARN_USD ($80.00)" in out
    assert err == ""


def test_the_command_refresh_reads_now_through_the_job():
    with billing_gateway(usage_cents=4000) as gateway:
        out, _ = run_command("--refresh")
    assert gateway.paths
    assert "Remaining: $60.00 of $100.00" in out


def test_the_command_prints_not_served_and_failures():
    with billing_gateway(mode="html"):
        out, _ = run_command("--refresh")
    assert "Balance not available from this gateway" in out

    with billing_gateway(mode="unauthorized"):
        out, err = run_command("--refresh")
    assert "failed: " in err and "Invalid token" in err
