"""The simulator's dialects, balance and slow modes over plain httpx (docs/upstream.md §8, §11): no client.

test_dialects.py runs the real SunoClient against the same switches.
"""

from __future__ import annotations

import json

import httpx
import pytest

from suno.simulator.app import PRESETS, QUIRKS, Simulator
from suno.simulator.clock import ManualClock
from suno.simulator.dialects import parse_dialect
from suno.simulator.transport import SimulatorTransport

LYRICS = "[Verse]\nWinter winds are calling home\n[Chorus]\nSing it loud and sing it slow"
MUSIC = {"mv": "chirp-auk", "prompt": LYRICS, "tags": "indie folk", "title": "Winter"}
AUTH = {"Authorization": "Bearer sk-test-0123456789"}


@pytest.fixture
def clock():
    return ManualClock()


def api_for(sim: Simulator) -> httpx.Client:
    return httpx.Client(transport=SimulatorTransport(sim), base_url=sim.base_url, headers=AUTH)


def song(api: httpx.Client, clock: ManualClock, body: dict = MUSIC) -> tuple[str, list[dict]]:
    answer = api.post("/suno/submit/music", json=body)
    assert answer.status_code == 200, answer.text
    task_id = answer.json()["data"]
    clock.advance(12.0)
    task = api.get(f"/suno/fetch/{task_id}").json()["data"]
    return task_id, task if isinstance(task, list) else task["data"]


# --- choosing a dialect ---


def test_presets_and_comma_lists():
    assert parse_dialect("") == ("elkapi", frozenset())
    assert parse_dialect("elkapi") == ("elkapi", frozenset())
    name, quirks = parse_dialect("new-api")
    assert name == "new-api" and quirks == PRESETS["new-api"]
    assert {"html_unknown_routes", "strict_task_id", "quota_zh", "drop_unknown_fields"} <= quirks
    assert parse_dialect(" no_feed , quota_zh ") == ("no_feed,quota_zh", frozenset({"no_feed", "quota_zh"}))
    assert parse_dialect("new-api,bare_fetch_array")[1] == PRESETS["new-api"] | {"bare_fetch_array"}
    assert set().union(*PRESETS.values()) <= set(QUIRKS)


@pytest.mark.parametrize("spec", ["gremlins", "no_feed,gremlins", "new_api"])
def test_unknown_names_raise_a_clear_error(spec):
    with pytest.raises(ValueError, match="unknown simulator dialect") as excinfo:
        Simulator(dialect=spec)
    assert "new-api" in str(excinfo.value) and "bare_fetch_array" in str(excinfo.value)


def test_dialect_from_the_environment_and_at_run_time(monkeypatch, clock):
    monkeypatch.setenv("SUNO_SIMULATOR_DIALECT", "no_feed")
    monkeypatch.setenv("SUNO_SIMULATOR_BALANCE_USD", "2.5")
    sim = Simulator.from_env(clock=clock)
    assert (sim.dialect, sim.quirks, sim.balance_usd) == ("no_feed", frozenset({"no_feed"}), 2.5)
    assert Simulator.from_env(clock=clock, dialect="elkapi").quirks == frozenset()  # the argument wins
    with api_for(sim) as api:
        assert api.get("/suno/feed/x").status_code == 404
        sim.set_dialect("elkapi")
        assert api.get("/suno/feed/x").status_code == 200
        with pytest.raises(ValueError):
            sim.set_dialect("nope")
        assert sim.dialect == "elkapi"


def test_the_default_is_elkapi_with_a_large_balance(clock):
    sim = Simulator(clock=clock)
    assert (sim.dialect, sim.quirks, sim.balance_usd) == ("elkapi", frozenset(), 1000.0)


# --- routes ---


def test_html_unknown_routes(clock):
    sim = Simulator(clock=clock, dialect="html_unknown_routes")
    with api_for(sim) as api:
        page = api.post("/suno/nothing/here", json={})
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        assert b'<div id="root">' in page.content
        v1 = api.get("/v1/nothing")  # the relay's API prefixes still answer a JSON 404
        assert v1.status_code == 404 and "Invalid URL" in v1.json()["error"]["message"]
    assert sim.calls("unknown") == 2 and sim.paid_calls() == 0


@pytest.mark.parametrize(
    "quirk, method, path",
    [
        ("no_feed", "GET", "/suno/feed/a,b"),
        ("no_generate", "POST", "/suno/generate"),
        ("no_generate", "POST", "/suno/generate/concat"),
        ("no_generate", "POST", "/suno/generate/lyrics/"),
        ("no_billing", "GET", "/v1/dashboard/billing/subscription"),
        ("no_billing", "GET", "/v1/dashboard/billing/usage"),
    ],
)
@pytest.mark.parametrize("html", [False, True])
def test_routes_a_dialect_does_not_serve(clock, quirk, method, path, html):
    sim = Simulator(clock=clock, dialect=quirk + (",html_unknown_routes" if html else ""))
    with api_for(sim) as api:
        answer = api.request(method, path, json=MUSIC if method == "POST" else None)
    if html and not path.startswith("/v1"):
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")
    else:
        assert answer.status_code == 404
    # Never reached an endpoint: nothing paid, nothing created.
    assert sim.calls("unknown") == 1 and sim.paid_calls() == 0 and sim.task_ids() == []


def test_gin_redirects_the_slash_form(clock):
    sim = Simulator(clock=clock, dialect="gin_slash_redirect")
    with api_for(sim) as api:
        _, clips = song(api, clock)
        body = {
            "root_clip_id": clips[0]["id"],
            "name": "n",
            "description": "d",
            "clips": [],
            "is_public": False,
        }
        moved = api.post("/suno/persona/create/", json=body)
        assert moved.status_code == 307 and moved.headers["Location"] == "/suno/persona/create"
        get = api.get("/suno/fetch/x/?a=1")
        assert get.status_code == 301 and get.headers["Location"] == "/suno/fetch/x?a=1"
        assert api.post("/suno/persona/create", json=body).status_code == 200
    assert (sim.calls("redirect"), sim.calls("persona_create")) == (2, 1)
    assert sim.counts()["paid_calls"] == {"submit_music": 1, "persona_create": 1}


def test_elkapi_serves_both_slash_forms(clock):
    sim = Simulator(clock=clock)
    with api_for(sim) as api:
        assert api.get("/suno/fetch/nope/").status_code == 400
        assert api.get("/suno/fetch/nope").status_code == 400


# --- what the relay forwards and checks ---


def extend_body(clip_id: str, **extra) -> dict:
    return {**MUSIC, "task": "extend", "continue_clip_id": clip_id, "continue_at": 5, **extra}


def test_strict_task_id(clock):
    sim = Simulator(clock=clock, dialect="strict_task_id")
    with api_for(sim) as api:
        task_id, clips = song(api, clock)
        missing = api.post("/suno/submit/music", json=extend_body(clips[0]["id"]))
        assert missing.status_code == 400
        assert missing.json() == {"code": "invalid_request", "message": "task id is empty", "data": None}
        unknown = api.post("/suno/submit/music", json=extend_body(clips[0]["id"], task_id="task_nope"))
        assert (unknown.status_code, unknown.json()["code"], unknown.json()["message"]) == (
            400,
            "task_not_exist",
            "task_origin_not_exist",
        )
        batch = api.post("/suno/generate", json=MUSIC).json()  # a native batch is no relay task
        clock.advance(12.0)
        native = api.post(
            "/suno/submit/music", json=extend_body(batch["clips"][0]["id"], task_id=batch["id"])
        )
        assert native.json()["code"] == "task_not_exist"
        ok = api.post("/suno/submit/music", json=extend_body(clips[0]["id"], task_id=task_id))
        assert ok.status_code == 200
        plain = api.post("/suno/submit/music", json=MUSIC)  # nothing to continue: no task_id needed
        assert plain.status_code == 200
    assert len(sim.task_ids()) == 4  # the refused ones created nothing


def test_the_default_dialect_does_not_enforce_the_task_id_rule(clock):
    sim = Simulator(clock=clock)
    with api_for(sim) as api:
        _, clips = song(api, clock)
        assert api.post("/suno/submit/music", json=extend_body(clips[0]["id"])).status_code == 200


def test_drop_unknown_fields(clock):
    sim = Simulator(clock=clock, dialect="drop_unknown_fields")
    body = {**MUSIC, "negative_tags": "metal", "generation_type": "TEXT"}
    with api_for(sim) as api:
        task_id, clips = song(api, clock, body)
        assert all("negative_tags" not in clip["metadata"] for clip in clips)
        # Extend loses `task`, but continue_clip_id still means extend (Suno's older protocol).
        ext_id = api.post("/suno/submit/music", json=extend_body(clips[0]["id"], task_id=task_id)).json()[
            "data"
        ]
        clock.advance(12.0)
        (extended, _) = api.get(f"/suno/fetch/{ext_id}").json()["data"]["data"]
        assert extended["metadata"]["continue_clip_id"] == clips[0]["id"]
        assert extended["metadata"]["task"] == "extend"
        stems = {
            "task": "gen_stem",
            "mv": "chirp-auk",
            "prompt": "",
            "make_instrumental": True,
            "continue_clip_id": clips[0]["id"],
            "stem_type_group_name": "Two",
            "stem_task": "two",
        }
        assert (
            api.post("/suno/submit/music", json=stems).status_code == 400
        )  # no task: an extend without continue_at
    assert sim.call_log[0][3] == body  # the log keeps what the client sent


def test_the_default_dialect_keeps_negative_tags(clock):
    sim = Simulator(clock=clock)
    with api_for(sim) as api:
        _, clips = song(api, clock, {**MUSIC, "negative_tags": "metal"})
    assert {clip["metadata"]["negative_tags"] for clip in clips} == {"metal"}


def test_nested_error_json(clock):
    sim = Simulator(clock=clock, dialect="nested_error_json,strict_task_id")
    with api_for(sim) as api:
        refused = api.post("/suno/submit/music", json={**MUSIC, "mv": "chirp-v9"})
        assert refused.status_code == 400 and refused.json()["code"] == "fail_to_fetch_task"
        assert json.loads(refused.json()["message"]) == {
            "code": "invalid_request",
            "message": "invalid mv: chirp-v9",
        }
        # The relay's own refusals are not the upstream's JSON.
        assert api.get("/suno/fetch/nope").json()["code"] == "task_not_exist"
        _, clips = song(api, clock)
        assert api.post("/suno/submit/music", json=extend_body(clips[0]["id"])).json()["message"] == (
            "task id is empty"
        )


# --- task and clip shapes ---


def test_null_when_missing(clock):
    sim = Simulator(clock=clock, dialect="null_when_missing")
    with api_for(sim) as api:
        assert api.get("/suno/fetch/task_nope").json() == {"code": "success", "message": "", "data": None}
        assert api.post("/suno/fetch", json={"ids": ["a"]}).json()["data"] is None
        task_id = api.post("/suno/submit/music", json=MUSIC).json()["data"]
        assert len(api.post("/suno/fetch", json={"ids": [task_id, "a"]}).json()["data"]) == 1


def test_bare_fetch_array(clock):
    sim = Simulator(clock=clock, dialect="bare_fetch_array,clip_status_missing")
    with api_for(sim) as api:
        task_id = api.post("/suno/submit/music", json=MUSIC).json()["data"]
        assert api.get(f"/suno/fetch/{task_id}").json()["data"] == []  # not started
        clock.advance(12.0)
        clips = api.get(f"/suno/fetch/{task_id}").json()["data"]
        assert [c["status"] for c in clips] == ["complete", "complete"]  # bare clips keep their status
        lyrics_id = api.post("/suno/submit/lyrics", json={"prompt": "rain"}).json()["data"]
        assert api.get(f"/suno/fetch/{lyrics_id}").json()["data"]["task_id"] == lyrics_id
        (batched,) = api.post("/suno/fetch", json={"ids": [task_id]}).json()["data"]
        assert batched["task_id"] == task_id  # only the single fetch is bare


def test_clip_status_missing_and_variants(clock):
    sim = Simulator(clock=clock, dialect="clip_status_missing,clip_status_variants")
    with api_for(sim) as api:
        task_id = api.post("/suno/submit/music", json=MUSIC).json()["data"]
        seen = []
        for _ in range(30):
            clock.advance(0.5)
            task = api.get(f"/suno/fetch/{task_id}").json()["data"]
            seen.extend(c.get("status", "(none)") for c in task["data"] or [])
            if task["status"] == "SUCCESS":
                break
    assert {"SUBMITTED", "UNKNOWN", "streaming"} <= set(seen) and seen[-1] == "(none)"
    assert "submitted" not in seen and "queued" not in seen
    assert all(c["audio_url"] for c in task["data"])


def test_finish_time_ms_and_no_progress(clock):
    sim = Simulator(clock=clock, dialect="finish_time_ms,no_progress")
    with api_for(sim) as api:
        task_id = api.post("/suno/submit/music", json=MUSIC).json()["data"]
        assert "progress" not in api.get(f"/suno/fetch/{task_id}").json()["data"]
        clock.advance(12.0)
        task = api.get(f"/suno/fetch/{task_id}").json()["data"]
    assert task["finish_time"] == int(clock.now()) * 1000 and task["submit_time"] < 10**11


def test_lyrics_in_prompt(clock):
    sim = Simulator(clock=clock, dialect="lyrics_in_prompt")
    with api_for(sim) as api:
        task_id = api.post("/suno/submit/lyrics", json={"prompt": "a lighthouse"}).json()["data"]
        assert api.get(f"/suno/fetch/{task_id}").json()["data"]["data"] is None
        clock.advance(3.0)
        (item,) = api.get(f"/suno/fetch/{task_id}").json()["data"]["data"]
    assert item["state"] == "succeeded" and "[Verse]" in item["prompt"] and "text" not in item


def test_wav_task_id(clock):
    sim = Simulator(clock=clock, dialect="wav_task_id")
    with api_for(sim) as api:
        _, clips = song(api, clock)
        first = api.get(f"/suno/act/wav/{clips[0]['id']}").json()
        assert first["code"] == "success" and first["data"].startswith("task_")
        assert api.get(f"/suno/act/wav/{clips[0]['id']}").json()["data"] == first["data"]  # one per clip
        converting = api.get(f"/suno/fetch/{first['data']}").json()["data"]
        assert converting["status"] in ("NOT_START", "IN_PROGRESS") and converting["data"] is None
        assert api.get(f"{sim.base_url}/cdn1/{clips[0]['id']}.wav").status_code == 404
        clock.advance(sim.wav_ready_after)
        done = api.get(f"/suno/fetch/{first['data']}").json()["data"]
        assert done["status"] == "SUCCESS" and done["data"] == {
            "wav_file_url": f"{sim.base_url}/cdn1/{clips[0]['id']}.wav"
        }
        assert api.get(done["data"]["wav_file_url"]).content[:4] == b"RIFF"


# --- the balance ---


def test_billing_routes_and_charges(clock):
    sim = Simulator(clock=clock, balance_usd=10.0)
    with api_for(sim) as api:
        assert api.get("/v1/dashboard/billing/subscription").json()["hard_limit_usd"] == 10.0
        assert api.get("/v1/dashboard/billing/usage?start_date=2026-01-01&end_date=2026-04-11").json() == {
            "object": "list",
            "total_usage": 0,
        }
        _, clips = song(api, clock)
        api.post("/suno/submit/lyrics", json={"prompt": "rain"})
        body = {
            "root_clip_id": clips[0]["id"],
            "name": "n",
            "description": "d",
            "clips": [],
            "is_public": False,
        }
        api.post("/suno/persona/create", json=body)
        api.post("/suno/submit/music", json={**MUSIC, "mv": "chirp-v9"})  # refused: not charged
        usage = api.get("/dashboard/billing/usage").json()["total_usage"]  # the /v1-less form too
    assert usage == pytest.approx((0.10 + 0.02 + 0.05) * 100)
    assert sim.used_usd == pytest.approx(0.17) and sim.remaining_usd == pytest.approx(9.83)


def test_billing_needs_a_key(clock):
    sim = Simulator(clock=clock)
    with httpx.Client(transport=SimulatorTransport(sim), base_url=sim.base_url) as anonymous:
        assert anonymous.get("/v1/dashboard/billing/subscription").status_code == 401


def test_a_failed_task_is_refunded(clock):
    sim = Simulator(clock=clock)
    sim.faults.add("task_failure", endpoint="submit_music", times=1)
    with api_for(sim) as api:
        task_id = api.post("/suno/submit/music", json=MUSIC).json()["data"]
        assert sim.used_usd == pytest.approx(0.10)
        clock.advance(12.0)
        assert api.get(f"/suno/fetch/{task_id}").json()["data"]["status"] == "FAILURE"
    assert sim.used_usd == 0


def test_stems_cost_more(clock):
    sim = Simulator(clock=clock)
    assert sim.price("submit_music", {"task": "gen_stem", "stem_task": "twelve"}) == 0.50
    assert sim.price("submit_music", {"task": "gen_stem", "stem_type_group_name": "Two"}) == 0.10
    assert sim.price("submit_music", MUSIC) == 0.10 and sim.price("fetch", None) == 0.0


@pytest.mark.parametrize(
    "dialect, code, message",
    [
        ("elkapi", "quota_not_enough", "user quota is not enough"),
        ("quota_zh", "insufficient_user_quota", "用户额度不足, 剩余额度: ＄0.050000"),
    ],
)
def test_once_spent_paid_calls_are_refused(clock, dialect, code, message):
    sim = Simulator(clock=clock, balance_usd=0.15, dialect=dialect)
    with api_for(sim) as api:
        first = api.post("/suno/submit/music", json=MUSIC)
        second = api.post("/suno/submit/music", json=MUSIC)
        lyrics = api.post("/suno/submit/lyrics", json={"prompt": "rain"})  # 0.02 still fits
        task_id = first.json()["data"]
        assert api.get(f"/suno/fetch/{task_id}").status_code == 200  # polling is free
    assert first.status_code == 200 and lyrics.status_code == 200
    assert second.status_code == 403 and second.json() == {"code": code, "message": message, "data": None}
    assert len(sim.task_ids()) == 2 and sim.remaining_usd == pytest.approx(0.03)


@pytest.mark.parametrize(
    "answer, status, code",
    [
        ("legacy", 403, "quota_not_enough"),
        ("user_quota", 403, "insufficient_user_quota"),
        ("pre_consume", 403, "pre_consume_token_quota_failed"),
        ("token_exhausted", 401, ""),
    ],
)
def test_insufficient_balance_fault_answers(clock, answer, status, code):
    sim = Simulator(clock=clock)
    sim.faults.add("insufficient_balance", answer=answer)
    with api_for(sim) as api:
        refused = api.post("/suno/submit/music", json=MUSIC)
    assert refused.status_code == status
    payload = refused.json()
    if status == 401:
        assert "该令牌额度已用尽 TokenStatusExhausted[sk-sk-***789]" in payload["error"]["message"]
    else:
        assert payload["code"] == code
    assert sim.task_ids() == []


@pytest.mark.parametrize(
    "dialect, message",
    [
        ("elkapi", "no available channel for model chirp-hawk under group default"),
        ("quota_zh", "当前分组 default 下对于模型 chirp-hawk 无可用渠道"),
    ],
)
def test_unavailable_models_have_no_channel(clock, dialect, message):
    sim = Simulator(clock=clock, dialect=dialect, unavailable_models=["chirp-hawk"])
    with api_for(sim) as api:
        refused = api.post("/suno/submit/music", json={**MUSIC, "mv": "chirp-hawk"})
        assert api.post("/suno/submit/music", json=MUSIC).status_code == 200
    assert refused.status_code == 503 and refused.json()["error"]["message"].startswith(message)
    assert len(sim.task_ids()) == 1 and sim.used_usd == pytest.approx(0.10)


# --- slow answers ---


def test_slow_submit_and_media_delay(clock):
    sim = Simulator(clock=clock, slow_submit=45.0, media_delay=1.5)
    raw = sim.handle("POST", "/suno/submit/music", headers=AUTH, body=json.dumps(MUSIC).encode())
    assert raw.status == 200 and raw.delay == 45.0
    task_id = raw.json()["data"]
    assert sim.handle("GET", f"/suno/fetch/{task_id}", headers=AUTH).delay == 0.0  # queries stay fast
    clock.advance(12.0)
    clip_id = sim.handle("GET", f"/suno/fetch/{task_id}", headers=AUTH).json()["data"]["data"][0]["id"]
    assert sim.handle("GET", f"/cdn1/{clip_id}.mp3").delay == 1.5


def test_the_timeout_fault_outlasts_each_read_timeout(clock):
    sim = Simulator(clock=clock)
    sim.faults.add("timeout")
    paid = sim.handle("POST", "/suno/submit/music", headers=AUTH, body=json.dumps(MUSIC).encode())
    query = sim.handle("GET", "/suno/fetch/x", headers=AUTH)
    assert (paid.delay, query.delay) == (130.0, 35.0)  # beyond the client's 120 s paid and 30 s query reads


def test_counts_by_endpoint(clock):
    sim = Simulator(clock=clock)
    with api_for(sim) as api:
        song(api, clock)
        api.post("/suno/submit/lyrics", json={"prompt": "rain"})
        api.post("/suno/submit/music", json={**MUSIC, "mv": "chirp-v9"})
    counts = sim.counts()
    assert counts["paid_calls"] == {"submit_music": 2, "submit_lyrics": 1} and counts["paid_total"] == 3
    assert counts["tasks"] == {"submit_music": 1, "submit_lyrics": 1} and counts["tasks_total"] == 2
    assert counts["calls"]["fetch"] == 1 and counts["dialect"] == "elkapi"
    assert counts["balance"]["used_usd"] == pytest.approx(0.12)
