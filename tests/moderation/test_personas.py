"""Personas are moderated like songs and clips: listeners report others' public ones, moderators hide,
restore and dismiss from the queue or the personas admin, and every action is audited."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from moderation import services
from moderation.models import ModerationAction, Report
from personas.models import Persona
from songs.models import Song
from sunostudio.errors import Refused
from tests.personas.builders import make_persona
from tests.songs.builders import make_public_song

pytestmark = pytest.mark.django_db

PUBLIC = Persona.Visibility.PUBLIC
QUEUE = reverse("admin:moderation_report_changelist")
PERSONAS_ADMIN = reverse("admin:personas_persona_changelist")


def report_url(pk: int) -> str:
    return reverse("moderation:report_create", args=["persona", pk])


def act(client, action: str, ids: list[int], reason: str = "", url: str = QUEUE):
    return client.post(url, {"action": action, "_selected_action": ids, "reason": reason, "index": 0})


@pytest.fixture
def public_persona(user):
    song = make_public_song(owner=user, title="Harbour Lights")  # archived audio and cover
    Song.objects.filter(pk=song.pk).update(is_public=False)  # a persona's take needn't be shared
    clip = song.clips.order_by("take").first()
    return make_persona(
        owner=user,
        name="Smoky alto",
        description="warm, breathy, late-night",
        visibility=PUBLIC,
        source_clip=clip,
    )


@pytest.fixture
def staff_outsider(db):
    return get_user_model().objects.create_user("clerk", password="x", is_staff=True)


def test_a_listener_reports_a_public_persona_from_the_library(client, other_user, public_persona):
    client.force_login(other_user)
    library = client.get(reverse("personas:library")).content.decode()
    assert f'href="{report_url(public_persona.pk)}"' in library
    assert "Smoky alto" in client.get(report_url(public_persona.pk)).content.decode()
    response = client.post(
        report_url(public_persona.pk), {"reason": "offensive", "details": "Mocks a singer"}
    )
    assert response.status_code == 302 and response["Location"] == public_persona.get_absolute_url()
    report = Report.objects.get()
    assert (report.target, report.reporter, report.target_owner) == (
        public_persona,
        other_user,
        public_persona.owner,
    )
    assert report.status == Report.Status.OPEN and report.details == "Mocks a singer"


def test_one_open_report_per_user_per_persona(client, other_user, public_persona):
    client.force_login(other_user)
    client.post(report_url(public_persona.pk), {"reason": "spam"})
    response = client.post(report_url(public_persona.pk), {"reason": "other", "details": "Still spam"})
    body = response.content.decode()
    assert response.status_code == 200 and "already reported" in body and "Still spam" in body
    assert Report.objects.count() == 1


def test_reporting_ones_own_persona_is_refused(client, user, public_persona):
    client.force_login(user)
    assert (
        f'href="{report_url(public_persona.pk)}"'
        not in client.get(reverse("personas:library")).content.decode()
    )
    response = client.post(report_url(public_persona.pk), {"reason": "spam"})
    assert response.status_code == 200 and "your own" in response.content.decode()
    assert not Report.objects.exists()
    with pytest.raises(Refused):
        services.report_create(reporter=user, target=public_persona, reason="spam")


def test_someone_elses_private_or_hidden_persona_is_a_404(client, user, other_user):
    private = make_persona(owner=user, name="Secret")
    hidden = make_persona(owner=user, name="Gone", visibility=PUBLIC, is_hidden=True, hidden_reason="Spam")
    client.force_login(other_user)
    for persona in (private, hidden):
        assert client.get(report_url(persona.pk)).status_code == 404
        assert client.post(report_url(persona.pk), {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()


def test_the_queue_shows_the_persona_inline(client, moderator, other_user, public_persona):
    report = services.report_create(reporter=other_user, target=public_persona, reason="copyright")
    client.force_login(moderator)
    assert "Smoky alto" in client.get(QUEUE).content.decode()
    page = client.get(reverse("admin:moderation_report_change", args=[report.pk])).content.decode()
    clip = public_persona.source_clip
    assert "Smoky alto" in page and "warm, breathy, late-night" in page
    audio = reverse("admin:songs_clip_media", args=[clip.pk, "audio"])
    assert f'<audio controls preload="none" src="{audio}"' in page  # the source take, through the admin
    assert f'<img src="{reverse("admin:songs_clip_media", args=[clip.pk, "image"])}"' in page
    assert client.get(audio, headers={"Range": "bytes=0-9"}).status_code == 206


def test_hide_from_the_queue_removes_it_from_others_library_and_picker_and_is_audited(
    client, user, other_user, moderator, public_persona
):
    report = services.report_create(reporter=other_user, target=public_persona, reason="offensive")
    client.force_login(other_user)
    assert "Smoky alto" in client.get(reverse("songs:song_create")).content.decode()

    client.force_login(moderator)
    assert act(client, "hide_selected", [report.pk], "Impersonates a real singer").status_code == 302
    public_persona.refresh_from_db()
    report.refresh_from_db()
    assert public_persona.is_hidden and public_persona.hidden_by == moderator
    assert public_persona.hidden_reason == "Impersonates a real singer"
    assert report.status == Report.Status.ACTIONED and report.resolved_by == moderator
    entry = ModerationAction.objects.get()
    assert (entry.actor, entry.kind, entry.target, entry.reason, entry.report) == (
        moderator,
        ModerationAction.Kind.HIDE,
        public_persona,
        "Impersonates a real singer",
        report,
    )
    page = client.get(reverse("admin:personas_persona_change", args=[public_persona.pk])).content.decode()
    assert "Impersonates a real singer" in page and "Hid" in page  # the history on its admin page

    client.force_login(other_user)
    assert "Smoky alto" not in client.get(reverse("personas:library")).content.decode()
    assert "Smoky alto" not in client.get(reverse("songs:song_create")).content.decode()
    picked = client.get(reverse("songs:song_create"), {"persona": public_persona.pk})
    assert picked.status_code == 404
    client.force_login(user)
    mine = client.get(reverse("personas:library")).content.decode()
    assert "Smoky alto" in mine and "Impersonates a real singer" in mine


def test_restore_and_dismiss_on_personas_are_audited(client, other_user, moderator, public_persona):
    client.force_login(moderator)
    act(client, "hide_selected", [public_persona.pk], "Spam", url=PERSONAS_ADMIN)
    act(client, "restore_selected", [public_persona.pk], "Appeal accepted", url=PERSONAS_ADMIN)
    public_persona.refresh_from_db()
    assert not public_persona.is_hidden and public_persona.hidden_reason == ""
    report = services.report_create(reporter=other_user, target=public_persona, reason="spam")
    act(client, "dismiss_selected", [report.pk], "Not spam")
    report.refresh_from_db()
    assert report.status == Report.Status.DISMISSED
    assert list(ModerationAction.objects.order_by("pk").values_list("kind", "reason")) == [
        ("hide", "Spam"),
        ("restore", "Appeal accepted"),
        ("dismiss", "Not spam"),
    ]


def test_bulk_hide_from_the_personas_admin(client, user, moderator):
    personas = [make_persona(owner=user, name=f"Spam voice {n}", visibility=PUBLIC) for n in range(3)]
    client.force_login(moderator)
    act(client, "hide_selected", [p.pk for p in personas], "Spam", url=PERSONAS_ADMIN)
    assert Persona.objects.filter(is_hidden=True).count() == 3
    assert ModerationAction.objects.filter(kind="hide").count() == 3
    assert not Persona.objects.listed_publicly().exists()


def test_a_persona_reason_longer_than_its_field_is_refused(moderator, public_persona):
    with pytest.raises(Refused):
        services.content_hide(target=public_persona, by=moderator, reason="x" * 301)
    public_persona.refresh_from_db()
    assert not public_persona.is_hidden and not ModerationAction.objects.exists()


def test_a_staff_user_outside_the_moderators_cannot_hide_a_persona(
    client, staff_outsider, other_user, public_persona
):
    report = services.report_create(reporter=other_user, target=public_persona, reason="spam")
    client.force_login(staff_outsider)
    assert act(client, "hide_selected", [public_persona.pk], "Spam", url=PERSONAS_ADMIN).status_code == 403
    assert act(client, "hide_selected", [report.pk], "Spam").status_code == 403
    with pytest.raises(PermissionDenied):
        services.content_hide(target=public_persona, by=staff_outsider, reason="Spam")
    public_persona.refresh_from_db()
    assert not public_persona.is_hidden and not ModerationAction.objects.exists()
