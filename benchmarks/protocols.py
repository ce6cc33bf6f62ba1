"""Speed of the protocol comparison of ``dealspace analyze`` (``compare_protocols`` with the
default settings of the main job: 100 runs, a 40-run sensitivity grid of 27 cells), against the
code before it was made faster (commit df60d11), measured in the same run; the results must be
the same.

The peer is the old code itself: the script checks the old commit out into a
temporary git worktree and times both versions in subprocesses on the same
machine, alternating, so load affects both alike. Each subprocess compiles the
scenario once, warms up with one comparison, then times ``--calls`` of them
and reports the best CPU time (user + system: steadier than wall time on a
shared machine) and the best wall time, and a digest of the result
(``to_dict()`` as JSON), which must be the same for both versions.

Goal (the protocol comparison): at least 3.5x faster than at df60d11, about
0.6 s of wall time on an idle machine (from about 2.2 s).

Run from the repository root: ``.venv/bin/python benchmarks/protocols.py``
(``--repeat N``, ``--calls N``, ``--scenario NAME``, ``--old COMMIT``).
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

#: Times compare_protocols in one process (works on both versions).
PROBE = """
import hashlib, json, sys, time
from dealspace.pipeline import Settings
from dealspace.process.compare import compare_protocols
from dealspace.scenario import load_scenario
from dealspace.space import compile

space = compile(load_scenario(sys.argv[1]))
settings = Settings().process
result = compare_protocols(space, settings)  # warm-up: caches, imports
digest = hashlib.sha256(json.dumps(result.to_dict(), sort_keys=True).encode()).hexdigest()
cpu, wall = [], []
for _ in range(int(sys.argv[2])):
    c, w = time.process_time(), time.perf_counter()
    compare_protocols(space, settings)
    cpu.append(time.process_time() - c)
    wall.append(time.perf_counter() - w)
print(json.dumps({"cpu": min(cpu), "wall": min(wall), "digest": digest}))
"""


def measure(src: Path, scenario: str, calls: int) -> dict[str, float | str]:
    """Best CPU and wall time of ``calls`` comparisons in a fresh process, and the result's digest."""
    env = {**os.environ, "PYTHONPATH": str(src), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, scenario, str(calls)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"run failed ({src}): {done.stderr[-2000:]}")
    out: dict[str, float | str] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="processes per version")
    parser.add_argument("--calls", type=int, default=3, help="timed comparisons per process")
    parser.add_argument("--scenario", default="us-japan-2025")
    parser.add_argument("--old", default=OLD)
    args = parser.parse_args()
    with old_source(args.old) as old_src:
        runs = {"old": old_src, "new": ROOT / "src"}
        got: dict[str, list[dict[str, float | str]]] = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, src in runs.items():
                got[name].append(measure(src, args.scenario, args.calls))
    cpu = {n: statistics.median(float(r["cpu"]) for r in v) for n, v in got.items()}
    wall = {n: statistics.median(float(r["wall"]) for r in v) for n, v in got.items()}
    digests = {str(r["digest"]) for v in got.values() for r in v}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"compare_protocols on {args.scenario} (analyze's default settings), best of "
        f"{args.calls} calls per process, median over {args.repeat} processes "
        f"(same machine, alternating; load average {load:.1f}):"
    )
    print(f"  at {args.old}:  cpu {cpu['old']:.3f} s   wall {wall['old']:.3f} s")
    print(
        f"  now:         cpu {cpu['new']:.3f} s   wall {wall['new']:.3f} s   "
        f"speed-up {cpu['old'] / cpu['new']:.2f}x cpu, {wall['old'] / wall['new']:.2f}x wall"
    )
    print(
        "  results: "
        + ("identical (one digest)" if len(digests) == 1 else f"DIFFERENT ({len(digests)} digests)")
    )
    print("  goal: at least 3.5x (about 0.6 s on an idle machine, from about 2.2 s)")
    if len(digests) != 1:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
