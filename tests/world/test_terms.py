"""Deal terms that spill over, a strategic US, forced blocs and partners that never retaliate."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from world_toy import GOLDEN, GOLDEN_VARIANTS, TOY_WORLD, toy_economy

from dealspace.errors import DealspaceError
from dealspace.world import load_world, simulate
from dealspace.world.calibration import World
from dealspace.world.terms import demanded, punishing, punishment


@pytest.fixture(scope="module")
def toy() -> World:
    return load_world(TOY_WORLD, economy=toy_economy())


def _frames(world: World) -> pd.DataFrame:
    parts = [
        simulate(world, 25, seed=5, **kw).partners.assign(variant=str(kw)) for kw in GOLDEN_VARIANTS
    ]
    frame = pd.concat(parts, ignore_index=True)
    return pd.read_csv(io.StringIO(frame.to_csv(index=False)))  # the golden file's dtypes


def test_without_spillover_of_terms_results_equal_the_old_model(toy: World) -> None:
    assert toy.terms_spillover == 0.0 and toy.reputation == 0.0
    # choices, outcomes and turns exactly; welfare to 1e-9 (so a solver with a tighter
    # tolerance does not break the test — a changed model would)
    pd.testing.assert_frame_equal(
        _frames(toy), pd.read_csv(GOLDEN), check_exact=False, rtol=1e-9, atol=1e-12
    )


def test_spillover_of_terms_changes_concessions_not_the_first_mover(toy: World) -> None:
    on = simulate(toy.with_(terms_spillover=1.0), 30, seed=1, order="given").partners
    off = simulate(toy, 30, seed=1, order="given").partners
    cols = ["run", "partner", "action", "outcome", "turn", "waits", "concession"]
    first_on, first_off = on[on["turn"] == 1][cols], off[off["turn"] == 1][cols]
    pd.testing.assert_frame_equal(
        first_on.reset_index(drop=True), first_off.reset_index(drop=True)
    )  # no deal before it
    # with full spillover every good deal after the first pays the first good deal's concession
    for _, run in on.groupby("run"):
        good = run[run["outcome"] == "good"].sort_values("turn")
        if len(good) > 1:
            assert np.allclose(good["concession"], good["concession"].iloc[0])
    assert not on["concession"].equals(off["concession"])


def test_demanded_concession_by_hand() -> None:
    assert demanded(0.02, [], 0, 0.5, 0.0) == 0.02  # no precedent: own terms
    assert demanded(0.02, [0.06, 0.10], 0, 0.5, 0.0) == pytest.approx(0.5 * 0.02 + 0.5 * 0.08)
    assert demanded(0.02, [0.06], 2, 0.0, 0.25) == pytest.approx(0.02 * 1.5)
    assert (
        punishment(0.4, 0, 5) == 0.4
        and punishment(0.4, 2, 5) == pytest.approx(0.2)
        and punishment(0.4, 4, 5) == 0.0
    )
    row = punishing([0.8, 0.05, 0.15], 0.5, 1)
    assert row.tolist() == pytest.approx([0.4, 0.525, 0.075]) and row.sum() == pytest.approx(1.0)


def test_a_strategic_us_punishes_early_and_raises_later_demands(toy: World) -> None:
    runs = 150
    base = simulate(toy, runs, seed=2, order="given").partners
    strat = simulate(toy.with_(reputation=1.0), runs, seed=2, order="given").partners

    def bad(df, pos):
        return ((df["position"] == pos) & (df["outcome"] == "bad")).sum() / max(
            1, ((df["position"] == pos) & (df["action"] == "settle")).sum()
        )  # noqa: E731

    assert bad(strat, 1) > bad(base, 1) + 0.2  # the first settler is punished far more often
    # what a partner pays for a deal rises with the punishments seen before it
    own = {p.code: p.concession for p in toy.partners}
    paid = strat[strat["concession"] > 0]
    ratio = paid["concession"] / paid["partner"].map(own)
    assert (ratio >= 1 - 1e-12).all() and (ratio > 1).any()


def test_forced_bloc_and_never_retaliate(toy: World) -> None:
    res = simulate(toy, 20, seed=0, order="given", blocs=[["beta", "D"]]).partners
    members = res[res["partner"].isin(["B", "D"])]
    assert (members["action"] == "bloc").all() and (members["bloc_size"] == 2).all()
    assert (members.groupby("run")["turn"].nunique() == 1).all()  # they move together
    never = simulate(toy, 40, seed=0, order="given", never_retaliate=["B", "gamma"]).partners
    assert not never[never["partner"].isin(["B", "C"])]["retaliated"].any()
    free = simulate(toy, 40, seed=0, order="given").partners
    assert free[free["partner"].isin(["B", "C"])]["retaliated"].any()  # the option mattered
    with pytest.raises(DealspaceError, match="also in a forced bloc"):
        simulate(toy, 1, blocs=[["A", "B"]], never_retaliate=["A"])
    with pytest.raises(DealspaceError, match="fewer than two"):
        simulate(toy, 1, blocs=[["A", "alpha"]])
    with pytest.raises(DealspaceError, match="(?i)did you mean"):
        simulate(toy, 1, never_retaliate=["Alpah"])


def test_demanded_all_is_demanded_of_each_partner_bit_for_bit() -> None:
    from dealspace.world.terms import demanded, demanded_all

    costs = [0.013, 0.021, 0.05, 0.2, 0.0071]
    for precedents in ([], [0.06], [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09]):
        for punished, tau, rho in ((0, 0.0, 0.0), (0, 0.5, 0.0), (2, 0.3, 0.4), (1, 1.0, 1.0)):
            every = demanded_all(costs, precedents, punished, tau, rho)
            assert every.tolist() == [demanded(c, precedents, punished, tau, rho) for c in costs]
