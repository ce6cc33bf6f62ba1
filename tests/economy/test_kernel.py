"""The batched GE kernel: a stack of systems solves to what each system solves to alone, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealspace.economy import Economy, ModelParams, load_default, preset_tariffs, solve
from dealspace.economy._kernel import forward, jacobian_at, newton, newton_many
from dealspace.economy.gravity import _base, solve_many
from dealspace.errors import DealspaceError

PARAMS = [
    ModelParams(),
    ModelParams(revenue_use="lump-sum"),
    ModelParams.textbook(),
    ModelParams(trade_elasticity=6.0, scale_elasticity=0.05),
]


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit (so also -0.0 against 0.0 and NaN against NaN are told apart / matched)."""
    return a.shape == b.shape and bool((_bits(a) == _bits(b)).all())


@st.composite
def stacks(draw: st.DrawFn) -> tuple[Economy, np.ndarray, ModelParams]:
    """A random small economy, a stack of counterfactual tariff matrices and parameters."""
    n = draw(st.integers(2, 7))
    k = draw(st.integers(1, 9))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    flows = rng.uniform(1, 10, (n, n)) + np.diag(rng.uniform(20, 200, n))
    nu = rng.uniform(0, 0.3, n) if draw(st.booleans()) else np.zeros(n)
    base = rng.uniform(0, 0.2, (n, n)) * draw(st.sampled_from([0.0, 1.0]))
    np.fill_diagonal(base, 0)
    # moderate and larger rates (these take the step limit and the line search)
    scale = np.array([0.6, 1.5])[rng.integers(0, 2, k)]
    new = rng.uniform(0, 1, (k, n, n)) * scale[:, None, None]
    for t in new:
        np.fill_diagonal(t, 0)
    if k > 1 and draw(st.booleans()):
        new[1] = new[0]  # the same matrix twice in one stack
    params = draw(st.sampled_from(PARAMS))
    return Economy(tuple(f"C{i}" for i in range(n)), flows, nu, base), new, params


@settings(max_examples=60, deadline=None)
@given(stacks())
def test_solve_many_is_solve_bit_for_bit(case: tuple[Economy, np.ndarray, ModelParams]) -> None:
    eco, stack, params = case
    try:
        singles = [solve(eco, t, params) for t in stack]
    except DealspaceError:  # a system the single solve cannot do fails the stack too
        with pytest.raises(DealspaceError, match="did not converge"):
            solve_many(eco, stack, params)
        return
    many = solve_many(eco, stack, params)
    assert len(many) == len(stack)
    for eq, one in zip(many, singles, strict=True):
        for field in (
            "wage_hat",
            "expenditure_hat",
            "labour_hat",
            "price_hat",
            "welfare_hat",
            "flows",
            "revenue",
            "tariffs",
        ):
            assert _same(getattr(eq, field), getattr(one, field)), field
        assert eq.iterations == one.iterations
        assert eq.residual_norm == one.residual_norm


@settings(max_examples=30, deadline=None)
@given(stacks(), st.integers(0, 2**32 - 1))
def test_stacked_residuals_and_jacobian_are_the_single_ones(
    case: tuple[Economy, np.ndarray, ModelParams], seed: int
) -> None:
    eco, stack, params = case
    x = np.random.default_rng(seed).uniform(-0.3, 0.3, (len(stack), 3 * eco.n))
    b = _base(eco, stack, params)
    f = forward(x, b)
    jac = jacobian_at(f, b)
    for i, t in enumerate(stack):
        bi = _base(eco, t, params)
        fi = forward(x[i], bi)
        assert _same(f.res[i], fi.res)
        assert _same(jac[i], jacobian_at(fi, bi))


@pytest.mark.parametrize("max_iter", [0, 1, 2, 60])
def test_unfinished_and_failed_systems_stop_where_the_single_solve_stops(max_iter: int) -> None:
    """Iterations, residual norm and state of systems that run out of steps or fail are those of newton().

    The stack mixes the baseline (converged at once), Liberation Day at three
    scales (unfinished after a few steps) and a 1000 % tariff wall whose
    revenue exceeds income (no finite Newton step: it fails at once, alone or
    in a stack, instead of halving its step for ever).
    """
    eco = load_default()
    t = preset_tariffs("liberation-day", eco)
    wall = np.full((eco.n, eco.n), 10.0) * (1 - np.eye(eco.n))
    stack = np.stack([np.zeros_like(t), t, 2 * t, 3 * t, wall])
    b = _base(eco, stack, ModelParams())
    with np.errstate(invalid="ignore"):
        states, iterations, norms, converged = newton_many(b, 1e-11, max_iter)
        for i, ti in enumerate(stack):
            state, it, norm, ok = newton(_base(eco, ti, ModelParams()), 1e-11, max_iter)
            assert (it, ok) == (iterations[i], converged[i])
            assert _same(np.array(norm), norms[i])
            for a, c in zip(states, state, strict=True):
                assert _same(a[i], c)
    assert converged[0] and not converged[-1]
    assert converged[1:4].all() == (max_iter == 60)


def test_liberation_day_and_retaliation_solve_together() -> None:
    eco = load_default()
    t = preset_tariffs("liberation-day", eco)
    stack = np.stack([t, np.zeros_like(t), t * 2, t.T])
    for eq, ti in zip(solve_many(eco, stack), stack, strict=True):
        assert _same(eq.welfare_hat, solve(eco, ti).welfare_hat)


def test_errors_and_empty_stack() -> None:
    eco = Economy(("A", "B"), np.array([[80.0, 20.0], [20.0, 80.0]]), np.zeros(2))
    assert solve_many(eco, np.zeros((0, 2, 2))) == []
    with pytest.raises(DealspaceError, match="stack"):
        solve_many(eco, np.zeros((2, 2)))
    with pytest.raises(DealspaceError, match="new_tariffs"):
        solve_many(eco, np.full((1, 2, 2), -2.0))
    big = np.stack([np.zeros((2, 2)), np.array([[0.0, 50.0], [50.0, 0.0]])])
    with pytest.raises(DealspaceError, match="counterfactual 1"):
        solve_many(eco, big, max_iter=1)


def test_chunks_of_a_large_stack_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """solve_many works through a large stack in chunks; a chunk of 2 gives the same equilibria."""
    from dealspace.economy import gravity

    rng = np.random.default_rng(4)
    n = 5
    flows = rng.uniform(1, 10, (n, n)) + np.diag(rng.uniform(20, 200, n))
    eco = Economy(tuple(f"C{i}" for i in range(n)), flows, rng.uniform(0, 0.3, n))
    stack = rng.uniform(0, 0.5, (7, n, n)) * (1 - np.eye(n))
    whole = solve_many(eco, stack)
    monkeypatch.setattr(gravity, "CHUNK", 2)
    for a, b, t in zip(solve_many(eco, stack), whole, stack, strict=True):
        assert _same(a.welfare_hat, b.welfare_hat) and _same(a.flows, b.flows)
        assert _same(a.welfare_hat, solve(eco, t).welfare_hat)
        assert (a.iterations, a.residual_norm) == (b.iterations, b.residual_norm)
