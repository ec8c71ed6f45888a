"""A creator makes a playlist, adds two songs from the Library's menu, puts them in order with the keyboard,
and Play all plays them in that order through the one player."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

SEED = """
import uuid
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from songs.models import Clip, Song
from suno.simulator import media

owner = get_user_model().objects.get(username={username!r})
rendered = media.render_clip("pl", tags="pop", lyrics="la", duration=2.0, instrumental=True)
mp3 = media.encode_mp3(rendered.samples)
ids = []
for minutes, title in ((10, "Alpha Song"), (5, "Beta Song")):
    song = Song.objects.create(owner=owner, idempotency_key=uuid.uuid4(), title=title, tags="pop",
                               model_version="chirp-auk", state=Song.State.SUBMITTED,
                               created_at=timezone.now() - timedelta(minutes=minutes))
    for take in (1, 2):
        clip = Clip.objects.create(song=song, take=take, title=title, status="complete", duration=2.0)
        clip.audio_file.save("audio.mp3", ContentFile(mp3), save=True)
        if take == 1:
            ids.append(str(clip.pk))
print(",".join(ids))
"""


def add_from_library_menu(page, title: str) -> None:
    page.goto("/songs/")
    row = page.locator(".song-row", has=page.get_by_role("link", name=title, exact=True))
    row.locator("summary").click()
    row.get_by_role("link", name="Add to playlist…").click()
    expect(page.get_by_role("heading", name=f"Add “{title}” to a playlist")).to_be_visible()
    page.get_by_label("Playlist", exact=True).select_option(label="Road trip")
    page.get_by_role("button", name="Add to playlist").click()
    expect(page.get_by_text(f"Added “{title}”, take 1, to “Road trip”.")).to_be_visible()


def test_a_playlist_made_from_the_library_reordered_by_keyboard_plays_in_order(page, stack):
    username, password = stack.create_user("playlister")
    alpha, beta = (
        stack.manage("shell", "-c", SEED.format(username=username)).strip().splitlines()[-1].split(",")
    )
    log_in(page, username, password)
    expect(page.get_by_role("heading", name="Your library")).to_be_visible()

    page.get_by_role("link", name="Playlists").click()
    expect(page.get_by_role("heading", name="Playlists", exact=True)).to_be_visible()
    page.get_by_label("Title", exact=True).fill("Road trip")
    page.get_by_role("button", name="Create playlist").click()
    expect(page.get_by_role("heading", name="Road trip")).to_be_visible()

    add_from_library_menu(page, "Alpha Song")
    add_from_library_menu(page, "Beta Song")

    page.get_by_role("link", name="Playlists").click()
    expect(page.get_by_role("heading", name="Playlists", exact=True)).to_be_visible()
    page.get_by_role("link", name="Road trip").click()
    tracks = page.locator("#playlist-tracks .track-title")
    expect(tracks).to_have_text(["Alpha Song", "Beta Song"])

    # The keyboard: focus Alpha's Move down and press Enter; focus stays on Alpha (now last, so Move up).
    page.get_by_role("button", name="Move down: Alpha Song").focus()
    page.keyboard.press("Enter")
    expect(tracks).to_have_text(["Beta Song", "Alpha Song"])
    expect(page.get_by_role("button", name="Move up: Alpha Song")).to_be_focused()
    expect(page.get_by_role("status").filter(has_text="Moved “Alpha Song” to 2 of 2.")).to_be_attached()
    page.reload()
    expect(tracks).to_have_text(["Beta Song", "Alpha Song"])  # saved, not only moved on the page

    # Play all: the one player gets the list in the playlist's order and goes on to the next by itself.
    page.evaluate("document.getElementById('player-audio').muted = true")
    page.get_by_role("button", name="▶ Play all").click()
    page.wait_for_function("id => document.getElementById('player-audio').dataset.clipId === id", arg=beta)
    assert page.evaluate("window.StudioPlayer.queue()") == [beta, alpha]
    expect(page.locator("#player .player-title")).to_have_text("Beta Song")
    page.wait_for_function("id => document.getElementById('player-audio').dataset.clipId === id", arg=alpha)
    expect(page.locator("#player .player-title")).to_have_text("Alpha Song")
    assert page.locator("audio").count() == 1  # the bar's, and no other
