"""Credits: charged before the call, refunded exactly once when the upstream made nothing, held for review
when nobody can tell, granted monthly, and limited per creator."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services as credits
from accounts.errors import LimitReached, NotEnoughCredits
from accounts.models import Account, CreditEntry, PaidRequest
from songs import polling, services
from songs.models import Clip, ClipAsset, Song
from sunostudio.upstream import use_transport
from tests.songs.builders import song_form_data
from tests.songs.drive import complete_song, finish_song, tick_tools

pytestmark = pytest.mark.django_db

RECIPE = {
    "kind": "custom",
    "title": "Night Drive",
    "lyrics": "[Verse]\nCity lights\n[Chorus]\nDrive all night",
    "tags": "synthwave",
    "model_version": "chirp-auk",
}


def balance(user) -> int:
    return Account.objects.get(user=user).balance


def ledger(user) -> list[tuple[str, int]]:
    return [(e.kind, e.amount) for e in CreditEntry.objects.filter(user=user).order_by("created_at", "pk")]


def with_credits(user, amount: int) -> None:
    """The month's allowance is `amount` (granted now, lazily)."""
    Account.objects.update_or_create(user=user, defaults={"monthly_allowance": amount})
    credits.account_of(user)


def create(user, capture, **recipe) -> Song:
    with capture(execute=True):
        song, _ = services.song_create(owner=user, idempotency_key=uuid.uuid4(), **{**RECIPE, **recipe})
    song.refresh_from_db()
    return song


def refunds(song: Song) -> int:
    return CreditEntry.objects.filter(request=song.paid_request, kind=CreditEntry.Kind.REFUND).count()


# --- Charged when the request is saved -------------------------------------------------------------------


def test_a_generation_charges_its_price_once_and_a_double_click_charges_nothing_more(
    client, user, suno, django_capture_on_commit_callbacks
):
    client.force_login(user)
    data = song_form_data()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("songs:song_create"), data)
        client.post(reverse("songs:song_create"), data)  # same idempotency key
    song = Song.objects.get()
    assert balance(user) == 490
    assert ledger(user) == [("grant", 500), ("charge", -10)]
    assert song.paid_request.action == "generate" and song.paid_request.credits == 10
    assert song.paid_request.upstream_task_id == song.upstream_task_id != ""
    finish_song(suno, django_capture_on_commit_callbacks, song)
    song.paid_request.refresh_from_db()
    assert song.paid_request.state == PaidRequest.State.DONE
    assert balance(user) == 490


def test_not_enough_credits_refuses_before_anything_is_saved_and_keeps_the_form(client, user, suno):
    with_credits(user, 5)
    client.force_login(user)
    data = song_form_data(lyrics="[Verse]\nWords I typed and want to keep")
    response = client.post(reverse("songs:song_create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Generate costs 10 credits and you have 5." in page
    assert "Words I typed and want to keep" in page
    assert Song.objects.count() == 0 and suno.calls() == 0
    assert balance(user) == 5


def test_a_price_change_applies_to_the_next_request(user, suno, django_capture_on_commit_callbacks):
    from accounts.models import Price

    Price.objects.filter(action="generate").update(credits=25)
    Price.objects.get(action="generate").save()  # what the admin does: the cached table is dropped
    create(user, django_capture_on_commit_callbacks)
    assert balance(user) == 475


def test_staff_are_unlimited_but_still_on_the_ledger(user, suno, django_capture_on_commit_callbacks):
    user.is_staff = True
    user.save()
    with_credits(user, 0)
    create(user, django_capture_on_commit_callbacks)
    assert Song.objects.count() == 1
    assert ledger(user) == [("charge", -10)]


def test_a_free_action_is_still_attributed(user, suno, django_capture_on_commit_callbacks):
    song = complete_song(user, suno, django_capture_on_commit_callbacks, **RECIPE)
    clip = song.clips.complete().first()
    with django_capture_on_commit_callbacks(execute=True):
        services.clip_asset_request(clip=clip, kind=ClipAsset.Kind.WAV)
    tick_tools(suno, django_capture_on_commit_callbacks, rounds=3)
    asset = clip.assets.get(kind=ClipAsset.Kind.WAV)
    assert asset.is_ready
    assert asset.paid_request.action == "wav" and asset.paid_request.credits == 0
    assert asset.paid_request.state == PaidRequest.State.DONE
    assert ledger(user)[-1] == ("charge", 0)


# --- Refunded exactly once when the upstream definitely made nothing --------------------------------------


def assert_refunded_once(song: Song, user, *, reason: str = "") -> None:
    song.refresh_from_db()
    assert song.paid_request.state == PaidRequest.State.REFUNDED
    assert refunds(song) == 1
    assert balance(user) == 500
    if reason:
        assert reason in song.paid_request.outcome


@pytest.mark.parametrize(
    "fault, options, reason",
    [
        ("unauthorized", {}, "key"),  # 401: refused before the adaptor
        ("forbidden", {}, ""),  # 403
        ("insufficient_balance", {}, "credit"),  # the studio's upstream balance: nothing was made
        ("server_error", {}, "nothing was made or charged"),  # 500 with the relay's JSON (§11)
    ],
)
def test_a_refused_submit_is_refunded_once(
    user, suno, django_capture_on_commit_callbacks, fault, options, reason
):
    suno.faults.add(fault, endpoint="submit_music", **options)
    song = create(user, django_capture_on_commit_callbacks)
    assert song.state == Song.State.FAILED
    assert_refunded_once(song, user)
    # A re-run job, the sweep and a second failure report refund nothing twice.
    services.song_submit(song_id=song.pk)
    polling.songs_sweep(now=timezone.now() + timedelta(hours=1))
    services.song_fail(song_id=song.pk, reason="again", now=timezone.now())
    assert_refunded_once(song, user)
    assert suno.calls("submit_music") == 1


@pytest.mark.parametrize("fault", ["rate_limited", "unavailable"])
def test_a_submit_that_never_reached_the_upstream_keeps_its_charge_while_resent_then_is_refunded(
    user, suno, django_capture_on_commit_callbacks, fault
):
    suno.faults.add(fault, endpoint="submit_music", retry_after=1)
    song = create(user, django_capture_on_commit_callbacks)
    assert song.state == Song.State.QUEUED  # waiting to be sent again: the charge is held
    assert song.paid_request.state == PaidRequest.State.HELD and balance(user) == 490
    now = timezone.now()
    for _ in range(10):
        now += timedelta(minutes=10)
        polling.songs_sweep(now=now)
    assert suno.calls("submit_music") == 5
    assert_refunded_once(song, user)


def test_a_model_the_gateway_has_no_channel_for_is_refunded(user, suno, django_capture_on_commit_callbacks):
    suno.simulator.unavailable_models = {"chirp-auk"}
    song = create(user, django_capture_on_commit_callbacks)
    assert song.state == Song.State.FAILED
    assert_refunded_once(song, user)


def test_a_route_the_gateway_doesnt_serve_is_refunded(user, suno, django_capture_on_commit_callbacks):
    # The relay's web UI answers a path it has no route for with HTTP 200 HTML (§11).
    html = httpx.MockTransport(
        lambda request: httpx.Response(200, html="<!doctype html><title>New API</title>")
    )
    with use_transport(html):
        song = create(user, django_capture_on_commit_callbacks)
    assert song.state == Song.State.FAILED
    assert_refunded_once(song, user, reason="doesn't offer that")


def test_a_failed_task_is_refunded_once(user, suno, django_capture_on_commit_callbacks):
    suno.faults.add("task_failure", endpoint="submit_music")
    song = create(user, django_capture_on_commit_callbacks)
    finish_song(suno, django_capture_on_commit_callbacks, song)
    assert all(clip.is_failed for clip in song.clips.all())
    assert_refunded_once(song, user, reason="Every take failed")
    polling.songs_settle(now=timezone.now())
    finish_song(suno, django_capture_on_commit_callbacks, song)
    assert_refunded_once(song, user)


def test_every_take_in_error_is_refunded_but_one_good_take_is_not(
    user, suno, django_capture_on_commit_callbacks
):
    suno.faults.add("clip_error", endpoint="submit_music", error_message="Lyrics flagged", times=1)
    failed = create(user, django_capture_on_commit_callbacks)
    finish_song(suno, django_capture_on_commit_callbacks, failed)
    assert_refunded_once(failed, user, reason="Lyrics flagged")

    good = complete_song(user, suno, django_capture_on_commit_callbacks, **RECIPE)
    Clip.objects.filter(pk=good.clips.last().pk).update(status=Clip.Status.ERROR)  # one of two failed
    polling.songs_settle(now=timezone.now())
    good.paid_request.refresh_from_db()
    assert good.paid_request.state == PaidRequest.State.DONE
    assert balance(user) == 490


def test_takes_stuck_past_the_limit_are_refunded(user, suno, settings, django_capture_on_commit_callbacks):
    suno.faults.add("clip_never_completes", endpoint="submit_music")
    song = create(user, django_capture_on_commit_callbacks)
    later = timezone.now() + timedelta(minutes=settings.SUNO_CLIP_TIMEOUT_MINUTES + 1)
    polling.songs_sweep(now=later)
    polling.songs_sweep(now=later + timedelta(minutes=1))
    assert_refunded_once(song, user, reason="didn't finish this take")


# --- Unconfirmed: the charge stays, staff decide ----------------------------------------------------------


@pytest.mark.parametrize("fault", ["timeout", "gateway_timeout", "malformed_json"])
def test_an_unconfirmed_submit_keeps_its_charge_for_review(
    user, suno, django_capture_on_commit_callbacks, fault
):
    suno.faults.add(fault, endpoint="submit_music", times=1)
    song = create(user, django_capture_on_commit_callbacks)
    assert song.state == Song.State.FAILED
    song.paid_request.refresh_from_db()
    assert song.paid_request.state == PaidRequest.State.REVIEW
    assert balance(user) == 490 and refunds(song) == 0
    assert list(PaidRequest.objects.needs_review()) == [song.paid_request]
    # Staff refund it with one action, once however often it is pressed.
    assert credits.refund(song.paid_request_id, reason="checked: nothing was made", by=None)
    assert not credits.refund(song.paid_request_id, reason="again", by=None)
    assert balance(user) == 500 and refunds(song) == 1


def test_a_worker_killed_mid_send_is_held_for_review(user, suno, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the job never runs
        song, _ = services.song_create(owner=user, idempotency_key=uuid.uuid4(), **RECIPE)
    Song.objects.filter(pk=song.pk).update(state=Song.State.SUBMITTING, submitting_since=timezone.now())
    polling.songs_sweep(now=timezone.now() + timedelta(minutes=10))
    song.refresh_from_db()
    assert song.state == Song.State.FAILED
    assert song.paid_request.state == PaidRequest.State.REVIEW and balance(user) == 490


def test_retry_charges_again_and_the_old_review_stays(user, suno, django_capture_on_commit_callbacks):
    suno.faults.add("timeout", endpoint="submit_music", times=1)
    song = create(user, django_capture_on_commit_callbacks)
    first = song.paid_request
    with django_capture_on_commit_callbacks(execute=True):
        assert services.song_retry(song=song)
    song.refresh_from_db()
    assert song.paid_request != first and song.state == Song.State.SUBMITTED
    first.refresh_from_db()
    assert first.state == PaidRequest.State.REVIEW
    assert balance(user) == 480


def test_retry_without_credits_says_why(client, user, suno, django_capture_on_commit_callbacks):
    with_credits(user, 10)
    suno.faults.add("timeout", endpoint="submit_music", times=1)
    song = create(user, django_capture_on_commit_callbacks)
    client.force_login(user)
    response = client.post(reverse("songs:song_retry", args=[song.pk]), follow=True)
    assert "Generate costs 10 credits and you have 0." in response.content.decode()
    song.refresh_from_db()
    assert song.state == Song.State.FAILED


# --- The monthly allowance --------------------------------------------------------------------------------


def test_the_allowance_tops_up_once_a_month_at_the_first_action(user):
    november = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
    assert credits.account_of(user, now=november).balance == 500
    with transaction.atomic():
        credits.charge(user=user, action="generate", subject="a", now=november)
    assert credits.account_of(user, now=november + timedelta(seconds=30)).balance == 490  # same month
    december = datetime(2026, 12, 1, 0, 1, tzinfo=UTC)
    account = credits.account_of(user, now=december)
    assert account.balance == 500 and account.granted_period == "2026-12"
    assert credits.account_of(user, now=december + timedelta(days=3)).balance == 500
    grants = CreditEntry.objects.filter(user=user, kind=CreditEntry.Kind.GRANT)
    assert [(g.period, g.amount) for g in grants.order_by("pk")] == [("2026-11", 500), ("2026-12", 10)]


def test_one_off_grants_above_the_allowance_are_kept(user):
    november = datetime(2026, 11, 15, tzinfo=UTC)
    credits.account_of(user, now=november)
    credits.grant(user=user, amount=300, note="contest prize", now=november)
    assert credits.account_of(user, now=datetime(2026, 12, 2, tzinfo=UTC)).balance == 800


def test_not_enough_credits_says_when_the_balance_is_topped_up(user):
    with_credits(user, 5)
    with pytest.raises(NotEnoughCredits) as refusal, transaction.atomic():
        credits.charge(user=user, action="generate", subject="a", now=datetime(2026, 12, 10, tzinfo=UTC))
    assert "topped up to 5 credits on 1 January" in refusal.value.user_message


# --- Limits beyond credits ---------------------------------------------------------------------------------


def test_the_in_flight_limit_refuses_with_a_clear_message_and_frees_up_when_one_finishes(
    client, user, suno, settings, django_capture_on_commit_callbacks
):
    settings.CREDITS_MAX_IN_FLIGHT = 2
    first = create(user, django_capture_on_commit_callbacks)
    create(user, django_capture_on_commit_callbacks)
    client.force_login(user)
    data = song_form_data(title="Third one")
    response = client.post(reverse("songs:song_create"), data)
    page = response.content.decode()
    assert "You already have 2 songs being made, the most at once." in page
    assert 'value="Third one"' in page
    assert Song.objects.count() == 2 and balance(user) == 480
    finish_song(suno, django_capture_on_commit_callbacks, first)
    assert client.post(reverse("songs:song_create"), data).status_code == 302


def test_the_hourly_limit_counts_every_paid_request(user, settings):
    settings.CREDITS_MAX_PER_HOUR = 2
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    for minute in (0, 10):
        with transaction.atomic():
            credits.charge(user=user, action="lyrics", subject="a", now=now + timedelta(minutes=minute))
    with pytest.raises(LimitReached) as refusal, transaction.atomic():
        credits.charge(user=user, action="lyrics", subject="a", now=now + timedelta(minutes=20))
    assert "You've sent 2 requests in the last hour" in refusal.value.user_message
    with transaction.atomic():
        credits.charge(user=user, action="lyrics", subject="a", now=now + timedelta(minutes=61))


# --- The ledger is append-only -----------------------------------------------------------------------------


def test_ledger_entries_cannot_be_changed_or_deleted(user):
    entry = credits.grant(user=user, amount=5, note="x")
    entry.amount = 5000
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    total = sum(CreditEntry.objects.filter(user=user).values_list("amount", flat=True))
    assert total == balance(user) == 505


@pytest.mark.parametrize(
    "fault, says",
    [
        ("forbidden", "Your 10 credits were given back."),
        ("timeout", "Your 10 credits stay charged until an admin checks whether the music service made it."),
    ],
)
def test_the_song_page_says_what_became_of_the_credits(
    client, user, suno, django_capture_on_commit_callbacks, fault, says
):
    suno.faults.add(fault, endpoint="submit_music", times=1)
    song = create(user, django_capture_on_commit_callbacks)
    client.force_login(user)
    page = client.get(song.get_absolute_url()).content.decode()
    assert says in page
    assert "Retry · 10 credits" in page


def test_paid_buttons_show_their_prices(client, user):
    client.force_login(user)
    page = client.get(reverse("songs:song_create")).content.decode()
    assert "Generate · 10 credits" in page
    assert "Write lyrics · free" in page
