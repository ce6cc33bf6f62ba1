r"""The exact Pareto frontier of an additive deal space.

The model
---------
A compiled :class:`~dealspace.space.DealSpace` has blocks ``b = 1 … B`` (an
issue, or a compound of issues linked by a cross-issue condition). Block ``b``
keeps only its feasible rows, and party ``p``'s utility of a package
``x = (x_1, …, x_B)`` is additive over blocks:

.. math::

    u(x) = \sum_{b=1}^{B} U_b[x_b] \in \mathbb{R}^P .

The feasible utility set is therefore the Minkowski sum
:math:`\mathcal{U} = U_1 \oplus U_2 \oplus \dots \oplus U_B` of the blocks'
row sets. Write :math:`\operatorname{ND}(S)` for the non-dominated points of
a finite set ``S`` (``v`` dominates ``u`` when ``v ≥ u`` in every coordinate
and ``v ≠ u``).

**Merge lemma.** :math:`\operatorname{ND}(A \oplus B) \subseteq
\operatorname{ND}(A) \oplus \operatorname{ND}(B)`. If ``a + b`` is
non-dominated and ``a`` were dominated by ``a'``, then ``a' + b`` would
dominate ``a + b``; likewise for ``b``. Hence

.. math::

    \operatorname{ND}(\mathcal{U}) = \operatorname{ND}\bigl(\cdots
    \operatorname{ND}(\operatorname{ND}(U_1) \oplus \operatorname{ND}(U_2))
    \oplus \cdots \oplus \operatorname{ND}(U_B)\bigr),

so the frontier is built block by block, filtering after each merge, without
ever enumerating the :math:`\prod_b |U_b|` packages. The work of a merge is
``|F| · |ND(U_b)|`` candidates, ``F`` the running frontier.

The filter (a *skyline*) is: two parties — sort by the first utility and keep
each point whose second utility beats the running maximum, :math:`O(n \log n)`;
three or more — divide and conquer [1]_: sort lexicographically, find the
maxima of each half, and drop the points of the lower half that a maximum of
the upper half covers, a dominance query on one coordinate fewer (the first is
already ordered) answered by splitting at medians, down to a staircase and a
binary search on two coordinates. That is :math:`O(n \log^{P-1} n)` for
``n`` candidates and ``P`` parties, instead of the :math:`O(n \cdot |F|)` of a
block-nested loop; small parts are compared directly (64 pairs per machine
word). Each merge keeps back-pointers (each package's index in the previous
frontier and its row of the block); the packages are rebuilt once at the end.

Ties and tolerance
------------------
Utilities are compared on a grid of :data:`REL_TOL` times each party's range
(the sum over blocks of the largest absolute block utility), so ``0.1 + 0.2``
and ``0.3`` are one point. Packages with equal utility vectors are collapsed
to one representative: the package that changes the fewest issues from the
status quo, then the first in lexicographic order of block rows (the candidates
are deduplicated before the skyline, so the kernel only sees distinct points,
and a point is dominated only by a *different* point ≥ it everywhere). The
representative is exact under merging: a prefix of the preferred package is
itself the preferred prefix of its utility (changes and utilities are both
additive). ``Frontier.ties`` counts every feasible package with the
representative's utility vector.

References
----------
.. [1] H. T. Kung, F. Luccio, F. P. Preparata, "On finding the maxima of a set
   of vectors", J. ACM 22(4), 1975.
.. [2] S. Börzsönyi, D. Kossmann, K. Stocker, "The skyline operator",
   ICDE 2001.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from dealspace.errors import DealspaceError
from dealspace.present.document import Chart
from dealspace.present.notebook import Displayed
from dealspace.scenario.model import OptionRef, Scenario
from dealspace.space import Block, DealSpace, compile
from dealspace.tolerances import REL_TOL as TOLERANCE_REL

if TYPE_CHECKING:
    import pandas as pd

#: Relative tolerance for equal utilities (of each party's utility range).
REL_TOL = TOLERANCE_REL
#: Decimals kept in exported utilities (hides float noise such as 1.6999999999999997).
DECIMALS = 12
#: Most candidate points one merge may create before the engine refuses.
MAX_CANDIDATES = 30_000_000

_LOWEST = np.iinfo(np.int64).min
# Skyline kernel sizes (speed only, never the result): the largest set whose
# maxima are found point against point; the largest |A|·|B| of a dominance
# query answered without splitting, or its smaller side; the smallest side
# answered with bitsets rather than a boolean matrix; booleans per dense chunk.
_BASE = 256
_LEAF = 1 << 22
_THIN = 16
_BITS_MIN = 64
_CELLS = 1 << 22
_BIT = np.left_shift(np.uint64(1), np.arange(64, dtype=np.uint64))


# ------------------------------------------------------------------ result


@dataclass(frozen=True, eq=False)
class Frontier(Displayed):
    """The Pareto frontier of a deal space, one package per utility vector.

    Attributes
    ----------
    space
        The deal space the frontier belongs to.
    rows
        ``(F, B)`` int32: the row of each block in each frontier package
        (back-pointers into ``space.blocks[b].options``).
    utilities
        ``(F, P)`` float: each party's utility of each frontier package.
    ties
        ``(F,)`` float: how many feasible packages share the utility vector
        (1 when the representative is unique; a float, as counts can exceed
        any integer type).

    Sorted by the first party's utility (descending), then the second's, …
    """

    space: DealSpace
    rows: np.ndarray
    utilities: np.ndarray
    ties: np.ndarray

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    @property
    def parties(self) -> tuple[str, ...]:
        return self.space.parties

    @cached_property
    def packages(self) -> list[dict[str, OptionRef]]:
        """Every frontier package as a mapping issue → option."""
        return [self.space.package(r) for r in self.rows]

    def package(self, i: int) -> dict[str, OptionRef]:
        """The ``i``-th frontier package (issue → option)."""
        if not -len(self) <= i < len(self):
            raise DealspaceError.single(
                "index", f"{i} is out of range: the frontier has {len(self)} packages"
            )
        return self.space.package(self.rows[i])

    def gains(self) -> np.ndarray:
        """``(F, P)`` utilities minus each party's BATNA."""
        return self.utilities - self.space.batna

    def to_frame(self) -> pd.DataFrame:
        """One row per package: a column per issue, then ``u:<party>`` per party
        (utilities rounded to :data:`DECIMALS` decimals)."""
        import pandas as pd

        issues = self.space.scenario.issue_ids
        data: dict[str, Any] = {i: [p[i] for p in self.packages] for i in issues}
        for k, party in enumerate(self.parties):
            data[f"u:{party}"] = np.round(self.utilities[:, k], DECIMALS)
        return pd.DataFrame(data, columns=[*issues, *(f"u:{p}" for p in self.parties)])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the parties, their BATNAs and the frontier records."""
        return {
            "parties": list(self.parties),
            "batna": {p: float(b) for p, b in zip(self.parties, self.space.batna, strict=True)},
            "frontier": self.to_records(),
            "ties": [float(t) for t in self.ties],
        }

    def to_records(self) -> list[dict[str, Any]]:
        """JSON-ready: ``[{"package": {issue: option}, "utilities": {party: value}}]``
        (utilities rounded to :data:`DECIMALS` decimals)."""
        return [
            {
                "package": dict(pkg),
                "utilities": {
                    p: round(float(u), DECIMALS) for p, u in zip(self.parties, util, strict=True)
                },
            }
            for pkg, util in zip(self.packages, self.utilities, strict=True)
        ]

    # ------------------------------------------------------------------ public

    def chart(self) -> Chart | None:
        """The frontier of the first two parties with the Nash and Kalai–Smorodinsky packages."""
        from dealspace.analysis.bargaining import kalai_smorodinsky, nash
        from dealspace.analysis.specs import frontier_chart

        names = [p.label for p in self.space.scenario.parties]
        return frontier_chart(
            self, {"Nash": nash(self), "Kalai–Smorodinsky": kalai_smorodinsky(self)}, names
        )


def as_space(source: Scenario | DealSpace | Frontier, what: str = "source") -> DealSpace:
    """The DealSpace of a Scenario (compiled), a DealSpace, or a Frontier."""
    if isinstance(source, DealSpace):
        return source
    if isinstance(source, Frontier):
        return source.space
    if isinstance(source, Scenario):
        return compile(source)
    raise DealspaceError.single(
        what,
        f"expected a Scenario, a DealSpace or a Frontier, got {type(source).__name__}",
        "load one with dealspace.load_scenario(...)",
    )


def pareto_frontier(source: Scenario | DealSpace | Frontier) -> Frontier:
    """The exact Pareto frontier of a scenario's feasible packages.

    Parameters
    ----------
    source
        A :class:`~dealspace.scenario.model.Scenario` (compiled with default
        settings) or a compiled :class:`~dealspace.space.DealSpace` (a
        Frontier is returned as is).

    Returns
    -------
    Frontier
        One representative package per non-dominated utility vector, sorted by
        the first party's utility (descending). Empty when no package is
        acceptable to every party.

    Raises
    ------
    DealspaceError
        When ``source`` is neither, or a merge would exceed
        :data:`MAX_CANDIDATES` points.

    Notes
    -----
    With ``ND`` the non-dominated subset and ``⊕`` the Minkowski sum,
    ``ND(U_1 ⊕ … ⊕ U_B) = ND(ND(… ND(ND(U_1) ⊕ ND(U_2)) …) ⊕ ND(U_B))``
    (see the module docstring). The cost is ``Σ_b |F_b| · |ND(U_b)|``
    candidate points, ``F_b`` the frontier after ``b`` merges, plus the skyline
    filter of each merge; memory is proportional to the frontier.

    Examples
    --------
    >>> from dealspace import load_scenario
    >>> f = pareto_frontier(load_scenario("tests/data/toy.yaml"))
    >>> len(f), f.parties
    (9, ('a', 'b'))
    >>> f.package(0)
    {'tariff': 0.0, 'rice': 'closed', 'defence': 'none'}
    """
    if isinstance(source, Frontier):
        return source
    space = as_space(source)
    n_blocks, n_parties = len(space.blocks), space.n_parties
    if space.empty:
        return Frontier(
            space,
            np.zeros((0, n_blocks), dtype=np.int32),
            np.zeros((0, n_parties)),
            np.zeros(0),
        )
    tol = party_tolerance(space)
    util = np.zeros((1, n_parties))
    changes = np.zeros(1, dtype=np.int64)
    count = np.ones(1)
    # Back-pointers, one pair per block: each package's index in the previous
    # frontier and its row of the block (the packages are rebuilt at the end).
    parents: list[np.ndarray] = []
    choices: list[np.ndarray] = []
    sq_index = {issue.id: issue.status_quo_index for issue in space.scenario.issues}
    for block in space.blocks:
        sq = np.array([sq_index[i] for i in block.issues], dtype=np.int64)
        b_rows, b_util, b_changes, b_count = _block_frontier(block, sq, tol)
        size, g = util.shape[0], b_rows.shape[0]
        if size * g > MAX_CANDIDATES:
            raise DealspaceError.single(
                "",
                f"the Pareto frontier grew to {size:,} packages; merging issue(s) "
                f"{', '.join(block.issues)} would test {size * g:,} candidates "
                f"(limit {MAX_CANDIDATES:,})",
                "hold some issues fixed (compile(..., fixed=...)) or use fewer options",
            )
        if size == 1:  # a single point (the start): the block's frontier, moved
            parent, choice = np.zeros(g, dtype=np.intp), b_rows
            util = util[0] + b_util
            changes = changes[0] + b_changes
            count = count[0] * b_count
        elif g == 1:  # one undominated row: a translation keeps the frontier
            parent, choice = np.arange(size), np.full(size, b_rows[0], dtype=np.int32)
            util = util + b_util[0]
            changes = changes + b_changes[0]
            count = count * b_count[0]
        else:
            cand_util = (util[:, None, :] + b_util[None, :, :]).reshape(-1, n_parties)
            cand_changes = (changes[:, None] + b_changes[None, :]).ravel()
            keep, count = _skyline(
                _keys(cand_util, tol), cand_changes, (count[:, None] * b_count[None, :]).ravel()
            )
            parent, j = np.divmod(keep, g)
            choice = b_rows[j]
            util = cand_util[keep]
            changes = cand_changes[keep]
        parents.append(parent)
        choices.append(choice)
    order = np.lexsort(-util.T[::-1])
    return Frontier(space, _trace(order, parents, choices), util[order], count[order])


def _trace(index: np.ndarray, parents: list[np.ndarray], choices: list[np.ndarray]) -> np.ndarray:
    """``(len(index), B)`` block rows of the final frontier packages ``index``,
    followed back through each merge's back-pointers."""
    rows = np.empty((len(index), len(parents)), dtype=np.int32)
    for b in range(len(parents) - 1, -1, -1):
        rows[:, b] = choices[b][index]
        index = parents[b][index]
    return rows


def is_pareto_optimal(
    source: Scenario | DealSpace | Frontier, package: Mapping[str, OptionRef]
) -> bool:
    """Whether a package is feasible and no feasible package dominates it.

    Parameters
    ----------
    source
        A Scenario, a DealSpace, or a Frontier already computed (reused).
    package
        One option per issue.

    Returns
    -------
    bool
        False for an infeasible package; otherwise True iff no frontier point
        ``f`` has ``f ≥ u − tol`` everywhere and ``f > u + tol`` somewhere.

    Notes
    -----
    Exact: a feasible package is dominated iff some Pareto-optimal package
    dominates it (dominance is transitive on a finite set).
    """
    frontier = source if isinstance(source, Frontier) else pareto_frontier(as_space(source))
    space = frontier.space
    if space.rows_of(package) is None:
        return False
    u = space.utility(package)
    tol = party_tolerance(space)
    f = frontier.utilities
    weakly = (f >= u - tol).all(axis=1)
    strictly = (f > u + tol).any(axis=1)
    return not bool((weakly & strictly).any())


def dominates(
    u: Sequence[float] | np.ndarray, v: Sequence[float] | np.ndarray, tol: float = 0.0
) -> bool:
    """Whether utility vector ``u`` Pareto-dominates ``v``.

    ``u_i ≥ v_i − tol`` for every party and ``u_i > v_i + tol`` for at least one.

    Examples
    --------
    >>> dominates([2, 1], [1, 1]), dominates([1, 1], [1, 1]), dominates([2, 0], [1, 1])
    (True, False, False)
    """
    a, b = np.asarray(u, dtype=float), np.asarray(v, dtype=float)
    if a.shape != b.shape:
        raise DealspaceError.single("u, v", f"shapes differ: {a.shape} and {b.shape}")
    return bool((a >= b - tol).all() and (a > b + tol).any())


def party_tolerance(space: DealSpace) -> np.ndarray:
    """Absolute tolerance per party: :data:`REL_TOL` × the party's utility range.

    The range is ``Σ_b max_r |U_b[r, p]|`` (a bound on any package's
    |utility|), or 1 when that is zero.
    """
    scale = np.zeros(space.n_parties)
    for block in space.blocks:
        if block.size:
            scale += np.abs(block.utility).max(axis=0)
    return REL_TOL * np.where(scale > 0, scale, 1.0)


# ------------------------------------------------------------------ kernel


def _keys(util: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """Utilities snapped to the tolerance grid, as exact integers."""
    return np.rint(util / tol).astype(np.int64)


def _block_frontier(
    block: Block, sq: np.ndarray, tol: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A block's own non-dominated rows (ascending), utilities, changes, counts.

    ``sq`` holds the status-quo option index of each of the block's issues;
    a row's *changes* is the number of its issues off the status quo.
    """
    changes = (block.options != sq).sum(axis=1).astype(np.int64)
    keep, cnt = _skyline(_keys(block.utility, tol), changes, np.ones(block.size))
    return keep.astype(np.int32), block.utility[keep], changes[keep], cnt


def _skyline(
    keys: np.ndarray, changes: np.ndarray, count: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (ascending) of the non-dominated candidates, one per key vector.

    Among equal keys the representative has the fewest changes, then the
    smallest index; its count is the sum of the group's counts.
    """
    n, p = keys.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    if p == 2:
        return _skyline2_fused(keys, changes, count)
    order = np.lexsort((changes, *keys.T[::-1]))  # stable: ties keep index order
    sk = keys[order]
    start = np.ones(n, dtype=bool)
    start[1:] = (sk[1:] != sk[:-1]).any(axis=1)
    starts = np.flatnonzero(start)
    reps = order[starts]
    group_count = np.add.reduceat(count[order], starts)
    ukeys = keys[reps]
    # ukeys are in ascending lexicographic order (the sort above)
    alive = ukeys[:, 0] == ukeys[:, 0].max() if p == 1 else _maxima(ukeys, ascending=True)
    kept = reps[alive]
    cnt = group_count[alive]
    back = np.argsort(kept, kind="stable")
    return kept[back], cnt[back]


def _skyline2_fused(
    keys: np.ndarray, changes: np.ndarray, count: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two parties in one sort: by first key, then second (both descending),
    then changes and index; a run of equal keys is alive iff its second key
    beats every second key before it (only a run's first element can)."""
    k0, k1 = keys[:, 0], keys[:, 1]
    order = np.lexsort((changes, -k1, -k0))
    s0, s1 = k0[order], k1[order]
    n = len(order)
    start = np.ones(n, dtype=bool)
    start[1:] = (s0[1:] != s0[:-1]) | (s1[1:] != s1[:-1])
    best_before = np.empty_like(s1)
    best_before[0] = _LOWEST
    np.maximum.accumulate(s1[:-1], out=best_before[1:])
    starts = start.nonzero()[0]
    alive = s1[starts] > best_before[starts]
    kept = order[starts[alive]]
    cnt = np.add.reduceat(count[order], starts)[alive]
    back = kept.argsort()
    return kept[back], cnt[back]


# Divide and conquer (Kung, Luccio and Preparata [1]_) for three or more parties.
#
# maxima(S): sort S lexicographically (descending) and cut it in halves T, L.
# No point of L dominates a point of T (it would come first), so
# maxima(S) = maxima(T) ∪ {l ∈ maxima(L): no t ∈ maxima(T) has t ≥ l},
# and as every t ≥ l in the first coordinate already, that test drops it.
#
# covered(A, B, cols): for each b, whether some a ≥ b on cols. Split both sets
# at the median m of one column c: b ≥ m can only be covered by a ≥ m (same
# columns); b < m by a < m (same columns) or by a ≥ m, which then beats b on c
# already (one column fewer). Two columns: a staircase and a binary search.
# The cost is O(n log^(d-1) n) for n points of d parties instead of the
# O(n · |frontier|) of a block-nested loop; small parts are compared point
# against point with numpy.


def _maxima(keys: np.ndarray, ascending: bool = False) -> np.ndarray:
    """Mask of the maxima of distinct integer points (two or more columns);
    ``ascending``: the points are already in ascending lexicographic order."""
    n, p = keys.shape
    ranks = np.empty((n, p), dtype=np.int64 if n >= 2**31 else np.int32)
    for c in range(p):  # dense ranks: the same order, smaller integers
        ranks[:, c] = np.unique(keys[:, c], return_inverse=True)[1].ravel()
    order = np.arange(n - 1, -1, -1) if ascending else np.lexsort(-ranks.T[::-1])
    out = np.empty(n, dtype=bool)
    out[order] = _maxima_sorted(ranks[order])
    return out


def _maxima_sorted(s: np.ndarray) -> np.ndarray:
    """Mask of the maxima of distinct points sorted lexicographically, descending."""
    n = len(s)
    if n <= _BASE:
        return ~_dominated_within(s)
    half = n // 2
    top, low = s[:half], s[half:]
    alive = np.empty(n, dtype=bool)
    alive[:half] = _maxima_sorted(top)
    low_alive = _maxima_sorted(low)
    idx = np.flatnonzero(low_alive)
    low_alive[idx] = ~_covered(top[alive[:half]], low[idx], tuple(range(1, s.shape[1])))
    alive[half:] = low_alive
    return alive


def _covered(a: np.ndarray, b: np.ndarray, cols: tuple[int, ...]) -> np.ndarray:
    """For each row of ``b``: some row of ``a`` is ≥ it in every column of ``cols``."""
    na, nb = len(a), len(b)
    if na == 0 or nb == 0:
        return np.zeros(nb, dtype=bool)
    if len(cols) == 1:
        return np.asarray(b[:, cols[0]] <= a[:, cols[0]].max())
    if len(cols) == 2:
        return _covered2(a, b, cols[0], cols[1])
    if na * nb <= _LEAF or min(na, nb) <= _THIN:
        if min(na, nb) < _BITS_MIN:
            return _covered_dense(a, b, cols)
        return _covered_bits(a, b, cols)
    c, rest = cols[0], cols[1:]
    va, vb = a[:, c], b[:, c]
    both = np.concatenate([va, vb])
    m = np.partition(both, len(both) // 2)[len(both) // 2]
    if m == both.min():  # a tie at the bottom: split just above it
        above = both[both > m]
        if above.size == 0:  # one value: this column decides nothing
            return _covered(a, b, rest)
        m = above.min()
    a_hi, a_lo = a[va >= m], a[va < m]
    hi = vb >= m
    i_hi, i_lo = np.flatnonzero(hi), np.flatnonzero(~hi)
    turn = (*rest, c)  # split on the next column further down
    out = np.empty(nb, dtype=bool)
    out[i_hi] = _covered(a_hi, b[i_hi], turn)
    b_lo = b[i_lo]
    lo_out = _covered(a_lo, b_lo, turn)
    todo = np.flatnonzero(~lo_out)
    if todo.size and len(a_hi):
        lo_out[todo] = _covered(a_hi, b_lo[todo], rest)
    out[i_lo] = lo_out
    return out


def _covered2(a: np.ndarray, b: np.ndarray, y: int, z: int) -> np.ndarray:
    """:func:`_covered` on two columns: along ``a`` sorted by ``y`` (descending),
    the running maximum of ``z`` answers every ``b`` by one binary search."""
    order = np.lexsort((-a[:, z], -a[:, y]))
    ay, best_z = a[order, y], np.maximum.accumulate(a[order, z])
    idx = np.searchsorted(-ay, -b[:, y], side="right")  # rows of a with a_y ≥ b_y
    out = idx > 0
    out[out] = best_z[idx[out] - 1] >= b[out, z]
    return out


def _covered_bits(a: np.ndarray, b: np.ndarray, cols: tuple[int, ...]) -> np.ndarray:
    """:func:`_covered` with bitsets over the smaller of ``a`` and ``b``: 64
    pairs per machine word instead of one per byte."""
    if len(a) <= len(b):  # for each b: the a's ≥ it (−a ≤ −b) on every column
        idx, _ = _bitset_and(-a, -b, cols)
        out = np.zeros(len(b), dtype=bool)
        out[idx] = True
        return out
    _, hits = _bitset_and(b, a, cols)  # for each a: the b's ≤ it; then any a
    words = np.bitwise_or.reduce(hits, axis=0) if len(hits) else np.zeros(hits.shape[1], np.uint64)
    bits = np.unpackbits(words.astype("<u8").view(np.uint8), bitorder="little")
    return bits[: len(b)].astype(bool)


def _bitset_and(
    s: np.ndarray, q: np.ndarray, cols: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``q``, the bitset (``(n+63)//64`` words) of the rows of
    ``s`` that are ≤ it on every column of ``cols``; only the rows of ``q`` with
    a non-empty set are returned, as ``(indices, bitsets)``.

    Per column, the rows of ``s`` ≤ a value are a prefix of ``s`` sorted by that
    column: the bitsets of all ``n + 1`` prefixes are one cumulative OR, and a
    binary search picks each query's prefix.
    """
    n = len(s)
    idx = np.arange(len(q))
    hits = np.empty((0, (n + 63) >> 6), np.uint64)
    for k, c in enumerate(cols):
        order = np.argsort(s[:, c])
        prefix = np.zeros((n + 1, hits.shape[1]), np.uint64)
        prefix[np.arange(1, n + 1), order >> 6] = _BIT[order & 63]
        np.bitwise_or.accumulate(prefix, axis=0, out=prefix)
        rows = prefix[np.searchsorted(s[order, c], q[idx, c], side="right")]
        hits = rows if k == 0 else np.bitwise_and(hits, rows, out=rows)
        live = hits.any(axis=1)
        idx, hits = idx[live], hits[live]
    return idx, hits


def _covered_dense(a: np.ndarray, b: np.ndarray, cols: tuple[int, ...]) -> np.ndarray:
    """:func:`_covered` point against point, in chunks of at most ``_CELLS`` pairs."""
    out = np.empty(len(b), dtype=bool)
    step = max(1, _CELLS // len(a))
    for lo in range(0, len(b), step):
        out[lo : lo + step] = _ge_matrix(a, b[lo : lo + step], cols).any(axis=0)
    return out


def _ge_matrix(a: np.ndarray, b: np.ndarray, cols: Sequence[int]) -> np.ndarray:
    """``out[i, j]``: ``a[i] ≥ b[j]`` on every column of ``cols`` (one 2-d pass per
    column: much faster than reducing a 3-d array over its short last axis)."""
    out = a[:, cols[0], None] >= b[None, :, cols[0]]
    for c in cols[1:]:
        out &= a[:, c, None] >= b[None, :, c]
    return out


def _dominated_within(c: np.ndarray) -> np.ndarray:
    """For distinct points: dominated by another point of the same set."""
    ge = _ge_matrix(c, c, range(c.shape[1]))
    np.fill_diagonal(ge, False)
    return np.asarray(ge.any(axis=0))
