r"""The settings of a protocol comparison and what they derive on a calendar: its time costs.

The model
---------
The talks run on one calendar (:class:`~dealspace.process.calendar.Calendar`,
:meth:`ProcessSettings.calendar`): the same start, end and pace in every
protocol, and strategies that concede on the calendar of the whole talks.
Time costs are per party and per week (:func:`time_costs`):

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

:func:`talks` derives the calendar, the per-round costs and the tariff
pricing once; ``compare-protocols``, ``simulate`` and sweeps all use it, so a
cell means the same thing in each. See ``docs/process.md``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from dealspace.errors import DealspaceError, did_you_mean, shorten
from dealspace.process.calendar import Calendar, DatedEvent, parse_date
from dealspace.process.cell import strategy_pair
from dealspace.process.costs import TimeCosts
from dealspace.process.delay import TariffDelay, can_price, tariff_delay
from dealspace.process.protocols import get_protocol
from dealspace.space import DealSpace

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
