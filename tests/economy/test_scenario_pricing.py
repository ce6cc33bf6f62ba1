"""Tariff issues of a scenario priced by the GE model (`value: economy`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import dealspace
from dealspace.economy import ModelParams, bilateral_welfare, load_default
from dealspace.economy.scenario import _tariff_matrix, price_tariffs
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


def test_economy_values_are_the_ge_welfare_changes_scaled(tmp_path: Path) -> None:
    s = load(tmp_path)
    economy = load_default()
    params = ModelParams(revenue_use="lump-sum")
    direct = {
        rate: bilateral_welfare(economy, "USA", "JPN", rate / 100, params)
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


def test_points_per_welfare_pct_is_relative_to_the_status_quo(tmp_path: Path) -> None:
    s = load(tmp_path, change=lambda d: d["economy"].update(points_per_welfare_pct=10))
    pricing = price_tariffs(s)
    jp = pricing.welfare["tariff"][:, pricing.regions.index("JPN")]
    block = next(b for b in compile(s).blocks if b.issues == ("tariff",))
    assert block.utility[:, 1] == pytest.approx(3 * 10 * (jp - jp[-1]))
    assert block.utility[-1, 1] == pytest.approx(0.0)


def test_shares_split_one_country_pair() -> None:
    economy = load_default()

    class T:  # a minimal stand-in for an Issue with a tariff block
        def __init__(self, issue_id: str, share: float) -> None:
            self.id = issue_id
            self.tariff = type("Spec", (), {"levied_by": "USA", "on": "JPN", "share": share})()

    t = _tariff_matrix(economy, [T("a", 0.6), T("b", 0.4)], {"a": 10.0, "b": 25.0})  # type: ignore[list-item]
    j, i = economy.index("JPN"), economy.index("USA")
    assert t[j, i] == pytest.approx(0.6 * 0.10 + 0.4 * 0.25)
    assert t.sum() == pytest.approx(t[j, i] + economy.tariffs.sum() - economy.tariffs[j, i])


def test_unknown_region_is_named_with_a_suggestion(tmp_path: Path) -> None:
    s = load(tmp_path, change=lambda d: d["domains"][0]["issues"][0]["tariff"].update(on="JAP"))
    with pytest.raises(DealspaceError, match=r"domains\[0\]\.issues\[0\]\.tariff\.on.*(?i:did you mean 'JPN')"):
        compile(s)


def test_shares_over_one_are_refused(tmp_path: Path) -> None:
    def two(d):
        extra = dict(d["domains"][0]["issues"][0], id="tariff2")
        extra["tariff"] = {"levied_by": "USA", "on": "JPN", "share": 0.5}
        d["domains"][0]["issues"].append(extra)

    s = load(tmp_path, change=two)
    with pytest.raises(DealspaceError, match="more than 1"):
        compile(s)


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
