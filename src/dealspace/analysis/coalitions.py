"""Who can deal with whom: every coalition of parties, its ZOPA and Nash package, and
which coalitions would walk away from the grand package.

Model
-----
With three or more parties every package of the full negotiation needs all
of them. A coalition :math:`C` of at least two parties can also deal alone.
Its *C-negotiation* leaves the others where they are. Each issue :math:`i`
has **owners** :math:`O_i` — the parties whose consent moving it needs:

* the issue's ``owners`` when the scenario lists them;
* else, for a tariff issue, the levying and the levied party (the parties
  whose ``country`` is the tariff's ``levied_by`` and ``on``), when both are
  parties of the scenario;
* else every party with a stake in it (a positive weight, or a bonus that
  reads it).

A coalition may move exactly the issues it owns (:math:`O_i \\subseteq C`);
every other issue stays at the status quo. So a US–Korea pair may change the
US tariff on Korea even though Japan cares about it — Japan's loss shows in
``outsider_gains``, not as a veto — but not an issue Japan co-owns. The
outsiders' must-haves and red lines do not bind (they are not at the table),
and only the members must gain over their BATNAs:

.. math::

    X_C = \\{x : x_i = x^0_i \\ \\forall i \\text{ with } O_i \\not\\subseteq C,
           x \\text{ meets every member's constraints}\\}.

(``outsiders="free"`` is the other extreme: a coalition may move every issue
one of its members has a stake in, ownership ignored.)

The coalition *has a ZOPA* when some :math:`x \\in X_C` gives every member a
strictly positive gain, and its outcome is the Nash package over :math:`X_C`
(members only). A coalition *would walk away* from the grand coalition's
Nash package :math:`x^*` — a core-style objection (Gillies 1959; Sebenius
1983 on adding and subtracting parties) — when some :math:`x \\in X_C` gives
every member strictly more than :math:`x^*` does. Everything is per party in
its own points.

References
----------
.. [1] Gillies, D. B. (1959). Solutions to general non-zero-sum games. In
   *Contributions to the Theory of Games IV*, Annals of Mathematics Studies 40, 47–85.
.. [2] Sebenius, J. K. (1983). Negotiation arithmetic: adding and subtracting
   issues and parties. *International Organization* 37(2), 281–316.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from dealspace.analysis.bargaining import nash
from dealspace.errors import DealspaceError
from dealspace.present.notebook import Displayed
from dealspace.scenario.model import OptionRef, Scenario, condition_issues
from dealspace.space import Block, DealSpace, compile

#: Most parties whose coalitions are all enumerated (2^n).
MAX_PARTIES = 10


@dataclass(frozen=True)
class Coalition:
    """One coalition's own negotiation and its objection to the grand package.

    ``issues``: the issues it may move (no outsider has a stake in them);
    ``gains``: the members' Nash gains over their BATNAs (zeros without a
    ZOPA); ``blocks_grand``: some package it can reach alone gives every
    member strictly more than the grand coalition's Nash package.
    """

    members: tuple[str, ...]
    issues: tuple[str, ...]
    zopa: bool
    package: dict[str, OptionRef] | None
    gains: tuple[float, ...]
    blocks_grand: bool
    outsider_gains: dict[str, float]


@dataclass(frozen=True)
class Coalitions(Displayed):
    """Every coalition of two or more parties. Build with :func:`coalitions`."""

    scenario: str
    parties: tuple[str, ...]
    grand: dict[str, OptionRef] | None
    grand_gains: tuple[float, ...]
    coalitions: tuple[Coalition, ...]
    outsiders: str = "hold"
    owners: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def blocking(self) -> tuple[tuple[str, ...], ...]:
        """Coalitions that would walk away from the grand package."""
        return tuple(c.members for c in self.coalitions if c.blocks_grand)

    @property
    def in_core(self) -> bool:
        """Whether no coalition would walk away from the grand package."""
        return self.grand is not None and not self.blocking

    def to_frame(self) -> pd.DataFrame:
        """One row per coalition: members, issues it can move, ZOPA, walks away."""
        return pd.DataFrame(
            [
                {
                    "coalition": "+".join(c.members),
                    "issues": len(c.issues),
                    "zopa": c.zopa,
                    "walks_away": c.blocks_grand,
                    **{f"gain:{p}": g for p, g in zip(c.members, c.gains, strict=True)},
                }
                for c in self.coalitions
            ]
        ).set_index("coalition")

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "parties": list(self.parties),
            "grand": None if self.grand is None else dict(self.grand),
            "grand_gains": dict(zip(self.parties, self.grand_gains, strict=True)),
            "coalitions": [
                {
                    "members": list(c.members),
                    "issues": list(c.issues),
                    "zopa": c.zopa,
                    "package": None if c.package is None else dict(c.package),
                    "gains": dict(zip(c.members, c.gains, strict=True)),
                    "walks_away": c.blocks_grand,
                    "outsider_gains": dict(c.outsider_gains),
                }
                for c in self.coalitions
            ],
            "blocking": [list(m) for m in self.blocking],
            "in_core": self.in_core,
            "outsiders": self.outsiders,
            "owners": {i: list(o) for i, o in self.owners.items()},
        }


def stakes(scenario: Scenario) -> dict[str, frozenset[str]]:
    """Party → the issues it has a stake in (a positive weight, or a bonus reading it)."""
    out = {}
    for party in scenario.parties:
        issues = {i for i, v in party.valuations.items() if v.weight > 0}
        for bonus in [*party.nice_to_haves, *party.interactions]:
            if bonus.bonus != 0:
                issues |= set(condition_issues(bonus.condition))
        out[party.id] = frozenset(issues)
    return out


def owners(scenario: Scenario) -> dict[str, frozenset[str]]:
    """Issue → the parties whose consent moving it needs (module docstring): the
    issue's ``owners``, else a tariff's levying and levied parties, else its stakeholders."""
    stake = stakes(scenario)
    by_country = {p.country: p.id for p in scenario.parties if p.country}
    out = {}
    for issue in scenario.issues:
        if issue.owners:
            out[issue.id] = frozenset(issue.owners)
        elif (
            issue.tariff is not None
            and issue.tariff.levied_by in by_country
            and issue.tariff.on in by_country
        ):
            out[issue.id] = frozenset(
                {by_country[issue.tariff.levied_by], by_country[issue.tariff.on]}
            )
        else:
            out[issue.id] = frozenset(p for p in scenario.party_ids if issue.id in stake[p])
    return out


def movable(
    scenario: Scenario, members: tuple[str, ...], outsiders: str = "hold"
) -> tuple[str, ...]:
    """The issues a coalition may move: with ``outsiders="hold"`` those it owns (every
    owner is a member, :func:`owners`); with ``"free"`` every issue some member has a
    stake in."""
    if outsiders == "free":
        stake = stakes(scenario)
        inside: set[str] = set().union(*(stake[p] for p in members))
        return tuple(i for i in scenario.issue_ids if i in inside)
    own = owners(scenario)
    return tuple(i for i in scenario.issue_ids if own[i] <= set(members))


def members_space(
    space: DealSpace,
    members: tuple[str, ...],
    batna: np.ndarray | None = None,
    outsiders: str = "hold",
) -> DealSpace:
    """The C-negotiation as a deal space of the members only (module docstring)."""
    s = space.scenario
    idx = [s.party_ids.index(p) for p in members]
    issues = movable(s, members, outsiders)
    drop = [c.key for c in space.constraints if c.party not in members]
    view = space.restrict(issues=issues, drop=drop, fixed={})
    blocks = tuple(
        Block(b.issues, b.options, b.utility[:, idx], b.status_quo_row) for b in view.blocks
    )
    sub = s.model_copy(update={"parties": [s.party(p) for p in members]})
    return replace(
        view,
        scenario=sub,
        parties=members,
        blocks=blocks,
        batna=np.asarray(view.batna, dtype=float)[idx]
        if batna is None
        else np.asarray(batna, dtype=float),
        status_quo_utility=np.asarray(view.status_quo_utility)[idx],
    )


def coalitions(source: Scenario | DealSpace, *, outsiders: str = "hold") -> Coalitions:
    """Every coalition of two or more parties: its ZOPA and Nash package alone, and
    whether it would walk away from the grand coalition's Nash package.

    ``outsiders="hold"`` (default): a coalition moves only the issues it owns
    (:func:`owners`); the others stay at the status quo. ``"free"``: a coalition may move any issue a member has a stake in,
    and outsiders have no veto (what they gain or lose is in ``outsider_gains``).

    Raises
    ------
    DealspaceError
        Above :data:`MAX_PARTIES` parties, or an unknown ``outsiders`` rule.
    """
    if outsiders not in ("hold", "free"):
        raise DealspaceError.single(
            "outsiders", f"unknown rule '{outsiders}'", "use 'hold' or 'free'"
        )
    space = source if isinstance(source, DealSpace) else compile(source)
    if space.dropped or space.fixed or space.negotiated is not None:
        space = space.restrict(drop=(), fixed={}, issues=None)
    s = space.scenario
    n = len(s.parties)
    if n > MAX_PARTIES:
        raise DealspaceError.single(
            "parties", f"{n} parties means 2^{n} coalitions", f"at most {MAX_PARTIES}"
        )
    grand = nash(space)
    grand_u = (
        space.utility(grand.package) if grand.agreement and grand.package is not None else None
    )
    out = []
    for size in range(2, n + 1):
        for members in combinations(s.party_ids, size):
            sub = members_space(space, members, outsiders=outsiders)
            sol = nash(sub)
            idx = [s.party_ids.index(p) for p in members]
            blocks = False
            if grand_u is not None and size < n:
                against = members_space(space, members, batna=grand_u[idx], outsiders=outsiders)
                # a ZOPA against the grand package's utilities: the Nash test (dealspace.analysis.zopa)
                blocks = not against.empty and bool(nash(against).agreement)
            out.append(
                Coalition(
                    members=members,
                    issues=movable(s, members, outsiders),
                    outsider_gains={
                        p: float(v)
                        for p, v in zip(
                            s.party_ids,
                            (
                                space.utility(sol.package)
                                if sol.agreement and sol.package is not None
                                else space.status_quo_utility
                            )
                            - space.batna,
                            strict=True,
                        )
                        if p not in members
                    },
                    zopa=bool(sol.agreement),
                    package=dict(sol.package)
                    if sol.agreement and sol.package is not None
                    else None,
                    gains=tuple(float(sol.gains[p]) for p in members)
                    if sol.agreement
                    else tuple(0.0 for _ in members),
                    blocks_grand=bool(blocks),
                )
            )
    return Coalitions(
        scenario=s.name,
        parties=s.party_ids,
        grand=dict(grand.package) if grand.agreement and grand.package is not None else None,
        grand_gains=tuple(float(grand.gains[p]) for p in s.party_ids)
        if grand.agreement
        else tuple(0.0 for _ in s.party_ids),
        coalitions=tuple(out),
        outsiders=outsiders,
        owners={i: tuple(p for p in s.party_ids if p in own) for i, own in owners(s).items()},
    )
