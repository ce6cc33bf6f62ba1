r"""Axiomatic bargaining solutions over a deal space.

The model
---------
The feasible set is the finite set of utility vectors
:math:`\mathcal{U} = \{u(x) : x \text{ feasible}\} \subset \mathbb{R}^P` and
the disagreement point is each party's BATNA, :math:`d = ` ``space.batna``.
A package's *gains* are :math:`g(x) = u(x) - d`; it is *individually
rational* (IR) when every gain is strictly positive. On the IR packages:

* **Nash** (Nash 1950): maximise :math:`\prod_i g_i(x)` (computed as
  :math:`\sum_i \log g_i`).
* **Kalai–Smorodinsky** (Kalai & Smorodinsky 1975): with the ideal gain
  :math:`a_i = \max\{g_i(x) : x \text{ IR}\}`, maximise
  :math:`\min_i g_i(x) / a_i`; ties broken leximin on :math:`g / a`.
* **Egalitarian** (Kalai 1977): maximise :math:`\min_i g_i(x)`; ties broken
  leximin on :math:`g`.
* **Utilitarian**: maximise :math:`\sum_i g_i(x)`.

When no package is IR there is no agreement: the solution reports
``agreement=False`` and ``package=None`` (the parties keep their BATNAs).

Why the frontier suffices
-------------------------
Each score is non-decreasing in every gain, and the IR set is closed under
dominance (a dominator of an IR package is IR). If ``x`` maximises a score and
``y`` dominates ``x``, ``y`` scores at least as much, so a maximiser exists
among the Pareto-optimal packages; for Nash and utilitarian (strictly
increasing scores) *every* maximiser is Pareto-optimal. The ideal gains
:math:`a_i` are also attained on the frontier. Searching
:func:`~dealspace.analysis.pareto.pareto_frontier` is therefore exact, and the
packages returned are always Pareto-optimal.

Invariance
----------
Nash and Kalai–Smorodinsky are invariant to a positive affine rescaling
:math:`u_i \mapsto \alpha_i u_i + \beta_i` (with the BATNA rescaled alike) of
any one party's utility. Egalitarian and utilitarian are invariant to shifts
:math:`\beta_i` and to a common scale :math:`\alpha` for all parties only —
they compare points across parties, which is their purpose.
Their results carry :data:`CROSS_PARTY_NOTE` (``Solution.note``), shown by
the CLI, the report and the JSON.

References
----------
.. [1] J. F. Nash, "The bargaining problem", Econometrica 18(2), 155–162, 1950.
.. [2] E. Kalai, M. Smorodinsky, "Other solutions to Nash's bargaining
   problem", Econometrica 43(3), 513–518, 1975.
.. [3] E. Kalai, "Proportional solutions to bargaining situations:
   interpersonal utility comparisons", Econometrica 45(7), 1623–1630, 1977.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from dealspace.analysis.pareto import Frontier, as_space, pareto_frontier, party_tolerance

if TYPE_CHECKING:
    import pandas as pd

from dealspace.errors import DealspaceError, did_you_mean
from dealspace.present.notebook import Displayed
from dealspace.scenario.model import OptionRef, Scenario
from dealspace.space import DealSpace
from dealspace.tolerances import SCORE_TOL

#: Most tied packages listed in ``Solution.ties``.
MAX_TIES = 100
#: Solutions that compare points across parties (not invariant to rescaling one party).
SCALE_DEPENDENT = frozenset({"egalitarian", "utilitarian"})
#: The note shown with every egalitarian or utilitarian result.
CROSS_PARTY_NOTE = (
    "Egalitarian and utilitarian solutions compare points across parties: each party's "
    "points are on its own scale, so rescaling one party can change them. Nash and "
    "Kalai–Smorodinsky are scale-free."
)


@dataclass(frozen=True)
class Solution(Displayed):
    """A bargaining solution: the package chosen and what each party gets.

    Attributes
    ----------
    name
        ``"nash"``, ``"kalai_smorodinsky"``, ``"egalitarian"`` or ``"utilitarian"``.
    package
        Issue → option, or None when there is no agreement.
    utilities
        Party → utility (the BATNA when there is no agreement).
    gains
        Party → utility minus BATNA (zeros when there is no agreement).
    score
        The criterion's value at the package: the product of gains (Nash), the
        smallest share of the ideal gain (KS), the smallest gain (egalitarian),
        the sum of gains (utilitarian); None without agreement.
    agreement
        False when no feasible package gives every party a strictly positive gain.
    ties
        Other frontier packages with the same score within tolerance (at most
        :data:`MAX_TIES`; ``n_ties`` counts them all).
    n_ties
        Number of other frontier packages tied with the one chosen.
    """

    name: str
    package: dict[str, OptionRef] | None
    utilities: dict[str, float]
    gains: dict[str, float]
    score: float | None
    agreement: bool
    ties: list[dict[str, OptionRef]] = field(default_factory=list)
    n_ties: int = 0

    @property
    def note(self) -> str | None:
        """:data:`CROSS_PARTY_NOTE` for a scale-dependent solution, else None."""
        return CROSS_PARTY_NOTE if self.name in SCALE_DEPENDENT else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``note``: the cross-party caveat of egalitarian and utilitarian)."""
        return {
            "solution": self.name,
            "agreement": self.agreement,
            "package": self.package,
            "utilities": self.utilities,
            "gains": self.gains,
            "score": self.score,
            "ties": self.ties,
            "n_ties": self.n_ties,
            "note": self.note,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per party: utility, gain over BATNA (empty values without agreement)."""
        import pandas as pd

        return pd.DataFrame(
            {"utility": self.utilities, "gain": self.gains},
            index=pd.Index(list(self.utilities), name="party"),
        )


Source = Scenario | DealSpace | Frontier


# ------------------------------------------------------------------ public


def nash(source: Source) -> Solution:
    """The Nash bargaining solution: maximise the product of gains over BATNAs.

    Parameters
    ----------
    source
        A Scenario, a DealSpace, or a Frontier already computed.

    Returns
    -------
    Solution

    Notes
    -----
    :math:`\\max_x \\prod_i (u_i(x) - d_i)` over packages with every gain
    :math:`> 0`; invariant to positive affine rescaling of each party's
    utility.

    References
    ----------
    J. F. Nash, "The bargaining problem", Econometrica 18(2), 1950.

    Examples
    --------
    >>> from dealspace import load_scenario
    >>> s = nash(load_scenario("tests/data/toy.yaml"))
    >>> s.package, round(s.score, 3)
    ({'tariff': 0.0, 'rice': 'quota', 'defence': 'more'}, 10.44)
    """
    return _solve(source, "nash")


def kalai_smorodinsky(source: Source) -> Solution:
    """The Kalai–Smorodinsky solution: equal shares of each party's ideal gain.

    Notes
    -----
    With :math:`a_i` the largest gain party ``i`` gets in any individually
    rational package, maximise :math:`\\min_i g_i(x) / a_i`; ties are broken
    leximin on :math:`g/a`. Invariant to positive affine rescaling.

    References
    ----------
    E. Kalai, M. Smorodinsky, "Other solutions to Nash's bargaining problem",
    Econometrica 43(3), 1975.
    """
    return _solve(source, "kalai_smorodinsky")


def egalitarian(source: Source) -> Solution:
    """The egalitarian solution: maximise the smallest absolute gain.

    Notes
    -----
    :math:`\\max_x \\min_i g_i(x)`, ties broken leximin. Compares points across
    parties: invariant to shifts and a common scale, not to rescaling one party
    (scale-dependent, unlike Nash and Kalai–Smorodinsky; the result's ``note``
    says so).

    References
    ----------
    E. Kalai, "Proportional solutions to bargaining situations: interpersonal
    utility comparisons", Econometrica 45(7), 1977.
    """
    return _solve(source, "egalitarian")


def utilitarian(source: Source) -> Solution:
    """The utilitarian solution: maximise the sum of gains (of IR packages).

    Notes
    -----
    :math:`\\max_x \\sum_i g_i(x)` over packages with every gain :math:`> 0`.
    Adds points across parties: invariant to shifts and a common scale, not to
    rescaling one party (scale-dependent, unlike Nash and Kalai–Smorodinsky;
    the result's ``note`` says so).
    """
    return _solve(source, "utilitarian")


SOLUTIONS: dict[str, Callable[[Source], Solution]] = {
    "nash": nash,
    "kalai_smorodinsky": kalai_smorodinsky,
    "egalitarian": egalitarian,
    "utilitarian": utilitarian,
}
ALIASES = {"ks": "kalai_smorodinsky", "kalai-smorodinsky": "kalai_smorodinsky"}


def solve(source: Source, solution: str = "nash") -> Solution:
    """Dispatch to a bargaining solution by name.

    Parameters
    ----------
    source
        A Scenario, a DealSpace or a Frontier.
    solution
        ``nash``, ``ks`` / ``kalai_smorodinsky``, ``egalitarian`` or ``utilitarian``.

    Raises
    ------
    DealspaceError
        For an unknown solution name (with a did-you-mean hint).
    """
    key = ALIASES.get(str(solution).lower(), str(solution).lower())
    if key not in SOLUTIONS:
        raise DealspaceError.single(
            "solution",
            f"unknown bargaining solution '{solution}'",
            did_you_mean(str(solution), [*SOLUTIONS, *ALIASES]),
        )
    return SOLUTIONS[key](source)


def is_solution(source: Source, package: dict[str, OptionRef], solution: str = "nash") -> bool:
    """Checker: whether ``package`` attains the optimal score of ``solution``.

    True iff the package is feasible, individually rational and its score equals
    the solution's score within tolerance.
    """
    best = solve(source, solution)
    space = as_space(source)
    if not best.agreement or space.rows_of(package) is None:
        return False
    gains = space.utility(package) - space.batna
    frontier = source if isinstance(source, Frontier) else pareto_frontier(space)
    tol = party_tolerance(space)
    if (gains <= tol).any():
        return False
    ideal = _ideal(frontier.gains(), tol)
    score = _scores(best.name, gains[None, :], ideal)[0]
    assert best.score is not None
    target = float(np.log(best.score)) if best.name == "nash" else best.score
    return bool(score >= target - _score_tol(best.name, target, tol))


# ------------------------------------------------------------------ kernel


def _solve(source: Source, name: str) -> Solution:
    frontier = source if isinstance(source, Frontier) else pareto_frontier(as_space(source))
    space = frontier.space
    tol = party_tolerance(space)
    gains = frontier.gains()
    ir = np.flatnonzero((gains > tol).all(axis=1)) if len(frontier) else np.zeros(0, dtype=np.int64)
    parties = space.parties
    if ir.size == 0:
        return Solution(
            name=name,
            package=None,
            utilities={p: float(b) for p, b in zip(parties, space.batna, strict=True)},
            gains=dict.fromkeys(parties, 0.0),
            score=None,
            agreement=False,
        )
    g = gains[ir]
    ideal = _ideal(gains, tol)
    score = _scores(name, g, ideal)
    best = score.max()
    tied = np.flatnonzero(score >= best - _score_tol(name, best, tol))
    pick = tied[0]
    if name in ("kalai_smorodinsky", "egalitarian") and tied.size > 1:
        if name == "kalai_smorodinsky":
            pick = _leximin(g[tied] / ideal, tied, 10 * SCORE_TOL)
        else:
            pick = _leximin(g[tied], tied, float(tol.max()))
    others = [int(ir[t]) for t in tied if t != pick]
    i = int(ir[pick])
    return Solution(
        name=name,
        package=frontier.package(i),
        utilities={p: float(v) for p, v in zip(parties, frontier.utilities[i], strict=True)},
        gains={p: float(v) for p, v in zip(parties, gains[i], strict=True)},
        score=float(np.prod(g[pick])) if name == "nash" else float(score[pick]),
        agreement=True,
        ties=[frontier.package(k) for k in others[:MAX_TIES]],
        n_ties=len(others),
    )


def _ideal(gains: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """Each party's best gain among individually rational points."""
    ir = (gains > tol).all(axis=1)
    if not ir.any():
        return np.ones(gains.shape[1])
    return np.asarray(gains[ir].max(axis=0))


def _scores(name: str, g: np.ndarray, ideal: np.ndarray) -> np.ndarray:
    if name == "nash":
        return np.asarray(np.log(g).sum(axis=1))
    if name == "kalai_smorodinsky":
        return np.asarray((g / ideal).min(axis=1))
    if name == "egalitarian":
        return np.asarray(g.min(axis=1))
    return np.asarray(g.sum(axis=1))


def _score_tol(name: str, best: float, tol: np.ndarray) -> float:
    """Tolerance on a score: log-product and ratios are scale-free."""
    if name in ("nash", "kalai_smorodinsky"):
        return 10 * SCORE_TOL
    if name == "egalitarian":
        return float(tol.max())
    return float(tol.sum())


def _leximin(values: np.ndarray, candidates: np.ndarray, quantum: float) -> Any:
    """The candidate whose sorted values (ascending, snapped to ``quantum``) are
    lexicographically largest; the first such candidate on a tie."""
    ranked = np.rint(np.sort(values, axis=1) / quantum).astype(np.int64)
    order = np.lexsort((np.arange(len(candidates)), *(-ranked.T[::-1])))
    return candidates[order[0]]
