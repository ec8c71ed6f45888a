"""Queueing a job: always after the current transaction commits, so a rolled-back request queues nothing
and a job never starts before the row it reads exists."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_q.tasks import async_task


def enqueue(func: str, *args: Any) -> None:
    transaction.on_commit(lambda: async_task(func, *args))
