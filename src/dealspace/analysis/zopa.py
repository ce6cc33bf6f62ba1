r"""The zone of possible agreement (ZOPA) and what blocks it.

The model
---------
With BATNAs :math:`d` (``space.batna``) and the feasible packages ``X``
(acceptable to every party), a ZOPA exists when some :math:`x \in X` has
:math:`u_i(x) > d_i` for every party ``i``. For each party ``i``

.. math::

    \text{best}_i = \max\{u_i(x) : x \in X,\ u_j(x) > d_j \ \forall j \ne i\},
    \qquad \text{shortfall}_i = \max(0,\ d_i - \text{best}_i),

the most ``i`` can get while every other party still gains, and how far that
falls short of ``i``'s BATNA. All three are attained on the Pareto frontier
(a dominator of a package that meets the conditions meets them too), so they
are read off :func:`~dealspace.analysis.pareto.pareto_frontier`.

When there is no ZOPA, a *conflict* is a minimal set of hard constraints
(must-haves, red lines; keys ``party:id``) whose joint presence kills it:
with only these constraints active there is no ZOPA, and dropping any one of
them opens one. It is found with the deletion filter of Chinneck &
Dravnieks (1991): start from all constraints and drop each one whose removal
keeps the ZOPA closed. The result depends on the order tried (declaration
order) — there may be other minimal conflicts. An empty conflict means the
BATNAs alone leave no room. When no package at all is feasible, the conflict
is a minimal set of constraints that cannot hold together.

References
----------
.. [1] H. Raiffa, *The Art and Science of Negotiation*, Harvard UP, 1982
   (the zone of agreement).
.. [2] J. W. Chinneck, E. W. Dravnieks, "Locating minimal infeasible
   constraint sets in linear programs", ORSA J. on Computing 3(2), 1991.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from dealspace.analysis.pareto import Frontier, as_space, pareto_frontier, party_tolerance
from dealspace.present.notebook import Displayed
from dealspace.scenario.model import Scenario
from dealspace.space import DealSpace, compile


@dataclass(frozen=True)
class ZopaResult(Displayed):
    """Whether a ZOPA exists, how far each party can go, and what blocks it.

    Attributes
    ----------
    exists
        Some feasible package leaves every party strictly above its BATNA.
    empty
        No package meets every party's must-haves and red lines.
    batna
        Party → BATNA.
    best_for
        Party → the most it can get while every other party gains (None when
        no feasible package lets all the others gain).
    shortfall
        Party → ``max(0, BATNA − best_for)`` (None with ``best_for``).
    conflict
        Without a ZOPA: keys ``party:id`` of a minimal set of must-haves and red
        lines whose joint presence kills it; empty when the BATNAs alone do.
    explanation
        Plain-English sentences naming parties, constraints and numbers.
    n_packages
        Pareto-optimal packages inside the ZOPA.
    """

    exists: bool
    empty: bool
    batna: dict[str, float]
    best_for: dict[str, float | None]
    shortfall: dict[str, float | None]
    conflict: list[str] = field(default_factory=list)
    explanation: str = ""
    n_packages: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "exists": self.exists,
            "empty": self.empty,
            "batna": self.batna,
            "best_for": self.best_for,
            "shortfall": self.shortfall,
            "conflict": self.conflict,
            "explanation": self.explanation,
            "n_packages": self.n_packages,
        }


def zopa(source: Scenario | DealSpace | Frontier) -> ZopaResult:
    """Check for a zone of possible agreement and explain what blocks it.

    Parameters
    ----------
    source
        A Scenario, a DealSpace or a Frontier. A conflict is searched by
        recompiling the space without some constraints, with the settings it
        was compiled with (:meth:`DealSpace.recompile`).

    Returns
    -------
    ZopaResult

    Examples
    --------
    >>> from dealspace import load_scenario
    >>> z = zopa(load_scenario("tests/data/toy.yaml"))
    >>> z.exists, z.best_for
    (True, {'a': 5.6, 'b': 6.8})
    """
    space = compile(source) if isinstance(source, Scenario) else as_space(source)
    frontier = source if isinstance(source, Frontier) else pareto_frontier(space)
    tol = party_tolerance(space)
    parties = space.parties
    batna = {p: float(b) for p, b in zip(parties, space.batna, strict=True)}
    best_for, shortfall, n_in = _reach(frontier, tol)
    exists = n_in > 0
    conflict: list[str] = []
    if not exists:
        if space.empty:
            conflict = _deletion_filter(space, space.recompile, lambda s: s.empty)
        else:
            conflict = _deletion_filter(space, space.recompile, lambda s: not _has_zopa(s))
    result = ZopaResult(
        exists=exists,
        empty=space.empty,
        batna=batna,
        best_for=best_for,
        shortfall=shortfall,
        conflict=conflict,
        n_packages=n_in,
    )
    return replace(result, explanation=explain(space, result))


# ------------------------------------------------------------------ kernel


def _reach(
    frontier: Frontier, tol: np.ndarray
) -> tuple[dict[str, float | None], dict[str, float | None], int]:
    space = frontier.space
    gains = frontier.gains()
    ok = gains > tol
    best_for: dict[str, float | None] = {}
    shortfall: dict[str, float | None] = {}
    for k, party in enumerate(space.parties):
        others = np.delete(ok, k, axis=1).all(axis=1)
        if others.any():
            best = float(frontier.utilities[others, k].max())
            best_for[party] = best
            gap = float(space.batna[k]) - best
            shortfall[party] = gap if gap > tol[k] else 0.0
        else:
            best_for[party] = shortfall[party] = None
    return best_for, shortfall, int(ok.all(axis=1).sum())


def _has_zopa(space: DealSpace) -> bool:
    if space.empty:
        return False
    frontier = pareto_frontier(space)
    return bool((frontier.gains() > party_tolerance(space)).all(axis=1).any())


def _deletion_filter(
    space: DealSpace,
    recompile: Callable[[Collection[str]], DealSpace],
    broken: Callable[[DealSpace], bool],
) -> list[str]:
    """A minimal set of active constraints under which ``broken`` still holds."""
    active = [c.key for c in space.constraints if c.key not in space.dropped]
    everything = set(active)

    def broken_with(present: list[str]) -> bool:
        return broken(recompile(space.dropped | (everything - set(present))))

    if broken_with([]):
        return []
    kept = list(active)
    for key in active:
        trial = [k for k in kept if k != key]
        if broken_with(trial):
            kept = trial
    return kept


# ------------------------------------------------------------------ words


def _num(x: float) -> str:
    return f"{x:.4g}"


def _constraint_name(space: DealSpace, key: str) -> str:
    for c in space.constraints:
        if c.key == key:
            party = space.scenario.party(c.party).label
            kind = "must-have" if c.kind == "must_have" else "red line"
            name = c.constraint.id or key.split(":", 1)[1]
            label = f" ({c.constraint.label})" if c.constraint.label else ""
            return f"{party}'s {kind} '{name}'{label}"
    return key


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def explain(space: DealSpace, result: ZopaResult) -> str:
    """Plain-English sentences for a :class:`ZopaResult`."""
    label = {p.id: p.label for p in space.scenario.parties}
    names = [_constraint_name(space, k) for k in result.conflict]
    if result.empty:
        if not names:
            return (
                "No package meets every party's must-haves and red lines with the issues "
                "held fixed, so there is no ZOPA."
            )
        verb = "cannot hold together" if len(names) > 1 else "cannot hold"
        return (
            "No package meets every party's must-haves and red lines, so there is no ZOPA. "
            f"{_join(names)} {verb}; relaxing any one of them makes some package "
            "acceptable to all."
        )
    lines = []
    if result.exists:
        lines.append(
            f"A ZOPA exists: {result.n_packages} Pareto-optimal package"
            f"{'s leave' if result.n_packages != 1 else ' leaves'} every party better off than its BATNA."
        )
        for party, best in result.best_for.items():
            assert best is not None
            lines.append(
                f"{label[party]} can get up to {_num(best)} (BATNA {_num(result.batna[party])}) "
                "while every other party still gains."
            )
        return " ".join(lines)
    lines.append("No ZOPA: no acceptable package leaves every party better off than its BATNA.")
    for party, best in result.best_for.items():
        if best is None:
            lines.append(f"No acceptable package lets every party other than {label[party]} gain.")
            continue
        gap = result.shortfall[party] or 0.0
        if gap > 0:
            lines.append(
                f"The best {label[party]} can get while the others gain is {_num(best)}, "
                f"{_num(gap)} short of its BATNA {_num(result.batna[party])}."
            )
    if names:
        if len(names) == 1:
            lines.append(f"{names[0]} kills the ZOPA: dropping it opens one.")
        else:
            lines.append(
                f"{_join(names)} together kill the ZOPA: dropping any one of them opens one."
            )
    else:
        lines.append(
            "Even with every must-have and red line dropped there is no ZOPA: "
            "the BATNAs themselves leave no room."
        )
    return " ".join(lines)
