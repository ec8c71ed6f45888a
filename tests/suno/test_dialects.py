"""The real SunoClient against the simulator's dialects (docs/upstream.md §8, §11): every answer shape the
gateway family gives, driven through the client with a ManualClock and a recorded sleep."""

from __future__ import annotations

import httpx
import pytest

from suno.client import SunoClient, Timeouts
from suno.errors import (
    BadRequest,
    InsufficientCredits,
    ModelUnavailable,
    RouteNotServed,
    TaskNotFound,
    UpstreamUnavailable,
)
from suno.simulator.app import QUIRKS, Simulator
from suno.simulator.clock import ManualClock
from suno.simulator.transport import SimulatorTransport
from suno.types import Task

BASE_URL = "http://suno-sim.test"
LYRICS = "[Verse]\nWinter winds are calling me home\n[Chorus]\nHold on, hold on to the light"
RECIPE = {"lyrics": LYRICS, "tags": "indie folk", "title": "Winter", "mv": "chirp-auk"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_750_000_000.0)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def connect(clock, sleeps):
    clients: list[SunoClient] = []

    def make(dialect: str = "elkapi", **options) -> tuple[SunoClient, Simulator]:
        timeouts = options.pop("timeouts", Timeouts())
        holder: list[Simulator] = []

        def fetch_through_transport(url: str) -> tuple[bytes, str]:
            with httpx.Client(transport=SimulatorTransport(holder[0])) as http:
                answer = http.get(url)
            if answer.status_code != 200:
                raise OSError(f"HTTP {answer.status_code}")
            return answer.content, answer.headers.get("content-type", "")

        sim = Simulator(
            clock=clock, base_url=BASE_URL, dialect=dialect, url_fetcher=fetch_through_transport, **options
        )
        holder.append(sim)
        client = SunoClient(
            base_url=BASE_URL,
            api_key="sk-test-0123456789",
            transport=SimulatorTransport(sim),
            timeouts=timeouts,
            sleep=sleeps.append,
            rand=lambda: 1.0,
        )
        clients.append(client)
        return client, sim

    yield make
    for client in clients:
        client.close()


def poll(client: SunoClient, clock: ManualClock, task_id: str, *, batch: bool = False) -> tuple[Task, list]:
    seen: list[str] = []
    for _ in range(120):
        task = client.fetch_tasks([task_id])[0] if batch else client.fetch_task(task_id)
        if not seen or seen[-1] != task.status:
            seen.append(task.status)
        if task.is_terminal:
            return task, seen
        clock.advance(0.5)
    raise AssertionError(f"{task_id} never finished: {seen}")


def song(client: SunoClient, clock: ManualClock, **overrides) -> tuple[str, Task]:
    submission = client.generate_custom(**{**RECIPE, **overrides})
    task, _ = poll(client, clock, submission.task_id)
    assert task.is_success, task
    return submission.task_id, task


def persona_for(client: SunoClient, clock: ManualClock):
    _, task = song(client, clock)
    return client.create_persona(root_clip_id=task.clips[0].id, name="Voice", description="soft"), task


# ---- every quirk at once still makes songs ----------------------------------------------------------------


@pytest.mark.parametrize(
    "dialect",
    ["elkapi", "new-api", ",".join(q for q in QUIRKS if not q.startswith("no_"))],
    ids=["elkapi", "new-api", "all"],
)
def test_a_song_start_to_finish_in_every_dialect(connect, clock, dialect):
    client, sim = connect(dialect)
    submission = client.generate_custom(**RECIPE, negative_tags="metal")
    task, seen = poll(client, clock, submission.task_id)
    assert seen[0] in ("NOT_START", "SUBMITTED") and seen[-1] == "SUCCESS"
    assert len(task.clips) == 2 and all(c.is_complete and c.duration for c in task.clips)
    assert task.finish_time < 10**11  # seconds, whatever the dialect sent
    (batched,) = client.fetch_tasks([submission.task_id])
    assert batched.is_success and all(c.is_complete for c in batched.clips)
    assert sim.paid_calls() == 1


# ---- routes ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["no_generate", "no_generate,html_unknown_routes", "new-api"])
def test_persona_seed_route_not_served_then_the_task_route(connect, clock, sleeps, dialect):
    client, sim = connect(dialect)
    persona, source = persona_for(client, clock)
    recipe = {"persona_id": persona.id, "artist_clip_id": persona.root_clip_id, "lyrics": LYRICS}
    recipe.update(tags="electronic, pop", title="husband", mv="chirp-auk")
    with pytest.raises(RouteNotServed) as excinfo:
        client.generate_with_persona(**recipe)
    assert excinfo.value.may_have_reached_upstream is False and sleeps == []
    assert sim.calls("generate") == 0 and sim.calls("unknown") == 1  # nothing was charged
    used = sim.used_usd

    submission = client.generate_with_persona(**recipe, route="task")
    task, _ = poll(client, clock, submission.task_id)
    assert task.is_success and len(task.clips) == 2
    if "drop_unknown_fields" in sim.quirks:
        # A plain new-api relay forgets `task`, so the persona is ignored: the clips show it.
        assert {c.persona_id for c in task.clips} == {""} and {c.task for c in task.clips} == {""}
    else:
        assert {(c.persona_id, c.artist_clip_id, c.task) for c in task.clips} == {
            (persona.id, source.clips[0].id, "artist_consistency")
        }
    assert sim.used_usd == pytest.approx(used + 0.10)


def test_persona_task_route_keeps_the_simulators_checks(connect, clock):
    client, _ = connect()
    persona, source = persona_for(client, clock)
    with pytest.raises(BadRequest, match="artist_clip_id must be the persona's root clip"):
        client.generate_with_persona(
            persona_id=persona.id,
            artist_clip_id="other",
            lyrics=LYRICS,
            tags="t",
            title="t",
            mv="chirp-auk",
            route="task",
        )
    with pytest.raises(BadRequest, match="does not support personas"):
        client.generate_with_persona(
            persona_id=persona.id,
            artist_clip_id=persona.root_clip_id,
            lyrics=LYRICS,
            tags="t",
            title="t",
            mv="chirp-v4",
            route="task",
        )


@pytest.mark.parametrize("dialect", ["no_feed", "no_feed,html_unknown_routes"])
def test_feed_not_served(connect, clock, dialect):
    client, _ = connect(dialect)
    with pytest.raises(RouteNotServed) as excinfo:
        client.feed(["x"])
    assert excinfo.value.status_code == (200 if "html" in dialect else 404)


def test_persona_create_through_gins_slash_redirect(connect, clock, sleeps):
    client, sim = connect("gin_slash_redirect")
    persona, source = persona_for(client, clock)
    assert persona.root_clip_id == source.clips[0].id
    assert (sim.calls("redirect"), sim.calls("persona_create"), sim.paid_calls()) == (1, 1, 2)
    assert sleeps == []


# ---- the task_id rule --------------------------------------------------------------------------------------


def test_strict_task_id_extend_stems_and_upload_extend(connect, clock):
    client, sim = connect("strict_task_id")
    task_id, task = song(client, clock)
    clip = task.clips[0]
    with pytest.raises(BadRequest) as excinfo:
        client.extend(clip_id=clip.id, continue_at=5, mv="chirp-auk", lyrics="[Verse]\nmore")
    assert type(excinfo.value) is BadRequest and excinfo.value.message == "task id is empty"
    with pytest.raises(TaskNotFound) as excinfo:
        client.extend(clip_id=clip.id, continue_at=5, mv="chirp-auk", lyrics="l", task_id="task_not_mine")
    assert excinfo.value.code == "task_not_exist" and excinfo.value.message == "task_origin_not_exist"
    with pytest.raises(BadRequest, match="task id is empty"):
        client.separate_stems(clip_id=clip.id)

    extension = client.extend(clip_id=clip.id, continue_at=5, mv="chirp-auk", lyrics="l", task_id=task_id)
    assert poll(client, clock, extension.task_id)[0].is_success
    stems = client.separate_stems(clip_id=clip.id, task_id=task_id, full=False)
    assert len(stems.clips) == 2

    upload_id = client.upload_audio_url(url=clip.audio_url)
    (uploaded,) = poll(client, clock, upload_id)[0].clips
    again = client.extend(
        clip_id=uploaded.id, continue_at=2, mv="chirp-auk", lyrics="l", uploaded=True, task_id=upload_id
    )
    assert poll(client, clock, again.task_id)[0].clips[0].task == "upload_extend"
    assert sim.paid_calls() == 8 and len(sim.task_ids()) == 5  # the three refusals created nothing


def test_a_persona_batch_id_is_not_a_relay_task(connect, clock):
    client, _ = connect("strict_task_id")
    persona, _ = persona_for(client, clock)
    batch = client.generate_with_persona(
        persona_id=persona.id,
        artist_clip_id=persona.root_clip_id,
        lyrics=LYRICS,
        tags="t",
        title="t",
        mv="chirp-auk",
    )
    clock.advance(12.0)
    with pytest.raises(TaskNotFound):
        client.extend(
            clip_id=batch.clip_ids[0], continue_at=5, mv="chirp-auk", lyrics="l", task_id=batch.batch_id
        )
    task = client.generate_with_persona(
        persona_id=persona.id,
        artist_clip_id=persona.root_clip_id,
        lyrics=LYRICS,
        tags="t",
        title="t",
        mv="chirp-auk",
        route="task",
    )
    (clip, _) = poll(client, clock, task.task_id)[0].clips
    extension = client.extend(
        clip_id=clip.id, continue_at=5, mv="chirp-auk", lyrics="l", task_id=task.task_id
    )
    assert poll(client, clock, extension.task_id)[0].is_success


# ---- kept fields -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect, kept", [("elkapi", "metal"), ("drop_unknown_fields", "")])
def test_negative_tags_kept_or_dropped(connect, clock, dialect, kept):
    client, sim = connect(dialect)
    _, task = song(client, clock, negative_tags="metal")
    assert {c.negative_tags for c in task.clips} == {kept}
    assert sim.call_log[0][3]["negative_tags"] == "metal"  # it was sent either way


# ---- errors --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dialect, code_words",
    [("elkapi", "user quota is not enough"), ("quota_zh", "用户额度不足"), ("new-api", "用户额度不足")],
)
def test_out_of_credit_through_the_balance(connect, clock, sleeps, dialect, code_words):
    client, sim = connect(dialect, balance_usd=0.25)
    client.generate_custom(**RECIPE)
    client.generate_custom(**RECIPE)
    with pytest.raises(InsufficientCredits) as excinfo:
        client.generate_custom(**RECIPE)
    assert code_words in excinfo.value.message and excinfo.value.status_code == 403
    assert excinfo.value.user_message == "The studio's music credit is used up, so nothing was made."
    assert sim.paid_calls() == 3 and len(sim.task_ids()) == 2 and sleeps == []
    balance = client.get_balance()
    assert (balance.hard_limit_usd, balance.used_usd, balance.remaining_usd) == (0.25, 0.2, 0.05)
    assert client.generate_lyrics(idea="rain")  # a cheaper call still fits


@pytest.mark.parametrize("answer", ["legacy", "user_quota", "pre_consume", "token_exhausted"])
def test_every_out_of_credit_answer_of_the_fault(connect, answer):
    client, sim = connect()
    sim.faults.add("insufficient_balance", answer=answer)
    with pytest.raises(InsufficientCredits) as excinfo:
        client.generate_lyrics(idea="rain")
    assert excinfo.value.status_code == (401 if answer == "token_exhausted" else 403)
    assert "***" not in excinfo.value.message  # the masked key is scrubbed


def test_get_balance_and_a_relay_without_billing(connect, clock):
    client, sim = connect(balance_usd=50)
    assert client.get_balance().remaining_usd == 50.0
    song(client, clock)
    balance = client.get_balance()
    assert (balance.used_usd, balance.remaining_usd) == (0.1, 49.9)
    assert sim.paid_calls() == 1  # the billing routes are free
    sim.set_dialect("no_billing")
    with pytest.raises(RouteNotServed):
        client.get_balance()


@pytest.mark.parametrize("dialect", ["elkapi", "quota_zh"])
def test_model_unavailable_without_a_channel(connect, sleeps, dialect):
    client, sim = connect(dialect, unavailable_models=["chirp-hawk"])
    with pytest.raises(ModelUnavailable) as excinfo:
        client.generate_custom(**{**RECIPE, "mv": "chirp-hawk"})
    assert excinfo.value.mv == "chirp-hawk" and excinfo.value.status_code == 503
    assert "chirp-hawk" in excinfo.value.user_message and sleeps == []
    assert sim.task_ids() == [] and sim.used_usd == 0


def test_no_channel_for_the_relays_own_model_is_still_an_outage(connect, sleeps):
    client, sim = connect("quota_zh")
    sim.faults.add("unavailable", times=1)
    with pytest.raises(UpstreamUnavailable) as excinfo:
        client.generate_custom(**RECIPE)
    assert excinfo.value.may_have_reached_upstream is False and excinfo.value.retryable is True


@pytest.mark.parametrize("dialect", ["elkapi", "nested_error_json"])
def test_invalid_mv_is_model_unavailable_nested_or_not(connect, dialect):
    client, _ = connect(dialect)
    with pytest.raises(ModelUnavailable) as excinfo:
        client.generate_custom(**{**RECIPE, "mv": "chirp-v9"})
    assert excinfo.value.mv == "chirp-v9" and excinfo.value.message == "invalid mv: chirp-v9"
    assert "{" not in excinfo.value.user_message


def test_nested_validation_errors_read_like_words(connect, clock):
    client, _ = connect("nested_error_json")
    _, task = song(client, clock)
    with pytest.raises(BadRequest) as excinfo:
        client.extend(clip_id=task.clips[0].id, continue_at=9999, mv="chirp-auk", lyrics="l", task_id="t")
    assert excinfo.value.code == "invalid_request" and excinfo.value.message.startswith(
        "continue_at must lie"
    )
    assert excinfo.value.user_message.startswith("The music service refused this request: continue_at")


# ---- task and clip variants -------------------------------------------------------------------------------


def test_null_when_missing(connect):
    client, _ = connect("null_when_missing")
    with pytest.raises(TaskNotFound):
        client.fetch_task("task_gone")
    assert client.fetch_tasks(["task_gone"]) == []


def test_bare_fetch_array_polls_to_the_end(connect, clock):
    client, sim = connect("bare_fetch_array")
    submission = client.generate_custom(**RECIPE)
    task, seen = poll(client, clock, submission.task_id)
    assert seen == ["SUBMITTED", "IN_PROGRESS", "SUCCESS"] and task.task_id == submission.task_id
    sim.faults.add("clip_error", error_message="Lyrics flagged")
    failed, _ = poll(client, clock, client.generate_custom(**RECIPE).task_id)
    assert failed.is_failure and failed.fail_reason == "Lyrics flagged"


@pytest.mark.parametrize("batch", [False, True])
def test_clip_status_missing_and_variants(connect, clock, batch):
    client, _ = connect("clip_status_missing,clip_status_variants")
    submission = client.generate_custom(**RECIPE)
    statuses = set()
    for _ in range(40):
        task = client.fetch_tasks([submission.task_id])[0] if batch else client.fetch_task(submission.task_id)
        statuses |= {c.status for c in task.clips}
        if task.is_terminal:
            break
        clock.advance(0.5)
    assert task.is_success and all(c.is_complete for c in task.clips)
    assert {"submitted", "queued", "streaming", "complete"} <= statuses


def test_finish_time_ms_and_no_progress(connect, clock):
    client, _ = connect("finish_time_ms,no_progress")
    submission = client.generate_custom(**RECIPE)
    task, _ = poll(client, clock, submission.task_id)
    assert task.progress == "" and 0 < task.finish_time - task.submit_time < 60


def test_lyrics_in_prompt(connect, clock):
    client, _ = connect("lyrics_in_prompt")
    task, _ = poll(client, clock, client.generate_lyrics(idea="a lighthouse keeper"))
    assert task.lyrics is not None and "[Verse]" in task.lyrics.text and task.lyrics.is_complete


def test_wav_through_its_conversion_task(connect, clock):
    client, sim = connect("wav_task_id")
    _, task = song(client, clock)
    clip = task.clips[0]
    first = client.get_wav(clip.id)
    assert first.task_id and not first.is_ready and not first.url
    assert not client.wav_from_task(first.task_id).is_ready
    clock.advance(sim.wav_ready_after)
    ready = client.wav_from_task(first.task_id)
    assert ready.is_ready and ready.url == f"{BASE_URL}/cdn1/{clip.id}.wav"
    with httpx.Client(transport=SimulatorTransport(sim)) as http:
        assert http.get(ready.url).content[:4] == b"RIFF"


# ---- the paid read timeout against a slow submit -----------------------------------------------------------


def test_a_slow_submit_fits_the_paid_read_timeout(connect, clock, sleeps):
    # The relay answers a submit only once Suno took it; 45 s is past the 30 s query timeout.
    client, sim = connect(slow_submit=45.0)
    submission = client.generate_custom(**RECIPE)
    assert poll(client, clock, submission.task_id)[0].is_success
    assert sim.paid_calls() == 1 and sleeps == []


def test_with_the_query_timeout_a_slow_submit_would_be_lost(connect, clock, sleeps):
    client, sim = connect(slow_submit=45.0, timeouts=Timeouts(paid_read=30.0))
    with pytest.raises(UpstreamUnavailable) as excinfo:
        client.generate_custom(**RECIPE)
    # The submit was accepted and charged, but its answer never came: the fate is unknown.
    assert excinfo.value.may_have_reached_upstream is True and excinfo.value.retryable is False
    assert sim.paid_calls() == 1 and len(sim.task_ids()) == 1 and sleeps == []
