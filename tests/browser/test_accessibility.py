"""axe-core on every page a creator, a listener or a moderator reaches, in light and dark, at 1280 px and
(for the key pages) at 390 px: no violation of impact serious or critical.

axe is vendored under tests/browser/vendor/axe-core/ (from npm, with its licence) and injected into each
page. The studio's Content-Security-Policy refuses an injected script, so these contexts, and only these,
open with Playwright's bypass_csp; every other browser test keeps the policy and fails on a violation."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, create_moderator, log_in, wait_for_js

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
PHONE, DESKTOP = 390, 1280

# What the stack holds, made once for the module: a creator with two finished songs (one public, one from a
# description), a creator with none, a listener who reported the public song, and a moderator.
SETUP = """
import json, uuid
from django.contrib.auth import get_user_model
from songs import services
User = get_user_model()
creator = User.objects.create_user("axe_creator", password={password!r})
User.objects.create_user("axe_empty", password={password!r})
User.objects.create_user("axe_listener", password={password!r})
custom, _ = services.song_create(owner=creator, idempotency_key=uuid.uuid4(), kind="custom",
    title="Harbour Lights", lyrics="[Verse]\\nThe harbour lights are calling\\n[Chorus]\\nCome home",
    tags="folk, warm, female vocals", model_version="chirp-auk")
described, _ = services.song_create(owner=creator, idempotency_key=uuid.uuid4(), kind="description",
    description="a slow tango about leaving Lisbon at dawn", model_version="chirp-auk")
print(json.dumps({{"custom": custom.pk, "described": described.pk}}))
"""
FINISHED = """
from songs.models import Clip
print(Clip.objects.filter(song_id__in={ids}, status="complete").exclude(audio_file="").count())
"""
PUBLISH_AND_REPORT = """
import json
from django.contrib.auth import get_user_model
from django.utils import timezone
from moderation import services as moderation
from songs import services
from songs.models import Song
from tests.personas.builders import make_persona
from tests.songs.builders import make_song
User = get_user_model()
song = Song.objects.get(pk={custom})
make_song(owner=song.owner, title="Old Demo", status="complete", clips=1, trashed_at=timezone.now())
services.song_publish(song=song)
listener = User.objects.get(username="axe_listener")
report = moderation.report_create(reporter=listener, target=song, reason="copyright", details="My melody")
persona = make_persona(owner=song.owner, name="Velvet tenor", visibility="public")
persona_report = moderation.report_create(reporter=listener, target=persona, reason="offensive",
    details="Impersonates a singer")
from playlists import services as playlists
playlist = playlists.playlist_create(owner=song.owner, title="Road trip", description="For the coast road")
playlists.playlist_add(playlist=playlist, clip=song.clips.order_by("take").first())
playlists.playlist_set_public(playlist=playlist, is_public=True)
source = song.clips.order_by("take").first()
cover = make_song(owner=song.owner, title="Harbour Lights (bossa)", kind="cover", parent_clip=source,
    family_root=song, status="complete", tags="bossa nova, nylon guitar")
infill = make_song(owner=song.owner, title="Harbour Lights", kind="infill", parent_clip=source,
    family_root=song, infill_start_s=4.0, infill_end_s=9.5, status="complete")
import uuid
for take in infill.clips.all():  # known upstream: the take's page offers Join into the whole song
    take.upstream_id, take.duration = str(uuid.uuid4()), source.duration
    take.save()
make_song(owner=song.owner, title="Harbour Lights, longer", status="complete", kind="extend",
    parent_clip=source, family_root=song, continue_at=30.0)
stems = make_song(owner=song.owner, title="Harbour Lights", status="complete", kind="stems_two",
    parent_clip=source, family_root=song)
for stem, name in zip(stems.clips.order_by("take"), ("Vocals", "Instrumental")):  # the mixer plays them
    stem.title, stem.audio_file = f"Harbour Lights - {{name}}", source.audio_file.name
    stem.save()
fork = make_song(owner=song.owner, title="Harbour Lights (fork)", tags="folk, warm, male vocals",
    forked_from=song, vocal_gender="m", control_sliders={{"weirdness_constraint": 0.8}}, status="complete")
print(json.dumps({{"fork": fork.pk, "report": report.pk, "persona_report": persona_report.pk,
    "persona": persona.pk,
    "clip": song.clips.order_by("take").first().pk, "playlist": playlist.pk, "cover": cover.pk,
    "infill": infill.pk, "infill_clip": infill.clips.order_by("take").first().pk, "stems": stems.pk}}))
"""


@dataclass
class World:
    storage: dict[str, dict]  # username (or "anonymous") -> Playwright storage state
    ids: dict[str, int]


@pytest.fixture(scope="module")
def world(stack, browser) -> World:
    ids = json.loads(stack.manage("shell", "-c", SETUP.format(password=PASSWORD)).strip().splitlines()[-1])
    songs = [ids["custom"], ids["described"]]
    deadline = time.monotonic() + 180
    # The worker polls the simulator process and archives; each look at the database takes a process start.
    while int(stack.manage("shell", "-c", FINISHED.format(ids=songs)).strip().splitlines()[-1]) < 4:
        if time.monotonic() > deadline:
            pytest.fail("the four takes were not complete and archived within 180 s")
    ids |= json.loads(stack.manage("shell", "-c", PUBLISH_AND_REPORT.format(**ids)).strip().splitlines()[-1])
    create_moderator(stack, "axe_moderator")
    storage = {"anonymous": {"cookies": [], "origins": []}}
    for username in ("axe_creator", "axe_empty", "axe_listener", "axe_moderator"):
        context = browser.new_context(base_url=stack.base_url)
        page = context.new_page()
        log_in(page, username, PASSWORD)
        expect(page.get_by_role("button", name="Log in")).to_have_count(0)
        storage[username] = context.storage_state()
        context.close()
    return World(storage=storage, ids=ids)


def open_song_menu(page) -> None:
    page.locator("details.song-menu > summary").first.click()
    expect(page.locator("details.song-menu[open] .song-menu-items a").first).to_be_visible()


def open_account_menu(page) -> None:
    page.locator("summary:has(.account-name)").click()
    expect(page.locator("details:has(.account-name)[open] a").first).to_be_visible()


def open_notifications(page) -> None:
    page.locator('summary[aria-label^="Notifications"]').click()
    expect(page.locator('details[open]:has(summary[aria-label^="Notifications"])')).to_have_count(1)


def play_the_stems(page) -> None:
    page.get_by_role("button", name="Play the stems").click()
    page.get_by_role("button", name="Solo Vocals").click()
    wait_for_js(page, "StudioMixer.isPlaying()")


def play_first_take(page) -> None:
    """The player bar is hidden until something plays: it is checked playing."""
    page.locator("[data-play]").first.click()
    expect(page.locator("#player")).to_be_visible()
    wait_for_js(page, "document.getElementById('player-audio').currentTime > 0")


def open_more_options(page) -> None:
    page.locator("details.more-options > summary").click()
    expect(page.locator("details.more-options[open] input[type=range]").first).to_be_visible()


def open_create_panel(page) -> None:
    """The Library's side panel loads after the page (static/js/create.js), on a wide screen only."""
    expect(page.locator("[data-create-panel] form.song-form")).to_be_visible()


# (name, who, path, also at 390 px, what to do first). Paths may name the world's ids: {custom}, {clip}, ...
PAGES = [
    ("login", "anonymous", "/accounts/login/", True, None),
    ("sign-up", "anonymous", "/accounts/signup/", False, None),
    ("password reset", "anonymous", "/accounts/password_reset/", False, None),
    ("404", "anonymous", "/no-such-page/", False, None),
    ("public share page", "anonymous", "/listen/{custom}/", True, None),
    ("embedded player", "anonymous", "/listen/{custom}/embed/", True, None),
    ("library (empty)", "axe_empty", "/songs/", False, None),
    ("library", "axe_creator", "/songs/", True, None),
    ("library, a song's menu open", "axe_creator", "/songs/", True, open_song_menu),
    ("library, the account menu open", "axe_creator", "/songs/", False, open_account_menu),
    ("library as a grid", "axe_creator", "/songs/?view=grid", True, None),
    ("library, nothing found", "axe_creator", "/songs/?q=zzzzqx", False, None),
    ("trash", "axe_creator", "/songs/?trash=1", True, None),
    ("trash (empty)", "axe_empty", "/songs/?trash=1", False, None),
    ("library, the notifications open", "axe_creator", "/songs/", False, open_notifications),
    ("notifications", "axe_creator", "/notifications/", False, None),
    ("webhooks", "axe_creator", "/notifications/webhooks/", False, None),
    ("new song", "axe_creator", "/songs/new/", True, None),
    ("new song, More options open", "axe_creator", "/songs/new/", True, open_more_options),
    ("library, the create panel beside it", "axe_creator", "/songs/", False, open_create_panel),
    ("song page (a fork)", "axe_creator", "/songs/{fork}/", True, None),
    ("song page", "axe_creator", "/songs/{custom}/", True, None),
    ("song page, playing", "axe_creator", "/songs/{custom}/", True, play_first_take),
    ("song page (description)", "axe_creator", "/songs/{described}/", False, None),
    ("clip page", "axe_creator", "/songs/clips/{clip}/", True, None),
    ("family page", "axe_creator", "/songs/{custom}/family/", True, None),
    ("family page, playing", "axe_creator", "/songs/{custom}/family/", False, play_first_take),
    ("stems mixer", "axe_creator", "/songs/{stems}/", True, None),
    ("stems mixer, playing and soloed", "axe_creator", "/songs/{stems}/", False, play_the_stems),
    ("song page (cover)", "axe_creator", "/songs/{cover}/", True, None),
    ("song page (replaced section)", "axe_creator", "/songs/{infill}/", False, None),
    ("clip page (replaced section: join)", "axe_creator", "/songs/clips/{infill_clip}/", False, None),
    ("upload", "axe_creator", "/songs/upload/", False, None),
    ("profile", "axe_creator", "/songs/profile/", False, None),
    ("credits", "axe_creator", "/account/credits/", False, None),
    ("personas", "axe_creator", "/personas/", False, None),
    ("persona create", "axe_creator", "/personas/from-clip/{clip}/", False, None),
    ("persona edit", "axe_creator", "/personas/{persona}/edit/", False, None),
    ("playlists", "axe_creator", "/playlists/", True, None),
    ("playlist page", "axe_creator", "/playlists/{playlist}/", True, None),
    ("add to a playlist", "axe_creator", "/playlists/add/?song={custom}", True, None),
    ("shared playlist", "anonymous", "/listen/playlists/{playlist}/", True, None),
    ("explore", "axe_creator", "/explore/", True, None),
    ("share page (listener)", "axe_listener", "/listen/{custom}/", False, None),
    ("report form", "axe_listener", "/moderation/report/song/{custom}/", True, None),
    ("admin index", "axe_moderator", "/admin/", False, None),
    ("admin report list", "axe_moderator", "/admin/moderation/report/?status=all", True, None),
    ("admin report page", "axe_moderator", "/admin/moderation/report/{report}/change/", True, None),
    ("404 (logged in)", "axe_creator", "/songs/999999/", False, None),
]
CASES = [
    pytest.param(name, who, path, action, scheme, width, id=f"{name}-{scheme}-{width}")
    for name, who, path, phone, action in PAGES
    for scheme in ("light", "dark")
    for width in ((DESKTOP, PHONE) if phone else (DESKTOP,))
]


# axe's default rules, plus one it ships switched off (experimental) that issue 14 names: a control's
# accessible name must contain its visible text (the account menu's did not).
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"label-content-name-mismatch": {"enabled": True}}}


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [violation for violation in result["violations"] if violation["impact"] in BLOCKING]


def describe(violations: list[dict], where: str) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{where}: {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")[:220]
            lines.append(f"    {' '.join(map(str, node['target']))}  {summary}")
    return "\n".join(lines)


def test_the_check_finds_violations(browser):
    """The harness itself: an image without alt text, a mislabelled control and grey-on-grey text fail."""
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.set_content(
            '<html lang="en"><head><title>t</title></head><body><main><h1>t</h1>'
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
            '<button aria-label="Account menu">ada</button>'
            '<p style="color:#999;background:#aaa">faint</p></main></body></html>'
        )
        found = {violation["id"] for violation in axe_violations(page)}
        assert {"image-alt", "label-content-name-mismatch", "color-contrast"} <= found, found
    finally:
        context.close()


@pytest.mark.parametrize(("name", "who", "path", "action", "scheme", "width"), CASES)
def test_no_serious_or_critical_axe_violations(browser, stack, world, name, who, path, action, scheme, width):
    context = browser.new_context(
        base_url=stack.base_url,
        viewport={"width": width, "height": 900},
        storage_state=world.storage[who],
        bypass_csp=True,  # lets axe's script in: this test only (see the module docstring)
    )
    try:
        page = context.new_page()
        page.emulate_media(color_scheme=scheme)
        url = path.format(**world.ids)
        response = page.goto(url)
        assert response.status == (404 if name.startswith("404") else 200), url
        page.wait_for_load_state("load")
        if action is not None:
            action(page)
        violations = axe_violations(page)
        where = f"{name} [{url}, {scheme}, {width} px]"
        report = describe(violations, where)
        if report:
            print(report)
        assert not violations, report
    finally:
        context.close()


def test_a_moderator_decides_a_report_on_a_phone(browser, stack, world):
    """At 390 px the report page fits the screen, its buttons are in reach, and a decision works."""
    context = browser.new_context(
        base_url=stack.base_url,
        viewport={"width": PHONE, "height": 780},
        storage_state=world.storage["axe_moderator"],
    )
    try:
        page = context.new_page()
        page.goto(f"/admin/moderation/report/{world.ids['persona_report']}/change/")
        expect(page.locator(".report-decision")).to_contain_text("This report is open")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
        hide = page.get_by_role("button", name="Hide persona")
        hide.scroll_into_view_if_needed()
        box = hide.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE

        hide.click()  # no reason: refused, on the same page
        expect(page.get_by_role("alert")).to_contain_text("Give a reason to hide it")
        expect(page.get_by_label("Reason")).to_be_focused()
        page.get_by_label("Reason").fill("Impersonates a living singer")
        page.get_by_role("button", name="Hide persona").click()
        expect(page.locator(".messagelist")).to_contain_text("Hid Persona “Velvet tenor”")
        expect(page.locator(".report-decision")).to_contain_text("This report is content hidden")
        expect(page.locator(".report-decision")).to_contain_text("Impersonates a living singer")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE

        page.get_by_label("Reason").fill("Appeal accepted")
        page.get_by_role("button", name="Restore persona").click()
        expect(page.locator(".messagelist")).to_contain_text("Restored Persona “Velvet tenor”")
        expect(page.locator(".report-decision")).to_contain_text("The persona is not hidden.")

        page.goto("/admin/moderation/report/?status=all")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
        expect(page.get_by_role("link", name="Persona", exact=True)).to_be_visible()
    finally:
        context.close()


def test_the_report_forms_reasons_are_one_named_group(browser, stack, world):
    """A screen reader hears "What's wrong?" before the four reasons, not a label that names nothing."""
    context = browser.new_context(base_url=stack.base_url, storage_state=world.storage["axe_listener"])
    try:
        page = context.new_page()
        page.goto(f"/moderation/report/song/{world.ids['custom']}/")
        reasons = page.get_by_role("group", name="What's wrong?").get_by_role("radio")
        expect(reasons).to_have_count(4)
        page.get_by_role("button", name="Send report").click()  # nothing chosen: the group says why
        expect(page.get_by_role("group", name="What's wrong?")).to_have_accessible_description(
            "This field is required."
        )
        expect(page.get_by_label("Details")).to_be_visible()
    finally:
        context.close()
