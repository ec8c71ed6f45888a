"""Creator A shares a song, listener B reports it, a moderator hides it from the admin: the public page
is gone and A sees why."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import create_moderator, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_publish_report_hide_and_the_owner_sees_the_reason(page, browser, stack):
    log_in(page, *stack.create_user("creator_a"))
    page.goto("/songs/new/")
    page.get_by_label("Title").fill("Lighthouse Song")
    page.get_by_role("textbox", name="Lyrics").fill("[Verse]\nThe lighthouse blinks\n[Chorus]\nCome home")
    page.get_by_label("Style tags").fill("folk, warm")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("heading", name="Lighthouse Song")).to_be_visible()
    # Archived takes are what public pages serve: wait for the download link, then reload for the panel.
    expect(page.get_by_role("link", name="Download MP3").first).to_be_visible(timeout=90_000)
    page.reload()
    page.get_by_role("button", name="Make public").click()
    expect(page.get_by_text("Your song is public")).to_be_visible()
    share_url = page.locator(".share-link a").get_attribute("href")
    song_url = page.url

    listener = browser.new_context(base_url=stack.base_url)
    listener_page = listener.new_page()
    log_in(listener_page, *stack.create_user("listener_b"))
    listener_page.goto(share_url)
    expect(listener_page.get_by_role("heading", name="Lighthouse Song")).to_be_visible()
    expect(listener_page.locator(".creator-name")).to_have_text("creator_a")
    listener_page.get_by_text("Report this song").click()
    listener_page.get_by_label("Spam or misleading").check()
    listener_page.get_by_label("Details").fill("Posted the same song many times")
    listener_page.get_by_role("button", name="Send report").click()
    expect(listener_page.get_by_text("A moderator will review it")).to_be_visible()
    listener.close()

    moderator = browser.new_context(base_url=stack.base_url)
    admin = moderator.new_page()
    username, password = create_moderator(stack, "moderator_m")
    admin.goto("/admin/login/?next=/admin/moderation/report/")
    admin.locator("#id_username").fill(username)
    admin.locator("#id_password").fill(password)
    admin.get_by_role("button", name="Log in").click()
    row = admin.locator("#result_list tbody tr", has_text="Lighthouse Song")
    expect(row).to_have_count(1)
    row.locator("input.action-select").check()
    admin.locator("select[name=action]").select_option("hide_selected")
    admin.locator("input[name=reason]").fill("Repeated uploads of the same track")
    admin.get_by_role("button", name="Go").click()
    expect(admin.locator(".messagelist")).to_contain_text("Hid 1")
    moderator.close()

    visitor = browser.new_context(base_url=stack.base_url)
    visitor_page = visitor.new_page()
    response = visitor_page.goto(share_url)
    assert response.status == 404
    visitor_page.goto("/explore/")
    expect(visitor_page.get_by_text("Lighthouse Song")).to_have_count(0)
    visitor.close()

    page.goto(song_url)
    expect(page.locator(".hidden-notice").first).to_contain_text("Repeated uploads of the same track")
    expect(page.get_by_role("button", name="Make public")).to_have_count(0)
    assert re.search(r"/songs/\d+/$", song_url)
