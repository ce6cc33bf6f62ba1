"""Prices of red lines and must-haves: what each hard constraint costs.

Model
-----
Let :math:`X` be the packages acceptable to every party and :math:`x^N` the
Nash bargaining package over :math:`X` with disagreement point :math:`d`
(the BATNAs). Dropping one hard constraint :math:`c` (a must-have or red
line of one party) enlarges the feasible set to :math:`X_{-c} \\supseteq X`;
its *price* to party :math:`p` is the change of :math:`p`'s gain at the Nash
package,

.. math::

    \\Delta_p(c) = \\bigl(u_p(x^N_{-c}) - d_p\\bigr) - \\bigl(u_p(x^N) - d_p\\bigr),
    \\qquad \\Delta(c) = \\sum_p \\Delta_p(c)

(gains are 0 where there is no deal). A positive :math:`\\Delta_p(c)` is what
:math:`p` would gain if :math:`c` were dropped — the constraint's shadow
price in the Nash outcome. The price to the constraint's *owner* may be
negative: a red line can protect the party that draws it.

Flags
-----
``free``
    :math:`|\\Delta_p(c)| \\le \\text{tol}` for every :math:`p` and the
    deal/no-deal status is unchanged: the constraint does not bind at the
    Nash package.
``kills_zopa``
    With every constraint there is no ZOPA; without :math:`c` alone there
    is one: :math:`c` by itself blocks any deal.

References
----------
.. [1] Raiffa, H. (1982). *The Art and Science of Negotiation*. Harvard
   University Press (reservation values and the cost of constraints).
.. [2] Sebenius, J. K. (1983). Negotiation arithmetic. *International
   Organization* 37(2), 281–316.
.. [3] Nash, J. F. (1950). The bargaining problem. *Econometrica* 18(2),
   155–162.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dealspace.analysis.silos import TOL, Negotiator, Outcome
from dealspace.present.document import Chart
from dealspace.present.notebook import Displayed
from dealspace.scenario.model import Scenario
from dealspace.space import DealSpace, hard_constraints


@dataclass(frozen=True)
class RedlinePrice:
    """The price of one hard constraint (see :mod:`dealspace.analysis.redlines`)."""

    key: str
    party: str
    kind: str
    label: str
    delta: tuple[float, ...]
    zopa_with: bool
    zopa_without: bool
    package_without: dict[str, Any] | None
    free: bool

    @property
    def joint(self) -> float:
        """:math:`\\Delta(c)`, the change of the joint gain if dropped."""
        return float(sum(self.delta))

    @property
    def kills_zopa(self) -> bool:
        return not self.zopa_with and self.zopa_without


@dataclass(frozen=True)
class RedlinePrices(Displayed):
    """Every hard constraint's price. Build with :func:`redline_prices`."""

    scenario: str
    parties: tuple[str, ...]
    base: Outcome
    prices: tuple[RedlinePrice, ...]
    tol: float

    def price(self, key: str) -> RedlinePrice:
        for p in self.prices:
            if p.key == key:
                return p
        raise KeyError(key)

    def to_frame(self) -> pd.DataFrame:
        """One row per constraint: owner, kind, change per party and joint, flags."""
        rows = []
        for c in self.prices:
            row: dict[str, Any] = {
                "constraint": c.key,
                "party": c.party,
                "kind": c.kind,
                "label": c.label,
            }
            row.update({f"delta:{p}": v for p, v in zip(self.parties, c.delta, strict=True)})
            row.update({"joint": c.joint, "free": c.free, "kills_zopa": c.kills_zopa})
            rows.append(row)
        columns = ["constraint", "party", "kind", "label", *[f"delta:{p}" for p in self.parties]]
        columns += ["joint", "free", "kills_zopa"]
        return pd.DataFrame(rows, columns=columns).set_index("constraint")

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "parties": list(self.parties),
            "base": {
                "zopa": self.base.zopa,
                "agreement": self.base.agreement,
                "gains": dict(zip(self.parties, self.base.gains, strict=True)),
                "joint": self.base.joint,
            },
            "tol": self.tol,
            "constraints": [
                {
                    "key": c.key,
                    "party": c.party,
                    "kind": c.kind,
                    "label": c.label,
                    "delta": dict(zip(self.parties, c.delta, strict=True)),
                    "joint": c.joint,
                    "free": c.free,
                    "kills_zopa": c.kills_zopa,
                    "zopa_with": c.zopa_with,
                    "zopa_without": c.zopa_without,
                    "package_without": c.package_without,
                }
                for c in self.prices
            ],
        }

    def chart(self) -> Chart | None:
        """What each binding constraint costs each party (None when none binds)."""
        from dealspace.analysis.specs import redlines_chart

        return redlines_chart(self)


def redline_prices(scenario: Scenario | DealSpace, *, tol: float = TOL) -> RedlinePrices:
    """Price every must-have and red line by dropping it alone.

    Parameters
    ----------
    scenario
        The negotiation portfolio.
    tol
        Gains closer than this (utility points) count as equal.

    Returns
    -------
    RedlinePrices
        One :class:`RedlinePrice` per constraint, in scenario order.

    Notes
    -----
    :math:`\\Delta_p(c) = g_p(x^N_{-c}) - g_p(x^N)` where :math:`x^N_{-c}` is
    the Nash package of ``compile(scenario, drop=[c])``. Since
    :math:`X \\subseteq X_{-c}`, the Nash product never falls when a
    constraint is dropped, but an individual party's gain may.

    Examples
    --------
    >>> from dealspace import load_scenario
    >>> prices = redline_prices(load_scenario("tests/data/linkage/redlines.yaml"))
    >>> [(c.key, c.free, c.kills_zopa) for c in prices.prices]
    [('us:no_cuts', True, False), ('jp:no_plus', False, True)]
    """
    neg = Negotiator(scenario)
    scenario = neg.scenario
    base = neg.negotiate()
    prices = []
    for c in hard_constraints(scenario):
        out = neg.negotiate(drop=[c.key])
        delta = np.asarray(out.gains) - np.asarray(base.gains)
        free = bool(np.all(np.abs(delta) <= tol)) and out.agreement == base.agreement
        prices.append(
            RedlinePrice(
                key=c.key,
                party=c.party,
                kind=c.kind,
                label=c.constraint.label or "",
                delta=tuple(float(v) for v in delta),
                zopa_with=base.zopa,
                zopa_without=out.zopa,
                package_without=dict(out.package) if out.agreement else None,
                free=free,
            )
        )
    return RedlinePrices(
        scenario=scenario.name, parties=scenario.party_ids, base=base, prices=tuple(prices), tol=tol
    )
