r"""Single undertaking or early harvests? Protocols compared on a calendar, with a verdict.

The model
---------
:func:`compare_protocols` plays every protocol of the settings
(:class:`ProcessSettings`) against a panel of strategy pairs, ``runs`` runs
each (common random numbers: run ``i`` has the same seed in every cell), on
one calendar (:class:`~dealspace.process.calendar.Calendar`): the same
start, end and pace in every protocol, and strategies that concede on the
calendar of the whole talks. Time costs are per party and per week:

* the tariffs in force while there is no deal, priced by the economy module
  (:mod:`dealspace.process.delay`; on whenever the scenario's tariff issues
  and parties carry GE data), paid until the units holding the tariff issues
  bind;
* a political cost of delay ``delay_cost[p]`` points per unit of time, paid
  on the part of the party's stake still open;
* a breakdown hazard ``hazard[p]`` per unit of time: the talks collapse when
  either party walks away, ``h = 1 − Π_p (1 − h_p)`` per round;
* dated events (the scenario's ``events`` and the settings') that add to
  those from their date on;
* an optional discount factor per year (default 1: the costs above are the
  time costs).

Each protocol is summarised over pairs and runs (:data:`COLUMNS` defines every
column). The **verdict** names the protocol with the highest mean joint
gain, by how much, and under which settings; the **sensitivity table**
repeats the comparison over a grid of hazard and delay-cost multipliers and
paces, so the reader sees where the verdict flips.

The benchmark of the literature: with complete information and a constant
cost of delay, Rubinstein's (1982) alternating-offers game ends in immediate
agreement, so no protocol gains by speed there; agendas matter when
information is imperfect or issues differ in value and timing (Fershtman
1990; Busch & Horstmann 1997; In & Serrano 2004). See ``docs/process.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dealspace.errors import DealspaceError, did_you_mean, shorten
from dealspace.process.calendar import Calendar, DatedEvent, parse_date
from dealspace.process.cell import deal_space, prepare, strategy_pair
from dealspace.process.costs import TimeCosts
from dealspace.process.delay import TariffDelay, can_price, tariff_delay
from dealspace.process.protocols import get_protocol
from dealspace.space import DealSpace

if TYPE_CHECKING:
    import pandas as pd

    from dealspace.process.montecarlo import MonteCarloResult

#: Protocols compared by default.
COMPARED = ("alternating", "snt", "sequential", "sequential-negotiated", "harvest-package", "silos")
#: Strategy pairs averaged over by default.
PANEL = (
    "boulware,boulware",
    "linear,linear",
    "conceder,boulware",
    "tit-for-tat,tit-for-tat",
    "frequency,linear",
    "nash,nash",
)
#: What each protocol name means, for legends.
LABELS = {
    "alternating": "single undertaking (alternating offers on the whole package)",
    "snt": "single negotiating text (a mediator drafts, both accept or object)",
    "sequential": "early harvests, bindable units in the scenario's domain order",
    "sequential-negotiated": "early harvests, agenda negotiated by the parties",
    "sequential-blocks": "early harvests, issue by issue",
    "harvest-package": "valid early harvests first (as `dealspace harvest` finds), then the rest as one package",
    "silos": "parallel silos (one track per domain, no cross-domain trades)",
}

Rates = float | tuple[tuple[str, float], ...]


def short_name(protocol: object) -> str:
    """A protocol's display name without its gloss: ``snt`` → ``single negotiating text``;
    a parametrised label keeps its parameters (``sequential[order=b,a]``)."""
    name = str(protocol)
    base, _, params = name.partition("[")
    short = LABELS.get(base, base).split(" (")[0]
    return short + (f" [{params}" if params else "")


#: Largest rate (a delay cost in points per unit of time, points per welfare %):
#: far above any meaningful value, far below overflow in sums over a calendar.
MAX_RATE = 1e12


def parse_rates(value: Any, where: str, probability: bool = False) -> Rates:
    """One number for every party, or party → number (a mapping or ``"a=1,b=2"``)."""
    if isinstance(value, str):
        text = value.strip()
        if "=" not in text:
            try:
                value = float(text)
            except ValueError:
                raise DealspaceError.single(
                    where,
                    f"'{shorten(value)}' is not a number or party=number list",
                    "write e.g. 0.02 or us=0.02,japan=0.28",
                ) from None
        else:
            pairs: dict[str, float] = {}
            for part in text.split(","):
                if not part.strip():
                    continue
                key, _, num = part.partition("=")
                try:
                    pairs[key.strip()] = float(num)
                except ValueError:
                    raise DealspaceError.single(
                        where,
                        f"'{shorten(part)}' is not party=number",
                        "write e.g. us=0.02,japan=0.28",
                    ) from None
            value = pairs
    rule = "a probability in [0, 1)" if probability else f"a number in [0, {MAX_RATE:g}]"

    def check(v: Any, at: str) -> float:
        ok = (
            isinstance(v, int | float)
            and not isinstance(v, bool)
            and (isinstance(v, int) or math.isfinite(v))  # a 400-digit int is finite, not a float
            and v >= 0
        )
        if not ok or (probability and v >= 1) or v > MAX_RATE:
            raise DealspaceError.single(at, f"{shorten(repr(v))} is not {rule}")
        return float(v)

    if isinstance(value, Mapping):
        return tuple(sorted((str(k), check(v, f"{where}.{k}")) for k, v in value.items()))
    if isinstance(value, tuple) and all(isinstance(x, tuple) and len(x) == 2 for x in value):
        return tuple(sorted((str(k), check(v, f"{where}.{k}")) for k, v in value))
    return check(value, where)


def rate_of(rates: Rates, party: str) -> float:
    """The rate of one party (0 for a party a mapping leaves out)."""
    if isinstance(rates, tuple):
        return dict(rates).get(party, 0.0)
    return float(rates)


@dataclass(frozen=True)
class ProcessSettings:
    """Every knob of a protocol comparison (all with defaults).

    Parameters
    ----------
    protocols
        Protocols compared (names or ``{name: …, <parameters>}`` mappings);
        default :data:`COMPARED`.
    strategies
        Strategy pairs ``"a,b"`` averaged over; default :data:`PANEL`.
    runs
        Runs per protocol × strategy pair (default 500).
    seed
        Master seed (default 0): run ``i`` has the same seed in every cell.
    start
        First day of the talks (ISO date); default the scenario's ``date``,
        else 2025-01-01.
    end
        The day the talks must end by; default ``start + weeks``.
    weeks
        Length of the talks when ``end`` is not given (default 52).
    every
        Time between rounds in ``unit``\\ s (default 2: one round a fortnight).
    unit
        ``"week"`` (default) or ``"day"``: the unit of ``every``, ``hazard``
        and ``delay_cost``.
    hazard
        Breakdown hazard per party per unit of time: one number for both or
        ``{party: h}`` (default 0.0025 a week each, ≈ 12 % a year each; an
        assumption — see the sensitivity table).
    delay_cost
        Political cost of delay per party, points per unit of time, on top of
        the tariffs in force (default 0).
    tariff_cost
        Price the tariffs in force with the economy module when the scenario
        allows it (default True).
    points_per_welfare_pct
        Points per percentage point of welfare (default: the scenario's
        setting, else the rate each party's valuation implies, else 10;
        :func:`~dealspace.process.delay.exchange_rate`).
    valuation_years
        Years over which a package's value is counted (default 4, a US
        presidential term): a week's delay forgoes ``1/(52 · years)`` of the
        tariff relief's value (:mod:`~dealspace.process.delay`).
    discount
        Discount factor per year (default 1: the delay costs and the hazard are
        the time costs).
    noise
        ``σ`` of each side's estimate of the other's valuation (default 0.1).
    parties
        Two parties of a larger scenario (default: the scenario's two).
    events
        Dated events added to the scenario's.
    scenario_events
        Apply the scenario's own dated events (default True).
    sensitivity
        Compute the sensitivity table (default True).
    sensitivity_runs
        Runs per cell of the sensitivity table (default 100).
    hazard_scales, cost_scales
        Multipliers of every hazard and of every delay cost in the
        sensitivity grid (defaults (0, 1, 4)).
    paces
        Values of ``every`` in the sensitivity grid (default (1, 2, 4)).
    """

    protocols: tuple[Any, ...] = COMPARED
    strategies: tuple[str, ...] = PANEL
    runs: int = 500
    seed: int = 0
    start: str | None = None
    end: str | None = None
    weeks: float = 52.0
    every: float = 2.0
    unit: str = "week"
    hazard: Rates = 0.0025
    delay_cost: Rates = 0.0
    tariff_cost: bool = True
    points_per_welfare_pct: float | None = None
    valuation_years: float = 4.0
    discount: float = 1.0
    noise: float = 0.1
    parties: tuple[str, str] | None = None
    events: tuple[DatedEvent, ...] = ()
    scenario_events: bool = True
    sensitivity: bool = True
    sensitivity_runs: int = 100
    hazard_scales: tuple[float, ...] = (0.0, 1.0, 4.0)
    cost_scales: tuple[float, ...] = (0.0, 1.0, 4.0)
    paces: tuple[float, ...] = (1.0, 2.0, 4.0)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(
            self,
            "protocols",
            tuple(self.protocols) if not isinstance(self.protocols, str) else (self.protocols,),
        )
        for k, p in enumerate(self.protocols):
            get_protocol(p, f"protocols[{k}]")
        set_(
            self,
            "strategies",
            tuple(self.strategies) if not isinstance(self.strategies, str) else (self.strategies,),
        )
        for s in self.strategies:
            strategy_pair(s)
        if not self.protocols or not self.strategies:
            raise DealspaceError.single(
                "protocols", "nothing to compare", "give protocols and strategy pairs"
            )
        for key in ("runs", "sensitivity_runs"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
                raise DealspaceError.single(key, f"{key} is {v!r}", "use a whole number ≥ 1")
        if (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int | np.integer)
            or self.seed < 0
        ):
            raise DealspaceError.single(
                "seed", f"the seed is {self.seed!r}", "use a whole number ≥ 0"
            )
        if self.unit not in ("week", "day"):
            raise DealspaceError.single(
                "unit", f"unknown time unit '{self.unit}'", did_you_mean(self.unit, ["week", "day"])
            )
        for key in ("weeks", "every", "valuation_years"):
            v = getattr(self, key)
            if (
                isinstance(v, bool)
                or not isinstance(v, int | float)
                or not (math.isfinite(v) and v > 0)
            ):
                raise DealspaceError.single(key, f"{key} is {v!r}", "use a number > 0")
        for key in ("start", "end"):
            v = getattr(self, key)
            if v is not None:
                set_(self, key, parse_date(v, key).isoformat())
        set_(self, "hazard", parse_rates(self.hazard, "hazard", probability=True))
        set_(self, "delay_cost", parse_rates(self.delay_cost, "delay_cost"))
        d = self.discount
        if (
            isinstance(d, bool)
            or not isinstance(d, int | float)
            or not (math.isfinite(d) and 0 < d <= 1)
        ):
            raise DealspaceError.single(
                "discount", f"the discount factor per year is {d!r}", "use a number in (0, 1]"
            )
        n = self.noise
        if (
            isinstance(n, bool)
            or not isinstance(n, int | float)
            or not (math.isfinite(n) and n >= 0)
        ):
            raise DealspaceError.single("noise", f"the noise level is {n!r}", "use a number ≥ 0")
        if self.points_per_welfare_pct is not None:
            parse_rates(self.points_per_welfare_pct, "points_per_welfare_pct")
        if self.parties is not None:
            set_(self, "parties", tuple(self.parties))
        set_(
            self,
            "events",
            tuple(e if isinstance(e, DatedEvent) else DatedEvent(**e) for e in self.events),
        )
        for key in ("hazard_scales", "cost_scales", "paces"):
            values = tuple(float(v) for v in getattr(self, key))
            if (
                not values
                or any(not math.isfinite(v) or v < 0 for v in values)
                or (key == "paces" and min(values) <= 0)
            ):
                raise DealspaceError.single(
                    key, f"{key} is {values!r}", "give one or more numbers ≥ 0 (paces > 0)"
                )
            set_(self, key, values)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, stable keys."""

        def rates(r: Rates) -> Any:
            return dict(r) if isinstance(r, tuple) else r

        return {
            "protocols": [p if isinstance(p, str) else dict(p) for p in self.protocols],
            "strategies": list(self.strategies),
            "runs": int(self.runs),
            "seed": int(self.seed),
            "start": self.start,
            "end": self.end,
            "weeks": self.weeks,
            "every": self.every,
            "unit": self.unit,
            "hazard": rates(self.hazard),
            "delay_cost": rates(self.delay_cost),
            "tariff_cost": self.tariff_cost,
            "points_per_welfare_pct": self.points_per_welfare_pct,
            "valuation_years": self.valuation_years,
            "discount": self.discount,
            "noise": self.noise,
            "parties": None if self.parties is None else list(self.parties),
            "events": [e.to_dict() for e in self.events],
            "scenario_events": self.scenario_events,
            "sensitivity": self.sensitivity,
            "sensitivity_runs": int(self.sensitivity_runs),
            "hazard_scales": list(self.hazard_scales),
            "cost_scales": list(self.cost_scales),
            "paces": list(self.paces),
        }

    # -- derived -----------------------------------------------------------------
    def calendar(self, space: DealSpace, every: float | None = None) -> Calendar:
        """The calendar of the talks on a scenario (``every`` overrides the pace)."""
        start = self.start or _scenario_date(space)
        begin = parse_date(start, "start")
        end = (
            parse_date(self.end, "end")
            if self.end
            else begin + dt.timedelta(days=round(self.weeks * 7))
        )
        return Calendar(begin, end, self.every if every is None else every, self.unit)  # type: ignore[arg-type]

    def all_events(self, space: DealSpace) -> tuple[DatedEvent, ...]:
        """The scenario's dated events (if applied) and the settings'."""
        own: tuple[DatedEvent, ...] = ()
        if self.scenario_events:
            own = tuple(scenario_events(space))
        return own + self.events


def _scenario_date(space: DealSpace) -> str:
    date = getattr(space.scenario, "date", None)
    if date:
        try:
            return parse_date(date, "date").isoformat()
        except DealspaceError:
            pass
    return "2025-01-01"


def scenario_events(space: DealSpace) -> list[DatedEvent]:
    """The scenario's dated events (its optional ``events`` list)."""
    out = []
    for ev in getattr(space.scenario, "events", None) or []:
        out.append(
            DatedEvent(
                ev.date, ev.label or "", dict(ev.delay_cost), dict(ev.hazard), ev.source or ""
            )
        )
    return out


# ------------------------------------------------------------------ time costs


def time_costs(
    space: DealSpace,
    settings: ProcessSettings,
    calendar: Calendar,
    tariff: TariffDelay | None,
    hazard_scale: float = 1.0,
    cost_scale: float = 1.0,
) -> TimeCosts:
    """The per-round time costs of a calendar: paths of the tariff cost, the
    political cost and the combined hazard (see the module docstring)."""
    parties = space.parties
    known = set(parties)
    rounds = calendar.rounds
    events = settings.all_events(space)
    for ev in events:
        for p in (*ev.delay_cost, *ev.hazard):
            if p not in known:
                raise DealspaceError.single(
                    f"events[{ev.date}]", f"unknown party '{p}'", did_you_mean(p, parties)
                )
    for key in ("hazard", "delay_cost"):
        r = getattr(settings, key)
        if isinstance(r, tuple):
            for p, _ in r:
                if p not in known:
                    raise DealspaceError.single(
                        key, f"unknown party '{p}'", did_you_mean(p, parties)
                    )
    starts = [calendar.round_of(ev.date) for ev in events]
    political = np.zeros((rounds, len(parties)))
    survive = np.ones((rounds, len(parties)))
    for k, p in enumerate(parties):
        cost = np.full(rounds, rate_of(settings.delay_cost, p))
        hazard = np.full(rounds, rate_of(settings.hazard, p))
        keep = np.ones(rounds)
        for ev, r0 in zip(events, starts, strict=True):
            cost[r0:] += ev.delay_cost.get(p, 0.0)
            keep[r0:] *= 1.0 - ev.hazard.get(p, 0.0)
        unit_hazard = np.minimum(1.0 - (1.0 - hazard) * keep, 1.0)  # per unit of time
        unit_hazard = np.minimum(unit_hazard * hazard_scale, 0.999)
        political[:, k] = calendar.per_round(1.0, "cost") * cost * cost_scale
        survive[:, k] = (1.0 - unit_hazard) ** calendar.every
    tariff_round = np.zeros((rounds, len(parties)))
    if tariff is not None:
        per_round = (
            np.array([tariff.per_week[p] for p in parties]) * calendar.weeks_per_round * cost_scale
        )
        tariff_round[:] = per_round
    hazard_path = 1.0 - survive.prod(axis=1)
    return TimeCosts(
        discount=calendar.discount_per_round(settings.discount),
        status_quo_issues=tariff.issues if tariff is not None else None,
        sq_path=tuple(map(tuple, tariff_round)),
        unc_path=tuple(map(tuple, political)),
        hazard_path=tuple(hazard_path),
    )


@dataclass(frozen=True, eq=False)
class Talks:
    """The talks of a scenario on a calendar: what :func:`talks` derives from
    the settings once, and every simulation on that calendar uses.

    Attributes
    ----------
    calendar
        Dates, pace and rounds (``calendar.rounds`` is the deadline in rounds).
    costs
        The per-round time costs (:func:`time_costs`).
    tariff
        The GE pricing of the tariffs in force (None when off or impossible).
    """

    calendar: Calendar
    costs: TimeCosts
    tariff: TariffDelay | None


def talks(space: DealSpace, settings: ProcessSettings) -> Talks:
    """The calendar, per-round time costs and tariff pricing of ``settings`` on
    a two-party space (the same for ``compare-protocols``, ``simulate`` and
    sweeps, so a cell means the same thing in each)."""
    cal = settings.calendar(space)
    tariff = _tariff(space, settings) if settings.tariff_cost else None
    return Talks(cal, time_costs(space, settings, cal, tariff), tariff)


_TARIFFS: dict[tuple[int, Any, float], tuple[DealSpace, TariffDelay | None]] = {}


def _tariff(space: DealSpace, settings: ProcessSettings) -> TariffDelay | None:
    """The GE pricing of the tariffs in force, cached for the last few spaces
    (a sweep prices each space once per worker, not once per cell)."""
    key = (id(space), repr(settings.points_per_welfare_pct), settings.valuation_years)
    hit = _TARIFFS.get(key)
    if hit is None or hit[0] is not space:
        if len(_TARIFFS) >= 8:
            _TARIFFS.pop(next(iter(_TARIFFS)))
        priced = (
            tariff_delay(space, settings.points_per_welfare_pct, settings.valuation_years)
            if can_price(space)
            else None
        )
        hit = _TARIFFS[key] = (space, priced)
    return hit[1]


# ------------------------------------------------------------------ columns

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


# ------------------------------------------------------------------ result


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


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts (NaN and inf → None)."""
    return [{str(k): _num(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


# ------------------------------------------------------------------ compare


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

    from dealspace.process.cell import Cell, one_blas_thread, run_draws, seed_sequence

    prepared, _ = prepare(space)
    protos = [get_protocol(p) for p in settings.protocols]
    pairs = [strategy_pair(s) for s in settings.strategies]
    children = tuple(seed_sequence(settings.seed).spawn(settings.sensitivity_runs))
    uniforms = run_draws(children)  # each run's breakdown uniform
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
                course, traj = cell.course_of(children)
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


__all__ = [
    "COLUMNS",
    "COMPARED",
    "LABELS",
    "PANEL",
    "ProcessSettings",
    "ProtocolComparison",
    "Talks",
    "Verdict",
    "aggregate",
    "compare_protocols",
    "harvest_units",
    "sensitivity_table",
    "short_name",
    "talks",
    "time_costs",
]


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
