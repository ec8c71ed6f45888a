"""Moderators act from the admin through services: permissions, hide/restore/dismiss/suspend, the audit
log, and what suspension stops."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from moderation import services
from moderation.models import ModerationAction, Report, Suspension
from songs import services as song_services
from songs.models import Song
from sunostudio.errors import Refused
from tests.songs.builders import make_public_song, make_song, song_form_data

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:moderation_report_changelist")


@pytest.fixture
def reported(user, other_user):
    song = make_public_song(owner=user, title="Harbour Lights")
    report = services.report_create(reporter=other_user, target=song, reason="copyright", details="My melody")
    return song, report


@pytest.fixture
def staff_outsider(db):
    return get_user_model().objects.create_user("clerk", password="x", is_staff=True)


def act(client, action: str, ids: list[int], reason: str = "", url: str = QUEUE):
    return client.post(url, {"action": action, "_selected_action": ids, "reason": reason, "index": 0})


def test_the_moderators_group_exists_after_migrate_with_just_enough_permissions():
    group = Group.objects.get(name="Moderators")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {
        "view_report",
        "moderate_content",
        "suspend_user",
        "view_moderationaction",
        "view_song",
    } <= codenames
    assert not codenames & {
        "delete_moderationaction",
        "change_moderationaction",
        "change_song",
        "delete_song",
    }


def test_a_staff_user_outside_the_group_cannot_act(client, staff_outsider, reported):
    song, report = reported
    client.force_login(staff_outsider)
    assert client.get(QUEUE).status_code == 403
    assert act(client, "hide_selected", [report.pk], "spam").status_code == 403
    song.refresh_from_db()
    assert not song.is_hidden
    with pytest.raises(PermissionDenied):
        services.content_hide(target=song, by=staff_outsider, reason="spam")
    with pytest.raises(PermissionDenied):
        services.user_suspend(user=song.owner, by=staff_outsider, reason="spam")
    assert not ModerationAction.objects.exists()


def test_staff_with_only_view_permission_sees_the_queue_but_gets_no_actions(client, staff_outsider, reported):
    from django.contrib.auth.models import Permission

    staff_outsider.user_permissions.add(Permission.objects.get(codename="view_report"))
    client.force_login(staff_outsider)
    page = client.get(QUEUE).content.decode()
    assert "Harbour Lights" in page and "hide_selected" not in page
    act(client, "hide_selected", [reported[1].pk], "spam")
    reported[0].refresh_from_db()
    assert not reported[0].is_hidden


def test_the_queue_shows_open_reports_and_the_object_inline(client, moderator, reported):
    song, report = reported
    client.force_login(moderator)
    page = client.get(QUEUE).content.decode()
    assert "Harbour Lights" in page and "hide_selected" in page and "dismiss_selected" in page
    page = client.get(reverse("admin:moderation_report_change", args=[report.pk])).content.decode()
    clip = song.clips.order_by("take").first()
    audio = reverse("admin:songs_clip_media", args=[clip.pk, "audio"])
    assert f'src="{audio}"' in page  # a player, through the admin's media view
    assert "City lights are calling" in page  # lyrics
    assert reverse("admin:songs_clip_media", args=[clip.pk, "image"]) in page  # cover
    assert client.get(audio, headers={"Range": "bytes=0-9"}).status_code == 206


def test_admin_media_is_for_staff_who_may_view_clips(client, user, other_user, staff_outsider):
    song = make_public_song(owner=user)
    url = reverse("admin:songs_clip_media", args=[song.clips.first().pk, "audio"])
    client.force_login(other_user)
    assert client.get(url).status_code == 302  # not staff: the admin's login page
    client.force_login(staff_outsider)
    assert client.get(url).status_code == 403


def test_hide_from_the_queue_hides_everywhere_closes_reports_and_is_audited(client, moderator, reported):
    song, report = reported
    client.force_login(moderator)
    response = act(client, "hide_selected", [report.pk], "Copies a copyrighted melody")
    assert response.status_code == 302
    song.refresh_from_db()
    report.refresh_from_db()
    assert song.is_hidden and song.hidden_reason == "Copies a copyrighted melody"
    assert report.status == Report.Status.ACTIONED and report.resolved_by == moderator
    entry = ModerationAction.objects.get()
    assert (entry.actor, entry.kind, entry.target, entry.reason, entry.report) == (
        moderator,
        ModerationAction.Kind.HIDE,
        song,
        "Copies a copyrighted melody",
        report,
    )
    client.logout()
    assert client.get(song.get_share_url()).status_code == 404
    assert "Harbour Lights" not in client.get(reverse("public:explore")).content.decode()


def test_hiding_needs_a_reason(client, moderator, reported):
    song, report = reported
    client.force_login(moderator)
    response = act(client, "hide_selected", [report.pk], "")
    assert response.status_code == 302
    song.refresh_from_db()
    assert not song.is_hidden and not ModerationAction.objects.exists()


def test_bulk_hide_from_the_songs_list(client, moderator, user):
    songs = [make_public_song(owner=user, title=f"Spam {n}") for n in range(3)]
    client.force_login(moderator)
    act(client, "hide_selected", [s.pk for s in songs], "Spam", url=reverse("admin:songs_song_changelist"))
    assert Song.objects.filter(is_hidden=True).count() == 3
    assert ModerationAction.objects.filter(kind="hide").count() == 3


def test_restore_dismiss_and_suspend_each_leave_an_audit_entry(client, moderator, reported, user):
    song, report = reported
    client.force_login(moderator)
    act(client, "hide_selected", [report.pk], "Spam")
    act(client, "restore_selected", [song.pk], "Appeal accepted", url=reverse("admin:songs_song_changelist"))
    song.refresh_from_db()
    assert not song.is_hidden and song.hidden_reason == ""

    clip = song.clips.first()
    clip_report = services.report_create(reporter=moderator, target=clip, reason="spam")
    act(client, "dismiss_selected", [clip_report.pk], "Not spam")
    clip_report.refresh_from_db()
    assert clip_report.status == Report.Status.DISMISSED
    act(client, "suspend_owners", [report.pk], "Repeated spam", url=QUEUE + "?status=all")
    assert Suspension.objects.active().get().user == user

    kinds = list(ModerationAction.objects.order_by("pk").values_list("kind", "actor_name", "reason"))
    assert kinds == [
        ("hide", "mod", "Spam"),
        ("restore", "mod", "Appeal accepted"),
        ("dismiss", "mod", "Not spam"),
        ("suspend", "mod", "Repeated spam"),
    ]
    page = client.get(reverse("admin:songs_song_change", args=[song.pk])).content.decode()
    assert "Appeal accepted" in page and "Spam" in page  # the history on the object's admin page


def test_the_audit_log_cannot_be_edited_or_deleted_from_the_admin(admin_client, moderator, reported):
    song, _ = reported
    services.content_hide(target=song, by=moderator, reason="Spam")
    entry = ModerationAction.objects.get()
    change_url = reverse("admin:moderation_moderationaction_change", args=[entry.pk])
    page = admin_client.get(change_url).content.decode()
    assert 'name="_save"' not in page
    admin_client.post(change_url, {"reason": "nothing to see"})
    assert (
        admin_client.get(reverse("admin:moderation_moderationaction_delete", args=[entry.pk])).status_code
        == 403
    )
    listing = admin_client.get(reverse("admin:moderation_moderationaction_changelist")).content.decode()
    assert "delete_selected" not in listing
    entry.refresh_from_db()
    assert entry.reason == "Spam"


def test_a_suspended_user_cannot_generate_but_can_still_listen(client, user, moderator, suno):
    song = make_song(owner=user, status="complete")
    services.user_suspend(user=user, by=moderator, reason="Spamming the feed")
    client.force_login(user)
    assert client.get(reverse("songs:library")).status_code == 200
    assert client.get(song.get_absolute_url()).status_code == 200
    assert "suspended" in client.get(reverse("songs:song_create")).content.decode()
    response = client.post(reverse("songs:song_create"), song_form_data(title="Another One"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "suspended" in body and "Spamming the feed" in body and 'value="Another One"' in body
    assert Song.objects.count() == 1 and suno.calls() == 0
    with pytest.raises(Refused):
        song_services.song_create(owner=user, idempotency_key=song_form_data()["idempotency_key"], title="x")


def test_a_suspended_user_cannot_publish_or_retry(client, user, moderator):
    song = make_song(owner=user, status="complete")
    services.user_suspend(user=user, by=moderator, reason="Spam")
    client.force_login(user)
    response = client.post(reverse("songs:song_publish", args=[song.pk]), follow=True)
    assert response.status_code == 200 and "suspended" in response.content.decode()
    song.refresh_from_db()
    assert not song.is_public
    failed = make_song(owner=user, status="error")
    response = client.post(reverse("songs:song_retry", args=[failed.pk]), follow=True)
    assert response.status_code == 200 and "suspended" in response.content.decode()


def test_reinstating_lifts_the_suspension_and_is_audited(client, user, moderator):
    services.user_suspend(user=user, by=moderator, reason="Spam")
    assert not services.user_suspend(user=user, by=moderator, reason="Again")  # already suspended
    client.force_login(moderator)
    suspension = Suspension.objects.get()
    act(
        client,
        "reinstate_selected",
        [suspension.pk],
        "Served",
        url=reverse("admin:moderation_suspension_changelist"),
    )
    assert not services.user_is_suspended(user=user)
    assert list(ModerationAction.objects.order_by("pk").values_list("kind", flat=True)) == [
        "suspend",
        "reinstate",
    ]


def test_every_hideable_kind_records_who_hid_it(moderator, user):
    """Songs, clips and personas share moderation's Hideable: one way to hide, the moderator kept."""
    from tests.personas.builders import make_persona

    song = make_public_song(owner=user)
    targets = [song, song.clips.first(), make_persona(owner=user, name="Voice", visibility="public")]
    for target in targets:
        services.content_hide(target=target, by=moderator, reason="Spam")
        target.refresh_from_db()
        assert target.is_hidden and target.hidden_by == moderator and target.hidden_reason == "Spam"
        services.content_restore(target=target, by=moderator)
        target.refresh_from_db()
        assert not target.is_hidden and target.hidden_by is None and target.hidden_reason == ""
