"""A creator captures a persona from a finished take, finds it in the library and sings a new song with it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LYRICS = "[Verse]\nHarbour lights are shining bright\n[Chorus]\nSail away with me tonight"


def make_song(page, title: str) -> None:
    page.get_by_label("Title").fill(title)
    page.get_by_role("textbox", name="Lyrics").fill(LYRICS)
    page.get_by_label("Style tags").fill("dreamy synth-pop, female vocals")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    cards = page.locator(".clip-card")
    expect(cards).to_have_count(2)
    for index in range(2):
        expect(cards.nth(index).locator(".status-badge")).to_have_text("Complete", timeout=60_000)


def test_create_persona_then_a_new_song_with_it(page, stack):
    log_in(page, *stack.create_user("voicemaker"))
    page.goto("/songs/new/")
    make_song(page, "Harbour Lights")

    # Capture the first take's voice.
    page.locator(".clip-card").first.get_by_role("link", name="Create persona").click()
    expect(page.get_by_role("heading", name="Create a persona")).to_be_visible()
    page.get_by_label("Name").fill("Harbour voice")
    page.get_by_label("Description").fill("airy, bright, a little wistful")
    page.get_by_role("button", name="Create persona").click()

    # The library shows it at once; its card refreshes itself until the upstream has made it.
    expect(page).to_have_url(re.compile(r"/personas/"))
    card = page.locator(".persona-card", has=page.get_by_role("heading", name="Harbour voice"))
    expect(card).to_be_visible()
    new_song = card.get_by_role("button", name="New song with this persona")  # a link styled as a button
    expect(new_song).to_be_visible(timeout=30_000)
    expect(card.locator("[hx-trigger]")).to_have_count(0)  # done: no timer left
    expect(card).to_contain_text("Used in 0 songs")

    # Reuse it: the form comes with the persona picked and only the versions that take one.
    new_song.click()
    expect(page.get_by_label("Persona")).to_have_value(re.compile(r"\d+"))
    expect(page.locator(".persona-models-help")).to_contain_text("With a persona")
    options = page.get_by_label("Model version").locator("option")
    expect(options).to_have_count(3)
    make_song(page, "Second Tide")
    expect(page.locator(".song-persona")).to_have_text("Harbour voice")

    page.get_by_role("link", name="Personas").first.click()
    expect(card).to_contain_text("Used in 1 song")
    card.get_by_text("Songs made with it").click()
    expect(card.get_by_role("link", name="Second Tide")).to_be_visible()
