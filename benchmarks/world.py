"""Speed of the bellwether world brief (the world section of ``dealspace analyze``) against the
code as it was before the batched GE solves and the memoised game (commit df60d11), measured in
the same run, with a check that both give the same brief.

The peer is the old code itself: the script checks the old commit out into a
temporary git worktree and runs ``bellwether_brief(world, code, runs=100,
seed=0)`` for the bellwether party of ``us-japan-2025`` (what ``analyze``
runs) in a fresh subprocess of each version, alternating, so load affects both
alike. Each child reports its wall and CPU time for the call alone (imports
and scenario loading excluded) and the brief's ``to_dict()``; the script
prints the medians, the ratios and whether the two briefs are identical.

Goal (world helper, 2026-11-30): the brief at about 0.8 s where it took
3.0 s, i.e. a speed-up of about 3.75x; identical results.

Run from the repository root: ``.venv/bin/python benchmarks/world.py``
(``--repeat N``, ``--runs N``, ``--old COMMIT``, ``--scenario NAME``).
CPU time is the steadier measure on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from _peer import ROOT, old_source

OLD = "df60d11"

#: Runs the brief once in a fresh process and prints its timing and result (works on both versions).
PROBE = """
import json, sys, time
from dealspace import load_scenario
from dealspace.pipeline import bellwether_party
from dealspace.world.run import bellwether_brief
scenario, runs = sys.argv[1], int(sys.argv[2])
world, code = bellwether_party(load_scenario(scenario))[:2]
wall, cpu = time.perf_counter(), time.process_time()
brief = bellwether_brief(world, code, runs=runs, seed=0)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"wall": wall, "cpu": cpu, "brief": brief.to_dict()}))
"""


def run(src: Path, scenario: str, runs: int) -> dict[str, object]:
    """One brief in a fresh process on the code under ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, scenario, str(runs)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"run failed ({src}): {done.stderr[-2000:]}")
    out: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--scenario", default="us-japan-2025")
    parser.add_argument("--old", default=OLD)
    args = parser.parse_args()
    with old_source(args.old) as old_src:
        sources = {"old": old_src, "new": ROOT / "src"}
        wall: dict[str, list[float]] = {name: [] for name in sources}
        cpu: dict[str, list[float]] = {name: [] for name in sources}
        briefs: dict[str, list[object]] = {name: [] for name in sources}
        for _ in range(args.repeat):
            for name, src in sources.items():
                out = run(src, args.scenario, args.runs)
                wall[name].append(float(out["wall"]))  # type: ignore[arg-type]
                cpu[name].append(float(out["cpu"]))  # type: ignore[arg-type]
                briefs[name].append(out["brief"])
    w = {name: statistics.median(v) for name, v in wall.items()}
    c = {name: statistics.median(v) for name, v in cpu.items()}
    same = all(b == briefs["old"][0] for v in briefs.values() for b in v)
    print(
        f"bellwether_brief(runs={args.runs}) on {args.scenario}, median of {args.repeat} "
        "(fresh process each, alternating; the call alone):"
    )
    print(f"  at {args.old}:  {w['old']:6.2f} s wall  {c['old']:6.2f} s cpu")
    print(
        f"  now:         {w['new']:6.2f} s wall  {c['new']:6.2f} s cpu   speed-up "
        f"{w['old'] / w['new']:.2f}x wall, {c['old'] / c['new']:.2f}x cpu"
    )
    print(f"  identical briefs: {'yes' if same else 'NO'}")
    print("  goal: about 3.75x (0.8 s where it took 3.0 s), identical briefs")
    if os.name == "posix":
        print(f"  load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
