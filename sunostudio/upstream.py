"""Where the app gets its upstream client and its media downloader.

With no SUNO_API_KEY the app talks to the simulator over HTTP (`manage.py suno_simulator`), exactly like
it would talk to ElkAPI. Tests swap the transport for the in-process simulator with `use_transport`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpx
from django.conf import settings

from suno.client import SunoClient, Timeouts
from suno.errors import UncheckedPaidCall

_transport_override: httpx.BaseTransport | None = None
_sleep_override: Callable[[float], None] | None = None
# The action the running code has been charged for (accounts.paid.sending sets it): a paid method of a
# client from get_client() refuses to send anything else, so no paid call leaves without a ledger line.
_charged_action: ContextVar[str | None] = ContextVar("charged_action", default=None)


def get_client(**kwargs) -> SunoClient:
    api_key = settings.SUNO_API_KEY or "simulator-key"
    if _sleep_override is not None:
        kwargs["sleep"] = _sleep_override
    return SunoClient(
        base_url=settings.SUNO_API_BASE,
        api_key=api_key,
        transport=_transport_override,
        authorise=_require_charge,
        **kwargs,
    )


def _require_charge(action: str) -> None:
    charged = _charged_action.get()
    if charged != action:
        raise UncheckedPaidCall(
            f"a paid {action!r} call needs its charge first (charged for: {charged or 'nothing'})"
        )


@contextmanager
def charged_for(action: str) -> Iterator[None]:
    """Let paid calls of `action` through; only accounts.paid, which has written the charge, uses it."""
    token = _charged_action.set(action)
    try:
        yield
    finally:
        _charged_action.reset(token)


def get_media_http() -> httpx.Client:
    """A plain client for media files (public CDN URLs: no API key is ever sent with them)."""
    timeouts = Timeouts()
    return httpx.Client(
        transport=_transport_override,
        timeout=httpx.Timeout(
            connect=timeouts.connect, read=timeouts.read, write=timeouts.write, pool=timeouts.pool
        ),
        follow_redirects=False,
    )


@contextmanager
def use_transport(
    transport: httpx.BaseTransport, *, sleep: Callable[[float], None] | None = None
) -> Iterator[None]:
    """Route every upstream and media request through `transport` (and the client's backoff through
    `sleep`, so tests never really wait)."""
    global _transport_override, _sleep_override
    previous = _transport_override, _sleep_override
    _transport_override, _sleep_override = transport, sleep
    try:
        yield
    finally:
        _transport_override, _sleep_override = previous
