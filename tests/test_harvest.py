"""Early harvest: hand-worked validity, the BATNA variant, invariants."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from dealspace import load_scenario
from dealspace.analysis.bargaining import nash
from dealspace.analysis.harvest import early_harvest
from dealspace.errors import DealspaceError
from dealspace.scenario.model import Scenario
from dealspace.space import acceptable, compile, utilities
from strategies import scenarios

DATA = Path(__file__).parent / "data"
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def linked() -> Scenario:
    return load_scenario(DATA / "linkage" / "linkage.yaml")


def test_hand_worked_harvests(linked: Scenario) -> None:
    # Worked out in tests/data/linkage/linkage.yaml.
    result = early_harvest(linked)
    assert result.full.gains == pytest.approx((4.0, 3.0))
    by_name = {c.name: c for c in result.candidates}
    assert [c.name for c in result.candidates] == ["investment", "security", "trade"]
    inv, sec, trade = by_name["investment"], by_name["security"], by_name["trade"]
    assert inv.valid and inv.value == pytest.approx(3.0)
    assert inv.early == pytest.approx((2.0, 1.0))
    assert inv.remainder.package == {"auto_tariff": "low", "defense": "plus", "invest": "some"}
    assert inv.individually_rational and inv.standalone_acceptable
    assert not trade.valid
    assert trade.standalone == pytest.approx((-4.0, 5.0))
    assert trade.remainder.gains == pytest.approx((-2.0, 6.0))
    assert trade.shortfall == pytest.approx((-6.0, 3.0))
    assert not trade.individually_rational
    assert not sec.valid and sec.remainder.gains == pytest.approx((8.0, -2.0))
    assert result.valid == (inv,)


def test_pairs_of_domains(linked: Scenario) -> None:
    result = early_harvest(linked, pairs=True)
    by_name = {c.name: c for c in result.candidates}
    assert by_name["trade+security"].valid  # the logroll itself, bound together
    assert by_name["trade+security"].value == pytest.approx(4.0)
    assert not by_name["trade+investment"].valid
    assert not by_name["security+investment"].valid
    assert result.candidates[0].name == "trade+security"  # most value realised early


def test_from_the_batna_every_set_is_valid(linked: Scenario) -> None:
    result = early_harvest(linked, disagreement="batna")
    assert result.disagreement == "batna"
    assert all(c.valid for c in result.candidates)
    with pytest.raises(DealspaceError, match="disagreement"):
        early_harvest(linked, disagreement="hope")  # type: ignore[arg-type]


def test_single_issues_of_larger_domains() -> None:
    toy = load_scenario(DATA / "toy.yaml")
    names = [(c.kind, c.name) for c in early_harvest(toy).candidates]
    assert ("issue", "tariff") in names and ("issue", "rice") in names
    assert ("issue", "defence") not in names  # a whole domain already
    assert all(
        kind != "issue"
        for kind, _ in [(c.kind, c.name) for c in early_harvest(toy, issues=False).candidates]
    )


def test_no_deal_no_harvest() -> None:
    with pytest.raises(DealspaceError, match="nothing to harvest"):
        early_harvest(load_scenario(DATA / "linkage" / "redlines.yaml"))


def test_frame_and_dict(linked: Scenario) -> None:
    result = early_harvest(linked)
    frame = result.to_frame()
    assert list(frame["harvest"]) == ["investment", "security", "trade"]
    assert list(frame["valid"]) == [True, False, False]
    data = json.loads(json.dumps(result.to_dict()))
    assert data["candidates"][0]["fixed"] == {"invest": "some"}


@FAST
@given(scenarios(max_parties=3))
def test_harvests_never_lower_a_partys_resolved_gain(scenario: Scenario) -> None:
    full = nash(scenario)
    if not full.agreement:
        return
    result = early_harvest(scenario, pairs=True)
    batna = compile(scenario).batna
    for c in result.candidates:
        rest = c.remainder
        assert all(rest.package[i] == v for i, v in c.fixed.items())
        if c.valid:
            assert np.all(np.subtract(rest.gains, result.full.gains) >= -result.tol)
        # Independent check of the remainder: Nash from the harvest-alone point.
        space = compile(scenario, fixed=c.fixed)
        d_h = np.add(c.standalone, batna)
        again = nash(dataclasses.replace(space, batna=d_h))
        assert again.agreement == rest.agreement
        if rest.agreement:
            assert acceptable(scenario, rest.package)
            u = utilities(scenario, rest.package)
            assert np.prod(u - d_h) == pytest.approx(again.score, rel=1e-9, abs=1e-12)
