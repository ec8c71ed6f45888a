"""Reads of the model catalogue (songs.models.ModelVersion): one query, cached, dropped on every edit.

The cache is Django's (shared when CACHES points at Redis; per process otherwise, which the short timeout
bounds), so an edit in the admin shows in the create form at once in the process that made it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from suno import versions

from .models import ModelVersion

CACHE_KEY = "songs.model-catalogue"
CACHE_SECONDS = 30


def enabled_versions() -> list[ModelVersion]:
    """Every enabled version in the operator's order."""
    rows = cache.get(CACHE_KEY)
    if rows is None:
        rows = list(ModelVersion.objects.filter(is_enabled=True))
        cache.set(CACHE_KEY, rows, CACHE_SECONDS)
    return rows


@receiver([post_save, post_delete], sender=ModelVersion)
def _forget(**kwargs) -> None:
    cache.delete(CACHE_KEY)


def get_version(mv: str) -> ModelVersion | None:
    return next((v for v in enabled_versions() if v.mv == mv), None)


def generation_versions() -> list[ModelVersion]:
    return [v for v in enabled_versions() if v.can_generate]


def extend_versions() -> list[ModelVersion]:
    return [v for v in enabled_versions() if v.can_generate and v.can_extend]


def persona_versions() -> list[ModelVersion]:
    return [v for v in enabled_versions() if v.can_persona]


def cover_versions() -> list[ModelVersion]:
    """Covers take only the versions the upstream's pages name for task=cover (docs/upstream.md §5.4)."""
    return [v for v in enabled_versions() if v.mv in versions.COVER_MODELS]


def replace_versions() -> list[ModelVersion]:
    """Replace section (task=infill) continues the clip like an extend, so the persona-only -tau rows are
    left out too: the upstream refuses to continue a clip with them (docs/upstream.md §2 "Our choice")."""
    return [v for v in enabled_versions() if v.mv in versions.REPLACE_MODELS and v.can_extend]


def default_mv() -> str:
    """The operator's default, else the setting, else the first version offered."""
    offered = generation_versions()
    marked = next((v.mv for v in offered if v.is_default), None)
    if marked:
        return marked
    if any(v.mv == settings.SUNO_DEFAULT_MODEL for v in offered):
        return settings.SUNO_DEFAULT_MODEL
    return offered[0].mv if offered else settings.SUNO_DEFAULT_MODEL


def stems_mv() -> str:
    """Stems take one version only ("仅限chirp_auk", docs/upstream.md §5.7), unless the operator says else."""
    return next((v.mv for v in enabled_versions() if v.can_stems), versions.STEM_MODEL)
