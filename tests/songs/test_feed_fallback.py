"""Persona songs are polled through /suno/feed; a gateway without it is followed by its batch id."""

from datetime import timedelta

import httpx
import pytest
from django.urls import reverse

from songs import polling
from songs.models import Song
from suno.simulator.transport import SimulatorTransport
from sunostudio.upstream import use_transport
from tests.personas.builders import LYRICS, ready_persona
from tests.songs.builders import song_form_data

pytestmark = pytest.mark.django_db


class WithoutFeed(httpx.BaseTransport):
    """The simulator behind a gateway that doesn't route /suno/feed (docs/upstream.md §9, question 1)."""

    def __init__(self, inner: httpx.BaseTransport):
        self.inner = inner
        self.feed_requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/suno/feed"):
            self.feed_requests += 1
            return httpx.Response(404, text="<html><body>404 page not found</body></html>")
        return self.inner.handle_request(request)


def test_without_feed_the_batch_id_is_fetched_as_a_task(
    client, user, suno, django_capture_on_commit_callbacks
):
    persona = ready_persona(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    client.force_login(user)
    data = song_form_data(persona=str(persona.pk), lyrics=LYRICS, model_version="chirp-auk", negative_tags="")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("songs:song_create"), data)
    song = Song.objects.get(persona=persona)
    assert song.upstream_batch_id and not song.upstream_task_id

    gateway = WithoutFeed(SimulatorTransport(suno.simulator))
    with use_transport(gateway, sleep=suno.sleeps.append):
        polling.clips_poll_due(now=suno.advance(2) + timedelta(seconds=60))
        song.refresh_from_db()
        assert song.upstream_task_id == song.upstream_batch_id  # later ticks go straight to /suno/fetch
        with django_capture_on_commit_callbacks(execute=True):
            polling.clips_poll_due(now=suno.advance(15) + timedelta(seconds=120))
    assert gateway.feed_requests == 1
    assert {c.status for c in song.clips.all()} == {"complete"}
    assert all(c.metadata.get("persona_id") == persona.persona_id for c in song.clips.all())
