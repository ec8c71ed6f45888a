"""Dialects: how a gateway of ElkAPI's relay family may answer besides what ElkAPI documents (§11).

A dialect is a preset (`elkapi`, today's documented behaviour and the default; `new-api`, every quirk a
plain new-api relay shows) or a comma list of quirks and presets, e.g. `"new-api,bare_fetch_array"`.
`Simulator(dialect=…)`, `Simulator.set_dialect(…)` at run time, or `SUNO_SIMULATOR_DIALECT`. Each quirk
changes one answer, so a flow can be run against any mix of them (docs/upstream.md §8, §11).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from .faults import FaultAnswers
from .routes import (
    FAMILY_N_ENDPOINTS,
    Rejected,
    Route,
    SimResponse,
    e_task,
    json_response,
    task_error,
    web_ui_page,
)
from .shapes import Shapes
from .state import ClipState, TaskState

QUIRKS: dict[str, str] = {
    "html_unknown_routes": "a path without a route gets HTTP 200 text/html, the relay's web UI "
    "(/v1 and /api paths: 404)",
    "no_feed": "GET /suno/feed is not served",
    "no_generate": "POST /suno/generate and /suno/generate/* (Family N) are not served",
    "no_billing": "the /v1/dashboard/billing routes are not served",
    "quota_zh": "the relay's own refusals in new-api's Chinese: out of credit is 403 insufficient_user_quota",
    "gin_slash_redirect": "the trailing-slash form of a route is redirected to the other (307; a GET 301)",
    "strict_task_id": "continue_clip_id needs the task_id of a relay task "
    "(400 task id is empty / task_not_exist)",
    "drop_unknown_fields": "submit/music forgets negative_tags, task, generation_type, stem_* and "
    "continued_aligned_prompt",
    "nested_error_json": "the upstream's refusals arrive as fail_to_fetch_task with its JSON as the message",
    "null_when_missing": "data: null when nothing matched (a single fetch, a batch)",
    "bare_fetch_array": "GET /suno/fetch/{id} of a music task answers the bare clip array",
    "clip_status_missing": "the clips of a SUCCESS task have no status",
    "clip_status_variants": "clip statuses SUBMITTED (for submitted) and UNKNOWN (for queued)",
    "finish_time_ms": "a task's finish_time is in milliseconds",
    "no_progress": "tasks have no progress field",
    "lyrics_in_prompt": "lyrics results are one-item lists with the words in prompt and state: succeeded",
    "wav_task_id": "act/wav answers a conversion task id in data; that task's data holds the URL",
}
PRESETS: dict[str, frozenset[str]] = {
    "elkapi": frozenset(),
    # What new-api's own code does (router, web router, Suno adaptor and DTOs, task relay, token model).
    "new-api": frozenset(
        {
            "html_unknown_routes",
            "no_feed",
            "no_generate",
            "quota_zh",
            "gin_slash_redirect",
            "strict_task_id",
            "drop_unknown_fields",
            "nested_error_json",
            "null_when_missing",
        }
    ),
}
DEFAULT_DIALECT = "elkapi"
# What a relay that forwards only its own SunoSubmitReq fields loses (§11 kept fields).
DROPPED_FIELDS = ("negative_tags", "task", "generation_type", "continued_aligned_prompt")
QUOTA_ANSWERS = ("legacy", "user_quota", "pre_consume", "token_exhausted")
_HIDDEN = {
    "no_feed": ("feed",),
    "no_generate": tuple(FAMILY_N_ENDPOINTS),
    "no_billing": ("billing_subscription", "billing_usage"),
}
_CLIP_STATUS_VARIANTS = {"submitted": "SUBMITTED", "queued": "UNKNOWN"}
# Endpoints the relay answers from its own database: their refusals are never the upstream's JSON.
_RELAY_LOCAL = ("fetch", "fetch_batch", "billing_subscription", "billing_usage")


def parse_dialect(spec: str) -> tuple[str, frozenset[str]]:
    """(name, quirks) of a preset name or a comma list of quirks and presets; unknown names raise."""
    name = ",".join(part.strip() for part in (spec or "").split(",") if part.strip()) or DEFAULT_DIALECT
    quirks: set[str] = set()
    for part in name.split(","):
        if part in PRESETS:
            quirks |= PRESETS[part]
        elif part in QUIRKS:
            quirks.add(part)
        else:
            raise ValueError(
                f"unknown simulator dialect {part!r}: use a preset ({', '.join(PRESETS)}) "
                f"or a comma list of quirks ({', '.join(QUIRKS)})"
            )
    return name, frozenset(quirks)


def masked_key(key: str) -> str:
    return f"{key[:3]}***{key[-3:]}" if len(key) >= 8 else "***"


class DialectAnswers(Shapes, FaultAnswers):
    """Simulator mixin: every answer a dialect quirk changes, in one place."""

    dialect: str
    quirks: frozenset[str]
    wav_ready_after: float
    _lock: threading.RLock
    _wav_tasks: dict[str, str]  # clip id -> its act/wav conversion task (wav_task_id)

    def set_dialect(self, spec: str) -> None:
        name, quirks = parse_dialect(spec)
        with self._lock:
            self.dialect, self.quirks = name, quirks

    # -- routing: answered by the router, before auth and before any handler --

    def route_served(self, route: Route) -> bool:
        return not any(route.endpoint in _HIDDEN[q] for q in _HIDDEN if q in self.quirks)

    def unknown_route(self, method: str, path: str) -> SimResponse:
        if "html_unknown_routes" in self.quirks and not path.startswith(("/v1", "/api")):
            return web_ui_page()
        return self.gateway_error(404, f"Invalid URL ({method} {path})", code="invalid_request")

    def slash_redirect(self, method: str, path: str, query: str) -> SimResponse | None:
        """gin's RedirectTrailingSlash: the route is registered without the slash."""
        if "gin_slash_redirect" not in self.quirks or len(path) < 2 or not path.endswith("/"):
            return None
        location = path.rstrip("/") + (f"?{query}" if query else "")
        status = 301 if method == "GET" else 307
        body = f'<a href="{location}">Moved</a>.\n'.encode()
        return SimResponse(status, {"Location": location, "Content-Type": "text/html; charset=utf-8"}, body)

    # -- what the relay forwards, and what it checks itself --

    def forwarded_body(self, endpoint: str, body: bytes) -> bytes:
        if "drop_unknown_fields" not in self.quirks or endpoint != "submit_music":
            return body
        try:
            parsed = json.loads(body)
        except ValueError:
            return body
        if not isinstance(parsed, dict):
            return body
        kept = {k: v for k, v in parsed.items() if k not in DROPPED_FIELDS and not k.startswith("stem_")}
        return json.dumps(kept, ensure_ascii=False).encode()

    def check_origin_task(self, body: Mapping[str, Any]) -> None:
        """new-api's adaptor: continuing a clip needs the relay task that made it (§11 task_id rule)."""
        if "strict_task_id" not in self.quirks or not body.get("continue_clip_id"):
            return
        task_id = body.get("task_id")
        if not isinstance(task_id, str) or not task_id:
            raise Rejected("task id is empty", relay=True)
        task = self._tasks.get(task_id)
        if task is None or not task.relay:  # a /suno/generate batch id is no relay task
            raise Rejected("task_origin_not_exist", code="task_not_exist", relay=True)

    # -- error answers --

    def refusal(self, rejected: Rejected, endpoint: str) -> SimResponse:
        if "nested_error_json" in self.quirks and not rejected.relay and endpoint not in _RELAY_LOCAL:
            inner = json.dumps({"code": rejected.code, "message": rejected.message}, ensure_ascii=False)
            return task_error(rejected.status, "fail_to_fetch_task", inner)
        return task_error(rejected.status, rejected.code, rejected.message)

    def quota_answer(
        self, *, answer: str = "", remaining_usd: float = 0.0, price_usd: float = 0.0, key: str = ""
    ) -> SimResponse:
        """Out of credit (§6, §11): `legacy` quota_not_enough; new-api's `user_quota`, `pre_consume`, or
        `token_exhausted` (a 401). The default follows the dialect."""
        answer = answer or ("user_quota" if "quota_zh" in self.quirks else "legacy")
        if answer == "user_quota":
            return task_error(
                403, "insufficient_user_quota", f"用户额度不足, 剩余额度: ＄{remaining_usd:.6f}"
            )
        if answer == "pre_consume":
            message = (
                f"预扣费额度失败, 用户剩余额度: ＄{remaining_usd:.6f}, 需要预扣费额度: ＄{price_usd:.6f}"
            )
            return task_error(403, "pre_consume_token_quota_failed", message)
        if answer == "token_exhausted":
            return self.gateway_error(401, f"该令牌额度已用尽 TokenStatusExhausted[sk-{masked_key(key)}]")
        return task_error(403, "quota_not_enough", "user quota is not enough")

    def no_channel(self, model: str) -> SimResponse:
        if "quota_zh" in self.quirks:
            return self.gateway_error(
                503, f"当前分组 default 下对于模型 {model} 无可用渠道", code="model_not_found"
            )
        return self.gateway_error(503, f"no available channel for model {model} under group default")

    # -- task answers --

    def missing_task(self) -> SimResponse:
        if "null_when_missing" in self.quirks:
            return e_task(None)
        raise Rejected("task_not_exist", code="task_not_exist", relay=True)

    def fetched(self, task: TaskState) -> Any:
        """One task as this dialect renders it (the bare clip array for bare_fetch_array)."""
        if "bare_fetch_array" in self.quirks and task.action == "MUSIC":
            return self.dialect_task(task, bare=True)["data"] or []
        return self.dialect_task(task)

    def batch(self, tasks: list[TaskState]) -> SimResponse:
        if not tasks and "null_when_missing" in self.quirks:
            return e_task(None)  # a Go nil slice
        return e_task([self.dialect_task(task) for task in tasks])

    def dialect_task(self, task: TaskState, *, bare: bool = False) -> dict[str, Any]:
        out = self.task_json(task)
        quirks = self.quirks
        if task.action == "MUSIC" and isinstance(out["data"], list):
            clips = [dict(clip) for clip in out["data"]]
            for clip in clips:
                if "clip_status_variants" in quirks:
                    clip["status"] = _CLIP_STATUS_VARIANTS.get(clip["status"], clip["status"])
                if "clip_status_missing" in quirks and out["status"] == "SUCCESS" and not bare:
                    del clip["status"]
            out["data"] = clips
        if "lyrics_in_prompt" in quirks and task.action == "LYRICS" and out["data"] is not None:
            lyrics = task.lyrics
            out["data"] = [
                {
                    "id": lyrics.id,
                    "title": lyrics.title,
                    "prompt": lyrics.text,
                    "tags": [],
                    "state": "succeeded",
                }
            ]
        if "finish_time_ms" in quirks and out["finish_time"]:
            out["finish_time"] = out["finish_time"] * 1000
        if "no_progress" in quirks:
            del out["progress"]
        return out

    def wav_task(self, clip: ClipState, url: str) -> SimResponse | None:
        """wav_task_id: act/wav names a conversion task (one per clip); its data holds the URL once done."""
        if "wav_task_id" not in self.quirks:
            return None
        with self._lock:
            if clip.id not in self._wav_tasks:
                task = self.new_task(
                    "WAV",
                    task_id=self.new_task_id(native=False),
                    endpoint="act_wav",
                    ready_after=self.wav_ready_after,
                    result={"wav_file_url": url},
                )
                self._wav_tasks[clip.id] = task.id
            return json_response(200, {"code": "success", "message": "", "data": self._wav_tasks[clip.id]})
