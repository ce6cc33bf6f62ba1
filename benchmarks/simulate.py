"""Speed of process simulation: 10,000 runs of us-japan-2025, 100-round deadline.

Three measurements, all in this process or on a local Dask cluster:

1. ``monte_carlo`` on one core, 10,000 runs of one protocol and strategy pair,
   for several protocols and pairs, with and without noise in the agents'
   estimates (noise makes every run different, so runs are simulated
   together, vectorised; without noise and with deterministic strategies the
   runs share one course and only the breakdown draws differ). Peer: the
   same runs one by one through ``simulate`` (a sample, extrapolated).
2. A sweep of 10,000 runs spread over a grid (5 protocols × 4 strategy pairs
   × 500 runs, noise 0.1, hazard 0.01) on a Dask ``LocalCluster`` with 1 and
   with 2 worker processes (best of 3, after a warm-up sweep): the speed-up of
   2 workers over 1 (the peer).

Goal: 10,000 runs with a 100-round deadline in under 10 s on 2 cores.

Run from the repository root: ``.venv/bin/python benchmarks/simulate.py``
(``--runs N``, ``--scenario NAME``, ``--no-dask``).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from dealspace.process import monte_carlo, simulate
from dealspace.process.simulate import deal_space
from dealspace.process.sweep import sweep

PROTOCOLS = ("alternating", "snt", "sequential", "sequential-negotiated", "silos")
PAIRS = ("boulware,conceder", "tit-for-tat,tit-for-tat", "frequency,linear", "random,linear")


def best_of(n: int, job) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return min(times)


def single_core(scenario: str, runs: int) -> None:
    space = deal_space(scenario)
    monte_carlo(space, "alternating", ["linear,linear"], runs=10, seed=0)  # warm-up: tables, caches
    print(f"1. monte_carlo, one core: {runs:,} runs of {scenario}, deadline 100, δ = 0.99, hazard = 0.01")
    print(f"   {'protocol':24s}{'strategies':26s}{'noise 0':>10s}{'noise 0.1':>11s}")
    worst = 0.0
    for proto in ("alternating", "snt", "sequential", "silos"):
        for pair in PAIRS:
            cells = []
            for noise in (0.0, 0.1):
                t = best_of(1, lambda p=proto, s=pair, n=noise: monte_carlo(
                    space, p, [s], runs=runs, seed=1, deadline=100, discount=0.99, hazard=0.01, noise=n))
                worst = max(worst, t)
                cells.append(f"{t:9.2f}s")
            print(f"   {proto:24s}{pair:26s}{cells[0]:>10s}{cells[1]:>11s}")
    print(f"   slowest cell: {worst:.2f} s for {runs:,} runs")
    sample = 100
    children = np.random.SeedSequence(1).spawn(sample)
    start = time.perf_counter()
    for child in children:
        simulate(space, "alternating", "boulware,conceder", seed=child, deadline=100, discount=0.99,
                 hazard=0.01, noise=0.1)
    per_run = (time.perf_counter() - start) / sample
    vector = best_of(1, lambda: monte_carlo(space, "alternating", ["boulware,conceder"], runs=runs, seed=1,
                                            deadline=100, discount=0.99, hazard=0.01, noise=0.1))
    print(
        f"   peer: simulate() one run at a time, {per_run * 1e3:.1f} ms/run → {per_run * runs:.1f} s for "
        f"{runs:,} runs; vectorised monte_carlo {vector:.2f} s: {per_run * runs / vector:.0f}× faster"
    )


def dask_sweep(scenario: str, runs: int) -> None:
    import distributed

    per_cell = max(1, runs // (len(PROTOCOLS) * len(PAIRS)))
    grid = {
        "runs": per_cell,
        "deadline": 100,
        "protocols": list(PROTOCOLS),
        "strategies": list(PAIRS),
        "discount": 0.99,
        "hazard": 0.01,
        "noise": 0.1,
        "seeds": [1],
    }
    total = per_cell * len(PROTOCOLS) * len(PAIRS)
    print(f"2. sweep on a Dask LocalCluster: {len(PROTOCOLS)} protocols × {len(PAIRS)} pairs × {per_cell} runs "
          f"= {total:,} runs (noise 0.1, hazard 0.01), {os.cpu_count()} CPUs")
    times = {}
    frames = {}
    for workers in (1, 2):
        with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster:
            sweep(grid, scenario, scheduler=cluster.scheduler_address, progress=False)  # warm the workers
            best = []
            for _ in range(3):
                start = time.perf_counter()
                frames[workers] = sweep(grid, scenario, scheduler=cluster.scheduler_address, progress=False)
                best.append(time.perf_counter() - start)
            times[workers] = min(best)
        print(f"   {workers} worker(s): {times[workers]:.2f} s best of 3  ({total / times[workers]:,.0f} runs/s)")
    same = frames[1].equals(frames[2])
    print(f"   speed-up of 2 workers over 1: {times[1] / times[2]:.2f}×  (identical results: {same})")
    verdict = "meets" if times[2] < 10 else "MISSES"
    print(f"   goal: {total:,} runs in < 10 s on 2 cores — {times[2]:.2f} s, {verdict} it")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--scenario", default="us-japan-2025")
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    single_core(args.scenario, args.runs)
    if not args.no_dask:
        dask_sweep(args.scenario, args.runs)


if __name__ == "__main__":
    main()
