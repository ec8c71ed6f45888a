"""The simulator's HTTP contract (docs/upstream.md §8), driven through httpx and a ManualClock: no sleeps."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest

from suno import versions
from suno.simulator import media
from suno.simulator.app import FAULTS, PAID_ENDPOINTS, Simulator, write_lyrics
from suno.simulator.clock import ManualClock
from suno.simulator.transport import SimulatorTransport
from suno.simulator.walk import SEED_BATCH_KEYS, SEED_BODY, SEED_CLIP_KEYS, SEED_METADATA_KEYS

LYRICS = "[Verse]\nWinter winds are calling home\n[Chorus]\nSing it loud and sing it slow"
MUSIC = {"mv": "chirp-auk", "prompt": LYRICS, "tags": "indie folk", "title": "Winter"}
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def sim(clock):
    return Simulator(clock=clock)


def client_for(sim: Simulator, *, key: str | None = "test-key", read: float = 30.0) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(
        transport=SimulatorTransport(sim),
        base_url=sim.base_url,
        headers=headers,
        timeout=httpx.Timeout(10.0, read=read),
    )


@pytest.fixture
def api(sim):
    with client_for(sim) as client:
        yield client


def submit(api: httpx.Client, body: dict, path: str = "/suno/submit/music") -> str:
    answer = api.post(path, json=body)
    assert answer.status_code == 200, answer.text
    payload = answer.json()
    assert payload["code"] == "success" and payload["message"] == ""
    return payload["data"]


def fetch(api: httpx.Client, task_id: str) -> dict:
    answer = api.get(f"/suno/fetch/{task_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def finished(api, clock, body=MUSIC, path="/suno/submit/music") -> list[dict]:
    """Submit, let the clock run to completion, return the complete clips."""
    task_id = submit(api, body, path)
    clock.advance(12.0)
    task = fetch(api, task_id)
    assert task["status"] == "SUCCESS", task
    return task["data"]


def assert_rejected(answer: httpx.Response, message: str, code: str = "invalid_request") -> None:
    assert answer.status_code == 400, answer.text
    payload = answer.json()
    assert payload["code"] == code and payload["data"] is None
    assert message in payload["message"]


# --- lifecycle and shapes ---


def test_music_task_walks_through_every_status_step(api, clock, sim):
    task_id = submit(api, MUSIC)
    assert re.fullmatch(r"task_[0-9a-f]{24}", task_id)

    task = fetch(api, task_id)
    assert set(task) == {
        "task_id",
        "notify_hook",
        "action",
        "status",
        "fail_reason",
        "submit_time",
        "start_time",
        "finish_time",
        "progress",
        "data",
    }
    assert (task["status"], task["data"], task["progress"], task["start_time"]) == (
        "NOT_START",
        None,
        "0%",
        0,
    )
    assert task["action"] == "MUSIC" and task["submit_time"] == int(clock())

    clock.advance(0.5)
    task = fetch(api, task_id)
    assert task["status"] == "IN_PROGRESS" and task["start_time"] >= task["submit_time"]
    assert [c["status"] for c in task["data"]] == ["submitted", "submitted"]
    assert all(c["audio_url"] == "" and c["video_url"] == "" for c in task["data"])

    clock.advance(0.5)
    assert [c["status"] for c in fetch(api, task_id)["data"]] == ["queued", "queued"]

    clock.advance(2.0)  # t = 3 s: streaming_after
    task = fetch(api, task_id)
    assert (task["status"], task["progress"]) == ("IN_PROGRESS", "50%")
    for clip in task["data"]:
        assert clip["status"] == "streaming"
        assert clip["audio_url"] == f"{sim.base_url}/audiopipe/?item_id={clip['id']}"
        assert "duration" not in clip["metadata"] and "image_url" not in clip

    clock.advance(9.0)  # t = 12 s: complete_after
    task = fetch(api, task_id)
    assert (task["status"], task["progress"], task["fail_reason"]) == ("SUCCESS", "100%", "")
    assert task["finish_time"] == task["submit_time"] + 12
    ids = [c["id"] for c in task["data"]]
    assert len(set(ids)) == 2 and all(uuid.UUID(i).version == 4 for i in ids)
    for clip in task["data"]:
        cid = clip["id"]
        assert clip["status"] == "complete"
        assert clip["audio_url"] == f"{sim.base_url}/cdn1/{cid}.mp3"
        assert clip["video_url"] == f"{sim.base_url}/cdn1/{cid}.mp4"
        assert clip["image_url"] == f"{sim.base_url}/cdn2/image_{cid}.jpeg"
        assert clip["image_large_url"] == f"{sim.base_url}/cdn2/image_large_{cid}.jpeg"
        assert 20 <= clip["metadata"]["duration"] <= 45
        assert ISO_MS.match(clip["created_at"])
        assert (clip["title"], clip["model_name"], clip["major_model_version"]) == (
            "Winter",
            "chirp-auk",
            "v4.5",
        )
        assert clip["metadata"]["prompt"] == LYRICS and clip["metadata"]["type"] == "gen"


def test_task_id_format_variant_gives_uuids(clock):
    sim = Simulator(clock=clock, variants={"task_id_format": "uuid"})
    with client_for(sim) as api:
        assert uuid.UUID(submit(api, MUSIC)).version == 4


def test_unknown_variant_is_refused():
    with pytest.raises(ValueError):
        Simulator(variants={"wav_response": "carrier-pigeon"})


def test_feed_is_a_bare_array_by_path_or_query(api, clock):
    clips = finished(api, clock)
    ids = [c["id"] for c in clips]
    by_path = api.get(f"/suno/feed/{ids[0]},{ids[1]},{uuid.uuid4()}").json()
    by_query = api.get("/suno/feed/", params={"ids": ",".join(ids)}).json()
    assert [c["id"] for c in by_path] == ids == [c["id"] for c in by_query]
    assert by_path == clips


def test_batch_fetch_omits_unknown_ids_in_no_promised_order(api, clock):
    first, second = submit(api, MUSIC), submit(api, {**MUSIC, "title": "Other"})
    answer = api.post("/suno/fetch", json={"ids": [first, "task_nope", second], "action": "MUSIC"}).json()
    assert answer["code"] == "success"
    assert sorted(t["task_id"] for t in answer["data"]) == sorted([first, second])
    assert api.post("/suno/fetch", json={"ids": []}).json()["data"] == []


def test_batch_fetch_limit_and_bad_ids(clock):
    sim = Simulator(clock=clock, batch_limit=2)
    with client_for(sim) as api:
        assert_rejected(api.post("/suno/fetch", json={"ids": ["a", "b", "c"]}), "too many ids")
        assert_rejected(api.post("/suno/fetch", json={"ids": "a"}), "ids must be a list")
        assert api.post("/suno/fetch", json={"ids": ["a", "b"]}).status_code == 200


def test_unknown_task_is_task_not_exist(api):
    assert_rejected(api.get("/suno/fetch/task_0123"), "task_not_exist", code="task_not_exist")


def test_unknown_path_is_a_gateway_404(api):
    answer = api.get("/suno/nothing/here")
    assert answer.status_code == 404 and "Invalid URL" in answer.json()["error"]["message"]


def test_generate_answers_the_native_batch_and_its_id_is_fetchable(api, clock):
    batch = api.post("/suno/generate", json=MUSIC).json()
    assert set(batch) == SEED_BATCH_KEYS
    assert (batch["status"], batch["batch_size"], batch["major_model_version"]) == ("complete", 1, "v4.5")
    assert len(batch["clips"]) == 2 and ISO_MS.match(batch["created_at"])
    assert all(set(c) == SEED_CLIP_KEYS and c["status"] == "submitted" for c in batch["clips"])
    assert batch["metadata"]["tags"] == "indie folk"
    clock.advance(12.0)
    task = fetch(api, batch["id"])
    assert task["status"] == "SUCCESS" and [c["id"] for c in task["data"]] == [
        c["id"] for c in batch["clips"]
    ]


@pytest.mark.parametrize("path", ["/suno/persona/create", "/suno/persona/create/"])
def test_trailing_slash_is_optional(api, clock, path):
    root = finished(api, clock)[0]
    body = {
        "root_clip_id": root["id"],
        "name": "n",
        "description": "d",
        "clips": [root["id"]],
        "is_public": False,
    }
    assert api.post(path, json=body).status_code == 200


def test_inspiration_mode_writes_title_lyrics_and_style(api, clock):
    clips = finished(api, clock, {"mv": "chirp-v4", "gpt_description_prompt": "a salsa about rainy weekends"})
    for clip in clips:
        assert clip["title"] and clip["metadata"]["tags"]
        assert "[Chorus]" in clip["metadata"]["prompt"]
        assert clip["metadata"]["gpt_description_prompt"] == "a salsa about rainy weekends"


def test_instrumental_has_no_lyrics_and_no_timing_words(api, clock):
    body = {"mv": "chirp-auk", "prompt": "", "tags": "lo-fi", "title": "Beats", "make_instrumental": True}
    clip = finished(api, clock, body)[0]
    assert clip["metadata"]["prompt"] == ""
    timing = api.get(f"/suno/act/timing/{clip['id']}").json()
    assert timing["aligned_words"] == [] and timing["waveform_data"]


# --- validation (400 E-task-error) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**MUSIC, "mv": "chirp-v9"}, "invalid mv"),
        ({**MUSIC, "mv": "chirp-v4", "prompt": "x" * 3001}, "prompt is too long"),
        ({**MUSIC, "mv": "chirp-v4", "tags": "x" * 201}, "tags is too long"),
        ({**MUSIC, "negative_tags": "x" * 1001}, "negative_tags is too long"),
        ({"mv": "chirp-auk", "gpt_description_prompt": "x" * 3001}, "gpt_description_prompt is too long"),
        ({**MUSIC, "title": "x" * (versions.TITLE_HARD_MAX + 1)}, "title is too long"),
        ({**MUSIC, "task": "dance"}, "invalid task"),
        ({**MUSIC, "prompt": ""}, "prompt_empty"),
        ({**MUSIC, "prompt": 7}, "prompt must be a string"),
        ({**MUSIC, "task": "extend", "continue_clip_id": str(uuid.uuid4()), "continue_at": 5}, "not found"),
        ({**MUSIC, "task": "extend"}, "continue_clip_id is required"),
        ({**MUSIC, "task": "gen_stem", "mv": "chirp-v4", "continue_clip_id": "x"}, "stems need mv chirp-auk"),
        (
            {**MUSIC, "task": "artist_consistency", "mv": "chirp-crow", "persona_id": "p"},
            "does not support personas",
        ),
        ({**MUSIC, "task": "artist_consistency", "mv": "chirp-auk", "persona_id": "p"}, "persona not found"),
    ],
)
def test_music_validation(api, body, message):
    assert_rejected(api.post("/suno/submit/music", json=body), message)


def test_bad_json_is_invalid_request(api):
    answer = api.post(
        "/suno/submit/music", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_rejected(answer, "invalid request body")
    assert_rejected(api.post("/suno/submit/music", json=["a", "list"]), "invalid request body")


def test_referenced_clips_must_be_complete(api, clock):
    streaming = api.post("/suno/generate", json=MUSIC).json()["clips"][0]["id"]
    clock.advance(3.0)
    body = {**MUSIC, "task": "extend", "continue_clip_id": streaming, "continue_at": 5}
    assert_rejected(api.post("/suno/submit/music", json=body), "is not complete (status streaming)")
    assert_rejected(api.post("/suno/submit/concat", json={"clip_id": streaming}), "not complete")
    persona = {"root_clip_id": streaming, "name": "n", "description": "d", "clips": [], "is_public": True}
    assert_rejected(api.post("/suno/persona/create/", json=persona), "not complete")
    assert_rejected(api.get(f"/suno/act/timing/{streaming}"), "not complete")
    assert_rejected(api.get(f"/suno/act/wav/{streaming}"), "not complete")
    assert_rejected(api.get(f"/suno/act/mp4/{streaming}"), "not complete")


def test_extend_validation(api, clock):
    parent = finished(api, clock)[0]
    duration = parent["metadata"]["duration"]
    base = {**MUSIC, "task": "extend", "continue_clip_id": parent["id"]}
    assert_rejected(api.post("/suno/submit/music", json={**base, "continue_at": duration + 1}), "continue_at")
    assert_rejected(api.post("/suno/submit/music", json={**base, "continue_at": "soon"}), "must be a number")
    assert_rejected(
        api.post("/suno/submit/music", json={**base, "mv": "chirp-v4-tau", "continue_at": 3}), "cannot extend"
    )
    upload_extend = {**base, "task": "upload_extend", "continue_at": 3}
    assert_rejected(api.post("/suno/submit/music", json=upload_extend), "uploaded clip")


def test_concat_needs_an_extend_result(api, clock):
    plain = finished(api, clock)[0]
    assert_rejected(api.post("/suno/submit/concat", json={"clip_id": plain["id"]}), "extend or infill")
    assert_rejected(api.post("/suno/submit/concat", json={}), "clip_id is required")


def test_persona_validation(api, clock):
    root = finished(api, clock)[0]
    full = {
        "root_clip_id": root["id"],
        "name": "n",
        "description": "d",
        "clips": [root["id"]],
        "is_public": False,
    }
    for missing in full:
        body = {k: v for k, v in full.items() if k != missing}
        assert_rejected(api.post("/suno/persona/create/", json=body), f"{missing} is required")
    assert_rejected(api.post("/suno/persona/create/", json={**full, "is_public": "yes"}), "is_public")
    assert_rejected(api.post("/suno/persona/create/", json={**full, "clips": "x"}), "clips must be a list")
    persona = api.post("/suno/persona/create/", json=full).json()
    wrong_root = {
        **MUSIC,
        "task": "artist_consistency",
        "persona_id": persona["id"],
        "artist_clip_id": "other",
    }
    assert_rejected(api.post("/suno/generate", json=wrong_root), "artist_clip_id")


def test_lyrics_validation(api):
    assert_rejected(api.post("/suno/submit/lyrics", json={"prompt": " "}), "prompt_empty")
    assert_rejected(api.post("/suno/submit/lyrics", json={"prompt": "x" * 3001}), "too long")
    assert_rejected(api.post("/suno/generate/lyrics/", json={}), "prompt_empty")


# --- auth and faults ---


@pytest.mark.parametrize("key", [None, ""])
def test_api_needs_a_bearer_key(sim, key):
    with client_for(sim, key=None) as api:
        headers = {} if key is None else {"Authorization": "Bearer "}
        answer = api.post("/suno/submit/music", json=MUSIC, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"]["message"].startswith("Invalid token (request id: ")
    assert sim.task_ids() == [] and sim.calls("submit_music") == 1


@pytest.mark.parametrize(
    ("fault", "status", "shape"),
    [
        ("unauthorized", 401, "gateway"),
        ("forbidden", 403, "gateway"),
        ("insufficient_balance", 403, "task"),
        ("rate_limited", 429, "gateway"),
        ("unavailable", 503, "gateway"),
    ],
)
def test_gateway_faults_answer_before_the_adaptor_and_create_nothing(api, sim, fault, status, shape):
    sim.faults.add(fault)
    answer = api.post("/suno/submit/music", json=MUSIC)
    assert answer.status_code == status
    payload = answer.json()
    if shape == "gateway":
        assert set(payload["error"]) == {"message", "type", "code", "param"}
        assert "(request id: " in payload["error"]["message"]
    else:
        assert payload == {"code": "quota_not_enough", "message": "user quota is not enough", "data": None}
    assert sim.calls("submit_music") == 1 and sim.paid_calls() == 1
    assert sim.task_ids() == []


def test_fault_messages(api, sim):
    sim.faults.add("unauthorized", times=1)
    assert "Invalid token" in api.get("/suno/fetch/x").json()["error"]["message"]
    sim.faults.add("unavailable", times=1)
    assert "no available channel" in api.get("/suno/fetch/x").json()["error"]["message"]


def test_rate_limited_carries_retry_after(api, sim):
    sim.faults.add("rate_limited", retry_after=7)
    assert api.get("/suno/fetch/x").headers["Retry-After"] == "7"
    sim.faults.clear()
    sim.faults.add("rate_limited")
    assert api.get("/suno/fetch/x").headers["Retry-After"] == "2"


def test_insufficient_balance_never_blocks_polling(api, sim):
    task_id = submit(api, MUSIC)
    sim.faults.add("insufficient_balance")
    assert api.get(f"/suno/fetch/{task_id}").status_code == 200
    assert api.post("/suno/submit/lyrics", json={"prompt": "rain"}).status_code == 403


def test_server_error_is_an_e_task_error_and_creates_nothing(api, sim):
    sim.faults.add("server_error", endpoint="submit_music", times=1)
    answer = api.post("/suno/submit/music", json=MUSIC)
    assert answer.status_code == 500
    assert answer.json()["data"] is None and answer.json()["code"] and answer.json()["message"]
    assert sim.task_ids() == []
    task_id = submit(api, MUSIC)  # times=1: used up
    sim.faults.add("server_error", endpoint="fetch", times=1)
    answer = api.get(f"/suno/fetch/{task_id}")
    assert (answer.status_code, answer.json()["code"]) == (500, "fail_to_fetch_task")
    assert api.get(f"/suno/fetch/{task_id}").status_code == 200
    assert sim.calls("submit_music") == 2 and sim.calls("fetch") == 2


def test_server_error_with_work_done_creates_the_task(api, sim):
    sim.faults.add("server_error", work_done=True)
    assert api.post("/suno/submit/music", json=MUSIC).status_code == 500
    assert len(sim.task_ids()) == 1


def test_gateway_timeout_is_html_and_the_work_is_done(api, sim):
    sim.faults.add("gateway_timeout", endpoint="submit_music")
    answer = api.post("/suno/submit/music", json=MUSIC)
    assert answer.status_code == 524 and answer.headers["Content-Type"].startswith("text/html")
    assert b"524" in answer.content
    assert len(sim.task_ids()) == 1


def test_timeout_raises_read_timeout_but_the_paid_call_created_its_task(sim, clock):
    sim.faults.add("timeout", endpoint="submit_music", times=1)
    with client_for(sim, read=10.0) as api:
        with pytest.raises(httpx.ReadTimeout):
            api.post("/suno/submit/music", json=MUSIC)
        assert sim.calls("submit_music") == 1
        (task_id,) = sim.task_ids()
        clock.advance(12.0)
        assert fetch(api, task_id)["status"] == "SUCCESS"  # the upstream did the work anyway


def test_timeout_longer_than_the_delay_gets_the_answer(clock):
    sim = Simulator(clock=clock, timeout_delay=5.0)
    sim.faults.add("timeout")
    raw = sim.handle("GET", "/suno/fetch/x", headers={"Authorization": "Bearer k"})
    assert raw.delay == 5.0
    with client_for(sim, read=60.0) as api:
        assert api.get("/suno/fetch/x").status_code == 400


def test_malformed_json(api, sim):
    task_id = submit(api, MUSIC)
    sim.faults.add("malformed_json", endpoint="fetch")
    answer = api.get(f"/suno/fetch/{task_id}")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        answer.json()


def test_faults_leave_media_alone(api, sim, clock):
    clip = finished(api, clock)[0]
    for name in ("unauthorized", "rate_limited", "server_error", "timeout", "malformed_json"):
        sim.faults.add(name)
    with httpx.Client(transport=SimulatorTransport(sim)) as anonymous:
        answer = anonymous.get(clip["audio_url"])
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "audio/mpeg"


def test_clip_error_ends_clips_in_error_and_the_task_in_failure(api, sim, clock):
    sim.faults.add("clip_error", times=1, error_message="Lyrics contain a banned word")
    task_id = submit(api, MUSIC)
    clock.advance(1.0)
    assert fetch(api, task_id)["status"] == "IN_PROGRESS"
    clock.advance(2.0)
    task = fetch(api, task_id)
    assert task["status"] == "FAILURE" and task["fail_reason"] == "Lyrics contain a banned word"
    for clip in task["data"]:
        assert clip["status"] == "error" and clip["audio_url"] == ""
        assert clip["metadata"]["error_type"] == "moderation"
        assert clip["metadata"]["error_message"] == "Lyrics contain a banned word"
    assert finished(api, clock)  # times=1: the next request is fine


def test_clip_never_completes(api, sim, clock):
    sim.faults.add("clip_never_completes")
    task_id = submit(api, MUSIC)
    clock.advance(10_000)
    task = fetch(api, task_id)
    assert task["status"] == "IN_PROGRESS" and task["progress"] == "50%"
    assert {c["status"] for c in task["data"]} == {"streaming"}


def test_task_failure(api, sim, clock):
    sim.faults.add("task_failure", fail_reason="Upstream account banned")
    music, lyrics = submit(api, MUSIC), submit(api, {"prompt": "rain"}, "/suno/submit/lyrics")
    batch = api.post("/suno/generate", json=MUSIC).json()
    clock.advance(12.0)
    for task_id in (music, lyrics):
        task = fetch(api, task_id)
        assert (task["status"], task["fail_reason"]) == ("FAILURE", "Upstream account banned")
    feed = api.get("/suno/feed/" + ",".join(c["id"] for c in batch["clips"])).json()
    assert {c["status"] for c in feed} == {"error"}  # feed pollers see the failure too


def test_fault_switches(sim):
    sim.faults.add("rate_limited", endpoint="fetch")
    assert "rate_limited" in sim.faults and "timeout" not in sim.faults
    sim.faults.remove("rate_limited")
    assert "rate_limited" not in sim.faults
    with pytest.raises(ValueError):
        sim.faults.add("gremlins")
    with pytest.raises(ValueError):
        sim.faults.add("timeout", endpoint="nowhere")
    assert len(FAULTS) == 12 and "submit_music" in PAID_ENDPOINTS and "fetch" not in PAID_ENDPOINTS


def test_faults_from_the_environment(monkeypatch, clock):
    monkeypatch.setenv("SUNO_SIMULATOR_FAULTS", "rate_limited, server_error:submit_music")
    monkeypatch.setenv("SUNO_SIMULATOR_VARIANTS", "wav_response=binary")
    sim = Simulator.from_env(clock=clock)
    assert [(f.name, f.endpoint) for f in sim.faults.active()] == [
        ("rate_limited", None),
        ("server_error", "submit_music"),
    ]
    assert sim.variants["wav_response"] == "binary"


def test_call_log_records_what_reached_each_endpoint(api, sim):
    submit(api, MUSIC)
    api.get("/suno/fetch/x")
    assert sim.call_log[0] == ("submit_music", "POST", "/suno/submit/music", MUSIC)
    assert sim.call_log[1] == ("fetch", "GET", "/suno/fetch/x", None)
    assert (sim.calls(), sim.calls("fetch"), sim.paid_calls()) == (2, 1, 1)


# --- audio, media and Range --------------------------------------------------------------------------------


def test_same_request_same_audio(clock):
    def mp3s(body):
        sim = Simulator(clock=ManualClock())
        with client_for(sim) as api:
            clips = finished(api, sim.clock, body)
            return [api.get(c["audio_url"]).content for c in clips]

    first, again = mp3s(MUSIC), mp3s(MUSIC)
    assert first == again  # fresh simulators, new random ids, same audio
    assert first[0] != first[1]  # the two takes of one request differ
    assert mp3s({**MUSIC, "title": "Spring"})[0] != first[0]


def test_media_answers_range_requests_like_a_cdn(api, clock):
    clip = finished(api, clock)[0]
    whole = api.get(clip["audio_url"])
    size = len(whole.content)
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    assert media.decode_duration(whole.content) == pytest.approx(clip["metadata"]["duration"], abs=0.1)

    part = api.get(clip["audio_url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert (
        part.headers["Content-Range"] == f"bytes 100-199/{size}" and part.headers["Content-Length"] == "100"
    )
    tail = api.get(clip["audio_url"], headers={"Range": "bytes=-10"})
    assert (
        tail.content == whole.content[-10:]
        and tail.headers["Content-Range"] == f"bytes {size - 10}-{size - 1}/{size}"
    )
    open_ended = api.get(clip["audio_url"], headers={"Range": f"bytes={size - 5}-"})
    assert open_ended.status_code == 206 and open_ended.content == whole.content[-5:]
    beyond = api.get(clip["audio_url"], headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{size}"

    head = api.head(clip["audio_url"])
    assert head.status_code == 200 and head.content == b"" and head.headers["Content-Length"] == str(size)


def test_media_types_and_availability(api, sim, clock):
    batch = api.post("/suno/generate", json=MUSIC).json()
    cid = batch["clips"][0]["id"]
    stream_url = f"{sim.base_url}/audiopipe/?item_id={cid}"
    assert api.get(stream_url).status_code == 404  # nothing to stream yet
    assert api.get(f"/cdn1/{cid}.mp3").status_code == 404
    clock.advance(3.0)
    assert api.get(stream_url).headers["Content-Type"] == "audio/mpeg"
    assert api.get(f"/cdn1/{cid}.mp3").status_code == 404  # the CDN file only exists once complete
    clock.advance(9.0)
    assert api.get(f"/cdn1/{cid}.mp3").headers["Content-Type"] == "audio/mpeg"
    for url in (f"/cdn2/image_{cid}.jpeg", f"/cdn2/image_large_{cid}.jpeg"):
        image = api.get(url)
        assert image.headers["Content-Type"] == "image/jpeg" and image.content[:2] == b"\xff\xd8"
    assert api.get(f"/cdn1/{uuid.uuid4()}.mp3").status_code == 404
    assert api.get(f"/cdn1/{cid}.wav").status_code == 404  # only after an act/wav conversion


def test_timing_lies_inside_the_audio(api, clock):
    clip = finished(api, clock)[0]
    timing = api.get(f"/suno/act/timing/{clip['id']}").json()
    assert set(timing) == {"aligned_words", "waveform_data", "hoot_cer", "is_streamed"}
    words = timing["aligned_words"]
    assert words and timing["is_streamed"] is False and len(timing["waveform_data"]) == 200
    assert "Winter" in words[0]["word"]
    for word in words:
        assert set(word) == {"word", "success", "start_s", "end_s", "p_align"}
        assert 0 <= word["start_s"] <= word["end_s"] <= clip["metadata"]["duration"]


def test_wav_conversion_then_url(api, sim, clock):
    cid = finished(api, clock)[0]["id"]
    assert api.get(f"/suno/act/wav/{cid}").json() == {}  # starts the conversion
    clock.advance(sim.wav_ready_after - 0.1)
    assert api.get(f"/suno/act/wav/{cid}").json() == {}
    clock.advance(0.1)
    answer = api.get(f"/suno/act/wav/{cid}").json()
    assert answer == {"code": "success", "data": f"{sim.base_url}/cdn1/{cid}.wav"}
    wav = api.get(answer["data"])
    assert wav.headers["Content-Type"] == "audio/wav" and wav.content[:4] == b"RIFF"


@pytest.mark.parametrize("shape", ["wav_file_url", "binary"])
def test_wav_variants(clock, shape):
    sim = Simulator(clock=clock, variants={"wav_response": shape})
    with client_for(sim) as api:
        cid = finished(api, clock)[0]["id"]
        api.get(f"/suno/act/wav/{cid}")
        clock.advance(sim.wav_ready_after)
        answer = api.get(f"/suno/act/wav/{cid}")
    if shape == "binary":
        assert answer.headers["Content-Type"] == "audio/wav" and answer.content[:4] == b"RIFF"
    else:
        assert answer.json() == {"wav_file_url": f"{sim.base_url}/cdn1/{cid}.wav"}


@pytest.mark.parametrize(("shape", "key"), [("mp4_file_url", "mp4_file_url"), ("data_url", "data")])
def test_mp4_conversion_then_url(clock, shape, key):
    sim = Simulator(clock=clock, variants={"mp4_response": shape})
    with client_for(sim) as api:
        cid = finished(api, clock)[0]["id"]
        assert api.get(f"/suno/act/mp4/{cid}").json() == {}
        clock.advance(sim.mp4_ready_after)
        url = api.get(f"/suno/act/mp4/{cid}").json()[key]
        assert url == f"{sim.base_url}/cdn1/{cid}.mp4"
        if shape == "mp4_file_url":  # render the video once
            video = api.get(url)
            assert video.headers["Content-Type"] == "video/mp4" and video.content[4:8] == b"ftyp"


# --- extend, concat, stems ---


def test_extend_chain_and_concat_duration(api, clock):
    root = finished(api, clock)[0]
    at_1 = round(root["metadata"]["duration"] / 2, 2)
    body_1 = {**MUSIC, "task": "extend", "continue_clip_id": root["id"], "continue_at": at_1}
    ext_1 = finished(api, clock, body_1)[0]
    assert ext_1["metadata"]["task"] == "extend"
    assert ext_1["metadata"]["history"] == [
        {"id": root["id"], "continue_at": at_1, "type": "gen", "source": "web", "infill": False}
    ]
    at_2 = 10.0
    ext_2 = finished(api, clock, {**body_1, "continue_clip_id": ext_1["id"], "continue_at": at_2})[0]
    assert [h["id"] for h in ext_2["metadata"]["history"]] == [root["id"], ext_1["id"]]

    (song,) = finished(api, clock, {"clip_id": ext_2["id"], "is_infill": False}, "/suno/submit/concat")
    assert song["metadata"]["type"] == "concat"
    assert [h["id"] for h in song["metadata"]["concat_history"]] == [root["id"], ext_1["id"], ext_2["id"]]
    expected = at_1 + at_2 + ext_2["metadata"]["duration"]
    assert song["metadata"]["duration"] == pytest.approx(expected, abs=0.02)
    audio = api.get(song["audio_url"]).content
    assert media.decode_duration(audio) == pytest.approx(expected, abs=0.1)
    words = api.get(f"/suno/act/timing/{song['id']}").json()["aligned_words"]
    assert words and max(w["end_s"] for w in words) <= expected


def test_generate_concat_answers_the_native_clip(api, clock):
    root = finished(api, clock)[0]
    ext = finished(api, clock, {**MUSIC, "task": "extend", "continue_clip_id": root["id"], "continue_at": 5})[
        0
    ]
    clip = api.post("/suno/generate/concat", json={"clip_id": ext["id"], "is_infill": False}).json()
    assert clip["status"] == "submitted" and clip["metadata"]["type"] == "concat"
    clock.advance(12.0)
    assert api.get(f"/suno/feed/{clip['id']}").json()[0]["status"] == "complete"


def test_infill_then_concat(api, clock):
    root = finished(api, clock)[0]
    body = {**MUSIC, "task": "infill", "continue_clip_id": root["id"], "infill_start_s": 2, "infill_end_s": 6}
    infill = finished(api, clock, body)[0]
    assert infill["metadata"]["infill"] is True
    (song,) = finished(api, clock, {"clip_id": infill["id"], "is_infill": True}, "/suno/submit/concat")
    assert song["metadata"]["duration"] == infill["metadata"]["duration"]


def stem_body(source_id: str, group: str = "Twelve") -> dict:
    return {
        "task": "gen_stem",
        "generation_type": "TEXT",
        "title": "Winter",
        "mv": "chirp-auk",
        "prompt": "",
        "make_instrumental": True,
        "continue_clip_id": source_id,
        "continued_aligned_prompt": None,
        "continue_at": None,
        "stem_type_id": 91,
        "stem_type_group_name": group,
        "stem_task": group.lower(),
    }


def test_stems_twelve_answer_native_and_start_queued(api, clock):
    source = finished(api, clock)[0]
    batch = api.post("/suno/submit/music", json=stem_body(source["id"])).json()
    assert "code" not in batch and batch["status"] == "complete"
    clips = batch["clips"]
    assert [c["title"] for c in clips] == [f"Winter - {name}" for name in media.STEM_NAMES_TWELVE]
    for clip in clips:
        assert (clip["status"], clip["model_name"], clip["major_model_version"]) == (
            "queued",
            "chirp-stem",
            "",
        )
        assert clip["metadata"]["type"] == "stem" and clip["metadata"]["stem_from_id"] == source["id"]
    assert clips[0]["metadata"]["prompt"] == LYRICS and clips[1]["metadata"]["prompt"] == ""
    clock.advance(12.0)
    task = fetch(api, batch["id"])
    assert task["status"] == "SUCCESS" and len(task["data"]) == 12
    vocals = api.get(task["data"][0]["audio_url"])
    assert media.decode_duration(vocals.content) == pytest.approx(source["metadata"]["duration"], abs=0.1)


def test_stems_two_through_the_task_variant(clock):
    sim = Simulator(clock=clock, variants={"stems_response": "task"})
    with client_for(sim) as api:
        source = finished(api, clock)[0]
        clips = finished(api, clock, stem_body(source["id"], "Two"))
    assert [c["title"] for c in clips] == ["Winter - Vocals", "Winter - Instrumental"]


# --- lyrics, upload, persona ---


def test_lyrics_task(api, sim, clock):
    task_id = submit(api, {"prompt": "a lighthouse keeper falling for the sea"}, "/suno/submit/lyrics")
    assert fetch(api, task_id)["status"] == "NOT_START"
    clock.advance(1.0)
    assert fetch(api, task_id)["status"] == "IN_PROGRESS"
    clock.advance(sim.lyrics_after)
    task = fetch(api, task_id)
    assert (task["action"], task["status"]) == ("LYRICS", "SUCCESS")
    lyrics = task["data"]
    assert set(lyrics) == {"id", "text", "title", "status"} and lyrics["status"] == "complete"
    for section in ("[Verse]", "[Chorus]", "[Verse 2]", "[Bridge]"):
        assert section in lyrics["text"]
    assert re.search(r"lighthouse|keeper|falling|sea", lyrics["text"])
    assert lyrics["title"] == "Lighthouse Keeper Falling"


def test_lyrics_are_deterministic_and_use_the_idea():
    assert write_lyrics("coffee at midnight") == write_lyrics("coffee at midnight")
    title, text = write_lyrics("")
    assert title and "[Verse]" in text


def test_lyrics_array_variant(clock):
    sim = Simulator(clock=clock, variants={"lyrics_shape": "array"})
    with client_for(sim) as api:
        task_id = submit(api, {"prompt": "rain"}, "/suno/submit/lyrics")
        clock.advance(5.0)
        (item,) = fetch(api, task_id)["data"]
    assert item["state"] == "succeeded" and item["status"] == "complete" and item["text"]


def test_native_lyrics(api, clock):
    lyrics_id = api.post("/suno/generate/lyrics/", json={"prompt": "rain"}).json()["id"]
    assert api.get(f"/suno/lyrics/{lyrics_id}").json()["status"] == "running"
    clock.advance(5.0)
    answer = api.get(f"/suno/lyrics/{lyrics_id}").json()
    assert answer["status"] == "complete" and answer["id"] == lyrics_id and "[Verse]" in answer["text"]


def test_upload_by_url_of_our_own_audio(api, sim, clock):
    source = finished(api, clock)[0]
    task_id = submit(api, {"url": source["audio_url"]}, "/suno/uploads/audio-url")
    assert fetch(api, task_id)["data"] is None
    clock.advance(sim.streaming_after)
    task = fetch(api, task_id)
    (clip,) = task["data"]
    assert task["status"] == "SUCCESS"
    assert (clip["status"], clip["metadata"]["type"]) == ("complete", "upload")
    assert api.get(clip["audio_url"]).content == api.get(source["audio_url"]).content
    # An upload may be extended with upload_extend, but not used as a persona source.
    body = {**MUSIC, "task": "upload_extend", "continue_clip_id": clip["id"], "continue_at": 5}
    assert finished(api, clock, body)[0]["metadata"]["history"][0]["type"] == "upload"
    persona = {"root_clip_id": clip["id"], "name": "n", "description": "d", "clips": [], "is_public": False}
    assert_rejected(api.post("/suno/persona/create/", json=persona), "uploaded clip")


def test_upload_that_is_not_audio_fails_the_task(clock):
    sim = Simulator(clock=clock, url_fetcher=lambda url: (b"<html>nope</html>", "text/html"))
    with client_for(sim) as api:
        task_id = submit(api, {"url": "http://testserver/signed/x.mp3"}, "/suno/uploads/audio-url")
        clock.advance(sim.streaming_after)
        task = fetch(api, task_id)
    assert (task["status"], task["fail_reason"]) == ("FAILURE", "Unable to process audio")


def test_upload_download_error_fails_the_task(clock):
    def broken(url):
        raise OSError("HTTP 403")

    sim = Simulator(clock=clock, url_fetcher=broken)
    with client_for(sim) as api:
        task_id = submit(api, {"url": "http://localhost/x.mp3"}, "/suno/uploads/audio-url")
        clock.advance(sim.streaming_after)
        assert "HTTP 403" in fetch(api, task_id)["fail_reason"]


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data", "file:///etc/passwd", "ftp://localhost/a.mp3", ""]
)
def test_upload_refuses_untrusted_urls(clock, url):
    fetched = []
    sim = Simulator(clock=clock, url_fetcher=lambda u: fetched.append(u) or (b"", ""))
    with client_for(sim) as api:
        answer = api.post("/suno/uploads/audio-url", json={"url": url})
    assert answer.status_code == 400 and fetched == [] and sim.task_ids() == []


def test_persona_create_shape(api, clock):
    root = finished(api, clock)[0]
    body = {
        "root_clip_id": root["id"],
        "name": "food",
        "description": "123",
        "clips": [root["id"]],
        "is_public": True,
    }
    persona = api.post("/suno/persona/create/", json=body).json()
    assert list(persona) == [
        "id",
        "name",
        "description",
        "root_clip_id",
        "clip",
        "user_display_name",
        "user_handle",
        "user_image_url",
        "persona_clips",
        "is_public",
    ]
    assert uuid.UUID(persona["id"]).version == 4
    assert (persona["name"], persona["description"], persona["is_public"]) == ("food", "123", True)
    assert persona["clip"]["id"] == root["id"] == persona["persona_clips"][0]["clip"]["id"]
    assert isinstance(persona["persona_clips"][0]["id"], int)


def test_the_seed_request_is_answered_in_the_seed_shape(api, clock):
    root = finished(api, clock)[0]
    persona_body = {
        "root_clip_id": root["id"],
        "name": "n",
        "description": "d",
        "clips": [],
        "is_public": False,
    }
    persona = api.post("/suno/persona/create/", json=persona_body).json()
    body = {**SEED_BODY, "persona_id": persona["id"], "artist_clip_id": root["id"]}
    batch = api.post("/suno/generate", json=body).json()
    assert set(batch) == SEED_BATCH_KEYS and (batch["status"], batch["batch_size"]) == ("complete", 1)
    assert batch["major_model_version"] == "v4"
    for clip in batch["clips"]:
        assert set(clip) == SEED_CLIP_KEYS and set(clip["metadata"]) == SEED_METADATA_KEYS
        assert (clip["model_name"], clip["major_model_version"], clip["status"]) == (
            "chirp-v4",
            "v4",
            "submitted",
        )
        assert (clip["audio_url"], clip["video_url"], clip["title"]) == ("", "", "husband")
        assert clip["metadata"] == {
            "tags": "electronic, pop",
            "prompt": SEED_BODY["prompt"],
            "type": "gen",
            "stream": True,
            "has_vocal": False,
            "artist_clip_id": root["id"],
            "persona_id": persona["id"],
            "task": "artist_consistency",
        }
    assert batch["metadata"] == batch["clips"][0]["metadata"]
    clock.advance(12.0)
    done = api.get("/suno/feed/" + ",".join(c["id"] for c in batch["clips"])).json()
    assert all(c["status"] == "complete" for c in done)


def test_the_walk_uses_the_seed_pages_own_body():
    from pathlib import Path

    seed = (
        Path(__file__).resolve().parents[3] / "shared" / "seed" / "elkapi-suno-create-music-with-persona.txt"
    )
    if not seed.exists():
        pytest.skip("shared/ is not beside the checkout")
    curl_body = seed.read_text().split("--data-raw '", 1)[1].split("}'\n", 1)[0] + "}"
    assert json.loads(curl_body.replace("'\\''", "'")) == SEED_BODY
