"""The real SunoClient against the in-process simulator: every method, every fault switch.

The clock is a ManualClock, the client's sleep is a recorder, so nothing here really waits. The fault
tests count what reached the simulator: a paid call that may have been charged is never sent twice.
"""

from __future__ import annotations

import httpx
import pytest

from suno import versions
from suno.client import SunoClient
from suno.errors import (
    AuthError,
    BadRequest,
    InsufficientCredits,
    MalformedResponse,
    RateLimited,
    TaskNotFound,
    UpstreamUnavailable,
)
from suno.simulator.app import Simulator
from suno.simulator.clock import ManualClock
from suno.simulator.transport import SimulatorTransport
from suno.types import Clip, Submission

BASE_URL = "http://suno-sim.test"
API_KEY = "test-key"
LYRICS = "[Verse]\nWinter winds are calling me home\n[Chorus]\nHold on, hold on to the light"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_750_000_000.0)


def make_simulator(clock: ManualClock, **options) -> Simulator:
    holder: list[Simulator] = []

    def fetch_through_transport(url: str) -> tuple[bytes, str]:
        # The upstream downloads an upload URL itself; here it reaches the simulator's own CDN route
        # through the same transport the client uses, without the API key (it's a public file).
        with httpx.Client(transport=SimulatorTransport(holder[0])) as http:
            answer = http.get(url)
        if answer.status_code != 200:
            raise OSError(f"HTTP {answer.status_code}")
        return answer.content, answer.headers.get("content-type", "")

    simulator = Simulator(clock=clock, base_url=BASE_URL, url_fetcher=fetch_through_transport, **options)
    holder.append(simulator)
    return simulator


@pytest.fixture
def sim(clock) -> Simulator:
    return make_simulator(clock)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sim, sleeps):
    with SunoClient(
        base_url=sim.base_url,
        api_key=API_KEY,
        transport=SimulatorTransport(sim),
        sleep=sleeps.append,
        rand=lambda: 1.0,
    ) as suno:
        yield suno


def poll_task(
    client: SunoClient, clock: ManualClock, task_id: str, *, step: float = 1.0, limit: float = 120.0
):
    """Fetch, advance the clock, repeat until terminal; returns the last task and every status seen."""
    seen: list[str] = []
    waited = 0.0
    while True:
        task = client.fetch_task(task_id)
        if not seen or seen[-1] != task.status:
            seen.append(task.status)
        if task.is_terminal or waited >= limit:
            return task, seen
        clock.advance(step)
        waited += step


def poll_clips(client: SunoClient, clock: ManualClock, clip_ids, *, step: float = 1.0, limit: float = 120.0):
    seen: list[tuple[str, ...]] = []
    waited = 0.0
    while True:
        clips = client.feed(clip_ids)
        statuses = tuple(sorted({c.status for c in clips}))
        if not seen or seen[-1] != statuses:
            seen.append(statuses)
        if all(c.is_terminal for c in clips) or waited >= limit:
            return clips, seen
        clock.advance(step)
        waited += step


def finished_song(client: SunoClient, clock: ManualClock, **overrides) -> tuple[str, tuple[Clip, ...]]:
    recipe = {"lyrics": LYRICS, "tags": "indie folk", "title": "Winter", "mv": "chirp-auk", **overrides}
    submission = client.generate_custom(**recipe)
    task, _ = poll_task(client, clock, submission.task_id)
    assert task.is_success
    return submission.task_id, task.clips


# ---- every method, through its lifecycle --------------------------------------------------------------


def test_custom_generation_walks_the_whole_lifecycle(client, sim, clock):
    submission = client.generate_custom(lyrics=LYRICS, tags="indie folk", title="Winter", mv="chirp-auk")
    assert submission.task_id and not submission.clips
    assert submission.task_id.startswith("task_")  # opaque ids (§1), not UUIDs

    first = client.fetch_task(submission.task_id)
    assert (first.status, first.clips, first.progress) == ("NOT_START", (), "0%")

    clock.advance(1.0)
    queued = client.fetch_task(submission.task_id)
    assert queued.status == "IN_PROGRESS"
    assert len(queued.clips) == 2  # one music request, two clips
    assert {c.status for c in queued.clips} <= {"submitted", "queued"}

    clock.advance(2.5)
    streaming = client.fetch_task(submission.task_id)
    assert {c.status for c in streaming.clips} == {"streaming"}
    assert all("audiopipe" in c.audio_url for c in streaming.clips)
    assert not any(c.is_terminal for c in streaming.clips)

    clock.advance(10.0)
    done = client.fetch_task(submission.task_id)
    assert done.is_success and done.progress == "100%" and done.finish_time > 0
    for clip in done.clips:
        assert clip.is_complete
        assert clip.audio_url == f"{BASE_URL}/cdn1/{clip.id}.mp3"
        assert clip.duration and clip.duration > 0
        assert (clip.title, clip.tags, clip.lyrics, clip.model_name) == (
            "Winter",
            "indie folk",
            LYRICS,
            "chirp-auk",
        )

    (batched,) = client.fetch_tasks([submission.task_id], action="MUSIC")
    assert batched.task_id == submission.task_id and batched.is_success
    assert sim.calls("submit_music") == 1 and sim.paid_calls() == 1


@pytest.mark.parametrize(
    "mode",
    ["custom", "description", "instrumental"],
)
def test_every_generation_mode_completes(client, sim, clock, mode):
    if mode == "custom":
        submission = client.generate_custom(
            lyrics=LYRICS, tags="pop", title="Mode", mv="chirp-v4", negative_tags="metal"
        )
    elif mode == "description":
        submission = client.generate_from_description(
            description="a sunny salsa about weekends", mv="chirp-bluejay"
        )
    else:
        submission = client.generate_instrumental(tags="lo-fi, mellow", title="Beats", mv="chirp-crow")

    task, seen = poll_task(client, clock, submission.task_id)

    assert seen == ["NOT_START", "IN_PROGRESS", "SUCCESS"]
    assert task.is_success and all(c.is_complete for c in task.clips)
    if mode == "description":
        # Inspiration mode: Suno wrote the title, lyrics and style.
        assert all(c.title and c.lyrics and c.tags for c in task.clips)
        assert task.clips[0].gpt_description_prompt == "a sunny salsa about weekends"
    if mode == "instrumental":
        assert all(c.lyrics == "" for c in task.clips)
    assert sim.paid_calls() == 1


def test_batch_fetch_follows_many_tasks_in_one_call(clock):
    sim = make_simulator(clock, batch_limit=20)
    with SunoClient(base_url=sim.base_url, api_key=API_KEY, transport=SimulatorTransport(sim)) as client:
        task_ids = [client.generate_lyrics(idea=f"idea number {i}") for i in range(25)]
        clock.advance(5.0)
        tasks = client.fetch_tasks(task_ids, action="LYRICS")
    # The simulator answers in no particular order; the client splits above the cap (25 -> 20 + 5).
    assert sorted(t.task_id for t in tasks) == sorted(task_ids)
    assert all(t.is_success and t.lyrics and t.lyrics.text for t in tasks)
    assert sim.calls("fetch_batch") == 2
    assert client.fetch_tasks([]) == [] and sim.calls("fetch_batch") == 2


def test_fetch_unknown_task(client):
    with pytest.raises(TaskNotFound):
        client.fetch_task("task_doesnotexist")
    assert client.fetch_tasks(["task_doesnotexist"]) == []


def test_extend_then_concat_gives_one_song(client, sim, clock):
    task_id, clips = finished_song(client, clock)
    source = clips[0]

    extension = client.extend(
        clip_id=source.id,
        continue_at=10.5,
        mv="chirp-auk",
        lyrics="[Verse 2]\nStill walking",
        tags="indie folk",
        title="Winter (ext)",
        task_id=task_id,
    )
    extended, _ = poll_task(client, clock, extension.task_id)
    assert extended.is_success
    last = extended.clips[0]
    assert last.task == "extend"
    assert [h["id"] for h in last.history] == [source.id]

    joined = client.concat(clip_id=last.id)
    song, seen = poll_task(client, clock, joined.task_id)
    assert seen[-1] == "SUCCESS"
    (whole,) = song.clips  # concat gives one clip
    assert whole.type == "concat" and whole.is_complete
    assert [h["id"] for h in whole.concat_history] == [source.id, last.id]
    assert whole.duration == pytest.approx(10.5 + last.duration, abs=0.05)
    assert (sim.calls("submit_music"), sim.calls("submit_concat")) == (2, 1)


@pytest.mark.parametrize("full, count", [(True, 12), (False, 2)])
def test_stems_native_answer_polled_by_feed(client, sim, clock, full, count):
    task_id, clips = finished_song(client, clock)

    submission = client.separate_stems(clip_id=clips[0].id, task_id=task_id, title="Winter", full=full)

    # §5.7: the documented answer is E-native; the clips start queued.
    assert submission.batch_id and len(submission.clips) == count
    assert {c.status for c in submission.clips} == {"queued"}
    stems, seen = poll_clips(client, clock, submission.clip_ids)
    assert seen[0] == ("queued",) and seen[-1] == ("complete",)
    assert all(c.is_complete and c.model_name == "chirp-stem" and c.type == "stem" for c in stems)
    assert {c.stem_from_id for c in stems} == {clips[0].id}
    assert stems[0].title == "Winter - Vocals"
    # The batch id is a task id too.
    assert client.fetch_task(submission.batch_id).is_success


@pytest.mark.parametrize("full, count", [(True, 12), (False, 2)])
def test_stems_etask_answer_polled_by_task(clock, full, count):
    sim = make_simulator(clock, variants={"stems_response": "task"})
    with SunoClient(base_url=sim.base_url, api_key=API_KEY, transport=SimulatorTransport(sim)) as client:
        task_id, clips = finished_song(client, clock)
        submission = client.separate_stems(clip_id=clips[0].id, task_id=task_id, full=full)
        assert submission.task_id and not submission.clips
        stems, _ = poll_task(client, clock, submission.task_id)
    assert stems.is_success and len(stems.clips) == count


@pytest.mark.parametrize("shape", ["object", "array"])
def test_lyrics_task_and_lyrics_lookup(clock, shape):
    sim = make_simulator(clock, variants={"lyrics_shape": shape})
    with SunoClient(base_url=sim.base_url, api_key=API_KEY, transport=SimulatorTransport(sim)) as client:
        task_id = client.generate_lyrics(idea="a lighthouse keeper who misses the city")
        pending = client.fetch_task(task_id)
        assert not pending.is_terminal and pending.lyrics is None
        task, seen = poll_task(client, clock, task_id, step=0.5)
        assert seen[-1] == "SUCCESS" and task.action == "LYRICS"
        assert task.lyrics is not None and "[Verse]" in task.lyrics.text and task.lyrics.title

        lyrics = client.fetch_lyrics(task.lyrics.id)
    assert lyrics.is_complete and lyrics.text == task.lyrics.text
    assert sim.calls("submit_lyrics") == 1


def test_upload_audio_url_then_upload_extend(client, sim, clock):
    _, clips = finished_song(client, clock)
    media_before = sim.calls("media")

    task_id = client.upload_audio_url(url=clips[0].audio_url)
    assert sim.calls("media") == media_before + 1  # the simulator fetched the MP3 itself

    upload, _ = poll_task(client, clock, task_id)
    assert upload.is_success
    (uploaded,) = upload.clips
    assert uploaded.type == "upload" and uploaded.is_complete

    extension = client.extend(
        clip_id=uploaded.id,
        continue_at=5.0,
        mv="chirp-auk",
        lyrics="[Verse]\nNew words",
        tags="rock",
        title="Covered",
        uploaded=True,
        task_id=task_id,
    )
    extended, _ = poll_task(client, clock, extension.task_id)
    assert extended.is_success and extended.clips[0].task == "upload_extend"
    assert sim.calls("upload_audio_url") == 1


def test_upload_of_something_that_is_not_audio_fails_as_a_task(client, clock):
    task_id = client.upload_audio_url(url=f"{BASE_URL}/cdn1/nothing-here.mp3")
    task, _ = poll_task(client, clock, task_id)
    assert task.is_failure and task.fail_reason


def test_persona_create_then_generate_then_feed(client, sim, clock):
    _, clips = finished_song(client, clock)
    root = clips[0]

    persona = client.create_persona(root_clip_id=root.id, name="Winter voice", description="soft folk singer")
    assert persona.id and persona.root_clip_id == root.id
    assert persona.clip is not None and persona.clip.id == root.id

    submission = client.generate_with_persona(
        persona_id=persona.id,
        artist_clip_id=persona.root_clip_id,
        lyrics=LYRICS,
        tags="electronic, pop",
        title="husband",
        mv="chirp-auk",
    )
    assert submission.batch_id and len(submission.clip_ids) == 2
    assert {c.status for c in submission.clips} == {"submitted"}

    clips_now, seen = poll_clips(client, clock, submission.clip_ids)
    assert seen[-1] == ("complete",)
    for clip in clips_now:
        assert clip.is_complete
        assert (clip.persona_id, clip.artist_clip_id, clip.task) == (
            persona.id,
            root.id,
            "artist_consistency",
        )
    assert (sim.calls("persona_create"), sim.calls("generate")) == (1, 1)


def test_persona_needs_a_persona_model(client, clock):
    _, clips = finished_song(client, clock)
    persona = client.create_persona(root_clip_id=clips[0].id, name="p", description="d")
    with pytest.raises(BadRequest):
        client.generate_with_persona(
            persona_id=persona.id,
            artist_clip_id=clips[0].id,
            lyrics=LYRICS,
            tags="t",
            title="t",
            mv="chirp-v4",
        )


@pytest.mark.parametrize("shape", ["data", "wav_file_url", "binary"])
def test_wav_not_ready_then_ready(clock, shape):
    sim = make_simulator(clock, variants={"wav_response": shape})
    with SunoClient(base_url=sim.base_url, api_key=API_KEY, transport=SimulatorTransport(sim)) as client:
        submission = client.generate_custom(lyrics=LYRICS, tags="pop", title="Wav", mv="chirp-auk")
        clock.advance(1.0)
        (clip, _) = client.fetch_task(submission.task_id).clips
        with pytest.raises(BadRequest):  # §5.12: only for complete clips
            client.get_wav(clip.id)
        poll_task(client, clock, submission.task_id)

        assert client.get_wav(clip.id).is_ready is False  # still converting
        clock.advance(sim.wav_ready_after)
        wav = client.get_wav(clip.id)

    assert wav.is_ready
    if shape == "binary":
        assert wav.content[:4] == b"RIFF" and wav.content_type == "audio/wav"
    else:
        assert wav.url == f"{BASE_URL}/cdn1/{clip.id}.wav"
        with httpx.Client(transport=SimulatorTransport(sim)) as http:
            assert http.get(wav.url).content[:4] == b"RIFF"


@pytest.mark.parametrize("shape", ["mp4_file_url", "data_url"])
def test_mp4_not_ready_then_ready(clock, shape):
    sim = make_simulator(clock, variants={"mp4_response": shape})
    with SunoClient(base_url=sim.base_url, api_key=API_KEY, transport=SimulatorTransport(sim)) as client:
        _, clips = finished_song(client, clock)
        assert client.get_mp4(clips[0].id).is_ready is False
        clock.advance(sim.mp4_ready_after)
        video = client.get_mp4(clips[0].id)
    assert video.url == f"{BASE_URL}/cdn1/{clips[0].id}.mp4"


def test_timing_for_sung_and_instrumental_clips(client, clock):
    _, clips = finished_song(client, clock)
    timing = client.get_timing(clips[0].id)
    assert timing.words and timing.waveform
    assert all(w.start_s < w.end_s for w in timing.words)
    assert [w.start_s for w in timing.words] == sorted(w.start_s for w in timing.words)
    assert "Winter" in "".join(w.word for w in timing.words)

    beats = client.generate_instrumental(tags="lo-fi", title="Beats", mv="chirp-auk")
    task, _ = poll_task(client, clock, beats.task_id)
    assert client.get_timing(task.clips[0].id).words == ()


def test_model_versions_sends_nothing(client, sim):
    assert client.model_versions() == versions.MODEL_VERSIONS
    assert sim.calls() == 0


def test_the_key_travels_in_the_header_only(clock):
    sim = make_simulator(clock)
    seen: list[httpx.Request] = []

    class Spy(SimulatorTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return super().handle_request(request)

    with SunoClient(base_url=sim.base_url, api_key=API_KEY, transport=Spy(sim)) as client:
        client.generate_lyrics(idea="rain")
    assert seen[0].headers["authorization"] == f"Bearer {API_KEY}"
    assert API_KEY not in str(seen[0].url) and API_KEY.encode() not in seen[0].content


# ---- one test per fault switch ---------------------------------------------------------------------------


def submit(client: SunoClient) -> Submission:
    return client.generate_custom(lyrics=LYRICS, tags="pop", title="Faulty", mv="chirp-auk")


def test_fault_unauthorized(client, sim, sleeps):
    sim.faults.add("unauthorized")
    with pytest.raises(AuthError) as excinfo:
        submit(client)
    assert excinfo.value.status_code == 401 and excinfo.value.request_id
    assert API_KEY not in str(excinfo.value)
    with pytest.raises(AuthError):
        client.fetch_task("anything")
    assert (sim.calls("submit_music"), sim.calls("fetch"), sleeps) == (1, 1, [])


def test_fault_forbidden(client, sim, sleeps):
    sim.faults.add("forbidden", endpoint="submit_lyrics")
    with pytest.raises(AuthError) as excinfo:
        client.generate_lyrics(idea="rain")
    assert excinfo.value.status_code == 403
    assert (sim.calls("submit_lyrics"), sleeps) == (1, [])
    assert submit(client).task_id  # only that endpoint was switched


def test_fault_insufficient_balance(client, sim, sleeps):
    sim.faults.add("insufficient_balance")
    with pytest.raises(InsufficientCredits):
        submit(client)
    with pytest.raises(InsufficientCredits):
        client.create_persona(root_clip_id="c", name="n", description="d")
    assert (sim.paid_calls(), sleeps) == (2, [])


def test_fault_rate_limited_paid_call_is_resent_after_retry_after(client, sim, clock, sleeps):
    sim.faults.add("rate_limited", endpoint="submit_music", times=1, retry_after=3)
    submission = submit(client)
    # The 429 was refused before anything was created: one resend, one task.
    assert sim.calls("submit_music") == 2
    assert sleeps == [3.0]
    task, _ = poll_task(client, clock, submission.task_id)
    assert task.is_success and len(task.clips) == 2


def test_fault_rate_limited_query_gives_up_after_max_attempts(client, sim, sleeps):
    sim.faults.add("rate_limited", endpoint="fetch", retry_after=2)
    with pytest.raises(RateLimited) as excinfo:
        client.fetch_task("t")
    assert excinfo.value.retry_after == 2.0
    assert sim.calls("fetch") == 4
    assert sleeps == [2.0, 2.0, 4.0]  # at least Retry-After, growing backoff once it is larger


def test_fault_server_error_on_submit_is_not_resent(client, sim, sleeps):
    sim.faults.add("server_error", endpoint="submit_music", work_done=True)
    with pytest.raises(UpstreamUnavailable) as excinfo:
        submit(client)
    assert excinfo.value.may_have_reached_upstream is True and excinfo.value.retryable is False
    assert sim.calls("submit_music") == 1 and sim.paid_calls() == 1 and sleeps == []


def test_fault_server_error_on_polls_is_retried(client, sim, clock, sleeps):
    submission = submit(client)
    sim.faults.add("server_error", endpoint="fetch", times=2)
    task = client.fetch_task(submission.task_id)
    assert task.task_id == submission.task_id
    assert sim.calls("fetch") == 3 and sleeps == [1.0, 2.0]


def test_fault_unavailable(client, sim, sleeps):
    sim.faults.add("unavailable", times=1)
    with pytest.raises(UpstreamUnavailable) as excinfo:
        submit(client)
    # 503 "no available channel" is answered before the adaptor: safe for the caller to try later,
    # but the client never resends a paid call on a 5xx by itself.
    assert excinfo.value.may_have_reached_upstream is False and excinfo.value.retryable is True
    assert sim.calls("submit_music") == 1 and sleeps == []
    sim.faults.add("unavailable", endpoint="feed", times=1)
    assert client.feed(["x"]) == []
    assert sim.calls("feed") == 2 and sleeps == [1.0]


def test_fault_gateway_timeout(client, sim, sleeps):
    sim.faults.add("gateway_timeout", endpoint="submit_concat")
    with pytest.raises(UpstreamUnavailable) as excinfo:
        client.concat(clip_id="whatever")
    assert excinfo.value.status_code == 524 and excinfo.value.may_have_reached_upstream is True
    assert sim.calls("submit_concat") == 1 and sleeps == []


def test_fault_timeout_on_submit_is_not_resent(client, sim, sleeps):
    sim.faults.add("timeout", endpoint="submit_music")
    with pytest.raises(UpstreamUnavailable) as excinfo:
        submit(client)
    assert "ReadTimeout" in str(excinfo.value)
    assert excinfo.value.may_have_reached_upstream is True and excinfo.value.retryable is False
    assert sim.calls("submit_music") == 1 and sim.paid_calls() == 1 and sleeps == []


def test_fault_timeout_on_every_paid_endpoint_sends_once(client, sim, clock):
    _, clips = finished_song(client, clock)
    persona = client.create_persona(root_clip_id=clips[0].id, name="p", description="d")
    paid_before = sim.paid_calls()
    sim.faults.add("timeout")
    calls = [
        lambda: client.generate_from_description(description="x", mv="chirp-auk"),
        lambda: client.generate_instrumental(tags="t", title="t", mv="chirp-auk"),
        lambda: client.extend(clip_id=clips[0].id, continue_at=5, mv="chirp-auk", lyrics="l"),
        lambda: client.separate_stems(clip_id=clips[0].id),
        lambda: client.concat(clip_id=clips[0].id),
        lambda: client.generate_lyrics(idea="x"),
        lambda: client.upload_audio_url(url=clips[0].audio_url),
        lambda: client.create_persona(root_clip_id=clips[0].id, name="n", description="d"),
        lambda: client.generate_with_persona(
            persona_id=persona.id,
            artist_clip_id=clips[0].id,
            lyrics=LYRICS,
            tags="t",
            title="t",
            mv="chirp-auk",
        ),
    ]
    for number, call in enumerate(calls, start=1):
        with pytest.raises(UpstreamUnavailable):
            call()
        assert sim.paid_calls() == paid_before + number  # exactly one more each time


def test_fault_timeout_on_poll_is_retried(client, sim, sleeps):
    submission = submit(client)
    sim.faults.add("timeout", endpoint="fetch", times=1)
    assert client.fetch_task(submission.task_id).task_id == submission.task_id
    assert sim.calls("fetch") == 2 and sleeps == [1.0]


def test_fault_malformed_json(client, sim, sleeps):
    sim.faults.add("malformed_json", endpoint="submit_music", times=1)
    with pytest.raises(MalformedResponse) as excinfo:
        submit(client)
    assert excinfo.value.retryable is False  # the 2xx means it was accepted: never resend
    assert sim.calls("submit_music") == 1
    sim.faults.add("malformed_json", endpoint="fetch", times=1)
    with pytest.raises(MalformedResponse):
        client.fetch_task("t")
    assert sim.calls("fetch") == 1 and sleeps == []  # not a transient failure: not retried


def test_fault_clip_error(client, sim, clock):
    sim.faults.add("clip_error", endpoint="submit_music", error_message="Lyrics flagged")
    submission = submit(client)
    task, _ = poll_task(client, clock, submission.task_id)
    assert task.is_failure
    assert all(c.is_failed and c.error_message == "Lyrics flagged" for c in task.clips)
    assert "Lyrics flagged" in task.fail_reason
    assert sim.paid_calls() == 1


def test_fault_clip_error_on_persona_generation_seen_through_feed(client, sim, clock):
    _, clips = finished_song(client, clock)
    persona = client.create_persona(root_clip_id=clips[0].id, name="p", description="d")
    sim.faults.add("clip_error", endpoint="generate")
    submission = client.generate_with_persona(
        persona_id=persona.id, artist_clip_id=clips[0].id, lyrics=LYRICS, tags="t", title="t", mv="chirp-auk"
    )
    failed, _ = poll_clips(client, clock, submission.clip_ids)
    assert all(c.is_failed and c.error_message for c in failed)


def test_fault_clip_never_completes(client, sim, clock):
    sim.faults.add("clip_never_completes", endpoint="submit_music")
    submission = submit(client)
    task, _ = poll_task(client, clock, submission.task_id, step=30.0, limit=600.0)
    assert not task.is_terminal and task.status == "IN_PROGRESS"
    assert {c.status for c in task.clips} == {"streaming"}
    assert sim.calls("submit_music") == 1


def test_fault_task_failure(client, sim, clock):
    sim.faults.add("task_failure", endpoint="submit_lyrics", fail_reason="Unable to generate lyrics")
    task_id = client.generate_lyrics(idea="anything")
    task, seen = poll_task(client, clock, task_id, step=0.5)
    assert seen[-1] == "FAILURE" and task.fail_reason == "Unable to generate lyrics"
    assert sim.calls("submit_lyrics") == 1
