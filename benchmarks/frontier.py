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

Run from the repository root: ``.venv/bin/python benchmarks/frontier.py``
(``--quick`` skips NegMAS on the 10^6-outcome case). NegMAS is the optional
``bench`` extra: ``.venv/bin/pip install negmas``.

Goals: 2 parties × 10^6 outcomes ≥ 10,000× faster than NegMAS; 2 parties ×
100 issues × 10 options and 3 parties × 16 issues × 5 options < 1 s.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from dealspace.analysis.pareto import pareto_frontier
from dealspace.scenario.model import Scenario
from dealspace.space import DealSpace, compile, value_tables

try:  # optional extra
    import negmas
    from negmas.preferences import LinearAdditiveUtilityFunction, TableFun
    from negmas.preferences import pareto_frontier as negmas_pareto_frontier
    from negmas.preferences.ops import pareto_frontier_numpy as negmas_pareto_filter
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
    print(f"\n== {name}: {parties} parties, {issues} issues × {options} options "
          f"= {outcomes:.3g} outcomes (seed {seed})")
    print(f"dealspace  pareto_frontier(space)        {t_ours * 1e3:10.2f} ms   "
          f"({len(frontier)} frontier packages; compile {t_compile * 1e3:.1f} ms)   goal: {goal}")
    if negmas is None:
        print("NegMAS     not installed (pip install negmas, the 'bench' extra): not compared")
        return
    if outcomes > negmas_limit:
        why = (
            "out of its reach (memory and time)"
            if outcomes > 5e6
            else f"skipped: above this run's limit of {negmas_limit:.3g} outcomes"
        )
        print(f"NegMAS     not run: its pareto_frontier enumerates all {outcomes:.3g} outcomes — {why}")
        if "e2e" in RATE:
            guess = RATE["e2e"] * outcomes * parties
            print(f"           (at the rate measured above it would take ~{_duration(guess)}, "
                  f"ratio ~{guess / t_ours:.3g}×)")
        return
    ufuns, issue_list = negmas_ufuns(scenario)
    start = time.perf_counter()
    utils, _ = negmas_pareto_frontier(ufuns, issues=issue_list, sort_by_welfare=False)
    t_e2e = time.perf_counter() - start
    RATE["e2e"] = t_e2e / (outcomes * parties)
    points = all_points(space)
    t_filter, idx = best_of(lambda: negmas_pareto_filter(points, sort_by_welfare=False), 1)
    same = point_set(utils) == point_set(frontier.utilities) == point_set(points[idx])
    print(f"NegMAS     pareto_frontier(ufuns, issues) {t_e2e * 1e3:10.2f} ms   "
          f"ratio {t_e2e / t_ours:,.0f}×   (incl. our compile: {t_e2e / (t_ours + t_compile):,.0f}×)")
    print(f"NegMAS     pareto_frontier_numpy(points)  {t_filter * 1e3:10.2f} ms   "
          f"ratio {t_filter / t_ours:,.0f}×   (filter only, utilities pre-evaluated)")
    print(f"same frontier utilities: {'yes' if same else 'NO'} ({len(utils)} points in NegMAS)")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    years = seconds / 3.156e7
    if years < 1:
        return f"{seconds / 3600:.1f} h"
    return f"{years:.3g} years"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip NegMAS on the 10^6-outcome case")
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


if __name__ == "__main__":
    main()
