"""The model table (docs/upstream.md §2): the newest versions are there, accepted, and flagged unconfirmed."""

from __future__ import annotations

import httpx
import pytest

from suno import versions
from suno.simulator.app import Simulator
from suno.simulator.clock import ManualClock
from suno.simulator.transport import SimulatorTransport

NEWEST = ("chirp-hawk", "chirp-hawk-wild", "chirp-goose")


def test_the_v6_line_has_v5s_limits_and_is_not_confirmed():
    crow = versions.get_version("chirp-crow")
    for mv, label in zip(NEWEST, ("v6", "v6 wild", "v6 mini"), strict=True):
        version = versions.get_version(mv)
        assert version is not None and version.label == label
        assert (version.prompt_max, version.tags_max, version.negative_tags_max, version.description_max) == (
            crow.prompt_max,
            crow.tags_max,
            crow.negative_tags_max,
            crow.description_max,
        )
        assert version.generate and version.extend and not version.persona and not version.deprecated
        assert version.confirmed is False and version.note == "newest; not yet confirmed on ElkAPI"


def test_every_older_version_is_confirmed_and_v5_5_was_already_there():
    older = [v for v in versions.MODEL_VERSIONS if v.mv not in NEWEST]
    assert "chirp-fenix" in {v.mv for v in older}
    assert all(v.confirmed and v.note == "" for v in older)
    assert versions.PERSONA_MODELS == ("chirp-v3-5-tau", "chirp-v4-tau", "chirp-auk")


@pytest.mark.parametrize("mv", NEWEST)
def test_the_simulator_accepts_the_newest_versions(mv):
    clock = ManualClock()
    sim = Simulator(clock=clock)
    with httpx.Client(
        transport=SimulatorTransport(sim), base_url=sim.base_url, headers={"Authorization": "Bearer k"}
    ) as api:
        answer = api.post("/suno/submit/music", json={"mv": mv, "prompt": "[Verse]\nla", "tags": "pop"})
        assert answer.status_code == 200, answer.text
        clock.advance(12.0)
        task = api.get(f"/suno/fetch/{answer.json()['data']}").json()["data"]
    assert task["status"] == "SUCCESS"
    assert {(c["model_name"], c["major_model_version"]) for c in task["data"]} == {(mv, "v6")}
