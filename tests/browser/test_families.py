"""Song families in the browser: the family page plays each song through the one player and queues the
whole family; A/B switches take 1 and take 2 at the same moment; a stem set's mixer plays its stems in
sync through Web Audio, mutes and solos them (the gains read back from the page's JS), and pauses the
bottom player. The family is written straight into the stack's database with real MP3s (the simulator's
encoder), so no test waits for a generation."""

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

STEMS = ("Vocals", "Drums", "Bass")

# An original (two takes), an extension of take 2, and the stems of take 1, every take archived.
SEED = """
import json
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from songs.models import Clip, Song
from suno.simulator import media
from tests.songs.builders import make_song

owner = get_user_model().objects.get(username={username!r})

def archive(song, seconds, names=()):
    for clip in song.clips.order_by("take"):
        rendered = media.render_clip(f"{{song.pk}}-{{clip.take}}", tags="folk", lyrics="la la la",
                                     duration=seconds, instrumental=bool(names))
        if names:
            clip.title = f"{{song.title}} - {{names[clip.take - 1]}}"
        clip.duration = rendered.duration
        clip.audio_file.save("audio.mp3", ContentFile(media.encode_mp3(rendered.samples)), save=False)
        clip.save()

original = make_song(owner=owner, title="Lantern Family", status="complete")
archive(original, 14)
take1, take2 = original.clips.order_by("take")
extension = make_song(owner=owner, title="Lantern Family, longer", status="complete", kind="extend",
                      parent_clip=take2, family_root=original, continue_at=8.0)
archive(extension, 6)
stems = make_song(owner=owner, title="Lantern Family stems", status="complete", kind="stems_all",
                  parent_clip=take1, family_root=original, clips={stem_count})
archive(stems, 10, names={stems!r})
print(json.dumps({{"original": original.pk, "extension": extension.pk, "stems": stems.pk,
                  "take1": take1.pk, "take2": take2.pk}}))
"""


def seed_family(stack, username: str) -> dict:
    code = SEED.format(username=username, stem_count=len(STEMS), stems=STEMS)
    return json.loads(stack.manage("shell", "-c", code).strip().splitlines()[-1])


def mute_player(page) -> None:
    page.evaluate("document.getElementById('player-audio').muted = true")


PLAYER_CLIP = "document.getElementById('player-audio').dataset.clipId"


def test_the_family_page_plays_each_song_through_the_one_player(page, stack):
    username, password = stack.create_user("family_listener")
    ids = seed_family(stack, username)
    log_in(page, username, password)
    page.goto(f"/songs/{ids['original']}/")
    page.get_by_role("link", name="Family: 3 songs").click()
    expect(page.get_by_role("heading", name="Family of Lantern Family", level=1)).to_be_visible()
    tree = page.locator("#family-tree")
    for label in ("Original", "Extend from 0:08", "Stems of take 1"):
        expect(tree).to_contain_text(label)
    mute_player(page)

    buttons = tree.locator("[data-play]")
    clip_ids = buttons.evaluate_all("bs => bs.map(b => b.dataset.clipId)")
    assert len(clip_ids) == 2 + 2 + len(STEMS)
    for index in (0, 2, 4):  # the original, the extension, a stem: each in the bar at the foot
        buttons.nth(index).click()
        page.wait_for_function(
            f"id => {PLAYER_CLIP} === id && document.getElementById('player-audio').currentTime > 0.2",
            arg=clip_ids[index],
        )
        expect(buttons.nth(index)).to_have_attribute("aria-pressed", "true")
    assert page.locator("audio, video").count() == 1  # the one player's, no other

    page.get_by_role("button", name="Play the family").click()
    page.wait_for_function(f"id => {PLAYER_CLIP} === id", arg=clip_ids[0])
    assert page.evaluate("StudioPlayer.queue()") == clip_ids  # every take, in the tree's order


def test_ab_switches_takes_at_the_same_moment_and_keeps_one(page, stack):
    username, password = stack.create_user("family_ab")
    ids = seed_family(stack, username)
    log_in(page, username, password)
    page.goto(f"/songs/{ids['original']}/")
    toggle = page.get_by_role("button", name="A/B", exact=False).first
    expect(toggle).to_have_attribute("aria-pressed", "false")
    page.get_by_role("button", name="Play take 1", exact=True).click()
    mute_player(page)
    page.wait_for_function("document.getElementById('player-audio').currentTime > 3")

    def switch(press, to: str) -> None:
        at = page.evaluate("document.getElementById('player-audio').currentTime")
        press()
        # Not restarted: soon (well before a restart could play up to there) it is playing `to` within half
        # a second of where the other take was.
        page.wait_for_function(
            "([id, at]) => { const a = document.getElementById('player-audio');"
            " return a.dataset.clipId === id && !a.paused && !a.seeking"
            " && Math.abs(a.currentTime - at) < 0.5; }",
            arg=[to, at],
            timeout=2_000,
        )

    switch(toggle.click, str(ids["take2"]))
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-ab-now]")).to_have_text("B: take 2")
    page.locator("h1").first.click()  # focus on the page, not in a field
    switch(lambda: page.keyboard.press("b"), str(ids["take1"]))
    expect(toggle).to_have_attribute("aria-pressed", "false")

    page.get_by_role("button", name="Keep take 2").click()
    expect(page.get_by_role("button", name="Keep take 2")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#clip-{ids['take2']} .kept-badge")).to_have_text("Kept")


GAINS = "StudioMixer.gains()"


def test_the_mixer_plays_stems_in_sync_mutes_solos_and_pauses_the_player(page, stack):
    username, password = stack.create_user("family_mixer")
    ids = seed_family(stack, username)
    log_in(page, username, password)
    page.goto(f"/songs/{ids['stems']}/family/")
    mute_player(page)
    page.locator("#family-tree [data-play]").first.click()
    page.wait_for_function("!document.getElementById('player-audio').paused")
    page.locator("#family-tree").get_by_role("link", name="Lantern Family stems").click()  # boosted
    expect(page.get_by_role("heading", name="Stems", level=2)).to_be_visible()
    assert page.locator(".clip-card, .steps, .create-persona").count() == 0
    expect(page.get_by_role("button", name="Download all stems (.zip)")).to_be_visible()

    page.wait_for_function("!!window.StudioMixer")  # its script arrived with the boosted page
    page.get_by_role("button", name="Play the stems").click()
    page.wait_for_function("StudioMixer.isPlaying() && StudioMixer.positions().every(t => t > 1)")
    assert page.evaluate("document.getElementById('player-audio').paused")  # only one thing plays
    assert page.evaluate("StudioMixer.hasContext()")  # through Web Audio

    def in_sync() -> None:
        positions = page.evaluate("StudioMixer.positions()")
        assert len(positions) == len(STEMS) and max(positions) - min(positions) < 0.1, positions

    in_sync()
    assert page.evaluate(GAINS) == dict.fromkeys(STEMS, 1)
    mute = page.get_by_role("button", name="Mute Drums")
    mute.click()
    expect(mute).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(GAINS) == {"Vocals": 1, "Drums": 0, "Bass": 1}
    page.get_by_role("button", name="Solo Vocals").click()
    assert page.evaluate(GAINS) == {"Vocals": 1, "Drums": 0, "Bass": 0}
    mute.click()  # unmuted, but Vocals is soloed: still silent
    assert page.evaluate(GAINS) == {"Vocals": 1, "Drums": 0, "Bass": 0}
    page.get_by_role("button", name="Solo Vocals").click()
    page.get_by_label("Volume of Bass").fill("0.5")
    assert page.evaluate(GAINS) == {"Vocals": 1, "Drums": 1, "Bass": 0.5}
    in_sync()

    # The bottom player starts again: the mix stops.
    page.evaluate("document.getElementById('player-audio').play()")
    page.wait_for_function("!StudioMixer.isPlaying()")
