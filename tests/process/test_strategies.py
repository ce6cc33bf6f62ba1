"""Strategies: a shared contract every strategy passes, then a few exchanges each.

The contract (after Axelrod's ``TestPlayer``): classifier metadata present, a
docstring naming the literature, ``reset`` restores the fresh state, seeded
runs reproduce, offers are candidates of the table, an agent never proposes a
package that breaks its own red lines or must-haves and never accepts a
package that gives it nothing over its reservation value, and a batch of runs
equals the same runs simulated one by one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from dealspace.process import monte_carlo, simulate
from dealspace.process.candidates import Prepared, whole
from dealspace.process.protocols import get_protocol
from dealspace.process.simulate import deal_space
from dealspace.process.strategies import (
    STRATEGIES,
    Boulware,
    Conceder,
    FrequencyLearner,
    Hardliner,
    Linear,
    NashSeeker,
    Random,
    State,
    Strategy,
    TitForTat,
    get_strategy,
)
from dealspace.scenario.conditions import holds
from dealspace.space import DealSpace

TOY = Path(__file__).parents[1] / "data" / "toy.yaml"
CLASSIFIER_KEYS = {"time_dependent", "stochastic", "learns", "opponent_model"}


def toy() -> DealSpace:
    return deal_space(str(TOY))


def breaks_own_constraints(space: DealSpace, party: str, package: dict[str, Any]) -> bool:
    """Whether a package breaks one of the party's must-haves or red lines."""
    scenario = space.scenario
    by_issue = {i.id: i for i in scenario.issues}
    choice = {i: np.array([scenario.issue(i).option_index(package[i])]) for i in scenario.issue_ids}
    for c in space.constraints:
        if c.party == party:
            hold = bool(holds(c.constraint.condition, by_issue, choice)[0])
            if hold != (c.kind == "must_have"):
                return True
    return False


def fresh_state(
    space: DealSpace, me: int, deadline: int = 20, runs: int = 1, seed: int = 0
) -> State:
    table = Prepared(space).table(whole(space), whole_package=True)
    other = table.utility[None, :, 1 - me]
    uniforms = np.random.default_rng(seed).random((runs, 2 * deadline))
    return State(table, me, other, np.array([table.reservation[1 - me]]), deadline, runs, uniforms)


def play(strategy: Strategy, space: DealSpace, rounds: int = 8, seed: int = 0) -> list[int]:
    """Offers and answers of a strategy facing a scripted opponent (its own offers reversed)."""
    state = fresh_state(space, 0, deadline=rounds, seed=seed)
    script = list(reversed(state.order.tolist()))
    out = []
    for t in range(rounds):
        state.t = t
        offer = np.asarray(strategy.propose(state)).reshape(-1)
        state.sent.append(offer)
        out.append(int(offer[0]))
        incoming = np.array([script[min(t, len(script) - 1)]])
        state.received.append(incoming)
        out.append(int(np.asarray(strategy.respond(state, incoming)).reshape(-1)[0]))
    return out


# ------------------------------------------------------------------ the contract


class StrategyContract:
    """Checks every strategy must pass; subclasses set ``strategy`` and ``expected``."""

    strategy: ClassVar[type[Strategy]]
    expected: ClassVar[dict[str, bool]]

    def make(self) -> Strategy:
        return self.strategy()

    def test_classifier_metadata(self) -> None:
        assert set(self.strategy.classifier) >= CLASSIFIER_KEYS
        for key, value in self.expected.items():
            assert self.strategy.classifier[key] is value, key

    def test_docstring_names_its_source(self) -> None:
        doc = self.strategy.__doc__ or ""
        assert "References" in doc and len(doc.split("References")[1].strip()) > 20

    def test_registered_by_name(self) -> None:
        assert self.strategy in STRATEGIES
        assert type(get_strategy(self.strategy.name)) is self.strategy

    def test_reset_restores_state(self) -> None:
        space = toy()
        s = self.make()
        first = play(s, space)
        s.reset()
        assert play(s, space) == first
        assert play(self.make(), space) == first

    def test_seeded_runs_reproduce(self) -> None:
        a = simulate(TOY, "alternating", (self.make(), "linear"), seed=7, deadline=15, noise=0.2)
        b = simulate(TOY, "alternating", (self.make(), "linear"), seed=7, deadline=15, noise=0.2)
        assert a.to_dict() == b.to_dict()

    def test_offers_are_candidates(self) -> None:
        state = fresh_state(toy(), 1, runs=3)
        offer = np.asarray(self.make().propose(state))
        assert offer.dtype.kind == "i"
        assert ((offer >= 0) & (offer < state.table.size)).all()

    @pytest.mark.parametrize("scenario", [str(TOY), "us-japan-2025"])
    @pytest.mark.parametrize("side", [0, 1])
    def test_never_proposes_against_own_red_lines(self, scenario: str, side: int) -> None:
        space = deal_space(scenario)
        pair: list[Any] = ["conceder", "boulware"]
        pair[side] = self.make()
        run = simulate(space, "alternating", pair, seed=3, deadline=30, noise=0.3)
        me = space.parties[side]
        offers = [e for e in run.trace if e.kind == "offer" and e.party == me]
        assert offers
        for e in offers:
            assert e.package is not None
            assert not breaks_own_constraints(space, me, e.package)

    @pytest.mark.parametrize("protocol", ["alternating", "sequential-blocks", "snt"])
    def test_never_accepts_nothing(self, protocol: str) -> None:
        space = deal_space("us-japan-2025")
        run = simulate(space, protocol, (self.make(), "conceder"), seed=5, deadline=60, noise=0.2)
        by_track = {t.name: t for t in get_protocol(protocol).tables(Prepared(space))}
        for e in run.trace:
            if e.kind == "accept" and e.party == space.parties[0]:
                table = by_track[e.track]
                assert e.utilities is not None
                assert e.utilities[0] > table.reservation[0]

    def test_batch_equals_single_runs(self) -> None:
        space = toy()
        seed, n = 11, 6
        mc = monte_carlo(
            space,
            "alternating",
            [(self.make(), "tit-for-tat")],
            runs=n,
            seed=seed,
            deadline=25,
            noise=0.3,
            hazard=0.02,
        )
        children = np.random.SeedSequence(seed).spawn(n)
        for i, child in enumerate(children):
            run = simulate(
                space,
                "alternating",
                (self.make(), "tit-for-tat"),
                seed=child,
                deadline=25,
                noise=0.3,
                hazard=0.02,
            )
            row = mc.runs.iloc[i]
            assert bool(row["agreement"]) == run.agreement
            assert bool(row["breakdown"]) == run.breakdown
            for p in space.parties:
                assert row[f"value:{p}"] == pytest.approx(run.value[p])


# ------------------------------------------------------------------ each strategy


class TestBoulware(StrategyContract):
    strategy = Boulware
    expected = {"time_dependent": True, "stochastic": False, "learns": False}

    def test_concedes_later_than_conceder(self) -> None:
        space = deal_space("us-japan-2025")
        b, c = fresh_state(space, 0, deadline=50), fresh_state(space, 0, deadline=50)
        for t in (5, 15, 25, 35):
            b.t = c.t = t
            assert b.own[Boulware().propose(b)][0] >= c.own[Conceder().propose(c)][0]


class TestLinear(StrategyContract):
    strategy = Linear
    expected = {"time_dependent": True, "stochastic": False, "learns": False}

    def test_target_runs_from_best_to_reservation(self) -> None:
        state = fresh_state(toy(), 0, deadline=11)
        s = Linear()
        assert float(s.target(state, 0)) == pytest.approx(state.own_max)
        assert float(s.target(state, 10)) == pytest.approx(state.floor)
        assert float(s.target(state, 5)) == pytest.approx((state.own_max + state.floor) / 2)

    def test_rejects_invalid_exponent(self) -> None:
        from dealspace.errors import DealspaceError

        with pytest.raises(DealspaceError, match="exponent"):
            Linear(e=0)


class TestConceder(StrategyContract):
    strategy = Conceder
    expected = {"time_dependent": True, "stochastic": False, "learns": False}

    def test_first_offer_is_own_best(self) -> None:
        state = fresh_state(toy(), 1)
        assert state.own[Conceder().propose(state)][0] == pytest.approx(state.own_max)


class TestHardliner(StrategyContract):
    strategy = Hardliner
    expected = {"time_dependent": False, "stochastic": False, "learns": False}

    def test_always_offers_its_best_and_accepts_only_that(self) -> None:
        state = fresh_state(toy(), 0, deadline=10)
        s = Hardliner()
        for t in range(10):
            state.t = t
            assert state.own[s.propose(state)][0] == pytest.approx(state.own_max)
        second = state.order[1:2]
        assert not s.respond(state, second)[0] or state.own[second[0]] == pytest.approx(
            state.own_max
        )
        assert s.respond(state, state.order[:1])[0]


class TestTitForTat(StrategyContract):
    strategy = TitForTat
    expected = {"time_dependent": False, "stochastic": False, "learns": False}

    def test_concedes_one_step_to_a_hardliner_then_holds(self) -> None:
        run = simulate(TOY, "alternating", ("tit-for-tat", "hardliner"), seed=0, deadline=30)
        own = [
            e.utilities[0]
            for e in run.trace
            if e.kind == "offer" and e.party == "a" and e.utilities
        ]
        assert len(set(own)) == 2 and own[0] > own[1] and len(set(own[1:])) == 1
        assert not run.agreement

    def test_two_tit_for_tats_agree(self) -> None:
        run = simulate(TOY, "alternating", ("tit-for-tat", "tit-for-tat"), seed=0, deadline=30)
        assert run.agreement


class TestNashSeeker(StrategyContract):
    strategy = NashSeeker
    expected = {"time_dependent": False, "stochastic": False, "learns": False}

    def test_two_seekers_sign_the_nash_package_at_once(self) -> None:
        from dealspace.analysis import nash

        space = deal_space("us-japan-2025")
        run = simulate(space, "alternating", ("nash", "nash"), seed=0)
        assert run.agreement and run.round == 0
        assert run.utilities == pytest.approx(nash(space).utilities)
        assert run.distance_to_nash == pytest.approx(0.0, abs=1e-12)


class TestFrequencyLearner(StrategyContract):
    strategy = FrequencyLearner
    expected = {"time_dependent": True, "stochastic": False, "learns": True}

    def test_an_issue_kept_fixed_gains_weight(self) -> None:
        state = fresh_state(toy(), 0, deadline=20)
        table = state.table
        rice, tariff = table.issues.index("rice"), table.issues.index("tariff")
        kept = table.options[0, rice]
        offers = np.flatnonzero(table.options[:, rice] == kept)[:6]
        assert len(set(table.options[offers, tariff].tolist())) > 1  # tariff varies, rice does not
        for t, c in enumerate(offers):
            state.t = t
            state.received.append(np.array([c]))
        s = FrequencyLearner()
        s._learn(state)
        model = s.model(state)[0]
        assert (
            model[table.options[:, rice] == kept].mean()
            > model[table.options[:, rice] != kept].mean()
        )

    def test_learns_nothing_before_the_first_offer(self) -> None:
        state = fresh_state(toy(), 0)
        s = FrequencyLearner()
        assert s._current_prefix(state) is None


class TestRandom(StrategyContract):
    strategy = Random
    expected = {"time_dependent": False, "stochastic": True, "learns": False}

    def test_different_seeds_give_different_runs(self) -> None:
        runs = {
            tuple(
                e.candidate
                for e in simulate(
                    TOY, "alternating", ("random", "boulware"), seed=s, deadline=12
                ).trace
            )
            for s in range(6)
        }
        assert len(runs) > 1

    def test_offers_only_acceptable_packages(self) -> None:
        state = fresh_state(toy(), 0, runs=50, deadline=5)
        offers = Random().propose(state)
        assert (state.own[offers] >= state.floor - 1e-9).all()


def test_every_registered_strategy_has_a_contract_test() -> None:
    tested = {cls.strategy for cls in StrategyContract.__subclasses__()}
    assert set(STRATEGIES) <= tested


def test_unknown_strategy_has_a_hint() -> None:
    from dealspace.errors import DealspaceError

    with pytest.raises(DealspaceError, match="Did you mean 'boulware'"):
        get_strategy("boulwere")
