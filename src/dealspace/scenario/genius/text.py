"""Text conventions shared by the Genius reader and writer.

How Genius attribute text becomes dealspace values and back: safe, unique ids
made from names (:func:`safe_id`, :func:`unique_ids`), finite decimal numbers
(:func:`number`), and the ``discount_factor=<value>`` note that carries a
profile's discount factor in a party's ``notes`` (:func:`discount_note`,
:func:`discount_from_notes`). The writer relies on these to emit texts that
load back to the same ids and numbers.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence

_ID_BAD = re.compile(r"[^A-Za-z0-9_.\-]+")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_DISCOUNT_NOTE = re.compile(r"discount_factor\s*=\s*([^\s,;]+)")
_ID_MAX = 80

#: Grid intervals of a Genius real issue read by dealspace (``REAL_STEPS + 1`` points).
REAL_STEPS = 100


def safe_id(text: str) -> str:
    """``text`` as a dealspace id (letters, digits, ``_ . -``), or ``""``.

    Accents are dropped (``Café`` → ``Cafe``), every run of other characters
    becomes ``_`` and leading/trailing ``_`` are removed: ``"New York"`` →
    ``New_York``, ``"$4.37"`` → ``4.37``.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _ID_BAD.sub("_", ascii_text).strip("_")[: _ID_MAX - 8]


def unique_ids(texts: Sequence[str], fallbacks: Sequence[str]) -> list[str]:
    """Safe, unique ids for ``texts``, deterministically.

    An empty result of :func:`safe_id` is replaced by the matching fallback;
    a repeated id gets ``_2``, ``_3``, … in order of appearance.
    """
    out: list[str] = []
    used: set[str] = set()
    for text, fallback in zip(texts, fallbacks, strict=True):
        base = safe_id(text) or safe_id(fallback) or "x"
        candidate, n = base, 2
        while candidate in used:
            candidate = f"{base}_{n}"
            n += 1
        used.add(candidate)
        out.append(candidate)
    return out


def number(text: str | None) -> float | None:
    """A finite decimal number, or None (also for NaN and infinities)."""
    if text is None or not _NUMBER.match(text.strip()):
        return None
    x = float(text.strip())
    return x if math.isfinite(x) else None


def discount_note(discount: float) -> str:
    """The party note that keeps a Genius discount factor: ``discount_factor=<value>``."""
    return f"discount_factor={discount!r}"


def discount_from_notes(notes: str | None) -> float | None:
    """The discount factor kept in a party's notes (see :func:`discount_note`), or None."""
    match = _DISCOUNT_NOTE.search(notes or "")
    return number(match.group(1)) if match else None
