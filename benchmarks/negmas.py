"""NegMAS's SAO mechanism vs dealspace's alternating-offers simulation, same domain.

Both run time-based Boulware agents (NegMAS's ``BoulwareTBNegotiator`` on
both sides; dealspace's ``boulware`` strategy on both sides) for 100 rounds on
the same scenario, one negotiation at a time. For each it prints the
negotiations per second and, for every agreement, whether it is in the deal
space (meets every must-have and red line) and Pareto-optimal (no feasible
package is at least as good for both and better for one;
:func:`dealspace.analysis.pareto.is_pareto_optimal`).

Domains: ``us-japan-2025-trade-only`` (8 issues, 36,288 packages: NegMAS gets
the exact utilities, packages off the deal space at the reservation value) and
``us-japan-2025`` (19 issues, 1.4·10¹⁰ packages: too many to enumerate, so
NegMAS gets the utilities without the hard constraints, ``hard="ignore"``, and
its agreement is then checked against them).

Run from the repository root: ``.venv/bin/python benchmarks/negmas.py``
(needs ``pip install 'dealspace[negmas]'``). Conversion to NegMAS (pricing the
tariff issues with the GE model once) and one warm-up negotiation on each side
(NegMAS inverting the utility functions, dealspace compiling the deal space)
are not timed.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

# This file is named like the library it measures: keep its folder off the
# import path so that `import negmas` finds NegMAS, not this script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import dealspace  # noqa: E402
from dealspace.analysis.pareto import is_pareto_optimal, pareto_frontier  # noqa: E402
from dealspace.process.simulate import simulate  # noqa: E402
from dealspace.space import acceptable  # noqa: E402


def bench(name: str, runs: int, hard: str) -> None:
    import negmas
    from dealspace.interop.negmas import run_sao, to_negmas

    scenario = dealspace.load_scenario(name)
    frontier = pareto_frontier(scenario)
    converted = to_negmas(scenario, hard=hard)

    def verdict(package: dict | None) -> str:
        if package is None:
            return "no agreement"
        if not acceptable(scenario, package):
            return "off the deal space"
        return "Pareto-optimal" if is_pareto_optimal(frontier, package) else "dominated"

    # warm-up (not timed): NegMAS inverts each utility function once (enumerating or
    # sampling the outcome space) and keeps it; dealspace compiles the deal space once
    run_sao(scenario, [negmas.sao.BoulwareTBNegotiator] * 2, n_steps=100, converted=converted)
    start = time.perf_counter()
    theirs = [
        run_sao(scenario, [negmas.sao.BoulwareTBNegotiator] * 2, n_steps=100, converted=converted)[
            0
        ]
        for _ in range(runs)
    ]
    negmas_rate = runs / (time.perf_counter() - start)

    simulate(scenario, "alternating", ("boulware", "boulware"), seed=0, deadline=100)  # warm-up
    start = time.perf_counter()
    ours = [
        simulate(scenario, "alternating", ("boulware", "boulware"), seed=k, deadline=100).package
        for k in range(runs)
    ]
    ours_rate = runs / (time.perf_counter() - start)

    def summary(packages: list) -> str:
        verdicts = [verdict(p) for p in packages]
        return ", ".join(f"{verdicts.count(v)} {v}" for v in dict.fromkeys(verdicts))

    print(
        f"{name} ({len(scenario.issues)} issues; NegMAS hard constraints: {hard}), {runs} runs each"
    )
    print(f"  NegMAS SAO, Boulware x2:       {negmas_rate:8.2f} negotiations/s   {summary(theirs)}")
    print(f"  dealspace alternating, Boulware: {ours_rate:8.2f} negotiations/s   {summary(ours)}")
    print(f"  ratio dealspace / NegMAS: {ours_rate / negmas_rate:.1f}x")


def main() -> int:
    try:
        import negmas  # noqa: F401
    except ImportError:
        print("benchmarks/negmas.py needs NegMAS: pip install 'dealspace[negmas]'", file=sys.stderr)
        return 2
    warnings.simplefilter("ignore")
    bench("us-japan-2025-trade-only", runs=10, hard="reservation")
    bench("us-japan-2025", runs=5, hard="ignore")
    return 0


if __name__ == "__main__":
    sys.exit(main())
