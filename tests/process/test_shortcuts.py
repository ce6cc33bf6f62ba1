"""The protocol comparison's shortcuts give the numbers of the plain computation, bit for bit.

Each shortcut of ``compare_protocols`` (settlements shared over the
sensitivity grid, tracks skipped when no offer can be accepted, bids of every
round found at once, summaries in numpy, cost sums kept) is checked here
against the plain computation it replaces, written out in this file: the code
as it was before the shortcuts. (A shortcut that was tried and dropped: taking
the sensitivity cells at the base pace from the main Monte Carlo's first runs.
A run's course can differ between batches of different sizes — the frequency
learner's float32 matrix product rounds differently — which the slow test on
the built-in scenario showed.)
"""

from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealspace.process.agent import State, Strategy, individually_rational
from dealspace.process.candidates import TOL, Table
from dealspace.process.cell import (
    SHARED_RUNS,
    Cell,
    deal_space,
    first_uniforms,
    one_blas_thread,
    prepare,
    seed_sequence,
    shared_normals,
    strategy_pair,
)
from dealspace.process.compare import (
    ProcessSettings,
    _winner,
    aggregate,
    compare_protocols,
    talks,
    time_costs,
)
from dealspace.process.costs import TimeCosts
from dealspace.process.engine import Engine
from dealspace.process.montecarlo import monte_carlo, summarise
from dealspace.process.protocols import get_protocol
from dealspace.process.strategies import STRATEGIES, Boulware, Conceder, Linear, TimeDependent
from dealspace.space import DealSpace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from strategies import spaces  # noqa: E402  (the shared hypothesis generators)

TOY = str(Path(__file__).parents[1] / "data" / "toy.yaml")  # three issues, two domains
TWO = str(Path(__file__).parent / "data" / "two_issues.yaml")


# ------------------------------------------------------------------ the plain computations


def plain_sensitivity(space: DealSpace, s: ProcessSettings) -> pd.DataFrame:
    """The sensitivity table as it was computed before the shortcuts: every
    cell's talks played afresh at every pace, settled once per grid point."""
    tariff = talks(space, s).tariff
    prepared, _ = prepare(space)
    protos = [get_protocol(p) for p in s.protocols]
    pairs = [strategy_pair(x) for x in s.strategies]
    children = seed_sequence(s.seed).spawn(s.sensitivity_runs)
    batna = np.asarray(space.batna, dtype=float)
    rows = []
    for every in s.paces:
        cal = s.calendar(space, every)
        grid = [(hx, cx) for hx in s.hazard_scales for cx in s.cost_scales]
        costs = {key: time_costs(space, s, cal, tariff, *key) for key in grid}
        joint: dict[tuple[float, float], dict[str, list[float]]] = {key: {} for key in grid}
        for proto in protos:
            for agents in pairs:
                cell = Cell(prepared, proto, agents, cal.rounds, costs[grid[0]], float(s.noise))
                rngs = [np.random.default_rng(c) for c in children]
                uniforms = first_uniforms(rngs)
                with one_blas_thread():
                    if cell.deterministic:
                        course, traj = cell.course(None), np.zeros(len(rngs), dtype=np.int64)
                    else:
                        course, traj = cell.course(rngs), np.arange(len(rngs))
                for key in grid:
                    out, _ = dataclasses.replace(cell, costs=costs[key]).settle(
                        course, uniforms, traj
                    )
                    gain = float((out.value - batna[None, :]).sum(axis=1).mean())
                    joint[key].setdefault(proto.label, []).append(gain)
        for hx, cx in grid:
            means = {p: float(np.mean(v)) for p, v in joint[(hx, cx)].items()}
            win, _, margin = _winner(means)
            row: dict[str, Any] = {
                "hazard_x": hx,
                "cost_x": cx,
                "every": every,
                "winner": win,
                "margin": margin,
            }
            single = [means[p.label] for p in protos if not p.harvests]
            harvest = [means[p.label] for p in protos if p.harvests]
            row["single_minus_harvest"] = (
                max(single) - max(harvest) if single and harvest else math.nan
            )
            row.update({f"joint:{p}": v for p, v in means.items()})
            rows.append(row)
    return pd.DataFrame(rows)


def plain_summarise(runs: pd.DataFrame, parties: list[str]) -> pd.DataFrame:
    """The Monte Carlo summary with pandas, as before."""
    rows = []
    for (proto, pair), g in runs.groupby(["protocol", "strategies"], sort=False):
        rounds = g["round"].dropna()
        row: dict[str, Any] = {
            "protocol": proto,
            "strategies": pair,
            "runs": len(g),
            "agreement_rate": float(g["agreement"].mean()),
            "partial_rate": float(g["partial"].mean()),
            "deal_rate": float((g["agreement"] | g["partial"]).mean()),
            "breakdown_rate": float(g["breakdown"].mean()),
            "round_mean": float(rounds.mean()) if len(rounds) else np.nan,
            "round_p50": float(rounds.quantile(0.5)) if len(rounds) else np.nan,
            "round_p90": float(rounds.quantile(0.9)) if len(rounds) else np.nan,
            "last_binding_mean": float(g["last_binding"].mean()),
        }
        for party in parties:
            v = g[f"value:{party}"]
            row[f"value:{party}_mean"] = float(v.mean())
            for q in (10, 50, 90):
                row[f"value:{party}_p{q}"] = float(v.quantile(q / 100))
        row["joint_gain_mean"] = float(g["joint_gain"].mean())
        row["dist_frontier_mean"] = float(g["dist_frontier"].mean())
        row["dist_nash_mean"] = float(g["dist_nash"].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def plain_aggregate(runs: pd.DataFrame, parties: list[str], weeks: float) -> pd.DataFrame:
    """The per-protocol table with pandas, as before."""
    rows = []
    for proto, g in runs.groupby("protocol", sort=False):
        complete = g["agreement"].to_numpy(bool)
        partial = g["partial"].to_numpy(bool)
        row: dict[str, Any] = {
            "protocol": proto,
            "complete": float(complete.mean()),
            "partial": float(partial.mean()),
            "none": float((~complete & ~partial).mean()),
            "breakdown": float(g["breakdown"].mean()),
            "weeks": float(g["last_binding"].mean() * weeks)
            if g["last_binding"].notna().any()
            else np.nan,
        }
        for p in parties:
            row[f"gain:{p}"] = float(g[f"gain:{p}"].mean())
            row[f"gain:{p}_p10"] = float(g[f"gain:{p}"].quantile(0.1))
            row[f"cost:{p}"] = float(g[f"cost:{p}"].mean())
        row["joint"] = float(g["joint_gain"].mean())
        row["to_nash"] = float(g["dist_nash"].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def plain_cost_sum(costs: TimeCosts, kind: str, a: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``TimeCosts.cost_sum`` on a path, recomputing the cumulative sum every call."""
    path = np.asarray(costs.sq_path if kind == "sq" else costs.unc_path, dtype=float)
    flow = costs.factor(np.arange(len(path)))[:, None] * path
    cum = np.concatenate([np.zeros((1, path.shape[1])), np.cumsum(flow, axis=0)])
    a = np.asarray(a, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    lo = np.clip(np.minimum(a, n), 0, len(path))
    hi = np.clip(n, 0, len(path))
    return np.asarray(cum[hi] - cum[lo])


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal frames, every float equal bit for bit (NaN where NaN)."""
    pd.testing.assert_frame_equal(a, b, check_exact=True)


# ------------------------------------------------------------------ the comparison


def small(**kw: Any) -> ProcessSettings:
    base: dict[str, Any] = dict(
        protocols=("alternating", "snt", "sequential", "harvest-package", "silos"),
        strategies=("boulware,boulware", "linear,linear", "tit-for-tat,tit-for-tat", "nash,nash"),
        runs=24,
        sensitivity_runs=10,
        paces=(1.0, 2.0, 4.0),
    )
    base.update(kw)
    return ProcessSettings(**base)


CASES = [
    ("us-japan-2025-trade-only", small(seed=3)),
    (TOY, small(seed=7, noise=0.0)),  # deterministic: one course per cell
    (TOY, small(seed=11, strategies=("random,linear", "frequency,conceder", "hardliner,nash"))),
    (TWO, small(seed=5, every=1.0, paces=(1.0, 3.0), delay_cost=0.4, discount=0.9)),
    (TOY, small(seed=2, runs=6, sensitivity_runs=9)),  # too few Monte Carlo runs to share
]


@pytest.mark.parametrize(("source", "s"), CASES)
def test_sensitivity_equals_the_plain_grid(source: str, s: ProcessSettings) -> None:
    space = deal_space(source)
    got = compare_protocols(space, s).sensitivity
    same(got, plain_sensitivity(space, s))


@pytest.mark.slow
def test_sensitivity_equals_the_plain_grid_on_the_builtin() -> None:
    space = deal_space("us-japan-2025")
    s = ProcessSettings(runs=50, sensitivity_runs=20, seed=1)
    same(compare_protocols(space, s).sensitivity, plain_sensitivity(space, s))


@pytest.mark.parametrize(("source", "s"), CASES[:3])
def test_tables_equal_the_pandas_ones(source: str, s: ProcessSettings) -> None:
    space = deal_space(source)
    result = monte_carlo(
        space, list(s.protocols), list(s.strategies), runs=30, seed=s.seed, hazard=0.02, noise=0.2
    )
    parties = list(space.parties)
    assert result.runs["round"].isna().any()  # the NaN-skipping means are exercised
    same(result.summary, plain_summarise(result.runs, parties))
    same(summarise(result.runs, parties), plain_summarise(result.runs, parties))
    same(aggregate(result, 1.5), plain_aggregate(result.runs, parties, 1.5))


@pytest.mark.parametrize("source", [TOY, "us-japan-2025-trade-only"])
def test_shared_noise_draws_give_the_courses_of_fresh_generators(source: str) -> None:
    """``RunNormals`` (one draw per width for every cell) against each cell's
    own generators, past their first draw, as the engine used them before."""
    space = deal_space(source)
    prepared, _ = prepare(space)
    seeds = tuple(np.random.SeedSequence(9).spawn(12))
    normals = shared_normals(seeds)
    assert normals is not None
    for name in ("alternating", "snt", "sequential-negotiated", "harvest-package", "silos"):
        for pair in ("boulware,linear", "frequency,tit-for-tat", "nash,conceder"):
            cell = Cell(prepared, get_protocol(name), strategy_pair(pair), 20, TimeCosts(), 0.3)
            shared, traj = cell.course_of(seeds, normals)
            rngs = [np.random.default_rng(c) for c in seeds]
            first_uniforms(rngs)
            fresh = cell.course(rngs)
            assert np.array_equal(traj, np.arange(len(seeds)))
            for key in ("bound_round", "pick", "complete_round", "end_round"):
                assert np.array_equal(getattr(shared, key), getattr(fresh, key)), (name, pair)
    assert normals.memo  # the estimates were kept and shared
    with pytest.raises(ValueError):
        cell.course_of(seeds[1:], normals)
    assert shared_normals(tuple(np.random.SeedSequence(9).spawn(SHARED_RUNS + 1))) is None


# ------------------------------------------------------------------ time-dependent schedules


@pytest.mark.parametrize("cls", [Boulware, Linear, Conceder])
@pytest.mark.parametrize("k", [0.0, 0.3])
@pytest.mark.parametrize("per_run_offset", [False, True])
def test_targets_and_bids_of_every_round_equal_the_per_round_ones(
    cls: type[TimeDependent], k: float, per_run_offset: bool
) -> None:
    space = deal_space("us-japan-2025-trade-only")
    prepared, _ = prepare(space)
    (table,) = get_protocol("alternating").tables(prepared)
    rng = np.random.default_rng(1)
    runs = 7
    offset: Any = rng.integers(0, 9, runs) if per_run_offset else 3
    for me in (0, 1):
        other = table.utility[:, 1 - me][None, :] + rng.normal(0, 0.5, (runs, table.size))
        state = State(
            table,
            me,
            other,
            np.full(runs, table.reservation[1 - me]),
            150,  # more rounds than a window (TimeDependent.WINDOW)
            runs,
            offset=offset,
            horizon=170,
        )
        agent = cls(k=k)
        targets = agent.targets(state)
        bids = state.bids(targets)
        for t in [*range(state.deadline + 1), state.deadline + 3, 2]:
            plain = agent.target(state, t)
            if t <= state.deadline:
                assert np.array_equal(targets[t], np.broadcast_to(plain, targets[t].shape))
                assert np.array_equal(bids[t], state.bid(plain))
            assert np.array_equal(agent._bid_at(state, t), state.bid(plain))  # by windows


# ------------------------------------------------------------------ futile tracks


class Unchecked(Strategy):
    """A strategy that delegates to a built-in one without declaring it
    individually rational, so the engine plays every round; it checks the
    built-in's offers and answers against what ``rational`` promises."""

    def __init__(self, inner: Strategy) -> None:
        self.inner = inner
        self.classifier = inner.classifier  # type: ignore[misc]
        self.name = inner.name  # type: ignore[misc]

    def reset(self) -> None:
        self.inner.reset()

    def propose(self, state: State) -> np.ndarray:
        offer = np.broadcast_to(np.asarray(self.inner.propose(state)), (state.runs,))
        assert (state.own[offer] >= state.floor - TOL).all()
        return offer

    def respond(self, state: State, offer: np.ndarray) -> np.ndarray:
        accept = np.broadcast_to(np.asarray(self.inner.respond(state, offer), bool), (state.runs,))
        assert (state.own[offer][accept] > state.reservation + TOL).all()
        return accept


def test_rational_must_be_declared_by_the_class_itself() -> None:
    assert all(individually_rational(cls()) for cls in STRATEGIES)

    class Mine(Boulware):
        def target(self, state: State, t: int) -> np.ndarray:
            return np.asarray(state.own_max - 1e6)  # below its floor: not rational

    assert not individually_rational(Mine())
    assert not individually_rational(Unchecked(Boulware()))


def _play(
    space: DealSpace,
    table: Table,
    agents: tuple[Strategy, Strategy],
    seed: int,
    deadline: int,
    first: int,
) -> tuple[np.ndarray, np.ndarray, float]:
    prepared, _ = prepare(space)
    rngs = [np.random.default_rng(c) for c in np.random.SeedSequence(seed).spawn(6)]
    engine = Engine(prepared, agents, [table], 0.3, rngs, horizon=deadline + 2)
    agreed, pick = engine.bargain(table, deadline, first)
    return agreed, pick, float(rngs[-1].random())  # the generators end in the same state


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spaces(min_parties=2, max_parties=2),
    st.sampled_from(
        [
            "boulware",
            "linear",
            "conceder",
            "hardliner",
            "tit-for-tat",
            "nash",
            "frequency",
            "random",
        ]
    ),
    st.sampled_from(["boulware", "tit-for-tat", "nash", "random", "frequency"]),
    st.integers(0, 1000),
    st.integers(1, 9),
    st.integers(0, 1),
)
def test_skipping_futile_tracks_changes_nothing(
    space: DealSpace, a: str, b: str, seed: int, deadline: int, first: int
) -> None:
    """On every track of every protocol: the built-ins keep their promise
    (checked on each offer and answer), and the engine's result with the
    shortcut (rational agents) equals the result of playing every round."""
    if space.empty:
        return
    prepared, _ = prepare(space)
    for name in ("alternating", "silos", "sequential-blocks"):
        for table in get_protocol(name).tables(prepared):
            if table.size == 0:
                continue
            fast = _play(space, table, strategy_pair(f"{a},{b}"), seed, deadline, first)
            pair = strategy_pair(f"{a},{b}")
            slow = _play(
                space, table, (Unchecked(pair[0]), Unchecked(pair[1])), seed, deadline, first
            )
            assert np.array_equal(fast[0], slow[0]) and np.array_equal(fast[1], slow[1])
            assert fast[2] == slow[2]


def test_a_futile_track_is_skipped() -> None:
    """us-japan-2025's security track has no candidate a proposer offers and
    the responder accepts: the shortcut plays no round there."""
    space = deal_space("us-japan-2025")
    prepared, _ = prepare(space)
    tables = {t.name: t for t in get_protocol("silos").tables(prepared)}
    engine = Engine(prepared, strategy_pair("linear,linear"), list(tables.values()), 0.0)
    assert engine._futile(tables["security"], 10, 0)
    assert not engine._futile(tables["energy"], 10, 0)


# ------------------------------------------------------------------ costs


def test_cost_sums_equal_the_recomputed_ones() -> None:
    rng = np.random.default_rng(0)
    path = rng.uniform(0, 2, (30, 2))
    costs = TimeCosts(
        discount=0.97,
        sq_path=path.tolist(),
        unc_path=(path[::-1] * 0.5).tolist(),
        hazard_path=tuple(rng.uniform(0, 0.1, 30)),
    )
    a = rng.integers(-3, 40, (4, 50))
    n = rng.integers(-3, 40, (4, 50))
    for kind in ("sq", "unc"):
        for _ in range(2):  # the kept cumulative sums are not changed by use
            assert np.array_equal(costs.cost_sum(kind, a, n), plain_cost_sum(costs, kind, a, n))
    u = rng.random(200)
    surv = np.cumsum(np.log1p(-np.asarray(costs.hazard_path)))
    k = np.searchsorted(-surv, -np.log1p(-u), side="right")
    assert np.array_equal(costs.breakdown_round(u), np.where(k >= len(surv), 2**61 - 1, k))
