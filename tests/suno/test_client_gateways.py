"""SunoClient against answers the gateway family really gives (docs/upstream.md §11), faked at the network
edge with httpx.MockTransport. test_dialects.py drives the same rules through the simulator's dialects.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from suno import errors
from suno.client import Timeouts
from suno.errors import (
    AuthError,
    BadRequest,
    InsufficientCredits,
    MalformedResponse,
    ModelUnavailable,
    RateLimited,
    RouteNotServed,
    SunoError,
    TaskNotFound,
    UpstreamUnavailable,
)
from suno.types import Balance
from tests.suno.harness import (
    BASE_URL,
    CLIP_A,
    CLIP_B,
    KEY,
    answer,
    etask,
    gateway_error,
    task_error,
)

HTML = {"content-type": "text/html; charset=utf-8"}
WEB_UI = b'<!doctype html><html><head><title>New API</title></head><body><div id="root"></div></body></html>'


def clip(clip_id: str = CLIP_A, **overrides) -> dict:
    item = {
        "id": clip_id,
        "audio_url": f"https://cdn1.suno.ai/{clip_id}.mp3",
        "model_name": "chirp-auk",
        "metadata": {"tags": "pop", "prompt": "[Verse] hi", "type": "gen", "duration": 100.0},
        "status": "complete",
        "title": "T",
    }
    item.update(overrides)
    return item


# ---- out of credit is not a bad key (§6, §11) -------------------------------------------------------

CREDIT_ANSWERS = [
    task_error(403, "insufficient_user_quota", "用户额度不足, 剩余额度: ＄0.012000"),
    task_error(
        403, "pre_consume_token_quota_failed", "预扣费额度失败, 用户剩余额度: ＄0.01, 需要预扣费额度: ＄0.1"
    ),
    gateway_error(401, "该令牌额度已用尽 TokenStatusExhausted[sk-abc***xyz] (request id: 2026x)"),
    gateway_error(401, "该令牌额度已用尽"),
    task_error(403, "quota_not_enough", "user quota is not enough"),
    task_error(200, "insufficient_user_quota", "用户额度不足"),  # a 2xx failure envelope
    task_error(400, "invalid_request", "账户余额不足"),  # Chinese words, any 4xx
    gateway_error(403, "insufficient account balance"),
]


@pytest.mark.parametrize("step", CREDIT_ANSWERS)
def test_out_of_credit_in_every_form_is_insufficient_credits(make_client, sleeps, step):
    client, upstream = make_client(step, etask("task_x"))
    with pytest.raises(InsufficientCredits) as excinfo:
        client.generate_custom(lyrics="l", tags="t", title="t", mv="chirp-auk")
    error = excinfo.value
    assert error.user_message == "The studio's music credit is used up, so nothing was made."
    assert error.message and error.message != error.user_message  # staff read the gateway's own words
    assert len(upstream.requests) == 1 and sleeps == []  # not resent


def test_the_credit_code_wins_over_the_status(make_client):
    # A 500 whose code says out of credit: the code decides (§6 order: code first).
    client, _ = make_client(task_error(500, "insufficient_user_quota", "用户额度不足"))
    with pytest.raises(InsufficientCredits):
        client.generate_lyrics(idea="x")


def test_the_chinese_message_is_kept_for_staff(make_client):
    client, _ = make_client(task_error(403, "insufficient_user_quota", "用户额度不足, 剩余额度: ＄0.012000"))
    with pytest.raises(InsufficientCredits) as excinfo:
        client.generate_lyrics(idea="x")
    assert excinfo.value.message == "用户额度不足, 剩余额度: ＄0.012000" and excinfo.value.status_code == 403


def test_a_masked_token_name_is_scrubbed_too(make_client):
    client, _ = make_client(
        gateway_error(401, f"该令牌额度已用尽 TokenStatusExhausted[sk-{KEY[3:6]}***{KEY[-3:]}]")
    )
    with pytest.raises(InsufficientCredits) as excinfo:
        client.generate_lyrics(idea="x")
    assert "***" not in excinfo.value.message and "sk-[redacted]" in excinfo.value.message


@pytest.mark.parametrize(
    "step",
    [gateway_error(401, "Invalid token"), gateway_error(403, "Insufficient permissions for this token")],
)
def test_a_refused_key_is_still_an_auth_error(make_client, step):
    client, _ = make_client(step)
    with pytest.raises(AuthError) as excinfo:
        client.generate_lyrics(idea="x")
    assert type(excinfo.value) is AuthError


# ---- nested bodies (§11) -------------------------------------------------------------------------------


def nested(status: int, inner: dict, outer_code: str = "fail_to_fetch_task"):
    return task_error(status, outer_code, json.dumps(inner, ensure_ascii=False))


@pytest.mark.parametrize(
    "step, error_class, code, message",
    [
        (
            nested(400, {"code": "invalid_request", "message": "prompt is too long"}),
            BadRequest,
            "invalid_request",
            "prompt is too long",
        ),
        (
            nested(400, {"code": "task_not_exist", "message": "task_not_exist"}),
            TaskNotFound,
            "task_not_exist",
            None,
        ),
        (nested(400, {"detail": "Unauthorized"}), BadRequest, "fail_to_fetch_task", "Unauthorized"),
        (
            nested(403, {"code": "insufficient_user_quota", "message": "用户额度不足"}),
            InsufficientCredits,
            None,
            "用户额度不足",
        ),
        (
            nested(500, {"code": "upstream_error", "message": "internal server error"}),
            UpstreamUnavailable,
            None,
            "internal server error",
        ),
    ],
)
def test_nested_upstream_json_is_unwrapped(make_client, step, error_class, code, message):
    client, _ = make_client(step, max_attempts=1)
    with pytest.raises(error_class) as excinfo:
        client.generate_lyrics(idea="x")
    error = excinfo.value
    assert type(error) is error_class
    if code is not None:
        assert error.code == code
    if message is not None:
        assert error.message == message
    assert "{" not in error.user_message and '"' not in error.user_message


def test_nesting_is_unwrapped_recursively_but_bounded(make_client):
    inner: dict = {"code": "invalid_request", "message": "the deepest words"}
    for depth in range(3):
        inner = {"code": f"level_{depth}", "message": json.dumps(inner)}
    client, _ = make_client(task_error(400, "fail_to_fetch_task", json.dumps(inner)))
    with pytest.raises(BadRequest) as excinfo:
        client.generate_lyrics(idea="x")
    assert excinfo.value.message == "the deepest words" and excinfo.value.code == "invalid_request"

    for _ in range(10):  # deeper than anyone nests: still no JSON for the creator, and no endless loop
        inner = {"code": "deeper", "message": json.dumps(inner)}
    client, _ = make_client(task_error(400, "fail_to_fetch_task", json.dumps(inner)))
    with pytest.raises(BadRequest) as excinfo:
        client.generate_lyrics(idea="x")
    assert excinfo.value.user_message == "The music service refused this request."


def test_a_gateway_message_with_nested_json_and_a_request_id(make_client):
    message = (
        json.dumps({"code": "invalid_request", "message": "task id is empty"}) + " (request id: 20261201x)"
    )
    client, _ = make_client(gateway_error(400, message))
    with pytest.raises(BadRequest) as excinfo:
        client.generate_lyrics(idea="x")
    assert (excinfo.value.message, excinfo.value.code, excinfo.value.request_id) == (
        "task id is empty",
        "invalid_request",
        "20261201x",
    )


def test_brackets_in_plain_words_are_not_json(make_client):
    client, _ = make_client(task_error(400, "invalid_request", "lyrics must start with [Verse] or [Intro]"))
    with pytest.raises(BadRequest) as excinfo:
        client.generate_lyrics(idea="x")
    assert excinfo.value.message == "lyrics must start with [Verse] or [Intro]"
    assert excinfo.value.user_message.endswith("lyrics must start with [Verse] or [Intro]")


def test_an_unreadable_nested_body_never_reaches_the_creator(make_client):
    client, _ = make_client(task_error(400, "fail_to_fetch_task", '{"code": "invalid_request", "mess'))
    with pytest.raises(BadRequest) as excinfo:
        client.generate_lyrics(idea="x")
    assert excinfo.value.user_message == "The music service refused this request."
    assert '{"code"' in excinfo.value.message  # staff still see what came


# ---- user messages state facts only (§6) ----------------------------------------------------------------

USER_MESSAGES = {
    errors.SunoError: "The music service had a problem with this request.",
    errors.AuthError: "The studio's music service key was refused.",
    errors.InsufficientCredits: "The studio's music credit is used up, so nothing was made.",
    errors.RateLimited: "The music service was too busy to take this request.",
    errors.UpstreamUnavailable: "The music service couldn't be reached.",
    errors.BadRequest: "The music service refused this request.",
    errors.TaskNotFound: "The music service refused this request.",
    errors.RouteNotServed: "This music service gateway doesn't offer that feature.",
    errors.ModelUnavailable: "The music service doesn't offer that model version.",
    errors.MalformedResponse: "The music service sent an answer we couldn't read.",
}


@pytest.mark.parametrize("error_class", USER_MESSAGES)
def test_user_messages(error_class):
    assert error_class().user_message == USER_MESSAGES[error_class]


def test_user_messages_promise_nothing():
    source = Path(errors.__file__).read_text()
    for promise in ("We'll retry", "We'll try again", "admin has been notified", "try again", "Please"):
        assert promise.lower() not in source.lower().replace("promises nothing", ""), promise


def test_route_not_served_and_model_unavailable_keep_their_sentence():
    assert (
        RouteNotServed("<html>…</html>").user_message
        == "This music service gateway doesn't offer that feature."
    )
    assert ModelUnavailable("invalid mv: chirp-hawk", mv="chirp-hawk").user_message == (
        "The music service doesn't offer the model version chirp-hawk."
    )
    assert isinstance(RouteNotServed(), BadRequest) and isinstance(ModelUnavailable(), BadRequest)
    assert RouteNotServed.may_have_reached_upstream is False and RouteNotServed.retryable is False
    assert ModelUnavailable.may_have_reached_upstream is False and ModelUnavailable.retryable is False


# ---- routes the gateway doesn't serve (§11) ------------------------------------------------------------


@pytest.mark.parametrize(
    "step",
    [
        answer(200, content=WEB_UI, headers=HTML),
        answer(404, content=b"404 page not found", headers={"content-type": "text/plain"}),
        gateway_error(404, "Invalid URL (POST /suno/generate)", code="invalid_request"),
        answer(302, content=WEB_UI, headers={**HTML, "location": "https://login.elsewhere.test/"}),
    ],
    ids=["html-200", "plain-404", "json-404", "html-302-cross-host"],
)
def test_a_paid_call_on_a_route_not_served_is_refused_once_and_safe(make_client, sleeps, step):
    client, upstream = make_client(step, etask("task_x"))
    with pytest.raises(RouteNotServed) as excinfo:
        client.generate_with_persona(
            persona_id="p", artist_clip_id=CLIP_A, lyrics="l", tags="t", title="t", mv="chirp-auk"
        )
    error = excinfo.value
    assert len(upstream.requests) == 1 and sleeps == []
    assert error.may_have_reached_upstream is False and error.retryable is False
    assert error.user_message == "This music service gateway doesn't offer that feature."
    assert "<" not in error.user_message


def test_html_on_a_query_is_not_retried(make_client, sleeps):
    client, upstream = make_client(answer(200, content=WEB_UI, headers=HTML))
    with pytest.raises(RouteNotServed) as excinfo:
        client.feed([CLIP_A])
    assert excinfo.value.status_code == 200 and len(upstream.requests) == 1 and sleeps == []


def test_html_on_a_media_route_is_not_served_either(make_client):
    client, _ = make_client(answer(200, content=WEB_UI, headers=HTML))
    with pytest.raises(RouteNotServed):
        client.get_wav(CLIP_A)


# ---- a refused model version (§6, §11) ------------------------------------------------------------------


@pytest.mark.parametrize(
    "step, mv",
    [
        (
            gateway_error(503, "当前分组 default 下对于模型 chirp-hawk 无可用渠道", code="model_not_found"),
            "chirp-hawk",
        ),
        (gateway_error(503, "no available channel for model chirp-goose under group default"), "chirp-goose"),
        (task_error(400, "invalid_request", "invalid mv: chirp-v9"), "chirp-v9"),
        (task_error(400, "invalid_request", "model chirp-hawk-wild is not supported"), "chirp-hawk-wild"),
        (task_error(400, "invalid_request", "模型 chirp-hawk 不可用"), "chirp-hawk"),
        (task_error(400, "invalid_request", "unsupported model"), ""),
        (nested(400, {"code": "invalid_request", "message": "invalid mv: chirp-x.y"}), "chirp-x.y"),
    ],
)
def test_model_unavailable(make_client, sleeps, step, mv):
    client, upstream = make_client(step, etask("task_x"))
    with pytest.raises(ModelUnavailable) as excinfo:
        client.generate_custom(lyrics="l", tags="t", title="t", mv=mv or "chirp-auk")
    assert excinfo.value.mv == mv and excinfo.value.may_have_reached_upstream is False
    assert len(upstream.requests) == 1 and sleeps == []
    assert (mv in excinfo.value.user_message) if mv else excinfo.value.user_message.endswith("model version.")


@pytest.mark.parametrize(
    "step, error_class",
    [
        (
            gateway_error(503, "no available channel for model suno_music under group default"),
            UpstreamUnavailable,
        ),
        (gateway_error(503, "当前分组 default 下对于模型 suno_music 无可用渠道"), UpstreamUnavailable),
        (task_error(400, "invalid_request", "mv chirp-v4 does not support personas"), BadRequest),
        (gateway_error(403, "model chirp-fenix not allowed for group default"), AuthError),
        (
            task_error(500, "do_request_failed", "upstream: model chirp-auk not available"),
            UpstreamUnavailable,
        ),
    ],
)
def test_what_is_not_a_refused_model(make_client, step, error_class):
    client, _ = make_client(step, max_attempts=1)
    with pytest.raises(error_class) as excinfo:
        client.generate_custom(lyrics="l", tags="t", title="t", mv="chirp-auk")
    assert type(excinfo.value) is error_class


def test_no_channel_for_the_relays_own_model_stays_safe_to_resend_later(make_client):
    client, _ = make_client(gateway_error(503, "当前分组 default 下对于模型 suno_music 无可用渠道"))
    with pytest.raises(UpstreamUnavailable) as excinfo:
        client.generate_lyrics(idea="x")
    assert excinfo.value.may_have_reached_upstream is False and excinfo.value.retryable is True


# ---- redirects (§1 trailing slashes) -------------------------------------------------------------------

PERSONA = {"id": "p-1", "name": "n", "root_clip_id": CLIP_A}


@pytest.mark.parametrize("status", [307, 308])
@pytest.mark.parametrize("location", ["/suno/persona/create", f"{BASE_URL}/suno/persona/create"])
def test_a_same_host_307_or_308_is_resent_once(make_client, sleeps, status, location):
    client, upstream = make_client(
        answer(status, content=b"", headers={"location": location}), answer(200, PERSONA)
    )
    persona = client.create_persona(root_clip_id=CLIP_A, name="n", description="d")
    assert persona.id == "p-1"
    assert [r.url.path for r in upstream.requests] == ["/suno/persona/create/", "/suno/persona/create"]
    assert [r.method for r in upstream.requests] == ["POST", "POST"]
    assert upstream.requests[0].content == upstream.requests[1].content  # the same body, once
    assert upstream.requests[1].headers["authorization"] == f"Bearer {KEY}" and sleeps == []


def test_a_redirect_keeps_the_paid_timeout(make_client):
    client, upstream = make_client(
        answer(307, content=b"", headers={"location": "/suno/persona/create"}),
        answer(200, PERSONA),
        timeouts=Timeouts(paid_read=77.0),
    )
    client.create_persona(root_clip_id=CLIP_A, name="n", description="d")
    assert [r.extensions["timeout"]["read"] for r in upstream.requests] == [77.0, 77.0]


def test_a_get_follows_gins_301_too(make_client):
    client, upstream = make_client(
        answer(301, content=b"", headers={"location": "/suno/fetch/t/"}),
        etask({"task_id": "t", "status": "SUCCESS", "data": []}),
    )
    assert client.fetch_task("t").is_success
    assert len(upstream.requests) == 2


@pytest.mark.parametrize(
    "first",
    [
        answer(307, content=b"", headers={"location": "https://elsewhere.test/suno/persona/create"}),
        answer(307, content=b"", headers={"location": "http://api.elk.test/suno/persona/create"}),
        answer(301, content=b"", headers={"location": "/suno/persona/create"}),  # a POST never follows 301
        answer(307, content=b""),  # no Location
    ],
    ids=["cross-host", "other-scheme", "post-301", "no-location"],
)
def test_redirects_that_are_not_followed(make_client, first):
    client, upstream = make_client(first, answer(200, PERSONA))
    with pytest.raises(BadRequest) as excinfo:
        client.create_persona(root_clip_id=CLIP_A, name="n", description="d")
    assert type(excinfo.value) is BadRequest and len(upstream.requests) == 1


def test_a_redirect_is_followed_only_once(make_client):
    client, upstream = make_client(
        answer(307, content=b"", headers={"location": "/suno/persona/create"}),
        answer(307, content=b"", headers={"location": "/suno/persona/create/"}),
        answer(200, PERSONA),
    )
    with pytest.raises(BadRequest) as excinfo:
        client.create_persona(root_clip_id=CLIP_A, name="n", description="d")
    assert excinfo.value.status_code == 307 and len(upstream.requests) == 2


# ---- the paid read timeout (§6) ------------------------------------------------------------------------


def test_paid_posts_wait_longer_than_queries(make_client):
    assert Timeouts().paid_read == 120.0 and Timeouts().read == 30.0
    client, upstream = make_client(etask("task_x"), answer(200, PERSONA), etask([]))
    client.generate_custom(lyrics="l", tags="t", title="t", mv="chirp-auk")
    client.create_persona(root_clip_id=CLIP_A, name="n", description="d")
    client.fetch_tasks(["task_x"])
    assert [r.extensions["timeout"]["read"] for r in upstream.requests] == [120.0, 120.0, 30.0]


# ---- persona songs by either route (§5.15) ------------------------------------------------------------


def test_persona_song_by_the_task_route(make_client):
    client, upstream = make_client(etask("task_persona"))
    submission = client.generate_with_persona(
        persona_id="p-1",
        artist_clip_id=CLIP_A,
        lyrics="[Verse] hi",
        tags="pop",
        title="T",
        mv="chirp-auk",
        negative_tags="metal",
        route="task",
    )
    assert submission.task_id == "task_persona" and not submission.clips
    request = upstream.requests[-1]
    assert request.url.path == "/suno/submit/music" and request.extensions["timeout"]["read"] == 120.0
    assert json.loads(request.content) == {
        "task": "artist_consistency",
        "mv": "chirp-auk",
        "prompt": "[Verse] hi",
        "tags": "pop",
        "title": "T",
        "negative_tags": "metal",
        "make_instrumental": False,
        "persona_id": "p-1",
        "artist_clip_id": CLIP_A,
    }


def test_persona_route_must_be_seed_or_task(make_client):
    client, upstream = make_client(etask("x"))
    with pytest.raises(ValueError):
        client.generate_with_persona(
            persona_id="p",
            artist_clip_id=CLIP_A,
            lyrics="l",
            tags="t",
            title="t",
            mv="chirp-auk",
            route="feed",
        )
    assert upstream.requests == []


# ---- task and clip variants (§11) ------------------------------------------------------------------------


def test_a_single_fetch_may_answer_the_bare_clip_array(make_client):
    client, _ = make_client(etask([clip(CLIP_A), clip(CLIP_B, status="streaming")]))
    task = client.fetch_task("task_1")
    assert (task.task_id, task.status, task.action) == ("task_1", "IN_PROGRESS", "MUSIC")
    assert [c.id for c in task.clips] == [CLIP_A, CLIP_B]


@pytest.mark.parametrize(
    "items, status",
    [
        ([], "SUBMITTED"),
        ([clip(CLIP_A, status="submitted", audio_url="")], "IN_PROGRESS"),
        ([clip(CLIP_A), clip(CLIP_B)], "SUCCESS"),
        ([clip(CLIP_A), clip(CLIP_B, status="error", metadata={"error_message": "flagged"})], "FAILURE"),
    ],
)
def test_a_bare_clip_array_becomes_a_task(make_client, items, status):
    client, _ = make_client(etask(items))
    task = client.fetch_task("task_1")
    assert task.status == status
    if status == "FAILURE":
        assert task.fail_reason == "flagged"


def test_a_one_clip_bare_array_is_a_clip_not_a_task(make_client):
    client, _ = make_client(etask([clip(CLIP_A, metadata={"type": "concat", "duration": 9.0})]))
    task = client.fetch_task("task_concat")
    assert task.task_id == "task_concat" and task.is_success and task.clips[0].type == "concat"


def test_data_null_is_task_not_found_for_one_and_nothing_for_a_batch(make_client):
    client, _ = make_client(etask(None))
    with pytest.raises(TaskNotFound) as excinfo:
        client.fetch_task("task_gone")
    assert excinfo.value.code == "task_not_exist" and excinfo.value.status_code == 200
    assert client.fetch_tasks(["task_gone"]) == []


def test_clips_without_status_in_a_success_task_are_complete(make_client):
    bare_a = {k: v for k, v in clip(CLIP_A).items() if k != "status"}
    bare_b = {k: v for k, v in clip(CLIP_B).items() if k != "status"}
    client, _ = make_client(
        etask({"task_id": "t", "status": "SUCCESS", "action": "MUSIC", "data": [bare_a, bare_b]}),
        etask({"task_id": "t", "status": "IN_PROGRESS", "action": "MUSIC", "data": [bare_a]}),
        etask(
            {"task_id": "t", "status": "SUCCESS", "action": "MUSIC", "data": [{**bare_a, "audio_url": ""}]}
        ),
    )
    assert all(c.is_complete for c in client.fetch_task("t").clips)
    assert not client.fetch_task("t").clips[0].is_terminal  # only inside a SUCCESS task
    assert not client.fetch_task("t").clips[0].is_terminal  # and only with an audio_url


@pytest.mark.parametrize(
    "raw, mapped",
    [("UNKNOWN", "queued"), ("SUBMITTED", "submitted"), ("QUEUED", "queued"), ("Weird", "queued")],
)
def test_clip_status_variants_are_pending(make_client, raw, mapped):
    client, _ = make_client(
        etask({"task_id": "t", "status": "IN_PROGRESS", "data": [clip(CLIP_A, status=raw, audio_url="")]})
    )
    (found,) = client.fetch_task("t").clips
    assert found.status == mapped and not found.is_terminal


def test_finish_time_in_milliseconds_is_normalised(make_client):
    client, _ = make_client(
        etask({"task_id": "t", "status": "SUCCESS", "submit_time": 1750000000, "finish_time": 1750000012345})
    )
    task = client.fetch_task("t")
    assert (task.submit_time, task.finish_time) == (1750000000, 1750000012)


def test_progress_may_be_missing(make_client):
    client, _ = make_client(etask({"task_id": "t", "status": "IN_PROGRESS", "action": "MUSIC", "data": None}))
    assert client.fetch_task("t").progress == ""


@pytest.mark.parametrize("action", ["LYRICS", ""])
def test_lyrics_in_prompt_with_state_succeeded(make_client, action):
    words = [{"id": "l1", "title": "Snow", "prompt": "[Verse] snow", "tags": [], "state": "succeeded"}]
    client, _ = make_client(etask({"task_id": "t", "action": action, "status": "SUCCESS", "data": words}))
    lyrics = client.fetch_task("t").lyrics
    assert lyrics is not None and (lyrics.text, lyrics.title, lyrics.is_complete) == (
        "[Verse] snow",
        "Snow",
        True,
    )


def test_wav_answered_with_a_task_id_then_read_from_the_task(make_client):
    wav = f"https://cdn1.suno.ai/{CLIP_A}.wav"
    client, upstream = make_client(
        etask("task_wav1"),
        etask({"task_id": "task_wav1", "status": "IN_PROGRESS", "data": None}),
        etask({"task_id": "task_wav1", "status": "SUCCESS", "data": {"wav_file_url": wav}}),
        etask({"task_id": "task_wav1", "status": "SUCCESS", "data": None, "result_url": wav}),
        etask(
            {"task_id": "task_wav1", "status": "FAILURE", "fail_reason": "conversion failed", "data": None}
        ),
    )
    first = client.get_wav(CLIP_A)
    assert (first.task_id, first.url, first.is_ready) == ("task_wav1", "", False)
    converting = client.wav_from_task("task_wav1")
    assert upstream.requests[-1].url.path == "/suno/fetch/task_wav1"
    assert (converting.task_id, converting.is_ready) == ("task_wav1", False)
    assert client.wav_from_task("task_wav1").url == wav
    assert client.wav_from_task("task_wav1").url == wav  # newer builds: result_url
    with pytest.raises(BadRequest) as excinfo:
        client.wav_from_task("task_wav1")
    assert "conversion failed" in excinfo.value.message


# ---- the balance (§11) ---------------------------------------------------------------------------------


def test_get_balance_reads_dollars_and_cents(make_client):
    client, upstream = make_client(
        answer(200, {"object": "billing_subscription", "hard_limit_usd": 25.0, "soft_limit_usd": 25.0}),
        answer(200, {"object": "list", "total_usage": 1234.5}),
    )
    balance = client.get_balance(today=date(2026, 12, 1))
    assert balance == Balance(hard_limit_usd=25.0, used_usd=12.345, remaining_usd=12.655)
    subscription, usage = upstream.requests
    assert subscription.url.path == "/v1/dashboard/billing/subscription" and subscription.method == "GET"
    assert usage.url.path == "/v1/dashboard/billing/usage"
    # The widest window the family accepts: 100 days, end_date exclusive.
    assert dict(usage.url.params) == {"start_date": "2026-08-24", "end_date": "2026-12-02"}
    assert subscription.extensions["timeout"]["read"] == 30.0  # a free query


@pytest.mark.parametrize(
    "first",
    [
        answer(200, content=WEB_UI, headers=HTML),
        gateway_error(404, "Invalid URL (GET /v1/dashboard/billing/subscription)", code="invalid_request"),
    ],
)
def test_get_balance_on_a_relay_without_billing(make_client, sleeps, first):
    client, upstream = make_client(first)
    with pytest.raises(RouteNotServed):
        client.get_balance()
    assert len(upstream.requests) == 1 and sleeps == []


def test_get_balance_is_a_free_query_and_is_retried(make_client, sleeps):
    client, upstream = make_client(
        gateway_error(502, "bad gateway"),
        answer(200, {"hard_limit_usd": 5}),
        answer(200, {"total_usage": 0}),
    )
    assert client.get_balance().remaining_usd == 5.0
    assert len(upstream.requests) == 3 and sleeps == [1.0]


@pytest.mark.parametrize("subscription, usage", [({}, {"total_usage": 1}), ({"hard_limit_usd": 1}, {"x": 1})])
def test_get_balance_without_the_fields_is_malformed(make_client, subscription, usage):
    client, _ = make_client(answer(200, subscription), answer(200, usage))
    with pytest.raises(MalformedResponse):
        client.get_balance()


def test_no_error_class_leaks_raw_json_in_user_message(make_client):
    bodies = [
        task_error(400, "x", '{"a": "b"}'),
        task_error(400, "x", '["a", "b"]'),
        gateway_error(403, '{"error": {"message": {"nested": "object"}}}'),
        task_error(429, "x", '{"detail": "slow"}'),
    ]
    for body in bodies:
        client, _ = make_client(body, max_attempts=1)
        with pytest.raises(SunoError) as excinfo:
            client.generate_lyrics(idea="x")
        assert not re.search(r"[{\[]\s*\"", excinfo.value.user_message), excinfo.value.user_message
        assert isinstance(excinfo.value, BadRequest | AuthError | RateLimited)
