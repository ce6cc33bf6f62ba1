r"""What is negotiated: the units of the package and their candidate tables.

The model
---------
A compiled :class:`~dealspace.space.DealSpace` is additive over blocks ``b``
(an issue, or issues merged by a cross-issue condition):
``u_p(x) = Σ_b U_b[x_b, p]``. A protocol splits the blocks into *units*
(:class:`Unit`: the whole package, one per domain, or one per block); each
unit is negotiated on its own *track* over a finite :class:`Table` of
candidate packages (:func:`build_table`).

Units and compound blocks
~~~~~~~~~~~~~~~~~~~~~~~~~
A block that links issues of several domains (an interaction, a cross-issue
red line) cannot be split without losing exactness; it is negotiated with the
domain of its first issue. A domain left without blocks has no track.

Status quo and reservation values
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
Additivity holds for any package, so every block has a status-quo utility,
feasible or not (:func:`block_status_quo`); a unit's status quo is the sum
over its blocks. On the whole package a party accepts nothing worse than its
BATNA; on a part, nothing worse than the part's status quo
(:meth:`Prepared.table`).

Candidates
~~~~~~~~~~
A track's candidate table is the exact Pareto frontier of the track's blocks
(:func:`dealspace.analysis.pareto.pareto_frontier`, thinned evenly to at most
``max_frontier`` points, keeping both ends and the Nash point), plus each
party's ``top_k`` best packages for itself (an exact k-best merge over blocks)
and the status quo when it is feasible. Every candidate meets every party's
must-haves and red lines.

:class:`Prepared` holds what is computed once per deal space: the blocks'
status-quo utilities, each party's stake in each block (the range of its
utility over the block's rows) and the candidate tables (built on demand,
cached).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from dealspace.analysis.pareto import pareto_frontier
from dealspace.errors import DealspaceError
from dealspace.space import DealSpace
from dealspace.tolerances import ACCEPT_TOL

#: Utilities within this absolute tolerance count as equal.
TOL = ACCEPT_TOL
#: Best packages per party added to every candidate table.
TOP_K = 64
#: Most frontier packages kept in a candidate table.
MAX_FRONTIER = 1000


# ------------------------------------------------------------------ units


@dataclass(frozen=True)
class Unit:
    """A part of the package negotiated on its own track."""

    name: str
    blocks: tuple[int, ...]
    domain: str | None = None
    issues: tuple[str, ...] = ()
    #: Domains other than ``domain`` whose issues the unit carries (a compound block).
    also: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The name, plus the other domains a compound unit binds:
        ``trade+investment+economic_security``."""
        return "+".join((self.name, *self.also))


def whole(space: DealSpace) -> Unit:
    """The whole package as one unit."""
    return Unit("package", tuple(range(len(space.blocks))), None, tuple(space.scenario.issue_ids))


_UNITS: dict[int, tuple[DealSpace, tuple[Unit, ...]]] = {}


def domain_units(space: DealSpace) -> list[Unit]:
    """One unit per domain; a compound block goes with its first issue's domain
    (kept for the last few spaces seen: protocols ask for them on every run)."""
    hit = _UNITS.get(id(space))
    if hit is None or hit[0] is not space:
        if len(_UNITS) >= 8:
            _UNITS.pop(next(iter(_UNITS)))
        hit = _UNITS[id(space)] = (space, tuple(_domain_units(space)))
    return list(hit[1])


def _domain_units(space: DealSpace) -> list[Unit]:
    scenario = space.scenario
    by_domain: dict[str, list[int]] = {d.id: [] for d in scenario.domains}
    for b, block in enumerate(space.blocks):
        first = min(block.issues, key=scenario.issue_ids.index)
        by_domain[scenario.domain_of(first)].append(b)
    out = []
    for d, bs in by_domain.items():
        if not bs:
            continue
        issues = tuple(
            sorted((i for b in bs for i in space.blocks[b].issues), key=scenario.issue_ids.index)
        )
        also = tuple(
            dict.fromkeys(scenario.domain_of(i) for i in issues if scenario.domain_of(i) != d)
        )
        out.append(Unit(d, tuple(bs), d, issues, also))
    return out


def block_units(space: DealSpace) -> list[Unit]:
    """One unit per block, named by its issues (``a+b`` for a compound)."""
    scenario = space.scenario
    out = []
    for b, block in enumerate(space.blocks):
        issues = sorted(block.issues, key=scenario.issue_ids.index)
        out.append(Unit("+".join(issues), (b,), scenario.domain_of(issues[0]), tuple(issues)))
    return out


# ------------------------------------------------------------------ the table


@dataclass(frozen=True, eq=False)
class Table:
    """The candidate packages of one negotiation track.

    Attributes
    ----------
    name
        The track's name (``"package"`` for the whole package, else a domain
        or block name).
    blocks
        Indices of the deal space's blocks negotiated on this track.
    rows
        ``(C, len(blocks))`` the row of each block in each candidate.
    utility
        ``(C, P)`` each party's utility of the track's part of the package
        (the sum of its blocks' utilities).
    status_quo
        ``(P,)`` the utility of the track's blocks at their status quo.
    reservation
        ``(P,)`` the utility below which a party accepts nothing on this track.
    options
        ``(C, I)`` option index of each of the track's issues in each candidate.
    issue_sizes
        ``(I,)`` number of options of each of the track's issues.
    issues
        The track's issue ids (columns of ``options``).
    """

    name: str
    blocks: tuple[int, ...]
    rows: np.ndarray
    utility: np.ndarray
    status_quo: np.ndarray
    reservation: np.ndarray
    options: np.ndarray
    issue_sizes: np.ndarray
    issues: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return int(self.rows.shape[0])

    @cached_property
    def option_onehot(self) -> np.ndarray:
        """``(Σ issue sizes, C)`` float32 indicator: candidate c uses option o."""
        offsets = np.concatenate([[0], np.cumsum(self.issue_sizes)[:-1]]).astype(np.int64)
        total = int(self.issue_sizes.sum())
        out = np.zeros((total, self.size), dtype=np.float32)
        for i in range(self.options.shape[1]):
            out[offsets[i] + self.options[:, i], np.arange(self.size)] = 1.0
        return out


# ------------------------------------------------------------------ tables


def block_status_quo(space: DealSpace) -> np.ndarray:
    """``(B, P)`` each block's utility at the status quo, feasible or not.

    Additivity over blocks holds for any package (bonuses never straddle
    blocks), so ``U_b(sq_b) = U_b[r] − (u(sq with block b at row r) − u(sq))``.
    """
    scenario = space.scenario
    sq_pkg = scenario.status_quo()
    out = np.zeros((len(space.blocks), space.n_parties))
    columns = [scenario.party_ids.index(p) for p in space.parties]
    base = space.utility(sq_pkg)[columns]
    for b, block in enumerate(space.blocks):
        if block.status_quo_row is not None:
            out[b] = block.utility[block.status_quo_row]
        elif block.size:
            pkg = dict(sq_pkg)
            for issue_id, k in zip(block.issues, block.options[0], strict=True):
                pkg[issue_id] = scenario.issue(issue_id).option_ids[int(k)]
            out[b] = block.utility[0] - (space.utility(pkg)[columns] - base)
    return out


def subspace(space: DealSpace, blocks: Sequence[int]) -> DealSpace:
    return dataclasses.replace(space, blocks=tuple(space.blocks[b] for b in blocks))


def _top_k(space: DealSpace, blocks: Sequence[int], party: int, k: int) -> np.ndarray:
    """Rows of the ``k`` best packages for ``party`` (exact k-best merge;
    ties broken by the other parties' total utility)."""
    rows = np.zeros((1, 0), dtype=np.int64)
    mine = np.zeros(1)
    rest = np.zeros(1)
    for b in blocks:
        u = space.blocks[b].utility
        own, other = u[:, party], u.sum(axis=1) - u[:, party]
        keep = np.lexsort((-other, -own))[:k]
        cand_own = (mine[:, None] + own[keep][None, :]).ravel()
        cand_rest = (rest[:, None] + other[keep][None, :]).ravel()
        order = np.lexsort((-cand_rest, -cand_own))[:k]
        i, j = np.divmod(order, len(keep))
        rows = np.concatenate([rows[i], keep[j, None]], axis=1)
        mine, rest = cand_own[order], cand_rest[order]
    return rows


def build_table(
    space: DealSpace,
    unit: Unit,
    reservation: np.ndarray,
    block_sq: np.ndarray,
    top_k: int = TOP_K,
    max_frontier: int = MAX_FRONTIER,
) -> Table:
    """The candidate table of one unit (see the module docstring).

    Parameters
    ----------
    space
        The compiled deal space.
    unit
        The blocks negotiated on the track.
    reservation
        ``(P,)`` each party's reservation value on the track.
    block_sq
        ``(B, P)`` from :func:`block_status_quo`.
    top_k, max_frontier
        Candidate-set sizes.
    """
    blocks = unit.blocks
    scenario = space.scenario
    sq = block_sq[list(blocks)].sum(axis=0) if blocks else np.zeros(space.n_parties)
    issues = tuple(i for b in blocks for i in space.blocks[b].issues)
    sizes = np.array([len(scenario.issue(i).option_ids) for i in issues], dtype=np.int64)
    if any(space.blocks[b].size == 0 for b in blocks):
        empty = np.zeros((0, len(blocks)), dtype=np.int64)
        return Table(
            unit.name,
            blocks,
            empty,
            np.zeros((0, space.n_parties)),
            sq,
            np.asarray(reservation, float),
            np.zeros((0, len(issues)), np.int64),
            sizes,
            issues,
        )
    frontier = pareto_frontier(subspace(space, blocks))
    f_rows = frontier.rows.astype(np.int64)
    if len(f_rows) > max_frontier:
        keep = np.unique(np.round(np.linspace(0, len(f_rows) - 1, max_frontier)).astype(np.int64))
        gains = frontier.utilities - np.asarray(reservation)
        ok = (gains > TOL).all(axis=1)
        if ok.any():
            score = np.where(ok, np.log(np.where(ok[:, None], gains, 1.0)).sum(axis=1), -np.inf)
            keep = np.union1d(keep, [int(np.argmax(score))])
        f_rows = f_rows[keep]
    parts = [f_rows]
    for p in range(space.n_parties):
        parts.append(_top_k(space, blocks, p, top_k))
    sq_rows = [space.blocks[b].status_quo_row for b in blocks]
    if all(r is not None for r in sq_rows):
        parts.append(np.array([sq_rows], dtype=np.int64))
    rows = np.unique(np.concatenate(parts, axis=0), axis=0)
    util = np.zeros((len(rows), space.n_parties))
    options = []
    for k, b in enumerate(blocks):
        block = space.blocks[b]
        util += block.utility[rows[:, k]]
        options.append(block.options[rows[:, k]])
    return Table(
        name=unit.name,
        blocks=tuple(blocks),
        rows=rows,
        utility=util,
        status_quo=sq,
        reservation=np.asarray(reservation, dtype=float),
        options=np.concatenate(options, axis=1).astype(np.int64),
        issue_sizes=sizes,
        issues=issues,
    )


@dataclass(eq=False)
class Prepared:
    """Everything computed once per deal space: per-block status-quo utilities,
    stakes and candidate tables (built on demand, cached)."""

    space: DealSpace
    top_k: int = TOP_K
    max_frontier: int = MAX_FRONTIER
    block_sq: np.ndarray = field(init=False)
    stake: np.ndarray = field(init=False)
    _tables: dict[tuple[str, tuple[int, ...]], Table] = field(init=False, default_factory=dict)
    _assessed: list[UnitAssessment] | None = field(init=False, default=None)
    #: Results derived from the tables that the simulation engine keeps
    #: (read-only by convention).
    memo: dict[Any, Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        space = self.space
        if space.n_parties != 2:
            raise DealspaceError.single(
                "parties",
                f"process simulation is bilateral; the deal space has {space.n_parties} parties "
                f"({', '.join(space.parties)})",
                "choose two with parties=('a', 'b') (the others' red lines still apply)",
            )
        self.block_sq = (
            block_status_quo(space) if not space.empty else np.zeros((len(space.blocks), 2))
        )
        stake = np.zeros((len(space.blocks), space.n_parties))
        for b, block in enumerate(space.blocks):
            if block.size:
                stake[b] = block.utility.max(axis=0) - block.utility.min(axis=0)
        self.stake = stake

    def table(self, unit: Unit, whole_package: bool = False) -> Table:
        """The candidate table of a unit; the whole package's reservation value
        is the BATNA, a part's is its status-quo utility."""
        key = (unit.name, unit.blocks)
        if key not in self._tables:
            sq = self.block_sq[list(unit.blocks)].sum(axis=0)
            reservation = self.space.batna if whole_package else sq
            self._tables[key] = build_table(
                self.space, unit, reservation, self.block_sq, self.top_k, self.max_frontier
            )
            if unit.also:
                self._tables[key] = dataclasses.replace(self._tables[key], name=unit.label)
        return self._tables[key]

    def assessments(self) -> list[UnitAssessment]:
        """:func:`assess_units` of this space (computed once)."""
        if self._assessed is None:
            self._assessed = assess_units(self)
        return self._assessed

    def bindable(self, unit: Unit) -> bool:
        """Whether the unit has a zone of agreement of its own: a candidate
        that gives every party more than the unit's status quo."""
        table = self.table(unit)
        return bool(table.size and ((table.utility - table.reservation) > TOL).all(axis=1).any())

    def unit_stake(self, unit: Unit) -> np.ndarray:
        """``(P,)`` each party's stake in a unit: the sum of its blocks' utility ranges."""
        return np.asarray(self.stake[list(unit.blocks)].sum(axis=0))


# ------------------------------------------------------------------ harvest units


@dataclass(frozen=True)
class UnitAssessment:
    """What binding a unit first does (see :func:`assess_units`)."""

    unit: Unit
    bindable: bool
    valid: bool
    early_value: float
    shortfall: np.ndarray  # (P,)


def nash_row(utility: np.ndarray, d: np.ndarray) -> int | None:
    """The candidate maximising ``Σ_p log(u_p − d_p)`` over those with every gain
    positive (None when there is none)."""
    gains = utility - d
    ok = (gains > TOL).all(axis=1)
    if not ok.any():
        return None
    score = np.where(ok, np.log(np.where(ok[:, None], gains, 1.0)).sum(axis=1), -np.inf)
    return int(np.argmax(score))


def assess_units(prepared: Prepared) -> list[UnitAssessment]:
    """Each domain unit as a candidate early harvest, by the test of
    :mod:`dealspace.analysis.harvest` on the process's units.

    With ``x*`` the Nash package of the whole portfolio and gains ``g*``,
    binding unit ``H`` first at ``x*_H`` leaves ``d^H = U_H(x*_H) + U_{−H}(sq)``
    if the rest fails; the rest is bargained from ``d^H`` (Nash over the
    rest's candidates). The unit's *shortfall* for ``p`` is
    ``max(0, g*_p − (final_p − d_p))``; it is *valid* when no party falls
    short, *bindable* when it has a zone of agreement of its own.
    """
    space = prepared.space
    parties = space.n_parties
    full = prepared.table(whole(space), whole_package=True)
    star = nash_row(full.utility, full.reservation) if full.size else None
    out = []
    for unit in domain_units(space):
        table = prepared.table(unit)
        bindable = prepared.bindable(unit)
        if star is None:
            out.append(UnitAssessment(unit, bindable, False, 0.0, np.zeros(parties)))
            continue
        g_star = full.utility[star] - space.batna
        u_h = np.zeros(parties)
        for b in unit.blocks:
            u_h = u_h + space.blocks[b].utility[full.rows[star, full.blocks.index(b)]]
        rest_blocks = tuple(b for b in full.blocks if b not in unit.blocks)
        sq_rest = (
            prepared.block_sq[list(rest_blocks)].sum(axis=0) if rest_blocks else np.zeros(parties)
        )
        final = u_h + sq_rest
        if rest_blocks:
            rest = prepared.table(Unit("rest:" + unit.name, rest_blocks))
            pick = nash_row(rest.utility, sq_rest) if rest.size else None
            if pick is not None:
                final = u_h + rest.utility[pick]
        shortfall = np.maximum(0.0, g_star - (final - space.batna))
        early = float((u_h - table.status_quo).sum()) if table.size else 0.0
        out.append(
            UnitAssessment(unit, bindable, bool((shortfall <= 1e-6).all()), early, shortfall)
        )
    return out
