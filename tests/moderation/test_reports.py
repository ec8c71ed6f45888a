"""Listeners report public songs and clips: one open report each, never their own, never private work."""

import pytest
from django.urls import reverse

from moderation import services
from moderation.models import Report
from songs.models import Song
from sunostudio.errors import Refused
from tests.songs.builders import make_public_song

pytestmark = pytest.mark.django_db


def report_url(kind: str, pk: int) -> str:
    return reverse("moderation:report_create", args=[kind, pk])


def test_a_listener_reports_a_public_song(client, user, other_user):
    song = make_public_song(owner=user)
    client.force_login(other_user)
    response = client.post(report_url("song", song.pk), {"reason": "spam", "details": "Same song 40 times"})
    assert response.status_code == 302 and response["Location"] == song.get_share_url()
    report = Report.objects.get()
    assert report.target == song and report.reporter == other_user and report.target_owner == user
    assert report.status == Report.Status.OPEN and report.details == "Same song 40 times"


def test_a_listener_reports_a_clip(client, user, other_user):
    song = make_public_song(owner=user)
    clip = song.clips.first()
    client.force_login(other_user)
    client.post(report_url("clip", clip.pk), {"reason": "offensive"})
    assert Report.objects.get().target == clip


def test_one_open_report_per_user_per_object(client, user, other_user):
    song = make_public_song(owner=user)
    client.force_login(other_user)
    client.post(report_url("song", song.pk), {"reason": "spam"})
    response = client.post(report_url("song", song.pk), {"reason": "other", "details": "Still spam"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "already reported" in body and "Still spam" in body  # what they typed stays
    assert Report.objects.count() == 1


def test_the_database_refuses_a_second_open_report(user, other_user):
    from django.contrib.contenttypes.models import ContentType
    from django.db import IntegrityError, transaction

    song = make_public_song(owner=user)
    services.report_create(reporter=other_user, target=song, reason="spam")
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            reporter=other_user,
            content_type=ContentType.objects.get_for_model(Song),
            object_id=song.pk,
            target_owner=user,
            target_label="x",
            reason="spam",
        )


def test_after_a_dismissal_the_same_user_may_report_again(user, other_user, moderator):
    song = make_public_song(owner=user)
    first = services.report_create(reporter=other_user, target=song, reason="spam")
    services.reports_dismiss(reports=[first], by=moderator)
    services.report_create(reporter=other_user, target=song, reason="offensive")
    assert Report.objects.open().count() == 1


def test_reporting_ones_own_song_is_refused(client, user):
    song = make_public_song(owner=user)
    client.force_login(user)
    response = client.post(report_url("song", song.pk), {"reason": "spam"})
    assert response.status_code == 200 and "your own" in response.content.decode()
    assert not Report.objects.exists()
    with pytest.raises(Refused):
        services.report_create(reporter=user, target=song, reason="spam")


def test_private_or_hidden_work_cannot_be_reported(client, user, other_user):
    private = make_public_song(owner=user)
    Song.objects.filter(pk=private.pk).update(is_public=False)
    hidden = make_public_song(owner=user)
    hidden.mark_hidden("Spam")
    client.force_login(other_user)
    for song in (private, hidden):
        assert client.post(report_url("song", song.pk), {"reason": "spam"}).status_code == 404
        assert client.post(report_url("clip", song.clips.first().pk), {"reason": "spam"}).status_code == 404
    assert client.get(report_url("user", user.pk)).status_code == 404
    assert not Report.objects.exists()


def test_reporting_needs_a_login(client, user):
    song = make_public_song(owner=user)
    response = client.post(report_url("song", song.pk), {"reason": "spam"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "Log in</a> to report" in client.get(song.get_share_url()).content.decode()


def test_other_needs_details_and_bad_input_keeps_the_form(client, user, other_user):
    song = make_public_song(owner=user)
    client.force_login(other_user)
    response = client.post(report_url("song", song.pk), {"reason": "other", "details": ""})
    assert response.status_code == 200 and "Tell us what" in response.content.decode()
    response = client.post(report_url("song", song.pk), {"reason": "nonsense"})
    assert response.status_code == 200
    assert not Report.objects.exists()


def test_the_share_page_offers_reporting_to_listeners_but_not_the_owner(client, user, other_user):
    song = make_public_song(owner=user)
    client.force_login(other_user)
    assert "Report this song" in client.get(song.get_share_url()).content.decode()
    client.force_login(user)
    assert "Report this song" not in client.get(song.get_share_url()).content.decode()
