"""Cover, replace section (infill), the advanced controls and the style enhancer: the real SunoClient
against the in-process simulator, so the bodies the client sends are the ones the contract checks."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest

from suno import versions
from suno.client import PAID_ACTIONS, SunoClient, control_metadata, paid_methods
from suno.errors import BadRequest, MalformedResponse, RouteNotServed
from suno.simulator import media
from suno.simulator.clock import ManualClock
from suno.simulator.transport import SimulatorTransport
from tests.suno.harness import answer
from tests.suno.test_contract import API_KEY, LYRICS, finished_song, make_simulator, poll_task


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_750_000_000.0)


@pytest.fixture
def sim(clock):
    return make_simulator(clock)


@pytest.fixture
def client(sim):
    with SunoClient(
        base_url=sim.base_url, api_key=API_KEY, transport=SimulatorTransport(sim), sleep=lambda s: None
    ) as suno:
        yield suno


def sent(sim, endpoint: str = "submit_music") -> dict:
    return [body for name, _method, _path, body in sim.call_log if name == endpoint][-1]


def takes(client, clock, submission):
    task, _ = poll_task(client, clock, submission.task_id)
    assert task.status == "SUCCESS", task
    return task.clips


def samples(sim, clip_id: str) -> np.ndarray:
    return sim.clip_samples(sim._clips[clip_id])


# --- cover ---


def test_cover_makes_two_takes_of_the_source_length_in_the_new_style(client, sim, clock):
    _, (source, _) = finished_song(client, clock)
    submission = client.cover(
        clip_id=source.id,
        mv="chirp-bluejay",
        lyrics=LYRICS,
        tags="dark jazz, upright bass",
        title="Winter (jazz)",
    )
    assert sent(sim) == {
        "task": "cover",
        "cover_clip_id": source.id,
        "mv": "chirp-bluejay",
        "prompt": LYRICS,
        "tags": "dark jazz, upright bass",
        "title": "Winter (jazz)",
        "make_instrumental": False,
    }
    covers = takes(client, clock, submission)
    assert len(covers) == 2
    for cover in covers:
        assert cover.metadata["task"] == "cover" and cover.metadata["cover_clip_id"] == source.id
        assert cover.duration == pytest.approx(source.duration, abs=0.01)
        assert cover.metadata["tags"] == "dark jazz, upright bass"
    assert not np.array_equal(samples(sim, covers[0].id), samples(sim, source.id))


@pytest.mark.parametrize("mv", ["chirp-crow", "chirp-v4"])
def test_cover_refuses_a_version_that_cannot_cover(client, clock, mv):
    _, (source, _) = finished_song(client, clock)
    with pytest.raises(BadRequest, match="cannot make covers"):
        client.cover(clip_id=source.id, mv=mv, lyrics=LYRICS, tags="jazz", title="x")


def test_cover_of_an_unfinished_clip_is_refused(client, clock):
    submission = client.generate_custom(lyrics=LYRICS, tags="folk", title="Winter", mv="chirp-auk")
    clock.advance(1)
    (first, *_) = client.fetch_task(submission.task_id).clips
    with pytest.raises(BadRequest, match="not complete"):
        client.cover(clip_id=first.id, mv="chirp-auk", lyrics=LYRICS, tags="jazz", title="x")


# --- replace section ---


def test_replace_section_sings_only_the_window_anew(client, sim, clock):
    _, (source, _) = finished_song(client, clock)
    submission = client.replace_section(
        clip_id=source.id, start_s=4.0, end_s=9.5, mv="chirp-auk", lyrics=LYRICS + "\nNew words", tags="folk"
    )
    body = sent(sim)
    assert body["task"] == "infill" and body["continue_clip_id"] == source.id
    assert (body["infill_start_s"], body["infill_end_s"]) == (4.0, 9.5)
    first, second = takes(client, clock, submission)
    assert first.duration == pytest.approx(source.duration, abs=0.01)
    assert first.metadata["infill"] is True
    assert first.metadata["history"][0] | {} == {
        "id": source.id,
        "continue_at": None,
        "type": "gen",
        "source": "web",
        "infill": True,
        "infill_start_s": 4.0,
        "infill_end_s": 9.5,
    }

    rate = media.SAMPLE_RATE
    old, new = samples(sim, source.id), samples(sim, first.id)
    assert len(new) == len(old)
    margin = int(0.1 * rate)  # the cross-fades at the edges
    start, end = int(4.0 * rate), int(9.5 * rate)
    assert np.array_equal(new[: start - margin], old[: start - margin])
    assert np.array_equal(new[end + margin :], old[end + margin :])
    assert not np.allclose(new[start + margin : end - margin], old[start + margin : end - margin])
    assert not np.array_equal(samples(sim, second.id), new)  # two takes, two new sections

    (song,) = takes(client, clock, client.concat(clip_id=first.id, is_infill=True))
    assert song.metadata["is_infill"] is True
    assert song.duration == pytest.approx(source.duration, abs=0.05)


@pytest.mark.parametrize(("start", "end"), [(9.0, 4.0), (-1.0, 3.0), (2.0, 10_000.0)])
def test_replace_section_outside_the_clip_is_refused(client, clock, start, end):
    _, (source, _) = finished_song(client, clock)
    with pytest.raises(BadRequest, match="infill_start_s and infill_end_s"):
        client.replace_section(
            clip_id=source.id, start_s=start, end_s=end, mv="chirp-auk", lyrics=LYRICS, tags="x"
        )


def test_replace_section_refuses_a_version_that_cannot(client, clock):
    _, (source, _) = finished_song(client, clock)
    with pytest.raises(BadRequest, match="cannot replace a section"):
        client.replace_section(
            clip_id=source.id, start_s=1, end_s=3, mv="chirp-crow", lyrics=LYRICS, tags="x"
        )


# --- advanced controls ---


def test_control_metadata_turns_the_studios_sliders_into_the_contracts():
    assert control_metadata() == {}
    assert control_metadata(weirdness=70, style_influence=40, audio_influence=0, vocal_gender="f") == {
        "control_sliders": {"weirdness_constraint": 0.7, "style_weight": 0.4, "audio_weight": 0.0},
        "vocal_gender": "f",
    }
    with pytest.raises(ValueError):
        control_metadata(weirdness=101)
    with pytest.raises(ValueError):
        control_metadata(vocal_gender="x")


def test_controls_are_sent_checked_and_echoed_and_change_the_audio(client, sim, clock):
    controls = control_metadata(weirdness=80, style_influence=30, vocal_gender="m")
    _, plain = finished_song(client, clock)
    _, tuned = finished_song(client, clock, metadata=controls)
    assert sent(sim)["metadata"] == controls
    assert tuned[0].metadata["control_sliders"] == controls["control_sliders"]
    assert tuned[0].metadata["vocal_gender"] == "m"
    assert "control_sliders" not in plain[0].metadata
    assert not np.array_equal(samples(sim, tuned[0].id), samples(sim, plain[0].id))


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({"control_sliders": {"weirdness_constraint": 1.5}}, "from 0 to 1"),
        ({"control_sliders": {"loudness": 0.5}}, "unknown control slider"),
        ({"control_sliders": {"style_weight": True}}, "from 0 to 1"),
        ({"vocal_gender": "x"}, "vocal_gender must be f or m"),
        ({"control_sliders": [0.5]}, "must be an object"),
    ],
)
def test_bad_controls_are_refused(client, metadata, message):
    with pytest.raises(BadRequest, match=message):
        client.generate_custom(lyrics=LYRICS, tags="folk", title="x", mv="chirp-auk", metadata=metadata)


# --- the style enhancer ---


def test_enhance_tags_keeps_the_creators_tags_first_is_free_and_repeatable(client, sim):
    paid_before = sim.paid_calls()
    enhanced = client.enhance_tags("synthwave, 90 bpm")
    assert enhanced.startswith("synthwave, 90 bpm, ") and len(enhanced) <= 200
    assert enhanced.count("bpm") == 1  # it doesn't add a second tempo
    assert sent(sim, "act_tags") == {"original_tags": "synthwave, 90 bpm"}
    assert client.enhance_tags("synthwave, 90 bpm") == enhanced
    assert client.enhance_tags("lo-fi") != enhanced
    assert sim.paid_calls() == paid_before
    assert "enhance_tags" not in paid_methods()


def test_enhance_tags_on_a_gateway_without_the_route_says_so(make_client):
    page = answer(200, content=b"<!doctype html><html></html>", headers={"content-type": "text/html"})
    suno, _ = make_client(page)
    with pytest.raises(RouteNotServed):
        suno.enhance_tags("folk")
    suno, _ = make_client(answer(200, {"request_id": "r1"}))
    with pytest.raises(MalformedResponse):
        suno.enhance_tags("folk")


# --- notify_hook and the price of each ---


def test_notify_hook_goes_with_the_submit_only_when_given(client, sim, clock):
    client.generate_custom(lyrics=LYRICS, tags="folk", title="x", mv="chirp-auk")
    assert "notify_hook" not in sent(sim)
    hook = "https://studio.example/hooks/upstream/42/sig/"
    _, (source, _) = finished_song(client, clock)
    for call in (
        lambda: client.generate_custom(
            lyrics=LYRICS, tags="folk", title="x", mv="chirp-auk", notify_hook=hook
        ),
        lambda: client.generate_from_description(
            description="a song about rain", mv="chirp-auk", notify_hook=hook
        ),
        lambda: client.cover(
            clip_id=source.id, mv="chirp-auk", lyrics=LYRICS, tags="jazz", title="x", notify_hook=hook
        ),
        lambda: client.extend(
            clip_id=source.id, continue_at=5, mv="chirp-auk", lyrics=LYRICS, notify_hook=hook
        ),
    ):
        call()
        assert sent(sim)["notify_hook"] == hook


def test_cover_and_replace_section_are_priced_as_their_own_actions():
    methods = paid_methods()
    assert methods["cover"] == "cover" and methods["replace_section"] == "replace"
    assert set(methods.values()) <= set(PAID_ACTIONS)


def test_the_cover_and_replace_versions_are_known_versions():
    for mv in (*versions.COVER_MODELS, *versions.REPLACE_MODELS):
        assert versions.get_version(mv) is not None, mv
    assert json.dumps(versions.CONTROL_SLIDERS)


# --- the simulator calls notify_hook when a task ends ---


def test_each_ended_task_calls_its_hook_once_with_the_task(client, sim, clock):
    calls = []
    hook = "https://studio.example/hooks/upstream/7/"
    submission = client.generate_custom(
        lyrics=LYRICS, tags="folk", title="x", mv="chirp-auk", notify_hook=hook
    )
    client.generate_custom(lyrics=LYRICS, tags="folk", title="no hook", mv="chirp-auk")
    assert sim.deliver_notifications(lambda url, task: calls.append((url, task))) == 0  # not ended yet
    clock.advance(12)
    assert sim.deliver_notifications(lambda url, task: calls.append((url, task))) == 1
    assert sim.deliver_notifications(lambda url, task: calls.append((url, task))) == 0  # once
    ((url, task),) = calls
    assert url == hook and task["task_id"] == submission.task_id and task["status"] == "SUCCESS"


def test_a_failed_task_calls_its_hook_and_a_dead_hook_stops_no_other(client, sim, clock):
    sim.faults.add("task_failure")
    for n in range(2):
        client.generate_custom(
            lyrics=LYRICS, tags="folk", title=f"t{n}", mv="chirp-auk", notify_hook=f"https://h.example/{n}/"
        )
    clock.advance(60)
    reached = []

    def post(url, task):
        if url.endswith("/0/"):
            raise httpx.ConnectError("refused")
        reached.append(task["status"])

    assert sim.deliver_notifications(post) == 2
    assert reached == ["FAILURE"]


def test_a_served_simulator_posts_its_hooks_over_http():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from suno.simulator.server import serve_in_thread

    arrived = threading.Event()
    bodies = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()
            arrived.set()

        def log_message(self, *args):
            pass

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    simulator = make_simulator(ManualClock(1_750_000_000.0))
    server, _, base_url = serve_in_thread(simulator)
    try:
        with SunoClient(base_url=base_url, api_key=API_KEY) as suno:
            hook = f"http://127.0.0.1:{receiver.server_address[1]}/hooks/1/"
            submission = suno.generate_custom(
                lyrics=LYRICS, tags="folk", title="x", mv="chirp-auk", notify_hook=hook
            )
            simulator.clock.advance(12)
            assert arrived.wait(10), "the hook was never called"
        assert bodies[0]["task_id"] == submission.task_id
    finally:
        server.shutdown()
        receiver.shutdown()
