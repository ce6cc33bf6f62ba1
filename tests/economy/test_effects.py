"""Tariff effects of a scenario follow its own parties, pairs and date."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

import dealspace
from dealspace.economy import ModelParams, load_default, solve, tariffs_in_force
from dealspace.economy.effects import has_tariff_issues, tariff_effects
from dealspace.errors import DealspaceError

KOREA = """
name: us-korea
date: "2025-07-29"
economy: {revenue: lump-sum}
parties:
  - id: us
    country: USA
    valuations:
      tariff: {weight: 1, value: increasing}
  - id: korea
    country: KOR
    valuations:
      tariff: {weight: 1, value: economy}
domains:
  - id: trade
    issues:
      - id: tariff
        range: {min: 15, max: 25, step: 5}
        unit: "%"
        status_quo: 25
        tariff: {levied_by: USA, "on": KOR}
"""


@pytest.fixture(scope="module")
def korea(tmp_path_factory: pytest.TempPathFactory) -> dealspace.Scenario:
    path = tmp_path_factory.mktemp("s") / "korea.yaml"
    path.write_text(KOREA)
    return dealspace.load_scenario(path)


def test_a_us_korea_scenario_gets_korea_not_japan(korea: dealspace.Scenario) -> None:
    effects = tariff_effects(korea, {"tariff": 15.0})
    assert [(p.levied_by, p.on) for p in effects.pairs] == [("USA", "KOR")]
    assert "JPN" not in effects.title and "USA on KOR: 25.0 % → 15.0 %" in effects.title
    assert effects.regions[:2] == ("USA", "KOR") and effects.roles[:2] == ("party", "party")
    assert "JPN" in effects.regions and effects.roles[effects.regions.index("JPN")] == "region"
    assert effects.date == "2025-07-29" and effects.base == "in-force"


def test_effects_are_the_ge_solution_in_the_world_of_the_date(korea: dealspace.Scenario) -> None:
    """Status quo: every partner at its rate in force on 29 July 2025 (the pause: Japan's deal of 22 July applies from 7 August), Korea at 25 %."""
    eco = load_default()
    params = ModelParams(revenue_use="lump-sum")
    t = tariffs_in_force(eco, "2025-07-29")
    us, kr = eco.index("USA"), eco.index("KOR")
    assert t[eco.index("JPN"), us] == pytest.approx(0.10)
    t[kr, us] = 0.25
    sq = solve(eco, t, params)
    t[kr, us] = 0.15
    pk = solve(eco, t, params)
    effects = tariff_effects(korea, {"tariff": 15.0})
    frame = effects.to_frame()
    assert frame.loc["KOR", "status_quo_pct"] == pytest.approx(
        100 * (sq.welfare_hat[kr] - 1), abs=1e-8
    )
    assert frame.loc["KOR", "change_pct"] == pytest.approx(
        100 * (pk.welfare_hat[kr] / sq.welfare_hat[kr] - 1), abs=1e-8
    )
    assert frame.loc["KOR", "change_pct"] > 0  # a lower US tariff helps Korea
    eu = [eco.index(c) for c in dealspace.economy.display_groups(eco)["EU"]]
    expected = np.average(
        100 * (pk.welfare_hat[eu] / sq.welfare_hat[eu] - 1), weights=eco.expenditure[eu]
    )
    assert frame.loc["EU", "change_pct"] == pytest.approx(expected, abs=1e-8)
    assert effects.pairs[0].base_pct == pytest.approx(
        10.0
    )  # the pause's rate on Korea in force on 29 July (its deal of 30 July applies from 7 August)


def test_without_a_package_and_json_safe(korea: dealspace.Scenario) -> None:
    effects = tariff_effects(korea)
    assert (
        effects.change_pct is None
        and effects.package_pct is None
        and effects.pairs[0].package_pct is None
    )
    data = effects.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert "NaN" not in text and data["regions"][0]["change_pct"] is None
    assert "status quo" in effects.drawn_as


def test_bad_package_and_no_tariffs(korea: dealspace.Scenario, toy: dealspace.Scenario) -> None:
    with pytest.raises(DealspaceError, match="not an option"):
        tariff_effects(korea, {"tariff": 12.0})
    assert not has_tariff_issues(toy)
    with pytest.raises(DealspaceError, match="no tariff issue"):
        tariff_effects(toy)


def test_the_builtin_japan_scenario_shows_japan(tmp_path: Path) -> None:
    s = dealspace.load_scenario("us-japan-2025")
    effects = tariff_effects(s)
    assert [(p.levied_by, p.on) for p in effects.pairs] == [("USA", "JPN")]
    assert effects.regions[:2] == ("USA", "JPN")
    yaml.safe_dump(effects.to_dict())  # plain types only
