"""Speed of the main job, ``dealspace analyze`` with its report, against the code as it was
before the pipeline (commit 789ece3), measured in the same run; and of ``dealspace --help``.

The peer is the old code itself: the script checks the old commit out into a
temporary git worktree and runs both versions as subprocesses on the same
machine, alternating, so load affects both alike. It prints the median wall
time of each, the ratio, and how often each compiled the scenario.

Goal (issue 12): analyze with its report at least 2x faster than at 789ece3;
``dealspace --help`` under 0.3 s of import time.

Run from the repository root: ``.venv/bin/python benchmarks/analyze.py``
(``--repeat N``, ``--scenario NAME``, ``--old COMMIT``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _peer import ROOT, old_source

OLD = "789ece3"

#: Counts calls of the scenario compiler, then runs the CLI (works on both versions).
PROBE = """
import sys, dealspace.space as sp
calls = [0]
for name in ("compile_blocks", "compile"):
    if hasattr(sp, name):
        real = getattr(sp, name)
        def counted(*a, _real=real, **k):
            calls[0] += 1
            return _real(*a, **k)
        setattr(sp, name, counted)
        break
from dealspace.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
sys.stderr.write(f"COMPILES {calls[0]}\\n")
"""


def fmt(seconds: float) -> str:
    """A duration in a readable unit."""
    if seconds < 1:
        return f"{1000 * seconds:.0f} ms"
    if seconds < 120:
        return f"{seconds:.2f} s"
    return f"{seconds / 60:.1f} min"


def run(src: Path, args: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall and CPU time of one ``dealspace`` run from ``src`` and how many times it compiled.

    The CPU time (user + system of the child process) is the steadier measure
    on a shared machine: other jobs stretch the wall time of both versions,
    not the work each does.
    """
    env = {**os.environ, "PYTHONPATH": str(src), "MPLBACKEND": "Agg"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    count = next(
        (int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("COMPILES")),
        -1,
    )
    if done.returncode != 0 or count < 0:
        raise SystemExit(f"run failed ({src}): {done.stderr[-2000:]}")
    return elapsed, cpu, count


def import_time(src: Path) -> float:
    """Seconds to import the CLI (what ``dealspace --help`` pays before printing)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    code = (
        "import time; t = time.perf_counter(); import dealspace.cli; print(time.perf_counter() - t)"
    )
    times = []
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        times.append(float(out.stdout))
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scenario", default="us-japan-2025")
    parser.add_argument("--old", default=OLD)
    args = parser.parse_args()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with tempfile.TemporaryDirectory() as tmp, old_source(args.old) as old_src:
        # "now, like for like": without what the main job gained since (the protocol
        # verdict's sensitivity grid, the bellwether model and the signed deal's scorecard).
        lean = ["--no-sensitivity", "--world-runs", "0", "--deal", "none"]
        runs = {
            f"at {args.old}": (old_src, []),
            "now, everything": (ROOT / "src", []),
            "now, one process": (ROOT / "src", ["--jobs", "1"]),
            "now, like for like": (ROOT / "src", lean),
        }
        notes = {
            "now, everything": "(default: the world model in a 2nd process on 2+ cores)",
            "now, one process": "(--jobs 1)",
            "now, like for like": f"({' '.join(lean)})",
        }
        times: dict[str, list[float]] = {name: [] for name in runs}
        cpus: dict[str, list[float]] = {name: [] for name in runs}
        compiles = {}
        for k in range(args.repeat):
            for n, (name, (src, extra)) in enumerate(runs.items()):
                out = Path(tmp) / f"run{n}-{k}.html"
                elapsed, cpu, compiles[name] = run(
                    src, ["analyze", args.scenario, "-o", str(out), *extra], Path(tmp)
                )
                times[name].append(elapsed)
                cpus[name].append(cpu)
        t = {name: statistics.median(v) for name, v in times.items()}
        c = {name: statistics.median(v) for name, v in cpus.items()}
        base = f"at {args.old}"
        print(
            f"dealspace analyze {args.scenario} with its report, median of {args.repeat} "
            "(same machine, alternating; wall time, then CPU time of the process and its "
            f"children; {usable} cores; speed-up: median of the ratios within each round):"
        )
        for name in runs:
            # the median of the ratios within each round (old and new ran back to back),
            # steadier than a ratio of medians when the machine's speed drifts
            paired = statistics.median(a / b for a, b in zip(times[base], times[name], strict=True))
            ratio = (
                ""
                if name == base
                else f"   speed-up {paired:.2f}x wall, {c[base] / c[name]:.2f}x cpu"
            )
            print(
                f"  {name + ':':<22}{fmt(t[name]):>9}  cpu {fmt(c[name]):>9}   "
                f"compiles {compiles[name]}{ratio}  {notes.get(name, '')}".rstrip()
            )
        print("  goal: at least 2x")
        old_i, new_i = import_time(old_src), import_time(ROOT / "src")
        print(
            f"import of the CLI (dealspace --help): at {args.old} {fmt(old_i)}, now {fmt(new_i)} (goal: under 0.3 s)"
        )


if __name__ == "__main__":
    main()
