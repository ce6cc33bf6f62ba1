"""ZOPA: existence, reach, shortfalls and the constraints that kill it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from dealspace.analysis.zopa import ZopaResult, zopa
from dealspace.scenario.model import Scenario
from dealspace.space import compile
from strategies import brute_force, scenarios

TOY = Path(__file__).parent / "data" / "toy.yaml"


def toy(change: Any = None) -> Scenario:
    data = yaml.safe_load(TOY.read_text())
    if change is not None:
        change(data)
    return Scenario.model_validate(data)


def test_toy_has_a_zopa() -> None:
    z = zopa(toy())
    assert isinstance(z, ZopaResult)
    assert z.exists and not z.empty and z.conflict == []
    assert z.best_for == pytest.approx({"a": 5.6, "b": 6.8})
    assert z.shortfall == {"a": 0.0, "b": 0.0}
    assert z.n_packages == 6
    assert "A ZOPA exists" in z.explanation and "Alpha can get up to 5.6" in z.explanation
    assert z.to_dict()["exists"] is True


def test_a_red_line_kills_the_zopa() -> None:
    # Beta walks away unless it gets more than 7.3. Open rice with a 20 % tariff
    # would do (Alpha 1.1, Beta 7.6) but crosses Alpha's red line; a 25 % tariff
    # (beyond Alpha's must-have) would please Beta but leaves Alpha 0.9 < 1.
    def change(d: dict) -> None:
        d["parties"][1]["batna"] = 7.3
        d["parties"][0]["batna"] = 1.0

    z = zopa(toy(change))
    assert not z.exists and not z.empty
    assert z.conflict == ["a:no_open_rice"]
    assert z.best_for["b"] == pytest.approx(7.2)
    assert z.shortfall["b"] == pytest.approx(0.1)
    assert "Alpha's red line 'no_open_rice' kills the ZOPA" in z.explanation
    assert "0.1 short of its BATNA 7.3" in z.explanation


def test_two_constraints_together_kill_the_zopa() -> None:
    # As above but Alpha's BATNA is 0.5: now the 25 % tariff route works for both,
    # so only Alpha's red line and its must-have together close the ZOPA.
    def change(d: dict) -> None:
        d["parties"][1]["batna"] = 7.3
        d["parties"][0]["batna"] = 0.5

    scenario = toy(change)
    z = zopa(scenario)
    assert not z.exists
    assert z.conflict == ["a:tariff_cut", "a:no_open_rice"]
    assert "together kill the ZOPA" in z.explanation
    for key in z.conflict:
        assert zopa(compile(scenario, drop=[key])).exists


def test_conflicting_must_haves_empty_space() -> None:
    def change(d: dict) -> None:
        d["parties"][1]["must_haves"] = [
            {
                "id": "open_rice",
                "label": "full access for rice",
                "condition": {"issue": "rice", "in": ["open"]},
            }
        ]

    z = zopa(toy(change))
    assert z.empty and not z.exists
    assert z.conflict == ["a:no_open_rice", "b:open_rice"]
    assert "No package meets every party's must-haves and red lines" in z.explanation
    assert "Beta's must-have 'open_rice' (full access for rice)" in z.explanation
    assert z.best_for == {"a": None, "b": None}


def test_batnas_alone_conflict() -> None:
    def change(d: dict) -> None:
        d["parties"][0]["batna"] = 6.5  # above anything Alpha can get

    z = zopa(toy(change))
    assert not z.exists and z.conflict == []
    assert "the BATNAs themselves leave no room" in z.explanation
    assert z.best_for["b"] is None


def test_a_space_keeps_its_compile_settings() -> None:
    def change(d: dict) -> None:
        d["parties"][0]["batna"] = 6.5

    scenario = toy(change)
    space = compile(scenario, fixed={"defence": "some"})
    assert not zopa(space).exists
    again = space.recompile(())
    assert again.fixed == {"defence": "some"}
    assert [b.size for b in again.blocks] == [b.size for b in space.blocks]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_issues=3, max_outcomes=64))
def test_zopa_matches_brute_force(scenario: Scenario) -> None:
    space = compile(scenario)
    packages, utils = brute_force(scenario)
    z = zopa(space)
    gains = utils - space.batna if packages else np.zeros((0, space.n_parties))
    ok = gains > 1e-9
    assert z.exists == bool(ok.all(axis=1).any())
    assert z.empty == (not packages)
    for k, party in enumerate(space.parties):
        others = np.delete(ok, k, axis=1).all(axis=1)
        if others.any():
            assert z.best_for[party] == pytest.approx(utils[others, k].max(), abs=1e-9)
        else:
            assert z.best_for[party] is None
    if not z.exists:
        # Minimal: with only the conflict active the ZOPA is closed (the space empty,
        # when it is); dropping any member opens it (makes the space non-empty).
        def closed(drop: set[str]) -> bool:
            s = compile(scenario, drop=sorted(drop))
            return s.empty if z.empty else not zopa(s).exists

        everything = {c.key for c in space.constraints}
        assert closed(everything - set(z.conflict))
        for key in z.conflict:
            assert not closed(everything - set(z.conflict) | {key})
