"""Bargaining solutions: brute-force optima, feasibility, invariance, dispatch."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealspace.analysis.bargaining import (
    SOLUTIONS,
    Solution,
    egalitarian,
    is_solution,
    kalai_smorodinsky,
    nash,
    solve,
    utilitarian,
)
from dealspace.analysis.pareto import pareto_frontier
from dealspace.errors import DealspaceError
from dealspace.scenario.model import Scenario
from dealspace.space import DealSpace, acceptable, compile
from strategies import brute_force, scenarios

TOY = Path(__file__).parent / "data" / "toy.yaml"
FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def split_the_pie(batna_a: float = 0.0, batna_b: float = 0.0, weight_b: float = 1.0) -> Scenario:
    """Divide 10 units: a wants more, b wants less; a textbook bargaining set."""
    return Scenario.model_validate(
        {
            "name": "pie",
            "parties": [
                {
                    "id": "a",
                    "batna": batna_a,
                    "valuations": {"share": {"weight": 10, "value": "increasing"}},
                },
                {
                    "id": "b",
                    "batna": batna_b,
                    "valuations": {"share": {"weight": weight_b * 10, "value": "decreasing"}},
                },
            ],
            "domains": [
                {
                    "id": "d",
                    "issues": [
                        {"id": "share", "range": {"min": 0, "max": 10, "step": 1}, "status_quo": 0}
                    ],
                }
            ],
        }
    )


# ------------------------------------------------------------------ textbook


def test_split_the_pie_equal_batnas() -> None:
    for name in SOLUTIONS:
        s = solve(split_the_pie(), name)
        if name == "utilitarian":  # every split has the same sum: all tie
            assert s.n_ties == 8 and s.score == pytest.approx(10.0)
        else:
            assert s.package == {"share": 5.0}, name


def test_split_the_pie_outside_option_moves_nash() -> None:
    # a can get 4 on its own: Nash splits the surplus (6) evenly -> 7.
    s = nash(split_the_pie(batna_a=4.0))
    assert s.package == {"share": 7.0}
    assert s.gains == pytest.approx({"a": 3.0, "b": 3.0})
    assert s.score == pytest.approx(9.0)


def test_ks_differs_from_egalitarian_with_unequal_scales() -> None:
    # b's points are worth twice as much: egalitarian equalises raw gains, KS shares of the ideal.
    pie = split_the_pie(weight_b=2.0)
    # shares 6 (gains 6, 8) and 7 (gains 7, 6) both give min 6; leximin prefers 6
    e = egalitarian(pie)
    assert (
        e.package == {"share": 6.0} and e.ties == [{"share": 7.0}] and e.score == pytest.approx(6.0)
    )
    assert kalai_smorodinsky(pie).package == {"share": 5.0}
    assert nash(pie).package == {"share": 5.0}


def test_toy(toy: Scenario) -> None:
    s = nash(toy)
    assert s.agreement
    assert s.package == {"tariff": 0.0, "rice": "quota", "defence": "more"}
    assert s.utilities == pytest.approx({"a": 4.9, "b": 5.6})
    assert s.gains == pytest.approx({"a": 2.9, "b": 3.6})
    assert s.to_dict()["solution"] == "nash"


def test_no_agreement() -> None:
    s = nash(split_the_pie(batna_a=6.0, batna_b=5.0))
    assert not s.agreement and s.package is None and s.score is None
    assert s.utilities == {"a": 6.0, "b": 5.0} and s.gains == {"a": 0.0, "b": 0.0}
    # zero gain is not enough: agreement needs every gain strictly positive
    assert not utilitarian(split_the_pie(batna_a=5.0, batna_b=5.0)).agreement


def test_solve_dispatch_and_errors(toy: Scenario) -> None:
    assert solve(toy, "ks") == kalai_smorodinsky(toy)
    assert solve(toy, "Kalai-Smorodinsky").name == "kalai_smorodinsky"
    with pytest.raises(DealspaceError, match="(?i)did you mean 'nash'"):
        solve(toy, "nsh")
    with pytest.raises(DealspaceError, match="expected a Scenario"):
        nash(42)  # type: ignore[arg-type]


def test_frontier_reused(toy: Scenario) -> None:
    f = pareto_frontier(toy)
    assert nash(f) == nash(toy)
    assert isinstance(nash(f), Solution)


def test_is_solution(toy: Scenario) -> None:
    s = nash(toy)
    assert s.package is not None
    assert is_solution(toy, s.package, "nash")
    assert not is_solution(toy, {"tariff": 20.0, "rice": "quota", "defence": "more"}, "nash")


# ------------------------------------------------------------------ properties


def _brute_scores(name: str, gains: np.ndarray) -> np.ndarray:
    ir = (gains > 1e-9).all(axis=1)
    g = gains[ir]
    ideal = g.max(axis=0)
    if name == "nash":
        return np.prod(g, axis=1)
    if name == "kalai_smorodinsky":
        return (g / ideal).min(axis=1)
    if name == "egalitarian":
        return g.min(axis=1)
    return g.sum(axis=1)


@FAST
@given(scenarios())
def test_solutions_equal_brute_force(scenario: Scenario) -> None:
    space = compile(scenario)
    packages, utils = brute_force(scenario)
    gains = utils - space.batna if packages else np.zeros((0, space.n_parties))
    ir = (gains > 1e-9).all(axis=1)
    frontier = pareto_frontier(space)
    for name in SOLUTIONS:
        s = solve(frontier, name)
        assert s.agreement == bool(ir.any()), name
        if not s.agreement:
            assert s.package is None
            continue
        assert s.package is not None
        # feasible: no red line crossed, every must-have met
        assert acceptable(scenario, s.package)
        scores = _brute_scores(name, gains)
        best = scores.max()
        assert s.score == pytest.approx(best, rel=1e-7, abs=1e-9), name
        u = space.utility(s.package)
        assert np.allclose(u, list(s.utilities.values()), atol=1e-9)
        for tie in s.ties:
            assert acceptable(scenario, tie)


def _transform(space: DealSpace, party: int, alpha: float, beta: float) -> DealSpace:
    """The space with ``u_party -> alpha * u_party + beta`` (BATNA and status quo too)."""
    blocks = []
    for b, block in enumerate(space.blocks):
        u = block.utility.copy()
        u[:, party] *= alpha
        if b == 0:
            u[:, party] += beta
        blocks.append(dataclasses.replace(block, utility=u))
    batna, sq = space.batna.copy(), space.status_quo_utility.copy()
    batna[party] = alpha * batna[party] + beta
    sq[party] = alpha * sq[party] + beta
    return dataclasses.replace(space, blocks=tuple(blocks), batna=batna, status_quo_utility=sq)


def _same_choice(a: Solution, b: Solution) -> bool:
    if a.agreement != b.agreement:
        return False
    return a.package is None or a.package == b.package or a.package in b.ties


@FAST
@given(
    scenarios(),
    st.data(),
    st.floats(0.05, 20.0),
    st.floats(-10.0, 10.0),
)
def test_nash_and_ks_are_affine_invariant(
    scenario: Scenario, data: st.DataObject, alpha: float, beta: float
) -> None:
    space = compile(scenario)
    party = data.draw(st.integers(0, space.n_parties - 1))
    moved = _transform(space, party, alpha, beta)
    for fn in (nash, kalai_smorodinsky):
        assert _same_choice(fn(moved), fn(space)), fn.__name__


@FAST
@given(scenarios(), st.data(), st.floats(0.05, 20.0), st.floats(-10.0, 10.0))
def test_egalitarian_and_utilitarian_shift_and_common_scale(
    scenario: Scenario, data: st.DataObject, alpha: float, beta: float
) -> None:
    space = compile(scenario)
    party = data.draw(st.integers(0, space.n_parties - 1))
    shifted = _transform(space, party, 1.0, beta)
    scaled = space
    for p in range(space.n_parties):
        scaled = _transform(scaled, p, alpha, 0.0)
    for fn in (egalitarian, utilitarian):
        assert _same_choice(fn(shifted), fn(space)), fn.__name__
        assert _same_choice(fn(scaled), fn(space)), fn.__name__


@settings(max_examples=20, deadline=None)
@given(scenarios(max_parties=2), st.floats(0.1, 10.0))
def test_rescaling_through_the_scenario_weights(scenario: Scenario, alpha: float) -> None:
    data = scenario.model_dump(by_alias=True, exclude_none=True)
    party = data["parties"][0]
    for v in party["valuations"].values():
        v["weight"] = v["weight"] * alpha
    for kind in ("interactions", "nice_to_haves"):
        for b in party.get(kind, []):
            b["bonus"] = b["bonus"] * alpha
    if party.get("batna", "status_quo") != "status_quo":
        party["batna"] = party["batna"] * alpha
    rescaled = Scenario.model_validate(data)
    assert _same_choice(nash(rescaled), nash(scenario))
    assert _same_choice(kalai_smorodinsky(rescaled), kalai_smorodinsky(scenario))
