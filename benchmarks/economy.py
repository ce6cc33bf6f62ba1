"""Speed of the tariff-model solver on the default economy against scipy's generic root finders.

Solves the default economy (the study's 194 countries, 582 unknowns,
:func:`dealspace.economy.load_default`) for the "liberation-day" preset with
:func:`dealspace.economy.solve` (Newton, analytic Jacobian, line search) and
with ``scipy.optimize.root`` on the same residual system
(:func:`dealspace.economy.residuals`):

- ``hybr`` (MINPACK's Powell hybrid) given the same analytic Jacobian
  (:func:`dealspace.economy.gravity.jacobian`) — the strongest generic peer;
- ``lm`` (MINPACK's Levenberg–Marquardt) with the analytic Jacobian too;
- ``lm`` with its own finite-difference Jacobian (what a user without the
  Jacobian would run).

Every solver starts from the baseline (x = 0) and must reach the same
equilibrium; the script prints median times (both peers timed in the same
run, one BLAS thread each) and the ratios. No timed assertions: this is a
report. Run from the repository root: ``.venv/bin/python benchmarks/economy.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.optimize import root
from threadpoolctl import threadpool_limits

from dealspace.economy import ModelParams, load_default, preset_tariffs, residuals, solve
from dealspace.economy.gravity import jacobian


def timed(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> int:
    economy = load_default()
    params = ModelParams()
    tariffs = preset_tariffs("liberation-day", economy, params)
    n = economy.n
    x0 = np.zeros(3 * n)

    def fun(x: np.ndarray) -> np.ndarray:
        return residuals(economy, tariffs, params, x)

    def jac(x: np.ndarray) -> np.ndarray:  # evaluated only when the peer asks for a Jacobian
        return jacobian(economy, tariffs, params, x)

    with threadpool_limits(limits=1, user_api="blas"):
        solve(economy, tariffs, params)  # warm-up
        newton, eq = timed(lambda: solve(economy, tariffs, params), 15)
        x_newton = np.log(np.concatenate([eq.wage_hat, eq.expenditure_hat, eq.labour_hat]))
        peers = {
            "scipy root hybr, analytic Jacobian": (
                lambda: root(fun, x0, jac=jac, method="hybr", options={"xtol": 1e-12}),
                5,
            ),
            "scipy root lm, analytic Jacobian": (
                lambda: root(fun, x0, jac=jac, method="lm", options={"xtol": 1e-12, "ftol": 1e-12}),
                5,
            ),
            "scipy root lm, finite differences": (
                lambda: root(fun, x0, method="lm", options={"xtol": 1e-12, "ftol": 1e-12}),
                1,
            ),
        }
        results = {name: timed(call, repeat) for name, (call, repeat) in peers.items()}

    print(
        f"default economy: {n} countries, {3 * n} unknowns, preset liberation-day; Python {sys.version.split()[0]}, numpy {np.__version__}, 1 BLAS thread"
    )
    print(
        f"{'dealspace solve (Newton, analytic Jacobian)':45s} {1000 * newton:9.1f} ms  median of 15, {eq.iterations} Newton steps, max |residual| {np.abs(fun(x_newton)).max():.1e}"
    )
    for name, (seconds, sol) in results.items():
        gap = np.abs(sol.x - x_newton).max()
        evaluations = f"{sol.nfev} residual evaluations" + (
            f", {sol.njev} Jacobians" if getattr(sol, "njev", None) else ""
        )
        print(
            f"{name:45s} {1000 * seconds:9.1f} ms  {evaluations}, success={sol.success}, max |residual| {np.abs(sol.fun).max():.1e}, max |x - x_newton| {gap:.1e}"
        )
    for name, (seconds, _) in results.items():
        print(f"ratio {name} / dealspace: {seconds / newton:.1f}x")
    print(f"US welfare {100 * (eq.welfare_hat[economy.index('USA')] - 1):.4f} % (study: 1.13 %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
