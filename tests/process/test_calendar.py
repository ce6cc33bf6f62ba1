"""Calendar time, per-party delay costs, the verdict and its sensitivity table."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest

from dealspace.errors import DealspaceError
from dealspace.process import simulate
from dealspace.process.calendar import Calendar, DatedEvent
from dealspace.process.compare import ProcessSettings, compare_protocols, time_costs
from dealspace.process.delay import tariff_delay
from dealspace.process.simulate import deal_space
from dealspace.space import DealSpace

TWO = Path(__file__).parent / "data" / "two_issues.yaml"
DETERMINISTIC = ("linear,linear", "boulware,boulware", "conceder,conceder", "nash,nash", "tft,tft")


@pytest.fixture(scope="module")
def two() -> DealSpace:
    return deal_space(TWO)


@pytest.fixture(scope="module")
def usj() -> DealSpace:
    return deal_space("us-japan-2025")


# ------------------------------------------------------------------ the calendar


def test_calendar_rounds_and_dates() -> None:
    cal = Calendar(dt.date(2025, 4, 7), dt.date(2026, 4, 6), every=2, unit="week")
    assert cal.rounds == 26 and cal.weeks_per_round == 2
    assert cal.date_of(1) == dt.date(2025, 4, 21)
    assert (
        cal.round_of(dt.date(2025, 8, 1)) == 9
    )  # round 9 is on 2025-08-11, the first on or after 1 Aug
    days = Calendar(dt.date(2025, 4, 7), dt.date(2026, 4, 6), every=14, unit="day")
    assert days.rounds == cal.rounds and days.round_of(dt.date(2025, 8, 1)) == 9
    assert days.per_round(0.04, "cost") == pytest.approx(cal.per_round(0.28, "cost"))
    h_day = 1 - (1 - 0.01) ** (1 / 7)
    assert days.per_round(h_day, "hazard") == pytest.approx(cal.per_round(0.01, "hazard"))
    with pytest.raises(DealspaceError, match="end"):
        Calendar(dt.date(2025, 4, 7), dt.date(2025, 4, 1))


def test_same_calendar_in_days_and_in_weeks_gives_the_same_result(usj: DealSpace) -> None:
    event = {
        "date": "2025-10-01",
        "label": "election",
        "delay_cost": {"us": 0.7},
        "hazard": {"japan": 0.07},
    }
    week = ProcessSettings(
        protocols=("alternating", "sequential"),
        strategies=("linear,linear", "frequency,linear"),
        runs=40,
        seed=3,
        start="2025-04-07",
        end="2026-04-06",
        every=2,
        unit="week",
        hazard={"us": 0.01, "japan": 0.02},
        delay_cost={"us": 0.14, "japan": 0.28},
        events=(DatedEvent(**event),),
        sensitivity=False,
    )
    h_day = {p: 1 - (1 - h) ** (1 / 7) for p, h in (("us", 0.01), ("japan", 0.02))}
    day_event = {**event, "delay_cost": {"us": 0.1}, "hazard": {"japan": 1 - (1 - 0.07) ** (1 / 7)}}
    day = ProcessSettings(
        protocols=week.protocols,
        strategies=week.strategies,
        runs=40,
        seed=3,
        start="2025-04-07",
        end="2026-04-06",
        every=14,
        unit="day",
        hazard=h_day,
        delay_cost={"us": 0.02, "japan": 0.04},
        events=(DatedEvent(**day_event),),
        sensitivity=False,
    )
    a, b = compare_protocols(usj, week), compare_protocols(usj, day)
    assert a.calendar.rounds == b.calendar.rounds == 26
    cols = [c for c in a.table.columns if c != "protocol"]
    np.testing.assert_allclose(
        a.table[cols].to_numpy(float), b.table[cols].to_numpy(float), rtol=1e-9, atol=1e-9
    )
    assert a.verdict.winner == b.verdict.winner


def test_dated_event_raises_costs_and_hazard_from_its_date(two: DealSpace) -> None:
    event = DatedEvent("2025-03-03", "deadline", delay_cost={"a": 1.0}, hazard={"b": 0.5})
    settings = ProcessSettings(
        start="2025-01-06", weeks=20, every=1, hazard=0.0, events=(event,), sensitivity=False
    )
    cal = settings.calendar(two)
    costs = time_costs(two, settings, cal, None)
    r0 = cal.round_of(dt.date(2025, 3, 3))
    assert r0 == 8
    political = np.asarray(costs.unc_path)
    assert (
        (political[:r0] == 0).all()
        and (political[r0:, 0] == 1.0).all()
        and (political[:, 1] == 0).all()
    )
    hazard = np.asarray(costs.hazard_path)
    assert (hazard[:r0] == 0).all() and hazard[r0:] == pytest.approx(0.5)
    # the breakdown round under a time-varying hazard: never before the event, geometric after it
    k = costs.breakdown_round(np.array([0.0, 0.49, 0.51, 0.74, 0.76]))
    assert k.tolist() == [r0, r0, r0 + 1, r0 + 1, r0 + 2]
    with pytest.raises(DealspaceError, match="unknown party 'c'"):
        time_costs(
            two,
            ProcessSettings(events=(DatedEvent("2025-03-03", delay_cost={"c": 1.0}),)),
            cal,
            None,
        )


def test_time_dependent_agents_concede_on_the_talks_calendar(two: DealSpace) -> None:
    # one bindable unit: early harvests and parallel silos play the same track on the
    # same clock, so they agree on the same package in the same round (the old stage
    # clock, deadline // units, made the harvest's agents concede twice as fast)
    for pair in DETERMINISTIC:
        seq = simulate(two, "sequential", pair, seed=0, deadline=26)
        silo = simulate(two, "silos", pair, seed=0, deadline=26)
        assert [(b.round, b.package) for b in seq.bindings] == [
            (b.round, b.package) for b in silo.bindings
        ]


def test_equal_speeds_and_no_costs_same_agreement_or_a_named_mechanism(two: DealSpace) -> None:
    """With the same per-week concession and no time costs, protocols differ only by
    (1) linkage — early harvests bind only units with a zone of agreement of their own,
    each at least as good as its status quo for both, while the package can trade one
    party's loss on one issue for a gain on another; (2) mirroring — tit-for-tat mirrors
    the other's offers, and a mediator's text gives it none to mirror."""
    for pair in DETERMINISTIC:
        su = simulate(two, "alternating", pair, seed=0, deadline=26)
        snt = simulate(two, "snt", pair, seed=0, deadline=26)
        seq = simulate(two, "sequential", pair, seed=0, deadline=26)
        assert su.agreement and su.package is not None
        # linkage: the package makes a lose on visa (a cross-unit trade) ...
        assert su.package["visa"] == "free"
        # ... which no harvest can: each bound part is no worse than its status quo for both
        assert all(g >= 0 for b in seq.bindings for g in b.gains.values())
        assert seq.in_force["visa"] == "strict"
        assert sum(su.utilities.values()) > sum(seq.utilities.values())
        if pair == "tft,tft":
            assert not snt.agreement  # mirroring: nothing to mirror in a mediator's text
        else:
            assert snt.package == su.package and snt.utilities == su.utilities


# ------------------------------------------------------------------ delay costs


def test_tariff_delay_equals_the_ge_welfare_of_the_same_matrices(usj: DealSpace) -> None:
    """The delay cost's welfare numbers are those of the GE model (what `dealspace
    tariffs` solves) for the tariff matrices of the status quo and of the deal."""
    from dealspace.economy import solve
    from dealspace.economy.scenario import package_tariffs, scenario_base, scenario_economy

    delay = tariff_delay(usj)
    scenario = usj.scenario
    economy, params = scenario_economy(scenario)  # the scenario's economy and revenue setting
    base = scenario_base(scenario, economy, params)  # its base world (its date, or a named preset)

    def welfare(package: dict[str, object]) -> np.ndarray:
        choice = {i: scenario.issue(i).option_index(package[i]) for i in delay.issues}
        t = package_tariffs(
            scenario, economy, base, choice
        )  # the matrix `dealspace tariffs --set` builds
        return 100 * (solve(economy, t, params).welfare_hat - 1)

    w_sq = welfare(scenario.status_quo())
    w_deal = welfare({**scenario.status_quo(), **delay.deal})
    for p, c in (("us", "USA"), ("japan", "JPN")):
        k = economy.iso3.index(c)
        assert delay.welfare_sq[p] == pytest.approx(w_sq[k], abs=1e-9)
        assert delay.welfare_deal[p] == pytest.approx(w_deal[k], abs=1e-9)
        loss = max(0.0, w_deal[k] - w_sq[k])
        assert delay.per_week[p] == pytest.approx(
            delay.points_per_welfare_pct[p] * loss / (52 * delay.valuation_years)
        )
    # Japan bears the US tariffs; the US, with its revenue rebated lump-sum, loses nothing by waiting
    assert delay.per_week["japan"] > delay.per_week["us"] >= 0
    assert delay.welfare_deal["japan"] > delay.welfare_sq["japan"]


def test_tariff_delay_of_a_region_party_is_its_members_expenditure_weighted_welfare() -> None:
    """A party whose country is a region (EU) is priced as its members' expenditure-weighted
    mean, as `value: economy` prices it (this used to raise a ValueError in compare-protocols)."""
    from dealspace.economy import solve
    from dealspace.economy.regions import members
    from dealspace.economy.scenario import package_tariffs, scenario_base, scenario_economy

    space = deal_space(Path(__file__).parent / "data" / "eu_us.yaml")
    delay = tariff_delay(space)
    scenario = space.scenario
    economy, params = scenario_economy(scenario)
    base = scenario_base(scenario, economy, params)
    choice = {"recip": scenario.issue("recip").option_index(delay.deal["recip"])}
    w = 100 * (
        solve(economy, package_tariffs(scenario, economy, base, choice), params).welfare_hat - 1
    )
    eu = members(economy, "EU")
    assert len(eu) == 27
    expected = float(np.sum(w[eu] * economy.expenditure[eu]) / np.sum(economy.expenditure[eu]))
    assert delay.welfare_deal["eu"] == pytest.approx(expected, abs=1e-9)
    assert delay.countries == ("USA", "EU")
    assert delay.per_week["eu"] > 0  # the EU bears the US tariff while talks go on
    out = compare_protocols(space, ProcessSettings(runs=5, sensitivity=False))
    assert out.to_dict()["verdict"]


def test_per_party_costs_are_asymmetric_and_parsed(usj: DealSpace) -> None:
    s = ProcessSettings(delay_cost="us=0.02,japan=0.28", hazard="us=0.001,japan=0.004")
    assert dict(s.delay_cost) == {"us": 0.02, "japan": 0.28}  # type: ignore[arg-type]
    cal = s.calendar(usj)
    costs = time_costs(usj, s, cal, None)
    assert np.asarray(costs.unc_path)[0] == pytest.approx([0.04, 0.56])  # a round every 2 weeks
    assert costs.hazard_path[0] == pytest.approx(1 - (0.999 * 0.996) ** 2)
    with pytest.raises(DealspaceError, match="unknown party 'jpn'"):
        time_costs(usj, ProcessSettings(delay_cost="us=0.02,jpn=0.28"), cal, None)
    with pytest.raises(DealspaceError, match="hazard"):
        ProcessSettings(hazard=1.5)


# ------------------------------------------------------------------ verdict and sensitivity


def test_comparison_is_seeded_and_json_safe(two: DealSpace) -> None:
    s = ProcessSettings(
        protocols=("alternating", "sequential"),
        strategies=("linear,linear", "random,linear"),
        runs=30,
        seed=5,
        hazard=0.01,
        sensitivity_runs=20,
        paces=(1, 2),
        hazard_scales=(0, 1),
        cost_scales=(1,),
    )
    a, b = compare_protocols(two, s), compare_protocols(two, s)
    text = json.dumps(a.to_dict(), allow_nan=False)
    assert text == json.dumps(b.to_dict(), allow_nan=False)
    other = compare_protocols(two, ProcessSettings(**{**s.__dict__, "seed": 6}))
    assert other.to_dict()["pairs"] != a.to_dict()["pairs"]
    data = a.to_dict()
    assert set(data["columns"]) == set(a.table.columns)  # every column defined
    assert set(data["sensitivity"]["columns"]) >= {c for c in a.sensitivity.columns}
    assert all(
        math.isclose(r["complete"] + r["partial"] + r["none"], 1.0) for r in data["protocols"]
    )
    assert data["verdict"]["winner"] in {r["protocol"] for r in data["protocols"]}


def test_sensitivity_flips_where_the_hand_computed_case_says(two: DealSpace) -> None:
    """Conceders: the package (joint gain 12) is agreed in round 1, the market harvest
    (joint gain 8) in round 0. An agreement in round τ survives a per-round hazard h
    with probability (1 − h)^{τ+1}, so the expected joint gains are 12 (1 − h)² and
    8 (1 − h): the harvest wins above h* = 1/3 a round."""
    su = simulate(two, "alternating", "conceder,conceder", seed=0, deadline=26)
    seq = simulate(two, "sequential", "conceder,conceder", seed=0, deadline=26)
    assert su.round == 1 and sum(su.utilities.values()) - sum(two.batna) == pytest.approx(12)
    assert [b.round for b in seq.bindings] == [0] and sum(
        seq.bindings[0].gains.values()
    ) == pytest.approx(8)
    # per party hazard h_p per week, one round a week: 1 − h = (1 − h_p)²
    h_party = 1 - math.sqrt(2 / 3)
    scales = (0.5, 0.8, 1.25, 2.0)
    s = ProcessSettings(
        protocols=("alternating", "sequential"),
        strategies=("conceder,conceder",),
        runs=10,
        noise=0.0,
        every=1,
        weeks=26,
        hazard=h_party,
        sensitivity_runs=20_000,
        hazard_scales=scales,
        cost_scales=(1.0,),
        paces=(1.0,),
    )
    table = compare_protocols(two, s).sensitivity
    for row in table.to_dict(orient="records"):
        h = 1 - (1 - h_party * row["hazard_x"]) ** 2
        expect_su, expect_seq = 12 * (1 - h) ** 2, 8 * (1 - h)
        assert row["joint:alternating"] == pytest.approx(expect_su, abs=0.15)
        assert row["joint:sequential"] == pytest.approx(expect_seq, abs=0.15)
        assert row["winner"] == ("alternating" if h < 1 / 3 else "sequential")
    assert table["winner"].tolist() == ["alternating", "alternating", "sequential", "sequential"]


def test_scenario_events_apply_from_their_date(tmp_path: Path) -> None:
    from dealspace import load_scenario

    text = TWO.read_text(encoding="utf-8") + (
        "events:\n"
        "  - date: '2025-02-03'\n"
        "    label: tariff deadline\n"
        "    delay_cost: {b: 0.5}\n"
        "    hazard: {a: 0.1}\n"
        "    source: stylised, for the test\n"
    )
    path = tmp_path / "dated.yaml"
    path.write_text(text, encoding="utf-8")
    space = deal_space(load_scenario(path))
    settings = ProcessSettings(every=1, weeks=10, hazard=0.0, sensitivity=False)
    cal = settings.calendar(space)
    assert str(cal.start) == "2025-01-06" and cal.round_of(dt.date(2025, 2, 3)) == 4
    costs = time_costs(space, settings, cal, None)
    assert np.asarray(costs.unc_path)[:, 1].tolist() == [0.0] * 4 + [0.5] * 6
    assert np.asarray(costs.hazard_path) == pytest.approx([0.0] * 4 + [0.1] * 6)
    off = time_costs(
        space, ProcessSettings(every=1, weeks=10, hazard=0.0, scenario_events=False), cal, None
    )
    assert not np.asarray(off.unc_path).any()
    bad = text.replace("'2025-02-03'", "'3 Feb 2025'")
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(DealspaceError, match="not a date"):
        load_scenario(path)


def test_harvest_then_package_binds_only_valid_harvests(two: DealSpace, usj: DealSpace) -> None:
    from dealspace.process import best_reachable
    from dealspace.process.candidates import Prepared
    from dealspace.process.protocols import get_protocol

    proto = get_protocol("harvest-package")
    # two issues: binding the market first strips b of what it trades visas for — no valid harvest,
    # so everything is negotiated as one package, exactly as the single undertaking does
    assert [u.name for u in proto.agenda(Prepared(two))] == ["rest"]
    for pair in ("linear,linear", "tft,tft", "boulware,boulware"):
        hp = simulate(two, proto, pair, seed=0, deadline=26)
        su = simulate(two, "alternating", pair, seed=0, deadline=26)
        assert hp.in_force == su.in_force and hp.bindings[0].round == su.round
    # us-japan: the valid harvests are those `dealspace harvest` finds; only those that are a
    # unit of their own (not inside a compound issue) bind first, the rest keeps its linkage
    from dealspace.analysis import early_harvest

    assessments = Prepared(usj).assessments()
    valid = {a.unit.name for a in assessments if a.valid}
    found = early_harvest(usj, issues=False)
    assert valid == {
        c.name for c in found.candidates if c.valid and c.name in {a.unit.name for a in assessments}
    }
    agenda = proto.agenda(Prepared(usj))
    assert [u.name for u in agenda] == [
        a.unit.name for a in assessments if a.valid and a.bindable
    ] + ["rest"]
    su_best = best_reachable(usj, "alternating", "utilitarian")
    assert best_reachable(usj, proto, "utilitarian") <= su_best + 1e-9
    assert best_reachable(usj, proto, "utilitarian") > best_reachable(
        usj, "sequential", "utilitarian"
    )
