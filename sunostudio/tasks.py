"""django-q2 entry points of the studio-wide jobs."""

from __future__ import annotations

from . import balance


def refresh_upstream_balance() -> None:
    """Every 5 minutes (the `sunostudio.refresh_upstream_balance` Schedule, a data migration)."""
    balance.upstream_balance_refresh()
