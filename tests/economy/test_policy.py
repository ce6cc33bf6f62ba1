"""Base worlds, rates in force at a date, bilateral rates and retaliation by a subset."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from dealspace.economy import (
    base_tariffs,
    load_default,
    load_regions,
    preset_tariffs,
    retaliate,
    set_rates,
    tariffs_in_force,
)
from dealspace.economy.data import embedded_deals
from dealspace.economy.policy import build_tariffs
from dealspace.economy.regions import display_groups, members, resolve
from dealspace.economy.schedule import schedule
from dealspace.errors import DealspaceError

ROOT = Path(__file__).resolve().parents[2]
# ../shared next to the repository (DEALSPACE_SHARED overrides it, e.g. in a git worktree)
SHARED_ROOT = Path(os.environ.get("DEALSPACE_SHARED", ROOT.parent / "shared"))


# US rate on each partner (decimal) on a day, as the fact sheet ../shared/facts/tariffs-2025.md has it
IN_FORCE: dict[str, dict[str, float | None]] = {
    # 2 April 2025: the announced rates of the study (floored at 10 %, EU 20 %)
    "2025-04-02": {"JPN": 0.24, "CHN": 0.54, "DEU": 0.20, "KOR": 0.26, "MEX": 0.17},
    # 9 April: the 90-day pause (10 %); China 84 % + 20 % fentanyl
    "2025-04-09": {"JPN": 0.10, "CHN": 1.04, "DEU": 0.10, "KOR": 0.10, "MEX": 0.17},
    # 10 April: China 125 % + 20 %
    "2025-04-10": {"JPN": 0.10, "CHN": 1.45, "DEU": 0.10, "KOR": 0.10},
    "2025-05-13": {"CHN": 1.45},
    # Geneva truce: 10 % + 20 % from 14 May
    "2025-05-14": {"JPN": 0.10, "CHN": 0.30, "DEU": 0.10},
    # Japan's deal day and the EU's: still the pause
    "2025-07-22": {"JPN": 0.10, "CHN": 0.30, "DEU": 0.10, "KOR": 0.10, "VNM": 0.10},
    "2025-08-06": {"JPN": 0.10, "DEU": 0.10, "CHE": 0.10, "IND": 0.10},
    # 7 August: the country and deal rates (Japan 15 % by EO 14345, retroactive to 7 Aug)
    "2025-08-07": {
        "JPN": 0.15,
        "CHN": 0.30,
        "DEU": 0.15,
        "KOR": 0.15,
        "VNM": 0.20,
        "CHE": 0.39,
        "IND": 0.25,
        "TWN": None,  # not in the default economy
    },
    "2025-08-27": {"IND": 0.50},
    "2025-10-30": {"CHN": 0.30},
    "2025-10-31": {"CHN": 0.20},  # Busan truce of 30 October
    "2025-11-15": {"CHE": 0.15},
    "2026-02-07": {"IND": 0.18, "JPN": 0.15},
    # 20 February 2026: the Supreme Court voids the IEEPA tariffs; 24 February: s.122 10 %
    "2026-02-20": {"JPN": 0.0, "CHN": 0.0, "DEU": 0.0, "MEX": 0.0},
    "2026-02-24": {"JPN": 0.10, "CHN": 0.10, "DEU": 0.10, "IND": 0.10},
}


@pytest.mark.parametrize("day", sorted(IN_FORCE))
def test_rates_in_force_match_the_facts(day: str) -> None:
    eco = load_default()
    t = tariffs_in_force(eco, day)
    us = eco.index("USA")
    for code, rate in IN_FORCE[day].items():
        if rate is None:
            assert code not in eco.iso3
            continue
        assert t[eco.index(code), us] == pytest.approx(rate), (day, code)
    assert np.count_nonzero(np.delete(t, us, axis=1)) == 0  # only the US column changes
    assert t[us, us] == 0.0


def test_rates_in_force_before_and_on_liberation_day() -> None:
    eco = load_default()
    np.testing.assert_array_equal(tariffs_in_force(eco, "2025-04-01"), eco.tariffs)
    liberation = preset_tariffs("liberation-day", eco)
    for day in ("2025-04-02", "2025-04-08", None):  # the 2 April world is unchanged
        np.testing.assert_array_equal(tariffs_in_force(eco, day), liberation)
    with pytest.raises(DealspaceError, match="YYYY-MM-DD"):
        tariffs_in_force(eco, "22 July 2025")


def test_the_pause_is_ten_percent_for_every_partner_but_china_canada_mexico() -> None:
    eco = load_default()
    us = eco.index("USA")
    pause = tariffs_in_force(eco, "2025-07-22")[:, us]
    liberation = preset_tariffs("liberation-day", eco)[:, us]
    kept = {eco.index(c) for c in ("CAN", "MEX")}
    for k, code in enumerate(eco.iso3):
        if code == "USA":
            assert pause[k] == 0.0
        elif code == "CHN":
            assert pause[k] == pytest.approx(0.30)
        elif k in kept:
            assert pause[k] == liberation[k]
        else:
            assert pause[k] == pytest.approx(0.10), code


def test_by_the_end_of_2025_every_recorded_deal_is_in_force() -> None:
    """31 December 2025: the deals-2025 preset, but India at 25 % + the 25 % Russia-oil penalty."""
    eco = load_default()
    us, india = eco.index("USA"), eco.index("IND")
    end = tariffs_in_force(eco, "2025-12-31")
    deals = preset_tariffs("deals-2025", eco)
    assert end[india, us] == pytest.approx(0.50)
    end[india, us] = deals[india, us]
    np.testing.assert_array_equal(end, deals)
    assert embedded_deals()["JPN"][0] == pytest.approx(0.15)


def test_the_regional_economy_follows_the_same_schedule() -> None:
    """The 14-region aggregate: EU and ROW as codes; Indonesia (in ROW) is skipped."""
    eco = load_regions()
    us = eco.index("USA")
    pause = tariffs_in_force(eco, "2025-07-22")[:, us]
    assert pause[eco.index("EU")] == pytest.approx(0.10) and pause[
        eco.index("ROW")
    ] == pytest.approx(0.10)
    deals = tariffs_in_force(eco, "2025-08-07")[:, us]
    liberation = preset_tariffs("liberation-day", eco)[:, us]
    assert deals[eco.index("EU")] == pytest.approx(0.15)
    assert deals[eco.index("ROW")] == liberation[eco.index("ROW")]  # its 2 April rate


def test_every_schedule_row_is_backed_by_the_fact_sheet() -> None:
    """Each row quotes the fact sheet verbatim and names a partner of the default economy."""
    facts = SHARED_ROOT / "facts" / "tariffs-2025.md"
    eco = load_default()
    rows = schedule()
    assert [r.effective for r in rows] == sorted(r.effective for r in rows)
    for row in rows:
        assert row.source and row.event and row.fact
        for code in (row.partner, *row.exempt):
            assert code == "*" or members(eco, code), code
    if not facts.is_file():
        pytest.skip(f"{facts} not present (../shared next to the repository)")
    text = facts.read_text(encoding="utf-8")
    for row in rows:
        assert row.fact in text, (row.effective, row.partner, row.fact)


def test_base_worlds_by_name() -> None:
    eco = load_default()
    assert not base_tariffs(eco, "none").any()
    np.testing.assert_array_equal(
        base_tariffs(eco, "in-force", "2025-08-01"), tariffs_in_force(eco, "2025-08-01")
    )
    with pytest.raises(DealspaceError, match="(?i)did you mean 'in-force'"):
        base_tariffs(eco, "in_force")


def test_set_rates_with_countries_and_regions() -> None:
    eco = load_default()
    t = set_rates(eco, np.zeros((eco.n, eco.n)), {("USA", "KOR"): 0.15, ("EU", "USA"): 0.25})
    us = eco.index("USA")
    assert t[eco.index("KOR"), us] == pytest.approx(0.15)
    eu = [eco.index(c) for c in display_groups(eco)["EU"]]
    np.testing.assert_allclose(t[us, eu], 0.25)
    assert np.count_nonzero(t) == 1 + len(eu)
    with pytest.raises(DealspaceError, match="itself"):
        set_rates(eco, t, {("USA", "USA"): 0.1})
    with pytest.raises(DealspaceError, match="(?i)did you mean 'KOR'"):
        resolve(eco, ["KOX"], "--set")


def test_retaliation_by_a_bloc() -> None:
    eco = load_default()
    base = preset_tariffs("liberation-day", eco)
    us = eco.index("USA")
    bloc = resolve(eco, ["EU,JPN"], "--retaliate")
    assert len(bloc) == 28
    t = retaliate(eco, base, "reciprocal", by=bloc)
    np.testing.assert_array_equal(t[us, bloc], base[bloc, us])
    outside = np.setdiff1d(np.arange(eco.n), bloc + [us])
    assert not t[us, outside].any()
    everyone = retaliate(eco, base, "optimal")
    some = retaliate(eco, base, "optimal", by=bloc)
    np.testing.assert_allclose(
        some[us, bloc], everyone[us, bloc]
    )  # the same closed-form rate, levied by fewer
    assert not some[us, outside].any() and everyone[us, outside].all()
    np.testing.assert_array_equal(
        build_tariffs(eco, "liberation-day", None, "reciprocal", ["EU,JPN"]), t
    )
    with pytest.raises(DealspaceError, match="itself"):
        build_tariffs(eco, "liberation-day", None, "reciprocal", ["USA"])
