"""The built-in scenarios: they load, every element is sourced, the trade-only
variant is the full portfolio's trade domain, and widening the table helps.

The last group pins the headline results documented in
docs/scenarios/us-japan-2025.md ("What widening the table adds"); if you change
a valuation on purpose, update the numbers there too.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dealspace
from dealspace.scenario.model import Option, Scenario, condition_issues
from dealspace.space import DealSpace, compile

FULL = "us-japan-2025"
TRADE = "us-japan-2025-trade-only"


@pytest.fixture(scope="module")
def full() -> Scenario:
    return dealspace.load_scenario(FULL)


@pytest.fixture(scope="module")
def trade() -> Scenario:
    return dealspace.load_scenario(TRADE)


def trade_ids(full: Scenario) -> list[str]:
    return [i.id for i in next(d for d in full.domains if d.id == "trade").issues]


# ------------------------------------------------------------------ loading


def test_both_builtins_are_listed_and_load() -> None:
    names = dealspace.list_scenarios()
    assert FULL in names and TRADE in names
    for name in (FULL, TRADE):
        s = dealspace.load_scenario(name)
        assert s.name == name
        assert s.party_ids == ("us", "japan")
        assert [p.country for p in s.parties] == ["USA", "JPN"]


def test_full_portfolio_shape(full: Scenario) -> None:
    domains = {d.id for d in full.domains}
    assert {"trade", "investment", "energy", "security", "economic_security", "currency"} <= domains
    assert len(full.issues) <= 25
    assert all(len(i.option_ids) <= 12 for i in full.issues)
    for party in full.parties:
        assert sum(v.weight for v in party.valuations.values()) == pytest.approx(100)
        assert set(party.valuations) == set(full.issue_ids), f"{party.id} leaves an issue unvalued"


def test_tariff_issues_have_tariff_blocks(full: Scenario) -> None:
    for issue_id in ("reciprocal_tariff", "auto_tariff"):
        issue = full.issue(issue_id)
        assert issue.numeric and issue.unit == "%"
        assert issue.tariff is not None
        assert (issue.tariff.levied_by, issue.tariff.on) == ("USA", "JPN")


# ------------------------------------------------------------------ sources


@pytest.mark.parametrize("name", [FULL, TRADE])
def test_every_issue_and_option_has_a_source_or_notes(name: str) -> None:
    s = dealspace.load_scenario(name)
    for issue in s.issues:
        assert issue.source or issue.notes, f"issue {issue.id} has neither source nor notes"
        for option in issue.options or []:
            assert isinstance(option, Option), f"{issue.id}: option {option!r} is a bare id"
            assert option.source or option.notes, f"{issue.id}.{option.id}: no source or notes"


@pytest.mark.parametrize("name", [FULL, TRADE])
def test_every_valuation_and_rule_is_argued(name: str) -> None:
    s = dealspace.load_scenario(name)
    for party in s.parties:
        for issue_id, v in party.valuations.items():
            assert v.source or v.notes, f"{party.id}.valuations.{issue_id}: no source or notes"
        rules = [*party.must_haves, *party.red_lines, *party.nice_to_haves, *party.interactions]
        for rule in rules:
            assert rule.id and rule.label, f"{party.id}: a rule without id or label"
            assert rule.source or rule.notes, f"{party.id}.{rule.id}: no source or notes"


@pytest.mark.parametrize("name", [FULL, TRADE])
def test_numbers_in_option_labels_are_sourced_or_marked_stylised(name: str) -> None:
    s = dealspace.load_scenario(name)
    for issue in s.issues:
        for option in issue.options or []:
            assert isinstance(option, Option)
            if option.label and re.search(r"\d", option.label):
                assert option.source or "stylised" in (option.notes or "").lower(), (
                    f"{issue.id}.{option.id}: a number without a source and not marked stylised"
                )


@pytest.mark.parametrize("name", [FULL, TRADE])
def test_status_quos_are_options(name: str) -> None:
    s = dealspace.load_scenario(name)
    for issue in s.issues:
        assert issue.option_index(issue.status_quo) is not None, issue.id


def test_status_quo_is_the_no_deal_world_of_july_2025(full: Scenario) -> None:
    sq = full.status_quo()
    assert sq["reciprocal_tariff"] == 25.0  # letter of 7 Jul 2025, due 1 Aug
    assert sq["auto_tariff"] == 27.5  # 25% s.232 + 2.5% MFN
    assert sq["steel_aluminium"] == "s50"
    assert sq["investment_size"] == "none"
    assert sq["defence"] == "bn14"


# ------------------------------------------------------------------ trade-only = trade domain


def test_trade_only_has_exactly_the_trade_domain(full: Scenario, trade: Scenario) -> None:
    assert trade.issue_ids == tuple(trade_ids(full))
    assert [d.id for d in trade.domains] == ["trade"]
    for issue in trade.issues:
        assert issue.model_dump() == full.issue(issue.id).model_dump(), issue.id


def test_trade_only_has_identical_valuations(full: Scenario, trade: Scenario) -> None:
    ids = set(trade_ids(full))
    for tp in trade.parties:
        fp = full.party(tp.id)
        assert (tp.country, tp.batna) == (fp.country, fp.batna)
        expected = {k: v.model_dump() for k, v in fp.valuations.items() if k in ids}
        assert {k: v.model_dump() for k, v in tp.valuations.items()} == expected


def test_trade_only_keeps_exactly_the_rules_on_trade_issues(
    full: Scenario, trade: Scenario
) -> None:
    ids = set(trade_ids(full))
    for tp in trade.parties:
        fp = full.party(tp.id)
        for kind in ("must_haves", "red_lines", "nice_to_haves", "interactions"):
            expected = [
                c.model_dump()
                for c in getattr(fp, kind)
                if set(condition_issues(c.condition)) <= ids
            ]
            assert [c.model_dump() for c in getattr(tp, kind)] == expected, f"{tp.id}.{kind}"


# ------------------------------------------------------------------ brute force (checker)


def brute_force_gains(space: DealSpace) -> np.ndarray:
    """Gains over BATNA of every feasible package, by enumerating block rows."""
    sizes = [b.size for b in space.blocks]
    assert np.prod(sizes, dtype=float) <= 2e6, "too large to enumerate"
    grid = np.indices(sizes).reshape(len(sizes), -1)
    u = sum(b.utility[grid[k]] for k, b in enumerate(space.blocks))
    return np.asarray(u) - space.batna


def test_trade_only_zopa_by_brute_force(trade: Scenario) -> None:
    gains = brute_force_gains(compile(trade))
    ir = (gains > 1e-9).all(axis=1)
    assert ir.any(), "the trade domain alone keeps a (thin) ZOPA"
    # Japan's three tariff issues on one flow are priced jointly by the GE model, which
    # values the reciprocal cut at 2.5x the auto cut (the scenario's weights say 0.5x):
    # the trade-only ZOPA is thin, two packages.
    assert ir.sum() == 2
    assert gains[ir].min(axis=1).max() == pytest.approx(0.6)
    log_nash = np.log(gains[ir]).sum(axis=1)
    best = gains[ir][log_nash.argmax()]
    assert best.sum() == pytest.approx(1.5862, abs=1e-3)


def test_tariffs_are_priced_in_the_world_after_the_pause(full: Scenario, trade: Scenario) -> None:
    """Dated 22 July 2025, when the pause's 10 % was in force but due to lapse on 1 August, the
    scenarios name their base world: every other partner at its 2 April rate, as Japan's own
    status quo is the 25 % due on 1 August."""
    from dealspace.economy import load_default, preset_tariffs, tariffs_in_force
    from dealspace.economy.scenario import scenario_base, scenario_economy

    for s in (full, trade):
        assert s.date == "2025-07-22" and s.economy is not None
        assert s.economy.base == "liberation-day"
    economy, params = scenario_economy(full)
    np.testing.assert_array_equal(
        scenario_base(full, economy, params), preset_tariffs("liberation-day", economy)
    )
    eco = load_default()
    pause = tariffs_in_force(eco, full.date)
    assert pause[eco.index("DEU"), eco.index("USA")] == pytest.approx(0.10)  # not what is priced


def test_full_trade_silo_is_infeasible(full: Scenario) -> None:
    """Trade negotiated inside the full portfolio, other domains held at the
    status quo: the US gives no tariff relief without an investment vehicle,
    Japan signs nothing without an auto cut."""
    space = compile(full, issues=trade_ids(full))
    assert space.empty


# ------------------------------------------------------------------ analysis


@pytest.fixture(scope="module")
def analysis() -> Any:
    """dealspace.analysis (the tests below skip if it is not there)."""
    return pytest.importorskip("dealspace.analysis")


def test_full_portfolio_has_a_clear_zopa(full: Scenario, trade: Scenario, analysis: Any) -> None:
    wide = analysis.pareto_frontier(full)
    narrow = analysis.pareto_frontier(trade)
    wide_gain = wide.gains()
    narrow_gain = narrow.gains()
    wide_ir = (wide_gain > 1e-9).all(axis=1)
    narrow_ir = (narrow_gain > 1e-9).all(axis=1)
    assert wide_ir.sum() > 10 * narrow_ir.sum()
    # Both parties' points are on the same 100-point scale in both files.
    assert wide_gain.min(axis=1).max() > 10 * narrow_gain.min(axis=1).max()


def test_trade_only_nash_joint_gain_is_smaller(
    full: Scenario, trade: Scenario, analysis: Any
) -> None:
    wide = analysis.nash(full)
    narrow = analysis.nash(trade)
    assert wide.agreement and narrow.agreement
    assert sum(narrow.gains.values()) == pytest.approx(1.5862, abs=1e-3)
    assert sum(wide.gains.values()) == pytest.approx(53.0388, abs=1e-3)
    assert sum(narrow.gains.values()) < sum(wide.gains.values()) / 5


def test_nash_agrees_with_brute_force_on_trade_only(trade: Scenario, analysis: Any) -> None:
    space = compile(trade)
    gains = brute_force_gains(space)
    ir = (gains > 1e-9).all(axis=1)
    expected = np.log(gains[ir]).sum(axis=1).max()
    got = analysis.nash(space)
    assert np.log(list(got.gains.values())).sum() == pytest.approx(expected)


def test_full_nash_package_resembles_the_july_deal(full: Scenario, analysis: Any) -> None:
    package = analysis.nash(full).package
    assert package is not None
    # The GE model makes the reciprocal cut worth more to Japan than the auto cut, so the
    # Nash package cuts the reciprocal tariff below the deal's 15 %.
    assert package["reciprocal_tariff"] <= 15.0
    assert package["auto_tariff"] == 15.0
    assert package["steel_aluminium"] == "s50"
    assert package["investment_size"] == "bn550"
    assert package["investment_profit"] == "recoup_then_9010"
    assert package["investment_governance"] == "us_selects"
    assert package["agri_purchases"] == "bn8"
    assert package["boeing"] == "b100"
    assert package["rice"] in {"plus25", "plus75"}


def test_the_july_deal_lies_in_the_zopa(full: Scenario) -> None:
    deal = dict(full.status_quo())
    deal.update(
        reciprocal_tariff=15,
        auto_tariff=15,
        rice="plus75",
        agri_purchases="bn8",
        boeing="b100",
        sectoral_mfn="mfn",
        investment_size="bn550",
        investment_profit="recoup_then_9010",
        investment_governance="us_selects",
        investment_sectors="strategic",
        energy="alaska_explore",
        defence="bn17",
        econ_security="minerals",
    )
    space = compile(full)
    assert space.is_feasible(deal)
    gains = space.utility(deal) - space.batna
    assert (gains > 0).all()
    assert gains == pytest.approx([20.4, 16.0718], abs=1e-3)


def test_red_lines_are_never_crossed_on_the_frontier(full: Scenario, analysis: Any) -> None:
    frontier = analysis.pareto_frontier(full)
    for package in itertools.islice(frontier.packages, 50):
        assert package["rice"] != "beyond_quota"
        assert package["auto_tariff"] <= 20


def test_trade_only_file_is_derived_from_the_full_scenario() -> None:
    """The committed trade-only file is exactly what scripts/derive_trade_only.py makes."""
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location(
        "derive", root / "scripts" / "derive_trade_only.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    builtin = root / "src" / "dealspace" / "scenario" / "builtin"
    expected = module.render(builtin / "us-japan-2025.yaml")
    assert (builtin / "us-japan-2025-trade-only.yaml").read_text(encoding="utf-8") == expected
