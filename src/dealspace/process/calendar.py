r"""Calendar time: the negotiation's dates, its pace, and time costs per week.

The model
---------
Talks run from a ``start`` date to an ``end`` date. The parties meet every
``every`` ``unit``\ s (weeks or days; default one round a fortnight), the
same in every protocol, so round ``r`` is held on
``start + r · every`` and there are ``T = ⌈(end − start) / every⌉`` rounds.
A strategy's concession depends on the calendar time since the start of the
talks, ``t / (T − 1)``, whatever the protocol: no protocol wins by giving a
part of the package a shorter clock.

Time costs are given per ``unit`` of time and converted to rounds
(:meth:`Calendar.per_round`):

* a running cost of ``c`` points per unit costs ``c · every`` points a round;
* a breakdown hazard ``h`` per unit is ``1 − (1 − h)^{every}`` per round;
* a discount factor ``δ_y`` per year is ``δ_y^{days per round / 365.25}`` per round.

So the same calendar in days or in weeks (``every = 14, unit = "day"`` and
``every = 2, unit = "week"``, with the costs per day or per week) gives the
same rounds and the same costs per round.

A dated event (:class:`DatedEvent`; a tariff deadline, an election, a court
ruling) adds to a party's running cost and hazard from its date on: it
applies to every round held on or after that date (:meth:`Calendar.round_of`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from dealspace.errors import DealspaceError

Unit = Literal["week", "day"]
DAYS = {"week": 7, "day": 1}


def parse_date(value: Any, where: str) -> dt.date:
    """A date from a ``date``, a ``datetime`` or an ISO string ``YYYY-MM-DD``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise DealspaceError.single(
            where, f"{value!r} is not a date", "write it as YYYY-MM-DD"
        ) from None


@dataclass(frozen=True)
class Calendar:
    """The dates and pace of a negotiation.

    Parameters
    ----------
    start, end
        First day of the talks and the day they must end by (exclusive).
    every
        Time between two rounds, in ``unit``\\ s (> 0).
    unit
        ``"week"`` or ``"day"``: the unit of ``every`` and of every rate
        (costs, hazards) given per unit of time.
    """

    start: dt.date
    end: dt.date
    every: float = 2.0
    unit: Unit = "week"

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", parse_date(self.start, "start"))
        object.__setattr__(self, "end", parse_date(self.end, "end"))
        if self.unit not in DAYS:
            raise DealspaceError.single(
                "unit", f"unknown time unit '{self.unit}'", "use 'week' or 'day'"
            )
        if isinstance(self.every, bool) or not (
            math.isfinite(float(self.every)) and float(self.every) > 0
        ):
            raise DealspaceError.single(
                "every", f"a round every {self.every!r} {self.unit}s", "use a number > 0"
            )
        object.__setattr__(self, "every", float(self.every))
        if self.end <= self.start:
            raise DealspaceError.single(
                "end",
                f"the talks end ({self.end}) on or before they start ({self.start})",
                "choose an end date after the start",
            )

    @property
    def round_days(self) -> float:
        """Days between two rounds."""
        return self.every * DAYS[self.unit]

    @property
    def weeks_per_round(self) -> float:
        return self.round_days / 7.0

    @property
    def rounds(self) -> int:
        """``T``: rounds held on or after ``start`` and before ``end``."""
        days = (self.end - self.start).days
        return max(1, math.ceil(days / self.round_days - 1e-9))

    @property
    def weeks(self) -> float:
        """Length of the talks in weeks."""
        return (self.end - self.start).days / 7.0

    def date_of(self, r: int) -> dt.date:
        """The date of round ``r`` (rounded down to a day)."""
        return self.start + dt.timedelta(days=math.floor(r * self.round_days + 1e-9))

    def round_of(self, day: dt.date) -> int:
        """The first round held on or after ``day`` (0 before the start, ``T`` after the end)."""
        days = (day - self.start).days
        if days <= 0:
            return 0
        return min(self.rounds, math.ceil(days / self.round_days - 1e-9))

    def per_round(self, rate: float, kind: Literal["cost", "hazard"]) -> float:
        """A rate per ``unit`` of time as a rate per round (see the module docstring)."""
        if kind == "cost":
            return rate * self.every
        return 1.0 - (1.0 - rate) ** self.every

    def discount_per_round(self, per_year: float) -> float:
        """``δ_y^{days per round / 365.25}``."""
        return float(per_year ** (self.round_days / 365.25))

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "every": self.every,
            "unit": self.unit,
            "rounds": self.rounds,
            "weeks": self.weeks,
        }


@dataclass(frozen=True)
class DatedEvent:
    """From ``date`` on, each named party's running cost rises by
    ``delay_cost[party]`` points per unit of time and its breakdown hazard by
    ``hazard[party]`` per unit of time (hazards combine as independent risks)."""

    date: dt.date
    label: str = ""
    delay_cost: Mapping[str, float] = field(default_factory=dict, hash=False)
    hazard: Mapping[str, float] = field(default_factory=dict, hash=False)
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "date", parse_date(self.date, "events.date"))
        for key in ("delay_cost", "hazard"):
            values = dict(getattr(self, key))
            for party, v in values.items():
                ok = (
                    isinstance(v, int | float)
                    and not isinstance(v, bool)
                    and math.isfinite(v)
                    and v >= 0
                )
                if not ok or (key == "hazard" and v >= 1):
                    rule = "a probability in [0, 1)" if key == "hazard" else "a number ≥ 0"
                    raise DealspaceError.single(f"events.{key}.{party}", f"{v!r} is not {rule}")
            object.__setattr__(self, key, {str(p): float(v) for p, v in sorted(values.items())})

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "label": self.label,
            "delay_cost": dict(self.delay_cost),
            "hazard": dict(self.hazard),
            "source": self.source,
        }
