"""Every ``source`` field of a scenario, grouped by text, with the fields that cite it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from dealspace.scenario.model import Scenario, Traced


@dataclass(frozen=True)
class SourceRef:
    """One source text and the scenario fields (paths) that cite it."""

    text: str
    used_by: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "used_by": list(self.used_by)}


def collect_sources(scenario: Scenario) -> tuple[SourceRef, ...]:
    """Every ``source`` field of a scenario, grouped by text (first use first).

    Returns
    -------
    tuple of SourceRef
        One entry per distinct source text (whitespace normalised) with the
        field paths that cite it, e.g. ``parties.us.valuations.rice``.
    """
    found: dict[str, list[str]] = {}
    for path, text in _walk_sources(scenario, ""):
        key = " ".join(text.split())
        found.setdefault(key, []).append(path or "scenario")
    return tuple(SourceRef(text, tuple(paths)) for text, paths in found.items())


def _walk_sources(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, Traced) and node.source:
        yield path, node.source
    if not isinstance(node, BaseModel):
        return
    for name in type(node).model_fields:
        value = getattr(node, name)
        if isinstance(value, list | tuple):
            for k, item in enumerate(value):
                yield from _walk_sources(item, _join(path, name, _item_id(item, k)))
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from _walk_sources(item, _join(path, name, str(key)))
        elif isinstance(value, BaseModel):
            yield from _walk_sources(value, _join(path, name))


def _item_id(item: Any, k: int) -> str:
    return str(getattr(item, "id", None) or k)


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)
