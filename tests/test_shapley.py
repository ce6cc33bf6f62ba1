"""Shapley values of domains: hand values, efficiency, sampling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from dealspace import load_scenario
from dealspace.analysis.shapley import MAX_EXACT, domain_values
from dealspace.analysis.silos import linkage
from dealspace.errors import DealspaceError
from dealspace.scenario.model import Scenario
from strategies import scenarios

DATA = Path(__file__).parent / "data"
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def linked() -> Scenario:
    return load_scenario(DATA / "linkage" / "linkage.yaml")


def test_hand_values(linked: Scenario) -> None:
    # v({}) = v(T) = v(S) = 0, v(I) = 3, v(T,S) = 4, v(T,I) = v(S,I) = 3, v(T,S,I) = 7
    # → φ = (2, 2, 3); worked out in tests/data/linkage/linkage.yaml.
    v = domain_values(linked)
    assert v.domains == ("trade", "security", "investment")
    assert v.values == pytest.approx((2.0, 2.0, 3.0))
    assert v.singles == pytest.approx((0.0, 0.0, 3.0))
    assert v.grand == pytest.approx(7.0)
    assert v.exact and v.samples == 0 and v.std_errors == (0.0, 0.0, 0.0)
    assert v.coalitions == 8
    assert v.value("investment") == pytest.approx(3.0)
    assert v.shares == pytest.approx((2 / 7, 2 / 7, 3 / 7))


def test_grand_coalition_is_the_linkage_portfolio(linked: Scenario) -> None:
    assert domain_values(linked).grand == pytest.approx(linkage(linked).portfolio_joint)


def test_chosen_domains(linked: Scenario) -> None:
    # Trade and investment only: v(T) = 0, v(I) = 3, v(T, I) = 3 → (0, 3).
    v = domain_values(linked, domains=["trade", "investment"])
    assert v.domains == ("trade", "investment")
    assert v.values == pytest.approx((0.0, 3.0))


def test_sampling_is_seeded_efficient_and_close(linked: Scenario) -> None:
    a = domain_values(linked, seed=1, samples=300, exact=False)
    b = domain_values(linked, seed=1, samples=300, exact=False)
    assert a == b
    assert not a.exact and a.samples == 300
    assert sum(a.values) == pytest.approx(7.0)  # each permutation telescopes to v(D)
    assert a.values[2] == pytest.approx(3.0)  # investment adds 3 in every order
    assert a.std_errors[2] == pytest.approx(0.0)
    for est, se, exact in zip(a.values, a.std_errors, (2.0, 2.0, 3.0), strict=True):
        assert abs(est - exact) <= 5 * se + 1e-9
    assert domain_values(linked, seed=2, samples=300, exact=False) != a


def test_bad_arguments(linked: Scenario) -> None:
    with pytest.raises(DealspaceError, match="at least 2"):
        domain_values(linked, samples=1, exact=False)
    with pytest.raises(DealspaceError, match="(?i)did you mean"):
        domain_values(linked, domains=["securty"])


def test_exact_refused_above_the_limit() -> None:
    data = {
        "name": "many",
        "parties": [
            {"id": "a", "valuations": {f"i{k}": {"value": {"x": 1, "y": 0}} for k in range(16)}},
            {"id": "b", "valuations": {f"i{k}": {"value": {"x": 0, "y": 1}} for k in range(16)}},
        ],
        "domains": [
            {"id": f"d{k}", "issues": [{"id": f"i{k}", "options": ["x", "y"], "status_quo": "x"}]}
            for k in range(MAX_EXACT + 1)
        ],
    }
    many = Scenario.model_validate(data)
    with pytest.raises(DealspaceError, match="coalitions"):
        domain_values(many, exact=True)


def test_frame_and_dict(linked: Scenario) -> None:
    v = domain_values(linked)
    frame = v.to_frame()
    assert list(frame.index) == ["trade", "security", "investment"]
    assert frame.loc["investment", "alone"] == pytest.approx(3.0)
    data = json.loads(json.dumps(v.to_dict()))
    assert data["values"] == {"trade": 2.0, "security": 2.0, "investment": 3.0}


@FAST
@given(scenarios(max_parties=3))
def test_values_sum_to_the_grand_coalition(scenario: Scenario) -> None:
    v = domain_values(scenario)
    assert sum(v.values) == pytest.approx(v.grand, abs=1e-9)
    sampled = domain_values(scenario, samples=4, exact=False)
    assert sum(sampled.values) == pytest.approx(v.grand, abs=1e-9)


@FAST
@given(scenarios(max_parties=3))
def test_two_domains_closed_form(scenario: Scenario) -> None:
    # With domains A, B: φ_A = (v(A) + v(AB) − v(B)) / 2.
    v = domain_values(scenario)
    if len(v.domains) == 2:
        a, b = v.singles
        assert v.values[0] == pytest.approx((a + v.grand - b) / 2, abs=1e-9)
