"""Fixed costs of the main job, against an older commit measured in the same run: the report's
rendering (six charts to inline SVG), the imports and the built-in scenario's loading.

``dealspace analyze`` pays, besides its analyses: importing the pipeline, loading the
scenario, compiling it (the GE pricing of the tariff options) and, at the end,
rendering the report. This script checks the old commit out into a temporary git
worktree (as ``benchmarks/analyze.py`` does) and runs both versions as fresh
subprocesses, alternating, so load on the machine affects both alike. Each
subprocess times, in order:

- ``import dealspace.pipeline``;
- loading the built-in scenario;
- compiling it (``dealspace.space.check``);
- a light analysis (30 runs per protocol pair, no sensitivity grid, 5 world
  runs: the report has the same charts as the default's) that is not timed;
- the first ``dealspace.report.render(results)`` (it imports matplotlib), then a second.

A separate subprocess times ``import dealspace.cli`` (what ``dealspace --help``
pays; goal under 0.3 s). Medians of wall and CPU time (the CPU time is the
steadier measure on a shared machine), and old / new ratios, are printed.

Run from the repository root: ``.venv/bin/python benchmarks/render.py``
(``--repeat N``, ``--scenario NAME``, ``--old COMMIT``; default the commit before
this work, df60d11).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _peer import ROOT, old_source

OLD = "df60d11"

#: Times each fixed cost in one fresh process and prints them as JSON.
PROBE = """
import json, sys, time
from dataclasses import replace
out = {}
def timed(name, func):
    w, c = time.perf_counter(), time.process_time()
    value = func()
    out[name] = (time.perf_counter() - w, time.process_time() - c)
    return value
pipeline = timed("import dealspace.pipeline", lambda: __import__("dealspace.pipeline").pipeline)
from dealspace.scenario import load_scenario
scenario = timed("load the built-in scenario", lambda: load_scenario(sys.argv[1]))
from dealspace.space import check
timed("compile it (check)", lambda: check(scenario))
base = pipeline.Settings()
settings = replace(
    base, process=replace(base.process, runs=30, sensitivity=False), world_runs=5
)
results = pipeline.analyze(scenario, settings)
report = __import__("dealspace.report").report
html = timed("render the report (first)", lambda: report.render(results))
timed("render the report (again)", lambda: report.render(results))
out["charts"] = html.count("<svg")
print(json.dumps(out))
"""

CLI = """
import time
w, c = time.perf_counter(), time.process_time()
import dealspace.cli
print(time.perf_counter() - w, time.process_time() - c)
"""


def fmt(seconds: float) -> str:
    """A duration in a readable unit."""
    return f"{1000 * seconds:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def probe(src: Path, scenario: str, cwd: Path) -> dict[str, list[float]]:
    """One fresh process of the version at ``src``: each step's (wall, CPU) seconds."""
    env = {**os.environ, "PYTHONPATH": str(src), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, scenario],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"probe failed ({src}): {done.stderr[-2000:]}")
    out: dict[str, list[float]] = json.loads(done.stdout.splitlines()[-1])
    return out


def cli_import(src: Path, cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``import dealspace.cli`` in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", CLI], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    wall, cpu = done.stdout.split()
    return float(wall), float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scenario", default="us-japan-2025")
    parser.add_argument("--old", default=OLD)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, old_source(args.old) as old_src:
        sources = {"old": old_src, "new": ROOT / "src"}
        steps: dict[str, dict[str, list[tuple[float, float]]]] = {v: {} for v in sources}
        charts = {}
        for _ in range(args.repeat):
            for version, src in sources.items():
                out = probe(src, args.scenario, Path(tmp))
                charts[version] = out.pop("charts")
                for name, (wall, cpu) in out.items():
                    steps[version].setdefault(name, []).append((wall, cpu))
                steps[version].setdefault("import dealspace.cli (--help)", []).append(
                    cli_import(src, Path(tmp))
                )
    print(
        f"Fixed costs of dealspace analyze {args.scenario}, median of {args.repeat} fresh "
        f"processes each (alternating), at {args.old} and now; charts in the report: "
        f"{charts['old']} then {charts['new']}"
    )
    print(
        f"  {'step':32} {'old wall':>9} {'new wall':>9} {'old cpu':>9} {'new cpu':>9}  ratio (cpu)"
    )
    totals = {"old": [0.0, 0.0], "new": [0.0, 0.0]}
    for name in steps["new"]:
        med = {
            v: [statistics.median(t[k] for t in steps[v][name]) for k in (0, 1)] for v in sources
        }
        if "again" not in name and "cli" not in name:
            for v in sources:
                totals[v][0] += med[v][0]
                totals[v][1] += med[v][1]
        print(
            f"  {name:32} {fmt(med['old'][0]):>9} {fmt(med['new'][0]):>9} "
            f"{fmt(med['old'][1]):>9} {fmt(med['new'][1]):>9}  {med['old'][1] / med['new'][1]:.2f}x"
        )
    o, n = totals["old"], totals["new"]
    print(
        f"  {'total (without again, cli)':32} {fmt(o[0]):>9} {fmt(n[0]):>9} {fmt(o[1]):>9} "
        f"{fmt(n[1]):>9}  {o[1] / n[1]:.2f}x"
    )
    print("goal: dealspace --help imports in under 0.3 s")


if __name__ == "__main__":
    main()
