"""Speed of the exact Pareto frontier: dealspace's block merge vs NegMAS.

Random additive domains (seeded): every party values every issue, with a
random weight and a random value per option. The same utility functions are
given to both libraries: NegMAS gets :class:`LinearAdditiveUtilityFunction`
objects whose tables hold dealspace's weighted, normalised values
``w_pi · v̂_pi`` (so both compute the same numbers), with no reserved value
(the whole frontier, not only its rational part).

NegMAS is timed two ways, both NegMAS's own calls:

* ``negmas.preferences.pareto_frontier(ufuns, issues=...)`` — its documented
  end-to-end call from utility functions (enumerates and evaluates every
  outcome, then filters);
* ``negmas.preferences.ops.pareto_frontier_numpy(points)`` — its recommended
  filter alone, on utilities we evaluate for it beforehand with numpy (not
  timed): a lower bound on NegMAS's cost.

dealspace is timed on a compiled DealSpace (``pareto_frontier(space)``, the
counterpart of NegMAS's ready ufuns); compile time is printed too. Both run in
the same process; each dealspace time is the best of several runs.

dealspace is also timed against itself as it was at commit 789ece3 (a copy of
that code is kept at the end of this script, not in the package): 4, 5 and 6
parties × 12 issues × 5 options, old and new in the same run, with a check that
both give the same frontier (same packages, utilities and tie counts).

Run from the repository root: ``.venv/bin/python benchmarks/frontier.py``
(``--quick`` skips NegMAS on the 10^6-outcome case and the old code on 6
parties, about two minutes alone). NegMAS is the optional ``bench`` extra:
``.venv/bin/pip install negmas``.

Goals: 2 parties × 10^6 outcomes ≥ 10,000× faster than NegMAS; 2 parties ×
100 issues × 10 options and 3 parties × 16 issues × 5 options < 1 s; 6
parties × 12 issues × 5 options ≥ 10× faster than at 789ece3.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from dealspace.analysis import pareto
from dealspace.analysis.pareto import pareto_frontier, party_tolerance
from dealspace.errors import DealspaceError
from dealspace.scenario.model import Scenario
from dealspace.space import Block, DealSpace, compile, value_tables

try:  # optional extra
    from negmas.preferences import LinearAdditiveUtilityFunction, TableFun
    from negmas.preferences import pareto_frontier as negmas_pareto_frontier
    from negmas.preferences.ops import pareto_frontier_numpy as negmas_pareto_filter

    import negmas
except ImportError:  # pragma: no cover - depends on the environment
    negmas = None


def random_scenario(parties: int, issues: int, options: int, seed: int) -> Scenario:
    """A random additive domain: every party values every issue."""
    rng = np.random.default_rng(seed)
    issue_list = [
        {"id": f"i{k}", "options": [f"o{j}" for j in range(options)], "status_quo": "o0"}
        for k in range(issues)
    ]
    party_list = []
    for p in range(parties):
        valuations = {}
        for k in range(issues):
            values = rng.uniform(0.0, 1.0, options)
            valuations[f"i{k}"] = {
                "weight": float(rng.uniform(0.1, 1.0)),
                "value": {f"o{j}": float(v) for j, v in enumerate(values)},
            }
        party_list.append({"id": f"p{p}", "valuations": valuations})
    return Scenario.model_validate(
        {"name": "random", "parties": party_list, "domains": [{"id": "d", "issues": issue_list}]}
    )


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def negmas_ufuns(scenario: Scenario) -> tuple[list[Any], list[Any]]:
    """NegMAS utility functions with exactly dealspace's utility tables."""
    table = value_tables(scenario)
    issues = [negmas.make_issue(values=list(i.option_ids), name=i.id) for i in scenario.issues]
    space = negmas.make_os(issues)
    ufuns = []
    for party in scenario.parties:
        values = {
            i.id: TableFun(dict(zip(i.option_ids, map(float, table[party.id, i.id]), strict=True)))
            for i in scenario.issues
        }
        ufuns.append(
            LinearAdditiveUtilityFunction(
                values=values, outcome_space=space, reserved_value=float("-inf")
            )
        )
    return ufuns, issues


def all_points(space: DealSpace) -> np.ndarray:
    """Utilities of every package (product of blocks), in NegMAS's outcome order."""
    total = np.zeros((1, space.n_parties))
    for block in space.blocks:
        total = (total[:, None, :] + block.utility[None, :, :]).reshape(-1, space.n_parties)
    return total


def point_set(points: np.ndarray) -> set[tuple[float, ...]]:
    return {tuple(row) for row in np.round(np.asarray(points, dtype=float), 9) + 0.0}


#: NegMAS's measured cost per outcome and utility function (set by the largest case run).
RATE: dict[str, float] = {}


def run_case(
    name: str, parties: int, issues: int, options: int, seed: int, negmas_limit: int, goal: str
) -> None:
    scenario = random_scenario(parties, issues, options, seed)
    t_compile, space = best_of(lambda: compile(scenario), 3)
    repeat = 5 if parties <= 3 else 2
    t_ours, frontier = best_of(lambda: pareto_frontier(space), repeat)
    outcomes = options**issues
    print(
        f"\n== {name}: {parties} parties, {issues} issues × {options} options "
        f"= {outcomes:.3g} outcomes (seed {seed})"
    )
    print(
        f"dealspace  pareto_frontier(space)        {t_ours * 1e3:10.2f} ms   "
        f"({len(frontier)} frontier packages; compile {t_compile * 1e3:.1f} ms)   goal: {goal}"
    )
    if negmas is None:
        print("NegMAS     not installed (pip install negmas, the 'bench' extra): not compared")
        return
    if outcomes > negmas_limit:
        why = (
            "out of its reach (memory and time)"
            if outcomes > 5e6
            else f"skipped: above this run's limit of {negmas_limit:.3g} outcomes"
        )
        print(
            f"NegMAS     not run: its pareto_frontier enumerates all {outcomes:.3g} outcomes — {why}"
        )
        if "e2e" in RATE:
            guess = RATE["e2e"] * outcomes * parties
            print(
                f"           (at the rate measured above it would take ~{_duration(guess)}, "
                f"ratio ~{guess / t_ours:.3g}×)"
            )
        return
    ufuns, issue_list = negmas_ufuns(scenario)
    start = time.perf_counter()
    utils, _ = negmas_pareto_frontier(ufuns, issues=issue_list, sort_by_welfare=False)
    t_e2e = time.perf_counter() - start
    RATE["e2e"] = t_e2e / (outcomes * parties)
    points = all_points(space)
    t_filter, idx = best_of(lambda: negmas_pareto_filter(points, sort_by_welfare=False), 1)
    same = point_set(utils) == point_set(frontier.utilities) == point_set(points[idx])
    print(
        f"NegMAS     pareto_frontier(ufuns, issues) {t_e2e * 1e3:10.2f} ms   "
        f"ratio {t_e2e / t_ours:,.0f}×   (incl. our compile: {t_e2e / (t_ours + t_compile):,.0f}×)"
    )
    print(
        f"NegMAS     pareto_frontier_numpy(points)  {t_filter * 1e3:10.2f} ms   "
        f"ratio {t_filter / t_ours:,.0f}×   (filter only, utilities pre-evaluated)"
    )
    print(f"same frontier utilities: {'yes' if same else 'NO'} ({len(utils)} points in NegMAS)")


def _duration(seconds: float) -> str:
    """A duration in a readable unit: ms, s, min, h, days or years."""
    if seconds < 1:
        return f"{seconds * 1e3:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    if seconds < 3.156e7:
        return f"{seconds / 86400:.1f} days"
    return f"{seconds / 3.156e7:.3g} years"


def run_old_vs_new(parties: int, issues: int, options: int, seed: int) -> None:
    """The frontier now and as at 789ece3, on one space: times (wall and CPU, as
    the machine may be shared), ratio, and whether the frontiers are identical."""
    space = compile(random_scenario(parties, issues, options, seed))
    cpu = time.process_time()
    t_new, new = best_of(lambda: pareto_frontier(space), 1)
    cpu_new, cpu = time.process_time() - cpu, time.process_time()
    t_old, (rows, util, ties) = best_of(lambda: old_pareto_frontier(space), 1)
    cpu_old = time.process_time() - cpu
    same = (
        np.array_equal(new.rows, rows)
        and np.array_equal(new.utilities, util)
        and np.array_equal(new.ties, ties)
    )
    print(
        f"{parties} parties × {issues} issues × {options} options: {len(new):,} frontier packages; "
        f"old {_duration(t_old)}, new {_duration(t_new)}, ratio {t_old / t_new:.1f}× "
        f"(CPU: {_duration(cpu_old)} vs {_duration(cpu_new)}, {cpu_old / cpu_new:.1f}×); "
        f"same frontier (packages, utilities, ties): {'yes' if same else 'NO'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="skip NegMAS on the 10^6-outcome case and the old code on 6 parties",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the random domains")
    args = parser.parse_args()
    limit = 100_000 if args.quick else 2_000_000
    print(f"numpy {np.__version__}; NegMAS {getattr(negmas, '__version__', 'not installed')}")
    s = args.seed
    run_case("check, 2 parties", 2, 4, 5, s, limit, "same frontier as NegMAS")
    run_case("check, 3 parties", 3, 6, 5, s, limit, "same frontier as NegMAS")
    run_case("A", 2, 6, 10, s, limit, "≥ 10,000× faster than NegMAS")
    run_case("B", 2, 100, 10, s, limit, "< 1 s")
    run_case("C", 3, 16, 5, s, limit, "< 1 s")
    run_case("D", 4, 10, 5, s, limit, "report")
    print("\n== dealspace now vs at 789ece3 (goal: 6 parties ≥ 10× faster, same frontier)")
    for parties in (4, 5) if args.quick else (4, 5, 6):
        run_old_vs_new(parties, 12, 5, s)


# ------------------------------------------------------------------ the old frontier
# A verbatim copy of the exact frontier as it was at commit 789ece3 (names
# prefixed with _old): block-nested-loop skylines for 3 and 4+ parties, and the
# row matrix copied at every merge. Kept here, not in the package, so that each
# run times the new code against the old on the same machine.

_old_CHUNK = 1024
_old_LOWEST = np.iinfo(np.int64).min


def old_pareto_frontier(space: DealSpace) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, utilities, ties)`` of the frontier, computed as at 789ece3."""
    n_parties = space.n_parties
    tol = party_tolerance(space)
    rows = np.zeros((1, 0), dtype=np.int32)
    util = np.zeros((1, n_parties))
    changes = np.zeros(1, dtype=np.int64)
    count = np.ones(1)
    sq_index = {issue.id: issue.status_quo_index for issue in space.scenario.issues}
    for block in space.blocks:
        sq = np.array([sq_index[i] for i in block.issues], dtype=np.int64)
        b_rows, b_util, b_changes, b_count = _old_block_frontier(block, sq, tol)
        n_cand = rows.shape[0] * b_rows.shape[0]
        if n_cand > pareto.MAX_CANDIDATES:
            raise DealspaceError.single(
                "",
                f"the Pareto frontier grew to {rows.shape[0]:,} packages; merging issue(s) "
                f"{', '.join(block.issues)} would test {n_cand:,} candidates "
                f"(limit {pareto.MAX_CANDIDATES:,})",
                "hold some issues fixed (compile(..., fixed=...)) or use fewer options",
            )
        if rows.shape[0] == 1:  # a single point (the start): the block's frontier, moved
            rows = np.concatenate(
                [np.repeat(rows, b_rows.shape[0], axis=0), b_rows[:, None]], axis=1
            )
            util = util[0] + b_util
            changes = changes[0] + b_changes
            count = count[0] * b_count
            continue
        if b_rows.shape[0] == 1:  # one undominated row: a translation keeps the frontier
            rows = np.concatenate([rows, np.full((rows.shape[0], 1), b_rows[0], np.int32)], axis=1)
            util = util + b_util[0]
            changes = changes + b_changes[0]
            count = count * b_count[0]
            continue
        g = b_rows.shape[0]
        cand_util = (util[:, None, :] + b_util[None, :, :]).reshape(-1, n_parties)
        cand_changes = (changes[:, None] + b_changes[None, :]).ravel()
        keep, count = _old_skyline(
            _old_keys(cand_util, tol), cand_changes, (count[:, None] * b_count[None, :]).ravel()
        )
        i, j = np.divmod(keep, g)
        rows = np.concatenate([rows[i], b_rows[j, None]], axis=1)
        util = cand_util[keep]
        changes = cand_changes[keep]
    order = np.lexsort(-util.T[::-1])
    return rows[order], util[order], count[order]


def _old_keys(util: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """Utilities snapped to the tolerance grid, as exact integers."""
    return np.rint(util / tol).astype(np.int64)


def _old_block_frontier(
    block: Block, sq: np.ndarray, tol: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A block's own non-dominated rows (ascending), utilities, changes, counts.

    ``sq`` holds the status-quo option index of each of the block's issues;
    a row's *changes* is the number of its issues off the status quo.
    """
    changes = (block.options != sq).sum(axis=1).astype(np.int64)
    keep, cnt = _old_skyline(_old_keys(block.utility, tol), changes, np.ones(block.size))
    return keep.astype(np.int32), block.utility[keep], changes[keep], cnt


def _old_skyline(
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
        return _old_skyline2_fused(keys, changes, count)
    order = np.lexsort((changes, *keys.T[::-1]))  # stable: ties keep index order
    sk = keys[order]
    start = np.ones(n, dtype=bool)
    start[1:] = (sk[1:] != sk[:-1]).any(axis=1)
    starts = np.flatnonzero(start)
    reps = order[starts]
    group_count = np.add.reduceat(count[order], starts)
    ukeys = keys[reps]
    if p == 1:
        alive = ukeys[:, 0] == ukeys[:, 0].max()
    elif p == 3:
        alive = _old_skyline3(ukeys)
    else:
        alive = _old_skyline_sum(ukeys)
    kept = reps[alive]
    cnt = group_count[alive]
    back = np.argsort(kept, kind="stable")
    return kept[back], cnt[back]


def _old_skyline2_fused(
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
    best_before[0] = _old_LOWEST
    np.maximum.accumulate(s1[:-1], out=best_before[1:])
    starts = start.nonzero()[0]
    alive = s1[starts] > best_before[starts]
    kept = order[starts[alive]]
    cnt = np.add.reduceat(count[order], starts)[alive]
    back = kept.argsort()
    return kept[back], cnt[back]


def _old_staircase(y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2-d maxima of (y, z), sorted by y descending (z then ascending)."""
    order = np.lexsort((-z, -y))
    y, z = y[order], z[order]
    best_before = np.empty_like(z)
    if len(z):
        best_before[0] = _old_LOWEST
        np.maximum.accumulate(z[:-1], out=best_before[1:])
    keep = z > best_before
    return y[keep], z[keep]


def _old_ge_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``out[i, j]``: point ``a[i] ≥ b[j]`` in every coordinate (one 2-d pass per
    coordinate: much faster than reducing a 3-d array over its short last axis)."""
    out = a[:, 0, None] >= b[None, :, 0]
    for d in range(1, a.shape[1]):
        out &= a[:, d, None] >= b[None, :, d]
    return out


def _old_dominated_within(c: np.ndarray) -> np.ndarray:
    """For distinct points: dominated by another point of the same set."""
    ge = _old_ge_matrix(c, c)
    np.fill_diagonal(ge, False)
    return np.asarray(ge.any(axis=0))


def _old_skyline3(k: np.ndarray) -> np.ndarray:
    """Maxima of distinct 3-d integer points.

    Sweep in lexicographic order (descending), so every dominator of a point
    comes before it; a point is dominated by an earlier one iff the staircase
    (2-d maxima of the later two coordinates) of the earlier points holds a
    point ``(y', z') ≥ (y, z)`` — one binary search: along the staircase
    (``y`` descending) ``z`` increases, so the last entry with ``y' ≥ y`` has
    the largest ``z'``.
    """
    n = len(k)
    order = np.lexsort((-k[:, 2], -k[:, 1], -k[:, 0]))
    sk = k[order]
    alive_sorted = np.zeros(n, dtype=bool)
    sy = np.zeros(0, dtype=np.int64)
    sz = np.zeros(0, dtype=np.int64)
    for lo in range(0, n, _old_CHUNK):
        c = sk[lo : lo + _old_CHUNK]
        dead = _old_dominated_within(c)
        if len(sy):
            idx = np.searchsorted(-sy, -c[:, 1], side="right")
            has = idx > 0
            dead[has] |= sz[idx[has] - 1] >= c[has, 2]
        alive = ~dead
        alive_sorted[lo : lo + _old_CHUNK] = alive
        if alive.any():
            sy, sz = _old_staircase(
                np.concatenate([sy, c[alive, 1]]), np.concatenate([sz, c[alive, 2]])
            )
    out = np.zeros(n, dtype=bool)
    out[order] = alive_sorted
    return out


def _old_skyline_sum(k: np.ndarray) -> np.ndarray:
    """Maxima of distinct integer points in any dimension.

    Sorted by coordinate sum (descending): a dominator has a strictly larger
    sum, so it comes first. Each chunk is compared with the points kept so far
    and with itself, in vectorised blocks.
    """
    n, p = k.shape
    total = k.sum(axis=1, dtype=np.float64)
    order = np.lexsort((*(-k.T[::-1]), -total))
    sk = k[order]
    alive_sorted = np.zeros(n, dtype=bool)
    kept = np.zeros((0, p), dtype=np.int64)
    for lo in range(0, n, _old_CHUNK):
        c = sk[lo : lo + _old_CHUNK]
        dead = _old_dominated_within(c)
        step = max(1, (1 << 22) // max(1, len(c)))
        for a in range(0, len(kept), step):
            todo = np.flatnonzero(~dead)
            if todo.size == 0:
                break
            dead[todo] |= _old_ge_matrix(kept[a : a + step], c[todo]).any(axis=0)
        alive = ~dead
        alive_sorted[lo : lo + _old_CHUNK] = alive
        kept = np.concatenate([kept, c[alive]])
    out = np.zeros(n, dtype=bool)
    out[order] = alive_sorted
    return out


if __name__ == "__main__":
    main()
