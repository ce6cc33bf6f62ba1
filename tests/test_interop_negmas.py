"""NegMAS both ways: utilities equal dealspace's, negotiators run as dealspace strategies."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pytest

negmas = pytest.importorskip("negmas", reason="NegMAS is optional: pip install 'dealspace[negmas]'")

import dealspace  # noqa: E402
from dealspace.errors import DealspaceError  # noqa: E402
from dealspace.interop.negmas import (  # noqa: E402
    NegmasStrategy,
    from_negmas,
    package_of,
    run_sao,
    to_negmas,
)
from dealspace.process.simulate import simulate  # noqa: E402
from dealspace.space import acceptable, utilities  # noqa: E402

DATA = Path(__file__).parent / "data"
QUIRKS = DATA / "genius" / "quirks"
Boulware = negmas.sao.BoulwareTBNegotiator


def sample(space, n: int = 300):
    outcomes = list(itertools.islice(space.enumerate_or_sample(), 100_000))
    return random.Random(0).sample(outcomes, min(n, len(outcomes)))


@pytest.mark.parametrize("source", [DATA / "toy.yaml", QUIRKS / "numeric", QUIRKS / "multilateral"])
def test_to_negmas_utilities_are_dealspace(source: Path) -> None:
    s = dealspace.load_scenario(source)
    converted = to_negmas(s)
    assert [i.name for i in converted.outcome_space.issues] == list(s.issue_ids)
    for outcome in sample(converted.outcome_space):
        package = package_of(s, outcome)
        want = utilities(s, package)
        for p, ufun in enumerate(converted.ufuns):
            if acceptable(s, package):
                assert float(ufun(outcome)) == pytest.approx(want[p], abs=1e-9)
            else:  # off the deal space: the reservation value
                assert float(ufun(outcome)) == pytest.approx(ufun.reserved_value)


def test_reservation_is_the_batna_in_points() -> None:
    s = dealspace.load_scenario(DATA / "toy.yaml")
    converted = to_negmas(s)
    status_quo = utilities(s, s.status_quo())
    for p, (party, ufun) in enumerate(zip(s.parties, converted.ufuns, strict=True)):
        want = status_quo[p] if party.batna == "status_quo" else party.batna
        assert ufun.reserved_value == pytest.approx(want)


def test_hard_constraints_ignored_on_request() -> None:
    s = dealspace.load_scenario(DATA / "toy.yaml")
    exact, loose = to_negmas(s), to_negmas(s, hard="ignore")
    off = [o for o in sample(exact.outcome_space) if not acceptable(s, package_of(s, o))]
    assert off, "the toy has packages off the deal space"
    for o in off:
        assert float(loose.ufuns[0](o)) == pytest.approx(utilities(s, package_of(s, o))[0])
    with pytest.raises(DealspaceError, match="'reservation' or 'ignore'"):
        to_negmas(s, hard="maybe")


@pytest.mark.parametrize("name", ["holiday", "discounted"])
def test_round_trip_through_negmas(name: str) -> None:
    """dealspace → NegMAS → dealspace keeps every package's utility and the BATNAs."""
    s = dealspace.load_scenario(DATA / "genius" / name)
    back = from_negmas(to_negmas(s))
    assert back.party_ids == s.party_ids
    for combo in itertools.product(*(i.option_ids for i in s.issues)):
        package = dict(zip(s.issue_ids, combo, strict=True))
        mapped = dict(zip(back.issue_ids, (str(x) for x in combo), strict=True))
        assert utilities(back, mapped) == pytest.approx(utilities(s, package), abs=1e-12)
    assert [p.batna for p in back.parties] == pytest.approx([p.batna for p in s.parties])


def test_from_negmas_reads_negmas_genius_loader(tmp_path: Path) -> None:
    """from_negmas keeps every utility of a scenario read by NegMAS's own Genius reader.

    (NegMAS 0.16's reader keeps the raw evaluations, not divided by the issue's
    maximum as Genius does, so these are NegMAS's utilities, not Genius's.)"""
    loaded = negmas.inout.Scenario.from_genius_folder(DATA / "genius" / "holiday")
    assert loaded is not None
    s = from_negmas(loaded)
    for outcome in loaded.outcome_space.enumerate_or_sample():
        theirs = [float(u(outcome)) for u in loaded.ufuns]
        labels = [{o.label: o.id for o in issue.options} for issue in s.issues]
        package = package_of(s, [m[str(v)] for m, v in zip(labels, outcome, strict=True)])
        got = utilities(s, package)
        assert got == pytest.approx(theirs, abs=1e-9)


def test_from_negmas_refuses_what_it_cannot_read() -> None:
    s = dealspace.load_scenario(DATA / "toy.yaml")  # constraints: wrapper ufuns
    os_ = negmas.make_os([negmas.make_issue((0.0, 1.0), name="x")])
    with pytest.raises(DealspaceError, match="continuous"):
        from_negmas(
            [negmas.LinearAdditiveUtilityFunction(values=[negmas.IdentityFun()], outcome_space=os_)]
            * 2
        )
    assert to_negmas(s).ufuns[0] is not None


def test_negmas_sao_runs_on_a_dealspace_scenario() -> None:
    s = dealspace.load_scenario(QUIRKS / "numeric")
    package, got = run_sao(s, [Boulware, Boulware], n_steps=60)
    assert package is not None
    assert got == pytest.approx(utilities(s, package))
    assert all(got >= np.array([p.batna for p in s.parties]) - 1e-12)


def test_negmas_negotiator_seated_in_a_dealspace_protocol() -> None:
    s = dealspace.load_scenario(DATA / "genius" / "holiday")
    run = simulate(s, "alternating", (NegmasStrategy(Boulware), "boulware"), seed=1, deadline=60)
    assert run.agreement
    assert run.package is not None and acceptable(s, run.package)
    assert run.utilities[s.party_ids[0]] > float(s.parties[0].batna)
    # the reverse seat, and the same again from a fresh strategy (reset)
    run2 = simulate(s, "alternating", ("boulware", NegmasStrategy(Boulware)), seed=1, deadline=60)
    assert run2.agreement


@pytest.mark.slow
def test_negmas_negotiator_on_us_japan() -> None:
    s = dealspace.load_scenario("us-japan-2025")
    run = simulate(s, "alternating", (NegmasStrategy(Boulware), "boulware"), seed=1, deadline=100)
    assert run.package is None or acceptable(s, run.package)
    assert run.agreement


@pytest.mark.slow
def test_us_japan_in_negmas() -> None:
    """The reverse: us-japan-2025 (19 issues) negotiated by NegMAS's own mechanism."""
    s = dealspace.load_scenario("us-japan-2025")
    converted = to_negmas(s, hard="ignore")
    package, got = run_sao(s, [Boulware, Boulware], n_steps=50, converted=converted)
    assert package is not None
    assert got == pytest.approx(utilities(s, package))  # bonuses included, constraints not
