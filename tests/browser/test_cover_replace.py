"""Cover and replace section on the real stack: a cover of a take comes back as two finished takes; a
section picked by dragging on the waveform (drawn, then moved) fills the form and comes back as two takes."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LONG = 90_000


def finished_song(page, title: str) -> None:
    page.get_by_role("button", name="New song").first.click()
    expect(page.get_by_role("heading", name="New song")).to_be_visible()
    page.get_by_label("Title").fill(title)
    page.get_by_role("textbox", name="Lyrics").fill(
        "[Verse]\nLanterns on the water\n[Chorus]\nCarry me home\n[Verse]\nSlow river, slow"
    )
    page.get_by_label("Style tags").fill("folk, warm")
    page.get_by_role("button", name="Generate").click()
    wait_complete(page, 2)


def wait_complete(page, count: int) -> None:
    cards = page.locator(".clip-card")
    expect(cards).to_have_count(count)
    for index in range(count):
        expect(cards.nth(index).locator(".status-badge")).to_have_text("Complete", timeout=LONG)


def test_cover_a_take(page, stack):
    log_in(page, *stack.create_user("coverer"))
    finished_song(page, "Lantern River")
    page.get_by_role("button", name="Extend, stems, WAV, video, lyrics").first.click()
    form = page.locator("form.cover-form")
    expect(page.get_by_role("heading", name="Make a cover")).to_be_visible()
    form.get_by_label("New style").fill("bossa nova, nylon guitar, soft male vocals")
    form.get_by_label("Title").fill("Lantern River (bossa)")
    form.get_by_role("button", name="Make the cover").click()
    expect(page.get_by_role("heading", name="Lantern River (bossa)")).to_be_visible()
    expect(page.locator(".song-source")).to_contain_text("Cover of Lantern River")
    wait_complete(page, 2)


def test_replace_a_section_dragged_on_the_waveform(page, stack):
    log_in(page, *stack.create_user("replacer"))
    finished_song(page, "Slow River")
    # The waveform is drawn from peaks the worker stores when it archives the take.
    expect(page.locator(".clip-card").first.get_by_role("link", name="Download MP3")).to_be_visible(
        timeout=LONG
    )
    page.get_by_role("button", name="Extend, stems, WAV, video, lyrics").first.click()
    expect(page.get_by_role("heading", name="Replace a section")).to_be_visible()
    waveform = page.locator(".waveform.has-waveform")
    expect(waveform.locator("canvas").first).to_be_attached()
    page.evaluate("document.getElementById('player-audio').muted = true")
    duration = float(waveform.get_attribute("data-duration"))
    start, end = page.get_by_label("Start (seconds)"), page.get_by_label("End (seconds)")

    # A drag across the waveform draws the window and fills both fields.
    box = waveform.locator(".waveform-canvas").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=12)
    page.mouse.up()
    expect(end).not_to_have_value("")
    assert abs(float(start.input_value()) - duration * 0.2) < duration * 0.05
    assert abs(float(end.input_value()) - duration * 0.5) < duration * 0.05
    drawn = start.input_value()
    width = float(end.input_value()) - float(drawn)

    # Dragged from its middle, the window moves and keeps its length; the fields follow.
    page.mouse.move(box["x"] + box["width"] * 0.35, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.45, y, steps=12)
    page.mouse.up()
    expect(start).not_to_have_value(drawn)
    assert abs(float(start.input_value()) - duration * 0.3) < duration * 0.05
    assert abs(float(end.input_value()) - float(start.input_value()) - width) < 0.05
    expect(page.locator(".replace-window-hint")).to_contain_text("Replacing")
    assert (
        page.locator(".waveform-canvas > div").evaluate(
            "host => host.shadowRoot.querySelectorAll('[part~=region]').length"
        )
        >= 1
    )

    lyrics = page.get_by_label("Lyrics, with the part you replace rewritten")
    lyrics.fill("[Verse]\nLanterns on the water\n[Chorus]\nA new light carries me\n[Verse]\nSlow river, slow")
    page.get_by_role("button", name="Replace this section").click()
    expect(page.locator(".song-source")).to_contain_text("Replaced")
    expect(page.locator(".song-source")).to_contain_text("of Slow River")
    wait_complete(page, 2)
