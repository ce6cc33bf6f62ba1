"""Equivalent simultaneous offers: the menu, its tolerance, its diversity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealspace import load_scenario
from dealspace.analysis.bargaining import nash
from dealspace.analysis.offers import equivalent_offers
from dealspace.analysis.pareto import is_pareto_optimal, pareto_frontier
from dealspace.errors import DealspaceError
from dealspace.scenario.model import Scenario
from dealspace.space import acceptable, compile, utilities
from strategies import scenarios

DATA = Path(__file__).parent / "data"
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def offers_toy() -> Scenario:
    return load_scenario(DATA / "linkage" / "offers.yaml")


def test_three_equivalent_offers(offers_toy: Scenario) -> None:
    # Worked out in tests/data/linkage/offers.yaml: open any two of three markets.
    menu = equivalent_offers(offers_toy, "jp", k=3)
    assert menu.level == pytest.approx(4.0)
    assert len(menu.offers) == 3
    opened = set()
    for offer in menu.offers:
        assert offer.utilities == pytest.approx((4.0, 4.0))
        assert offer.on_frontier and offer.shortfall == 0.0
        assert offer.package["auto_tariff"] == "low"
        opened.add(frozenset(m for m in ("rice", "beef", "wheat") if offer.package[m] == "open"))
    assert opened == {
        frozenset(p) for p in (("rice", "beef"), ("rice", "wheat"), ("beef", "wheat"))
    }


def test_given_level_and_tolerance(offers_toy: Scenario) -> None:
    # Japan at 5: the tariff cut and one market open (three ways), all on the frontier.
    menu = equivalent_offers(offers_toy, "jp", k=2, level=5.0, tolerance=0.1)
    assert len(menu.offers) == 2
    assert all(o.utilities[1] == pytest.approx(5.0) for o in menu.offers)
    assert menu.offers[0].package != menu.offers[1].package


def test_fewer_offers_than_asked(offers_toy: Scenario) -> None:
    menu = equivalent_offers(offers_toy, "jp", k=10, level=4.0, tolerance=0.0)
    assert len(menu.offers) == 3  # only three packages give Japan exactly 4
    nothing = equivalent_offers(offers_toy, "jp", k=3, level=-100.0, tolerance=1.0)
    assert nothing.offers == ()
    assert nothing.to_frame().empty
    with pytest.raises(DealspaceError, match="at most 6"):  # above the best package: refused
        equivalent_offers(offers_toy, "jp", k=3, level=100.0, tolerance=1.0)


def test_near_frontier_offers_fill_the_menu(offers_toy: Scenario) -> None:
    # The US at 4 ± 1: only (4, 4) is on the frontier (three packages); the
    # high tariff with two markets open, (5, 1), and with one, (3, 2), are
    # dominated by (6, 3) and (4, 4) with shortfall 2, and come last.
    menu = equivalent_offers(offers_toy, "us", k=5, level=4.0, tolerance=1.0)
    frontier = pareto_frontier(compile(offers_toy))
    assert [o.on_frontier for o in menu.offers] == [True, True, True, False, False]
    assert [o.shortfall for o in menu.offers] == pytest.approx([0, 0, 0, 2, 2])
    for offer in menu.offers:
        assert abs(offer.utilities[0] - 4.0) <= 1.0 + 1e-9
        assert offer.on_frontier == is_pareto_optimal(frontier, offer.package)
    assert len({tuple(sorted(o.package.items())) for o in menu.offers}) == len(menu.offers)


def test_utility_distance(offers_toy: Scenario) -> None:
    menu = equivalent_offers(offers_toy, "jp", k=3, distance="utility")
    assert len(menu.offers) == 3


def test_bad_arguments(offers_toy: Scenario) -> None:
    with pytest.raises(DealspaceError, match="(?i)did you mean 'jp'"):
        equivalent_offers(offers_toy, "jpn")
    with pytest.raises(DealspaceError, match="at least one"):
        equivalent_offers(offers_toy, "jp", k=0)
    with pytest.raises(DealspaceError, match="negative"):
        equivalent_offers(offers_toy, "jp", tolerance=-1.0)
    redlines = load_scenario(DATA / "linkage" / "redlines.yaml")
    with pytest.raises(DealspaceError, match="no Nash package"):
        equivalent_offers(redlines, "us")


def test_frame_and_dict(offers_toy: Scenario) -> None:
    menu = equivalent_offers(offers_toy, "jp")
    frame = menu.to_frame()
    assert list(frame.columns[:2]) == ["u:us", "u:jp"]
    assert set(frame["auto_tariff"]) == {"low"}
    data = json.loads(json.dumps(menu.to_dict()))
    assert len(data["offers"]) == 3 and data["party"] == "jp"


@FAST
@given(scenarios(max_parties=3), st.integers(1, 4), st.data())
def test_every_offer_is_within_tolerance(scenario: Scenario, k: int, data: st.DataObject) -> None:
    space = compile(scenario)
    if space.empty:
        return
    party = data.draw(st.sampled_from(scenario.party_ids))
    p = scenario.party_ids.index(party)
    solution = nash(space)
    frontier = pareto_frontier(space)
    level = None if solution.agreement else float(frontier.utilities[0, p])
    tolerance = data.draw(st.sampled_from([None, 0.0, 0.5]))
    menu = equivalent_offers(scenario, party, k=k, level=level, tolerance=tolerance)
    assert 1 <= len(menu.offers) <= k  # the frontier point at the level is always found
    keys = set()
    for offer in menu.offers:
        u = utilities(scenario, offer.package)
        assert u == pytest.approx(offer.utilities)
        assert abs(u[p] - menu.level) <= menu.tolerance + 1e-6
        assert acceptable(scenario, offer.package)
        if offer.on_frontier:
            assert is_pareto_optimal(frontier, offer.package)
        keys.add(tuple(sorted((i, str(v)) for i, v in offer.package.items())))
    assert len(keys) == len(menu.offers)
