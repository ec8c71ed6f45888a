"""django-q2 entry points: take ids, call a service, return."""

from __future__ import annotations

from . import services


def create_persona(persona_id: int) -> None:
    services.persona_submit(persona_id=persona_id)


def sweep() -> None:
    services.personas_sweep()
