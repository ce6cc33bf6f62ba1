"""Hypothesis generators of random small scenarios, and brute-force oracles.

Shared by the test modules (``from strategies import scenarios, brute_force``).
A generated scenario has 2–4 parties, discrete and numeric issues in one or
two domains, and — each drawn at random — BATNAs (status quo or a number),
red lines and must-haves on one issue or across issues (``all``, ``any``,
``not``, ``if``), nice-to-haves and interactions (bonuses and penalties).
Values mix "nice" numbers (ties, equal sums) with arbitrary floats. The
product of option counts stays small enough to enumerate.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from pydantic import ValidationError

from dealspace.errors import DealspaceError
from dealspace.scenario.model import Scenario
from dealspace.space import DealSpace, acceptable, compile, utilities

NICE = [0.0, 0.25, 0.5, 1.0, 2.0, 3.0]


def _number(lo: float, hi: float) -> st.SearchStrategy[float]:
    nice = [x for x in NICE if lo <= x <= hi]
    return st.one_of(
        st.sampled_from(nice),
        st.floats(lo, hi, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 6)),
    )


@st.composite
def _issue(draw: st.DrawFn, k: int) -> dict[str, Any]:
    n = draw(st.integers(2, 4))
    if draw(st.booleans()):
        options = [f"o{j}" for j in range(n)]
        return {"id": f"i{k}", "options": options, "status_quo": draw(st.sampled_from(options))}
    step = draw(st.sampled_from([1, 5, 10]))
    grid = [float(step * j) for j in range(n)]
    return {
        "id": f"i{k}",
        "range": {"min": 0, "max": grid[-1], "step": step},
        "status_quo": draw(st.sampled_from(grid)),
    }


def _options(issue: dict[str, Any]) -> list[Any]:
    if "options" in issue:
        return list(issue["options"])
    r = issue["range"]
    n = round((r["max"] - r["min"]) / r["step"]) + 1
    return [float(r["min"] + r["step"] * j) for j in range(n)]


@st.composite
def _valuation(draw: st.DrawFn, issue: dict[str, Any]) -> dict[str, Any]:
    weight = draw(st.one_of(_number(0.25, 3.0), _number(0.25, 3.0), st.just(0.0)))
    options = _options(issue)
    if "range" in issue:
        kind = draw(st.sampled_from(["increasing", "decreasing", "points", "map"]))
        if kind in ("increasing", "decreasing"):
            return {"weight": weight, "value": kind}
        if kind == "points":
            values = draw(st.lists(_number(0.0, 1.0), min_size=2, max_size=2))
            return {"weight": weight, "value": [[options[0], values[0]], [options[-1], values[1]]]}
    values = draw(st.lists(_number(0.0, 1.0), min_size=len(options), max_size=len(options)))
    return {
        "weight": weight,
        "value": {str(_key(o)): v for o, v in zip(options, values, strict=True)},
    }


def _opposite(value: Any) -> Any:
    """The value function of a party with the opposite preference."""
    if value == "increasing":
        return "decreasing"
    if value == "decreasing":
        return "increasing"
    if isinstance(value, dict):
        return {k: round(1.0 - v, 6) for k, v in value.items()}
    return [[x, round(1.0 - v, 6)] for x, v in value]


def _key(option: Any) -> Any:
    return f"{option:g}" if isinstance(option, float) else option


@st.composite
def _test(draw: st.DrawFn, issues: list[dict[str, Any]]) -> dict[str, Any]:
    """A one-issue test: a proper, non-empty subset of the options."""
    issue = draw(st.sampled_from(issues))
    options = _options(issue)
    chosen = draw(
        st.lists(st.sampled_from(options), min_size=1, max_size=len(options) - 1, unique=True)
    )
    if "range" in issue and draw(st.booleans()):
        x = draw(st.sampled_from(options))
        return {"issue": issue["id"], draw(st.sampled_from(["min", "max"])): x}
    return {
        "issue": issue["id"],
        draw(st.sampled_from(["in", "not_in"])): [_key(o) for o in chosen],
    }


@st.composite
def condition(
    draw: st.DrawFn, issues: list[dict[str, Any]], cross: bool | None = None
) -> dict[str, Any]:
    """A condition: one issue, or (``cross``) a combination across issues."""
    if cross is None:
        cross = len(issues) > 1 and draw(st.integers(0, 2)) == 0
    if not cross or len(issues) < 2:
        return draw(_test(issues))
    a, b = draw(
        st.lists(st.sampled_from(issues), min_size=2, max_size=2, unique_by=lambda i: i["id"])
    )
    first, second = draw(_test([a])), draw(_test([b]))
    form = draw(st.sampled_from(["all", "any", "not", "if"]))
    if form == "all":
        return {"all": [first, second]}
    if form == "any":
        return {"any": [first, second]}
    if form == "not":
        return {"not": {"all": [first, second]}}
    return {"if": first, "then": second}


@st.composite
def scenario_data(
    draw: st.DrawFn,
    min_parties: int = 2,
    max_parties: int = 4,
    max_issues: int = 4,
    max_outcomes: int = 256,
    constraints: bool = True,
    bonuses: bool = True,
) -> dict[str, Any]:
    """A scenario as plain data (what a YAML file would hold)."""
    n_issues = draw(st.integers(min(2, max_issues), max_issues))
    issues = [draw(_issue(k)) for k in range(n_issues)]
    while math.prod(len(_options(i)) for i in issues) > max_outcomes and len(issues) > 1:
        issues.pop()
    n_parties = draw(st.integers(min_parties, max_parties))
    parties = []
    for p in range(n_parties):
        valued = [i for i in issues if draw(st.integers(0, 4)) > 0] or issues[:1]
        valuations = {i["id"]: draw(_valuation(i)) for i in valued}
        if parties and draw(st.booleans()):  # interests opposed to the first party's
            for issue_id, theirs in parties[0]["valuations"].items():
                if issue_id in valuations:
                    valuations[issue_id] = {
                        **valuations[issue_id],
                        "value": _opposite(theirs["value"]),
                    }
        party: dict[str, Any] = {"id": f"p{p}", "valuations": valuations}
        if draw(st.booleans()):
            party["batna"] = draw(_number(0.0, 4.0))
        if constraints:
            for kind, counts in (("red_lines", [0, 0, 1, 1, 2]), ("must_haves", [0, 0, 0, 1])):
                n = draw(st.sampled_from(counts))
                if n:
                    party[kind] = [
                        {"id": f"{kind[:-1]}{k}", "condition": draw(condition(issues))}
                        for k in range(n)
                    ]
        if bonuses:
            for kind in ("interactions", "nice_to_haves"):
                if draw(st.integers(0, 3)) == 0:
                    party[kind] = [
                        {
                            "id": f"{kind[:-1]}0",
                            "condition": draw(condition(issues, cross=kind == "interactions")),
                            "bonus": draw(st.sampled_from([-1.0, -0.5, 0.5, 1.0, 1.5])),
                        }
                    ]
        parties.append(party)
    split = draw(st.integers(1, len(issues)))
    domains = [{"id": "d0", "issues": issues[:split]}]
    if split < len(issues):
        domains.append({"id": "d1", "issues": issues[split:]})
    return {"name": "random", "parties": parties, "domains": domains}


@st.composite
def scenarios(draw: st.DrawFn, **kwargs: Any) -> Scenario:
    """A validated random scenario (draws the semantic checks refuse are rejected).

    Keyword arguments go to :func:`scenario_data`.
    """
    data = draw(scenario_data(**kwargs))
    try:
        return Scenario.model_validate(data)
    except (DealspaceError, ValidationError):
        assume(False)
        raise AssertionError("unreachable") from None


@st.composite
def spaces(draw: st.DrawFn, **kwargs: Any) -> DealSpace:
    """A compiled random scenario."""
    return compile(draw(scenarios(**kwargs)))


# ------------------------------------------------------------------ oracles


def all_packages(scenario: Scenario) -> Iterator[dict[str, Any]]:
    """Every package (one option per issue), feasible or not."""
    ids = scenario.issue_ids
    for combo in itertools.product(*(scenario.issue(i).option_ids for i in ids)):
        yield dict(zip(ids, combo, strict=True))


def brute_force(
    scenario: Scenario, drop: tuple[str, ...] = ()
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Every feasible package and its utilities ``(n, P)``, straight from the definitions."""
    packages = [x for x in all_packages(scenario) if acceptable(scenario, x, drop)]
    utils = np.array([utilities(scenario, x) for x in packages]).reshape(
        len(packages), len(scenario.parties)
    )
    return packages, utils


def non_dominated(points: np.ndarray, atol: float = 1e-9) -> np.ndarray:
    """Boolean mask of the Pareto-optimal rows (``atol``: equal within it)."""
    ge = (points[:, None, :] >= points[None, :, :] - atol).all(axis=2)
    gt = (points[:, None, :] > points[None, :, :] + atol).any(axis=2)
    return ~(ge & gt).any(axis=0)


def distinct(points: np.ndarray, atol: float = 1e-7) -> np.ndarray:
    """One row per cluster of rows equal within ``atol`` (first kept)."""
    kept: list[np.ndarray] = []
    for row in points:
        if not any(np.allclose(row, k, rtol=0, atol=atol) for k in kept):
            kept.append(row)
    return np.array(kept).reshape(len(kept), points.shape[1])


def same_points(a: np.ndarray, b: np.ndarray, atol: float = 1e-7) -> bool:
    """Whether two sets of rows are equal, each row matched within ``atol``."""
    if len(a) == 0 or len(b) == 0:
        return len(a) == len(b)
    close = (np.abs(a[:, None, :] - b[None, :, :]) <= atol).all(axis=2)
    return bool(close.any(axis=1).all() and close.any(axis=0).all())
