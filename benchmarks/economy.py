"""Speed of the tariff-model solver: Newton with the analytic Jacobian vs scipy's LM.

Solves the 194-country model of Ignatenko et al. (2025) for the
"liberation-day" preset with :func:`dealspace.economy.solve` and with
``scipy.optimize.root(method="lm")`` on the same residual system
(:func:`dealspace.economy.residuals`, finite-difference Jacobian), checks that
both reach the same equilibrium, and prints the times and their ratio.

Run from the repository root: ``.venv/bin/python benchmarks/economy.py``.
Needs the study's data at ``../shared/data/ge/ignatenko2025_liberation_day``.
Goals: Newton >= 10x faster than LM and < 0.2 s per scenario.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import root

from dealspace.economy import ModelParams, load_study, preset_tariffs, residuals, solve

STUDY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ge" / "ignatenko2025_liberation_day"


def main() -> int:
    if not STUDY.is_dir():
        print(f"benchmarks/economy.py: {STUDY} not found — this benchmark needs ../shared next to the repository", file=sys.stderr)
        return 2
    economy = load_study(STUDY)
    params = ModelParams()
    tariffs = preset_tariffs("liberation-day", economy, params)
    n = economy.n

    solve(economy, tariffs, params)  # warm-up
    newton_times = []
    for _ in range(20):
        start = time.perf_counter()
        eq = solve(economy, tariffs, params)
        newton_times.append(time.perf_counter() - start)
    newton = statistics.median(newton_times)

    start = time.perf_counter()
    lm = root(lambda x: residuals(economy, tariffs, params, x), np.zeros(3 * n), method="lm", options={"xtol": 1e-12, "ftol": 1e-12})
    lm_time = time.perf_counter() - start

    x_newton = np.log(np.concatenate([eq.wage_hat, eq.expenditure_hat, eq.labour_hat]))
    print(f"model: {n} countries, {3 * n} unknowns, preset liberation-day, Python {sys.version.split()[0]}")
    print(f"Newton (analytic Jacobian): {1000 * newton:8.1f} ms  median of 20, {eq.iterations} iterations, max |residual| {np.abs(residuals(economy, tariffs, params, x_newton)).max():.1e}")
    print(f"scipy root(method='lm'):    {1000 * lm_time:8.1f} ms  {lm.nfev} residual evaluations, success={lm.success}, max |residual| {np.abs(lm.fun).max():.1e}")
    print(f"ratio LM / Newton: {lm_time / newton:.0f}x")
    print(f"same equilibrium: max |log difference| of (w, E, L) {np.abs(lm.x - x_newton).max():.1e}; US welfare {100 * (eq.welfare_hat[economy.index('USA')] - 1):.4f} %")
    ok = newton < 0.2 and lm_time / newton >= 10
    print("goals (>= 10x faster than LM, < 0.2 s): " + ("met" if ok else "NOT met"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
