"""The tariff model: the study's published tables, textbook cases, invariants, errors."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from dealspace.economy import (
    Economy,
    ModelParams,
    bilateral_welfare,
    load_default,
    load_regions,
    load_study,
    optimal_tariff,
    preset_tariffs,
    residuals,
    retaliate,
    solve,
)
from dealspace.economy._kernel import kernel
from dealspace.economy.gravity import _base
from dealspace.errors import DealspaceError

# ../shared next to the repository (DEALSPACE_SHARED overrides it, e.g. in a git worktree)
SHARED = (
    Path(os.environ.get("DEALSPACE_SHARED", Path(__file__).resolve().parents[2].parent / "shared"))
    / "data"
    / "ge"
    / "ignatenko2025_liberation_day"
)
TABLE_COLUMNS = [
    "welfare_pct",
    "deficit_pct",
    "exports_gdp_pct",
    "imports_gdp_pct",
    "employment_pct",
    "price_index_pct",
]


@pytest.fixture(scope="module")
def study() -> Economy:
    if not (SHARED / "trade_cepii.csv").is_file():
        pytest.skip(
            f"the study's data are not present at {SHARED} (../shared next to the repository)"
        )
    return load_study(SHARED)


def _published(name: str) -> str:
    path = SHARED / "published_outputs" / name
    if not path.is_file():
        pytest.skip(f"{path} not present (../shared next to the repository)")
    return path.read_text()


def _numbers(line: str) -> list[str]:
    return re.findall(r"(-?\d+\.\d+)\\%", line)


def _table1_rows() -> list[tuple[list[str], list[str]]]:
    """(USA row, non-US row) of each case of the published Table 1, as printed."""
    lines = _published("Table_1.tex").splitlines()
    usa = [_numbers(row) for row in lines if row.startswith("USA &")]
    rest = [_numbers(row) for row in lines if row.startswith("non-US (average)")]
    assert len(usa) == len(rest) == 3
    return list(zip(usa, rest, strict=True))


def _rounded_like(values: list[float], printed: list[str]) -> list[str]:
    out = []
    for value, text in zip(values, printed, strict=True):
        digits = len(text.split(".")[1])
        out.append(f"{value:.{digits}f}")
    return out


def _row(eq, code: str | None) -> list[float]:  # type: ignore[no-untyped-def]
    if code is None:
        return [eq.weighted_mean(c, exclude=("USA",)) for c in TABLE_COLUMNS]
    frame = eq.to_frame().set_index("iso3")
    return [float(frame.loc[code, c]) for c in TABLE_COLUMNS]


@pytest.mark.parametrize("case", [0, 1, 2])
def test_reproduces_published_table_1(study: Economy, case: int) -> None:
    """Every column of Table 1 (USA row and non-US average), to the printed digits."""
    params = ModelParams(revenue_use="lump-sum" if case == 1 else "income-tax")
    preset = "optimal-us" if case == 2 else "liberation-day"
    eq = solve(study, preset_tariffs(preset, study, params), params)
    usa, rest = _table1_rows()[case]
    assert _rounded_like(_row(eq, "USA"), usa) == usa
    assert _rounded_like(_row(eq, None), rest) == rest


@pytest.mark.parametrize("case", [0, 1, 2])
def test_default_economy_reproduces_published_table_1(case: int) -> None:
    """The embedded default (194 countries) gives the study's Table 1, every column, to the printed digits."""
    eco = load_default()
    assert eco.n == 194
    params = ModelParams(revenue_use="lump-sum" if case == 1 else "income-tax")
    eq = solve(
        eco, preset_tariffs("optimal-us" if case == 2 else "liberation-day", eco, params), params
    )
    usa, rest = _table1_rows()[case]
    assert _rounded_like(_row(eq, "USA"), usa) == usa
    assert _rounded_like(_row(eq, None), rest) == rest


def test_default_economy_reproduces_published_table_3() -> None:
    _check_table_3(load_default())


def test_reproduces_published_table_3_revenue(study: Economy) -> None:
    _check_table_3(study)


def _check_table_3(study: Economy) -> None:
    """US tariff revenue (% of GDP): USTR tariff, optimal tariff, optimal and reciprocal retaliation."""
    line = next(
        row for row in _published("Table_3.tex").splitlines() if row.startswith("\\% of GDP")
    )
    printed = _numbers(line)[:4]  # the "% of Federal Budget" row follows on the same line
    params = ModelParams()
    liberation = preset_tariffs("liberation-day", study, params)
    settings_ = [
        liberation,
        preset_tariffs("optimal-us", study, params),
        retaliate(study, liberation, "optimal", params=params),
        retaliate(study, liberation, "reciprocal", params=params),
    ]
    us = study.index("USA")
    revenue = [
        float(solve(study, t, params).to_frame()["tariff_revenue_pct"].iloc[us]) for t in settings_
    ]
    assert _rounded_like(revenue, printed) == printed


def test_closed_form_optimal_us_tariff(study: Economy) -> None:
    assert optimal_tariff(study) == pytest.approx(0.218, abs=5e-4)  # MODEL.md: about 21.8 %


def test_reciprocal_retaliation(study: Economy) -> None:
    params = ModelParams()
    liberation = preset_tariffs("liberation-day", study, params)
    reciprocal = retaliate(study, liberation, "reciprocal", params=params)
    us = study.index("USA")
    others = np.arange(study.n) != us
    np.testing.assert_array_equal(reciprocal[us, others], liberation[others, us])
    assert reciprocal[us, us] == 0
    alone, war = solve(study, liberation, params), solve(study, reciprocal, params)
    assert (
        war.welfare_hat[us] < 1 < alone.welfare_hat[us]
    )  # retaliation turns the US gain into a loss
    assert war.weighted_mean("welfare_pct", ("USA",)) > alone.weighted_mean("welfare_pct", ("USA",))
    assert war.revenue[us] < alone.revenue[us]
    assert war.flows[us, others].sum() < alone.flows[us, others].sum()  # US exports fall further


def test_optimal_retaliation_is_uniform(study: Economy) -> None:
    liberation = preset_tariffs("liberation-day", study)
    t = retaliate(study, liberation, "optimal")
    us = study.index("USA")
    rates = np.delete(t[us], us)
    assert np.ptp(rates) < 1e-12 and 0.1 < rates[0] < 0.4


# --------------------------------------------------------------------------- textbook and invariants


def _two_country(x12: float = 20.0, x21: float = 20.0) -> Economy:
    return Economy(("H", "F"), np.array([[70.0, x12], [x21, 150.0]]), np.zeros(2))


@st.composite
def economies(draw: st.DrawFn) -> tuple[Economy, np.ndarray, ModelParams]:
    """A random small economy, counterfactual tariffs and parameters."""
    n = draw(st.integers(2, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    flows = rng.uniform(1, 10, (n, n)) + np.diag(rng.uniform(20, 200, n))
    nu = rng.uniform(0, 0.3, n) if draw(st.booleans()) else np.zeros(n)
    base = rng.uniform(0, 0.2, (n, n)) * draw(st.sampled_from([0.0, 1.0]))
    np.fill_diagonal(base, 0)
    new = rng.uniform(0, 0.6, (n, n))
    np.fill_diagonal(new, 0)
    params = draw(
        st.sampled_from(
            [
                ModelParams(),
                ModelParams(revenue_use="lump-sum"),
                ModelParams.textbook(),
                ModelParams(trade_elasticity=6.0, scale_elasticity=0.05),
            ]
        )
    )
    return Economy(tuple(f"C{k}" for k in range(n)), flows, nu, base), new, params


@settings(max_examples=40, deadline=None)
@given(economies())
def test_equilibrium_conditions_hold(case: tuple[Economy, np.ndarray, ModelParams]) -> None:
    """Checker and solver agree; every income identity (also the one Walras' law drops) and the budgets hold."""
    eco, t, params = case
    eq = solve(eco, t, params)
    x = np.log(np.concatenate([eq.wage_hat, eq.expenditure_hat, eq.labour_hat]))
    assert np.abs(residuals(eco, t, params, x)).max() < 1e-9
    nu, flows = eco.local_share, eq.flows
    income = eq.wage_hat * eq.labour_hat * eco.income
    earned = ((1 - nu)[None, :] * flows).sum(axis=1) + nu * flows.sum(axis=0)
    np.testing.assert_allclose(earned, income, rtol=1e-9)
    spent = eco.expenditure * eq.expenditure_hat
    np.testing.assert_allclose(((1 + t) * flows).sum(axis=0), spent, rtol=1e-9)
    np.testing.assert_allclose(eq.revenue, (t * flows).sum(axis=0), rtol=1e-9, atol=1e-12)
    assert spent.sum() == pytest.approx(
        income.sum() + eq.revenue.sum(), rel=1e-9
    )  # deficits sum to zero
    assert np.sum((eq.price_hat - 1) * eco.expenditure) == pytest.approx(
        0, abs=1e-9 * eco.expenditure.sum()
    )


@settings(max_examples=25, deadline=None)
@given(economies())
def test_no_tariff_change_changes_nothing(case: tuple[Economy, np.ndarray, ModelParams]) -> None:
    eco, _, params = case
    eq = solve(eco, eco.tariffs, params)
    for hat in (eq.wage_hat, eq.expenditure_hat, eq.labour_hat, eq.price_hat, eq.welfare_hat):
        np.testing.assert_allclose(hat, 1, atol=1e-10)
    np.testing.assert_allclose(eq.flows, eco.flows, rtol=1e-9)
    assert eq.iterations == 0


@settings(max_examples=20, deadline=None)
@given(economies(), st.integers(0, 2**32 - 1))
def test_analytic_jacobian_matches_finite_differences(
    case: tuple[Economy, np.ndarray, ModelParams], seed: int
) -> None:
    eco, t, params = case
    base = _base(eco, t, params)
    x = np.random.default_rng(seed).uniform(-0.1, 0.1, 3 * eco.n)
    _, jac, _ = kernel(x, base, jacobian=True)
    assert jac is not None
    h = 1e-6
    numeric = np.column_stack(
        [
            (kernel(x + h * e, base, False)[0] - kernel(x - h * e, base, False)[0]) / (2 * h)
            for e in np.eye(3 * eco.n)
        ]
    )
    np.testing.assert_allclose(jac, numeric, rtol=1e-5, atol=1e-7)


def test_extensions_off_is_the_textbook_model() -> None:
    eco = load_default()
    textbook_eco = Economy(eco.iso3, eco.flows, np.zeros(eco.n))
    t = preset_tariffs("liberation-day", eco)
    a = solve(textbook_eco, t, ModelParams.textbook())
    b = solve(
        textbook_eco,
        t,
        ModelParams(
            labour_elasticity=0,
            scale_elasticity=0,
            markup_elasticity=None,
            revenue_use="income-tax",
        ),
    )
    b2 = solve(
        textbook_eco, t, ModelParams(labour_elasticity=0, scale_elasticity=0)
    )  # theta set, but nu = 0
    for other in (b, b2):
        np.testing.assert_allclose(other.welfare_hat, a.welfare_hat, rtol=1e-12)
    np.testing.assert_allclose(a.labour_hat, 1)
    np.testing.assert_allclose(a.welfare_hat, a.expenditure_hat / a.price_hat)
    np.testing.assert_allclose(ModelParams().pass_through(np.zeros(3)), 1.0)


def test_pass_through_of_the_study() -> None:
    phi = ModelParams().pass_through([0.270471, 0.114335])
    np.testing.assert_allclose(
        phi, [1.43, 1.15], atol=0.01
    )  # MODEL.md: about 1.43 (US), 1.15 (others)


def test_two_country_optimal_tariff_matches_its_closed_form() -> None:
    """Home's welfare-maximising tariff equals 1/(eps * lambda_FF) at the optimum (balanced trade)."""
    eps = 4.0
    params = ModelParams.textbook(eps)
    eco = _two_country()

    def outcome(rate: float):  # type: ignore[no-untyped-def]
        t = np.zeros((2, 2))
        t[1, 0] = rate
        return solve(eco, t, params)

    best = minimize_scalar(
        lambda r: -outcome(r).welfare_hat[0],
        bounds=(0.0, 2.0),
        method="bounded",
        options={"xatol": 1e-10},
    ).x
    eq = outcome(best)
    lam_ff = eq.flows[1, 1] / (eq.flows[:, 1] * (1 + eq.tariffs[:, 1])).sum()
    assert best == pytest.approx(1 / (eps * lam_ff), abs=1e-6)
    # The study's closed form evaluates the same expression at baseline shares: 1/(4 * 150/170).
    assert optimal_tariff(eco, "H", params) == pytest.approx(1 / (eps * 150 / 170), rel=1e-12)
    assert optimal_tariff(eco, "H", params) == pytest.approx(best, rel=0.06)
    assert outcome(best).welfare_hat[0] > max(
        outcome(best - 0.02).welfare_hat[0], outcome(best + 0.02).welfare_hat[0]
    )


def test_tariff_hurts_the_partner_and_shifts_trade() -> None:
    eco = _two_country()
    t = np.zeros((2, 2))
    t[1, 0] = 0.25
    eq = solve(eco, t, ModelParams.textbook())
    assert eq.welfare_hat[1] < 1 < eq.welfare_hat[0]
    assert eq.flows[1, 0] < eco.flows[1, 0]


def test_bilateral_welfare_prices_one_tariff() -> None:
    eco = load_default()
    out = bilateral_welfare(eco, "USA", "JPN", 0.25)
    assert set(out) == set(eco.iso3)
    t = np.zeros((eco.n, eco.n))
    t[eco.index("JPN"), eco.index("USA")] = 0.25
    assert out["JPN"] == pytest.approx(
        100 * (solve(eco, t).welfare_hat[eco.index("JPN")] - 1), rel=1e-12
    )
    assert out["JPN"] < 0
    base = preset_tariffs("liberation-day", eco)
    with_base = bilateral_welfare(eco, "USA", "JPN", 0.15, base_tariffs=base)
    assert with_base["JPN"] > bilateral_welfare(eco, "USA", "JPN", 0.24, base_tariffs=base)["JPN"]
    with pytest.raises(DealspaceError, match="itself"):
        bilateral_welfare(eco, "USA", "USA", 0.1)


def test_presets_on_the_embedded_regions() -> None:
    eco = load_regions()
    us, jp = eco.index("USA"), eco.index("JPN")
    ld = preset_tariffs("liberation-day", eco)
    assert ld[jp, us] == pytest.approx(0.24) and ld[eco.index("EU"), us] == pytest.approx(0.20)
    assert ld[us, us] == 0 and (np.delete(ld[:, us], us) >= 0.10).all()
    assert np.count_nonzero(np.delete(ld, us, axis=1)) == 0  # only the US column changes
    deal = preset_tariffs("us-japan-deal", eco)
    assert deal[jp, us] == pytest.approx(0.15)
    np.testing.assert_array_equal(np.delete(deal, jp, axis=0), np.delete(ld, jp, axis=0))
    deals = preset_tariffs("deals-2025", eco)
    assert deals[eco.index("EU"), us] == pytest.approx(0.15) and deals[
        eco.index("VNM"), us
    ] == pytest.approx(0.20)
    assert deals[eco.index("IND"), us] == pytest.approx(
        ld[eco.index("IND"), us]
    )  # no 2025 deal recorded
    assert (
        deals[eco.index("TWN"), us]
        == pytest.approx(ld[eco.index("TWN"), us])
        == pytest.approx(0.32)
    )  # none recorded


def test_unknown_preset_and_retaliation_suggest_a_name() -> None:
    eco = load_default()
    with pytest.raises(DealspaceError, match="(?i)did you mean 'liberation-day'"):
        preset_tariffs("liberation_day", eco)
    with pytest.raises(DealspaceError, match="(?i)did you mean 'reciprocal'"):
        retaliate(eco, eco.tariffs, "reciprocl")


def test_preset_needs_announced_rates() -> None:
    eco = Economy(("USA", "XYZ"), np.array([[10.0, 1.0], [1.0, 10.0]]), np.zeros(2))
    with pytest.raises(DealspaceError, match="XYZ"):
        preset_tariffs("liberation-day", eco)


def test_non_convergence_reports_the_residual() -> None:
    eco = load_default()
    with pytest.raises(DealspaceError, match=r"residual norm \d"):
        solve(eco, preset_tariffs("liberation-day", eco), max_iter=1)


@pytest.mark.parametrize(
    ("tariffs", "message"),
    [
        (np.zeros((2, 3)), "shape"),
        (np.full((2, 2), np.nan), "non-finite"),
        (np.full((2, 2), -1.5), "-100"),
    ],
)
def test_bad_tariffs(tariffs: np.ndarray, message: str) -> None:
    with pytest.raises(DealspaceError, match=message):
        solve(_two_country(), tariffs)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"trade_elasticity": 0}, "trade_elasticity"),
        ({"labour_elasticity": -1}, "labour_elasticity"),
        ({"revenue_use": "rebate"}, "revenue_use"),
        ({"markup_elasticity": float("nan")}, "markup_elasticity"),
    ],
)
def test_bad_params(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(DealspaceError, match=field):
        ModelParams(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"flows": -np.ones((2, 2))}, "negative"),
        ({"local_share": np.array([0.5, 1.0])}, r"\[0, 1\)"),
        ({"flows": np.array([[1.0, 0.0], [0.0, 0.0]])}, "buy nothing"),
        ({"iso3": ("A", "A")}, "duplicate"),
        ({"flows": np.ones((3, 3))}, "shape"),
    ],
)
def test_bad_economy(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "iso3": ("A", "B"),
        "flows": np.ones((2, 2)),
        "local_share": np.zeros(2),
    }
    args.update(kwargs)
    with pytest.raises(DealspaceError, match=message):
        Economy(**args)  # type: ignore[arg-type]


def test_equilibrium_frames() -> None:
    eco = load_default()
    eq = solve(eco, preset_tariffs("liberation-day", eco))
    frame = eq.to_frame()
    expected = {
        "iso3",
        "welfare_pct",
        "price_index_pct",
        "employment_pct",
        "exports_pct",
        "imports_pct",
        "exports_gdp_pct",
        "imports_gdp_pct",
        "tariff_revenue",
        "deficit_pct",
    }
    assert expected <= set(frame.columns) and len(frame) == eco.n
    flows = eq.flows_frame()
    assert flows.shape == (eco.n, eco.n) and list(flows.index) == list(eco.iso3)
    assert frame.loc[frame["iso3"] == "USA", "tariff_revenue"].item() > 0
    assert (frame.loc[frame["iso3"] != "USA", "tariff_revenue"] == 0).all()
