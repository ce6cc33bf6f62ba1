"""The docs' numbers on the built-in scenarios are what the code computes now.

scripts/doc_numbers.py owns every table and number marked in
docs/scenarios/us-japan-2025.md and docs/linkage.md; this runs its check
(one compile per built-in, every analysis a view of it). After changing a
built-in, the pricing or an analysis, rerun ``python scripts/doc_numbers.py``
and reread the prose around the tables it rewrote.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "doc_numbers", ROOT / "scripts" / "doc_numbers.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["doc_numbers"] = module
    spec.loader.exec_module(module)
    return module


doc_numbers = _script()


def test_every_mark_is_known_and_every_name_is_used() -> None:
    """A misspelt mark would be skipped silently; an unused producer is dead code."""
    used: set[str] = set()
    for page in doc_numbers.PAGES:
        used |= set(doc_numbers.marks(page.read_text(encoding="utf-8")))
    assert all(doc_numbers.known(name) for name in used), sorted(
        name for name in used if not doc_numbers.known(name)
    )
    named = set(doc_numbers.TABLES) | set(doc_numbers.VALUES)
    assert named <= used, named - used
    families = {name.partition(".")[0] for name in used if name not in named}
    assert families == set(doc_numbers.FAMILIES)


def test_render_replaces_only_what_is_marked() -> None:
    class Fake:
        pass

    text = "a <!-- n: x -->old<!-- /n --> b\n<!-- numbers: t -->\nstale\n<!-- /numbers -->\nc\n"
    saved = dict(doc_numbers.VALUES), dict(doc_numbers.TABLES)
    try:
        doc_numbers.VALUES["x"] = lambda n: "new"
        doc_numbers.TABLES["t"] = lambda n: "| fresh |\n"
        out = doc_numbers.render(text, Fake())
    finally:
        doc_numbers.VALUES.clear(), doc_numbers.VALUES.update(saved[0])
        doc_numbers.TABLES.clear(), doc_numbers.TABLES.update(saved[1])
    assert (
        out
        == "a <!-- n: x -->new<!-- /n --> b\n<!-- numbers: t -->\n| fresh |\n\n<!-- /numbers -->\nc\n"
    )


@pytest.mark.slow
def test_doc_numbers_are_current() -> None:
    """Every marked table and number equals what the code computes now (all but the
    robustness draws, which take minutes: `python scripts/doc_numbers.py --check`)."""
    stale = doc_numbers.differences(only=doc_numbers.cheap_marks())
    assert not stale, "stale numbers, run `python scripts/doc_numbers.py`: " + ", ".join(stale)
