"""The bounds every number of a scenario must meet (docs/scenario-format.md, "Bounds").

Utilities are sums of weighted values and bonuses over every issue, compared
with absolute tolerances near 1e-9 (:mod:`dealspace.tolerances`). Bounding the
inputs keeps every sum finite and every result a real number:

* *points* (weights, option values, bonuses, BATNAs, delay costs, utility
  points per welfare %) lie within ±:data:`MAX_POINTS`, so a package's utility
  over :data:`MAX_ISSUES` issues stays below 1e14, far from overflow; weights,
  bonuses, BATNAs and delay costs are 0 or at least :data:`MIN_POINTS` in
  magnitude, so no product of them underflows (a weight of 5e-324 made every
  utility 0); option values are relative (divided by the largest) and exempt;
* *positions* (numeric ranges, status quos, condition bounds, the x of value
  points) lie within ±:data:`MAX_MAGNITUDE`;
* tariff rates lie in [0, :data:`MAX_TARIFF_PCT`] percent;
* a numeric range's step is at least :data:`MIN_RELATIVE_STEP` × its largest
  magnitude, so neighbouring options stay distinct numbers;
* no number anywhere is infinite or NaN (YAML ``.inf``, JSON ``1e999``).

:func:`number_problems` walks a parsed document and reports every number
beyond these limits with its field path, before the model validates it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from dealspace.errors import Problem

#: Largest magnitude of a utility number: a weight, an option value, a bonus, a BATNA, a delay cost.
MAX_POINTS = 1e9
#: Smallest magnitude of a non-zero weight, bonus, BATNA or delay cost: products of a few stay normal floats.
MIN_POINTS = 1e-100
#: Largest magnitude of any number in a scenario (numeric options, ranges, condition bounds).
MAX_MAGNITUDE = 1e12
#: Highest tariff rate, in percent (prohibitive tariffs in force are below 1,000%).
MAX_TARIFF_PCT = 10_000.0
#: Smallest step of a numeric range relative to max(1, |min|, |max|): six significant digits.
MIN_RELATIVE_STEP = 1e-6
#: Most issues in a scenario: 1,000 two-option issues analyse in about 15 s, 3,000 in over 2 minutes.
MAX_ISSUES = 2_000

DOC = "docs/scenario-format.md, 'Bounds'"


def shown(x: int | float) -> str:
    """A short text of a number, even one with hundreds of digits (1e12 as '1e12')."""
    if isinstance(x, int) and not isinstance(x, bool) and abs(x) > 10**15:
        return f"a {len(str(abs(x)))}-digit integer"
    if isinstance(x, float) and math.isfinite(x) and abs(x) >= 1e6:
        mantissa, exponent = f"{x:e}".split("e")
        return f"{float(mantissa):g}e{int(exponent)}"
    return f"{x:g}" if isinstance(x, float) else str(x)


def number_problems(data: Any, limit: float | None = None) -> Iterator[Problem]:
    """Every number in ``data`` (values and mapping keys) that is not finite, or
    above ``limit`` in magnitude when a limit is given; paths as the loader
    writes them (``parties[0].valuations.rice.weight``)."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:  # depth first, in document order
        path, obj = stack.pop()
        if isinstance(obj, dict):
            children = []
            for key, value in obj.items():
                here = f"{path}.{key}" if path else str(key)
                problem = _number(key, here, limit, "the key ")
                if problem is not None:
                    yield problem
                children.append((here, value))
            stack.extend(reversed(children))
        elif isinstance(obj, list):
            stack.extend(reversed([(f"{path}[{k}]", v) for k, v in enumerate(obj)]))
        else:
            problem = _number(obj, path, limit)
            if problem is not None:
                yield problem


def _number(x: Any, where: str, limit: float | None, what: str = "") -> Problem | None:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    if isinstance(x, float) and not math.isfinite(x):
        return Problem(
            where,
            f"{what}{x} is not a finite number",
            "write a finite number (dealspace refuses .inf, .nan, NaN, Infinity and 1e999)",
        )
    if limit is not None and abs(x) > limit:
        return Problem(
            where,
            f"{what}{shown(x)} is beyond ±{shown(float(limit))}, the largest magnitude a scenario accepts",
            f"use smaller units ({DOC})",
        )
    return None
