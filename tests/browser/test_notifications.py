"""A creator hears that a song is done without watching it: the bell counts up, and a browser notification
fires when the tab is in the background. The browser's Notification API is the edge: an init script stands
in for it (and for the tab's visibility), recording what the page asks of it."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FAKE_NOTIFICATIONS = """
(() => {
  window.__shown = [];
  window.__asked = 0;
  window.__hidden = false;
  Object.defineProperty(Document.prototype, 'hidden',
                        {configurable: true, get() { return window.__hidden; }});
  class FakeNotification {
    constructor(title, options) { window.__shown.push({title, body: options && options.body}); }
    close() {}
  }
  FakeNotification.permission = 'default';
  FakeNotification.requestPermission = () => { window.__asked++; FakeNotification.permission = 'granted';
                                               return Promise.resolve('granted'); };
  window.Notification = FakeNotification;
})();
"""


def test_the_bell_counts_up_and_a_background_tab_is_notified(page, stack):
    page.context.add_init_script(FAKE_NOTIFICATIONS)
    log_in(page, *stack.create_user("bell-listener"))
    bell = page.locator("#notification-bell")
    expect(bell.locator("summary")).to_have_attribute("aria-label", "Notifications")  # filled in, nothing new
    assert page.evaluate("window.__asked") == 0  # never asked on page load

    # From Explore: there (unlike beside the Library's side panel) New song opens the create page.
    page.get_by_role("link", name="Explore").first.click()
    expect(page.get_by_role("heading", name="Explore", level=1)).to_be_visible()
    page.get_by_role("button", name="New song").first.click()
    expect(page.get_by_role("heading", name="New song", level=1)).to_be_visible()
    assert page.evaluate("window.__asked") == 0
    page.get_by_label("Title").fill("Harbour Lights")
    page.get_by_role("textbox", name="Lyrics").fill("[Verse]\nHarbour lights are shining bright")
    page.get_by_label("Style tags").fill("dreamy synth-pop")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("heading", name="Harbour Lights")).to_be_visible()
    assert page.evaluate("window.__asked") == 1  # asked on the first Generate

    page.evaluate("window.__hidden = true")  # the creator switched to another tab
    expect(bell.locator(".bell-count")).to_have_text("1", timeout=60_000)
    expect(bell.locator("summary")).to_have_attribute("aria-label", "Notifications: 1 unread")
    page.wait_for_function("window.__shown.length === 1")
    assert page.evaluate("window.__shown[0].body") == "“Harbour Lights” is ready"

    bell.locator("summary").click()
    expect(bell.get_by_role("link", name="“Harbour Lights” is ready")).to_be_visible()
    bell.get_by_role("button", name="Mark all as read").click()
    expect(bell.locator(".bell-count")).to_have_count(0)
