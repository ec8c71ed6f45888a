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

from .billing import html_gateway

pytestmark = pytest.mark.django_db


def spend(suno, *, limit_usd: float = 100.0, used_usd: float) -> None:
    """The simulated key was given `limit_usd` and has spent `used_usd` of it."""
    suno.simulator.balance_usd = limit_usd
    suno.simulator.charge(used_usd - suno.simulator.used_usd, "")


def test_a_read_stores_the_amounts_in_dollars(suno):
    spend(suno, used_usd=25.0)

    tasks.refresh_upstream_balance()

    balance = UpstreamBalance.current()
    assert balance.status == UpstreamBalance.Status.OK
    assert (balance.hard_limit_usd, balance.used_usd, balance.remaining_usd) == (100.0, 25.0, 75.0)
    assert balance.read_at == balance.checked_at and balance.error_message == ""
    assert suno.calls("billing_subscription") == suno.calls("billing_usage") == 1
    assert UpstreamBalance.objects.count() == 1


def test_a_gateway_without_billing_routes_is_not_served_not_an_error(suno):
    spend(suno, used_usd=25.0)
    upstream_balance_refresh()
    suno.simulator.set_dialect("no_billing")  # 404 Invalid URL

    upstream_balance_refresh()

    balance = UpstreamBalance.current()
    assert balance.status == UpstreamBalance.Status.NOT_SERVED
    assert balance.remaining_usd is None and balance.read_at is None and balance.error_message == ""


def test_a_relay_answering_billing_with_its_web_ui_is_not_served():
    with html_gateway() as paths:
        upstream_balance_refresh()

    assert paths  # it asked, and took the HTML page for "no such route"
    assert UpstreamBalance.current().status == UpstreamBalance.Status.NOT_SERVED


@pytest.mark.parametrize("fault", ["unauthorized", "unavailable"])
def test_a_failed_read_keeps_the_last_known_amounts(suno, fault):
    spend(suno, used_usd=25.0)
    start = timezone.now()
    upstream_balance_refresh(now=start)
    suno.faults.add(fault)

    upstream_balance_refresh(now=start + timedelta(minutes=5))

    balance = UpstreamBalance.current()
    assert balance.status == UpstreamBalance.Status.ERROR and balance.error_message
    assert balance.remaining_usd == 75.0 and balance.read_at == start
    assert balance.checked_at == start + timedelta(minutes=5)


def test_the_first_read_below_the_threshold_notifies_staff_once(suno, settings):
    settings.SUNO_BALANCE_WARN_USD = 5
    spend(suno, used_usd=97.0)  # $3 left
    upstream_balance_refresh()
    upstream_balance_refresh()  # still low: no second notice, no second email

    notice = StaffNotice.objects.open().get(cause=LOW_BALANCE_CAUSE)
    assert notice.count == 1
    assert "$3.00 left of $100.00" in notice.message

    spend(suno, limit_usd=200.0, used_usd=97.0)  # topped up
    upstream_balance_refresh()
    assert not StaffNotice.objects.open().filter(cause=LOW_BALANCE_CAUSE).exists()

    spend(suno, limit_usd=200.0, used_usd=199.0)  # low again: news again
    upstream_balance_refresh()
    assert StaffNotice.objects.open().get(cause=LOW_BALANCE_CAUSE).count == 1
    assert StaffNotice.objects.filter(cause=LOW_BALANCE_CAUSE).count() == 2


def test_a_balance_above_the_threshold_notifies_nobody(suno, settings):
    settings.SUNO_BALANCE_WARN_USD = 5
    spend(suno, used_usd=90.0)  # $10 left
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


def test_the_command_prints_the_stored_balance_and_when_it_was_read(suno, settings):
    settings.SUNO_BALANCE_WARN_USD = 80
    spend(suno, used_usd=25.0)
    upstream_balance_refresh()

    out, err = run_command()

    assert "Remaining: $75.00 of $100.00 (used $25.00)" in out
    assert "Read: " in out and "UTC" in out and "now" in out
    assert "Low: below SUNO_BALANCE_WARN_USD ($80.00)" in out
    assert err == ""


def test_the_command_refresh_reads_now_through_the_job(suno):
    spend(suno, used_usd=40.0)
    out, _ = run_command("--refresh")
    assert suno.calls("billing_subscription") == 1
    assert "Remaining: $60.00 of $100.00" in out


def test_the_command_prints_not_served_and_failures(suno):
    suno.simulator.set_dialect("no_billing")
    out, _ = run_command("--refresh")
    assert "Balance not available from this gateway" in out

    suno.simulator.set_dialect("elkapi")
    suno.faults.add("unauthorized")
    out, err = run_command("--refresh")
    assert "failed: " in err
