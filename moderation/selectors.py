"""Reads for moderation. The reportable models are named in settings (MODERATION_REPORTABLE_MODELS) and
fetched with apps.get_model, so moderation never imports the apps whose content it moderates."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db.models import Model, QuerySet


def reportable(*, kind: str) -> QuerySet | None:
    """What a listener may report: only what they can see on a public page (for a persona, someone
    else's library), so a private or hidden object is a 404. Each model's manager says which rows."""
    label = settings.MODERATION_REPORTABLE_MODELS.get(kind)
    if label is None:
        return None
    return apps.get_model(label)._default_manager.reportable()


def reportable_models() -> dict[str, type[Model]]:
    """Each kind a listener can report, with its model, in the order settings name them."""
    return {kind: apps.get_model(label) for kind, label in settings.MODERATION_REPORTABLE_MODELS.items()}
