"""simulate / monte_carlo: seeds, breakdown statistics, time costs, outputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from dealspace.errors import DealspaceError
from dealspace.process import TimeCosts, monte_carlo, simulate
from dealspace.process.costs import NEVER, settle
from dealspace.process.simulate import deal_space
from dealspace.space import DealSpace

TOY = str(Path(__file__).parents[1] / "data" / "toy.yaml")


@pytest.fixture(scope="module")
def usj() -> DealSpace:
    return deal_space("us-japan-2025")


# ------------------------------------------------------------------ seeds


def test_identical_seeds_give_identical_results(usj: DealSpace) -> None:
    a = simulate(usj, "sequential", ("frequency", "tit-for-tat"), seed=4, noise=0.3, hazard=0.01)
    b = simulate(usj, "sequential", ("frequency", "tit-for-tat"), seed=4, noise=0.3, hazard=0.01)
    assert a.to_dict() == b.to_dict()
    m1 = monte_carlo(
        usj,
        ["alternating", "snt"],
        ["random,linear", "boulware,tft"],
        runs=50,
        seed=9,
        noise=0.2,
        hazard=0.01,
    )
    m2 = monte_carlo(
        usj,
        ["alternating", "snt"],
        ["random,linear", "boulware,tft"],
        runs=50,
        seed=9,
        noise=0.2,
        hazard=0.01,
    )
    assert m1.runs.equals(m2.runs)


def test_different_seeds_differ_where_stochastic(usj: DealSpace) -> None:
    kw = dict(runs=40, noise=0.3, hazard=0.01)
    a = monte_carlo(usj, "alternating", ["linear,linear"], seed=1, **kw)
    b = monte_carlo(usj, "alternating", ["linear,linear"], seed=2, **kw)
    assert not a.runs["value:us"].equals(b.runs["value:us"])
    # no noise, no hazard, deterministic strategies: the seed does not matter
    c = simulate(usj, "alternating", ("linear", "linear"), seed=1)
    d = simulate(usj, "alternating", ("linear", "linear"), seed=2)
    assert c.utilities == d.utilities and c.round == d.round


def test_a_monte_carlo_run_replays_alone(usj: DealSpace) -> None:
    for noise in (0.0, 0.25):
        mc = monte_carlo(
            usj, "sequential", [("boulware", "conceder")], runs=8, seed=3, noise=noise, hazard=0.02
        )
        for i, child in enumerate(np.random.SeedSequence(3).spawn(8)):
            run = simulate(
                usj, "sequential", ("boulware", "conceder"), seed=child, noise=noise, hazard=0.02
            )
            row = mc.runs.iloc[i]
            assert bool(row["breakdown"]) == run.breakdown
            assert row["value:japan"] == pytest.approx(run.value["japan"])


# ------------------------------------------------------------------ breakdown


@pytest.mark.parametrize("hazard,deadline", [(0.01, 50), (0.05, 20)])
def test_breakdown_rate_matches_the_hazard(usj: DealSpace, hazard: float, deadline: int) -> None:
    n = 20000
    mc = monte_carlo(
        usj,
        "alternating",
        [("hardliner", "hardliner")],
        runs=n,
        seed=123,
        hazard=hazard,
        deadline=deadline,
    )
    assert not mc.runs["agreement"].any()  # two hardliners talk until the deadline
    p = 1 - (1 - hazard) ** deadline
    sd = math.sqrt(p * (1 - p) / n)
    assert abs(mc.runs["breakdown"].mean() - p) < 4 * sd


def test_breakdown_rounds_are_geometric() -> None:
    costs = TimeCosts(hazard=0.1)
    k = costs.breakdown_round(np.random.default_rng(0).random(50000))
    assert k.min() == 0
    assert (k >= 5).mean() == pytest.approx(0.9**5, abs=0.01)
    assert (TimeCosts().breakdown_round(np.array([0.5])) == NEVER).all()


# ------------------------------------------------------------------ time costs


def test_discounting_an_agreement(usj: DealSpace) -> None:
    plain = simulate(usj, "alternating", ("linear", "linear"), seed=0)
    disc = simulate(usj, "alternating", ("linear", "linear"), seed=0, discount=0.98)
    assert disc.round == plain.round and disc.round is not None
    d = usj.batna
    for p, party in enumerate(usj.parties):
        want = d[p] + 0.98**disc.round * (plain.utilities[party] - d[p])
        assert disc.value[party] == pytest.approx(want)
        assert disc.utilities[party] == pytest.approx(plain.utilities[party])


def test_running_costs_stop_at_the_agreement(usj: DealSpace) -> None:
    plain = simulate(usj, "alternating", ("linear", "linear"), seed=0)
    costly = simulate(
        usj,
        "alternating",
        ("linear", "linear"),
        seed=0,
        status_quo_cost=0.1,
        uncertainty_cost=(0.05, 0.02),
    )
    assert plain.round is not None
    assert costly.value["us"] == pytest.approx(plain.value["us"] - plain.round * 0.15)
    assert costly.value["japan"] == pytest.approx(plain.value["japan"] - plain.round * 0.12)
    assert costly.value_over_time[-1] == pytest.approx(list(costly.value.values()))


def test_settle_by_hand() -> None:
    # two units; unit 0 binds in round 2, unit 1 in round 5 (complete); δ = 0.5
    costs = TimeCosts(discount=0.5, status_quo_cost=1.0)
    out = settle(
        costs,
        bound_round=np.array([[2], [5]]),
        gains=np.array([[[4.0, 2.0]], [[8.0, 8.0]]]),
        complete_round=np.array([5]),
        end_round=np.array([5]),
        breakdown=np.array([NEVER]),
        batna=np.array([1.0, 1.0]),
        status_quo=np.array([1.0, 1.0]),
        share=np.array([[0.5, 0.5], [0.5, 0.5]]),
        sq_share=np.array([[0.5, 0.5], [0.5, 0.5]]),
    )
    # gains: 0.25·4 + 0.5^5·8 ; costs: rounds 0–4 at δ^t, half of it after round 2
    cost = sum(0.5**t for t in range(5)) - 0.5 * sum(0.5**t for t in range(2, 5))
    assert out.value[0, 0] == pytest.approx(1 + 0.25 * 4 + 0.5**5 * 8 - cost)
    assert out.utility[0].tolist() == [13.0, 11.0]
    # the same course, broken off at the start of round 4: the harvest stays
    broke = settle(
        costs,
        np.array([[2], [5]]),
        np.array([[[4.0, 2.0]], [[8.0, 8.0]]]),
        np.array([5]),
        np.array([5]),
        np.array([4]),
        np.array([1.0, 1.0]),
        np.array([1.0, 1.0]),
        np.full((2, 2), 0.5),
        np.full((2, 2), 0.5),
    )
    assert broke.breakdown[0] and not broke.complete[0]
    assert broke.utility[0].tolist() == [5.0, 3.0]
    # the status quo's cost is the gain forgone until a unit binds: only unit 0's half, rounds 0–1
    cost4 = 0.5 * sum(0.5**t for t in range(2))
    assert broke.value[0, 0] == pytest.approx(1 + 0.25 * 4 - cost4)
    assert broke.paid[0, 0] == pytest.approx(cost4)


def test_status_quo_cost_can_be_tied_to_issues(usj: DealSpace) -> None:
    tariffs = ("reciprocal_tariff", "auto_tariff", "steel_aluminium")
    costs = TimeCosts(status_quo_cost=1.0, status_quo_issues=tariffs)
    run = simulate(usj, "sequential", ("conceder", "conceder"), seed=0, costs=costs)
    plain = simulate(usj, "sequential", ("conceder", "conceder"), seed=0)
    trade = next(b for b in run.bindings if b.unit.startswith("trade"))
    assert trade.round > 0
    paid = plain.value_over_time[:, 0] - run.value_over_time[:, 0]
    # the tariff relief forgone until trade binds, one point a round, counted when it binds
    assert paid[: trade.round] == pytest.approx(0.0)
    assert paid[trade.round :] == pytest.approx(float(trade.round))
    assert plain.value["us"] - run.value["us"] == pytest.approx(trade.round)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"discount": 0.0}, "discount"),
        ({"discount": 1.5}, "discount"),
        ({"hazard": 1.0}, "hazard"),
        ({"noise": -1.0}, "noise"),
        ({"deadline": 0}, "deadline"),
        ({"status_quo_cost": -1.0}, "status_quo_cost"),
        ({"uncertainty_cost": (1.0, 2.0, 3.0)}, "uncertainty_cost"),
        ({"seed": -3}, "seed"),
    ],
)
def test_bad_numbers_are_refused(kwargs: dict, match: str) -> None:
    with pytest.raises(DealspaceError, match=match):
        simulate(TOY, **kwargs)


# ------------------------------------------------------------------ outputs


def test_run_outputs(usj: DealSpace) -> None:
    run = simulate(usj, "snt", ("linear", "boulware"), seed=0, hazard=0.01, discount=0.99)
    frame = run.to_frame()
    assert {"round", "track", "event", "party", "u:us", "u:japan"} <= set(frame.columns)
    assert len(frame) == len(run.trace)
    data = json.loads(json.dumps(run.to_dict()))
    assert data["protocol"] == "snt" and data["strategies"] == ["linear", "boulware"]
    assert run.value_over_time.shape == (100, 2)
    assert 0 <= run.distance_to_frontier <= run.distance_to_nash + 1e-12


def test_monte_carlo_tables(usj: DealSpace) -> None:
    mc = monte_carlo(
        usj,
        ["alternating", "sequential"],
        ["boulware,linear", ("tft", "tft")],
        runs=30,
        seed=0,
        hazard=0.01,
        noise=0.1,
    )
    assert len(mc.runs) == 4 * 30
    assert len(mc.summary) == 4
    row = mc.summary.iloc[0]
    assert 0 <= row["agreement_rate"] <= row["deal_rate"] <= 1
    assert row["value:us_p10"] <= row["value:us_p50"] <= row["value:us_p90"]
    assert set(mc.summary["protocol"]) == {"alternating", "sequential"}
    assert mc.to_frame() is mc.summary


def test_flat_pair_is_one_pair(usj: DealSpace) -> None:
    mc = monte_carlo(usj, "alternating", ("boulware", "linear"), runs=3, seed=0)
    assert list(mc.summary["strategies"]) == ["boulware/linear"]
