"""Equivalent simultaneous offers (MESOs): several packages, one value to us.

Model
-----
A party :math:`p` who makes *multiple equivalent simultaneous offers* puts
:math:`k` packages on the table at once, all worth about the same to itself,
and lets the other side choose; the choice reveals the other side's
priorities and the offerer looks flexible without conceding more. Here the
menu is built from the Pareto frontier :math:`F` of the deal space:

1. The level :math:`\\ell` is :math:`p`'s utility at the Nash package (or
   given), the tolerance :math:`\\tau` (default 2.5 % of :math:`p`'s utility span
   on :math:`F`).
2. Candidates are the frontier packages with :math:`|u_p(x) - \\ell| \\le \\tau`.
   If there are fewer than :math:`k`, *near-frontier* packages are added:
   frontier packages with one block (issue or compound issue) changed, kept
   when within the tolerance and ranked by their shortfall

   .. math::

       \\delta(x) = \\min_{f \\in F,\\ f \\ge u(x)} \\ \\max_q \\bigl(u_q(f) - u_q(x)\\bigr),

   the distance (largest single-party gap) to the nearest frontier package
   that weakly dominates it — 0 exactly when no package dominates :math:`x`.
3. Offers are chosen greedily to be as different as possible, undominated
   candidates (:math:`\\delta = 0`) before dominated ones: start from the
   candidate nearest the level, then repeatedly add the candidate that
   maximises its minimum distance to the offers chosen — Hamming distance
   between the packages' options (number of issues that differ), ties
   broken by the Euclidean distance between the other parties' utility
   vectors (each scaled by its span on :math:`F`); or the utility distance
   first with ``distance="utility"``.

Every offer satisfies :math:`|u_p(x) - \\ell| \\le \\tau`.

References
----------
.. [1] Medvec, V. H., Leonardelli, G. J., Galinsky, A. D. & Claussen-Schulz,
   A. (2005). Choice and achievement at the bargaining table: the distributive,
   integrative, and interpersonal advantages of making multiple equivalent
   simultaneous offers. *Best paper, IACM 18th Annual Conference*.
.. [2] Leonardelli, G. J., Gu, J., McRuer, G., Medvec, V. H. & Galinsky, A. D.
   (2019). Multiple equivalent simultaneous offers (MESOs) reduce the
   negotiator dilemma. *Organizational Behavior and Human Decision
   Processes* 152, 64–83.
.. [3] Raiffa, H. (1982). *The Art and Science of Negotiation*. Harvard
   University Press.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from dealspace.analysis.pareto import pareto_frontier, party_tolerance
from dealspace.analysis.silos import TOL, Negotiator, check_party
from dealspace.errors import DealspaceError
from dealspace.present.notebook import Displayed
from dealspace.scenario.model import OptionRef, Scenario
from dealspace.space import DealSpace

#: Default tolerance as a fraction of the party's utility span on the frontier.
DEFAULT_TOLERANCE = 0.025
#: Frontier points (nearest the level) whose one-block neighbours are searched.
NEIGHBOUR_SEEDS = 25
#: Most near-frontier candidates kept for the diversity search.
MAX_CANDIDATES = 5000


@dataclass(frozen=True)
class Offer:
    """One package of the menu, with every party's utility."""

    package: dict[str, OptionRef]
    utilities: tuple[float, ...]
    on_frontier: bool
    shortfall: float


@dataclass(frozen=True)
class OfferMenu(Displayed):
    """``k`` packages of about equal value to ``party``. Build with
    :func:`equivalent_offers`."""

    scenario: str
    parties: tuple[str, ...]
    party: str
    level: float
    tolerance: float
    k: int
    offers: tuple[Offer, ...]
    candidates: int

    def to_frame(self) -> pd.DataFrame:
        """One row per offer: utilities, frontier flag, shortfall, options."""
        rows = []
        for n, o in enumerate(self.offers, start=1):
            row: dict[str, Any] = {"offer": n}
            row.update({f"u:{p}": v for p, v in zip(self.parties, o.utilities, strict=True)})
            row.update({"on_frontier": o.on_frontier, "shortfall": o.shortfall})
            row.update(o.package)
            rows.append(row)
        return pd.DataFrame(rows).set_index("offer") if rows else pd.DataFrame()

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "party": self.party,
            "level": self.level,
            "tolerance": self.tolerance,
            "k": self.k,
            "candidates": self.candidates,
            "offers": [
                {
                    "package": dict(o.package),
                    "utilities": dict(zip(self.parties, o.utilities, strict=True)),
                    "on_frontier": o.on_frontier,
                    "shortfall": o.shortfall,
                }
                for o in self.offers
            ],
        }


def equivalent_offers(
    scenario: Scenario | DealSpace,
    party: str,
    k: int = 3,
    level: float | None = None,
    tolerance: float | None = None,
    *,
    distance: Literal["hamming", "utility"] = "hamming",
) -> OfferMenu:
    """A menu of ``k`` packages worth about ``level`` to ``party``, as
    different as possible for the other side.

    Parameters
    ----------
    scenario
        The negotiation portfolio.
    party
        The party making the offers.
    k
        Number of offers (at least 1).
    level
        Target utility of ``party`` (its own points); default: its utility at
        the Nash package.
    tolerance
        Largest allowed :math:`|u_p(x) - \\ell|`; default 2.5 % of the party's
        utility span on the Pareto frontier.
    distance
        ``"hamming"`` (issues that differ, then utility) or ``"utility"``
        (other parties' scaled utilities, then issues).

    Returns
    -------
    OfferMenu
        At most ``k`` offers (fewer when not enough packages lie within the
        tolerance), every one within ``tolerance`` of ``level``.

    Raises
    ------
    DealspaceError
        For an unknown party, ``k < 1``, a negative tolerance, no acceptable
        package, or no Nash package when ``level`` is not given.

    Notes
    -----
    Greedy max–min diversity (Gonzalez 1985's farthest-point heuristic) over
    frontier candidates, then near-frontier ones ranked by the shortfall
    :math:`\\delta(x)` (module docstring).

    References
    ----------
    Medvec, Leonardelli, Galinsky & Claussen-Schulz (2005).

    Examples
    --------
    >>> from dealspace import load_scenario
    >>> s = load_scenario("tests/data/linkage/offers.yaml")
    >>> menu = equivalent_offers(s, "jp", k=3)
    >>> menu.level, [o.utilities[1] for o in menu.offers]
    (4.0, [4.0, 4.0, 4.0])
    """
    neg = Negotiator(scenario)
    scenario = neg.scenario

    p = check_party(scenario, party)
    if k < 1:
        raise DealspaceError.single("k", f"{k} offers", "ask for at least one offer")
    if tolerance is not None and not tolerance >= 0:
        raise DealspaceError.single("tolerance", f"{tolerance} is negative", "give a tolerance ≥ 0")
    space = neg.compile()
    if space.empty:
        raise DealspaceError.single(
            "", "no package meets every party's must-haves and red lines", "relax a constraint"
        )
    frontier = pareto_frontier(space)
    fu = np.asarray(frontier.utilities, dtype=float)
    frows = np.asarray(frontier.rows, dtype=np.int64).reshape(len(fu), len(space.blocks))
    if level is None:
        nash = neg.negotiate()
        if not nash.agreement:
            raise DealspaceError.single(
                "level", "there is no Nash package (no ZOPA) to take the level from", "give a level"
            )
        level = nash.utilities[p]
    best = float(fu[:, p].max())
    if not math.isfinite(level) or level > best + TOL:
        raise DealspaceError.single(
            "level",
            f"{level:g} is above the most any feasible package gives {party} ({best:.4g})",
            f"give a level of at most {best:.4g}",
        )
    span = np.ptp(fu, axis=0) if len(fu) else np.zeros(space.n_parties)
    span = np.where(span > TOL, span, 1.0)
    if tolerance is None:
        tolerance = max(DEFAULT_TOLERANCE * float(np.ptp(fu[:, p])), TOL)
    tol = float(tolerance) + TOL  # absorb rounding in sums of utilities

    near = np.abs(fu[:, p] - level) <= tol
    rows, util, shortfall = frows[near], fu[near], np.zeros(int(near.sum()))
    rows, util, shortfall = _unique(rows, util, shortfall)
    if len(rows) < k:
        more_rows, more_util = _neighbours(space, frows, fu, p, level, tol)
        if len(more_rows):
            more_short = _shortfall(fu, more_util, party_tolerance(space))
            keep = np.argsort(more_short, kind="stable")[: max(4 * k, 20)]
            rows = np.vstack([rows, more_rows[keep]])
            util = np.vstack([util, more_util[keep]])
            shortfall = np.concatenate([shortfall, more_short[keep]])
            rows, util, shortfall = _unique(rows, util, shortfall)
    options = _options(space, rows)
    others = [q for q in range(space.n_parties) if q != p]
    scaled = util[:, others] / span[others] if others else np.zeros((len(util), 0))
    closeness = np.abs(util[:, p] - level) + shortfall
    chosen = _diverse(options, scaled, closeness, (shortfall > 0).astype(int), k, distance)
    offers = tuple(
        Offer(
            package=space.package(rows[c]),
            utilities=tuple(float(v) for v in util[c]),
            on_frontier=bool(shortfall[c] == 0.0),
            shortfall=float(shortfall[c]),
        )
        for c in chosen
    )
    return OfferMenu(
        scenario=scenario.name,
        parties=scenario.party_ids,
        party=party,
        level=float(level),
        tolerance=float(tolerance),
        k=k,
        offers=offers,
        candidates=len(rows),
    )


def _unique(
    rows: np.ndarray, util: np.ndarray, short: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop repeated packages (same block rows), keeping the first."""
    if len(rows) == 0:
        return rows, util, short
    _, first = np.unique(rows, axis=0, return_index=True)
    first = np.sort(first)
    return rows[first], util[first], short[first]


def _neighbours(
    space: DealSpace, frows: np.ndarray, fu: np.ndarray, p: int, level: float, tol: float
) -> tuple[np.ndarray, np.ndarray]:
    """Frontier packages with one block changed, within ``tol`` of the level."""
    seeds = np.argsort(np.abs(fu[:, p] - level), kind="stable")[:NEIGHBOUR_SEEDS]
    out_rows, out_util = [], []
    for f in seeds:
        for b, block in enumerate(space.blocks):
            u = fu[f] - block.utility[frows[f, b]] + block.utility
            ok = np.abs(u[:, p] - level) <= tol
            ok[frows[f, b]] = False
            if not ok.any():
                continue
            r = np.repeat(frows[f][None, :], int(ok.sum()), axis=0)
            r[:, b] = np.flatnonzero(ok)
            out_rows.append(r)
            out_util.append(u[ok])
    if not out_rows:
        return np.zeros((0, frows.shape[1]), np.int64), np.zeros((0, fu.shape[1]))
    rows, util = np.vstack(out_rows), np.vstack(out_util)
    rows, util, _ = _unique(rows, util, np.zeros(len(rows)))
    if len(rows) > MAX_CANDIDATES:
        span = np.ptp(fu, axis=0)
        score = (util / np.where(span > TOL, span, 1.0)).sum(axis=1)
        keep = np.sort(np.argsort(-score, kind="stable")[:MAX_CANDIDATES])
        rows, util = rows[keep], util[keep]
    return rows, util


def _shortfall(fu: np.ndarray, util: np.ndarray, tol: np.ndarray, chunk: int = 256) -> np.ndarray:
    """:math:`\\delta(x)`: the largest gap to the nearest dominating frontier
    point, 0 for an undominated ``x`` (gaps within ``tol`` count as equal)."""
    out = np.zeros(len(util))
    for s in range(0, len(util), chunk):
        diff = fu[None, :, :] - util[s : s + chunk, None, :]
        dominating = (diff >= -tol).all(axis=2) & (diff > tol).any(axis=2)
        gap = np.where(dominating, diff.max(axis=2), np.inf).min(axis=1)
        out[s : s + chunk] = np.where(np.isfinite(gap), gap, 0.0)
    return out


def _options(space: DealSpace, rows: np.ndarray) -> np.ndarray:
    """Option index of every issue for each package (columns: all issues)."""
    cols = [block.options[rows[:, b]] for b, block in enumerate(space.blocks)]
    return np.hstack(cols) if cols else np.zeros((len(rows), 0), np.int64)


def _diverse(
    options: np.ndarray,
    scaled: np.ndarray,
    closeness: np.ndarray,
    tier: np.ndarray,
    k: int,
    distance: str,
) -> list[int]:
    """Greedy farthest-point selection (lexicographic max–min distances),
    exhausting the candidates of a lower ``tier`` (0: undominated) first."""
    n = len(options)
    if n == 0:
        return []
    chosen = [int(np.lexsort((closeness, tier))[0])]
    ham = (options != options[chosen[0]]).sum(axis=1).astype(float)
    util = np.linalg.norm(scaled - scaled[chosen[0]], axis=1)
    while len(chosen) < min(k, n):
        first, second = (ham, util) if distance == "hamming" else (util, ham)
        free = np.ones(n, dtype=bool)
        free[chosen] = False
        order = np.lexsort((closeness, -np.round(second, 9), -np.round(first, 9), tier))
        pick = next(int(c) for c in order if free[c])
        chosen.append(pick)
        ham = np.minimum(ham, (options != options[pick]).sum(axis=1))
        util = np.minimum(util, np.linalg.norm(scaled - scaled[pick], axis=1))
    return chosen
