r"""Single undertaking or early harvests? Protocols compared on a calendar, with a verdict.

The model
---------
:func:`compare_protocols` plays every protocol of the settings
(:class:`~dealspace.process.settings.ProcessSettings`) against a panel of
strategy pairs, ``runs`` runs each (common random numbers: run ``i`` has the
same seed in every cell), on one calendar with its time costs
(:mod:`dealspace.process.settings`). Each protocol is summarised over pairs
and runs (:data:`COLUMNS` defines every column); the verdict and the
sensitivity grid are :mod:`dealspace.process.verdict`'s. The names of those
two modules are importable from here too. See ``docs/process.md``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dealspace.process.calendar import Calendar
from dealspace.process.cell import deal_space, prepare
from dealspace.process.costs import TimeCosts
from dealspace.process.delay import TariffDelay
from dealspace.process.settings import (
    COMPARED,
    LABELS,
    MAX_RATE,
    PANEL,
    ProcessSettings,
    Rates,
    Talks,
    parse_rates,
    rate_of,
    scenario_events,
    short_name,
    talks,
    time_costs,
)
from dealspace.process.verdict import (
    SENSITIVITY_COLUMNS,
    Verdict,
    _conditions,
    _empty_sensitivity,
    _family_verdict,
    _num,
    _paired_se,
    _winner,
    party_verdict,
    sensitivity_table,
)
from dealspace.space import DealSpace

if TYPE_CHECKING:
    import pandas as pd

    from dealspace.process.montecarlo import MonteCarloResult

#: Definition of every column of the per-protocol table (``<p>``: a party).
COLUMNS: dict[str, str] = {
    "protocol": "the protocol (legend below the table)",
    "complete": "share of runs in which the whole package was agreed (complete + partial + none = 100 %)",
    "partial": "share of runs in which some parts were bound but not all (early harvests, silos)",
    "none": "share of runs with nothing agreed",
    "breakdown": "share of runs in which the talks collapsed before they ended (whatever was bound by then stays); "
    "it overlaps the three outcome columns",
    "weeks": "mean weeks from the start of the talks to the last part bound, over runs with any part bound",
    "gain:<p>": "mean realised gain of <p> over its BATNA, points: the value of what was bound, "
    "discounted, net of the delay costs paid",
    "gain:<p>_p10": "10th percentile of the same over runs and strategy pairs",
    "cost:<p>": "mean delay cost <p> paid, points (tariffs in force + political cost)",
    "joint": "sum of the parties' mean realised gains, points",
    "to_nash": "mean distance of the outcome from the Nash package, in utilities normalised to each party's range",
}


#: Definition of every column of the units table.
UNIT_COLUMNS: dict[str, str] = {
    "unit": "a part of the package negotiated on its own track (domain; a compound unit lists the other domains it binds)",
    "issues": "the issues bound with the unit",
    "bindable": "the unit has a zone of agreement of its own (some option set gives both sides more than its status quo)",
    "valid": "binding it first at the package's Nash options lowers no party's reach in the rest (as `dealspace harvest`)",
    "early_value": "joint value realised by binding it first, points over the status quo",
    "cost:<p>": "how much less <p> reaches in the end when this unit is bound first (0 when valid), points",
}


def definitions(kind: str, parties: Sequence[str], protocols: Sequence[str] = ()) -> dict[str, str]:
    """Column → definition for a table (``protocols``, ``sensitivity`` or ``units``),
    with ``<p>`` expanded for each party and ``<protocol>`` for each protocol."""
    base = {"protocols": COLUMNS, "sensitivity": SENSITIVITY_COLUMNS, "units": UNIT_COLUMNS}[kind]
    out: dict[str, str] = {}
    for key, text in base.items():
        if "<p>" in key:
            for p in parties:
                out[key.replace("<p>", p)] = text.replace("<p>", p)
        elif "<protocol>" in key:
            for proto in protocols:
                out[key.replace("<protocol>", proto)] = text
        else:
            out[key] = text
    return out


@dataclass(frozen=True, eq=False)
class ProtocolComparison:
    """Protocols compared on one calendar (see :func:`compare_protocols`).

    Attributes
    ----------
    scenario
        Scenario name.
    parties
        The two parties.
    settings
        The settings used.
    calendar
        The calendar (dates, pace, rounds).
    table
        One row per protocol (:data:`COLUMNS`).
    pairs
        One row per protocol × strategy pair (the Monte Carlo summary).
    verdict
        The winner, its margin, the conditions and where it flips.
    sensitivity
        One row per cell of the grid (:data:`SENSITIVITY_COLUMNS`), empty when
        switched off.
    units
        The harvest units (:data:`UNIT_COLUMNS`).
    delay
        What each party pays per week without a deal: ``tariff`` (GE-priced,
        or None), ``political``, ``hazard`` (per unit of time).
    tariff
        The GE pricing (None when off or impossible).
    """

    scenario: str
    parties: tuple[str, ...]
    settings: ProcessSettings
    calendar: Calendar
    table: pd.DataFrame
    pairs: pd.DataFrame
    verdict: Verdict
    sensitivity: pd.DataFrame
    units: pd.DataFrame
    delay: dict[str, dict[str, float | None]]
    tariff: TariffDelay | None

    def columns(self, kind: str = "protocols") -> dict[str, str]:
        """Definitions of the columns of ``table`` (``protocols``), ``sensitivity`` or ``units``."""
        return definitions(kind, self.parties, list(self.table["protocol"]))

    def to_frame(self) -> pd.DataFrame:
        """The per-protocol table."""
        return self.table

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (no NaN), stable keys."""
        return {
            "scenario": self.scenario,
            "parties": list(self.parties),
            "settings": self.settings.to_dict(),
            "calendar": self.calendar.to_dict(),
            "delay": {k: {p: _num(v) for p, v in d.items()} for k, d in self.delay.items()},
            "tariff": None if self.tariff is None else self.tariff.to_dict(),
            "columns": self.columns("protocols"),
            "protocols": records(self.table),
            "legend": {p: LABELS.get(p.split("[")[0], p) for p in self.table["protocol"]},
            "verdict": self.verdict.to_dict(),
            "sensitivity": {
                "columns": self.columns("sensitivity"),
                "rows": records(self.sensitivity),
            },
            "units": {"columns": self.columns("units"), "rows": records(self.units)},
            "pairs": records(self.pairs),
        }


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts (NaN and inf → None)."""
    return [{str(k): _num(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def aggregate(result: MonteCarloResult, weeks_per_round: float) -> pd.DataFrame:
    """Per protocol, over pairs and runs (:data:`COLUMNS`)."""
    import pandas as pd

    from dealspace.process.montecarlo import group_rows, mean, quantile

    runs = result.runs
    col = {c: runs[c].to_numpy() for c in runs.columns if c not in ("protocol", "strategies")}
    rows = []
    for proto, at in group_rows(runs, ["protocol"]):
        complete = col["agreement"][at].astype(bool)
        partial = col["partial"][at].astype(bool)
        last = col["last_binding"][at]
        row: dict[str, Any] = {
            "protocol": proto,
            "complete": float(complete.mean()),
            "partial": float(partial.mean()),
            "none": float((~complete & ~partial).mean()),
            "breakdown": mean(col["breakdown"][at]),
            "weeks": float(mean(last) * weeks_per_round) if (~np.isnan(last)).any() else np.nan,
        }
        for p in result.parties:
            gain = col[f"gain:{p}"][at]
            row[f"gain:{p}"] = mean(gain)
            row[f"gain:{p}_p10"] = quantile(gain, 0.1)
            row[f"cost:{p}"] = mean(col[f"cost:{p}"][at])
        row["joint"] = mean(col["joint_gain"][at])
        row["to_nash"] = mean(col["dist_nash"][at])
        rows.append(row)
    return pd.DataFrame(rows)


def _play(
    space: DealSpace,
    settings: ProcessSettings,
    costs: TimeCosts,
    rounds: int,
    runs: int,
    progress: Callable[[int], None] | None,
) -> MonteCarloResult:
    from dealspace.process.montecarlo import monte_carlo

    return monte_carlo(
        space,
        list(settings.protocols),
        list(settings.strategies),
        runs=runs,
        seed=settings.seed,
        deadline=rounds,
        costs=costs,
        noise=settings.noise,
        progress=progress,
    )


def _joint(result: MonteCarloResult) -> dict[str, float]:
    g = result.runs.groupby("protocol", sort=False)["joint_gain"].mean()
    return {str(k): float(v) for k, v in g.items()}


def harvest_units(space: DealSpace) -> pd.DataFrame:
    """The domain units of early harvests: their issues, whether each is
    bindable on its own, whether binding it first is a valid harvest and what
    it costs each party (:data:`UNIT_COLUMNS`;
    :func:`~dealspace.process.candidates.assess_units`)."""
    import pandas as pd

    rows = []
    for a in prepare(space)[0].assessments():
        row: dict[str, Any] = {
            "unit": a.unit.label,
            "issues": ", ".join(a.unit.issues),
            "bindable": a.bindable,
            "valid": a.valid,
            "early_value": a.early_value,
        }
        row.update({f"cost:{p}": float(v) for p, v in zip(space.parties, a.shortfall, strict=True)})
        rows.append(row)
    return pd.DataFrame(rows)


def compare_protocols(
    space: DealSpace,
    settings: ProcessSettings | None = None,
    progress: Callable[[int], None] | None = None,
) -> ProtocolComparison:
    """Every protocol against the strategy panel on one calendar, with a verdict
    and a sensitivity table (see the module docstring).

    Parameters
    ----------
    space
        A compiled deal space (two parties, or pick two with ``settings.parties``).
    settings
        The knobs (default :class:`ProcessSettings`).
    progress
        Called with the number of runs just finished.

    Returns
    -------
    ProtocolComparison

    Raises
    ------
    DealspaceError
        For bad settings (unknown parties, protocols, strategies; numbers out of range).
    """
    settings = settings or ProcessSettings()
    space = deal_space(space, settings.parties)
    parties = space.parties
    plan = talks(space, settings)
    cal, tariff = plan.calendar, plan.tariff
    result = _play(space, settings, plan.costs, cal.rounds, settings.runs, progress)
    table = aggregate(result, cal.weeks_per_round)
    sens = (
        sensitivity_table(space, settings, tariff, progress)
        if settings.sensitivity
        else _empty_sensitivity()
    )
    delay: dict[str, dict[str, float | None]] = {
        "tariff": {p: (tariff.per_week[p] if tariff is not None else None) for p in parties},
        "political": {p: rate_of(settings.delay_cost, p) for p in parties},
        "hazard": {p: rate_of(settings.hazard, p) for p in parties},
    }
    joint = dict(zip(table["protocol"], table["joint"], strict=True))
    win, runner, margin = _winner(joint)
    margin_se = _paired_se(result, win, runner) if runner is not None else math.nan
    conditions = _conditions(settings, cal, parties, delay)
    events = settings.all_events(space)
    if events:
        conditions += "; dated events: " + ", ".join(
            f"{e.label or 'event'} ({e.date})" for e in events
        )
    flips: list[str] = []
    holds = 0
    for row in sens.to_dict(orient="records"):
        if row["winner"] == win:
            holds += 1
        else:
            flips.append(
                f"{short_name(row['winner'])} at hazard ×{row['hazard_x']:g}, cost ×{row['cost_x']:g}, "
                f"every {row['every']:g} {settings.unit}s"
            )
    tie = runner is not None and margin < 2 * margin_se
    per_party = party_verdict(
        [{str(k): v for k, v in r.items()} for r in table.to_dict(orient="records")]
    )
    if tie:
        text = (
            f"{short_name(win)} and {short_name(runner)} tie within sampling error: mean joint gain {joint[win]:.2f} and "
            f"{joint[runner]:.2f} points (difference {margin:.2f} ± {2 * margin_se:.2f})"
        )
    else:
        text = f"{short_name(win)} wins: mean joint gain {joint[win]:.2f} points"
        if runner is not None:
            text += f", {margin:.2f} ± {2 * margin_se:.2f} ahead of {short_name(runner)} ({joint[runner]:.2f})"
    if len(sens):
        text += f"; it ranks first in {holds} of {len(sens)} sensitivity cells"
        if flips:
            text += f", {flips[0]}" + (f" (+{len(flips) - 1} more)" if len(flips) > 1 else "")
    text += " (joint gain: the sum of both parties' points, a comparison across their scales)."
    if per_party:
        text = per_party + " By joint gain, " + text[0].lower() + text[1:]
    family = _family_verdict(result, table, sens, settings)
    if family:
        text += " " + family
    verdict = Verdict(
        win, runner, margin, margin_se, text, conditions, holds, len(sens), tuple(flips)
    )
    return ProtocolComparison(
        scenario=space.scenario.name,
        parties=tuple(parties),
        settings=dataclasses.replace(settings),
        calendar=cal,
        table=table,
        pairs=result.summary,
        verdict=verdict,
        sensitivity=sens,
        units=harvest_units(space),
        delay=delay,
        tariff=tariff,
    )


__all__ = [
    "COLUMNS",
    "COMPARED",
    "LABELS",
    "MAX_RATE",
    "PANEL",
    "SENSITIVITY_COLUMNS",
    "UNIT_COLUMNS",
    "ProcessSettings",
    "ProtocolComparison",
    "Rates",
    "Talks",
    "Verdict",
    "aggregate",
    "compare_protocols",
    "definitions",
    "harvest_units",
    "parse_rates",
    "party_verdict",
    "rate_of",
    "records",
    "scenario_events",
    "sensitivity_table",
    "short_name",
    "talks",
    "time_costs",
]
