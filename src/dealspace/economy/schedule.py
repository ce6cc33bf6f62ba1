"""The dated schedule of US tariff changes, 2025–26: each partner's rate from a given day.

The schedule is data (``data/tariff_schedule.csv``), one row per change:

``effective``
    ISO date from which the rate applies (inclusive).
``partner``
    An ISO3 code, a region code (``EU``: each member) or ``*`` (every
    partner of the US but those listed in ``exempt``).
``rate``
    The US rate on all goods from the partner, in decimals, as the model
    sees it: IEEPA "reciprocal" plus "fentanyl" tariffs (China's 0.30 is
    10 % + 20 %); the s.232 sector tariffs are not in it, as in the study.
    ``announced`` means the partner's rate announced on 2 April 2025, floored
    at 10 % (the ``liberation-day`` preset).
``event``, ``source``, ``fact``
    What happened, the citations, and a verbatim excerpt of the project fact
    sheet (``../shared/facts/tariffs-2025.md``) that supports the row.

The rates in force on a day are those of the changes up to that day applied
in date order, on one day the ``*`` rows first
(:func:`dealspace.economy.policy.tariffs_in_force`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pandas as pd

from dealspace.errors import DealspaceError

EVERY = "*"
ANNOUNCED = "announced"


@dataclass(frozen=True)
class RateChange:
    """One dated change of the US rate on a partner's goods (module docstring)."""

    effective: str
    partner: str
    exempt: tuple[str, ...]
    rate: float | None  # None: the 2 April 2025 announced rate
    event: str
    source: str
    fact: str

    def to_dict(self) -> dict[str, object]:
        """JSON-safe: the fields, ``exempt`` as a list."""
        return {
            "effective": self.effective,
            "partner": self.partner,
            "exempt": list(self.exempt),
            "rate": self.rate,
            "event": self.event,
            "source": self.source,
            "fact": self.fact,
        }


@functools.cache
def schedule() -> tuple[RateChange, ...]:
    """Every change of the embedded schedule, in the order it is applied (date, ``*`` rows first)."""
    with resources.as_file(
        resources.files("dealspace.economy") / "data" / "tariff_schedule.csv"
    ) as path:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    changes = [_row(k + 2, row) for k, row in enumerate(frame.to_dict("records"))]
    return tuple(sorted(changes, key=lambda c: (c.effective, c.partner != EVERY)))


def _row(line: int, row: Mapping[Hashable, Any]) -> RateChange:
    where = f"tariff_schedule.csv line {line}"
    try:
        effective = dt.date.fromisoformat(str(row["effective"])).isoformat()
        rate = None if row["rate"] == ANNOUNCED else float(row["rate"])
    except ValueError as err:
        raise DealspaceError.single(where, str(err), "fix the embedded schedule") from None
    if rate is not None and not 0 <= rate < 10:
        raise DealspaceError.single(where, f"rate {rate!r}", "a decimal rate, 0.15 = 15 %")
    return RateChange(
        effective=effective,
        partner=str(row["partner"]).strip(),
        exempt=tuple(str(row["exempt"]).split()),
        rate=rate,
        event=str(row["event"]),
        source=str(row["source"]),
        fact=str(row["fact"]),
    )


def changes_until(day: str) -> tuple[RateChange, ...]:
    """The changes in force on ``day`` (ISO date): those effective on or before it."""
    return tuple(c for c in schedule() if c.effective <= day)
