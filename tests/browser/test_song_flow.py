"""A creator logs in, creates a song and hears it, without reloading the page."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_create_song_watch_takes_complete_and_play(page, stack):
    log_in(page, *stack.create_user("creator"))
    expect(page.get_by_role("heading", name="Your library")).to_be_visible()

    page.get_by_role("button", name="New song").first.click()
    expect(page.get_by_role("heading", name="New song")).to_be_visible()  # a boosted navigation: wait for it
    page.get_by_label("Title").fill("Harbour Lights")
    page.get_by_role("textbox", name="Lyrics").fill(
        "[Verse]\nHarbour lights are shining bright\n[Chorus]\nSail away with me tonight"
    )
    page.get_by_label("Style tags").fill("dreamy synth-pop, female vocals")
    page.get_by_role("button", name="Generate").click()

    expect(page.get_by_role("heading", name="Harbour Lights")).to_be_visible()
    cards = page.locator(".clip-card")
    expect(cards).to_have_count(2)
    play = cards.first.get_by_role("button", name="Play take 1")
    # The play button appears while the take is still streaming, and we start listening right away, in the
    # studio's one player (the card keeps no <audio> of its own).
    expect(play).to_be_visible(timeout=30_000)
    expect(cards.first.locator(".status-badge")).not_to_have_text("Complete")
    page.evaluate(
        """() => {
            const audio = document.getElementById('player-audio');
            audio.dataset.marker = 'the-same-element';
            window.restarts = 0;
            audio.addEventListener('emptied', () => window.restarts++);
            audio.addEventListener('loadstart', () => window.restarts++);
            audio.muted = true;
        }"""
    )
    play.click()
    page.wait_for_function("document.getElementById('player-audio').currentTime > 0.3")
    started_at = page.evaluate("document.getElementById('player-audio').currentTime")
    page.evaluate("window.restarts = 0")  # the one load of the track is behind us

    # Both cards reach Complete in place, with no reload.
    page.evaluate("window.noReload = true")
    for index in range(2):
        expect(cards.nth(index).locator(".status-badge")).to_have_text("Complete", timeout=60_000)
    expect(cards.nth(0).get_by_role("img")).to_be_visible()
    # A/B and Add to playlist arrive with the last take (out of band), not only after a refresh.
    expect(page.get_by_role("region", name="Compare the takes")).to_be_visible(timeout=10_000)
    expect(page.get_by_role("button", name="Add to playlist")).to_be_visible()
    assert page.evaluate("window.noReload") is True

    state = page.evaluate(
        """() => {
            const audio = document.getElementById('player-audio');
            return {marker: audio.dataset.marker, readyState: audio.readyState, duration: audio.duration,
                    currentTime: audio.currentTime, paused: audio.paused, restarts: window.restarts,
                    elements: document.querySelectorAll('audio').length};
        }"""
    )
    assert state["marker"] == "the-same-element"  # the player's element, never re-created
    assert state["elements"] == 1
    assert state["restarts"] == 0
    assert state["readyState"] >= 2
    assert state["duration"] > 0
    assert not state["paused"]
    assert state["currentTime"] > started_at  # it kept playing through every status refresh
    expect(play).to_have_attribute("aria-pressed", "true")  # the refreshed card knows it is playing

    # The library shows the song with its finished takes; the download link is there once archived.
    expect(cards.nth(0).get_by_role("link", name="Download MP3")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Library").first.click()
    # (the player bar, still playing the take, links to the song by the same name)
    expect(
        page.get_by_role("region", name="Songs").get_by_role("link", name="Harbour Lights")
    ).to_be_visible()
