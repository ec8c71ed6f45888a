"""A report's own admin page: Hide / Restore / Dismiss with a reason, through the same services and
permission as the queue's bulk actions; the queue's kind filter; the admin named as the studio's."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from moderation import services
from moderation.models import ModerationAction, Report
from tests.personas.builders import make_persona
from tests.songs.builders import make_public_song

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:moderation_report_changelist")


@pytest.fixture
def reported(user, other_user):
    song = make_public_song(owner=user, title="Harbour Lights")
    report = services.report_create(reporter=other_user, target=song, reason="copyright", details="My melody")
    return song, report


def page_url(report: Report) -> str:
    return reverse("admin:moderation_report_change", args=[report.pk])


def decide(client, report: Report, decision: str, reason: str = ""):
    return client.post(page_url(report), {"decision": decision, "reason": reason})


def buttons(html: str) -> list[str]:
    return re.findall(r'<button type="submit" name="decision" value="(\w+)"', html)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_an_open_report_offers_hide_and_dismiss_and_says_where_it_stands(client, moderator, reported):
    song, report = reported
    client.force_login(moderator)
    page = client.get(page_url(report)).content.decode()
    assert "This report is <strong" in page and ">open</strong>" in page
    assert "The song is not hidden." in page
    assert buttons(page) == ["hide", "dismiss"]
    assert "Hide song</button>" in page and "Dismiss report</button>" in page
    assert 'name="csrfmiddlewaretoken"' in page.split('class="report-decision-form"')[1]


def test_hide_from_the_report_page_hides_closes_the_report_and_is_audited(client, moderator, reported):
    song, report = reported
    client.force_login(moderator)
    response = decide(client, report, "hide", "Copies a copyrighted melody")
    assert response.status_code == 302 and response["Location"] == page_url(report)

    page = client.get(response["Location"])
    assert messages_of(page) == [
        f"Hid Song “Harbour Lights” (#{song.pk}). Its owner sees the reason; its open reports are closed."
    ]
    html = page.content.decode()
    assert ">content hidden</strong>" in html and "Copies a copyrighted melody" in html
    assert buttons(html) == ["restore"]  # hidden and closed: only Restore is left
    song.refresh_from_db()
    report.refresh_from_db()
    assert song.is_hidden and song.hidden_reason == "Copies a copyrighted melody"
    assert report.status == Report.Status.ACTIONED and report.resolved_by == moderator
    entry = ModerationAction.objects.get()
    assert (entry.kind, entry.actor, entry.report) == ("hide", moderator, report)
    assert entry.reason == "Copies a copyrighted melody"
    client.logout()
    assert client.get(song.get_share_url()).status_code == 404


def test_a_decision_comes_back_to_the_page_with_the_queues_filters(client, moderator, reported):
    song, report = reported
    client.force_login(moderator)
    url = page_url(report) + "?_changelist_filters=status%3Dall%26kind%3Dsong"
    response = client.post(url, {"decision": "dismiss", "reason": ""})
    assert response.status_code == 302 and response["Location"] == url
    html = client.get(url).content.decode()
    close = re.search(r'<a href="([^"]*)" class="closelink"', html).group(1)
    assert close == QUEUE + "?status=all&amp;kind=song"  # "Close" goes back to the same queue


def test_the_page_leads_on_to_the_next_open_report(client, moderator, user, other_user, reported):
    song, report = reported
    clip_report = services.report_create(reporter=other_user, target=song.clips.first(), reason="spam")
    client.force_login(moderator)
    html = client.get(decide(client, clip_report, "dismiss")["Location"]).content.decode()
    assert f'<a href="{page_url(report)}">Next open report</a>' in html
    html = client.get(decide(client, report, "dismiss")["Location"]).content.decode()
    assert "Next open report" not in html and "No other report is waiting." in html


def test_hiding_without_a_reason_says_so_and_stays_on_the_page(client, moderator, reported):
    song, report = reported
    client.force_login(moderator)
    response = decide(client, report, "hide", "   ")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Give a reason to hide it: the owner reads it." in html
    assert "Harbour Lights" in html and "City lights are calling" in html  # still the review page
    assert buttons(html) == ["hide", "dismiss"]
    assert "autofocus" in re.search(r"<textarea[^>]*>", html).group()  # the reason field, to go on
    song.refresh_from_db()
    report.refresh_from_db()
    assert not song.is_hidden and report.status == Report.Status.OPEN
    assert not ModerationAction.objects.exists()


def test_a_refused_reason_is_kept_for_the_moderator_to_shorten(client, moderator, user, other_user):
    persona = make_persona(owner=user, name="Velvet", visibility="public")
    report = services.report_create(reporter=other_user, target=persona, reason="offensive")
    client.force_login(moderator)
    reason = "Impersonates a living singer. " * 12  # 360 characters: a persona's reason holds 300
    response = decide(client, report, "hide", reason)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Keep the reason under 300 characters" in html
    assert reason.strip() in html  # what was typed is still in the field
    persona.refresh_from_db()
    assert not persona.is_hidden


def test_restore_from_the_report_page(client, moderator, reported):
    song, report = reported
    client.force_login(moderator)
    client.get(decide(client, report, "hide", "Spam")["Location"])
    page = client.get(decide(client, report, "restore", "Appeal accepted")["Location"])
    assert messages_of(page) == [f"Restored Song “Harbour Lights” (#{song.pk}) to public pages."]
    assert "The song is not hidden." in page.content.decode()
    song.refresh_from_db()
    assert not song.is_hidden and song.hidden_reason == ""
    assert list(ModerationAction.objects.order_by("pk").values_list("kind", "reason")) == [
        ("hide", "Spam"),
        ("restore", "Appeal accepted"),
    ]
    assert client.get(song.get_share_url()).status_code == 200


def test_dismiss_from_the_report_page_leaves_the_content_up(client, moderator, reported):
    song, report = reported
    client.force_login(moderator)
    page = client.get(decide(client, report, "dismiss", "Not the same melody")["Location"])
    assert messages_of(page) == ["Dismissed this report. The content stays as it is."]
    html = page.content.decode()
    assert ">dismissed</strong>" in html and buttons(html) == ["hide"]
    report.refresh_from_db()
    song.refresh_from_db()
    assert report.status == Report.Status.DISMISSED and report.resolved_by == moderator
    assert not song.is_hidden
    entry = ModerationAction.objects.get()
    assert (entry.kind, entry.reason, entry.report) == ("dismiss", "Not the same melody", report)


def test_a_decision_another_moderator_already_made_changes_nothing(client, moderator, reported):
    song, report = reported
    services.content_hide(target=song, by=moderator, reason="Spam")
    client.force_login(moderator)
    response = decide(client, report, "hide", "Spam again")
    assert response.status_code == 200
    assert f"Song “Harbour Lights” (#{song.pk}) is already hidden." in response.content.decode()
    response = decide(client, report, "dismiss")
    assert "This report was already closed (content hidden)." in response.content.decode()
    assert ModerationAction.objects.count() == 1


def test_a_deleted_object_only_lets_the_report_be_dismissed(client, moderator, reported):
    song, report = reported
    song.delete()
    client.force_login(moderator)
    html = client.get(page_url(report)).content.decode()
    assert "The reported object no longer exists." in html and buttons(html) == ["dismiss"]
    assert "only Dismiss applies" in decide(client, report, "hide", "Spam").content.decode()
    decide(client, report, "dismiss", "Gone")
    report.refresh_from_db()
    assert report.status == Report.Status.DISMISSED


def test_viewers_without_the_moderate_permission_get_no_buttons_and_cannot_post(client, reported):
    song, report = reported
    viewer = get_user_model().objects.create_user("clerk", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_report"))
    client.force_login(viewer)
    html = client.get(page_url(report)).content.decode()
    assert "Harbour Lights" in html and buttons(html) == [] and "report-decision-form" not in html
    assert decide(client, report, "hide", "Spam").status_code == 403
    viewer.user_permissions.clear()
    viewer = get_user_model().objects.get(pk=viewer.pk)  # no cached permissions
    client.force_login(viewer)
    assert decide(client, report, "dismiss").status_code == 403
    song.refresh_from_db()
    report.refresh_from_db()
    assert not song.is_hidden and report.status == Report.Status.OPEN
    assert not ModerationAction.objects.exists()


def test_the_buttons_need_the_csrf_token(moderator, reported):
    song, report = reported
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    assert decide(client, report, "hide", "Spam").status_code == 403
    song.refresh_from_db()
    assert not song.is_hidden


def test_the_kind_filter_offers_only_what_can_be_reported(client, moderator, user, other_user, reported):
    song, song_report = reported
    clip_report = services.report_create(reporter=other_user, target=song.clips.first(), reason="spam")
    persona = make_persona(owner=user, name="Velvet", visibility="public")
    persona_report = services.report_create(reporter=other_user, target=persona, reason="offensive")
    client.force_login(moderator)
    html = client.get(QUEUE).content.decode()
    kinds = re.findall(r'href="\?kind=(\w+)"[^>]*>([^<]+)</a>', html)
    assert kinds == [("song", "Song"), ("clip", "Clip"), ("persona", "Persona")]
    assert "content_type__id__exact" not in html
    for unreportable in ("session", "log entry", "permission", "Sessions"):
        assert unreportable not in html

    def listed(query: str) -> set[int]:
        response = client.get(QUEUE + query)
        return {report.pk for report in response.context["cl"].result_list}

    assert listed("?kind=clip") == {clip_report.pk}
    assert listed("?kind=persona") == {persona_report.pk}
    assert listed("?kind=song") == {song_report.pk}
    assert listed("") == {song_report.pk, clip_report.pk, persona_report.pk}


def test_the_audit_log_filters_by_the_kinds_it_holds(client, moderator, reported):
    song, _ = reported
    services.content_hide(target=song, by=moderator, reason="Spam")
    client.force_login(moderator)
    html = client.get(reverse("admin:moderation_moderationaction_changelist")).content.decode()
    assert re.findall(r'href="\?content_type__id__exact=\d+"[^>]*>([^<]+)</a>', html) == ["Songs | song"]


def test_the_admin_is_named_as_the_studios(client, moderator):
    client.force_login(moderator)
    html = client.get(reverse("admin:index")).content.decode()
    assert "<title>Studio administration | Suno Studio admin</title>" in html
    assert "Suno Studio admin</a>" in html and "Django administration" not in html
    assert "<h1>Studio administration</h1>" in html or ">Studio administration</h1>" in html
