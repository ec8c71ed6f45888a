"""One door for paid calls: every paid client method has a price, none can send without its charge, and two
requests racing for the last credits make one paid call."""

from __future__ import annotations

import ast
import inspect
import threading
import uuid

import pytest
from django.db import connections

from accounts import paid
from accounts.errors import NotEnoughCredits
from accounts.models import Account, Action, CreditEntry, PaidRequest, Price
from songs import services
from songs.models import Song
from suno import client as suno_client
from suno.errors import UncheckedPaidCall
from sunostudio.upstream import get_client

RECIPE = {"kind": "custom", "title": "Race", "lyrics": "la la", "tags": "pop", "model_version": "chirp-auk"}

# One call of each paid method, with arguments enough to build its request.
CALLS = {
    "generate_custom": lambda c: c.generate_custom(lyrics="la", tags="pop", title="t", mv="chirp-auk"),
    "generate_from_description": lambda c: c.generate_from_description(description="rain", mv="chirp-auk"),
    "generate_instrumental": lambda c: c.generate_instrumental(tags="pop", title="t", mv="chirp-auk"),
    "generate_with_persona": lambda c: c.generate_with_persona(
        persona_id="p", artist_clip_id="a", lyrics="la", tags="pop", title="t", mv="chirp-v4"
    ),
    "extend": lambda c: c.extend(clip_id="c", continue_at=10, mv="chirp-auk", task_id="t"),
    "cover": lambda c: c.cover(clip_id="c", mv="chirp-auk", lyrics="la", tags="jazz", title="t"),
    "replace_section": lambda c: c.replace_section(
        clip_id="c", start_s=1, end_s=3, mv="chirp-auk", lyrics="la", tags="pop", task_id="t"
    ),
    "concat": lambda c: c.concat(clip_id="c"),
    "separate_stems": lambda c: c.separate_stems(clip_id="c", task_id="t"),
    "create_persona": lambda c: c.create_persona(root_clip_id="c", name="n", description="d"),
    "generate_lyrics": lambda c: c.generate_lyrics(idea="rain"),
    "upload_audio_url": lambda c: c.upload_audio_url(url="https://example.com/a.mp3"),
    "get_wav": lambda c: c.get_wav("c"),
    "wav_from_task": lambda c: c.wav_from_task("t"),
    "get_mp4": lambda c: c.get_mp4("c"),
}


def test_the_price_table_and_the_clients_paid_actions_are_the_same_list():
    assert set(Action.values) == set(suno_client.PAID_ACTIONS)


@pytest.mark.django_db
def test_every_paid_client_method_has_a_price():
    priced = set(Price.objects.values_list("action", flat=True))
    methods = suno_client.paid_methods()
    assert set(methods) == set(CALLS), "a paid method was added or removed: give it a price and a CALLS entry"
    assert {action for action in methods.values()} <= priced


def _calls_a_paid_request(function: ast.FunctionDef, paid_names: set[str]) -> bool:
    for node in ast.walk(function):
        if (
            isinstance(node, ast.keyword)
            and node.arg == "paid"
            and getattr(node.value, "value", None) is True
        ):
            return True
        is_self = (
            isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
        )
        if is_self and node.attr in {"_submit", *paid_names}:
            return True
    return False


def test_no_client_method_sends_a_paid_request_unmarked():
    """Source check: a method that sends `paid=True`, calls `_submit` or calls a marked method is marked."""
    tree = ast.parse(inspect.getsource(suno_client))
    (client_class,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "SunoClient"]
    marked = set(suno_client.paid_methods())
    for function in client_class.body:
        if not isinstance(function, ast.FunctionDef) or function.name.startswith("_"):
            continue
        if _calls_a_paid_request(function, marked - {function.name}):
            assert function.name in marked, f"SunoClient.{function.name} sends a paid request unmarked"


@pytest.mark.django_db
@pytest.mark.parametrize("method", sorted(CALLS))
def test_no_paid_method_reaches_the_upstream_without_its_charge(suno, user, method):
    with get_client(max_attempts=1) as client, pytest.raises(UncheckedPaidCall):
        CALLS[method](client)
    assert suno.calls() == 0


@pytest.mark.django_db
def test_a_charge_for_one_action_does_not_let_another_through(suno, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        song, _ = services.song_create(owner=user, idempotency_key=uuid.uuid4(), **RECIPE)
    with paid.sending(song.paid_request_id), get_client(max_attempts=1) as client:
        with pytest.raises(UncheckedPaidCall):
            client.separate_stems(clip_id="c", task_id="t")
    assert suno.calls() == 0


@pytest.mark.django_db(transaction=True)
def test_two_submits_racing_for_the_last_credits_make_one_paid_call(suno, user, settings):
    """Two threads, two connections, one balance of 10: the conditional UPDATE lets exactly one through.
    Run by the CI's PostgreSQL leg. The SQLite test database is shared-cache in-memory, whose table locks
    refuse a second writer outright (a file database, as deployed, queues IMMEDIATE transactions)."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("needs row locks and two real connections: the PostgreSQL leg runs it")
    Account.objects.update_or_create(user=user, defaults={"monthly_allowance": 10})
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        try:
            start.wait()
            services.song_create(owner=user, idempotency_key=uuid.uuid4(), **RECIPE)
            outcomes.append("made")
        except NotEnoughCredits as refusal:
            outcomes.append(refusal.user_message)
        except Exception as error:
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2 and outcomes.count("made") == 1, outcomes
    (refusal,) = [outcome for outcome in outcomes if outcome != "made"]
    assert refusal.startswith("Generate costs 10 credits and you have 0.")
    assert Account.objects.get(user=user).balance == 0
    assert CreditEntry.objects.filter(user=user, kind="charge").count() == 1
    (song,) = Song.objects.all()
    services.song_submit(song_id=song.pk)  # the queued job, if the thread's commit didn't run it already
    assert suno.simulator.paid_calls() == 1
    assert PaidRequest.objects.get().upstream_task_id == Song.objects.get().upstream_task_id
