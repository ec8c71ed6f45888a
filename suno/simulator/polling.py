"""Polling: one task (§5.10), a batch of tasks (§5.14), and clips by id through the feed (§5.16)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .routes import Rejected, Request, SimResponse, e_task, json_body, json_response
from .shapes import Shapes
from .state import TaskState


class PollingEndpoints(Shapes):
    """Simulator mixin: GET /suno/fetch/{id}, POST /suno/fetch and GET /suno/feed/{ids}.

    The task JSON goes through the dialect (dialects.DialectAnswers: `fetched`, `batch`, `missing_task`).
    """

    batch_limit: int | None
    fetched: Callable[[TaskState], Any]
    batch: Callable[[list[TaskState]], SimResponse]
    missing_task: Callable[[], SimResponse]

    def fetch(self, request: Request) -> SimResponse:
        with self._lock:
            task = self._tasks.get(request.params["id"])
            if task is None:
                return self.missing_task()  # 400 task_not_exist, or data: null (null_when_missing)
            return e_task(self.fetched(task))

    def fetch_batch(self, request: Request) -> SimResponse:
        body = json_body(request)
        ids = body.get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise Rejected("ids must be a list of task ids")
        if self.batch_limit is not None and len(ids) > self.batch_limit:
            raise Rejected(f"too many ids: {len(ids)} (at most {self.batch_limit})")
        with self._lock:
            found = [self._tasks[i] for i in dict.fromkeys(ids) if i in self._tasks]
            # §5.14: no guaranteed order; reversed so a client that relies on order is caught.
            return self.batch(list(reversed(found)))

    def feed(self, request: Request) -> SimResponse:
        raw = request.params.get("ids") or request.query.get("ids", "")
        ids = [i.strip() for i in raw.split(",") if i.strip()]
        with self._lock:
            return json_response(200, [self.clip_json(self._clips[i]) for i in ids if i in self._clips])
