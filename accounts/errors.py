"""Refusals a creator reads (each a sunostudio.errors.Refused, so every view already shows it kindly)."""

from __future__ import annotations

from sunostudio.errors import Refused


class NotEnoughCredits(Refused):
    pass


class LimitReached(Refused):
    pass


class AwaitingApproval(Refused):
    pass


class EmailNotConfirmed(Refused):
    pass


class NotCharged(Refused):
    """A row that reached a job without a charge (made before credits existed): it is failed, not sent."""


class InviteRefused(Refused):
    """The invite code is unknown, expired or used up (perhaps by someone signing up a moment earlier)."""


class SignupClosed(Refused):
    pass
