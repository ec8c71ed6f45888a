"""The key's balance (§11 balance): a price per paid call, and the OpenAI-compatible billing routes.

Like new-api, the simulator charges a paid call only when its submit succeeded, and gives the money back
when the task ends FAILURE. Both follow from the clock, so `used_usd` is computed when asked. Once the
balance cannot pay for a call, that call gets the out-of-credit answer (`quota_answer`, per dialect).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from .routes import Request, SimResponse, json_response
from .state import Lifecycle, TaskState

DEFAULT_BALANCE_USD = 1000.0  # enough for the test suite and a long demo
# A small price table, per paid endpoint, in US dollars (one music request = one generation, two clips).
PRICES_USD: dict[str, float] = {
    "submit_music": 0.10,
    "generate": 0.10,
    "submit_lyrics": 0.02,
    "generate_lyrics": 0.02,
    "submit_concat": 0.05,
    "generate_concat": 0.05,
    "upload_audio_url": 0.02,
    "persona_create": 0.05,
}
STEM_PRICES_USD = {"twelve": 0.50, "two": 0.10}  # "all tracks" costs about five generations (§1)


class Billing(Lifecycle):
    """Simulator mixin: prices, charges and refunds, and GET /v1/dashboard/billing/{subscription,usage}."""

    balance_usd: float  # the key's limit: what it was given, all time
    _charges: list[tuple[str, float]]  # (task id or "" when the call made no task, price)
    _lock: threading.RLock
    _tasks: dict[str, TaskState]

    def price(self, endpoint: str, body: Mapping[str, Any] | None) -> float:
        body = body or {}
        if endpoint in ("submit_music", "generate") and body.get("task") == "gen_stem":
            group = str(body.get("stem_task") or body.get("stem_type_group_name") or "twelve").lower()
            return STEM_PRICES_USD.get(group, STEM_PRICES_USD["twelve"])
        return PRICES_USD.get(endpoint, 0.0)

    @property
    def used_usd(self) -> float:
        with self._lock:
            return round(sum(price for task_id, price in self._charges if not self._refunded(task_id)), 6)

    @property
    def remaining_usd(self) -> float:
        return round(self.balance_usd - self.used_usd, 6)

    def can_pay(self, price: float) -> bool:
        return price <= self.remaining_usd + 1e-9

    def charge(self, price: float, task_id: str) -> None:
        with self._lock:
            self._charges.append((task_id, price))

    def _refunded(self, task_id: str) -> bool:
        task = self._tasks.get(task_id) if task_id else None
        return task is not None and self.task_status(task)[0] == "FAILURE"

    # -- the routes (new-api's controller/billing.go shapes) --

    def billing_subscription(self, request: Request) -> SimResponse:
        limit = round(self.balance_usd, 6)
        return json_response(
            200,
            {
                "object": "billing_subscription",
                "has_payment_method": True,
                "soft_limit_usd": limit,
                "hard_limit_usd": limit,
                "system_hard_limit_usd": limit,
                "access_until": 0,
            },
        )

    def billing_usage(self, request: Request) -> SimResponse:
        # new-api ignores start_date/end_date and reports all-time usage, in cents.
        return json_response(200, {"object": "list", "total_usage": round(self.used_usd * 100, 4)})
