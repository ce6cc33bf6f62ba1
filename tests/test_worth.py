"""Each domain's marginal value and pairwise interactions per party; Shapley diagnosis."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from dealspace import load_scenario
from dealspace.analysis.shapley import diagnose, domain_values
from dealspace.analysis.silos import Negotiator, domain_issues
from dealspace.analysis.worth import domain_worth
from dealspace.scenario.model import Scenario
from strategies import scenarios

DATA = Path(__file__).parent / "data"
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_hand_values() -> None:
    # tests/data/linkage/linkage.yaml: g(T,S,I) = (4, 3); g(S,I) = g(T,I) = (2, 1);
    # g(T,S) = (2, 2); g(I) = (2, 1); g(T) = g(S) = 0.
    w = domain_worth(load_scenario(DATA / "linkage" / "linkage.yaml"))
    assert w.grand == (4.0, 3.0)
    assert w.marginal == ((2.0, 2.0), (2.0, 2.0), (2.0, 1.0))
    assert w.alone == ((0.0, 0.0), (0.0, 0.0), (2.0, 1.0))
    # trade and security: (4,3) - (2,1) - (2,1) + (2,1) = (2, 2): complements for both
    assert w.interactions["trade", "security"] == (2.0, 2.0)
    assert w.kind(("trade", "security"), 0) == "complements"
    assert w.interactions["trade", "investment"] == (0.0, 0.0)
    assert w.kind(("trade", "investment"), 1) == "independent"
    assert w.strongest(3) == [(("trade", "security"), (2.0, 2.0))]
    data = json.loads(json.dumps(w.to_dict()))
    assert data["marginal"]["investment"] == {"us": 2.0, "jp": 1.0}
    assert data["interactions"][0]["kind"] == {"us": "complements", "jp": "complements"}
    assert list(w.to_frame().columns) == ["alone:us", "marginal:us", "alone:jp", "marginal:jp"]


def test_perfect_complements_are_shown_not_split() -> None:
    # x and y are worth something only together (a 2-point bonus for each party
    # when both move; each move alone costs 1). Shapley gives each domain half
    # the joint effect; the marginal values say each is worth the whole of it.
    data = {
        "name": "complements",
        "parties": [
            {
                "id": p,
                "valuations": {"x": {"value": {"a": 1, "b": 0}}, "y": {"value": {"a": 1, "b": 0}}},
                "interactions": [
                    {
                        "id": "both",
                        "condition": {
                            "all": [{"issue": "x", "in": ["b"]}, {"issue": "y", "in": ["b"]}]
                        },
                        "bonus": 3,
                    }
                ],
            }
            for p in ("p", "q")
        ],
        "domains": [
            {"id": "X", "issues": [{"id": "x", "options": ["a", "b"], "status_quo": "a"}]},
            {"id": "Y", "issues": [{"id": "y", "options": ["a", "b"], "status_quo": "a"}]},
        ],
    }
    s = Scenario.model_validate(data)
    w = domain_worth(s)
    assert w.grand == (1.0, 1.0)
    assert w.marginal == ((1.0, 1.0), (1.0, 1.0))  # each is worth all of it, given the other
    assert w.interactions["X", "Y"] == (1.0, 1.0)
    v = domain_values(s)
    assert v.by_party == ((0.5, 0.5), (0.5, 0.5))  # Shapley halves it
    assert all(d.monotone and d.superadditive for d in v.diagnosis)


def test_diagnosis_finds_the_counter_examples() -> None:
    # v({energy}) = 4.5 but v({energy, trade}) = 0: neither monotone nor superadditive.
    table = {0: 0.0, 1: 0.0, 2: 4.5, 3: 0.0}
    d = diagnose("joint", 2, ("trade", "energy"), table.__getitem__)
    assert not d.monotone and not d.superadditive
    assert d.monotone_witness == "v{energy} = 4.5 > v{trade, energy} = 0"
    assert "v{trade, energy} = 0 < v{trade} + v{energy}" in d.superadditive_witness
    ok = diagnose("joint", 2, ("a", "b"), {0: 0.0, 1: 1.0, 2: 1.0, 3: 3.0}.__getitem__)
    assert ok.monotone and ok.superadditive and not ok.monotone_witness


def test_us_japan_shapley_is_diagnosed() -> None:
    v = domain_values(load_scenario("us-japan-2025"))
    joint = v.diagnosis[0]
    assert joint.who == "joint" and not joint.monotone and not joint.superadditive
    grand = domain_worth(load_scenario("us-japan-2025")).grand
    assert np.sum(v.by_party, axis=0) == pytest.approx(np.asarray(grand))  # efficient per party


@FAST
@given(scenarios(max_parties=3))
def test_marginal_values_and_interactions_match_their_definition(scenario: Scenario) -> None:
    w = domain_worth(scenario)
    neg = Negotiator(scenario, "own")
    n = len(scenario.party_ids)

    def g(ds: list[str]) -> np.ndarray:
        if not ds:
            return np.zeros(n)
        out = neg.negotiate(domain_issues(scenario, ds))
        return np.asarray(out.gains) if out.agreement else np.zeros(n)

    ds = list(w.domains)
    for k, d in enumerate(ds):
        assert w.marginal[k] == pytest.approx(tuple(g(ds) - g([x for x in ds if x != d])), abs=1e-9)
    for (k, m), val in w.interactions.items():
        rest = [x for x in ds if x not in (k, m)]
        expect = g(ds) - g([x for x in ds if x != k]) - g([x for x in ds if x != m]) + g(rest)
        assert val == pytest.approx(tuple(expect), abs=1e-9)
    # per-party Shapley values are efficient for each party
    v = domain_values(scenario)
    assert np.sum(v.by_party, axis=0) == pytest.approx(np.asarray(w.grand), abs=1e-9)
