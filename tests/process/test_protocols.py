"""Protocols: units, candidate tables, binding, the mediator, reachable outcomes."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from dealspace.analysis import nash, pareto_frontier
from dealspace.errors import DealspaceError
from dealspace.process import best_reachable, get_protocol, simulate
from dealspace.process.candidates import (
    Prepared,
    block_status_quo,
    block_units,
    domain_units,
    whole,
)
from dealspace.process.engine import mediator_texts
from dealspace.process.protocols import SequentialBinding
from dealspace.process.simulate import deal_space
from dealspace.space import DealSpace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from strategies import spaces  # noqa: E402  (the shared hypothesis generators)

TOY = str(Path(__file__).parents[1] / "data" / "toy.yaml")


@pytest.fixture(scope="module")
def usj() -> DealSpace:
    return deal_space("us-japan-2025")


# ------------------------------------------------------------------ units and tables


def test_units_cover_every_block_once(usj: DealSpace) -> None:
    for units in (domain_units(usj), block_units(usj), [whole(usj)]):
        blocks = sorted(b for u in units for b in u.blocks)
        assert blocks == list(range(len(usj.blocks)))


def test_block_status_quo_adds_up(usj: DealSpace) -> None:
    assert block_status_quo(usj).sum(axis=0) == pytest.approx(usj.status_quo_utility)


def test_candidates_are_feasible_and_hold_the_nash_package(usj: DealSpace) -> None:
    table = Prepared(usj).table(whole(usj), whole_package=True)
    assert table.size > len(pareto_frontier(usj)) // 2
    for rows in table.rows[:: max(1, table.size // 40)]:
        assert usj.rows_of(usj.package(rows)) is not None
    target = np.array(list(nash(usj).utilities.values()))
    assert np.isclose(table.utility, target).all(axis=1).any()


def test_top_k_is_exact_on_the_toy() -> None:
    from dealspace.process.candidates import _top_k

    space = deal_space(TOY)
    rows = _top_k(space, range(len(space.blocks)), 0, 5)
    got = sorted(
        (sum(space.blocks[b].utility[r, 0] for b, r in enumerate(row)) for row in rows),
        reverse=True,
    )
    every = sorted(
        (
            sum(space.blocks[b].utility[r, 0] for b, r in enumerate(idx))
            for idx in np.ndindex(*(b.size for b in space.blocks))
        ),
        reverse=True,
    )
    assert got == pytest.approx(every[:5])


# ------------------------------------------------------------------ binding


def test_a_binding_agreement_is_never_reopened(usj: DealSpace) -> None:
    for protocol in ("sequential", "sequential-blocks", "sequential-negotiated", "silos"):
        run = simulate(usj, protocol, ("linear", "tit-for-tat"), seed=2, noise=0.1)
        assert run.bindings, protocol
        bound_at = {}
        for e in run.trace:
            if e.kind == "bind":
                assert e.track not in bound_at, f"{protocol}: {e.track} bound twice"
                bound_at[e.track] = e.round
            elif e.kind in ("offer", "accept", "reject") and e.track in bound_at:
                pytest.fail(f"{protocol}: {e.track} reopened in round {e.round} after binding")
        for b in run.bindings:  # the bound parts are in force at the end
            for issue, option in b.package.items():
                assert run.in_force[issue] == option


def test_single_undertaking_realises_nothing_before_the_final_agreement(usj: DealSpace) -> None:
    run = simulate(usj, "alternating", ("boulware", "boulware"), seed=0, discount=0.99)
    assert run.agreement and run.round is not None and run.round > 10
    before = run.value_over_time[: run.round]
    assert np.allclose(before, usj.batna)
    assert (run.value_over_time[run.round] > usj.batna).all()


def test_early_harvests_realise_value_before_the_end(usj: DealSpace) -> None:
    run = simulate(usj, "sequential", ("linear", "linear"), seed=0, discount=0.99)
    first = min(b.round for b in run.bindings)
    last = max(b.round for b in run.bindings)
    assert first < last
    gained = run.value_over_time[first] - usj.batna
    assert (gained != 0).any()


def test_breakdown_keeps_the_harvests(usj: DealSpace) -> None:
    for seed in range(200):
        run = simulate(usj, "sequential", ("conceder", "conceder"), seed=seed, hazard=0.01)
        if run.breakdown and run.bindings:
            assert all(b.round < run.breakdown_round for b in run.bindings)
            gains = sum(np.array(list(b.gains.values())) for b in run.bindings)
            assert np.array(list(run.utilities.values())) == pytest.approx(usj.batna + gains)
            return
    pytest.fail("no run broke down after a harvest")


def test_given_order_is_followed_and_unknown_units_are_refused(usj: DealSpace) -> None:
    proto = SequentialBinding(order=["energy", "security"], bindable=False, stage_rounds=10)
    run = simulate(usj, proto, ("conceder", "conceder"), seed=0)
    tracks = [e.track for e in run.trace if e.kind == "offer"]
    assert tracks[0] == "energy"
    trade = next(t for t in tracks if t.startswith("trade"))
    assert tracks.index("security") < tracks.index(trade)
    # by default only the bindable units are negotiated: security has no zone of agreement of its own
    bindable = simulate(
        usj, SequentialBinding(order=["energy", "security"]), ("conceder", "conceder"), seed=0
    )
    assert "security" not in {e.track for e in bindable.trace if e.kind == "offer"}
    assert not Prepared(usj).bindable(next(u for u in domain_units(usj) if u.name == "security"))
    with pytest.raises(DealspaceError, match="did you mean 'energy'|Did you mean 'energy'"):
        simulate(usj, SequentialBinding(order=["enrgy"]), ("linear", "linear"))


def test_negotiated_agenda_starts_with_the_first_movers_favourite(usj: DealSpace) -> None:
    prepared = Prepared(usj)
    agenda = SequentialBinding(order="negotiated").agenda(prepared)
    gains = {}
    for u in domain_units(usj):
        table = prepared.table(u)
        gains[u.name] = float((table.utility[:, 0] - table.status_quo[0]).max())
    assert agenda[0].name == max(gains, key=gains.__getitem__)


# ------------------------------------------------------------------ the single text


def test_mediator_starts_at_nash_and_moves_toward_objectors(usj: DealSpace) -> None:
    table = Prepared(usj).table(whole(usj), whole_package=True)
    texts = mediator_texts(table, 30, 0.25)
    target = np.array(list(nash(usj).utilities.values()))
    assert table.utility[texts[30]] == pytest.approx(target)
    u0 = table.utility[texts, 0]
    assert (np.diff(u0) >= -1e-9).all() and u0[-1] > u0[0]


def test_single_text_records_objections_with_what_must_change(usj: DealSpace) -> None:
    run = simulate(usj, "snt", ("boulware", "linear"), seed=0)
    objections = [e for e in run.trace if e.kind == "object"]
    assert objections and all(e.note.startswith("must change:") for e in objections)
    assert run.agreement


# ------------------------------------------------------------------ reachable outcomes


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(spaces(min_parties=2, max_parties=2))
def test_single_undertaking_reaches_at_least_what_early_harvests_reach(space: DealSpace) -> None:
    for criterion in ("nash", "utilitarian"):
        su = best_reachable(space, "alternating", criterion)
        for other in ("sequential", "sequential-blocks", "silos"):
            assert su >= best_reachable(space, other, criterion) - 1e-9


def test_single_undertaking_beats_harvests_without_time_costs(usj: DealSpace) -> None:
    su = simulate(usj, "alternating", ("nash", "nash"), seed=0)
    for proto in ("sequential", "sequential-blocks", "silos"):
        assert best_reachable(usj, "alternating") > best_reachable(usj, proto)
        other = simulate(usj, proto, ("nash", "nash"), seed=0)
        g_su = np.prod(np.array(list(su.utilities.values())) - usj.batna)
        g_other = np.prod(np.array(list(other.utilities.values())) - usj.batna)
        assert g_su >= g_other


# ------------------------------------------------------------------ the registry


def test_protocol_names_and_parameters_are_checked() -> None:
    with pytest.raises(DealspaceError, match="Did you mean 'sequential'"):
        get_protocol("sequental")
    with pytest.raises(DealspaceError, match="no parameter 'ordr'"):
        get_protocol({"name": "sequential", "ordr": "negotiated"})
    with pytest.raises(DealspaceError, match="unknown order"):
        get_protocol({"name": "sequential", "order": "random"})
    assert (
        get_protocol({"name": "sequential", "order": "negotiated"}).label == "sequential-negotiated"
    )
    assert get_protocol("early-harvest").name == "sequential"


def test_process_simulation_is_bilateral() -> None:
    import yaml

    from dealspace.scenario.model import Scenario

    data = yaml.safe_load(Path(TOY).read_text())
    third = {
        "id": "c",
        "valuations": {"defence": {"weight": 1, "value": {"none": 0, "some": 1, "more": 0.5}}},
    }
    data["parties"].append(third)
    scenario = Scenario.model_validate(data)
    with pytest.raises(DealspaceError, match="bilateral"):
        simulate(scenario, "alternating", ("linear", "linear"))
    run = simulate(scenario, "alternating", ("linear", "linear"), parties=["a", "c"], seed=0)
    assert run.parties == ("a", "c")


def test_nondominated_keeps_exact_values() -> None:
    """Deduplication to 9 decimals must not round what it returns: the reachable
    agreements of a sequential protocol are sums of exact utilities."""
    from dealspace.process.protocols import nondominated

    third = 1.0 / 3.0
    pts = np.array([[third, 0.1], [third + 1e-12, 0.1], [0.0, 0.0]])
    out = nondominated(pts)
    assert out.shape == (1, 2)
    assert out[0, 0] == third
