"""Benchmark: 10,000 draws of us-japan-2025 under uncertain weights (issue 13, target < 20 s on 2 cores).

Every weight of both parties is made a uniform range of ±20 % around its
value (``with_weight_ranges``), and :func:`dealspace.analysis.robust.robust`
draws them. The peer measured in the same run is one exact solve of the
point-value space (compile excluded: the draws reuse one compiled space), so
the printed ratio is "time per draw / one exact solve": below 1 because the
draws are solved in batches (:mod:`dealspace.analysis.draws`), identical to
the engine draw by draw. On a shared machine the wall time depends on the
load; each worker's CPU seconds (start-up, compile and pruning included) are
printed too — the wall time on an idle 2-core machine is about the larger one.

    PYTHONPATH=src python benchmarks/robust.py [--draws 10000] [--jobs 2]
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

from dealspace.analysis.robust import Reweigher, _solve, robust
from dealspace.scenario import load_scenario
from dealspace.scenario.model import Range, Scenario
from dealspace.space import compile


def with_weight_ranges(scenario: Scenario, spread: float = 0.2) -> Scenario:
    """Every weight w becomes the range [w(1 − spread), w(1 + spread)]."""
    parties = []
    for party in scenario.parties:
        valuations = {
            issue: v.model_copy(
                update={
                    "weight_range": Range(low=v.weight * (1 - spread), high=v.weight * (1 + spread))
                }
            )
            for issue, v in party.valuations.items()
        }
        parties.append(party.model_copy(update={"valuations": valuations}))
    return scenario.model_copy(update={"parties": parties})


def _chunk(args: tuple[int, int, int]) -> float:
    """One worker's draws; returns its CPU seconds (load and compile included)."""
    draws, seed, _ = args
    s = with_weight_ranges(load_scenario("us-japan-2025"))
    robust(s, draws=draws, seed=seed, tornado=False)
    return time.process_time()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()
    s = with_weight_ranges(load_scenario("us-japan-2025"))
    space = compile(s)
    rw = Reweigher(space)
    t = time.perf_counter()
    reps = 20
    for _ in range(reps):
        _solve(space)
    solve = (time.perf_counter() - t) / reps
    t = time.perf_counter()
    for _ in range(reps):
        _solve(rw.space_at(rw.point))
    reweighed = (time.perf_counter() - t) / reps
    t = time.perf_counter()
    cpu: list[float] = []
    if args.jobs > 1:
        per = args.draws // args.jobs
        with ProcessPoolExecutor(args.jobs) as pool:
            cpu = list(pool.map(_chunk, [(per, seed, 0) for seed in range(args.jobs)]))
        label = f"{args.jobs} processes, CPU s per worker: " + ", ".join(f"{c:.1f}" for c in cpu)
    else:
        r = robust(space, draws=args.draws, seed=0, tornado=False)
        label = "1 process"
        print(
            f"P(ZOPA) = {r.p_zopa:.3f}; top package P(Nash) = {r.candidates[0].p_nash:.3f}; "
            f"recommended P(all accept) = {r.recommendation.p_all_accept if r.recommendation else float('nan'):.3f}"
        )
    total = time.perf_counter() - t
    print(
        f"{len(rw.params)} uncertain weights; {args.draws:,} draws in {total:.1f} s ({label}); "
        f"{1000 * total / args.draws:.2f} ms per draw"
    )
    print(
        f"peer: one exact Nash+KS solve of the point space {1000 * solve:.2f} ms; re-weighted {1000 * reweighed:.2f} ms"
    )
    print(
        f"ratio (time per draw / exact solve): {total / args.draws / solve:.2f}; target 10,000 draws < 20 s: "
        f"{'met' if total * 10_000 / args.draws < 20 else 'NOT met'} (wall clock)"
    )
    if cpu:
        idle = max(cpu) * 10_000 / args.draws
        print(
            f"on an idle {args.jobs}-core machine (largest worker CPU time, start-up and compile "
            f"included): {idle:.1f} s for 10,000 draws — target {'met' if idle < 20 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
