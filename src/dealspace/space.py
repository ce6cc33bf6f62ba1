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

from dealspace.errors import DealspaceError, Problem, did_you_mean
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
class Compiled:
    """Every block of a scenario with each hard constraint's verdict per row.

    Built once by :func:`compile`; every :class:`DealSpace` of the scenario
    (all constraints, some dropped, issues fixed, a silo, a coalition) is a
    row filter of it, so no sub-negotiation is ever recompiled.

    ``blocks`` hold every option combination of their issues (or, for a block
    that would exceed :data:`MAX_BLOCK_ROWS`, only the combinations that meet
    the one-issue constraints listed in ``baked``); ``breaks[b][key]`` marks the
    rows of block ``b`` that break constraint ``key`` (only constraints that
    read the block's issues appear).
    """

    scenario: Scenario
    blocks: tuple[Block, ...]
    breaks: tuple[Mapping[str, np.ndarray], ...]
    baked: frozenset[str]
    table: Mapping[tuple[str, str], np.ndarray]
    constraints: tuple[HardConstraint, ...]
    status_quo_utility: np.ndarray
    batna: np.ndarray
    complete: tuple[bool, ...] = ()
    pricing: Any = (
        None  # the GE pricing of the tariff issues (economy.scenario.TariffPricing), if any
    )
    _masks: dict[tuple[int, frozenset[str]], np.ndarray] = field(
        default_factory=dict, repr=False, compare=False
    )

    def acceptable_rows(self, b: int, drop: frozenset[str]) -> np.ndarray:
        """Rows of block ``b`` that break none of its constraints except those dropped
        (memoised per block and set of dropped constraints that read the block)."""
        broken = self.breaks[b]
        key = (b, frozenset(k for k in drop if k in broken))
        if key not in self._masks:
            ok = np.ones(self.blocks[b].size, dtype=bool)
            for name, rows in broken.items():
                if name not in key[1]:
                    ok &= ~rows
            self._masks[key] = ok
        return self._masks[key]


@dataclass(frozen=True)
class DealSpace:
    """A scenario compiled for computation. Build with :func:`compile`; cut
    sub-negotiations from it with :meth:`restrict` (never recompiled).

    ``table`` holds the weighted value tables ``(party, issue) → w·v̂`` that
    every utility of this space is computed from (:meth:`utility`).
    """

    scenario: Scenario
    parties: tuple[str, ...]
    blocks: tuple[Block, ...]
    batna: np.ndarray
    status_quo_utility: np.ndarray
    constraints: tuple[HardConstraint, ...]
    dropped: frozenset[str] = field(default_factory=frozenset)
    fixed: Mapping[str, OptionRef] = field(default_factory=dict)
    negotiated: frozenset[str] | None = None
    table: Mapping[tuple[str, str], np.ndarray] = field(default_factory=dict, repr=False)
    compiled: Compiled | None = field(default=None, repr=False, compare=False)

    def restrict(
        self,
        *,
        drop: Collection[str] | None = None,
        fixed: Mapping[str, OptionRef] | None = None,
        issues: Collection[str] | None = None,
        batna: np.ndarray | None = None,
    ) -> DealSpace:
        """A sub-negotiation of the same scenario, cut from the compiled blocks.

        Each argument replaces this space's setting when given: ``drop`` the
        must-haves / red lines left out, ``fixed`` issues held at an option,
        ``issues`` the only issues that move (the others at the status quo),
        ``batna`` the disagreement point.
        """
        assert self.compiled is not None, "built by compile()"
        return _view(
            self.compiled,
            drop=self.dropped if drop is None else frozenset(drop),
            fixed=dict(self.fixed if fixed is None else fixed),
            issues=self.negotiated if issues is None else frozenset(issues),
            batna=self.batna if batna is None else np.asarray(batna, dtype=float),
        )

    def recompile(self, drop: Collection[str]) -> DealSpace:
        """The same deal space (same fixed and negotiated issues, same value
        tables) with the must-haves / red lines ``drop`` left out."""
        return self.restrict(drop=drop)

    @property
    def n_parties(self) -> int:
        return len(self.parties)

    @property
    def empty(self) -> bool:
        """True when no package is acceptable to every party."""
        return any(block.size == 0 for block in self.blocks)

    @property
    def n_outcomes(self) -> int:
        """Number of feasible packages (an exact integer; may be astronomically large)."""
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
        """Each party's utility of any package (feasible or not), from this
        space's value tables: the one definition :func:`utilities`."""
        return utilities(self.scenario, package, values=self.table)

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
    pricing: Any = None,
) -> DealSpace:
    """Compile a scenario into a :class:`DealSpace`.

    Builds the value tables and every block once; the arguments select a view
    of it (the same as :meth:`DealSpace.restrict` on the result).

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
        Precomputed *unweighted* value tables ``(party, issue) → v̂ per option``;
        by default ``value: economy`` issues are priced by :mod:`dealspace.economy`.
    pricing
        A GE pricing of the tariff issues already computed
        (:func:`dealspace.economy.scenario.price_tariffs`), reused instead of solving again.
    """
    base = compile_blocks(scenario, values, pricing)
    return _view(
        base,
        drop=frozenset(drop),
        fixed=dict(fixed or {}),
        issues=frozenset(issues) if issues is not None else None,
        batna=base.batna,
    )


@dataclass(frozen=True)
class Checked:
    """What :func:`check` found: the compiled deal space, and warnings that do
    not stop an analysis (no package meets every party's hard constraints)."""

    space: DealSpace
    warnings: tuple[str, ...] = ()


def check(scenario: Scenario) -> Checked:
    """Every check an analysis runs before it computes: the one validation after loading.

    ``dealspace validate`` and :func:`dealspace.pipeline.analyze` call it, so a
    file that validates is one every analysis accepts. It adds to the loader's
    checks (structure, bounds, references, each party's own constraints):

    * the economy: ``economy.data`` readable, every country and region code
      known to it, tariff issues on one flow priceable jointly
      (:func:`dealspace.economy.scenario.economy_problems`);
    * the size limits: issues (:data:`dealspace.scenario.bounds.MAX_ISSUES`) and
      the options of each compound issue (:data:`MAX_BLOCK_ROWS`);
    * the compile itself, GE pricing of ``value: economy`` issues included.

    Raises
    ------
    DealspaceError
        every problem, naming the scenario's file (:attr:`Scenario.origin`).
    """
    from dealspace.economy.scenario import economy_problems

    problems = [*size_problems(scenario), *economy_problems(scenario)]
    if problems:
        raise DealspaceError(problems, scenario.origin)
    try:
        space = compile(scenario)
    except DealspaceError as err:
        raise DealspaceError(err.problems, scenario.origin) from None
    return Checked(space, tuple(_empty_warning(space)))


def _empty_warning(space: DealSpace) -> list[str]:
    """A warning naming the constraints on each issue group where no option is acceptable to all."""
    if not space.empty:
        return []
    assert space.compiled is not None
    parts = []
    for b, block in enumerate(space.blocks):
        if block.size == 0:
            keys = sorted(space.compiled.breaks[b])
            parts.append(f"{', '.join(block.issues)} ({', '.join(keys)})")
    return [
        "no package meets every party's must-haves and red lines: no option of "
        + "; of ".join(parts)
        + " meets them all. The analysis reports the conflict and what relaxing each "
        "constraint would gain (`dealspace redlines`)."
    ]


def size_problems(scenario: Scenario) -> list[Problem]:
    """The scenario's issue count against :data:`dealspace.scenario.bounds.MAX_ISSUES`."""
    from dealspace.scenario.bounds import MAX_ISSUES

    n = len(scenario.issues)
    if n <= MAX_ISSUES:
        return []
    return [
        Problem(
            "domains",
            f"the scenario has {n:,} issues, more than the {MAX_ISSUES:,} dealspace analyses",
            "merge related issues into one with more options, or analyse groups of domains apart",
        )
    ]


def compile_blocks(
    scenario: Scenario,
    values: Mapping[tuple[str, str], np.ndarray] | None = None,
    pricing: Any = None,
) -> Compiled:
    """Value tables, blocks and every constraint's verdict per block row (see :class:`Compiled`)."""
    too_large = size_problems(scenario)
    if too_large:
        raise DealspaceError(too_large, scenario.origin)
    constraints = tuple(hard_constraints(scenario))
    pricing = pricing if pricing is not None else _pricing(scenario, values)
    table = value_tables(scenario, values, pricing)
    bonuses = [(p, b) for p, party in enumerate(scenario.parties) for b in _bonuses(party)]
    by_issue = {i: scenario.issue(i) for i in scenario.issue_ids}
    # Issues read together by a cross-issue constraint or a bonus form one block.
    linking = [
        c.constraint.condition
        for c in constraints
        if not isinstance(c.constraint.condition, IssueIs)
    ]
    groups = linked_issues(scenario.issue_ids, linking + [b.condition for _, b in bonuses])
    groups = _merge(scenario.issue_ids, groups, [g for _, g in joint_groups(table)])
    blocks, breaks, baked, complete = [], [], set(), []
    for g in groups:
        block, broken, pruned = _block(scenario, list(g), table, constraints, bonuses, by_issue)
        blocks.append(block)
        breaks.append(broken)
        baked |= pruned
        complete.append(not pruned)
    sq = utilities(scenario, scenario.status_quo(), values=table)
    batna = np.array(
        [
            sq[p] if party.batna == "status_quo" else float(party.batna)
            for p, party in enumerate(scenario.parties)
        ]
    )
    return Compiled(
        scenario=scenario,
        blocks=tuple(blocks),
        breaks=tuple(breaks),
        baked=frozenset(baked),
        table=table,
        constraints=constraints,
        status_quo_utility=sq,
        batna=batna,
        complete=tuple(complete),
        pricing=pricing,
    )


def _merge(
    order: tuple[str, ...], groups: list[tuple[str, ...]], extra: list[tuple[str, ...]]
) -> list[tuple[str, ...]]:
    """``groups`` with every group that shares an issue with an ``extra`` group merged (scenario order)."""
    if not extra:
        return groups
    parent = {i: g for g in groups for i in g}
    merged: dict[tuple[str, ...], set[str]] = {g: set(g) for g in groups}
    for e in extra:
        hit = {parent[i] for i in e}
        union = set().union(*(merged.pop(g) for g in hit))
        key = min(hit, key=lambda g: order.index(g[0]))
        merged[key] = union
        for i in union:
            parent[i] = key
    out = [tuple(i for i in order if i in members) for members in merged.values()]
    return sorted(out, key=lambda g: order.index(g[0]))


def _view(
    base: Compiled,
    *,
    drop: frozenset[str],
    fixed: dict[str, OptionRef],
    issues: frozenset[str] | None,
    batna: np.ndarray,
) -> DealSpace:
    """The deal space of ``base`` with ``drop`` left out and ``fixed`` / off-table issues held."""
    scenario = base.scenario
    keys = [c.key for c in base.constraints]
    unknown = set(drop) - set(keys)
    if unknown:
        name = sorted(unknown)[0]
        raise DealspaceError.single(
            "drop", f"no must-have or red line '{name}'", did_you_mean(name, keys)
        )
    if drop & base.baked:
        # A one-issue constraint was pruned into an oversized block: rebuild without it.
        raise DealspaceError.single(
            "drop",
            f"'{sorted(drop & base.baked)[0]}' cannot be dropped: its compound issue is too large to keep unpruned",
            "use fewer options (a larger step) or fewer linked issues",
            source=scenario.origin,
        )
    held: dict[str, int] = {}
    for issue_id, ref in fixed.items():
        issue = _issue(scenario, issue_id, "fixed")
        k = issue.option_index(ref)
        if k is None:
            raise DealspaceError.single(
                f"fixed.{issue_id}",
                f"'{ref}' is not an option of issue '{issue_id}'",
                did_you_mean(str(ref), map(str, issue.option_ids)),
            )
        held[issue_id] = k
    if issues is not None:
        for issue_id in issues:
            _issue(scenario, issue_id, "issues")
        for issue in scenario.issues:
            if issue.id not in issues and issue.id not in held:
                held[issue.id] = issue.status_quo_index
    blocks = []
    for b, block in enumerate(base.blocks):
        ok = base.acceptable_rows(b, drop)
        fixed_here = [(k, held[i]) for k, i in enumerate(block.issues) if i in held]
        if len(fixed_here) == len(block.issues) and base.complete[b]:
            # Every issue held: one row, found by its position in the full option grid.
            dims = tuple(len(scenario.issue(i).option_ids) for i in block.issues)
            row = int(np.ravel_multi_index(tuple(k for _, k in fixed_here), dims)) if dims else 0
            rows = np.array([row] if ok[row] else [], dtype=np.int64)
        else:
            keep = ok.copy() if fixed_here else ok
            for k, option in fixed_here:
                keep &= block.options[:, k] == option
            rows = np.flatnonzero(keep)
        sq = block.status_quo_row
        new_sq = None
        if sq is not None and ok[sq]:
            new_sq = int(np.searchsorted(rows, sq))
        # options are column-major: gather within each column (one copy, already column-major)
        options = np.take(block.options.T, rows, axis=1).T
        blocks.append(Block(block.issues, options, np.take(block.utility, rows, axis=0), new_sq))
    return DealSpace(
        scenario=scenario,
        parties=scenario.party_ids,
        blocks=tuple(blocks),
        batna=np.asarray(batna, dtype=float),
        status_quo_utility=base.status_quo_utility,
        constraints=base.constraints,
        dropped=drop,
        fixed=fixed,
        negotiated=issues,
        table=base.table,
        compiled=base,
    )


def _block(
    scenario: Scenario,
    members: list[str],
    table: Mapping[tuple[str, str], np.ndarray],
    constraints: tuple[HardConstraint, ...],
    bonuses: list[tuple[int, Bonus]],
    by_issue: dict[str, Issue],
) -> tuple[Block, dict[str, np.ndarray], set[str]]:
    member_set = set(members)
    mine = [c for c in constraints if set(condition_issues(c.constraint.condition)) <= member_set]
    allowed = {i: np.ones(len(by_issue[i].option_ids), dtype=bool) for i in members}
    baked: set[str] = set()
    if math.prod(len(by_issue[i].option_ids) for i in members) > MAX_BLOCK_ROWS:
        # Too large to keep whole: prune by the one-issue constraints first.
        for c in mine:
            cond = c.constraint.condition
            if isinstance(cond, IssueIs):
                mask = option_mask(cond, by_issue[cond.issue])
                allowed[cond.issue] &= mask if c.kind == "must_have" else ~mask
                baked.add(c.key)
    choices = [np.flatnonzero(allowed[i]) for i in members]
    rows = math.prod(len(c) for c in choices)
    if rows > MAX_BLOCK_ROWS:
        raise DealspaceError.single(
            "",
            f"issues {', '.join(members)} are linked by cross-issue constraints or bonuses into "
            f"one compound issue of {rows:,} combinations (limit {MAX_BLOCK_ROWS:,})",
            "link fewer issues in one condition, or use fewer options (a larger step)",
            source=scenario.origin,
        )
    grid = product_grid([len(c) for c in choices])
    choice = {i: c[g] for i, c, g in zip(members, choices, grid, strict=True)}
    n = len(grid[0]) if grid else 1
    broken: dict[str, np.ndarray] = {}
    for c in mine:
        if c.key in baked:
            continue
        h = holds(c.constraint.condition, by_issue, choice)
        broken[c.key] = ~h if c.kind == "must_have" else h
    utility = np.zeros((n, len(scenario.parties)))
    for p, party in enumerate(scenario.parties):
        for issue_id in members:
            if (party.id, issue_id) in table:
                utility[:, p] += table[party.id, issue_id][choice[issue_id]]
    for owner, group in joint_groups(table):
        if set(group) <= member_set:
            p = scenario.party_ids.index(owner)
            utility[:, p] += table[owner, joint_key(group)][grid_rows(scenario, group, choice)]
    for p, bonus in bonuses:
        if set(condition_issues(bonus.condition)) <= member_set:
            utility[:, p] += bonus.bonus * holds(bonus.condition, by_issue, choice)
    options = np.stack([choice[i] for i in members], axis=1) if members else np.zeros((1, 0), int)
    sq = np.array([by_issue[i].status_quo_index for i in members])
    hit = np.flatnonzero((options == sq).all(axis=1))
    block = Block(
        issues=tuple(members),
        options=np.asfortranarray(options, dtype=np.int64),  # column tests of views are contiguous
        utility=utility,
        status_quo_row=int(hit[0]) if hit.size else None,
    )
    return block, broken, baked


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


def _economy_pairs(
    scenario: Scenario, given: Mapping[tuple[str, str], np.ndarray] | None
) -> list[tuple[str, str]]:
    """``(party, issue)`` of every ``value: economy`` table the caller did not give."""
    given = given or {}
    return [
        (party.id, issue_id)
        for party in scenario.parties
        for issue_id, v in party.valuations.items()
        if v.value == "economy" and (party.id, issue_id) not in given
    ]


def _pricing(scenario: Scenario, given: Mapping[tuple[str, str], np.ndarray] | None) -> Any:
    """The GE pricing of the scenario's tariff issues when some ``value: economy`` table is not given."""
    if _economy_pairs(scenario, given):
        from dealspace.economy.scenario import price_tariffs

        return price_tariffs(scenario)
    return None


def value_tables(
    scenario: Scenario,
    given: Mapping[tuple[str, str], np.ndarray] | None = None,
    pricing: Any = None,
) -> dict[tuple[str, str], np.ndarray]:
    """Weighted value tables ``w_pi · v̂_pi`` for every (party, issue) valued."""
    need_economy = _economy_pairs(scenario, given)
    given = dict(given or {})
    points = scenario.economy is not None and scenario.economy.points_per_welfare_pct is not None
    joint: dict[tuple[str, str], np.ndarray] = {}
    if need_economy:
        from dealspace.economy.scenario import economy_values, joint_values, price_tariffs

        pricing = pricing or price_tariffs(scenario)  # one GE pricing per compile
        given.update(economy_values(scenario, need_economy, pricing))
        priced = set(need_economy)  # the economy tables not given by the caller
        for (party_id, group), table in joint_values(scenario, pricing).items():
            valued = [i for i in group if (party_id, i) in given]
            if len(group) > 1 and all((party_id, i) in priced for i in valued):
                joint[party_id, joint_key(group)] = np.asarray(table, dtype=float)
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
    for (party_id, key), grid_values in joint.items():
        # Tariff issues on one flow are priced jointly (their effects do not add up):
        # the group's joint table replaces the party's per-issue economy tables.
        for issue_id in key.split(JOINT):
            if scenario.party(party_id).valuations.get(issue_id, None) is not None:
                out[party_id, issue_id] = np.zeros_like(out[party_id, issue_id])
        out[party_id, key] = grid_values
    return out


#: Separator of the issues of a jointly priced group in a value-table key.
JOINT = "+"


def joint_key(group: Collection[str]) -> str:
    """The value-table key of a group of issues priced jointly (``"a+b"``)."""
    return JOINT.join(group)


def joint_groups(table: Mapping[tuple[str, str], np.ndarray]) -> list[tuple[str, tuple[str, ...]]]:
    """``(party, issues)`` of every joint value table (rows: the issues' option grid in C order)."""
    return [(party, tuple(key.split(JOINT))) for party, key in table if JOINT in key]


def grid_rows(
    scenario: Scenario, group: tuple[str, ...], choice: Mapping[str, np.ndarray]
) -> np.ndarray:
    """Row of each combination in a group's option grid (C order over the issues' options)."""
    dims = tuple(len(scenario.issue(i).option_ids) for i in group)
    return np.ravel_multi_index(tuple(np.asarray(choice[i]) for i in group), dims)


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
        for owner, group in joint_groups(table):
            if owner == party.id:
                out[p] += table[owner, joint_key(group)][grid_rows(scenario, group, choice)][0]
        for bonus in _bonuses(party):
            if holds(bonus.condition, by_issue, choice)[0]:
                out[p] += bonus.bonus
    return out


def acceptable(
    scenario: Scenario, package: Mapping[str, OptionRef], drop: Collection[str] = ()
) -> bool:
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
                f"package.{issue.id}",
                "the package gives no option for this issue",
                "give one option per issue",
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
        raise DealspaceError.single(
            f"package.{name}", "unknown issue", did_you_mean(name, scenario.issue_ids)
        )
    return out


def _issue(scenario: Scenario, issue_id: str, where: str) -> Issue:
    try:
        return scenario.issue(issue_id)
    except KeyError:
        raise DealspaceError.single(
            f"{where}.{issue_id}", "unknown issue", did_you_mean(issue_id, scenario.issue_ids)
        ) from None
