"""Value of linkage: silos versus the portfolio, on hand-worked cases and invariants."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from dealspace import load_scenario
from dealspace.analysis.bargaining import nash
from dealspace.analysis.silos import (
    Negotiator,
    domain_issues,
    linkage,
    nash_product,
)
from dealspace.analysis.threats import decompose_linkage
from dealspace.errors import DealspaceError
from dealspace.scenario.model import Scenario
from dealspace.space import compile, utilities
from strategies import scenarios

DATA = Path(__file__).parent / "data"
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def linked() -> Scenario:
    return load_scenario(DATA / "linkage" / "linkage.yaml")


def test_trade_alone_has_no_zopa_but_the_portfolio_does(linked: Scenario) -> None:
    # Numbers worked out by hand in tests/data/linkage/linkage.yaml.
    r = linkage(linked)
    assert r.domains == ("trade", "security", "investment")
    assert [s.zopa for s in r.silos] == [False, False, True]
    trade, security, investment = r.silos
    assert trade.deal is None and trade.gains == (0.0, 0.0)
    assert "No ZOPA" in trade.explanation
    assert investment.deal == {"invest": "some"}
    assert investment.gains == pytest.approx((2.0, 1.0))
    assert investment.nash_product == pytest.approx(2.0)
    assert r.silo_package == {"auto_tariff": "high", "defense": "base", "invest": "some"}
    assert r.silo_sum == pytest.approx((2.0, 1.0))
    assert r.silo_gains == pytest.approx((2.0, 1.0))
    assert r.additive
    assert r.portfolio.package == {"auto_tariff": "low", "defense": "plus", "invest": "some"}
    assert r.portfolio.gains == pytest.approx((4.0, 3.0))
    assert r.linkage_value == pytest.approx((2.0, 2.0))
    assert r.joint_linkage_value == pytest.approx(4.0)
    assert r.silo_nash_product == pytest.approx(2.0)
    assert r.portfolio.nash_product == pytest.approx(12.0)
    assert r.nash_product_difference == pytest.approx(10.0)
    assert r.unlocked == ("trade", "security")
    assert [s.moves_in_portfolio for s in r.silos] == [True, True, True]


def test_a_chosen_set_of_domains_is_the_portfolio(linked: Scenario) -> None:
    r = linkage(linked, ["investment", "trade"])  # kept in scenario order
    assert r.domains == ("trade", "investment")
    # v(T, I) = 3: only (high, some) gives both a positive gain; defence stays at base.
    assert r.portfolio.package == {"auto_tariff": "high", "defense": "base", "invest": "some"}
    assert r.portfolio.gains == pytest.approx((2.0, 1.0))
    assert r.linkage_value == pytest.approx((0.0, 0.0))
    assert r.unlocked == ()


def test_unknown_domain_names_the_closest(linked: Scenario) -> None:
    with pytest.raises(DealspaceError, match="(?i)did you mean 'trade'"):
        linkage(linked, ["trad"])
    with pytest.raises(DealspaceError, match="no domain chosen"):
        linkage(linked, [])


def test_cross_domain_bonus_breaks_additivity(toy: Scenario) -> None:
    # Beta's interaction reads rice (trade) and defence (security): it sits in
    # no silo, so the sum of silo gains misses it whenever both silo deals hit it.
    r = linkage(toy)
    direct = utilities(toy, r.silo_package) - np.asarray(r.batna)
    assert r.silo_gains == pytest.approx(tuple(direct))
    pk = r.silo_package
    bonus = 0.5 if (pk["rice"], pk["defence"]) == ("quota", "more") else 0.0
    assert np.subtract(r.silo_gains, r.silo_sum) == pytest.approx((0.0, bonus))


def test_off_table_constraints_block_silos_unless_ignored(toy: Scenario) -> None:
    # Alpha's must-have 'tariff ≤ 20' blocks the security silo (tariff held at 25).
    strict = linkage(toy, off_table="apply")
    security = strict.silos[1]
    assert not security.zopa
    assert "tariff_cut" in security.explanation
    loose = linkage(toy, off_table="ignore")
    assert loose.off_table == "ignore"
    assert not loose.silos[1].zopa  # defence alone still has no room: Alpha loses
    assert "tariff_cut" not in loose.silos[1].explanation
    assert loose.silos[0].gains == strict.silos[0].gains  # trade holds the constraint itself
    with pytest.raises(DealspaceError, match="off_table"):
        linkage(toy, off_table="sometimes")  # type: ignore[arg-type]


def test_ignoring_off_table_constraints_can_open_a_silo() -> None:
    # a insists on x = q (domain A, status quo p); y (domain B) is a joint gain.
    data = {
        "name": "demand",
        "parties": [
            {
                "id": "a",
                "valuations": {"x": {"value": {"p": 1, "q": 0}}, "y": {"value": {"p": 0, "q": 1}}},
                "must_haves": [{"id": "x_moves", "condition": {"issue": "x", "in": ["q"]}}],
            },
            {
                "id": "b",
                "valuations": {"x": {"value": {"p": 0, "q": 1}}, "y": {"value": {"p": 0, "q": 1}}},
            },
        ],
        "domains": [
            {"id": "A", "issues": [{"id": "x", "options": ["p", "q"], "status_quo": "p"}]},
            {"id": "B", "issues": [{"id": "y", "options": ["p", "q"], "status_quo": "p"}]},
        ],
    }
    s = Scenario.model_validate(data)
    strict, loose = linkage(s, off_table="apply"), linkage(s, off_table="ignore")
    assert [silo.zopa for silo in strict.silos] == [False, False]
    assert [silo.zopa for silo in loose.silos] == [False, True]
    assert loose.silos[1].gains == pytest.approx((1.0, 1.0))
    assert not loose.silo_package_acceptable  # x stays at p: a's must-have fails
    # The portfolio (x = q, y = q): a 0 + 1 = 1 over its BATNA 1? No: a's gain is
    # (0 + 1) − (1 + 0) = 0, so there is no deal at all in either setting.
    assert not strict.portfolio.zopa and not loose.portfolio.zopa


def test_frame_and_dict(linked: Scenario) -> None:
    r = linkage(linked)
    frame = r.to_frame()
    assert list(frame.index) == [
        "trade",
        "security",
        "investment",
        "silos (sum)",
        "silos (combined)",
        "portfolio",
        "linkage value",
    ]
    assert frame.loc["portfolio", "joint"] == pytest.approx(7.0)
    assert frame.loc["linkage value", "nash_product"] == pytest.approx(10.0)
    data = json.loads(json.dumps(r.to_dict()))
    assert data["unlocked"] == ["trade", "security"]
    assert data["portfolio"]["gains"] == {"us": 4.0, "jp": 3.0}
    assert data["silos"][2]["deal"] == {"invest": "some"}


def test_negotiator_matches_the_engine(linked: Scenario) -> None:
    neg = Negotiator(linked)
    issues = domain_issues(linked, ["trade", "security"])
    out = neg.negotiate(issues)
    direct = nash(compile(linked, issues=issues))
    assert out.agreement == direct.agreement
    assert out.package == direct.package
    assert out.gains == pytest.approx(tuple(direct.gains.values()))
    assert neg.negotiate(issues) is out  # cached


def test_nash_product_of_gains() -> None:
    assert nash_product([2.0, 3.0]) == 6.0
    assert nash_product([2.0, -1.0]) == 0.0


@FAST
@given(scenarios(max_parties=3))
def test_portfolio_nash_product_is_at_least_every_silos(scenario: Scenario) -> None:
    # Every silo's feasible set is a face of the portfolio's (off-table issues at
    # the status quo), so the portfolio maximises the product over a larger set.
    r = linkage(scenario, off_table="apply")
    for silo in r.silos:
        assert r.portfolio.nash_product >= silo.nash_product * (1 - 1e-9) - 1e-9
        if silo.zopa:
            assert r.portfolio.zopa
    assert r.silo_gains == pytest.approx(
        tuple(utilities(scenario, r.silo_package) - np.asarray(r.batna))
    )
    assert r.linkage_value == pytest.approx(
        tuple(np.subtract(r.portfolio.gains, r.silo_gains)), abs=1e-9
    )


# ---------------------------------------------------------------- integrative vs threat-based


def test_own_merits_silos_and_the_threat_that_closes_one() -> None:
    # Numbers worked out by hand in tests/data/linkage/threat.yaml.
    s = load_scenario(DATA / "linkage" / "threat.yaml")
    parts = decompose_linkage(s)
    own, imposed = parts.integrative, parts.imposed
    assert own.off_table == "own" and imposed.off_table == "apply"
    assert [si.zopa for si in own.silos] == [False, True]
    assert own.silos[1].gains == pytest.approx((1.0, 2.0))
    assert not own.silo_package_acceptable  # rice stays 'none': the must-have fails
    assert own.portfolio.package == {"rice": "some", "lng": "buy"}
    assert own.linkage_value == pytest.approx((3.0, -1.0))
    assert [si.zopa for si in imposed.silos] == [False, False]
    assert imposed.linkage_value == pytest.approx((4.0, 1.0))
    assert parts.threat == pytest.approx((1.0, 2.0))
    energy = parts.closures[1]
    assert energy.open_alone and not energy.open_with_all and energy.closed_by_threat
    assert energy.closed_by == ("us:rice_access",) and not energy.jointly
    assert parts.closures[0].closed_by == ()  # trade has no ZOPA even on its own merits
    assert parts.binds_portfolio == {"us:rice_access": False}
    assert parts.leverage_only == ("us:rice_access",)
    assert parts.closed_by_threat == ("energy",)
    assert "closes the silo energy" in parts.sentences()[0]
    head = parts.headline()
    assert head.threats is parts and head.linkage_value == own.linkage_value
    data = json.loads(json.dumps(head.to_dict()))
    assert data["threats"]["closures"][1]["closed_by"] == ["us:rice_access"]
    assert list(parts.to_frame().index) == ["trade", "energy"]


def test_a_constraint_that_binds_the_portfolio_is_not_leverage() -> None:
    # As threat.yaml, but jp values rice more: without the must-have the
    # portfolio's Nash package keeps rice at 'none', so rice access binds it.
    data = {
        "name": "binding",
        "parties": [
            {
                "id": "us",
                "valuations": {
                    "rice": {"weight": 3, "value": {"none": 0, "some": 1}},
                    "lng": {"weight": 1, "value": {"none": 0, "buy": 1}},
                },
                "must_haves": [
                    {"id": "rice_access", "condition": {"issue": "rice", "in": ["some"]}}
                ],
            },
            {
                "id": "jp",
                "valuations": {
                    "rice": {"weight": 1.5, "value": {"none": 1, "some": 0}},
                    "lng": {"weight": 2, "value": {"none": 0, "buy": 1}},
                },
            },
        ],
        "domains": [
            {
                "id": "trade",
                "issues": [{"id": "rice", "options": ["none", "some"], "status_quo": "none"}],
            },
            {
                "id": "energy",
                "issues": [{"id": "lng", "options": ["none", "buy"], "status_quo": "none"}],
            },
        ],
    }
    # Free of the must-have: (none, buy) -> (1, 2) product 2; (some, buy) -> (4, 0.5) product 2 — a tie
    # broken by the engine; with jp's rice weight 1.5 the must-have forces (some, buy) -> (4, 0.5).
    s = Scenario.model_validate(data)
    parts = decompose_linkage(s)
    assert parts.closures[1].closed_by == ("us:rice_access",)
    assert parts.integrative.portfolio.gains == pytest.approx((4.0, 0.5))
    assert parts.threat == pytest.approx((1.0, 2.0))


@FAST
@given(scenarios(max_parties=3))
def test_decomposition_adds_up(scenario: Scenario) -> None:
    # integrative + threat-based = total (every constraint binds every silo),
    # and a constraint closes a silo only if that silo is open on its own merits.
    parts = decompose_linkage(scenario)
    total = np.add(parts.integrative.linkage_value, parts.threat)
    assert total == pytest.approx(np.asarray(parts.imposed.linkage_value), abs=1e-9)
    assert parts.integrative.portfolio.package == parts.imposed.portfolio.package
    for c in parts.closures:
        if c.closed_by:
            assert c.open_alone and not c.open_with_all
        if c.open_alone is False:
            assert c.closed_by == () and c.changed_by == ()
        if c.open_with_all:
            assert c.closed_by == ()
