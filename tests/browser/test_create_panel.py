"""The create form beside the Library on a wide screen: Generate adds the song's row at the top without a
page load, the draft comes back after navigating away; on a phone, Generate stays in reach."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_generate_from_the_side_panel_and_the_draft_survives_navigation(page, stack):
    username, password = stack.create_user("panelist")
    log_in(page, username, password)
    page.goto("/songs/")
    panel = page.locator("[data-create-panel]")
    expect(panel.get_by_role("heading", name="New song")).to_be_visible()
    page.evaluate("window.__samePage = true")  # gone if the page reloads

    panel.get_by_label("Title").fill("Panel Song")
    panel.get_by_role("textbox", name="Lyrics").fill("[Verse]\nWritten beside the list")
    panel.get_by_role("textbox", name="Style tags").fill("dream pop")
    panel.get_by_role("button", name="Generate").click()

    first_row = page.locator("#library-songs .song-row").first
    expect(first_row.locator(".song-title")).to_have_text("Panel Song")
    expect(panel.get_by_role("status").filter(has_text="at the top of your list")).to_be_visible()
    assert page.evaluate("window.__samePage === true")
    expect(panel.get_by_label("Title")).to_have_value("Panel Song")  # the creator keeps writing
    expect(panel.get_by_role("button", name="Generate")).to_have_text(
        re.compile(r"^Generate · ")
    )  # not Sending…

    panel.get_by_label("Title").fill("Next idea")
    expect(panel.locator("#draft-status")).to_contain_text("Draft saved", timeout=15_000)
    page.get_by_role("link", name="Explore").first.click()
    expect(page.get_by_role("heading", name="Explore")).to_be_visible()
    page.get_by_role("link", name="Library").first.click()
    expect(panel.get_by_text("Restored your draft from")).to_be_visible()
    expect(panel.get_by_label("Title")).to_have_value("Next idea")

    # Beside the panel, the page's own New song is hidden and the header's brings the panel's title
    # field into focus instead of opening a second copy of the form.
    expect(page.locator(".page-head").get_by_role("button", name="New song")).to_be_hidden()
    page.locator(".site-header").get_by_role("button", name="New song").click()
    expect(panel.get_by_label("Title")).to_be_focused()
    expect(page).to_have_url(re.compile(r"/songs/$"))
    assert page.evaluate("window.__samePage === true")


def test_on_a_phone_the_create_page_keeps_generate_on_screen(browser, stack):
    username, password = stack.create_user("phone-creator")
    context = browser.new_context(base_url=stack.base_url, viewport={"width": 390, "height": 800})
    try:
        page = context.new_page()
        log_in(page, username, password)
        page.goto("/songs/")
        expect(page.locator("[data-create-panel] form")).to_have_count(0)  # no side panel on a phone
        page.goto("/songs/new/")
        generate = page.get_by_role("button", name="Generate")
        expect(generate).to_be_in_viewport()  # without scrolling past every field
        page.get_by_label("Title").focus()
        page.mouse.wheel(0, 600)
        expect(generate).to_be_in_viewport()
    finally:
        context.close()
