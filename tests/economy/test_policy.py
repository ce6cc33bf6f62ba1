"""Base worlds, rates in force at a date, bilateral rates and retaliation by a subset."""

from __future__ import annotations

import numpy as np
import pytest

from dealspace.economy import (
    base_tariffs,
    load_default,
    preset_tariffs,
    retaliate,
    set_rates,
    tariffs_in_force,
)
from dealspace.economy.data import embedded_deals
from dealspace.economy.policy import build_tariffs
from dealspace.economy.regions import display_groups, resolve
from dealspace.errors import DealspaceError


def test_rates_in_force_follow_the_calendar() -> None:
    eco = load_default()
    us = eco.index("USA")
    np.testing.assert_array_equal(
        tariffs_in_force(eco, "2025-04-01"), eco.tariffs
    )  # before 2 April: the baseline
    np.testing.assert_array_equal(
        tariffs_in_force(eco, "2025-04-02"), preset_tariffs("liberation-day", eco)
    )
    np.testing.assert_array_equal(
        tariffs_in_force(eco, None), preset_tariffs("liberation-day", eco)
    )
    deals = embedded_deals()
    assert deals["JPN"][1] == "2025-07-22" and deals["DEU"][0] == pytest.approx(0.15)
    on_the_day, after = tariffs_in_force(eco, "2025-07-22"), tariffs_in_force(eco, "2025-07-23")
    assert on_the_day[eco.index("JPN"), us] == pytest.approx(
        0.24
    )  # a deal counts from the day after
    assert after[eco.index("JPN"), us] == pytest.approx(0.15)
    end = tariffs_in_force(eco, "2025-12-31")
    np.testing.assert_array_equal(
        end, preset_tariffs("deals-2025", eco)
    )  # every recorded deal is in force by then
    # only the US column changes
    assert np.count_nonzero(np.delete(end, us, axis=1)) == 0
    with pytest.raises(DealspaceError, match="YYYY-MM-DD"):
        tariffs_in_force(eco, "22 July 2025")


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
