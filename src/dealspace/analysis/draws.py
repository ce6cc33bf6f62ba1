r"""Exact Nash and Kalai–Smorodinsky packages of many re-weighted copies of one deal space.

Robustness draws (:mod:`dealspace.analysis.robust`) solve the same deal space
thousands of times: the feasible rows of every block are fixed, only the
utilities :math:`U^{(t)}_b` and BATNAs :math:`d^{(t)}` change with draw
:math:`t`. One :func:`~dealspace.analysis.pareto.pareto_frontier` plus
:mod:`~dealspace.analysis.bargaining` call per draw spends almost all its time
in Python and numpy call overhead (a few hundred candidate points per merge).
Here every step of the same algorithm runs for a batch of draws at once, on
*segmented* arrays (one segment per draw):

* each block's own non-dominated rows, then the merge
  :math:`\operatorname{ND}(F \oplus \operatorname{ND}(U_b))` block by block
  (the merge lemma of :mod:`~dealspace.analysis.pareto`), with the two-party
  skyline as one sort of all segments (key: draw, first utility descending,
  second descending, changes from the status quo, candidate index) and a
  running maximum of the second utility that restarts at each draw;
* the same tolerance grid (:func:`~dealspace.analysis.pareto.party_tolerance`
  per draw), the same representative of tied utility vectors (fewest changes,
  then first candidate), the same special cases (a one-point frontier or a
  one-row block is moved, not filtered), the same final order;
* the Nash package (largest :math:`\sum_i \log g_i`, first of the tied within
  the score tolerance) and the Kalai–Smorodinsky package (largest
  :math:`\min_i g_i / a_i`, ties broken leximin) per draw.

The result for draw :math:`t` is therefore *identical* — same package, same
tie-breaking — to the exact engine run on that draw's space (checked in
``tests/test_robust.py``). Two parties only; :func:`supported` says when.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dealspace.analysis.bargaining import _leximin
from dealspace.space import DealSpace
from dealspace.tolerances import REL_TOL, SCORE_TOL

#: Draws solved together (memory ~ batch × largest merge × 80 bytes).
BATCH = 1000
#: Most candidate points one batched merge may hold; a batch above it is split in halves.
MAX_BATCH_CANDIDATES = 4_000_000


def supported(space: DealSpace) -> bool:
    """Whether :func:`solve_many` handles the space (two parties)."""
    return space.n_parties == 2


def solve_many(
    space: DealSpace,
    utility: Sequence[np.ndarray],
    batna: np.ndarray,
    probe: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Block rows of the Nash and the Kalai–Smorodinsky package of every draw.

    Parameters
    ----------
    space
        Gives the blocks' feasible rows (``options``) and the status quo.
    utility
        Per block, ``(n, rows, 2)``: each draw's utilities of the block's rows.
    batna
        ``(n, 2)``: each draw's BATNAs.
    probe
        ``(n, 2)``: a package's utilities in each draw (optional).

    Returns
    -------
    (nash, ks, dominated)
        Two ``(n, B)`` int arrays of block rows; a row of ``-1`` means no
        agreement in that draw. Equal to
        ``nash(replace(space, blocks=..., batna=batna[t]))`` for every draw.
        ``dominated[t]``: some frontier package of draw ``t`` dominates the
        probe (the test of :func:`~dealspace.analysis.pareto.is_pareto_optimal`,
        same tolerance); all False without a probe.
    """
    n, n_blocks = batna.shape[0], len(space.blocks)
    none = np.full((n, n_blocks), -1, dtype=np.int64)
    dominated = np.zeros(n, dtype=bool)
    if n == 0 or space.empty:
        return none, none.copy(), dominated
    scale = np.zeros((n, 2))
    for u in utility:
        if u.shape[1]:
            scale += np.abs(u).max(axis=1)
    tol = REL_TOL * np.where(scale > 0, scale, 1.0)
    tol0, tol1 = tol[:, 0].copy(), tol[:, 1].copy()
    sq_index = {i.id: i.status_quo_index for i in space.scenario.issues}
    # the running frontier, one column per party (1-d gathers are the fast ones)
    u0, u1 = np.zeros(n), np.zeros(n)
    changes = np.zeros(n, dtype=np.int64)
    seg = np.arange(n)
    parents: list[np.ndarray] = []
    choices: list[np.ndarray] = []
    for block, u in zip(space.blocks, utility, strict=True):
        rows = block.size
        sq = np.array([sq_index[i] for i in block.issues], dtype=np.int64)
        row_changes = (block.options != sq).sum(axis=1).astype(np.int64)
        f0, f1 = u[:, :, 0].ravel(), u[:, :, 1].ravel()
        bseg = np.repeat(np.arange(n), rows)
        kept = _skyline2(
            np.rint(f0 / tol0[bseg]).astype(np.int64),
            np.rint(f1 / tol1[bseg]).astype(np.int64),
            np.tile(row_changes, n),
            bseg,
        )
        bseg, brow = np.divmod(kept, rows)
        b0, b1, bch = f0[kept], f1[kept], row_changes[brow]
        g = np.bincount(bseg, minlength=n)
        bstart = np.cumsum(g) - g
        size = np.bincount(seg, minlength=n)
        reps = g[seg]
        if n > 1 and int(reps.sum()) > MAX_BATCH_CANDIDATES:  # too big together: halves
            return _halves(space, utility, batna, probe)
        rep = np.repeat(np.arange(len(seg)), reps)
        first = np.cumsum(reps) - reps
        cseg = np.repeat(seg, reps)
        jg = np.arange(len(rep)) - np.repeat(first - bstart[seg], reps)
        c0 = u0.take(rep) + b0.take(jg)
        c1 = u1.take(rep) + b1.take(jg)
        cch = changes.take(rep) + bch.take(jg)
        moved_seg = (size == 1) | (g == 1)  # the engine translates these, no filter
        if not moved_seg.any():
            keep = _skyline2(
                np.rint(c0 / tol0.take(cseg)).astype(np.int64),
                np.rint(c1 / tol1.take(cseg)).astype(np.int64),
                cch,
                cseg,
            )
        else:
            moved = moved_seg[cseg]
            sky = np.flatnonzero(~moved)
            if sky.size:
                ss = cseg[sky]
                sky = sky[
                    _skyline2(
                        np.rint(c0[sky] / tol0.take(ss)).astype(np.int64),
                        np.rint(c1[sky] / tol1.take(ss)).astype(np.int64),
                        cch[sky],
                        ss,
                    )
                ]
            keep = np.sort(np.concatenate([np.flatnonzero(moved), sky]))
        parents.append(rep[keep])
        choices.append(brow[jg[keep]])
        u0, u1, changes, seg = c0[keep], c1[keep], cch[keep], cseg[keep]
    util = np.stack([u0, u1], axis=1)
    if probe is not None:
        weakly = (util >= probe[seg] - tol[seg]).all(axis=1)
        strictly = (util > probe[seg] + tol[seg]).any(axis=1)
        dominated = np.bincount(seg[weakly & strictly], minlength=n) > 0
    order = np.lexsort((-util[:, 1], -util[:, 0], seg))
    util, seg = util[order], seg[order]
    gains = util - batna[seg]
    ir = np.flatnonzero((gains > tol[seg]).all(axis=1))
    if ir.size == 0:
        return none, none.copy(), dominated
    g, gseg = gains[ir], seg[ir]
    starts = np.flatnonzero(np.r_[True, gseg[1:] != gseg[:-1]])
    segs = gseg[starts]
    # Nash: the first (in frontier order) of the packages tied at the best log-product
    score = np.log(g).sum(axis=1)
    best = np.maximum.reduceat(score, starts)
    pos = np.searchsorted(segs, gseg)
    tied = np.flatnonzero(score >= best[pos] - 10 * SCORE_TOL)
    _, at = np.unique(gseg[tied], return_index=True)
    nash_pick = tied[at]
    # Kalai–Smorodinsky: best smallest share of the ideal gain, ties leximin
    ideal = np.maximum.reduceat(g, starts, axis=0)
    share = g / ideal[pos]
    score = share.min(axis=1)
    best = np.maximum.reduceat(score, starts)
    tied = np.flatnonzero(score >= best[pos] - 10 * SCORE_TOL)
    _, at, count = np.unique(gseg[tied], return_index=True, return_counts=True)
    ks_pick = tied[at]
    for k in np.flatnonzero(count > 1):
        group = tied[at[k] : at[k] + count[k]]
        ks_pick[k] = _leximin(share[group], group, 10 * SCORE_TOL)
    out: list[np.ndarray] = []
    for pick in (nash_pick, ks_pick):
        picked = none.copy()
        picked[segs] = _trace(order[ir[pick]], parents, choices)
        out.append(picked)
    return out[0], out[1], dominated


def _halves(
    space: DealSpace,
    utility: Sequence[np.ndarray],
    batna: np.ndarray,
    probe: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`solve_many` on each half of the draws, joined (each draw is solved alone)."""
    half = batna.shape[0] // 2
    parts = [
        solve_many(
            space,
            [u[sl] for u in utility],
            batna[sl],
            None if probe is None else probe[sl],
        )
        for sl in (slice(0, half), slice(half, None))
    ]
    a, b = parts
    return (
        np.concatenate([a[0], b[0]]),
        np.concatenate([a[1], b[1]]),
        np.concatenate([a[2], b[2]]),
    )


def _trace(index: np.ndarray, parents: list[np.ndarray], choices: list[np.ndarray]) -> np.ndarray:
    """Block rows of final-frontier entries ``index``, followed back through the merges."""
    rows = np.empty((len(index), len(parents)), dtype=np.int64)
    for b in range(len(parents) - 1, -1, -1):
        rows[:, b] = choices[b][index]
        index = parents[b][index]
    return rows


def _skyline2(k0: np.ndarray, k1: np.ndarray, changes: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Indices (ascending) of each segment's non-dominated points, one per key vector.

    Per segment the same as :func:`dealspace.analysis.pareto._skyline2_fused`:
    points are grouped by first key (descending); in each group only the
    largest second key can be alive, represented by the point with the fewest
    changes, then the smallest index; a group is alive iff its second key
    beats every group before it in its segment (the running maximum is offset
    per segment so it restarts). One sort of one packed integer key.
    """
    n = len(k0)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    lo0, hi0, lo1, hi1 = int(k0.min()), int(k0.max()), int(k1.min()), int(k1.max())
    nseg, span0, span1 = int(seg.max()) + 1, hi0 - lo0 + 1, hi1 - lo1 + 2
    if (nseg * span1).bit_length() > 62:
        raise OverflowError("utility keys too wide for the batched skyline")
    major = seg * span0 + (hi0 - k0)
    bits = max(1, (n - 1).bit_length())
    if (nseg * span0).bit_length() + bits <= 63:  # sort values, not indices: much faster
        packed = np.sort((major << bits) | np.arange(n))
        order, sm = packed & ((1 << bits) - 1), packed >> bits
    else:
        order = np.argsort(major, kind="stable")
        sm = major[order]
    start = np.ones(n, dtype=bool)
    start[1:] = sm[1:] != sm[:-1]
    starts = np.flatnonzero(start)
    run = np.cumsum(start) - 1
    k1s = k1[order]
    top_k1 = np.maximum.reduceat(k1s, starts)
    top = k1s == top_k1[run]
    ch = changes[order]
    fewest = np.minimum.reduceat(np.where(top, ch, np.iinfo(np.int64).max), starts)
    rep = np.minimum.reduceat(
        np.where(top & (ch == fewest[run]), order, np.iinfo(np.int64).max), starts
    )
    v = (top_k1 - lo1) + seg[rep] * span1  # grows from segment to segment
    best_before = np.empty_like(v)
    best_before[0] = -1
    np.maximum.accumulate(v[:-1], out=best_before[1:])
    return np.sort(rep[v > best_before])
