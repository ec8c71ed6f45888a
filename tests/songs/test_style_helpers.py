"""The create form's style helpers: Enhance style (a row, a job, a polling partial) and the style chips."""

from datetime import timedelta

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from songs import services
from songs.models import StyleEnhancement
from sunostudio.upstream import use_transport
from tests.songs.builders import make_song

pytestmark = pytest.mark.django_db


def _enhance(client, tags, capture):
    with capture(execute=True):
        return client.post(reverse("songs:style_enhancement_create"), {"tags": tags}, HTTP_HX_REQUEST="true")


def test_the_click_writes_a_row_and_the_web_request_never_calls_the_upstream(client, user, suno):
    client.force_login(user)
    response = client.post(
        reverse("songs:style_enhancement_create"), {"tags": "synthwave"}, HTTP_HX_REQUEST="true"
    )
    enhancement = StyleEnhancement.objects.get()
    assert enhancement.state == "queued" and enhancement.owner == user
    assert suno.calls() == 0
    html = response.content.decode()
    assert reverse("songs:style_enhancement_detail", args=[enhancement.pk]) in html
    assert 'hx-trigger="every 1s"' in html  # polls until done


def test_the_job_enhances_through_the_simulator_and_the_partial_stops_polling(
    client, user, suno, django_capture_on_commit_callbacks
):
    client.force_login(user)
    _enhance(client, "synthwave, 90 bpm", django_capture_on_commit_callbacks)
    enhancement = StyleEnhancement.objects.get()
    assert enhancement.state == "complete"
    assert enhancement.enhanced.startswith("synthwave, 90 bpm, ")
    assert suno.calls("act_tags") == 1
    assert suno.simulator.paid_calls() == 0  # free: no charge, no ledger line
    html = client.get(
        reverse("songs:style_enhancement_detail", args=[enhancement.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "hx-trigger" not in html
    assert "Before" in html and "After" in html
    assert f'data-use-enhanced="{enhancement.enhanced}"' in html
    assert "Use the enhanced styles" in html and "Keep mine" in html


def test_a_second_run_of_the_job_asks_once(user, suno, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enhancement = services.style_enhancement_create(owner=user, tags="folk")
    services.style_enhancement_run(enhancement_id=enhancement.pk)
    assert suno.calls("act_tags") == 1


def test_a_gateway_without_the_route_says_so(client, user, django_capture_on_commit_callbacks):
    def web_ui(request):
        return httpx.Response(
            200, content=b"<!doctype html><html></html>", headers={"content-type": "text/html"}
        )

    client.force_login(user)
    # The simulator serves the route in every dialect: this is the relay's web UI answering instead.
    with use_transport(httpx.MockTransport(web_ui), sleep=lambda seconds: None):
        _enhance(client, "folk", django_capture_on_commit_callbacks)
    enhancement = StyleEnhancement.objects.get()
    assert enhancement.state == "failed"
    html = client.get(reverse("songs:style_enhancement_detail", args=[enhancement.pk])).content.decode()
    assert "offer style enhancement, so your styles are unchanged." in html


def test_empty_styles_are_a_message_not_a_row(client, user, suno):
    client.force_login(user)
    html = client.post(reverse("songs:style_enhancement_create"), {"tags": "  "}).content.decode()
    assert "Type a few styles first" in html
    assert not StyleEnhancement.objects.exists()


def test_another_users_enhancement_is_a_404(client, user, other_user):
    enhancement = StyleEnhancement.objects.create(owner=other_user, original="secret style", enhanced="x")
    client.force_login(user)
    response = client.get(reverse("songs:style_enhancement_detail", args=[enhancement.pk]))
    assert response.status_code == 404


def test_an_enhancement_whose_job_never_ran_stops_polling(client, user):
    enhancement = StyleEnhancement.objects.create(owner=user, original="folk")
    StyleEnhancement.objects.filter(pk=enhancement.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    client.force_login(user)
    html = client.get(reverse("songs:style_enhancement_detail", args=[enhancement.pk])).content.decode()
    assert "hx-trigger" not in html
    assert "didn't answer in time" in html


def test_style_chips_offer_recent_and_liked_styles_of_the_creator_only(client, user, other_user):
    make_song(owner=user, tags="lo-fi, rainy")
    make_song(owner=user, tags="Lo-Fi,  rainy")  # the same style, typed differently: one chip
    make_song(owner=user, tags="jazz trio", is_liked=True)
    make_song(owner=user, tags="trashed style", trashed_at=timezone.now())
    make_song(owner=other_user, tags="someone else's style")
    client.force_login(user)
    html = client.get(reverse("songs:song_create")).content.decode()
    assert html.count('data-style-chip="lo-fi, rainy"') + html.count('data-style-chip="Lo-Fi,  rainy"') == 1
    assert html.count('data-style-chip="jazz trio"') == 2  # recent, and from songs you like
    assert "trashed style" not in html
    assert "someone else" not in html
    assert "From songs you like" in html
