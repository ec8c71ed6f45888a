"""What staff see (the banner on studio pages, the operator panel on the admin index) and creators don't.
Pages only read rows: every test here fails if a request reaches the upstream."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sunostudio.balance import LOW_BALANCE_CAUSE
from sunostudio.models import StaffNotice, UpstreamBalance
from sunostudio.notices import notify_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", password="correct horse battery")


@pytest.fixture(autouse=True)
def _pages_never_call_the_upstream(suno):
    yield
    assert suno.calls() == 0


def store_balance(*, remaining: float | None, status=UpstreamBalance.Status.OK, error_message: str = ""):
    now = timezone.now() - timedelta(minutes=3)
    amounts = {}
    if remaining is not None:
        amounts = {"hard_limit_usd": 100.0, "used_usd": 100.0 - remaining, "remaining_usd": remaining}
    UpstreamBalance.objects.update_or_create(
        pk=UpstreamBalance.SINGLETON_PK,
        defaults={
            "status": status,
            "error_message": error_message,
            "checked_at": now,
            "read_at": now if remaining is not None else None,
            **amounts,
        },
    )


def test_staff_see_open_notices_and_a_low_balance_on_every_studio_page(client, moderator, settings):
    settings.SUNO_BALANCE_WARN_USD = 5
    store_balance(remaining=2.5)
    notify_staff(
        cause="model_refused", message="Disable chirp-v3 in Model versions", detail="raw upstream body"
    )
    client.force_login(moderator)

    page = client.get(reverse("songs:library")).content.decode()

    assert 'class="messages staff-banner"' in page
    assert "the upstream balance is low: $2.50 left (warning below $5.00)" in page
    assert "Disable chirp-v3 in Model versions" in page
    assert "raw upstream body" not in page  # the raw upstream text stays in the admin's change page


def test_the_banner_says_a_low_balance_once(client, moderator, settings):
    settings.SUNO_BALANCE_WARN_USD = 5
    store_balance(remaining=2.5)
    notify_staff(cause=LOW_BALANCE_CAUSE, message="Music credit is low: $2.50 left")
    client.force_login(moderator)

    page = client.get(reverse("songs:library")).content.decode()

    assert "the upstream balance is low: $2.50 left" in page
    assert "Music credit is low" not in page  # the notice is on the admin index
    assert "Music credit is low" in client.get(reverse("admin:index")).content.decode()


def test_creators_never_see_notices_or_the_balance(client, user, settings):
    settings.SUNO_BALANCE_WARN_USD = 5
    store_balance(remaining=2.5)
    notify_staff(cause="model_refused", message="Disable chirp-v3 in Model versions")
    client.force_login(user)

    response = client.get(reverse("songs:library"))

    assert "staff_status" not in response.context
    page = response.content.decode()
    # (The Library's model filter names every version, chirp-v3-5-tau among them: look for the notice itself.)
    assert "staff-banner" not in page and "$2.50" not in page
    assert "Disable chirp-v3 in Model versions" not in page


def test_staff_with_nothing_open_get_no_banner(client, moderator):
    store_balance(remaining=50.0)
    notify_staff(cause="gone", message="Fixed already").mark_resolved()
    client.force_login(moderator)

    assert "staff-banner" not in client.get(reverse("songs:library")).content.decode()


def test_the_banner_names_three_notices_and_counts_the_rest(client, moderator):
    for number in range(5):
        notify_staff(cause=f"cause-{number}", message=f"Notice number {number}")
    client.force_login(moderator)

    page = client.get(reverse("songs:library")).content.decode()

    assert page.count("<small><strong>Staff:</strong>") == 3
    assert "2 more open notices" in page


def test_the_admin_index_shows_the_balance_and_when_it_was_read(client, superuser, settings):
    settings.SUNO_BALANCE_WARN_USD = 5
    store_balance(remaining=75.0)
    client.force_login(superuser)

    page = client.get(reverse("admin:index")).content.decode()

    assert "Upstream balance" in page and "$75.00" in page and "of $100.00 (used $25.00)" in page
    assert "3\xa0minutes ago" in page
    assert "Low balance" not in page
    assert "No open notices." in page


def test_the_admin_index_warns_when_the_balance_is_low(client, superuser, settings):
    settings.SUNO_BALANCE_WARN_USD = 5
    store_balance(remaining=4.99)
    client.force_login(superuser)

    page = client.get(reverse("admin:index")).content.decode()

    assert "$4.99" in page and "Low balance: below $5.00" in page


def test_the_admin_index_says_when_the_gateway_has_no_balance(client, superuser):
    store_balance(remaining=None, status=UpstreamBalance.Status.NOT_SERVED)
    client.force_login(superuser)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "Balance not available from this gateway" in response.content.decode()


def test_the_admin_index_shows_a_failed_check_with_the_last_known_amounts(client, superuser):
    store_balance(
        remaining=40.0, status=UpstreamBalance.Status.ERROR, error_message="HTTP 502 (non-JSON body)"
    )
    client.force_login(superuser)

    page = client.get(reverse("admin:index")).content.decode()

    assert "$40.00" in page and "failed: HTTP 502 (non-JSON body)" in page


def test_the_admin_index_before_the_first_read(client, superuser):
    client.force_login(superuser)
    assert "Not read yet" in client.get(reverse("admin:index")).content.decode()


def test_mark_resolved_on_the_admin_index(client, superuser):
    notice = notify_staff(cause="model_refused", message="Disable chirp-v3 in Model versions")
    client.force_login(superuser)
    index = reverse("admin:index")
    page = client.get(index).content.decode()
    resolve = reverse("admin:sunostudio_staffnotice_resolve", args=[notice.pk])
    assert f'action="{resolve}"' in page and 'value="Mark resolved"' in page

    response = client.post(resolve, {"next": index}, follow=True)

    assert response.redirect_chain == [(index, 302)]
    notice.refresh_from_db()
    assert not notice.is_open
    page = response.content.decode()
    assert "Resolved: Disable chirp-v3" in page and "No open notices." in page


def test_mark_resolved_never_redirects_off_site(client, superuser):
    notice = notify_staff(cause="x", message="X")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:sunostudio_staffnotice_resolve", args=[notice.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("admin:index")


def test_staff_without_the_permission_see_notices_but_cannot_resolve_them(client, moderator):
    notice = notify_staff(cause="model_refused", message="Disable chirp-v3 in Model versions")
    client.force_login(moderator)

    page = client.get(reverse("admin:index")).content.decode()
    assert "Disable chirp-v3 in Model versions" in page and "Mark resolved" not in page

    response = client.post(reverse("admin:sunostudio_staffnotice_resolve", args=[notice.pk]))
    assert response.status_code == 403
    notice.refresh_from_db()
    assert notice.is_open


def test_the_changelist_action_resolves_the_selected_notices(client, superuser):
    first = notify_staff(cause="a", message="A")
    notify_staff(cause="b", message="B")
    client.force_login(superuser)

    client.post(
        reverse("admin:sunostudio_staffnotice_changelist"),
        {"action": "mark_resolved", "_selected_action": [first.pk]},
    )

    assert [notice.cause for notice in StaffNotice.objects.open()] == ["b"]
    changelist = client.get(reverse("admin:sunostudio_staffnotice_changelist"), {"state": "open"})
    assert changelist.status_code == 200


def operator_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return [q["sql"] for q in queries if "sunostudio_" in q["sql"]]


@pytest.mark.parametrize("open_notices", [0, 1, 6])
def test_the_staff_banner_costs_two_reads_whatever_is_open(client, moderator, user, open_notices):
    for number in range(open_notices):
        notify_staff(cause=f"cause-{number}", message=f"Notice number {number}")
    store_balance(remaining=1.0)
    url = reverse("songs:library")

    client.force_login(moderator)
    assert len(operator_queries(client, url)) == 2  # the open notices, the balance row

    client.force_login(user)
    assert operator_queries(client, url) == []
