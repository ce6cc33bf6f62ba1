"""Early harvest: which parts of the portfolio deal can be bound now?

Model
-----
Let :math:`x^*` be the portfolio's Nash package, with gains
:math:`g^* = u(x^*) - d` over the BATNAs :math:`d`. An *early harvest*
:math:`H` is a set of issues agreed first, fixed at their options in
:math:`x^*`, binding whatever happens to the rest. Once it binds, walking away
from the remaining talks no longer yields :math:`d` but the harvest alone,

.. math::

    d^H = u(x^*_H, x^0_{-H}) ,

the harvested issues at :math:`x^*` and every other issue at the status quo
:math:`x^0`. The remainder is then bargained from :math:`d^H`:

.. math::

    x^H = \\arg\\max_{x \\in X,\\ x_H = x^*_H,\\ u(x) > d^H}
          \\prod_p \\bigl(u_p(x) - d^H_p\\bigr),

or :math:`x^H = (x^*_H, x^0_{-H})` with payoff :math:`d^H` when the
remainder has no ZOPA. :math:`H` is a *valid* early harvest when binding it
does not lower what any party reaches:

.. math::

    u_p(x^H) - d_p \\ge g^*_p - \\text{tol} \\quad \\text{for every party } p .

Harvesting a concession of one party strips it of what it traded for in the
rest of the portfolio (its disagreement point falls, the other's rises), so
the harvests that pass are typically the integrative parts of the deal —
issues where both sides gain — while one-sided concessions fail: the case for
the single undertaking ("nothing is agreed until everything is agreed").
Valid sets are ranked by the value realised early,
:math:`\\sum_p (d^H_p - u_p(x^0))`.

With ``disagreement="batna"`` the remainder is bargained from :math:`d`
instead (the harvest is assumed to lapse if the rest fails); since
:math:`x^*` stays feasible, every set is then valid up to ties.

Candidate sets: each domain, each single issue (unless it is a whole
domain), and optionally each pair of domains; sets whose issues all stay at
the status quo in :math:`x^*` harvest nothing and are skipped.

References
----------
.. [1] Sebenius, J. K. (1983). Negotiation arithmetic. *International
   Organization* 37(2), 281–316.
.. [2] Raiffa, H. (1982). *The Art and Science of Negotiation*. Harvard
   University Press.
.. [3] WTO (2001). Doha Ministerial Declaration, para. 47 (single
   undertaking; agreements reached at an early stage).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any, Literal

import numpy as np
import pandas as pd

from dealspace.analysis.silos import TOL, Negotiator, Outcome, domain_issues, moved
from dealspace.errors import DealspaceError
from dealspace.present.notebook import Displayed
from dealspace.scenario.model import OptionRef, Scenario
from dealspace.space import DealSpace, acceptable


@dataclass(frozen=True)
class HarvestSet:
    """One candidate early harvest and what the remainder reaches after it."""

    kind: str  # "domain" | "issue" | "domains"
    name: str
    issues: tuple[str, ...]
    fixed: dict[str, OptionRef]
    early: tuple[float, ...]
    standalone: tuple[float, ...]
    standalone_acceptable: bool
    remainder: Outcome
    shortfall: tuple[float, ...]
    valid: bool

    @property
    def value(self) -> float:
        """Joint value realised early: :math:`\\sum_p (d^H_p - u_p(x^0))`."""
        return float(sum(self.early))

    @property
    def individually_rational(self) -> bool:
        """Whether the harvest alone leaves every party at or above its BATNA."""
        return all(v >= -TOL for v in self.standalone)


@dataclass(frozen=True)
class HarvestResult(Displayed):
    """Candidate early harvests, valid ones first by value. Build with
    :func:`early_harvest`."""

    scenario: str
    parties: tuple[str, ...]
    full: Outcome
    disagreement: str
    candidates: tuple[HarvestSet, ...]
    tol: float

    @property
    def valid(self) -> tuple[HarvestSet, ...]:
        return tuple(c for c in self.candidates if c.valid)

    def to_frame(self) -> pd.DataFrame:
        """One row per candidate: issues, value realised early, final gains,
        shortfall against the full deal, validity."""
        rows = []
        for c in self.candidates:
            row: dict[str, Any] = {"harvest": c.name, "kind": c.kind, "issues": ", ".join(c.issues)}
            row["early_value"] = c.value
            row.update({f"early:{p}": v for p, v in zip(self.parties, c.early, strict=True)})
            row.update(
                {f"final:{p}": v for p, v in zip(self.parties, c.remainder.gains, strict=True)}
            )
            row.update(
                {f"shortfall:{p}": v for p, v in zip(self.parties, c.shortfall, strict=True)}
            )
            row.update({"remainder_deal": c.remainder.agreement, "valid": c.valid})
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "parties": list(self.parties),
            "disagreement": self.disagreement,
            "full": {
                "agreement": self.full.agreement,
                "package": dict(self.full.package),
                "gains": dict(zip(self.parties, self.full.gains, strict=True)),
                "joint": self.full.joint,
            },
            "tol": self.tol,
            "candidates": [
                {
                    "name": c.name,
                    "kind": c.kind,
                    "issues": list(c.issues),
                    "fixed": dict(c.fixed),
                    "early_value": c.value,
                    "early": dict(zip(self.parties, c.early, strict=True)),
                    "standalone_gains": dict(zip(self.parties, c.standalone, strict=True)),
                    "standalone_acceptable": c.standalone_acceptable,
                    "remainder_agreement": c.remainder.agreement,
                    "final_gains": dict(zip(self.parties, c.remainder.gains, strict=True)),
                    "shortfall": dict(zip(self.parties, c.shortfall, strict=True)),
                    "valid": c.valid,
                }
                for c in self.candidates
            ],
        }


def early_harvest(
    scenario: Scenario | DealSpace,
    *,
    pairs: bool = False,
    issues: bool = True,
    disagreement: Literal["harvest", "batna"] = "harvest",
    tol: float = TOL,
) -> HarvestResult:
    """Which domains or issues of the portfolio deal can be bound early.

    Parameters
    ----------
    scenario
        The negotiation portfolio.
    pairs
        Also try every pair of domains.
    issues
        Also try every single issue (that is not a whole domain).
    disagreement
        ``"harvest"``: the remainder is bargained from the harvest alone
        :math:`d^H`; ``"batna"``: from the BATNAs.
    tol
        Gains within this many points count as equal.

    Returns
    -------
    HarvestResult
        Every candidate with its early value, the remainder's Nash outcome
        and validity; valid candidates first, by early value.

    Raises
    ------
    DealspaceError
        When the portfolio has no Nash package (nothing to harvest from), or
        ``disagreement`` is unknown.

    Notes
    -----
    Valid iff :math:`u_p(x^H) - d_p \\ge u_p(x^*) - d_p - \\text{tol}` for all
    :math:`p` (module docstring).

    Examples
    --------
    >>> from dealspace import load_scenario
    >>> result = early_harvest(load_scenario("tests/data/linkage/linkage.yaml"))
    >>> [(c.name, c.valid) for c in result.candidates]
    [('investment', True), ('security', False), ('trade', False)]
    """
    neg = Negotiator(scenario)
    scenario = neg.scenario
    if disagreement not in ("harvest", "batna"):
        raise DealspaceError.single(
            "disagreement",
            f"unknown disagreement point '{disagreement}'",
            "use 'harvest' or 'batna'",
        )
    full = neg.negotiate()
    if not full.agreement:
        raise DealspaceError.single(
            "",
            f"scenario '{scenario.name}' has no Nash package (no ZOPA)",
            "there is nothing to harvest",
        )
    sq = neg.status_quo
    sets: list[tuple[str, str, tuple[str, ...]]] = []
    for d in scenario.domains:
        sets.append(("domain", d.id, domain_issues(scenario, [d.id])))
    if issues:
        for d in scenario.domains:
            if len(d.issues) > 1:
                sets.extend(("issue", i.id, (i.id,)) for i in d.issues)
    if pairs:
        for a, b in combinations(scenario.domains, 2):
            sets.append(("domains", f"{a.id}+{b.id}", domain_issues(scenario, [a.id, b.id])))
    candidates = []
    for kind, name, chosen in sets:
        if not moved(full.package, sq, chosen):
            continue
        fixed = {i: full.package[i] for i in chosen}
        partial = dict(sq)
        partial.update(fixed)
        d_h = neg.utilities(partial)
        rest = neg.negotiate(fixed=fixed, disagreement=d_h if disagreement == "harvest" else None)
        shortfall = np.asarray(rest.gains) - np.asarray(full.gains)
        candidates.append(
            HarvestSet(
                kind=kind,
                name=name,
                issues=chosen,
                fixed=fixed,
                early=tuple(float(v) for v in d_h - neg.status_quo_utility),
                standalone=tuple(float(v) for v in d_h - neg.batna),
                standalone_acceptable=acceptable(scenario, partial),
                remainder=rest,
                shortfall=tuple(float(v) for v in shortfall),
                valid=bool(np.all(shortfall >= -tol)),
            )
        )
    candidates.sort(key=lambda c: (not c.valid, -c.value))
    return HarvestResult(
        scenario=scenario.name,
        parties=scenario.party_ids,
        full=full,
        disagreement=disagreement,
        candidates=tuple(candidates),
        tol=tol,
    )
