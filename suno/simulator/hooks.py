"""notify_hook (§5.4): when a task with a hook ends, the upstream POSTs the task to that URL, once.

The lifecycle is computed from the clock, so nothing notices an end by itself: `deliver_notifications`
sends whatever has ended since it last looked. Tests call it after moving a ManualClock; a served
simulator calls it from its server loop, twice a second (server.SimulatorHTTPServer.service_actions).
A hook that doesn't answer is not tried again (what the family's relays do is undocumented; the
studio must not rely on hooks anyway).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from .shapes import Shapes

logger = logging.getLogger(__name__)

Post = Callable[[str, dict[str, Any]], Any]


class HookCalls(Shapes):
    """Simulator mixin: which ended tasks still owe their hook a call."""

    _hooks_called: set[str]

    def due_notifications(self) -> list[tuple[str, dict[str, Any]]]:
        """(hook URL, task object) for each task that ended since the last look; each is handed out once."""
        with self._lock:
            due = []
            for task in self._tasks.values():
                if not task.notify_hook or task.id in self._hooks_called:
                    continue
                if self.task_status(task)[0] in ("SUCCESS", "FAILURE"):
                    self._hooks_called.add(task.id)
                    due.append((task.notify_hook, self.task_json(task)))
            return due

    def deliver_notifications(self, post: Post) -> int:
        """Call each due hook with `post(url, task)`; returns how many were called."""
        due = self.due_notifications()
        for url, task in due:
            try:
                post(url, task)
            except Exception as error:  # noqa: BLE001 - a dead hook must not stop the others
                logger.info("notify_hook %s: %s", url, error)
        return len(due)


def http_post(url: str, task: dict[str, Any]) -> None:
    import httpx

    httpx.post(url, json=task, timeout=5.0)


def post_in_background(url: str, task: dict[str, Any]) -> None:
    """Each hook call on a short-lived daemon thread: a slow or dead hook never holds up the server loop
    that found it due, and with no hooks due no thread exists."""
    threading.Thread(target=_post_quietly, args=(url, task), name="suno-simulator-hook", daemon=True).start()


def _post_quietly(url: str, task: dict[str, Any]) -> None:
    try:
        http_post(url, task)
    except Exception as error:  # noqa: BLE001 - nobody waits on a hook's answer
        logger.info("notify_hook %s: %s", url, error)
