"""The clip tools' poll loop: one holder at a time, resumed by its one-minute schedule."""

import uuid
from datetime import timedelta

import pytest
from django.contrib import admin
from django.utils import timezone
from django_q.models import Schedule

from songs import services, tasks
from songs.models import ClipAsset, LyricsDraft
from songs.tasks import _holder, acquire_lease

pytestmark = pytest.mark.django_db


def test_schedule_resumes_the_tools_loop():
    schedule = Schedule.objects.get(name="songs.clip_tools_sweep")
    assert schedule.func == "songs.tasks.poll_tools" and schedule.minutes == 1


def test_a_second_loop_returns_while_one_holds_the_lease(user, suno, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        draft, _ = services.lyrics_draft_create(owner=user, idempotency_key=uuid.uuid4(), idea="the sea")
    assert acquire_lease(_holder(), name=tasks.TOOLS_LEASE_NAME)
    tasks.poll_tools(loop_seconds=0)
    draft.refresh_from_db()
    assert draft.state == LyricsDraft.State.QUEUED  # the other holder does the work
    assert suno.calls("submit_lyrics") == 0


def test_the_loop_submits_lost_drafts_and_stops_when_nothing_is_pending(
    user, suno, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        draft, _ = services.lyrics_draft_create(owner=user, idempotency_key=uuid.uuid4(), idea="the sea")
    # Its job was lost (never ran): the loop's sweep sends it once it has waited a while.
    LyricsDraft.objects.filter(pk=draft.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    sleeps = []
    tasks.poll_tools(loop_seconds=0, sleep=sleeps.append)
    draft.refresh_from_db()
    assert draft.state == LyricsDraft.State.SUBMITTED and suno.calls("submit_lyrics") == 1
    assert not ClipAsset.objects.exists()


def test_the_tools_rows_are_in_the_admin():
    for model in (ClipAsset, LyricsDraft):
        assert admin.site.is_registered(model)


def test_the_schedule_repoint_migration_moves_old_job_paths():
    """A database from before the restructure names songs.tool_tasks.poll_tools; migration 0008 repoints."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("songs.migrations.0008_repoint_job_paths")
    Schedule.objects.filter(name="songs.clip_tools_sweep").update(func="songs.tool_tasks.poll_tools")
    migration.repoint(apps, None)
    assert Schedule.objects.get(name="songs.clip_tools_sweep").func == "songs.tasks.poll_tools"
    migration.point_back(apps, None)
    assert Schedule.objects.get(name="songs.clip_tools_sweep").func == "songs.tool_tasks.poll_tools"


def test_a_job_queued_under_an_old_path_still_runs(user, suno, django_capture_on_commit_callbacks):
    """songs.tool_tasks is a one-release shim: a queued job naming it finds the same functions."""
    from django_q.tasks import async_task

    with django_capture_on_commit_callbacks(execute=False):
        draft, _ = services.lyrics_draft_create(owner=user, idempotency_key=uuid.uuid4(), idea="the sea")
    async_task("songs.tool_tasks.submit_lyrics", draft.pk)  # runs inline (Conf.SYNC in tests)
    draft.refresh_from_db()
    assert draft.state == LyricsDraft.State.SUBMITTED and suno.calls("submit_lyrics") == 1
