"""Tariff issues of a scenario priced by the GE model (`value: economy`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import dealspace
from dealspace.economy import ModelParams, bilateral_welfare, load_default, solve, tariffs_in_force
from dealspace.economy.scenario import (
    joint_values,
    package_tariffs,
    package_welfare,
    price_tariffs,
    weight_warnings,
)
from dealspace.errors import DealspaceError
from dealspace.scenario.load import parse_yaml
from dealspace.space import compile

SCENARIO = """
name: tariff-toy
economy: {revenue: lump-sum}
parties:
  - id: us
    country: USA
    valuations:
      tariff: {weight: 2, value: economy}
      fund: {weight: 1, value: increasing}
  - id: jp
    country: JPN
    valuations:
      tariff: {weight: 3, value: economy}
      fund: {weight: 1, value: decreasing}
domains:
  - id: trade
    issues:
      - id: tariff
        range: {min: 10, max: 25, step: 5}
        unit: "%"
        status_quo: 25
        tariff: {levied_by: USA, on: JPN}
  - id: investment
    issues:
      - {id: fund, range: {min: 0, max: 500, step: 250}, status_quo: 0}
"""


def load(tmp_path: Path, text: str = SCENARIO, change=None) -> dealspace.Scenario:
    data = parse_yaml(text, "test")
    if change:
        change(data)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    return dealspace.load_scenario(path)


def _jpn_rates(s: dealspace.Scenario, rates: dict[str, float]) -> np.ndarray:
    """The US tariff matrix of the scenario's base world (in force at its date) with Japan's rate set."""
    eco = load_default()
    t = tariffs_in_force(eco, s.date)
    t[eco.index("JPN"), eco.index("USA")] = sum(rates.values())
    return t


def test_economy_values_are_the_ge_welfare_changes_scaled(tmp_path: Path) -> None:
    s = load(tmp_path)
    economy = load_default()
    params = ModelParams(revenue_use="lump-sum")
    base = tariffs_in_force(economy, None)  # no date: the 2 April 2025 rates for every partner
    direct = {
        rate: bilateral_welfare(economy, "USA", "JPN", rate / 100, params, base_tariffs=base)
        for rate in (10.0, 15.0, 20.0, 25.0)
    }
    space = compile(s)
    block = next(b for b in space.blocks if b.issues == ("tariff",))
    for p, country, weight in ((0, "USA", 2.0), (1, "JPN", 3.0)):
        w = np.array([direct[r][country] for r in (10.0, 15.0, 20.0, 25.0)])
        expected = weight * (w - w.min()) / (w.max() - w.min())
        assert block.utility[:, p] == pytest.approx(expected, abs=1e-9)
    # Japan is hurt by a higher US tariff on its goods: its value falls with the rate.
    assert np.all(np.diff(block.utility[:, 1]) < 0)


def test_points_per_welfare_pct_apply_the_weight_once(tmp_path: Path) -> None:
    """With points per welfare %, the value is points × ΔW: the issue weight is not applied a second time."""
    s = load(tmp_path, change=lambda d: d["economy"].update(points_per_welfare_pct=10))
    pricing = price_tariffs(s)
    jp = pricing.welfare["tariff"][:, pricing.regions.index("JPN")]
    block = next(b for b in compile(s).blocks if b.issues == ("tariff",))
    assert block.utility[:, 1] == pytest.approx(10 * (jp - jp[-1]))  # not 3 × 10 × ΔW
    assert block.utility[-1, 1] == pytest.approx(0.0)


def test_base_world_is_the_rates_in_force_at_the_scenario_date(tmp_path: Path) -> None:
    """A July-dated scenario is priced against the pause: every partner at 10 % (China 30 %), Japan at the option."""
    s = load(tmp_path, change=lambda d: d.update(date="2025-07-22"))
    eco = load_default()
    params = ModelParams(revenue_use="lump-sum")
    t = tariffs_in_force(eco, "2025-07-22")
    us = eco.index("USA")
    for code, rate in (("VNM", 0.10), ("KOR", 0.10), ("DEU", 0.10), ("CHN", 0.30)):
        assert t[eco.index(code), us] == pytest.approx(rate), code  # not the 2 April rates
    t[eco.index("JPN"), us] = 0.15
    expected = 100 * (solve(eco, t, params).welfare_hat - 1)
    pricing = price_tariffs(s)
    assert pricing.base == "in-force" and pricing.date == "2025-07-22"
    np.testing.assert_allclose(
        pricing.welfare["tariff"][1, : eco.n], expected, rtol=1e-7, atol=1e-8
    )  # solver tolerance (warm starts)
    zero = price_tariffs(load(tmp_path, change=lambda d: d["economy"].update(base="none")))
    assert zero.welfare["tariff"][1, eco.index("JPN")] != pytest.approx(
        pricing.welfare["tariff"][1, eco.index("JPN")]
    )


TWO_ISSUES = """
name: two-on-one-flow
date: "2025-04-02"
economy: {revenue: income-tax}
parties:
  - id: us
    country: USA
    valuations:
      reciprocal: {weight: 2, value: economy}
      autos: {weight: 1, value: economy}
  - id: jp
    country: JPN
    valuations:
      reciprocal: {weight: 1, value: economy}
      autos: {weight: 2, value: economy}
domains:
  - id: trade
    issues:
      - id: reciprocal
        range: {min: 15, max: 25, step: 5}
        unit: "%"
        status_quo: 25
        tariff: {levied_by: USA, "on": JPN, share: 0.65}
      - id: autos
        range: {min: 15, max: 27.5, step: 12.5}
        unit: "%"
        status_quo: 27.5
        tariff: {levied_by: USA, "on": JPN, share: 0.35}
"""


def test_joint_pricing_equals_the_ge_welfare_of_the_joint_tariff_vector(tmp_path: Path) -> None:
    s = load(tmp_path, TWO_ISSUES)
    pricing = price_tariffs(s)
    assert pricing.groups == (("reciprocal", "autos"),)
    eco = load_default()
    params = ModelParams(revenue_use="income-tax")
    grid, table = pricing.grid[0], pricing.joint[0]
    assert grid.shape == (3 * 2, 2) and len({tuple(r) for r in grid}) == 6  # every combination once
    for row, welfare in zip(grid, table, strict=True):
        rec, auto = s.issue("reciprocal").option_ids[row[0]], s.issue("autos").option_ids[row[1]]
        t = tariffs_in_force(eco, "2025-04-02")
        t[eco.index("JPN"), eco.index("USA")] = 0.65 * rec / 100 + 0.35 * auto / 100
        np.testing.assert_allclose(
            welfare[: eco.n], 100 * (solve(eco, t, params).welfare_hat - 1), rtol=1e-7, atol=1e-8
        )  # solver tolerance (warm starts)
    # the effects are not additive: the joint gain of both cuts differs from the sum of the two single cuts
    jp = pricing.regions.index("JPN")
    sq, both = table[-1, jp], table[0, jp]
    single = pricing.welfare["reciprocal"][0, jp] - sq + pricing.welfare["autos"][0, jp] - sq
    assert both - sq != pytest.approx(single, rel=1e-6)
    # joint values: one table per (party, group), weights summed in the 0..1 scaling
    values = joint_values(s)
    assert set(values) == {("us", ("reciprocal", "autos")), ("jp", ("reciprocal", "autos"))}
    jv = values["jp", ("reciprocal", "autos")]
    assert jv.max() == pytest.approx(3.0) and jv.min() == pytest.approx(0.0)
    # an exact single solve of a package gives the same number as its row
    exact = package_welfare(s, {"reciprocal": 15.0, "autos": 15.0})
    assert exact["JPN"] == pytest.approx(both, abs=1e-8)


def test_interpolated_joint_pricing_matches_direct_solves(tmp_path: Path) -> None:
    """More distinct rates than Chebyshev nodes: the interpolated joint table equals direct solves to 1e-7 pp."""
    from dealspace.economy.scenario import CHEBYSHEV_NODES

    def finer(d):  # type: ignore[no-untyped-def]
        d["domains"][0]["issues"][0]["range"] = {"min": 10, "max": 25, "step": 2.5}
        d["domains"][0]["issues"][1]["range"] = {"min": 15, "max": 27.5, "step": 6.25}

    s = load(tmp_path, TWO_ISSUES, change=finer)
    pricing = price_tariffs(s)
    grid, table = pricing.grid[0], pricing.joint[0]
    assert len(grid) == 7 * 3 > CHEBYSHEV_NODES
    eco = load_default()
    params = ModelParams(revenue_use="income-tax")
    for r in (0, 4, 10, len(grid) - 1):
        rec, auto = (
            s.issue("reciprocal").option_ids[grid[r, 0]],
            s.issue("autos").option_ids[grid[r, 1]],
        )
        t = tariffs_in_force(eco, "2025-04-02")
        t[eco.index("JPN"), eco.index("USA")] = 0.65 * rec / 100 + 0.35 * auto / 100
        np.testing.assert_allclose(
            table[r, : eco.n], 100 * (solve(eco, t, params).welfare_hat - 1), atol=1e-7
        )


def test_weights_contradicting_the_model_are_reported(tmp_path: Path) -> None:
    s = load(tmp_path, TWO_ISSUES)
    warnings = weight_warnings(s)
    # Japan argues autos (share 0.35) count twice the reciprocal rate (share 0.65): the model says the opposite
    assert any(w.startswith("jp:") and "'reciprocal'" in w and "'autos'" in w for w in warnings)


def test_shares_split_one_country_pair(tmp_path: Path) -> None:
    s = load(tmp_path, TWO_ISSUES)
    economy = load_default()
    base = tariffs_in_force(economy, None)
    t = package_tariffs(s, economy, base, {"reciprocal": 0, "autos": 1})
    j, i = economy.index("JPN"), economy.index("USA")
    assert t[j, i] == pytest.approx(0.65 * 0.15 + 0.35 * 0.275)
    changed = np.argwhere(t != base)
    assert changed.tolist() == [[j, i]]


def test_region_codes_in_tariff_issues_and_parties(tmp_path: Path) -> None:
    """A tariff on 'EU' taxes each member; an 'EU' party's welfare is the members' expenditure-weighted mean."""

    def to_eu(d):  # type: ignore[no-untyped-def]
        d["parties"][1]["country"] = "EU"
        d["domains"][0]["issues"][0]["tariff"]["on"] = "EU"

    s = load(tmp_path, change=to_eu)
    pricing = price_tariffs(s)
    eco = load_default()
    from dealspace.economy.regions import display_groups

    eu = [eco.index(c) for c in display_groups(eco)["EU"]]
    t = tariffs_in_force(eco, None)
    t[eu, eco.index("USA")] = 0.10
    w = 100 * (solve(eco, t, ModelParams(revenue_use="lump-sum")).welfare_hat - 1)
    assert pricing.welfare["tariff"][0, pricing.regions.index("EU")] == pytest.approx(
        np.average(w[eu], weights=eco.expenditure[eu]), abs=1e-8
    )


def test_unknown_region_is_named_with_a_suggestion(tmp_path: Path) -> None:
    s = load(tmp_path, change=lambda d: d["domains"][0]["issues"][0]["tariff"].update(on="JAP"))
    with pytest.raises(
        DealspaceError, match=r"domains\[0\]\.issues\[0\]\.tariff\.on.*(?i:did you mean 'JPN')"
    ):
        compile(s)


def test_shares_over_one_are_refused_at_validation(tmp_path: Path) -> None:
    def two(d):  # type: ignore[no-untyped-def]
        extra = dict(d["domains"][0]["issues"][0], id="tariff2")
        extra["tariff"] = {"levied_by": "USA", "on": "JPN", "share": 0.5}
        d["domains"][0]["issues"].append(extra)

    with pytest.raises(
        DealspaceError, match=r"tariff2.*\.tariff\.share|cover 1\.5 of that flow"
    ) as err:
        load(tmp_path, change=two)
    message = str(err.value)
    assert (
        "cover 1.5 of that flow" in message
        and "'tariff' 1" in message
        and "'tariff2' 0.5" in message
    )
    assert "domains[0].issues[1].tariff.share" in message


def test_shares_adding_up_to_one_are_accepted(tmp_path: Path) -> None:
    def split(d):  # type: ignore[no-untyped-def]
        d["domains"][0]["issues"][0]["tariff"]["share"] = 0.7
        extra = dict(d["domains"][0]["issues"][0], id="tariff2")
        extra["tariff"] = {"levied_by": "USA", "on": "JPN", "share": 0.3}
        d["domains"][0]["issues"].append(extra)

    assert load(tmp_path, change=split).issue("tariff2").tariff.share == pytest.approx(0.3)  # type: ignore[union-attr]


def test_builtin_prices_japan_tariffs_with_the_model() -> None:
    s = dealspace.load_scenario("us-japan-2025")
    japan = s.party("japan")
    assert {k for k, v in japan.valuations.items() if v.value == "economy"} == {
        "reciprocal_tariff",
        "auto_tariff",
        "steel_aluminium",
    }
    frame = price_tariffs(s).to_frame(s)
    jp = frame[(frame.iso3 == "JPN") & (frame.issue == "auto_tariff")]
    assert jp.welfare_pct.is_monotonic_decreasing
