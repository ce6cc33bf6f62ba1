"""Logrolls: a package explained as trades of concessions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from dealspace import load_scenario
from dealspace.analysis.bargaining import nash
from dealspace.analysis.logroll import logrolls, units
from dealspace.errors import DealspaceError
from dealspace.scenario.model import Scenario
from dealspace.space import utilities
from strategies import scenarios

DATA = Path(__file__).parent / "data"
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DEAL = {"auto_tariff": "low", "defense": "plus", "invest": "some"}


@pytest.fixture(scope="module")
def linked() -> Scenario:
    return load_scenario(DATA / "linkage" / "linkage.yaml")


def test_the_portfolio_package_as_a_trade(linked: Scenario) -> None:
    rolls = logrolls(linked, DEAL)
    assert [m.issues for m in rolls.moves] == [("auto_tariff",), ("defense",), ("invest",)]
    assert [m.delta for m in rolls.moves] == [(-4.0, 5.0), (6.0, -3.0), (2.0, 1.0)]
    (trade,) = rolls.trades
    assert (trade.first.yielder, trade.first.move.issues) == ("us", ("auto_tariff",))
    assert trade.first.ratio == pytest.approx(1.25)
    assert trade.second is not None
    assert (trade.second.yielder, trade.second.move.issues) == ("jp", ("defense",))
    assert trade.second.ratio == pytest.approx(2.0)
    assert trade.efficiency == pytest.approx(2.5)
    assert [m.issues for m in rolls.joint_gains] == [("invest",)]
    assert rolls.sentences() == [
        "United States yields on auto tariff (−4.00; +5.00 for Japan, ratio 1.25) in exchange "
        "for Japan yielding on defence spending (−3.00; +6.00 for United States, ratio 2.00).",
        "A joint gain on investment pledge (+2.00 for United States, +1.00 for Japan).",
    ]


def test_table_and_dict(linked: Scenario) -> None:
    rolls = logrolls(linked, DEAL)
    frame = rolls.to_frame()
    assert list(frame["yields"]) == ["us", "jp", ""]
    assert frame["ratio"].tolist()[:2] == pytest.approx([1.25, 2.0])
    assert np.isnan(frame["ratio"].iloc[2])
    trades = rolls.trades_frame()
    assert trades.loc[0, "in_exchange_on"] == "defense"
    data = json.loads(json.dumps(rolls.to_dict()))
    assert data["trades"][0]["efficiency"] == pytest.approx(2.5)
    assert data["joint_gains"] == [["invest"]]


def test_unreciprocated_concession_and_status_quo(linked: Scenario) -> None:
    rolls = logrolls(linked, {"auto_tariff": "low", "defense": "base", "invest": "none"})
    (trade,) = rolls.trades
    assert trade.second is None and trade.efficiency == 0.0
    assert rolls.sentences()[0].endswith("unreciprocated.")
    still = logrolls(linked, linked.status_quo())
    assert still.moves == () and still.trades == ()
    assert still.sentences() == ["The package does not move any issue from the status quo."]


def test_bonus_linked_issues_move_as_one_unit() -> None:
    toy = load_scenario(DATA / "toy.yaml")
    assert units(toy) == [("tariff",), ("rice", "defence")]  # Beta's interaction
    rolls = logrolls(toy, {"tariff": 10.0, "rice": "quota", "defence": "more"})
    assert [m.issues for m in rolls.moves] == [("tariff",), ("rice", "defence")]
    assert rolls.moves[1].after == ("quota", "more")


def test_three_parties_are_explained_pair_by_pair() -> None:
    data = {
        "name": "three",
        "parties": [
            {
                "id": "a",
                "valuations": {
                    "x": {"value": {"p": 1, "q": 0}},
                    "y": {"value": {"p": 0, "q": 1}, "weight": 3},
                },
            },
            {
                "id": "b",
                "valuations": {
                    "x": {"value": {"p": 0, "q": 1}, "weight": 3},
                    "y": {"value": {"p": 1, "q": 0}},
                },
            },
            {"id": "c", "valuations": {"x": {"value": {"p": 0, "q": 1}}}},
        ],
        "domains": [
            {
                "id": "d",
                "issues": [{"id": i, "options": ["p", "q"], "status_quo": "p"} for i in "xy"],
            }
        ],
    }
    three = Scenario.model_validate(data)
    rolls = logrolls(three, {"x": "q", "y": "q"})
    # x: a −1, b +3, c +1; y: a +3, b −1, c 0.
    ab = [t for t in rolls.trades if {t.first.yielder, t.first.winner} == {"a", "b"}]
    assert len(ab) == 1 and ab[0].second is not None  # the a–b logroll
    assert (ab[0].first.yielder, ab[0].second.yielder) == ("a", "b")
    ac = [t for t in rolls.trades if {t.first.yielder, t.first.winner} == {"a", "c"}]
    assert len(ac) == 1 and ac[0].second is None  # a yields on x to c too, unreciprocated
    assert not [
        t
        for t in rolls.trades
        if "b" in t.first.yielder + t.first.winner and "c" in t.first.yielder + t.first.winner
    ]


def test_bad_package(linked: Scenario) -> None:
    with pytest.raises(DealspaceError, match="no option for this issue"):
        logrolls(linked, {"auto_tariff": "low"})
    with pytest.raises(DealspaceError, match="not an option"):
        logrolls(linked, {**DEAL, "invest": "lots"})


@FAST
@given(scenarios(max_parties=3))
def test_moves_add_up_to_the_package(scenario: Scenario) -> None:
    # Utilities are additive across units: the moves' changes sum to u(x) − u(x⁰).
    solution = nash(scenario)
    package = solution.package or scenario.status_quo()
    rolls = logrolls(scenario, package)
    total = np.sum([m.delta for m in rolls.moves], axis=0) if rolls.moves else 0.0
    expected = utilities(scenario, package) - utilities(scenario, scenario.status_quo())
    assert np.allclose(total, expected, atol=1e-9)
    for t in rolls.trades:
        assert t.first.loss > 0 and t.first.gain > 0
        if t.second:
            assert t.second.yielder == t.first.winner and t.second.winner == t.first.yielder
