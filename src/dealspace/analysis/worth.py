"""What each domain is worth to each party: marginal values and pairwise interactions.

Model
-----
Let :math:`g_p(S) = u_p(x^N(S)) - d_p` be party :math:`p`'s gain from the
Nash package of the negotiation over the domains :math:`S` (the other domains
at the status quo; 0 without a ZOPA; see :mod:`dealspace.analysis.silos`).
Each domain's *marginal value* given all the others is

.. math::

    m_{kp} = g_p(D) - g_p(D \\setminus \\{k\\}),

what party :math:`p` would lose if domain :math:`k` were taken off a table
that holds every other domain. The *interaction* of two domains is the
second difference

.. math::

    I_{klp} = g_p(D) - g_p(D \\setminus \\{k\\}) - g_p(D \\setminus \\{l\\})
              + g_p(D \\setminus \\{k, l\\}),

positive when :math:`k` and :math:`l` are *complements* for :math:`p` (each
is worth more with the other on the table), negative when *substitutes*.
Everything is per party in its own points — nothing is added across
parties — and the Nash package does not change when a party's points are
rescaled, so neither does any sign here.

The marginal values need not add up to :math:`g_p(D)`: with complements they
add up to less, with substitutes to more. Shapley values
(:mod:`dealspace.analysis.shapley`) force them to add up by averaging over
every order of adding domains, which with perfect complements just splits a
joint effect in two; the marginal values and interactions show it instead.

References
----------
.. [1] Sebenius, J. K. (1983). Negotiation arithmetic: adding and subtracting
   issues and parties. *International Organization* 37(2), 281–316.
.. [2] Milgrom, P. & Roberts, J. (1990). The economics of modern
   manufacturing: technology, strategy, and organization. *American Economic
   Review* 80(3), 511–528 (complementarity as a positive second difference).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from dealspace.analysis.silos import Negotiator, OffTable, check_domains, domain_issues
from dealspace.present.document import Chart
from dealspace.present.notebook import Displayed
from dealspace.scenario.model import Scenario
from dealspace.space import DealSpace
from dealspace.tolerances import GAIN_TOL


@dataclass(frozen=True)
class DomainWorth(Displayed):
    """Each domain's marginal value and each pair's interaction, per party.

    Build with :func:`domain_worth`. ``grand`` is :math:`g(D)`; ``alone``
    :math:`g(\\{k\\})`; ``marginal[k]`` :math:`m_k`; ``interactions`` maps
    each pair ``(k, l)`` to :math:`I_{kl}`; every vector has one entry per
    party, in its own points.
    """

    scenario: str
    parties: tuple[str, ...]
    domains: tuple[str, ...]
    grand: tuple[float, ...]
    alone: tuple[tuple[float, ...], ...]
    marginal: tuple[tuple[float, ...], ...]
    interactions: dict[tuple[str, str], tuple[float, ...]]
    off_table: str

    def kind(self, pair: tuple[str, str], party: int) -> str:
        """``complements``, ``substitutes`` or ``independent`` for one party."""
        v = self.interactions[pair][party]
        return "complements" if v > GAIN_TOL else "substitutes" if v < -GAIN_TOL else "independent"

    def strongest(self, n: int = 5) -> list[tuple[tuple[str, str], tuple[float, ...]]]:
        """The ``n`` pairs with the largest interaction for some party (relative to its grand gain)."""
        scale = np.where(np.abs(self.grand) > GAIN_TOL, np.abs(self.grand), 1.0)

        def size(item: tuple[tuple[str, str], tuple[float, ...]]) -> float:
            return float(np.max(np.abs(np.asarray(item[1]) / scale)))

        ranked = sorted(self.interactions.items(), key=size, reverse=True)
        return [item for item in ranked[:n] if size(item) > GAIN_TOL]

    def chart(self) -> Chart:
        """Each domain's marginal value, one bar per party."""
        from dealspace.analysis.specs import worth_chart

        return worth_chart(self)

    def to_frame(self) -> pd.DataFrame:
        """One row per domain: alone and marginal value per party."""
        rows = []
        for k, d in enumerate(self.domains):
            row: dict[str, Any] = {"domain": d}
            for q, p in enumerate(self.parties):
                row[f"alone:{p}"] = self.alone[k][q]
                row[f"marginal:{p}"] = self.marginal[k][q]
            rows.append(row)
        return pd.DataFrame(rows).set_index("domain")

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "parties": list(self.parties),
            "domains": list(self.domains),
            "off_table": self.off_table,
            "grand": dict(zip(self.parties, self.grand, strict=True)),
            "alone": {
                d: dict(zip(self.parties, v, strict=True))
                for d, v in zip(self.domains, self.alone, strict=True)
            },
            "marginal": {
                d: dict(zip(self.parties, v, strict=True))
                for d, v in zip(self.domains, self.marginal, strict=True)
            },
            "interactions": [
                {
                    "domains": [k, m],
                    "value": dict(zip(self.parties, v, strict=True)),
                    "kind": {p: self.kind((k, m), q) for q, p in enumerate(self.parties)},
                }
                for (k, m), v in self.interactions.items()
            ],
        }


def domain_worth(
    scenario: Scenario | DealSpace,
    domains: Iterable[str] | None = None,
    *,
    off_table: OffTable = "own",
    negotiator: Negotiator | None = None,
    progress: Callable[[str], None] | None = None,
) -> DomainWorth:
    """Marginal value of each domain given all the others, and pairwise interactions, per party.

    Parameters
    ----------
    scenario
        The negotiation portfolio.
    domains
        The domains valued (default: all); the others stay at the status quo.
    off_table
        Which constraints bind a negotiation over some domains
        (:func:`dealspace.analysis.silos.linkage`).
    negotiator
        Reuse a :class:`Negotiator` (and its cache) instead of building one.
    progress
        Called with "k of N negotiations" as the pairs are negotiated.

    Returns
    -------
    DomainWorth

    Notes
    -----
    :math:`1 + n + n(n-1)/2` negotiations for :math:`n` domains (module docstring).

    Examples
    --------
    >>> from dealspace import load_scenario
    >>> w = domain_worth(load_scenario("tests/data/linkage/linkage.yaml"))
    >>> w.marginal
    ((2.0, 2.0), (2.0, 2.0), (2.0, 1.0))
    >>> w.interactions["trade", "security"]
    (2.0, 2.0)
    """
    neg = negotiator or Negotiator(scenario, off_table)
    s = neg.scenario
    chosen = check_domains(s, domains)

    def gains(subset: Iterable[str]) -> np.ndarray:
        subset = tuple(subset)
        if not subset:
            return np.zeros(len(s.party_ids))
        out = neg.negotiate(domain_issues(s, subset))
        return np.asarray(out.gains if out.agreement else np.zeros(len(s.party_ids)), dtype=float)

    n = len(chosen)
    total = 1 + 2 * n + n * (n - 1) // 2
    report = progress or (lambda text: None)
    report(f"0 of {total:,} negotiations")
    grand = gains(chosen)
    without = {d: gains(x for x in chosen if x != d) for d in chosen}
    interactions = {}
    for done, (k, m) in enumerate(combinations(chosen, 2), start=1 + n):
        both = gains(x for x in chosen if x not in (k, m))
        interactions[k, m] = _clean(grand - without[k] - without[m] + both)
        if done % 10 == 0:
            report(f"{done:,} of {total:,} negotiations")
    return DomainWorth(
        scenario=s.name,
        parties=s.party_ids,
        domains=chosen,
        grand=_clean(grand),
        alone=tuple(_clean(gains([d])) for d in chosen),
        marginal=tuple(_clean(grand - without[d]) for d in chosen),
        interactions=interactions,
        off_table=neg.off_table,
    )


def _clean(values: np.ndarray) -> tuple[float, ...]:
    return tuple(0.0 if abs(float(v)) <= GAIN_TOL else float(v) for v in values)
