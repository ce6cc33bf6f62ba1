r"""The verdict of a protocol comparison, and where it flips: the sensitivity grid.

The model
---------
The **verdict** (:class:`Verdict`) names the protocol with the highest mean
joint gain, by how much (± twice the standard error of the paired
difference, :func:`_paired_se`), and under which settings; it says first,
party by party, whether the single undertaking or early harvests give every
party more (:func:`party_verdict`: Pareto dominance of the mean gains, no sum
across the parties' scales). The **sensitivity table**
(:func:`sensitivity_table`) repeats the comparison over a grid of hazard and
delay-cost multipliers and paces, so the reader sees where the verdict flips.

The benchmark of the literature: with complete information and a constant
cost of delay, Rubinstein's (1982) alternating-offers game ends in immediate
agreement, so no protocol gains by speed there; agendas matter when
information is imperfect or issues differ in value and timing (Fershtman
1990; Busch & Horstmann 1997; In & Serrano 2004). See ``docs/process.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dealspace.process.calendar import Calendar
from dealspace.process.cell import prepare, strategy_pair
from dealspace.process.delay import TariffDelay
from dealspace.process.protocols import get_protocol
from dealspace.process.settings import (
    ProcessSettings,
    rate_of,
    short_name,
    time_costs,
)
from dealspace.space import DealSpace

if TYPE_CHECKING:
    import pandas as pd

    from dealspace.process.montecarlo import MonteCarloResult

#: Definition of every column of the sensitivity table.
SENSITIVITY_COLUMNS: dict[str, str] = {
    "hazard_x": "multiplier of every breakdown hazard (base settings: 1)",
    "cost_x": "multiplier of every delay cost, tariffs and political (base: 1)",
    "every": "weeks (or days) between rounds",
    "winner": "the protocol with the highest mean joint gain in this cell",
    "margin": "its lead over the runner-up, joint points",
    "single_minus_harvest": "best single-undertaking design's mean joint gain minus the best early-harvest "
    "design's, points (> 0: the single undertaking wins)",
    "joint:<protocol>": "mean joint gain of each protocol in this cell, points",
}


def _num(x: Any) -> Any:
    if x is None:
        return None
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, int | np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        return float(x) if math.isfinite(x) else None
    return x


@dataclass(frozen=True)
class Verdict:
    """The one-line verdict and its conditions."""

    winner: str
    runner_up: str | None
    margin: float
    margin_se: float
    text: str
    conditions: str
    holds: int
    cells: int
    flips: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "winner": self.winner,
            "runner_up": self.runner_up,
            "margin": _num(self.margin),
            "margin_se": _num(self.margin_se),
            "text": self.text,
            "conditions": self.conditions,
            "holds_in": self.holds,
            "cells": self.cells,
            "flips": list(self.flips),
        }


def _winner(joint: Mapping[str, float]) -> tuple[str, str | None, float]:
    ranked = sorted(joint.items(), key=lambda kv: -kv[1])
    if len(ranked) == 1:
        return ranked[0][0], None, math.nan
    return ranked[0][0], ranked[1][0], ranked[0][1] - ranked[1][1]


def sensitivity_table(
    space: DealSpace,
    settings: ProcessSettings,
    tariff: TariffDelay | None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """The winner in every cell of hazard × delay cost × pace (:data:`SENSITIVITY_COLUMNS`).

    The talks' course does not depend on the hazard or the costs (a breakdown
    only cuts it short), so each protocol × pair is played once per pace and
    settled under every hazard and cost multiplier (common random numbers;
    what the settlements share is computed once, :meth:`Cell.settle_each`).

    The cells at the settings' own pace are played again rather than taken
    from the main Monte Carlo's first runs: the runs of one batch share matrix
    products, whose rounding may depend on the batch's size, so a run's course
    in a batch of 100 need not equal its course in a batch of 40.
    """
    import pandas as pd

    from dealspace.process.cell import (
        Cell,
        one_blas_thread,
        run_draws,
        seed_sequence,
        shared_normals,
    )

    prepared, _ = prepare(space)
    protos = [get_protocol(p) for p in settings.protocols]
    pairs = [strategy_pair(s) for s in settings.strategies]
    children = tuple(seed_sequence(settings.seed).spawn(settings.sensitivity_runs))
    uniforms = run_draws(children)  # each run's breakdown uniform
    normals = shared_normals(children)  # their noise draws, for every cell and pace
    batna = np.asarray(space.batna, dtype=float)
    cells = [(proto, agents) for proto in protos for agents in pairs]
    rows = []
    for every in settings.paces:
        cal = settings.calendar(space, every)
        grid = [(hx, cx) for hx in settings.hazard_scales for cx in settings.cost_scales]
        costs = {key: time_costs(space, settings, cal, tariff, *key) for key in grid}
        joint: dict[tuple[float, float], dict[str, list[float]]] = {key: {} for key in grid}
        for proto, agents in cells:
            cell = Cell(prepared, proto, agents, cal.rounds, costs[grid[0]], float(settings.noise))
            with one_blas_thread():
                course, traj = cell.course_of(children, normals)
            settled = cell.settle_each(course, uniforms, traj, [costs[key] for key in grid])
            for key, (out, _) in zip(grid, settled, strict=True):
                gain = float((out.value - batna[None, :]).sum(axis=1).mean())
                joint[key].setdefault(proto.label, []).append(gain)
            if progress:
                progress(len(children) * len(grid))
        for hx, cx in grid:
            means = {p: float(np.mean(v)) for p, v in joint[(hx, cx)].items()}
            win, _, margin = _winner(means)
            row: dict[str, Any] = {
                "hazard_x": hx,
                "cost_x": cx,
                "every": every,
                "winner": win,
                "margin": margin,
            }
            single = [means[p.label] for p in protos if not p.harvests]
            harvest = [means[p.label] for p in protos if p.harvests]
            row["single_minus_harvest"] = (
                max(single) - max(harvest) if single and harvest else math.nan
            )
            row.update({f"joint:{p}": v for p, v in means.items()})
            rows.append(row)
    return pd.DataFrame(rows)


def _conditions(
    settings: ProcessSettings,
    cal: Calendar,
    parties: Sequence[str],
    delay: Mapping[str, Mapping[str, float | None]],
) -> str:
    unit = settings.unit
    per = "a week" if unit == "week" else "a day"
    hz = ", ".join(f"{p} {100 * rate_of(settings.hazard, p):.2g} %" for p in parties)
    tariff = delay["tariff"]
    parts = [
        f"one round every {settings.every:g} {unit}{'s' if settings.every != 1 else ''} "
        f"from {cal.start} to {cal.end} ({cal.rounds} rounds)",
        f"breakdown hazard {hz} {per}",
    ]
    if any(v is not None for v in tariff.values()):
        parts.append(
            "tariffs in force cost "
            + ", ".join(f"{p} {v:.3g}" for p, v in tariff.items() if v is not None)
            + " points a week (GE-priced)"
        )
    else:
        parts.append("no tariff cost")
    pol = ", ".join(f"{p} {rate_of(settings.delay_cost, p):.3g}" for p in parties)
    parts.append(f"political delay cost {pol} points {per}")
    if settings.discount != 1:
        parts.append(f"discount factor {settings.discount:g} a year")
    parts.append(
        f"noise {settings.noise:g}; {len(settings.strategies)} strategy pairs × {settings.runs} runs, seed {settings.seed}"
    )
    return "; ".join(parts)


def _paired_se(result: MonteCarloResult, a: str, b: str) -> float:
    """Standard error of the mean difference in joint gain between protocols
    ``a`` and ``b``, paired by strategy pair and run (common random numbers)."""
    runs = result.runs
    x = runs[runs["protocol"] == a].set_index(["strategies", "run"])["joint_gain"]
    y = runs[runs["protocol"] == b].set_index(["strategies", "run"])["joint_gain"]
    d = (x - y.reindex(x.index)).to_numpy(float)
    d = d[np.isfinite(d)]
    return float(d.std(ddof=1) / math.sqrt(len(d))) if len(d) > 1 else math.nan


def _family_verdict(
    result: MonteCarloResult, table: pd.DataFrame, sens: pd.DataFrame, settings: ProcessSettings
) -> str:
    """The designer's question: the best single-undertaking design (no part binds
    early) against the best early-harvest design (parts bind when agreed)."""
    labels = list(table["protocol"])
    kinds = {get_protocol(p).label: get_protocol(p).harvests for p in settings.protocols}
    single = [p for p in labels if kinds.get(p) is False]
    harvest = [p for p in labels if kinds.get(p) is True]
    if not single or not harvest:
        return ""
    joint = dict(zip(table["protocol"], table["joint"], strict=True))
    s_best = max(single, key=joint.__getitem__)
    h_best = max(harvest, key=joint.__getitem__)
    gap = joint[s_best] - joint[h_best]
    se = _paired_se(result, s_best, h_best)
    lead = "the single undertaking" if gap > 0 else "early harvests"
    text = (
        f"Single undertaking or early harvests: {lead} — the best single-undertaking design ({short_name(s_best)}) "
        f"{'beats' if gap > 0 else 'trails'} the best early-harvest design ({short_name(h_best)}) by {abs(gap):.2f} ± "
        f"{2 * se:.2f} joint points"
    )
    if len(sens):
        cols = [c for c in sens.columns if c.startswith("joint:")]
        s_cols = [f"joint:{p}" for p in single if f"joint:{p}" in cols]
        h_cols = [f"joint:{p}" for p in harvest if f"joint:{p}" in cols]
        same = int(((sens[s_cols].max(axis=1) > sens[h_cols].max(axis=1)) == (gap > 0)).sum())
        text += f", and in {same} of {len(sens)} sensitivity cells"
    return text + "."


def _empty_sensitivity() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns=["hazard_x", "cost_x", "every", "winner", "margin"])


def party_verdict(rows: Sequence[Mapping[str, Any]], tol: float = 1e-9) -> str:
    """One scale-free sentence: single undertaking or early harvests?

    Designs are compared party by party (each in its own points), never by a
    sum of points across parties: a design is better when every party's mean
    gain is at least as high and one is higher (Pareto dominance of the mean
    gains); otherwise the sentence says who gains under which. Rows hold
    ``gain:<party>`` (or ``gain:<party>_mean``) per protocol.
    """
    by = {str(r["protocol"]): r for r in rows}
    su = by.get("alternating")
    harvest = [
        r
        for p, r in by.items()
        if p.split("[")[0].startswith(("sequential", "harvest")) or p == "silos"
    ]
    if su is None or not harvest:
        return ""
    suffix = "_mean" if any(k.startswith("gain:") and k.endswith("_mean") for k in su) else ""
    parties = [
        k[len("gain:") : len(k) - len(suffix)]
        for k in su
        if k.startswith("gain:") and k.endswith(suffix) and not k.endswith("_p10")
    ]

    def g(r: Mapping[str, Any], p: str) -> float:
        return float(r[f"gain:{p}{suffix}"])

    def gains(r: Mapping[str, Any]) -> str:
        return ", ".join(f"{p} {g(r, p):.2f}" for p in parties)

    def dominates(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
        diff = [g(a, p) - g(b, p) for p in parties]
        return all(d >= -tol for d in diff) and any(d > tol for d in diff)

    better = [r for r in harvest if dominates(r, su)]
    if better:
        best = next((r for r in better if not any(dominates(o, r) for o in better)), better[0])
        return (
            f"Early harvests: {short_name(best['protocol'])} gives every party a mean gain at least as high as the "
            f"single undertaking ({gains(best)} against {gains(su)}, each in its own points)."
        )
    if all(
        dominates(su, r) or all(abs(g(su, p) - g(r, p)) <= tol for p in parties) for r in harvest
    ):
        return (
            f"Single undertaking: every party's mean gain ({gains(su)}, each in its own points) is at least "
            f"as high as under any early-harvest design."
        )
    mixed = [r for r in harvest if not dominates(su, r)]
    return (
        f"No design is better for every party: the single undertaking gives {gains(su)}; "
        + "; ".join(f"{short_name(r['protocol'])} gives {gains(r)}" for r in mixed)
        + " (each party's mean gain in its own points)."
    )
