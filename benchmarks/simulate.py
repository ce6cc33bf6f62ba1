"""Speed of process simulation on us-japan-2025 (26 rounds: a year, one round a fortnight).

Two measurements, each against a peer measured in the same run:

1. ``monte_carlo`` on one core: 10,000 runs of one protocol × strategy pair,
   for several protocols and pairs, with and without noise in the agents'
   estimates. Goal: every cell under 1 s. Peer: the same runs one by one
   through ``simulate`` (a sample, extrapolated).
2. A sweep of 10^5 runs (5 protocols × 4 pairs × 5 seeds × 1,000 runs, a
   52-week calendar with a round a fortnight, noise 0.1, hazard 1 % a
   fortnight) in this process, on 2 local worker processes and on a Dask
   ``LocalCluster`` with 1 and 2 workers (best of ``--repeat``; the cluster's
   start and a warm-up sweep are timed apart). Each line also prints the CPU
   seconds the job's processes used and CPU / wall, the CPUs the machine gave
   it; before and after, the CPUs the machine gives 1 and 2 busy-looping
   processes (the peer: their ratio bounds what a second worker can gain on a
   shared machine). Goal: 2 workers faster than 1, with identical results.

Run from the repository root: ``.venv/bin/python benchmarks/simulate.py``
(``--runs N``, ``--sweep-runs N``, ``--repeat N``, ``--no-dask``, ``--no-sweep``).
The machine's load matters: read the load average printed with the numbers.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from dealspace.process import monte_carlo, simulate
from dealspace.process.simulate import deal_space
from dealspace.process.sweep import sweep

PROTOCOLS = ("alternating", "snt", "sequential", "sequential-negotiated", "silos")
PAIRS = ("boulware,conceder", "tit-for-tat,tit-for-tat", "frequency,linear", "random,linear")
ROUNDS = 26
#: Breakdown hazard a week: 1 % a fortnight, as 0.01 a round in the single-core measurement.
HAZARD_PER_WEEK = 1 - (1 - 0.01) ** 0.5


def best_of(
    n: int, job: Callable[[], Any], clock: Callable[[], float] = time.perf_counter
) -> float:
    times = []
    for _ in range(n):
        start = clock()
        job()
        times.append(clock() - start)
    return min(times)


def cpu(job: Callable[[], Any]) -> float:
    """CPU seconds of this process (one core; robust to other jobs on the machine)."""
    return best_of(1, job, time.process_time)


def single_core(scenario: str, runs: int) -> None:
    space = deal_space(scenario)
    monte_carlo(space, "alternating", ["linear,linear"], runs=10, seed=0)  # warm-up: tables, caches
    print(
        f"1. monte_carlo, one core (CPU seconds): {runs:,} runs of {scenario}, {ROUNDS} rounds, hazard 0.01 a "
        f"round; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"   {'protocol':24s}{'strategies':26s}{'noise 0':>10s}{'noise 0.1':>11s}")
    worst = 0.0
    for proto in ("alternating", "snt", "sequential", "silos"):
        for pair in PAIRS:
            cells = []
            for noise in (0.0, 0.1):
                t = cpu(
                    lambda p=proto, s=pair, n=noise: monte_carlo(
                        space, p, [s], runs=runs, seed=1, deadline=ROUNDS, hazard=0.01, noise=n
                    )
                )
                worst = max(worst, t)
                cells.append(f"{t:9.2f}s")
            print(f"   {proto:24s}{pair:26s}{cells[0]:>10s}{cells[1]:>11s}")
    verdict = "meets" if worst < 1 else "MISSES"
    print(f"   slowest cell: {worst:.2f} s for {runs:,} runs — goal < 1 s: {verdict} it")
    sample = 100
    children = np.random.SeedSequence(1).spawn(sample)
    start = time.process_time()
    for child in children:
        simulate(
            space,
            "alternating",
            "boulware,conceder",
            seed=child,
            deadline=ROUNDS,
            hazard=0.01,
            noise=0.1,
        )
    per_run = (time.process_time() - start) / sample
    vector = cpu(
        lambda: monte_carlo(
            space,
            "alternating",
            ["boulware,conceder"],
            runs=runs,
            seed=1,
            deadline=ROUNDS,
            hazard=0.01,
            noise=0.1,
        )
    )
    print(
        f"   peer: simulate() one run at a time, {per_run * 1e3:.1f} ms/run → {per_run * runs:.1f} s for "
        f"{runs:,} runs; vectorised monte_carlo {vector:.2f} s: {per_run * runs / vector:.0f}× faster"
    )


def sweeps(scenario: str, runs: int, repeat: int, dask: bool) -> None:
    seeds = 5
    per_cell = max(1, runs // (len(PROTOCOLS) * len(PAIRS) * seeds))
    grid = {
        "runs": per_cell,
        "weeks": 2 * ROUNDS,  # a year, one round a fortnight: 26 rounds
        "every": 2,
        "protocols": list(PROTOCOLS),
        "strategies": list(PAIRS),
        "hazard": HAZARD_PER_WEEK,
        "tariff_cost": False,
        "noise": 0.1,
        "seeds": seeds,
    }
    total = per_cell * len(PROTOCOLS) * len(PAIRS) * seeds
    print(
        f"2. sweep: {len(PROTOCOLS)} protocols × {len(PAIRS)} pairs × {seeds} seeds × {per_cell:,} runs "
        f"= {total:,} runs (52 weeks, a round a fortnight, noise 0.1), {os.cpu_count()} CPUs, "
        f"load average {load()}"
    )
    print(
        "   wall seconds, best of "
        f"{repeat}; CPU = CPU seconds the job's processes used, CPUs = CPU / wall (what the machine gave)"
    )
    times: dict[str, float] = {}
    frames: dict[str, Any] = {}

    def run(label: str, cpu_clock: Callable[[], float], **kw: Any) -> None:
        best = (math.inf, 0.0)
        for _ in range(repeat):
            c0, t0 = cpu_clock(), time.perf_counter()
            frames[label] = sweep(grid, scenario, progress=False, **kw)
            wall, used = time.perf_counter() - t0, cpu_clock() - c0
            best = min(best, (wall, used))
        times[label] = best[0]
        print(
            f"   {label:28s}{best[0]:8.2f} s  ({total / best[0]:,.0f} runs/s)  CPU {best[1]:6.2f} s, "
            f"CPUs {best[1] / best[0]:.2f}   load {load()}"
        )

    ceiling = [headroom()]
    sweep(grid, scenario, scheduler="sync", progress=False)  # compile the space once (cached)
    run("1 process (in this one)", local_cpu, scheduler="sync")
    run("2 local processes", local_cpu, scheduler="processes", workers=2)
    if dask:
        import dask as dask_
        import distributed

        from dealspace.process.sweep import DASK_CONFIG

        for workers in (1, 2):
            t0 = time.perf_counter()
            with (
                dask_.config.set(DASK_CONFIG),  # as sweep(scheduler="dask") starts one
                distributed.LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
                ) as cluster,
                distributed.Client(cluster) as client,
            ):
                started = time.perf_counter() - t0
                t1 = time.perf_counter()
                sweep(grid, scenario, scheduler=client, workers=workers, progress=False)
                warm = time.perf_counter() - t1
                print(
                    f"   Dask LocalCluster, {workers} worker(s): cluster start {started:.2f} s, "
                    f"first sweep (imports, warm-up) {warm:.2f} s — not counted below"
                )

                def dask_cpu(c: Any = client) -> float:
                    return local_cpu() + sum(c.run(time.process_time).values())

                run(
                    f"Dask LocalCluster, {workers} worker(s)",
                    dask_cpu,
                    scheduler=client,
                    workers=workers,
                )
    base = frames["1 process (in this one)"]
    same = all(f.equals(base) for f in frames.values())
    ref = times["1 process (in this one)"]
    print(
        "   speed-up over 1 process: " + ", ".join(f"{k}: {ref / t:.2f}×" for k, t in times.items())
    )
    ceiling.append(headroom())
    bound = f"(the machine allowed at most {min(ceiling):.2f}–{max(ceiling):.2f}×)"
    print(f"   2 local processes over 1: {ref / times['2 local processes']:.2f}× {bound}")
    if dask:
        d1, d2 = times["Dask LocalCluster, 1 worker(s)"], times["Dask LocalCluster, 2 worker(s)"]
        print(f"   Dask, 2 workers over 1: {d1 / d2:.2f}× {bound}")
    print(f"   identical results on every scheduler: {same}")
    print(f"   load average at the end: {load()}")


def spin(seconds: float) -> float:
    """Busy-loop for ``seconds`` of wall time; the CPU seconds this process got."""
    start, cpu0 = time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        pass
    return time.process_time() - cpu0


def headroom(seconds: float = 5.0) -> float:
    """The peer of the speed-ups: CPUs the machine gives 1 and 2 spinning
    processes now; their ratio bounds what a second worker can gain."""
    from concurrent.futures import ProcessPoolExecutor

    given = {}
    for n in (1, 2):
        with ProcessPoolExecutor(n) as pool:
            given[n] = sum(pool.map(spin, [seconds] * n)) / seconds
    print(
        f"   machine now: 1 spinning process gets {given[1]:.2f} CPUs, 2 get {given[2]:.2f} — a second "
        f"worker can gain at most {given[2] / given[1]:.2f}× (load {load()})"
    )
    return given[2] / given[1]


def load() -> str:
    """The 1-, 5- and 15-minute load averages."""
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def local_cpu() -> float:
    """CPU seconds of this process and of its finished child processes."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--sweep-runs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--scenario", default="us-japan-2025")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--no-single", action="store_true")
    args = parser.parse_args()
    if not args.no_single:
        single_core(args.scenario, args.runs)
    if not args.no_sweep:
        sweeps(args.scenario, args.sweep_runs, args.repeat, not args.no_dask)


if __name__ == "__main__":
    main()
