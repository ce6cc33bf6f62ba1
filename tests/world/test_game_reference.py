"""The memoised game and the batched GE solves give the frames of the original per-run loop, exactly.

:mod:`reference_game` is the game as it was at df60d11: a new game per call,
every run played from scratch, one GE solve per new final state. The
package's :func:`~dealspace.world.model.simulate` shares its memos across runs
and across calls on one payoff table and solves final states in batches; the
partner and event frames must be equal to the last bit, for many settings,
seeds and worlds, in an order that lets memos from earlier calls serve later
ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from reference_game import reference_simulate
from world_toy import TOY_WORLD, toy_economy

from dealspace.errors import DealspaceError
from dealspace.world import load_world, simulate, simulate_many
from dealspace.world.calibration import World
from dealspace.world.experiments import first_mover_orders
from dealspace.world.payoffs import STATES, THREAT, PayoffTable


@pytest.fixture(scope="module")
def world() -> World:
    return load_world("world-2025")


@pytest.fixture(scope="module")
def toy() -> World:
    return load_world(TOY_WORLD, economy=toy_economy())


def _cases(world: World, bellwether: str, bloc: list[str], never: str) -> list[dict[str, Any]]:
    """Settings of simulate(): the domino, first-mover plays, noise, spillovers, blocs, exact…"""
    plays = first_mover_orders(world, "stakes")
    return [
        {"order": "stakes", "first": bellwether, "outcome": "good"},
        {"order": "stakes", "first": bellwether, "outcome": "bad"},
        {"order": "stakes", "first": bellwether, "outcome": "none"},
        {"order": plays[(bellwether, "first")]},
        {"order": plays[(bellwether, "last")]},
        {"order": plays[(never, "first")]},
        {},
        {"order": "random"},
        {"order": "random", "run_offset": 3},
        {"noise": 0.0},
        {"noise": 0.5, "order": "random"},
        {"spillover": 0.3},
        {"spillover": 0.0, "first": bellwether, "outcome": "bad"},
        {"context": "reference"},
        {"true_type": "hardliner"},
        {"blocs": [bloc]},
        {"never_retaliate": [never]},
        {"blocs": [bloc], "never_retaliate": [never], "order": "random"},
        {"exact": True},
        {"exact": True, "order": "random", "noise": 0.2},
    ]


def _compare(world: World, cases: list[dict[str, Any]], runs: int, seeds: list[int]) -> None:
    shared = world.payoff_table()  # one table (and so one set of memos) for every call
    reference = world.payoff_table()
    for seed in seeds:
        for options in cases:
            n = runs if not options.get("exact") else max(4, runs // 3)
            new = simulate(world, n, seed, table=shared, **options)
            partners, events = reference_simulate(world, n, seed, table=reference, **options)
            where = f"seed {seed}, {options}"
            pd.testing.assert_frame_equal(new.partners, partners, check_exact=True, obj=where)
            pd.testing.assert_frame_equal(new.events, events, check_exact=True, obj=where)


def test_toy_world_equals_the_reference(toy: World) -> None:
    variants = [
        toy,
        toy.with_(terms_spillover=0.6, reputation=0.4),
        toy.with_(min_bloc=3, max_waits=0),
    ]
    for w in variants:
        _compare(w, _cases(w, "B", ["A", "C"], "D"), runs=24, seeds=[0, 5])


@pytest.mark.slow
def test_world_2025_equals_the_reference(world: World) -> None:
    variants = [world, world.with_(reputation=0.5, terms_spillover=1.0)]
    for w in variants:
        _compare(w, _cases(w, "JPN", ["EU", "CAN"], "CHN"), runs=12, seeds=[0, 3])


def test_counters_are_those_of_the_reference(toy: World) -> None:
    """Solves and hits of the payoff table are the same as with the one-run-at-a-time loop."""
    new, ref = toy.payoff_table(), toy.payoff_table()
    for outcome in ("good", "bad", "none"):
        simulate(toy, 30, 1, table=new, first="B", outcome=outcome, order="stakes")
        reference_simulate(toy, 30, 1, table=ref, first="B", outcome=outcome, order="stakes")
        assert (new.solves, new.hits, len(new)) == (ref.solves, ref.hits, len(ref))


def test_welfare_many_is_welfare_in_turn(toy: World) -> None:
    """Batch and one-by-one give the same vectors and counters; repeats in a batch are hits."""
    rng = np.random.default_rng(2)
    keys = [tuple(int(s) for s in rng.integers(0, len(STATES), 4)) for _ in range(25)]
    keys += keys[:5] + [(THREAT,) * 4]
    one, many = toy.payoff_table(), toy.payoff_table()
    singles = [one.welfare(k) for k in keys]
    batch = many.welfare_many(keys)
    for a, b in zip(singles, batch, strict=True):
        assert (a.view(np.uint64) == b.view(np.uint64)).all()
    assert (one.solves, one.hits) == (many.solves, many.hits)
    assert many.solves == len(set(keys))


def test_expansion_equals_solving_each_state(toy: World) -> None:
    """The expansion (solved in one batch) uses the vectors of one-by-one solves, bit for bit."""
    table: PayoffTable = toy.payoff_table()
    table.approx((THREAT,) * 4)
    fresh = toy.payoff_table()
    for key, value in table._cache.items():
        assert (fresh.welfare(key).view(np.uint64) == value.view(np.uint64)).all()
    assert table.solves == 1 + 3 * 4 + 9 * 4 * 3 // 2


def test_approx_many_is_the_expansion_formula(world: World) -> None:
    """Batched expansions equal W(0) + Σ_q Δ_q + Σ_{q<r} Δ_qr summed per state as at df60d11, bit for bit."""
    table = world.payoff_table()
    rng = np.random.default_rng(9)
    n = table.n_partners
    keys = [tuple(int(s) for s in rng.integers(0, len(STATES), n)) for _ in range(40)]
    got = table.approx_many(keys[:25]) + [table.approx(k) for k in keys[25:]]
    assert table._single is not None and table._pair is not None and table._upper is not None
    q, r = table._upper
    for key, value in zip(keys, got, strict=True):
        x = np.asarray(key, dtype=int)
        pairs = table._pair[q, x[q], r, x[r]]
        want = table._zero + table._single[np.arange(n), x].sum(axis=0) + pairs.sum(axis=0)
        assert (np.asarray(want).view(np.uint64) == value.view(np.uint64)).all()


def test_simulate_many_equals_the_calls_one_by_one(toy: World) -> None:
    """Final states of several calls solved in one batch: the frames of each call alone."""
    cases = [{"runs": 15, "seed": 2, **c} for c in _cases(toy, "A", ["B", "C"], "D")]
    table = toy.payoff_table()
    many = simulate_many(toy, cases, table=table)
    reference = toy.payoff_table()
    for case, got in zip(cases, many, strict=True):
        options = {k: v for k, v in case.items() if k not in ("runs", "seed")}
        partners, events = reference_simulate(toy, 15, 2, table=reference, **options)
        pd.testing.assert_frame_equal(got.partners, partners, check_exact=True, obj=str(case))
        pd.testing.assert_frame_equal(got.events, events, check_exact=True, obj=str(case))
        assert got.solves == table.solves
    assert table.solves == reference.solves


def test_forgetting_the_memos_changes_nothing(toy: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A game that clears its decision memos every few points (MEMO_LIMIT) plays the same runs."""
    from dealspace.world import model

    monkeypatch.setattr(model, "MEMO_LIMIT", 3)
    cases = [{"order": "random"}, {"first": "B", "outcome": "bad"}, {"noise": 0.3}]
    _compare(toy, cases, runs=20, seeds=[4])


def test_a_table_and_its_games_are_freed_together(toy: World) -> None:
    """The games kept with a table do not keep it alive (no leak across jobs)."""
    import gc
    import weakref

    table = toy.payoff_table()
    simulate(toy, 3, 0, table=table)
    assert table.games
    ref = weakref.ref(table)
    del table
    gc.collect()
    assert ref() is None


def test_a_table_pickles_without_its_games(toy: World) -> None:
    import pickle

    table = toy.payoff_table()
    simulate(toy, 3, 0, table=table)
    copy = pickle.loads(pickle.dumps(table))
    assert copy.games == {} and copy.solves == table.solves and len(copy) == len(table)
    a = simulate(toy, 5, 1, table=copy)
    b = simulate(toy, 5, 1, table=table)
    pd.testing.assert_frame_equal(a.partners, b.partners, check_exact=True)


def test_the_garbage_collector_is_restored(toy: World) -> None:
    """simulate pauses the cyclic collector while it plays and leaves it as it found it."""
    import gc

    assert gc.isenabled()
    simulate(toy, 2, 0)
    assert gc.isenabled()
    gc.disable()
    try:
        simulate_many(toy, [{"runs": 2}, {"runs": 2, "order": "random"}])
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(DealspaceError):
        simulate(toy, 0)
    assert gc.isenabled()
