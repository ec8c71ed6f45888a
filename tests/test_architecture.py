"""The code's structure, checked like behaviour: one-way layers and no import cycles between modules.

`make lint` runs the same layer contracts through `lint-imports`; this keeps them in `make test` too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("suno", "sunostudio", "accounts", "moderation", "songs", "personas", "notifications", "playlists")
LAYERS = (
    "playlists",
    "notifications",
    "personas",
    "songs",
    "moderation",
    "accounts",
    "sunostudio",
    "suno",
)  # highest first


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=True, cache_dir=None)


def _package(module: str) -> str:
    return module.split(".", 1)[0]


def test_no_module_imports_from_a_layer_above_it(graph):
    upward = []
    for importer in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(importer):
            if _package(imported) not in PACKAGES:
                continue
            if LAYERS.index(_package(imported)) < LAYERS.index(_package(importer)):
                upward.append(f"{importer} -> {imported}")
    assert upward == []


def test_no_import_cycles_between_modules(graph):
    """For every direct import a -> b, b must not lead back to a (no module-level circle, no lazy
    import dodging one: grimp sees imports inside functions too)."""
    cycles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if imported == importer or _package(imported) not in PACKAGES:
                continue
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.append(" -> ".join([importer, *back]))
    assert cycles == []


def test_the_upstream_package_imports_no_django(graph):
    django_imports = [
        f"{importer} -> {imported}"
        for importer in graph.find_children("suno") | graph.find_descendants("suno")
        for imported in graph.find_modules_directly_imported_by(importer)
        if _package(imported) in ("django", "django_q", "django_htmx", "sunostudio")
    ]
    assert django_imports == []


def test_the_import_contracts_in_pyproject_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
