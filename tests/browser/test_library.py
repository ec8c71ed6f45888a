"""A creator with 500 songs finds one by searching, filtering and sorting, trashes and restores songs
through a row's menu, and trashes several at once, all in the browser against the real stack."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SEED = """
import uuid
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from songs.models import Clip, Song

owner = get_user_model().objects.get(username={username!r})
now = timezone.now()
styles = ["synthwave, dreamy", "lofi hip hop", "indie folk, acoustic", "drum and bass", "city pop, 80s"]
songs = [
    Song(owner=owner, idempotency_key=uuid.uuid4(), title=f"Song {{n:03d}}", tags=styles[n % 5],
         lyrics="la la", model_version="chirp-auk", state=Song.State.SUBMITTED,
         created_at=now - timedelta(minutes=500 - n), is_liked=n % 50 == 0, play_count=n % 7)
    for n in range(497)
]
songs += [
    Song(owner=owner, idempotency_key=uuid.uuid4(), title=title, tags=tags, lyrics=lyrics,
         model_version="chirp-auk", state=Song.State.SUBMITTED, created_at=now - timedelta(days=2, minutes=n),
         is_liked=liked, play_count=plays)
    for n, (title, tags, lyrics, liked, plays) in enumerate([
        ("Harbour Lights", "sea shanty, accordion", "Ropes and salt on the quay", True, 900),
        ("Harbour Lights (reprise)", "sea shanty", "Salt again", False, 3),
        ("Midnight Ferry", "ambient", "Across the harbour at night", False, 1),
    ])
]
songs = Song.objects.bulk_create(songs)
Clip.objects.bulk_create(
    Clip(song=song, take=take, title=song.title, status=Clip.Status.COMPLETE, duration=154.3,
         audio_url=f"{base}/cdn1/{{song.pk}}-{{take}}.mp3")
    for song in songs for take in (1, 2)
)
print(Song.objects.filter(owner=owner).count())
"""


def row_titles(page) -> list[str]:
    return page.locator("#library-songs .song-title a").all_inner_texts()


def test_a_library_of_500_songs_searched_filtered_sorted_trashed_and_restored(page, stack):
    username, password = stack.create_user("librarian")
    seeded = stack.manage("shell", "-c", SEED.format(username=username, base=stack.simulator_url))
    assert seeded.strip().endswith("500")
    log_in(page, username, password)
    expect(page.get_by_role("heading", name="Your library")).to_be_visible()
    rows = page.locator("#library-songs .song-row")
    expect(rows).to_have_count(20)
    expect(page.get_by_text("Page 1 of 25")).to_be_visible()
    assert page.locator("main audio").count() == 0  # one player for the studio, none in the list
    expect(page.locator("[data-play-queue] [data-play]")).to_have_count(40)

    # Search: title, style and lyrics, words as prefixes; the URL says what was asked.
    search = page.get_by_role("searchbox")
    search.fill("harb")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=harb"))
    expect(rows).to_have_count(3)
    assert re.search(r"[?&]q=harb", page.url)
    assert set(row_titles(page)) == {"Harbour Lights", "Harbour Lights (reprise)", "Midnight Ferry"}
    expect(search).to_have_value("harb")  # the form keeps what was typed

    # A filter applies as soon as it changes, on top of the search.
    page.get_by_text("Filters").click()
    page.get_by_label("Liked only").check()
    expect(page).to_have_url(re.compile(r"liked=1"))
    expect(rows).to_have_count(1)
    assert row_titles(page) == ["Harbour Lights"]
    assert "liked=1" in page.url and "q=harb" in page.url

    # Sorts: most played, then title, keeping the search.
    page.goto("/songs/?q=harb")
    page.get_by_label("Sort").select_option("plays")
    expect(page).to_have_url(re.compile(r"sort=plays"))
    assert row_titles(page) == ["Harbour Lights", "Harbour Lights (reprise)", "Midnight Ferry"]
    page.get_by_label("Sort").select_option("oldest")
    expect(page).to_have_url(re.compile(r"sort=oldest"))
    assert row_titles(page) == ["Midnight Ferry", "Harbour Lights (reprise)", "Harbour Lights"]
    page.get_by_label("Sort").select_option("title")
    expect(page).to_have_url(re.compile(r"sort=title"))
    assert row_titles(page) == ["Harbour Lights", "Harbour Lights (reprise)", "Midnight Ferry"]
    expect(search).to_have_value("harb")

    # Nothing found says so, with a way back.
    page.goto("/songs/?q=zzzz")
    expect(page.get_by_role("heading", name="No songs match")).to_be_visible()
    page.get_by_role("button", name="Clear search and filters").click()
    expect(rows).to_have_count(20)

    # Pagination keeps the filters: page 2 of the oldest first.
    page.goto("/songs/?sort=oldest")
    page.get_by_role("link", name="Next →").click()
    expect(page.get_by_text("Page 2 of 25")).to_be_visible()
    assert "sort=oldest" in page.url and "page=2" in page.url

    # Trash through a row's menu, then restore from Trash through its menu.
    page.goto("/songs/?q=harbour+lights")
    row = page.locator(".song-row", has=page.get_by_role("link", name="Harbour Lights", exact=True))
    row.locator("summary").click()
    trash = row.get_by_role("button", name="Move to Trash")
    expect(trash).to_be_visible()  # the menu's items load when it opens
    trash.click()
    expect(page.get_by_text("“Harbour Lights” is in Trash.")).to_be_visible()
    page.goto("/songs/?q=harbour")
    expect(page.get_by_role("link", name="Harbour Lights", exact=True)).to_have_count(0)
    page.get_by_role("link", name="Trash").click()
    expect(page.get_by_role("heading", name="Trash")).to_be_visible()
    trashed = page.locator(".song-row", has=page.get_by_role("link", name="Harbour Lights", exact=True))
    trashed.locator("summary").click()
    trashed.get_by_role("button", name="Restore").click()
    expect(page.get_by_text("“Harbour Lights” is back in your")).to_be_visible()
    page.goto("/songs/?q=harbour+lights")
    expect(page.get_by_role("link", name="Harbour Lights", exact=True)).to_be_visible()

    # The menu works from the keyboard: Enter opens it, Escape closes it and gives focus back.
    summary = page.locator(".song-row").first.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator("details.song-menu[open]")).to_have_count(1)
    expect(page.locator("details.song-menu[open]").get_by_role("button", name="Rename")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("details.song-menu[open]")).to_have_count(0)
    expect(summary).to_be_focused()

    # Multi-select: tick two songs, trash them together.
    page.goto("/songs/")
    first_two = row_titles(page)[:2]
    bar = page.locator("[data-bulk-form]")
    expect(bar.get_by_role("button", name="Move to Trash")).to_be_disabled()
    for title in first_two:
        page.get_by_role("checkbox", name=f"Select {title}").check()
    expect(bar.get_by_text("2 selected")).to_be_visible()
    bar.get_by_role("button", name="Move to Trash").click()
    expect(page.get_by_text("Moved 2 songs to Trash.")).to_be_visible()
    for title in first_two:
        expect(page.get_by_role("link", name=title, exact=True)).to_have_count(0)
    expect(page.get_by_text("Page 1 of 25")).to_be_visible()  # 498 songs left

    # Empty trash asks first, then the two are gone for good.
    page.goto("/songs/?trash=1")
    expect(rows).to_have_count(2)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Empty trash").click()
    expect(page.get_by_text("Deleted 2 songs and their files for good.")).to_be_visible()
    expect(page.get_by_role("heading", name="Trash is empty")).to_be_visible()


def test_rename_inline_keeps_a_bad_title_and_saves_a_good_one(page, stack):
    username, password = stack.create_user("renamer")
    stack.manage("shell", "-c", SEED.format(username=username, base=stack.simulator_url))
    log_in(page, username, password)
    page.goto("/songs/?q=midnight")
    row = page.locator(".song-row").first
    row.locator("summary").click()
    row.get_by_role("button", name="Rename").click()
    field = row.get_by_role("textbox", name="New title for Midnight Ferry")
    expect(field).to_be_focused()
    field.fill("   ")
    field.evaluate("el => el.removeAttribute('required')")  # what the server says, not the browser's check
    row.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Give the song a title.")).to_be_visible()
    page.get_by_role("textbox", name="New title for Midnight Ferry").fill("Night Crossing")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="Night Crossing")).to_be_visible()
    expect(page.get_by_text("Renamed.")).to_be_visible()
    page.reload()
    expect(page.get_by_role("link", name="Night Crossing")).to_have_count(0)  # the search was for "midnight"
    page.goto("/songs/?q=night+cross")
    expect(page.get_by_role("link", name="Night Crossing")).to_be_visible()
