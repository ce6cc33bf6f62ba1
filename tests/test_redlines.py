"""Prices of red lines and must-haves: free ones, ZOPA killers, invariants."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from dealspace import load_scenario
from dealspace.analysis.bargaining import nash
from dealspace.analysis.pareto import pareto_frontier, party_tolerance
from dealspace.analysis.redlines import redline_prices
from dealspace.scenario.model import Scenario
from dealspace.space import compile, hard_constraints
from strategies import scenarios

DATA = Path(__file__).parent / "data"
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_a_red_line_that_kills_the_zopa_and_one_that_is_free() -> None:
    # Worked out in tests/data/linkage/redlines.yaml.
    prices = redline_prices(load_scenario(DATA / "linkage" / "redlines.yaml"))
    assert not prices.base.zopa
    assert [c.key for c in prices.prices] == ["us:no_cuts", "jp:no_plus"]
    no_cuts, no_plus = prices.prices
    assert no_cuts.free and not no_cuts.kills_zopa
    assert no_cuts.delta == pytest.approx((0.0, 0.0))
    assert no_plus.kills_zopa and not no_plus.free
    assert no_plus.delta == pytest.approx((2.0, 2.0))
    assert no_plus.joint == pytest.approx(4.0)
    assert no_plus.package_without == {"auto_tariff": "low", "defense": "plus"}
    assert no_plus.label == "No rise in defence spending"
    assert prices.price("jp:no_plus") is no_plus


def test_a_free_red_line_with_a_zopa() -> None:
    # In linkage.yaml every package with a defence cut leaves the US at most −2.
    prices = redline_prices(load_scenario(DATA / "linkage" / "linkage.yaml"))
    assert prices.base.zopa
    (no_cuts,) = prices.prices
    assert no_cuts.free and not no_cuts.kills_zopa and no_cuts.zopa_without


def test_a_priced_must_have() -> None:
    # toy.yaml: Alpha's must-have 'tariff ≤ 20' and red line on open rice.
    toy = load_scenario(DATA / "toy.yaml")
    prices = redline_prices(toy)
    base = nash(compile(toy))
    for c in prices.prices:
        dropped = nash(compile(toy, drop=[c.key]))
        expected = np.subtract(list(dropped.gains.values()), list(base.gains.values()))
        assert c.delta == pytest.approx(tuple(expected))


def test_frame_and_dict() -> None:
    prices = redline_prices(load_scenario(DATA / "linkage" / "redlines.yaml"))
    frame = prices.to_frame()
    assert list(frame.index) == ["us:no_cuts", "jp:no_plus"]
    assert bool(frame.loc["jp:no_plus", "kills_zopa"])
    assert frame.loc["jp:no_plus", "delta:us"] == pytest.approx(2.0)
    data = json.loads(json.dumps(prices.to_dict()))
    assert data["constraints"][1]["kills_zopa"] is True


def test_no_constraints() -> None:
    data = {
        "name": "plain",
        "parties": [
            {"id": "a", "valuations": {"x": {"value": {"p": 1, "q": 0}}}},
            {"id": "b", "valuations": {"x": {"value": {"p": 0, "q": 1}}}},
        ],
        "domains": [{"id": "d", "issues": [{"id": "x", "options": ["p", "q"], "status_quo": "p"}]}],
    }
    prices = redline_prices(Scenario.model_validate(data))
    assert prices.prices == ()
    assert prices.to_frame().empty


@FAST
@given(scenarios(max_parties=3))
def test_dropping_a_constraint_never_shrinks_the_frontier(scenario: Scenario) -> None:
    old = pareto_frontier(compile(scenario))
    base = nash(old)
    for c in hard_constraints(scenario):
        space = compile(scenario, drop=[c.key])
        new = pareto_frontier(space)
        tol = party_tolerance(space)
        for u in old.utilities:
            assert (new.utilities >= u - tol).all(axis=1).any()
        # The Nash product is a maximum over a larger set.
        wider = nash(new)
        if base.agreement:
            assert wider.agreement
            assert wider.score is not None and base.score is not None
            assert wider.score >= base.score * (1 - 1e-9)


@FAST
@given(scenarios(max_parties=3))
def test_flags_are_consistent(scenario: Scenario) -> None:
    prices = redline_prices(scenario)
    for c in prices.prices:
        if c.kills_zopa:
            assert not prices.base.zopa and c.zopa_without and not c.free
        if c.free:
            assert np.allclose(c.delta, 0.0, atol=prices.tol)
            assert c.zopa_without == prices.base.zopa
        if prices.base.zopa:
            assert c.zopa_without  # a wider set keeps the ZOPA
