"""Compile a Scenario into a DealSpace: numpy utility tables and feasibility.

The deal space is *additive over blocks*. A block is one issue, or several
issues merged into a compound issue because a cross-issue constraint or a
bonus (nice-to-have, interaction) reads them together. For a package ``x``
with block options ``x_1 … x_B``

    u_p(x) = Σ_b U_b[x_b, p]

and ``x`` is feasible (acceptable to every party) iff every block option is
feasible — so each block keeps only its feasible rows. Merging keeps every
algorithm exact; a compound larger than :data:`MAX_BLOCK_ROWS` is refused with
the issues named.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dealspace.errors import DealspaceError, did_you_mean
from dealspace.scenario.conditions import holds, linked_issues, option_mask, product_grid
from dealspace.scenario.model import (
    Bonus,
    Constraint,
    Issue,
    IssueIs,
    OptionRef,
    Party,
    Scenario,
    Valuation,
    condition_issues,
)

#: Most option combinations a compound issue may have before filtering.
MAX_BLOCK_ROWS = 2_000_000

Package = dict[str, OptionRef]


@dataclass(frozen=True)
class HardConstraint:
    """A must-have or red line of one party, with a stable key ``party:id``."""

    key: str
    party: str
    kind: str  # "must_have" | "red_line"
    constraint: Constraint

    @property
    def label(self) -> str:
        return self.constraint.label or self.constraint.id or self.key


@dataclass(frozen=True)
class Block:
    """A (compound) issue: its feasible options and their utilities.

    ``options[r, k]`` is the option index of issue ``issues[k]`` in row ``r``;
    ``utility[r, p]`` is party p's utility of that row.
    """

    issues: tuple[str, ...]
    options: np.ndarray
    utility: np.ndarray
    status_quo_row: int | None

    @property
    def size(self) -> int:
        return int(self.options.shape[0])


@dataclass(frozen=True)
class DealSpace:
    """A scenario compiled for computation. Build with :func:`compile`."""

    scenario: Scenario
    parties: tuple[str, ...]
    blocks: tuple[Block, ...]
    batna: np.ndarray
    status_quo_utility: np.ndarray
    constraints: tuple[HardConstraint, ...]
    dropped: frozenset[str] = field(default_factory=frozenset)
    fixed: Mapping[str, OptionRef] = field(default_factory=dict)
    negotiated: frozenset[str] | None = None
    values: Mapping[tuple[str, str], np.ndarray] | None = None

    def recompile(self, drop: Collection[str]) -> DealSpace:
        """The same deal space (same fixed issues, negotiated issues and value
        tables) with the must-haves / red lines ``drop`` left out."""
        return compile(
            self.scenario, drop=drop, fixed=self.fixed, issues=self.negotiated, values=self.values
        )

    @property
    def n_parties(self) -> int:
        return len(self.parties)

    @property
    def empty(self) -> bool:
        """True when no package is acceptable to every party."""
        return any(block.size == 0 for block in self.blocks)

    @property
    def n_outcomes(self) -> int:
        """Number of feasible packages (may be astronomically large)."""
        return math.prod(block.size for block in self.blocks)

    def package(self, rows: Collection[int] | np.ndarray) -> Package:
        """The package (issue → option) of one row per block."""
        out: Package = {}
        for block, row in zip(self.blocks, rows, strict=True):
            for issue_id, k in zip(block.issues, block.options[int(row)], strict=True):
                out[issue_id] = self.scenario.issue(issue_id).option_ids[int(k)]
        return {i: out[i] for i in self.scenario.issue_ids if i in out}

    def rows_of(self, package: Mapping[str, OptionRef]) -> list[int] | None:
        """Block rows of a package, or None when it is not feasible."""
        index = _package_indices(self.scenario, package)
        rows = []
        for block in self.blocks:
            target = np.array([index[i] for i in block.issues])
            hit = np.flatnonzero((block.options == target).all(axis=1))
            if hit.size == 0:
                return None
            rows.append(int(hit[0]))
        return rows

    def utility(self, package: Mapping[str, OptionRef]) -> np.ndarray:
        """Each party's utility of any package (feasible or not)."""
        return utilities(self.scenario, package)

    def is_feasible(self, package: Mapping[str, OptionRef]) -> bool:
        return self.rows_of(package) is not None


# ------------------------------------------------------------------ compile


def compile(
    scenario: Scenario,
    *,
    drop: Collection[str] = (),
    fixed: Mapping[str, OptionRef] | None = None,
    issues: Collection[str] | None = None,
    values: Mapping[tuple[str, str], np.ndarray] | None = None,
) -> DealSpace:
    """Compile a scenario into a :class:`DealSpace`.

    Parameters
    ----------
    drop
        Keys (``party:id``) of must-haves / red lines to leave out, e.g. to price them.
    fixed
        Issues held at a given option (a binding early harvest, or issues
        outside the negotiation held at the status quo).
    issues
        Negotiate only these issues; all others are held at their status quo.
    values
        Precomputed value tables ``(party, issue) → values per option``; by
        default ``value: economy`` issues are priced by :mod:`dealspace.economy`.
    """
    constraints = hard_constraints(scenario)
    unknown = set(drop) - {c.key for c in constraints}
    if unknown:
        name = sorted(unknown)[0]
        raise DealspaceError.single(
            "drop", f"no must-have or red line '{name}'", did_you_mean(name, [c.key for c in constraints])
        )
    fixed = dict(fixed or {})
    held = dict(fixed)  # plus the issues off the table, at the status quo
    if issues is not None:
        for issue_id in issues:
            _issue(scenario, issue_id, "issues")
        for issue in scenario.issues:
            if issue.id not in issues and issue.id not in held:
                held[issue.id] = issue.option_ids[issue.status_quo_index]
    allowed = {issue.id: np.ones(len(issue.option_ids), dtype=bool) for issue in scenario.issues}
    for issue_id, ref in held.items():
        issue = _issue(scenario, issue_id, "fixed")
        k = issue.option_index(ref)
        if k is None:
            raise DealspaceError.single(
                f"fixed.{issue_id}",
                f"'{ref}' is not an option of issue '{issue_id}'",
                did_you_mean(str(ref), map(str, issue.option_ids)),
            )
        allowed[issue_id][:] = False
        allowed[issue_id][k] = True

    active = [c for c in constraints if c.key not in set(drop)]
    table = value_tables(scenario, values)
    bonuses = [(p, b) for p, party in enumerate(scenario.parties) for b in _bonuses(party)]

    by_issue = {i: scenario.issue(i) for i in scenario.issue_ids}
    for c in active:  # one-issue tests prune options directly
        cond = c.constraint.condition
        if isinstance(cond, IssueIs):
            mask = option_mask(cond, by_issue[cond.issue])
            allowed[cond.issue] &= mask if c.kind == "must_have" else ~mask
    # Issues read together by a cross-issue constraint or a bonus form one block.
    linking = [c.constraint.condition for c in active if not isinstance(c.constraint.condition, IssueIs)]
    groups = linked_issues(scenario.issue_ids, linking + [b.condition for _, b in bonuses])

    blocks = [_block(scenario, list(g), allowed, table, active, bonuses, by_issue) for g in groups]
    sq = utilities(scenario, scenario.status_quo(), values=table)
    batna = np.array(
        [sq[p] if party.batna == "status_quo" else float(party.batna) for p, party in enumerate(scenario.parties)]
    )
    return DealSpace(
        scenario=scenario,
        parties=scenario.party_ids,
        blocks=tuple(blocks),
        batna=batna,
        status_quo_utility=sq,
        constraints=tuple(constraints),
        dropped=frozenset(drop),
        fixed=fixed,
        negotiated=frozenset(issues) if issues is not None else None,
        values=dict(values) if values is not None else None,
    )


def _block(
    scenario: Scenario,
    members: list[str],
    allowed: dict[str, np.ndarray],
    table: dict[tuple[str, str], np.ndarray],
    active: list[HardConstraint],
    bonuses: list[tuple[int, Bonus]],
    by_issue: dict[str, Issue],
) -> Block:
    choices = [np.flatnonzero(allowed[i]) for i in members]
    rows = math.prod(len(c) for c in choices)
    if rows > MAX_BLOCK_ROWS:
        raise DealspaceError.single(
            "",
            f"issues {', '.join(members)} are linked by cross-issue constraints or bonuses into "
            f"one compound issue of {rows:,} combinations (limit {MAX_BLOCK_ROWS:,})",
            "link fewer issues in one condition, or use fewer options (a larger step)",
            source=f"scenario '{scenario.name}'",
        )
    grid = product_grid([len(c) for c in choices])
    choice = {i: c[g] for i, c, g in zip(members, choices, grid, strict=True)}
    n = len(grid[0]) if grid else 1
    ok = np.ones(n, dtype=bool)
    member_set = set(members)
    for c in active:
        touched = condition_issues(c.constraint.condition)
        cross_issue = len(touched) > 1 or not isinstance(c.constraint.condition, IssueIs)
        if cross_issue and set(touched) <= member_set:
            h = holds(c.constraint.condition, by_issue, choice)
            ok &= h if c.kind == "must_have" else ~h
    utility = np.zeros((n, len(scenario.parties)))
    for p, party in enumerate(scenario.parties):
        for issue_id in members:
            if (party.id, issue_id) in table:
                utility[:, p] += table[party.id, issue_id][choice[issue_id]]
    for p, bonus in bonuses:
        if set(condition_issues(bonus.condition)) <= member_set:
            utility[:, p] += bonus.bonus * holds(bonus.condition, by_issue, choice)
    options = np.stack([choice[i] for i in members], axis=1) if members else np.zeros((1, 0), int)
    options, utility = options[ok], utility[ok]
    sq = np.array([by_issue[i].status_quo_index for i in members])
    hit = np.flatnonzero((options == sq).all(axis=1))
    return Block(
        issues=tuple(members),
        options=options.astype(np.int64),
        utility=utility,
        status_quo_row=int(hit[0]) if hit.size else None,
    )


# ------------------------------------------------------------------ values


def hard_constraints(scenario: Scenario) -> list[HardConstraint]:
    """Every must-have and red line, keyed ``party:id`` (or ``party:kind[k]``)."""
    out = []
    for party in scenario.parties:
        for kind, items in (("must_have", party.must_haves), ("red_line", party.red_lines)):
            for k, c in enumerate(items):
                name = c.id or f"{kind}s[{k}]"
                out.append(HardConstraint(f"{party.id}:{name}", party.id, kind, c))
    return out


def _bonuses(party: Party) -> list[Bonus]:
    return [*party.nice_to_haves, *party.interactions]


def issue_values(valuation: Valuation, issue: Issue) -> np.ndarray:
    """v̂: a party's value of each option of an issue, best option = 1.

    Per-option values and points are divided by their maximum (as Genius does);
    ``increasing`` / ``decreasing`` run linearly from 0 to 1 over the range.
    """
    value = valuation.value
    if isinstance(value, dict):
        raw = np.zeros(len(issue.option_ids))
        for key, v in value.items():
            k = issue.option_index(key)
            assert k is not None, "checked at load"
            raw[k] = v
    elif value in ("increasing", "decreasing"):
        x = np.array(issue.option_ids, dtype=float)
        span = x.max() - x.min()
        raw = (x - x.min()) / span if span > 0 else np.ones_like(x)
        if value == "decreasing":
            raw = 1.0 - raw
        return raw
    elif isinstance(value, list):
        xs, vs = zip(*value, strict=True)
        raw = np.interp(np.array(issue.option_ids, dtype=float), xs, vs)
    else:
        raise ValueError("economy values are computed by value_tables")
    top = raw.max()
    return raw / top if top > 0 else raw


def value_tables(
    scenario: Scenario, given: Mapping[tuple[str, str], np.ndarray] | None = None
) -> dict[tuple[str, str], np.ndarray]:
    """Weighted value tables ``w_pi · v̂_pi`` for every (party, issue) valued."""
    given = dict(given or {})
    need_economy = [
        (party.id, issue_id)
        for party in scenario.parties
        for issue_id, v in party.valuations.items()
        if v.value == "economy" and (party.id, issue_id) not in given
    ]
    points = scenario.economy is not None and scenario.economy.points_per_welfare_pct is not None
    if need_economy:
        from dealspace.economy.scenario import economy_values

        given.update(economy_values(scenario, need_economy))
    out = {}
    for party in scenario.parties:
        for issue_id, valuation in party.valuations.items():
            issue = scenario.issue(issue_id)
            v = given.get((party.id, issue_id))
            if v is None:
                v = issue_values(valuation, issue)
            # economy values in points per welfare % are utility points already: the weight is not applied twice
            weight = 1.0 if points and valuation.value == "economy" else valuation.weight
            out[party.id, issue_id] = weight * np.asarray(v, dtype=float)
    return out


def utilities(
    scenario: Scenario,
    package: Mapping[str, OptionRef],
    values: Mapping[tuple[str, str], np.ndarray] | None = None,
) -> np.ndarray:
    """Each party's utility of a package, straight from the definition (no blocks)."""
    table = dict(values) if values is not None else value_tables(scenario)
    index = _package_indices(scenario, package)
    by_issue = {i.id: i for i in scenario.issues}
    choice = {i: np.array([k]) for i, k in index.items()}
    out = np.zeros(len(scenario.parties))
    for p, party in enumerate(scenario.parties):
        for issue_id in party.valuations:
            out[p] += table[party.id, issue_id][index[issue_id]]
        for bonus in _bonuses(party):
            if holds(bonus.condition, by_issue, choice)[0]:
                out[p] += bonus.bonus
    return out


def acceptable(scenario: Scenario, package: Mapping[str, OptionRef], drop: Collection[str] = ()) -> bool:
    """Whether a package meets every party's must-haves and red lines."""
    index = _package_indices(scenario, package)
    by_issue = {i.id: i for i in scenario.issues}
    choice = {i: np.array([k]) for i, k in index.items()}
    for c in hard_constraints(scenario):
        if c.key in drop:
            continue
        h = bool(holds(c.constraint.condition, by_issue, choice)[0])
        if h != (c.kind == "must_have"):
            return False
    return True


def _package_indices(scenario: Scenario, package: Mapping[str, Any]) -> dict[str, int]:
    out = {}
    for issue in scenario.issues:
        if issue.id not in package:
            raise DealspaceError.single(
                f"package.{issue.id}", "the package gives no option for this issue", "give one option per issue"
            )
        k = issue.option_index(package[issue.id])
        if k is None:
            raise DealspaceError.single(
                f"package.{issue.id}",
                f"'{package[issue.id]}' is not an option of issue '{issue.id}'",
                did_you_mean(str(package[issue.id]), map(str, issue.option_ids)),
            )
        out[issue.id] = k
    extra = set(package) - set(scenario.issue_ids)
    if extra:
        name = sorted(extra)[0]
        raise DealspaceError.single(f"package.{name}", "unknown issue", did_you_mean(name, scenario.issue_ids))
    return out


def _issue(scenario: Scenario, issue_id: str, where: str) -> Issue:
    try:
        return scenario.issue(issue_id)
    except KeyError:
        raise DealspaceError.single(
            f"{where}.{issue_id}", "unknown issue", did_you_mean(issue_id, scenario.issue_ids)
        ) from None
