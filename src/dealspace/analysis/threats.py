"""Integrative versus threat-based linkage: which constraint closes which silo.

Model
-----
Let :math:`L^{own}` be the value of linkage when every silo is bound only by
the must-haves and red lines whose issues all lie in the silo (each domain on
its own merits, ``off_table="own"`` in :func:`dealspace.analysis.silos.linkage`)
and :math:`L^{all}` the value when every constraint binds every silo with the
off-table issues at the status quo (``off_table="apply"``). The portfolio is
the same in both, so per party :math:`p`

.. math::

    L^{all}_p = \\underbrace{L^{own}_p}_{\\text{integrative}}
              + \\underbrace{\\bigl(g_p(x^{silo,own}) - g_p(x^{silo,all})\\bigr)}_{\\text{threat-based}},

with :math:`g_p(x) = u_p(x) - d_p`. The *integrative* part comes from the
valuations: trading issues one party cares about more for issues the other
cares about more (Sebenius 1983; Raiffa 1982). The *threat-based* part comes
from a party refusing any separate deal until its demand elsewhere is met —
linkage as leverage (Tollison & Willett 1979; Sebenius 1983, "linkage by
threat"). It is in each party's own points and never summed across parties
here.

For each silo :math:`k` open on its own merits, the off-table constraints
:math:`c` are tried one at a time: :math:`c` *closes* the silo when adding it
alone leaves no ZOPA, *changes* it when the silo's Nash deal moves. A silo
closed only by several together is flagged ``jointly``. For each closing
constraint we also report whether it *binds the portfolio* (dropping it alone
changes the portfolio's Nash package): a constraint that closes silos but
binds no portfolio package is pure leverage.

References
----------
.. [1] Sebenius, J. K. (1983). Negotiation arithmetic: adding and subtracting
   issues and parties. *International Organization* 37(2), 281–316.
.. [2] Tollison, R. D. & Willett, T. D. (1979). An economic theory of mutually
   advantageous issue linkages in international negotiations. *International
   Organization* 33(4), 425–449.
.. [3] Raiffa, H. (1982). *The Art and Science of Negotiation*. Harvard
   University Press, ch. 10–14.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from dealspace.analysis.silos import (
    LinkageResult,
    Negotiator,
    check_domains,
    domain_issues,
    linkage_of,
)
from dealspace.present.notebook import Displayed
from dealspace.scenario.model import Scenario
from dealspace.space import DealSpace
from dealspace.tolerances import GAIN_TOL


@dataclass(frozen=True)
class Closure:
    """What the off-table constraints do to one silo.

    ``open_alone``: the silo has a ZOPA bound only by its own constraints;
    ``open_with_all``: it still has one with every constraint applied
    (off-table issues at the status quo); ``closed_by``: constraints that
    each alone close it; ``changed_by``: constraints that each alone change
    its Nash deal without closing it; ``jointly``: closed only by several
    constraints together.
    """

    domain: str
    open_alone: bool
    open_with_all: bool
    closed_by: tuple[str, ...]
    changed_by: tuple[str, ...]
    jointly: bool

    @property
    def closed_by_threat(self) -> bool:
        """Open on its own merits, closed once other domains' demands bind."""
        return self.open_alone and not self.open_with_all


@dataclass(frozen=True)
class LinkageDecomposition(Displayed):
    """The value of linkage split into its integrative and threat-based parts.

    Build with :func:`decompose_linkage`. ``integrative`` is the linkage
    result with each silo bound only by its own constraints (the headline);
    ``imposed`` applies every constraint to every silo. ``threat`` is, per
    party, ``imposed.linkage_value − integrative.linkage_value`` (own
    points). ``binds_portfolio`` tells, for each constraint that closes or
    changes some silo, whether dropping it alone changes the portfolio's
    Nash package. ``labels`` maps constraint keys to their labels.
    """

    scenario: str
    parties: tuple[str, ...]
    domains: tuple[str, ...]
    integrative: LinkageResult
    imposed: LinkageResult
    closures: tuple[Closure, ...]
    binds_portfolio: dict[str, bool]
    labels: dict[str, str]

    @property
    def threat(self) -> tuple[float, ...]:
        """Threat-based linkage per party: silo gains on own merits minus those with
        every constraint applied (equals ``imposed`` minus ``integrative`` linkage
        value when every domain is analysed)."""
        out = np.subtract(self.integrative.silo_gains, self.imposed.silo_gains)
        return tuple(float(0.0 if abs(v) <= GAIN_TOL else v) for v in out)

    @property
    def closed_by_threat(self) -> tuple[str, ...]:
        """Domains open on their own merits but closed by another domain's demand."""
        return tuple(c.domain for c in self.closures if c.closed_by_threat)

    @property
    def leverage_only(self) -> tuple[str, ...]:
        """Constraints that close some silo yet bind no portfolio package."""
        return tuple(
            k for k, binds in self.binds_portfolio.items() if not binds and self._closes(k)
        )

    def _closes(self, key: str) -> bool:
        return any(key in c.closed_by for c in self.closures)

    def closers(self) -> dict[str, tuple[str, ...]]:
        """Constraint key → the silos it closes alone (scenario order)."""
        out: dict[str, list[str]] = {}
        for c in self.closures:
            for key in c.closed_by:
                out.setdefault(key, []).append(c.domain)
        return {k: tuple(v) for k, v in out.items()}

    def sentences(self) -> list[str]:
        """The decomposition in words (constraint labels, domain ids)."""
        lines = []
        for key, domains in self.closers().items():
            binds = self.binds_portfolio.get(key, True)
            lines.append(
                f"'{self.labels.get(key, key)}' ({key}) closes the silo{'s' if len(domains) > 1 else ''} "
                f"{', '.join(domains)}"
                + (
                    ""
                    if binds
                    else "; it binds no portfolio package, so it is leverage, not a term of the deal"
                )
                + "."
            )
        for c in self.closures:
            if c.closed_by_threat and c.jointly:
                lines.append(
                    f"The silo {c.domain} is closed only by several off-table constraints together."
                )
        return lines

    def headline(self, worth: Any = None) -> LinkageResult:
        """The integrative linkage result carrying this decomposition (``.threats``)
        and, when given, the domains' worth (``.worth``)."""
        return replace(self.integrative, threats=self, worth=worth)

    def to_frame(self) -> pd.DataFrame:
        """One row per silo: open alone, open with every constraint, the constraints that close or change it."""
        return pd.DataFrame(
            [
                {
                    "domain": c.domain,
                    "open_alone": c.open_alone,
                    "open_with_all": c.open_with_all,
                    "closed_by": ", ".join(c.closed_by),
                    "changed_by": ", ".join(c.changed_by),
                    "jointly": c.jointly,
                }
                for c in self.closures
            ]
        ).set_index("domain")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: the threat-based part per party, each silo's closures, and the
        linkage with every constraint applied (``imposed``)."""
        return {
            "scenario": self.scenario,
            "parties": list(self.parties),
            "domains": list(self.domains),
            "integrative": dict(zip(self.parties, self.integrative.linkage_value, strict=True)),
            "threat": dict(zip(self.parties, self.threat, strict=True)),
            "total": dict(zip(self.parties, self.imposed.linkage_value, strict=True)),
            "closed_by_threat": list(self.closed_by_threat),
            "closures": [
                {
                    "domain": c.domain,
                    "open_alone": c.open_alone,
                    "open_with_all": c.open_with_all,
                    "closed_by": list(c.closed_by),
                    "changed_by": list(c.changed_by),
                    "jointly": c.jointly,
                }
                for c in self.closures
            ],
            "binds_portfolio": dict(self.binds_portfolio),
            "leverage_only": list(self.leverage_only),
            "labels": dict(self.labels),
            "imposed": self.imposed.to_dict(),
        }


def decompose_linkage(
    scenario: Scenario | DealSpace,
    domains: Iterable[str] | None = None,
    *,
    negotiator: Negotiator | None = None,
) -> LinkageDecomposition:
    """Split the value of linkage into its integrative and threat-based parts.

    Parameters
    ----------
    scenario
        The negotiation portfolio (compiled once when a scenario is given).
    domains
        The domains analysed (default: all).
    negotiator
        Reuse a :class:`Negotiator` (its space and cache; any ``off_table`` rule).

    Returns
    -------
    LinkageDecomposition

    Notes
    -----
    Silo :math:`k` on its own merits drops every constraint that reads an
    issue outside :math:`k`; constraint :math:`c` closes it when the silo
    with :math:`c` added back has no ZOPA (module docstring).

    Examples
    --------
    >>> from dealspace import load_scenario
    >>> parts = decompose_linkage(load_scenario("tests/data/linkage/threat.yaml"))
    >>> parts.closers()
    {'us:rice_access': ('energy',)}
    >>> parts.integrative.linkage_value, parts.threat
    ((3.0, -1.0), (1.0, 2.0))
    >>> parts.leverage_only
    ('us:rice_access',)
    """
    own = Negotiator(scenario, "own") if negotiator is None else negotiator.with_off_table("own")
    apply = own.with_off_table("apply")
    s = own.scenario
    chosen = check_domains(s, domains)
    integrative = linkage_of(own, chosen)
    imposed = linkage_of(apply, chosen)
    on = domain_issues(s, chosen)
    portfolio_drop = own._drop(on, ())
    closures = []
    touched: set[str] = set()
    for domain in chosen:
        issues = domain_issues(s, [domain])
        alone = own.negotiate(issues)
        with_all = apply.negotiate(issues)
        base = own._drop(issues, ())
        # Only constraints that bind the portfolio analysed can close a silo of it.
        candidates = [k for k in own.off_table_constraints(issues) if k not in portfolio_drop]
        closed, changed = [], []
        if alone.agreement:
            for key in candidates:
                out = apply.negotiate(issues, drop=base - {key})
                if not out.agreement:
                    closed.append(key)
                elif out.package != alone.package:
                    changed.append(key)
        touched |= set(closed) | set(changed)
        closures.append(
            Closure(
                domain=domain,
                open_alone=alone.agreement,
                open_with_all=with_all.agreement,
                closed_by=tuple(closed),
                changed_by=tuple(changed),
                jointly=alone.agreement and not with_all.agreement and not closed,
            )
        )
    full = apply.negotiate(on, drop=portfolio_drop)
    binds = {}
    for c in own.space.constraints:
        if c.key in touched:
            out = apply.negotiate(on, drop=portfolio_drop | {c.key})
            binds[c.key] = out.agreement != full.agreement or out.package != full.package
    return LinkageDecomposition(
        scenario=s.name,
        parties=s.party_ids,
        domains=chosen,
        integrative=integrative,
        imposed=imposed,
        closures=tuple(closures),
        binds_portfolio=binds,
        labels={c.key: c.label for c in own.space.constraints},
    )
