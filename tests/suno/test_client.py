"""SunoClient against httpx.MockTransport: only the network edge is faked.

These cover the answers the simulator doesn't give (every envelope variant, odd status codes, exact
request bodies); test_contract.py runs the same client against the simulator.
"""

from __future__ import annotations

import json
import logging
import traceback

import httpx
import pytest

from suno import versions
from suno.client import FETCH_BATCH_MAX, Timeouts, parse_retry_after
from suno.errors import (
    AuthError,
    BadRequest,
    InsufficientCredits,
    MalformedResponse,
    RateLimited,
    RouteNotServed,
    SunoError,
    TaskNotFound,
    UpstreamUnavailable,
)
from tests.suno.harness import (
    BASE_URL,
    CLIP_A,
    CLIP_B,
    KEY,
    TASK_ID,
    answer,
    etask,
    gateway_error,
    task_error,
)


def native_clip(clip_id: str = CLIP_A, **overrides) -> dict:
    clip = {
        "id": clip_id,
        "video_url": "",
        "audio_url": "",
        "major_model_version": "v4",
        "model_name": "chirp-v4",
        "metadata": {"tags": "electronic, pop", "prompt": "[Verse] hi", "type": "gen", "stream": True},
        "created_at": "2024-12-23T10:37:43.596Z",
        "status": "submitted",
        "title": "husband",
        "is_public": False,
    }
    clip.update(overrides)
    return clip


def complete_clip(clip_id: str = CLIP_A, **overrides) -> dict:
    return native_clip(
        clip_id,
        status="complete",
        audio_url=f"https://cdn1.suno.ai/{clip_id}.mp3",
        metadata={"tags": "salsa", "type": "gen", "duration": 128.92, "prompt": "[Verse] hi"},
        **overrides,
    )


# ---- request bodies (docs/upstream.md §5.4 mode recipes, §5.6, §5.7, §5.9, §5.15) ---------------------


def test_custom_generation_body_and_headers(make_client):
    client, upstream = make_client(etask(TASK_ID))

    submission = client.generate_custom(
        lyrics="[Verse] hello", tags="pop", title="Hello", mv="chirp-auk", negative_tags="metal"
    )

    assert submission.task_id == TASK_ID
    request = upstream.last
    assert request.method == "POST"
    assert request.url == f"{BASE_URL}/suno/submit/music"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"] == "application/json"
    assert upstream.last_json() == {
        "mv": "chirp-auk",
        "prompt": "[Verse] hello",
        "tags": "pop",
        "title": "Hello",
        "negative_tags": "metal",
        "make_instrumental": False,
    }


def test_explicit_timeouts_travel_with_every_request(make_client):
    client, upstream = make_client(
        answer(200, {"id": "l", "text": "t", "title": "", "status": "complete"}),
        etask(TASK_ID),
        timeouts=Timeouts(connect=1.0, read=2.0, write=3.0, pool=4.0, paid_read=6.0),
    )
    client.fetch_lyrics("l")
    assert upstream.last.extensions["timeout"] == {"connect": 1.0, "read": 2.0, "write": 3.0, "pool": 4.0}
    # A paid POST waits longer for its answer: the relay only answers once Suno took the submit.
    client.generate_lyrics(idea="rain")
    assert upstream.last.extensions["timeout"] == {"connect": 1.0, "read": 6.0, "write": 3.0, "pool": 4.0}


def test_default_timeouts():
    assert Timeouts() == Timeouts(connect=5.0, read=30.0, write=30.0, pool=5.0)


def test_custom_generation_passes_advanced_metadata(make_client):
    client, upstream = make_client(etask(TASK_ID))
    metadata = {"create_mode": "custom", "vocal_gender": "f"}
    client.generate_custom(
        lyrics="la", tags="pop", title="T", mv="chirp-auk", instrumental=True, metadata=metadata
    )
    assert upstream.last_json()["metadata"] == metadata
    assert upstream.last_json()["make_instrumental"] is True


def test_inspiration_body(make_client):
    client, upstream = make_client(etask(TASK_ID))
    client.generate_from_description(description="a sunny salsa", mv="chirp-v4")
    assert upstream.last.url.path == "/suno/submit/music"
    assert upstream.last_json() == {
        "mv": "chirp-v4",
        "gpt_description_prompt": "a sunny salsa",
        "make_instrumental": False,
    }


def test_instrumental_body(make_client):
    client, upstream = make_client(etask(TASK_ID))
    client.generate_instrumental(tags="lofi", title="Beats", mv="chirp-bluejay")
    assert upstream.last_json() == {
        "mv": "chirp-bluejay",
        "prompt": "",
        "tags": "lofi",
        "title": "Beats",
        "negative_tags": "",
        "make_instrumental": True,
    }


def test_extend_body_sends_task_id_when_known(make_client):
    client, upstream = make_client(etask(TASK_ID))
    client.extend(
        clip_id=CLIP_A,
        continue_at=61.59,
        mv="chirp-auk",
        lyrics="[Verse 3] more",
        tags="pop",
        title="T2",
        task_id="task_abc",
    )
    assert upstream.last_json() == {
        "task": "extend",
        "mv": "chirp-auk",
        "continue_clip_id": CLIP_A,
        "continue_at": 61.59,
        "prompt": "[Verse 3] more",
        "tags": "pop",
        "title": "T2",
        "task_id": "task_abc",
    }


def test_upload_extend_body(make_client):
    client, upstream = make_client(etask(TASK_ID))
    client.extend(clip_id=CLIP_B, continue_at=30, mv="chirp-v4", uploaded=True, negative_tags="noise")
    assert upstream.last_json() == {
        "task": "upload_extend",
        "mv": "chirp-v4",
        "continue_clip_id": CLIP_B,
        "continue_at": 30,
        "prompt": "",
        "tags": "",
        "title": "",
        "negative_tags": "noise",
    }


SEED_PERSONA_FIELDS = {
    "prompt",
    "generation_type",
    "tags",
    "negative_tags",
    "mv",
    "title",
    "task",
    "persona_id",
    "artist_clip_id",
}

SEED_PERSONA_RESPONSE = {
    "id": "2d453a5f-c539-4fe0-9a66-24058c5dfb6a",
    "clips": [
        native_clip(
            CLIP_A,
            metadata={
                "tags": "electronic, pop",
                "prompt": "[Verse]You go from dawn to dusk",
                "type": "gen",
                "stream": True,
                "has_vocal": False,
                "artist_clip_id": "a5fa604c-18b8-4e7f-8d25-9412d4ba8163",
                "persona_id": "0f6e8077-a7ba-4fc8-8f60-de02c66e56ce",
                "task": "artist_consistency",
            },
            is_liked=False,
            user_id="a3da04d5-0442-4bd3-b837-4c73ff600914",
            display_name="TwinklingVenue1595",
        ),
        native_clip(CLIP_B),
    ],
    "metadata": {"tags": "electronic, pop", "type": "gen", "task": "artist_consistency"},
    "major_model_version": "v4",
    "status": "complete",
    "created_at": "2024-12-23T10:37:43.581Z",
    "batch_size": 1,
}


def test_persona_generation_body_is_the_seed_pages_field_set(make_client):
    client, upstream = make_client(answer(200, SEED_PERSONA_RESPONSE))

    submission = client.generate_with_persona(
        persona_id="6a40ce76-2fbe-4272-8ccb-568ed0be7eda",
        artist_clip_id="117decaa-d0d1-4847-bcb0-9042086c433c",
        lyrics="[Verse]You go from dawn to dusk",
        tags="electronic, pop",
        title="husband",
        mv="chirp-v4-tau",
    )

    assert upstream.last.url.path == "/suno/generate"
    sent = upstream.last_json()
    assert set(sent) == SEED_PERSONA_FIELDS
    assert sent == {
        "prompt": "[Verse]You go from dawn to dusk",
        "generation_type": "TEXT",
        "tags": "electronic, pop",
        "negative_tags": "",
        "mv": "chirp-v4-tau",
        "title": "husband",
        "task": "artist_consistency",
        "persona_id": "6a40ce76-2fbe-4272-8ccb-568ed0be7eda",
        "artist_clip_id": "117decaa-d0d1-4847-bcb0-9042086c433c",
    }
    # The seed's E-native answer: a batch id and two clips (batch_size 1 still means 2 clips).
    assert submission.task_id == ""
    assert submission.batch_id == "2d453a5f-c539-4fe0-9a66-24058c5dfb6a"
    assert submission.clip_ids == (CLIP_A, CLIP_B)
    assert submission.clips[0].persona_id == "0f6e8077-a7ba-4fc8-8f60-de02c66e56ce"
    assert submission.clips[0].task == "artist_consistency"
    assert submission.clips[0].status == "submitted"


def test_lyrics_body_and_task_id(make_client):
    client, upstream = make_client(etask("f2900fb6-a054-4b3c-a886-2e46afa5f166"))
    assert client.generate_lyrics(idea="winter love") == "f2900fb6-a054-4b3c-a886-2e46afa5f166"
    assert upstream.last.url.path == "/suno/submit/lyrics"
    assert upstream.last_json() == {"prompt": "winter love"}


def test_upload_audio_url_body(make_client):
    client, upstream = make_client(etask("task_upload01"))
    assert client.upload_audio_url(url="https://studio.example/u/abc.mp3?sig=1") == "task_upload01"
    assert upstream.last.url.path == "/suno/uploads/audio-url"
    assert upstream.last_json() == {"url": "https://studio.example/u/abc.mp3?sig=1"}


@pytest.mark.parametrize("is_infill", [False, True])
def test_concat_always_sends_is_infill(make_client, is_infill):
    client, upstream = make_client(etask(TASK_ID))
    client.concat(clip_id=CLIP_A, is_infill=is_infill)
    assert upstream.last.url.path == "/suno/submit/concat"
    assert upstream.last_json() == {"clip_id": CLIP_A, "is_infill": is_infill}


def test_full_track_stems_body_is_exactly_section_5_7(make_client):
    client, upstream = make_client(etask(TASK_ID))
    client.separate_stems(
        clip_id="31f022a4-b95c-4988-9608-281172753cf4",
        task_id="7e0000d1-511e-482e-9b13-f6f8dbb02a05",
        title="My Song",
    )
    assert upstream.last.url.path == "/suno/submit/music"
    assert upstream.last_json() == {
        "task": "gen_stem",
        "task_id": "7e0000d1-511e-482e-9b13-f6f8dbb02a05",
        "generation_type": "TEXT",
        "title": "My Song",
        "mv": "chirp-auk",
        "prompt": "",
        "make_instrumental": True,
        "continue_clip_id": "31f022a4-b95c-4988-9608-281172753cf4",
        "continued_aligned_prompt": None,
        "continue_at": None,
        "stem_type_id": 91,
        "stem_type_group_name": "Twelve",
        "stem_task": "twelve",
    }


def test_single_track_stems_use_two(make_client):
    client, upstream = make_client(etask(TASK_ID))
    client.separate_stems(clip_id=CLIP_A, full=False)
    sent = upstream.last_json()
    assert (sent["stem_type_id"], sent["stem_type_group_name"], sent["stem_task"]) == (91, "Two", "two")
    assert "task_id" not in sent  # unknown: omitted rather than sent empty


PERSONA_OBJECT = {
    "id": "fd213afd-ac1c-4822-9802-c1c0ea45e77b",
    "name": "food",
    "description": "123",
    "root_clip_id": CLIP_A,
    "clip": complete_clip(CLIP_A),
    "user_display_name": "SensoryRecorders4685",
    "persona_clips": [{"clip": complete_clip(CLIP_A), "id": 11288925}],
}


def test_create_persona_body_path_and_parse(make_client):
    client, upstream = make_client(answer(200, PERSONA_OBJECT))
    persona = client.create_persona(root_clip_id=CLIP_A, name="food", description="123")
    assert upstream.last.url.path == "/suno/persona/create/"  # trailing slash as documented
    assert upstream.last_json() == {
        "root_clip_id": CLIP_A,
        "name": "food",
        "description": "123",
        "clips": [CLIP_A],
        "is_public": False,
    }
    assert persona.id == "fd213afd-ac1c-4822-9802-c1c0ea45e77b"
    assert persona.root_clip_id == CLIP_A
    assert persona.clip is not None and persona.clip.id == CLIP_A


def test_create_persona_tolerates_etask_wrapping(make_client):
    client, upstream = make_client(etask({"id": "p-1", "name": "n", "root_clip_id": CLIP_B}))
    persona = client.create_persona(
        root_clip_id=CLIP_B, name="n", description="d", is_public=True, clips=[CLIP_B]
    )
    assert upstream.last_json()["is_public"] is True
    assert (persona.id, persona.root_clip_id) == ("p-1", CLIP_B)


def test_model_versions_makes_no_request(make_client):
    client, upstream = make_client(answer(500, {}))
    assert client.model_versions() == versions.MODEL_VERSIONS
    assert upstream.requests == []


# ---- submit answers (E-task vs E-native) ---------------------------------------------------------


def test_submit_music_accepts_native_stem_answer(make_client):
    stems = {
        "id": "batch-1",
        "clips": [
            native_clip(f"stem-{i}", status="queued", model_name="chirp-stem", metadata={"type": "stem"})
            for i in range(12)
        ],
        "status": "complete",
    }
    client, _ = make_client(answer(200, stems))
    submission = client.separate_stems(clip_id=CLIP_A, task_id=TASK_ID)
    assert submission.batch_id == "batch-1"
    assert len(submission.clips) == 12
    assert {c.status for c in submission.clips} == {"queued"}
    assert submission.clips[0].type == "stem"


@pytest.mark.parametrize(
    "body, expected_task, expected_clips",
    [
        ({"code": "success", "message": "", "data": TASK_ID}, TASK_ID, ()),
        ({"code": "success", "data": {"task_id": "task_x1"}}, "task_x1", ()),
        ({"code": "success", "data": {"id": "b", "clips": [native_clip(CLIP_A)]}}, "", (CLIP_A,)),
        (native_clip(CLIP_A), "", (CLIP_A,)),  # Family N concat: one native clip
        ([native_clip(CLIP_A), native_clip(CLIP_B)], "", (CLIP_A, CLIP_B)),
    ],
)
def test_submission_variants(make_client, body, expected_task, expected_clips):
    client, _ = make_client(answer(200, body))
    submission = client.generate_from_description(description="x", mv="chirp-auk")
    assert submission.task_id == expected_task
    assert submission.clip_ids == expected_clips


@pytest.mark.parametrize(
    "body",
    [
        {"code": "success", "data": ""},
        {"code": "success", "data": None},
        {"hello": "world"},
        "just a string",
        42,
    ],
)
def test_paid_answer_without_task_or_clips_is_malformed_and_not_retryable(make_client, body):
    client, upstream = make_client(answer(200, body))
    with pytest.raises(MalformedResponse) as excinfo:
        client.generate_from_description(description="", mv="chirp-auk")
    # The 2xx means the upstream accepted (and charged) it: a blind resend could charge twice.
    assert excinfo.value.retryable is False
    assert len(upstream.requests) == 1


# ---- queries and their variants -------------------------------------------------------------------

MUSIC_TASK = {
    "task_id": "2a145658-3342-4228-b779-b8323a2b77df",
    "notify_hook": "",
    "action": "MUSIC",
    "status": "SUCCESS",
    "fail_reason": "",
    "submit_time": 1726911801,
    "start_time": 1726911812,
    "finish_time": 1726911897,
    "progress": "100%",
    "data": [complete_clip(CLIP_A), complete_clip(CLIP_B)],
}


def test_fetch_task(make_client):
    client, upstream = make_client(etask(MUSIC_TASK))
    task = client.fetch_task("2a145658-3342-4228-b779-b8323a2b77df")
    assert upstream.last.method == "GET"
    assert upstream.last.url.path == "/suno/fetch/2a145658-3342-4228-b779-b8323a2b77df"
    assert task.is_success and task.finish_time == 1726911897
    assert [c.id for c in task.clips] == [CLIP_A, CLIP_B]
    assert all(c.is_complete for c in task.clips)
    assert task.clips[0].duration == 128.92


def test_fetch_task_with_opaque_id_and_pending_data(make_client):
    client, _ = make_client(
        etask({"task_id": "task_xxxxxxxx", "status": "NOT_START", "data": None, "progress": "0%"})
    )
    task = client.fetch_task("task_xxxxxxxx")
    assert (task.task_id, task.status, task.clips, task.is_terminal) == (
        "task_xxxxxxxx",
        "NOT_START",
        (),
        False,
    )


def test_fetch_task_flattened_clip_variant(make_client):
    flat = {
        "id": "",
        "clip_id": CLIP_A,
        "task_id": "t_1",
        "mv": "chirp-v4",
        "tags": "rock",
        "title": "Flat",
        "prompt": "[Verse] flat",
        "state": "succeeded",
        "status": "complete",
        "duration": 99.5,
        "audio_url": f"https://cdn1.suno.ai/{CLIP_A}.mp3",
        "create_time": "2025-01-01T00:00:00Z",
    }
    client, _ = make_client(etask({"task_id": "t", "status": "SUCCESS", "action": "MUSIC", "data": [flat]}))
    (clip,) = client.fetch_task("t").clips
    assert (clip.id, clip.tags, clip.lyrics, clip.duration, clip.model_name) == (
        CLIP_A,
        "rock",
        "[Verse] flat",
        99.5,
        "chirp-v4",
    )
    assert clip.is_complete


@pytest.mark.parametrize(
    "lyrics_data",
    [
        {"id": "l1", "text": "[Verse] snow", "title": "Snow", "status": "complete"},
        [
            {
                "id": "l1",
                "text": "[Verse] snow",
                "title": "Snow",
                "status": "complete",
                "state": "succeeded",
                "tags": [],
            }
        ],
    ],
    ids=["object", "array"],
)
def test_lyrics_task_object_or_array(make_client, lyrics_data):
    client, _ = make_client(
        etask({"task_id": "t", "action": "LYRICS", "status": "SUCCESS", "data": lyrics_data})
    )
    task = client.fetch_task("t")
    assert task.lyrics is not None
    assert (task.lyrics.text, task.lyrics.title) == ("[Verse] snow", "Snow")


@pytest.mark.parametrize(
    "spelled, expected", [("COMPLETE", "SUCCESS"), ("FAILED", "FAILURE"), ("weird", "UNKNOWN")]
)
def test_task_status_aliases(make_client, spelled, expected):
    client, _ = make_client(etask({"task_id": "t", "status": spelled, "fail_reason": "nope", "data": None}))
    assert client.fetch_task("t").status == expected


def test_fetch_task_wrong_shape_is_malformed_and_not_retried(make_client, sleeps):
    client, upstream = make_client(etask("not-a-task"))
    with pytest.raises(MalformedResponse):
        client.fetch_task("t")
    assert len(upstream.requests) == 1 and sleeps == []


def test_fetch_tasks_body(make_client):
    client, upstream = make_client(
        etask([MUSIC_TASK, {"task_id": "t2", "status": "IN_PROGRESS", "data": []}])
    )
    tasks = client.fetch_tasks(["2a145658-3342-4228-b779-b8323a2b77df", "t2"], action="MUSIC")
    assert upstream.last.method == "POST"
    assert upstream.last.url.path == "/suno/fetch"
    assert upstream.last_json() == {"ids": ["2a145658-3342-4228-b779-b8323a2b77df", "t2"], "action": "MUSIC"}
    assert {t.task_id: t.status for t in tasks} == {
        "2a145658-3342-4228-b779-b8323a2b77df": "SUCCESS",
        "t2": "IN_PROGRESS",
    }


def test_fetch_tasks_without_action_and_empty(make_client):
    client, upstream = make_client(etask([]))
    assert client.fetch_tasks([]) == []
    assert upstream.requests == []  # nothing to ask
    assert client.fetch_tasks(["gone"]) == []  # unknown ids are silently omitted (§5.14)
    assert upstream.last_json() == {"ids": ["gone"]}


def test_fetch_tasks_splits_large_batches(make_client):
    client, upstream = make_client(etask([]))
    client.fetch_tasks([f"t{i}" for i in range(FETCH_BATCH_MAX + 5)])
    assert [len(json.loads(r.content)["ids"]) for r in upstream.requests] == [FETCH_BATCH_MAX, 5]


@pytest.mark.parametrize(
    "body",
    [
        [complete_clip(CLIP_A), native_clip(CLIP_B, status="streaming")],
        {"code": "success", "data": [complete_clip(CLIP_A), native_clip(CLIP_B, status="streaming")]},
        {"clips": [complete_clip(CLIP_A), native_clip(CLIP_B, status="streaming")]},
    ],
    ids=["bare-array", "etask", "clips-object"],
)
def test_feed_variants(make_client, body):
    client, upstream = make_client(answer(200, body))
    clips = client.feed([CLIP_A, CLIP_B])
    assert upstream.last.url.path == f"/suno/feed/{CLIP_A},{CLIP_B}"
    assert [(c.id, c.status) for c in clips] == [(CLIP_A, "complete"), (CLIP_B, "streaming")]


def test_feed_empty_ids_sends_nothing(make_client):
    client, upstream = make_client(answer(200, []))
    assert client.feed([]) == []
    assert upstream.requests == []


def test_feed_clip_with_error(make_client):
    errored = native_clip(
        CLIP_A, status="error", metadata={"error_type": "moderation", "error_message": "Nope"}
    )
    client, _ = make_client(answer(200, [errored]))
    (clip,) = client.feed([CLIP_A])
    assert clip.is_failed and clip.error_message == "Nope"


@pytest.mark.parametrize(
    "body",
    [
        {"id": "ly1", "text": "[Verse] a", "title": "A", "status": "complete"},
        {"code": "success", "data": {"id": "ly1", "text": "[Verse] a", "title": "A", "status": "complete"}},
        [{"id": "ly1", "text": "[Verse] a", "title": "A", "status": "complete"}],
    ],
)
def test_fetch_lyrics_variants(make_client, body):
    client, upstream = make_client(answer(200, body))
    lyrics = client.fetch_lyrics("ly1")
    assert upstream.last.url.path == "/suno/lyrics/ly1"
    assert (lyrics.id, lyrics.text, lyrics.is_complete) == ("ly1", "[Verse] a", True)


def test_fetch_lyrics_pending(make_client):
    client, _ = make_client(answer(200, {"id": "ly1", "text": "", "title": "", "status": "running"}))
    assert client.fetch_lyrics("ly1").is_complete is False


WAV = f"https://cdn1.suno.ai/{CLIP_A}.wav"


@pytest.mark.parametrize(
    "body",
    [
        {"code": "success", "data": WAV},
        {"wav_file_url": WAV},
        {"data": {"wav_file_url": WAV}},
        {"code": "success", "message": "", "data": {"wav_file_url": WAV}},
    ],
)
def test_wav_url_variants(make_client, body):
    client, upstream = make_client(answer(200, body))
    media = client.get_wav(CLIP_A)
    assert upstream.last.url.path == f"/suno/act/wav/{CLIP_A}"
    assert media.url == WAV and media.is_ready


def test_wav_binary_body_is_checked_by_content_type(make_client):
    # Starts with "{" on purpose: the Content-Type decides, not a guess at the bytes.
    riff = b"{RIFF\x24\x00\x00\x00WAVEfmt "
    client, _ = make_client(answer(200, content=riff, headers={"content-type": "audio/wav"}))
    media = client.get_wav(CLIP_A)
    assert (media.content, media.content_type, media.url) == (riff, "audio/wav", "")
    assert media.is_ready


@pytest.mark.parametrize(
    "step", [answer(200, {}), answer(200, content=b""), etask(None), answer(200, {"status": "x"})]
)
def test_wav_not_ready_yet(make_client, step):
    client, _ = make_client(step)
    assert client.get_wav(CLIP_A).is_ready is False


MP4 = f"https://cdn1.suno.ai/{CLIP_A}.mp4"


@pytest.mark.parametrize(
    "body",
    [
        {"mp4_file_url": MP4},
        {"video_url": MP4},
        {"url": MP4},
        {"mp4": MP4},
        {"code": "success", "data": MP4},
        {"code": "success", "data": {"mp4_file_url": MP4}},
        {"code": "success", "data": {"video_url": MP4}},
        {"mp4_file_url": "", "video_url": MP4},
    ],
)
def test_mp4_variants(make_client, body):
    client, upstream = make_client(answer(200, body))
    media = client.get_mp4(CLIP_A)
    assert upstream.last.url.path == f"/suno/act/mp4/{CLIP_A}"
    assert media.url == MP4


def test_mp4_not_ready(make_client):
    client, _ = make_client(answer(200, {}))
    media = client.get_mp4(CLIP_A)
    assert (media.url, media.content, media.is_ready) == ("", b"", False)


def test_timing(make_client):
    body = {
        "aligned_words": [
            {"word": "[Verse]\nWinter ", "success": True, "start_s": 8.38, "end_s": 8.78, "p_align": 0.982},
            {"word": "winds ", "success": True, "start_s": 8.78, "end_s": 9.54, "p_align": 0.961},
        ],
        "waveform_data": [0.001, 0.00109, 0.04219],
        "hoot_cer": 0.0355,
        "is_streamed": False,
    }
    client, upstream = make_client(answer(200, body))
    timing = client.get_timing(CLIP_A)
    assert upstream.last.url.path == f"/suno/act/timing/{CLIP_A}"
    assert [(w.word, w.start_s, w.end_s) for w in timing.words] == [
        ("[Verse]\nWinter ", 8.38, 8.78),
        ("winds ", 8.78, 9.54),
    ]
    assert timing.waveform == (0.001, 0.00109, 0.04219)


def test_timing_without_aligned_words_is_malformed(make_client):
    client, _ = make_client(answer(200, {"something": "else"}))
    with pytest.raises(MalformedResponse):
        client.get_timing(CLIP_A)


# ---- error mapping (§1.1, §6) ----------------------------------------------------------------------

ERROR_CASES = [
    (gateway_error(401, "Invalid token (request id: 2025abc)"), AuthError),
    (gateway_error(401, "token quota exhausted (request id: 2025abc)"), InsufficientCredits),
    (task_error(403, "quota_not_enough", "user quota is not enough"), InsufficientCredits),
    (gateway_error(403, "insufficient account balance"), InsufficientCredits),
    (gateway_error(403, "model chirp-fenix not allowed for group default"), AuthError),
    (gateway_error(429, "rate limited"), RateLimited),
    (task_error(500, "fail_to_fetch_task", "upstream said no"), UpstreamUnavailable),
    (gateway_error(502, "bad gateway"), UpstreamUnavailable),
    (gateway_error(503, "no available channel for model suno_music"), UpstreamUnavailable),
    (gateway_error(504, "gateway timeout"), UpstreamUnavailable),
    (
        answer(524, content=b"<html>A timeout occurred</html>", headers={"content-type": "text/html"}),
        UpstreamUnavailable,
    ),
    (task_error(400, "task_not_exist", "task_not_exist"), TaskNotFound),
    (task_error(400, "invalid_request", "prompt_empty"), BadRequest),
    (gateway_error(413, "request entity too large"), BadRequest),
    (answer(404, content=b"<html>not found</html>", headers={"content-type": "text/html"}), RouteNotServed),
    (answer(301, content=b"", headers={"location": "https://elsewhere/"}), BadRequest),
    (task_error(200, "quota_not_enough", "user quota is not enough"), InsufficientCredits),
    (task_error(200, "task_not_exist", "task_not_exist"), TaskNotFound),
    (task_error(200, "invalid_action", "invalid_action"), BadRequest),
    (gateway_error(200, "weird success with an error"), BadRequest),
    (answer(200, content=b"<html>ok</html>", headers={"content-type": "text/html"}), RouteNotServed),
    (answer(200, content=b'{"code": "succ', headers={"content-type": "application/json"}), MalformedResponse),
]


@pytest.mark.parametrize("step, error_class", ERROR_CASES)
def test_error_mapping(make_client, step, error_class):
    client, _ = make_client(step, max_attempts=1)
    with pytest.raises(error_class) as excinfo:
        client.generate_lyrics(idea="x")
    assert type(excinfo.value) is error_class
    assert excinfo.value.message  # there is always something to log


def test_error_carries_message_code_status_and_request_id(make_client, caplog):
    caplog.set_level(logging.DEBUG, logger="suno")
    client, _ = make_client(
        gateway_error(400, "prompt too long (request id: 20250101123456789abc)", code="invalid_request")
    )
    with pytest.raises(BadRequest) as excinfo:
        client.generate_custom(lyrics="x", tags="t", title="t", mv="chirp-auk")
    error = excinfo.value
    assert (error.code, error.status_code, error.request_id) == (
        "invalid_request",
        400,
        "20250101123456789abc",
    )
    assert "prompt too long" in error.message
    assert "prompt too long" in error.user_message
    assert any("20250101123456789abc" in r.getMessage() for r in caplog.records if r.name == "suno")


def test_request_id_from_header(make_client):
    client, _ = make_client(
        answer(400, {"code": "invalid_request", "message": "bad"}, headers={"X-Oneapi-Request-Id": "req-42"})
    )
    with pytest.raises(BadRequest) as excinfo:
        client.generate_lyrics(idea="x")
    assert excinfo.value.request_id == "req-42"


def test_task_not_exist_on_fetch(make_client, sleeps):
    client, upstream = make_client(task_error(400, "task_not_exist", "task_not_exist"))
    with pytest.raises(TaskNotFound) as excinfo:
        client.fetch_task("nope")
    assert isinstance(excinfo.value, BadRequest) and excinfo.value.code == "task_not_exist"
    assert len(upstream.requests) == 1 and sleeps == []


@pytest.mark.parametrize(
    "step, reached",
    [
        (gateway_error(503, "no available channel for model suno_music"), False),
        (answer(503, content=b"<html>503</html>"), True),
        (task_error(500, "upstream_error", "boom"), True),
        (gateway_error(502, "bad gateway"), True),
        (gateway_error(504, "timeout"), True),
        (answer(524, content=b"<html>524</html>"), True),
        (httpx.ConnectError, False),
        (httpx.ConnectTimeout, False),
        (httpx.PoolTimeout, False),
        (httpx.ReadTimeout, True),
        (httpx.WriteTimeout, True),
        (httpx.ReadError, True),
        (httpx.RemoteProtocolError, True),
    ],
)
def test_may_have_reached_upstream(make_client, step, reached):
    client, _ = make_client(step, max_attempts=1)
    with pytest.raises(UpstreamUnavailable) as excinfo:
        client.fetch_task("t")
    assert excinfo.value.may_have_reached_upstream is reached


@pytest.mark.parametrize(
    "exception",
    [
        httpx.ConnectError,
        httpx.ReadTimeout,
        httpx.WriteError,
        httpx.RemoteProtocolError,
        httpx.UnsupportedProtocol,
    ],
)
def test_no_httpx_exception_escapes(make_client, exception):
    client, _ = make_client(exception)
    with pytest.raises(SunoError) as excinfo:
        client.generate_lyrics(idea="x")
    assert not isinstance(excinfo.value, httpx.HTTPError)
    assert excinfo.value.__cause__ is None and excinfo.value.__context__ is None


# ---- Retry-After -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, date, expected",
    [
        ("7", None, 7.0),
        ("1.5", None, 1.5),
        (" 0 ", None, 0.0),
        ("-3", None, 0.0),
        ("Wed, 21 Oct 2015 07:28:30 GMT", "Wed, 21 Oct 2015 07:28:00 GMT", 30.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:29:00 GMT", 0.0),
        ("soon", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_parse_retry_after(value, date, expected):
    assert parse_retry_after(value, date_header=date) == expected


def test_parse_retry_after_date_without_date_header_uses_now():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # long past
    future = httpx.Response(200, headers={"x": "Fri, 01 Jan 2100 00:00:00 GMT"}).headers["x"]
    assert parse_retry_after(future) > 1e9


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({"Retry-After": "12"}, 12.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:07 GMT", "Date": "Wed, 21 Oct 2015 07:28:00 GMT"}, 7.0),
        ({}, None),
    ],
)
def test_rate_limited_carries_retry_after(make_client, headers, expected):
    client, _ = make_client(gateway_error(429, "slow down", headers=headers), max_attempts=1)
    with pytest.raises(RateLimited) as excinfo:
        client.fetch_task("t")
    assert excinfo.value.retry_after == expected
    assert excinfo.value.retryable is True


# ---- retry policy --------------------------------------------------------------------------------


def test_query_retries_every_transient_failure_then_succeeds(make_client, sleeps):
    client, upstream = make_client(
        gateway_error(502, "bad gateway"),
        httpx.ReadTimeout,
        httpx.ConnectError,
        etask(MUSIC_TASK),
        max_attempts=4,
    )
    assert client.fetch_task("t").is_success
    assert len(upstream.requests) == 4
    assert sleeps == [1.0, 2.0, 4.0]  # backoff grows: base * 2**attempt (rand() == 1.0)


@pytest.mark.parametrize(
    "failure",
    [
        task_error(500, "x", "boom"),
        gateway_error(503, "no available channel"),
        answer(524, content=b"<html>"),
        httpx.ConnectTimeout,
        httpx.PoolTimeout,
        httpx.WriteTimeout,
        gateway_error(429, "busy"),
    ],
)
def test_every_query_endpoint_retries(make_client, failure):
    calls = [
        lambda c: c.fetch_task("t"),
        lambda c: c.fetch_tasks(["t"]),
        lambda c: c.feed([CLIP_A]),
        lambda c: c.fetch_lyrics("l"),
        lambda c: c.get_wav(CLIP_A),
        lambda c: c.get_mp4(CLIP_A),
        lambda c: c.get_timing(CLIP_A),
    ]
    good = {
        0: etask(MUSIC_TASK),
        1: etask([MUSIC_TASK]),
        2: answer(200, [complete_clip()]),
        3: answer(200, {"id": "l", "text": "t", "title": "", "status": "complete"}),
        4: answer(200, {"wav_file_url": WAV}),
        5: answer(200, {"mp4_file_url": MP4}),
        6: answer(200, {"aligned_words": []}),
    }
    for index, call in enumerate(calls):
        client, upstream = make_client(failure, good[index])
        call(client)
        assert len(upstream.requests) == 2, index


def test_query_gives_up_after_max_attempts(make_client, sleeps):
    client, upstream = make_client(task_error(500, "x", "boom"), max_attempts=3, rand=lambda: 0.5)
    with pytest.raises(UpstreamUnavailable):
        client.fetch_tasks(["t"])
    assert len(upstream.requests) == 3
    assert sleeps == [0.5, 1.0]  # full jitter: the cap times rand()


def test_backoff_is_capped(make_client, sleeps):
    client, _ = make_client(gateway_error(502, "x"), max_attempts=5, backoff_base=10.0, backoff_max=15.0)
    with pytest.raises(UpstreamUnavailable):
        client.feed([CLIP_A])
    assert sleeps == [10.0, 15.0, 15.0, 15.0]


def test_query_honours_retry_after(make_client, sleeps):
    client, upstream = make_client(
        gateway_error(429, "busy", headers={"Retry-After": "9"}), etask(MUSIC_TASK), rand=lambda: 0.1
    )
    client.fetch_task("t")
    assert sleeps == [9.0]  # at least Retry-After, even though the jittered backoff was 0.1 s
    assert len(upstream.requests) == 2


def test_retry_after_longer_than_backoff_max_is_left_to_the_caller(make_client, sleeps):
    client, upstream = make_client(
        gateway_error(429, "busy", headers={"Retry-After": "3600"}), etask(MUSIC_TASK)
    )
    with pytest.raises(RateLimited) as excinfo:
        client.fetch_task("t")
    assert excinfo.value.retry_after == 3600.0
    assert sleeps == [] and len(upstream.requests) == 1  # a worker must not block for an hour


@pytest.mark.parametrize(
    "step",
    [
        task_error(400, "invalid_request", "bad"),
        gateway_error(401, "bad key"),
        task_error(403, "quota_not_enough", "broke"),
        answer(200, content=b"not json"),
    ],
)
def test_query_does_not_retry_permanent_failures(make_client, sleeps, step):
    client, upstream = make_client(step, etask(MUSIC_TASK))
    with pytest.raises(SunoError):
        client.fetch_task("t")
    assert len(upstream.requests) == 1 and sleeps == []


PAID_CALLS = {
    "submit_music": lambda c: c.generate_from_description(description="x", mv="chirp-auk"),
    "generate_custom": lambda c: c.generate_custom(lyrics="l", tags="t", title="t", mv="chirp-auk"),
    "generate_from_description": lambda c: c.generate_from_description(description="d", mv="chirp-auk"),
    "generate_instrumental": lambda c: c.generate_instrumental(tags="t", title="t", mv="chirp-auk"),
    "extend": lambda c: c.extend(clip_id=CLIP_A, continue_at=10, mv="chirp-auk", task_id="t"),
    "generate_with_persona": lambda c: c.generate_with_persona(
        persona_id="p", artist_clip_id=CLIP_A, lyrics="l", tags="t", title="t", mv="chirp-auk"
    ),
    "generate_lyrics": lambda c: c.generate_lyrics(idea="i"),
    "upload_audio_url": lambda c: c.upload_audio_url(url="https://x/y.mp3"),
    "concat": lambda c: c.concat(clip_id=CLIP_A),
    "separate_stems": lambda c: c.separate_stems(clip_id=CLIP_A, task_id="t"),
    "create_persona": lambda c: c.create_persona(root_clip_id=CLIP_A, name="n", description="d"),
}


@pytest.mark.parametrize("name", PAID_CALLS)
@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout,
        httpx.WriteTimeout,
        httpx.RemoteProtocolError,
        task_error(500, "upstream_error", "boom"),
        gateway_error(502, "bad gateway"),
        gateway_error(504, "gateway timeout"),
        answer(524, content=b"<html>524</html>", headers={"content-type": "text/html"}),
    ],
    ids=["read-timeout", "write-timeout", "disconnect", "500", "502", "504", "524"],
)
def test_paid_call_is_never_resent_when_it_may_have_arrived(make_client, sleeps, name, failure):
    client, upstream = make_client(failure, etask(TASK_ID))
    with pytest.raises(UpstreamUnavailable) as excinfo:
        PAID_CALLS[name](client)
    assert len(upstream.requests) == 1
    assert sleeps == []
    assert excinfo.value.may_have_reached_upstream is True
    assert excinfo.value.retryable is False  # the caller must find out what happened, not resend


def test_paid_call_on_503_no_channel_is_not_resent_but_flagged_safe(make_client, sleeps):
    client, upstream = make_client(
        gateway_error(503, "no available channel for model suno_music"), etask(TASK_ID)
    )
    with pytest.raises(UpstreamUnavailable) as excinfo:
        client.generate_lyrics(idea="x")
    assert len(upstream.requests) == 1 and sleeps == []
    assert excinfo.value.may_have_reached_upstream is False
    assert excinfo.value.retryable is True  # the caller may decide to send it again later


@pytest.mark.parametrize("name", PAID_CALLS)
@pytest.mark.parametrize("failure", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
def test_paid_call_is_resent_when_it_never_left(make_client, sleeps, name, failure):
    success = answer(200, PERSONA_OBJECT) if name == "create_persona" else etask(TASK_ID)
    client, upstream = make_client(failure, failure, success)
    PAID_CALLS[name](client)
    assert len(upstream.requests) == 3
    assert sleeps == [1.0, 2.0]
    assert upstream.requests[0].content == upstream.requests[2].content  # the same body each time


def test_paid_call_connect_errors_give_up_after_max_attempts(make_client, sleeps):
    client, upstream = make_client(httpx.ConnectError, max_attempts=4)
    with pytest.raises(UpstreamUnavailable) as excinfo:
        client.generate_custom(lyrics="l", tags="t", title="t", mv="chirp-auk")
    assert len(upstream.requests) == 4 and sleeps == [1.0, 2.0, 4.0]
    assert excinfo.value.may_have_reached_upstream is False
    assert excinfo.value.retryable is True


def test_paid_call_is_resent_after_429_honouring_retry_after(make_client, sleeps):
    client, upstream = make_client(
        gateway_error(429, "too many requests", headers={"Retry-After": "5"}), etask(TASK_ID)
    )
    assert client.generate_custom(lyrics="l", tags="t", title="t", mv="chirp-auk").task_id == TASK_ID
    assert len(upstream.requests) == 2
    assert sleeps == [5.0]


def test_paid_429_without_retry_after_uses_backoff(make_client, sleeps):
    client, upstream = make_client(gateway_error(429, "busy"), gateway_error(429, "busy"), etask(TASK_ID))
    client.concat(clip_id=CLIP_A)
    assert len(upstream.requests) == 3 and sleeps == [1.0, 2.0]


@pytest.mark.parametrize(
    "step",
    [
        task_error(400, "invalid_request", "bad"),
        task_error(403, "quota_not_enough", "broke"),
        gateway_error(401, "x"),
    ],
)
def test_paid_call_not_resent_on_client_errors(make_client, sleeps, step):
    client, upstream = make_client(step, etask(TASK_ID))
    with pytest.raises(SunoError):
        client.generate_lyrics(idea="x")
    assert len(upstream.requests) == 1 and sleeps == []


def test_paid_non_json_2xx_is_not_resent(make_client, sleeps):
    client, upstream = make_client(answer(200, content=b"<html>ok</html>"), etask(TASK_ID))
    with pytest.raises(MalformedResponse) as excinfo:
        client.generate_lyrics(idea="x")
    assert len(upstream.requests) == 1 and sleeps == []
    assert excinfo.value.retryable is False


# ---- the API key never leaks -------------------------------------------------------------------------

LEAKY_STEPS = [
    gateway_error(401, f"Invalid token {KEY} (request id: abc123)"),
    gateway_error(403, f"token {KEY} quota exhausted"),
    task_error(400, "invalid_request", f"bad header Authorization: Bearer {KEY}"),
    answer(429, {"message": f"slow down {KEY}"}, headers={"Retry-After": "1"}),
    task_error(500, "upstream_error", f"upstream echoed {KEY}"),
    answer(200, {"code": "task_not_exist", "message": f"no task for {KEY}"}),
    answer(200, content=f"<html>{KEY}</html>".encode()),
    answer(404, content=f"<html>{KEY}</html>".encode()),
]


@pytest.mark.parametrize("step", LEAKY_STEPS)
def test_key_never_in_exceptions_or_logs(make_client, caplog, step):
    caplog.set_level(logging.DEBUG)
    client, upstream = make_client(step, max_attempts=2)
    with pytest.raises(SunoError) as excinfo:
        client.generate_custom(lyrics="l", tags="t", title="t", mv="chirp-auk")
    error = excinfo.value
    assert upstream.last.headers["authorization"] == f"Bearer {KEY}"  # it did travel, in the header
    rendered = [str(error), repr(error), error.message, error.user_message, error.request_id]
    rendered.append("".join(traceback.format_exception(error)))
    rendered.append(repr(vars(error)))
    for text in rendered:
        assert KEY not in text
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert KEY not in repr(record.args)


@pytest.mark.parametrize("exception", [httpx.ConnectError, httpx.ReadTimeout])
def test_key_never_in_transport_errors(make_client, caplog, exception):
    caplog.set_level(logging.DEBUG)

    def leaky(request: httpx.Request) -> httpx.Response:
        raise exception(f"failed talking to {request.headers['authorization']}", request=request)

    client, _ = make_client(leaky, max_attempts=1)
    with pytest.raises(UpstreamUnavailable) as excinfo:
        client.fetch_task("t")
    assert KEY not in str(excinfo.value) and KEY not in repr(excinfo.value)
    assert KEY not in "".join(traceback.format_exception(excinfo.value))
    assert all(KEY not in r.getMessage() for r in caplog.records)


def test_key_never_in_client_repr(make_client):
    client, _ = make_client(etask(TASK_ID))
    assert KEY not in repr(client) and KEY not in str(client)
    assert BASE_URL in repr(client)


def test_key_not_in_url_or_body(make_client):
    client, upstream = make_client(etask(TASK_ID))
    client.generate_custom(lyrics="l", tags="t", title="t", mv="chirp-auk")
    assert KEY not in str(upstream.last.url) and KEY.encode() not in upstream.last.content


def test_context_manager_closes(make_client):
    client, _ = make_client(etask(TASK_ID))
    with client as entered:
        assert entered is client
    assert client._http.is_closed
