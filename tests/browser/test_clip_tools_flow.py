"""Clip tools end to end on the real stack: lyrics from an idea, extend from the player's position, the
whole song, stems, WAV, video and karaoke seeking; then an upload extended from a second mark."""

import io
import re
import wave

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LONG = 90_000


def wait_complete(page, count: int) -> None:
    cards = page.locator(".clip-card")
    expect(cards).to_have_count(count)
    for index in range(count):
        expect(cards.nth(index).locator(".status-badge")).to_have_text("Complete", timeout=LONG)


def test_lyrics_extend_whole_song_stems_wav_video_and_karaoke(page, stack):
    log_in(page, *stack.create_user("toolsmith"))

    # Profile: the creator's default version preselects the create form.
    page.goto("/songs/profile/")
    page.get_by_label("Default model version").select_option("chirp-bluejay")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()

    page.goto("/songs/new/")
    expect(page.get_by_label("Model version")).to_have_value("chirp-bluejay")
    page.get_by_label("Style tags").fill("dreamy synth-pop, female vocals")
    page.get_by_label("Stuck for words?").fill("a lighthouse keeper's last night")
    page.get_by_role("button", name="Write lyrics").click()
    # A bound, not a sleep: on a busy CI machine the tools loop can wait for a free worker.
    expect(page.locator("#lyrics-draft")).to_have_attribute("data-state", "complete", timeout=90_000)
    lyrics = page.locator("textarea[name=lyrics]")
    expect(lyrics).to_have_value(re.compile(r"\[Verse\]"))
    expect(page.get_by_label("Title")).not_to_have_value("")
    expect(page.get_by_label("Style tags")).to_have_value("dreamy synth-pop, female vocals")  # kept
    page.get_by_label("Model version").select_option("chirp-auk")
    page.get_by_role("button", name="Generate").click()
    wait_complete(page, 2)

    # Extend the first take from the player's position.
    page.get_by_role("button", name="Extend, stems, WAV, video, lyrics").first.click()
    expect(page.get_by_role("heading", name="Extend")).to_be_visible()
    # The clip page's play button loads the take into the studio's one player; pause it at 9.5 s.
    page.evaluate("document.getElementById('player-audio').muted = true")
    page.locator(".clip-listen [data-play]").click()
    page.wait_for_function("document.getElementById('player-audio').readyState >= 1")
    page.evaluate(
        """() => { const p = document.getElementById('player-audio'); p.pause(); p.currentTime = 9.5; }"""
    )
    page.get_by_role("button", name="Use player position").click()
    expect(page.get_by_label("Continue from (seconds)")).to_have_value("9.50")
    page.get_by_label("Lyrics for the continuation").fill(
        "[Verse]\nThe light goes out at dawn\n[Chorus]\nSail on"
    )
    page.get_by_role("button", name="Extend from here").click()
    expect(page.locator(".song-chain")).to_contain_text("Extension")
    wait_complete(page, 2)

    # Whole song from the end of the chain.
    page.get_by_role("button", name="Get whole song").first.click()
    expect(page.locator(".song-chain")).to_contain_text("Whole song (master)")
    wait_complete(page, 1)
    chain = page.locator(".song-chain li")
    expect(chain).to_have_count(3)
    expect(chain.nth(0)).to_contain_text("Original")
    expect(chain.nth(2)).to_contain_text("Whole song (master)")

    # On the master: stems, WAV, video and synced lyrics.
    page.get_by_role("button", name="Extend, stems, WAV, video, lyrics").first.click()
    page.get_by_role("button", name="Vocals + instrumental").click()
    stems = page.locator(".stem-list .stem-row")  # compact rows: no progress steps, no Create persona
    expect(stems).to_have_count(2)
    for index in range(2):
        expect(stems.nth(index).get_by_role("link", name="Download MP3")).to_be_visible(timeout=LONG)
    expect(page.locator(".stem-list")).to_contain_text("Vocals")
    expect(page.locator(".stem-list .steps, .stem-list .create-persona")).to_have_count(0)

    page.get_by_role("button", name="Get WAV").click()
    expect(page.get_by_role("button", name="Download WAV")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Make video").click()
    expect(page.locator("video.clip-video")).to_be_attached(timeout=30_000)
    page.wait_for_function("document.querySelector('video.clip-video').readyState >= 1")

    page.get_by_role("button", name="Show synced lyrics").click()
    lines = page.locator(".karaoke-line")
    expect(lines.first).to_be_visible(timeout=30_000)
    assert lines.count() >= 3
    target = lines.nth(2)
    start = float(target.get_attribute("data-start"))
    page.evaluate("document.getElementById('player-audio').muted = true")
    target.click()
    page.wait_for_function(
        "([s]) => Math.abs(document.getElementById('player-audio').currentTime - s) < 1.5", arg=[start]
    )
    expect(target).to_have_class(re.compile(r"is-current"))
    lrc = page.get_by_role("link", name="Download .lrc")
    with page.expect_download() as download:
        lrc.click()
    assert download.value.suggested_filename.endswith(".lrc")


def wav_file(seconds: float = 8.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(22050)
        out.writeframes(b"\x10\x00\xf0\xff" * int(22050 * seconds / 2))
    return buffer.getvalue()


def test_upload_and_extend_it(page, stack):
    log_in(page, *stack.create_user("uploader"))
    page.goto("/songs/upload/")
    page.get_by_label("Audio file").set_input_files(
        {"name": "notes.txt", "mimeType": "audio/mpeg", "buffer": b"not audio at all" * 10}
    )
    page.get_by_label("Title").fill("Garage demo")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("look like an audio file")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Garage demo")

    page.get_by_label("Audio file").set_input_files(
        {"name": "demo.wav", "mimeType": "audio/wav", "buffer": wav_file()}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Garage demo")).to_be_visible()
    wait_complete(page, 1)
    page.get_by_role("button", name="Extend this upload").click()
    page.get_by_label("Continue from (seconds)").fill("6")
    page.get_by_label("Lyrics for the continuation").fill("[Verse]\nThen the drums come in")
    page.get_by_label("Style tags").fill("garage rock")
    page.get_by_role("button", name="Extend from here").click()
    expect(page.locator(".song-chain")).to_contain_text("Upload")
    wait_complete(page, 2)
