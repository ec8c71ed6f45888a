"""The studio's one player: it keeps playing through navigation (the same <audio>, never a second one), takes
a queue, answers the keyboard and the Media Session, and the clip page's waveform drives it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LONG = 90_000

# Media Session handlers, captured as the page registers them, so the test can press "media keys".
CAPTURE_MEDIA_SESSION = """
window.__mediaHandlers = {};
if (navigator.mediaSession) {
  const register = navigator.mediaSession.setActionHandler.bind(navigator.mediaSession);
  navigator.mediaSession.setActionHandler = (action, handler) => {
    window.__mediaHandlers[action] = handler;
    register(action, handler);
  };
}
"""

# Every <audio>/<video> in the document that is playing right now.
PLAYING = """() => [...document.querySelectorAll('audio, video')]
  .filter(m => !m.paused && !m.ended)
  .map(m => ({id: m.id, marker: m.dataset.marker || '', clip: m.dataset.clipId, time: m.currentTime}))"""


def player_time(page) -> float:
    return page.evaluate("document.getElementById('player-audio').currentTime")


def assert_still_playing(page, since: float) -> float:
    """The one player's <audio> (the element marked at the start), alone, and further on than `since`."""
    page.wait_for_function(
        "t => { const a = document.getElementById('player-audio');"
        " return !a.paused && a.currentTime > t + 0.2; }",
        arg=since,
    )
    playing = page.evaluate(PLAYING)
    assert len(playing) == 1, playing
    assert playing[0]["id"] == "player-audio" and playing[0]["marker"] == "the-one-player", playing
    assert page.locator("audio, video").count() == 1  # no page keeps an <audio> of its own
    return playing[0]["time"]


def make_song(page, title: str) -> None:
    page.get_by_role("button", name="New song").first.click()
    expect(page.get_by_role("heading", name="New song")).to_be_visible()  # a boosted navigation: wait for it
    page.get_by_label("Title").fill(title)
    page.get_by_role("textbox", name="Lyrics").fill(
        "[Verse]\nLanterns on the water\n[Chorus]\nCarry me home\n[Verse]\nSlow river, slow"
    )
    page.get_by_label("Style tags").fill("folk, warm")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()


def test_one_player_through_navigation_queue_keys_and_media_session(page, stack):
    page.add_init_script(CAPTURE_MEDIA_SESSION)
    log_in(page, *stack.create_user("listener1"))
    make_song(page, "Lantern River")
    message = page.locator("[data-message~=while-generating]")
    expect(message).to_be_visible()
    cards = page.locator(".clip-card")
    expect(cards).to_have_count(2)

    # A take plays as soon as it streams, in the bar at the foot of the page.
    take_one = cards.nth(0).get_by_role("button", name="Play take 1")
    expect(take_one).to_be_visible(timeout=30_000)
    expect(cards.nth(0).locator(".status-badge")).not_to_have_text("Complete")
    page.evaluate(
        """() => { const a = document.getElementById('player-audio'); a.muted = true;
                   a.dataset.marker = 'the-one-player'; window.restarts = 0;
                   a.addEventListener('emptied', () => window.restarts++); }"""
    )
    take_one.click()
    expect(page.locator("#player")).to_be_visible()
    expect(take_one).to_have_attribute("aria-pressed", "true")
    started = assert_still_playing(page, 0)

    # The cards refresh every 2 s until both takes are done: the music carries on, position and all, and
    # the refreshed card's button still shows it is the one playing.
    for index in range(2):
        expect(cards.nth(index).locator(".status-badge")).to_have_text("Complete", timeout=LONG)
    expect(cards.nth(0).locator(".steps")).to_have_count(0)  # finished takes show no progress steps
    expect(message).to_have_count(0)  # "Generating…" goes once both takes are done
    started = assert_still_playing(page, started)
    assert page.evaluate("window.restarts") == 0
    expect(cards.nth(0).get_by_role("button", name="Play take 1")).to_have_attribute("aria-pressed", "true")

    # Make it public (a boosted form), browse to Explore and to its public page: still the same audio.
    page.get_by_role("button", name="Make public").click()
    expect(page.get_by_role("button", name="Make private")).to_be_visible()
    started = assert_still_playing(page, started)
    page.get_by_role("link", name="Explore", exact=True).first.click()
    expect(page.get_by_role("heading", name="Explore", level=1)).to_be_visible()
    expect(page).to_have_title(re.compile("Explore"))
    expect(page.locator(".site-header a[aria-current=page]")).to_have_text("Explore")
    page.wait_for_function("document.activeElement && document.activeElement.tagName === 'H1'")
    started = assert_still_playing(page, started)
    page.locator(".explore-card").get_by_role("link", name="Lantern River").click()
    expect(page.get_by_role("heading", name="Lantern River", level=1)).to_be_visible()
    started = assert_still_playing(page, started)

    # Back, and back again: the song page, still the same audio.
    page.go_back()
    expect(page.get_by_role("heading", name="Explore", level=1)).to_be_visible()
    page.go_back()
    expect(page.get_by_role("heading", name="Lantern River", level=1)).to_be_visible()
    expect(page).to_have_title(re.compile("Lantern River"))
    started = assert_still_playing(page, started)

    # Play next: take 2 goes after the one playing; "n" goes to it, "p" back to take 1.
    clip_ids = page.locator(".clip-card [data-play]").evaluate_all("bs => bs.map(b => b.dataset.clipId)")
    page.locator(".clip-card").nth(1).get_by_role("button", name=re.compile("Play next")).click()
    assert page.evaluate("StudioPlayer.queue()") == [clip_ids[0], clip_ids[1]]
    page.locator("h1").first.click()  # focus on the page, not in a field or on a button
    page.keyboard.press("n")
    page.wait_for_function(
        "id => document.getElementById('player-audio').dataset.clipId === id", arg=clip_ids[1]
    )
    expect(page.locator("#player .player-title")).to_have_text("Lantern River")
    assert_still_playing(page, 0)
    expect(cards.nth(1).get_by_role("button", name="Play take 2")).to_have_attribute("aria-pressed", "true")
    expect(cards.nth(0).get_by_role("button", name="Play take 1")).to_have_attribute("aria-pressed", "false")

    # Keyboard: space pauses and plays, → seeks 5 s on.
    page.keyboard.press(" ")
    page.wait_for_function("document.getElementById('player-audio').paused")
    before = player_time(page)
    page.keyboard.press("ArrowRight")
    page.wait_for_function("t => document.getElementById('player-audio').currentTime >= t + 4.9", arg=before)
    page.keyboard.press(" ")
    assert_still_playing(page, 0)
    # Media Session: the metadata and every handler, pressed as a headset or lock screen would.
    session = page.evaluate(
        """() => ({title: navigator.mediaSession.metadata && navigator.mediaSession.metadata.title,
                   actions: Object.keys(window.__mediaHandlers).sort()})"""
    )
    assert session["title"] == "Lantern River"
    assert session["actions"] == sorted(
        ["play", "pause", "seekbackward", "seekforward", "seekto", "previoustrack", "nexttrack"]
    )
    page.evaluate("window.__mediaHandlers.pause({action: 'pause'})")
    page.wait_for_function("document.getElementById('player-audio').paused")
    assert page.evaluate("navigator.mediaSession.playbackState") == "paused"
    page.evaluate("window.__mediaHandlers.seekto({action: 'seekto', seekTime: 3})")
    page.wait_for_function("Math.abs(document.getElementById('player-audio').currentTime - 3) < 0.5")
    page.evaluate("window.__mediaHandlers.play({action: 'play'})")
    assert_still_playing(page, 2)
    page.evaluate("window.__mediaHandlers.previoustrack({action: 'previoustrack'})")  # 3 s in: restarts
    page.wait_for_function("document.getElementById('player-audio').currentTime < 2.5")
    page.evaluate("window.__mediaHandlers.previoustrack({action: 'previoustrack'})")
    page.wait_for_function(
        "id => document.getElementById('player-audio').dataset.clipId === id", arg=clip_ids[0]
    )
    page.evaluate("window.__mediaHandlers.nexttrack({action: 'nexttrack'})")
    page.wait_for_function(
        "id => document.getElementById('player-audio').dataset.clipId === id", arg=clip_ids[1]
    )
    page.evaluate("window.__mediaHandlers.seekforward({action: 'seekforward', seekOffset: 4})")
    started = assert_still_playing(page, 3.5)

    # A missing page shows the 404 page (htmx swaps no error page by default), and the music goes on. The
    # stack runs with DEBUG: its 404 is Django's technical page, so answer with the studio's own, and keep
    # django-htmx's DEBUG-only script from putting the error page over the whole document (as production).
    page.evaluate(
        "window.addEventListener('htmx:beforeOnLoad',"
        " e => { if (e.detail.boosted) e.stopPropagation(); }, true)"
    )
    not_found = stack.manage(
        "shell", "-c", "from django.template.loader import render_to_string as r; print(r('404.html'))"
    )
    page.route(
        "**/songs/999999/", lambda route: route.fulfill(status=404, body=not_found, content_type="text/html")
    )
    not_found = not_found[not_found.index("<!doctype") :]  # the shell's own notes come first
    assert 'id="player"' in not_found
    page.evaluate("document.getElementById('player-audio').currentTime = 0.5")  # far from the take's end
    follow(page, "/songs/999999/")
    expect(page.get_by_role("heading", name="Nothing here")).to_be_visible()
    started = assert_still_playing(page, 0.5)
    # The player's title leads back to the song, boosted like every link.
    page.locator("#player .player-title").click()
    expect(page.get_by_role("heading", name="Lantern River", level=1)).to_be_visible()
    assert_still_playing(page, started)

    # Play all: the song's takes, from the first.
    page.get_by_role("button", name="Play all takes").click()
    page.wait_for_function(
        "id => document.getElementById('player-audio').dataset.clipId === id", arg=clip_ids[0]
    )
    assert page.evaluate("StudioPlayer.queue()") == clip_ids
    assert_still_playing(page, 0)

    # A public page's button carries its play-count URL: the player posts it on the first play.
    follow(page, page.locator(".share-link a").get_attribute("href"))
    # The song page has the same heading: wait for the public page's address before touching its buttons.
    expect(page).to_have_url(re.compile(r"/listen/\d+/$"))
    expect(page.get_by_role("heading", name="Lantern River", level=1)).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith(f"/clips/{clip_ids[1]}/play/")) as counted:
        page.get_by_role("button", name="Play take 2").click()
    assert counted.value.request.method == "POST" and counted.value.ok
    started = assert_still_playing(page, 0)

    # The Library's rows hand their takes to the same player; away to Explore and back, it plays on.
    page.locator(".site-header").get_by_role("link", name="Library").click()
    rows = page.locator("#library-songs")
    expect(rows).to_be_visible()
    rows.locator(f'[data-play][data-clip-id="{clip_ids[0]}"]').click()
    page.wait_for_function(
        "id => document.getElementById('player-audio').dataset.clipId === id", arg=clip_ids[0]
    )
    started = assert_still_playing(page, 0)
    page.locator(".site-header").get_by_role("link", name="Explore").click()
    expect(page.get_by_role("heading", name="Explore", level=1)).to_be_visible()
    started = assert_still_playing(page, started)
    page.go_back()
    expect(rows).to_be_visible()
    expect(rows.locator(f'[data-play][data-clip-id="{clip_ids[0]}"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    assert_still_playing(page, started)


def test_waveform_seeks_the_player_and_marks_the_extend_point(page, stack):
    log_in(page, *stack.create_user("listener2"))
    make_song(page, "Waveform Hill")
    cards = page.locator(".clip-card")
    expect(cards.nth(0).get_by_role("link", name="Download MP3")).to_be_visible(
        timeout=LONG
    )  # archived, peaks
    page.get_by_role("button", name="Extend, stems, WAV, video, lyrics").first.click()
    expect(page.get_by_role("heading", name="Extend")).to_be_visible()
    waveform = page.locator(".waveform.has-waveform")
    expect(waveform).to_be_visible()
    expect(page.locator(".waveform canvas").first).to_be_attached()  # drawn from the stored peaks
    page.evaluate("document.getElementById('player-audio').muted = true")
    duration = float(waveform.get_attribute("data-duration"))

    # The player is on nothing yet: a click on the waveform plays this take from there.
    box = waveform.locator(".waveform-canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "d => { const a = document.getElementById('player-audio');"
        " return !a.paused && Math.abs(a.currentTime - d / 2) < 2; }",
        arg=duration,
    )
    # Now it is this take's: a click seeks the one player.
    page.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "d => Math.abs(document.getElementById('player-audio').currentTime - d * 0.2) < 1.5", arg=duration
    )
    assert page.locator("audio, video").count() == 1

    # The marker starts near the end of the take; dragged to a third, it fills the extend form's field.
    field = page.get_by_label("Continue from (seconds)")
    marker = page.locator(".waveform [part~=marker]")
    expect(marker).to_be_attached()
    marker_box = marker.bounding_box()
    assert marker_box["x"] > box["x"] + box["width"] * 0.9, (marker_box, box)
    page.mouse.move(marker_box["x"] + 1, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2, steps=12)
    page.mouse.move(box["x"] + box["width"] / 3, box["y"] + box["height"] / 2, steps=12)
    page.mouse.up()
    expect(field).not_to_have_value("")
    marked = float(field.input_value())
    assert abs(marked - duration / 3) < duration * 0.06, (marked, duration)

    # Typed, the marker follows; "Use player position" takes the one player's time.
    field.fill("4")
    page.wait_for_function(
        "d => { const host = document.querySelector('.waveform-canvas > div');"
        " const m = host.shadowRoot.querySelector('[part~=marker]');"
        " return Math.abs(parseFloat(m.style.left) - 400 / d) < 1; }",
        arg=duration,
    )
    page.evaluate("document.getElementById('player-audio').currentTime = 7.25")
    page.wait_for_function("document.getElementById('player-audio').currentTime >= 7.25")
    page.get_by_role("button", name="Use player position").click()
    assert 7.2 <= float(field.input_value()) < 9

    # Only one thing ever plays: the video pauses the player, and the player pauses the video.
    page.get_by_role("button", name="Make video").click()
    video = page.locator("video.clip-video")
    expect(video).to_be_attached(timeout=LONG)
    page.wait_for_function("document.querySelector('video.clip-video').readyState >= 1")
    page.evaluate(
        "() => { const v = document.querySelector('video.clip-video'); v.muted = true; return v.play(); }"
    )
    page.wait_for_function("document.getElementById('player-audio').paused")
    page.locator(".clip-listen [data-play]").click()
    page.wait_for_function("document.querySelector('video.clip-video').paused")
    playing = page.evaluate(PLAYING)
    assert [m["id"] for m in playing] == ["player-audio"], playing


def follow(page, url: str) -> None:
    """A link the page doesn't have, followed as the page's own links are (boosted)."""
    page.evaluate(
        """url => { const a = document.createElement('a'); a.href = url; a.textContent = 'go';
                    document.getElementById('main').appendChild(a); htmx.process(a); a.click(); }""",
        url,
    )
