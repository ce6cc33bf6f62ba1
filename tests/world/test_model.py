"""The bellwether game: GE payoffs, seeded runs, the domino, blocs and the world-2025 calibration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from world_toy import TOY_WORLD, toy_economy

from dealspace.economy.gravity import solve
from dealspace.errors import DealspaceError
from dealspace.world import (
    PayoffTable,
    by_position,
    compare_variants,
    compare_with_history,
    domino,
    first_mover,
    list_worlds,
    load_world,
    prior_sensitivity,
    retaliation_by_first,
    simulate,
    summary,
)
from dealspace.world.calibration import World
from dealspace.world.payoffs import DEAL, ESCALATED, HOLD, STATES, THREAT

BUILTIN = Path(__file__).resolve().parents[2] / "src" / "dealspace" / "world" / "world-2025.yaml"


@pytest.fixture(scope="module")
def world() -> World:
    return load_world("world-2025")


@pytest.fixture(scope="module")
def table(world: World) -> PayoffTable:
    return world.payoff_table()


# ------------------------------------------------------------------ payoffs


def test_payoffs_equal_the_economy_module(world: World, table: PayoffTable) -> None:
    rng = np.random.default_rng(1)
    n = len(world.partners)
    for key in [(THREAT,) * n, (DEAL,) * n, tuple(int(k) for k in rng.integers(0, 4, n))]:
        frame = solve(world.economy, table.matrix(key), world.params).to_frame()
        assert table.welfare(key) == pytest.approx(frame["welfare_pct"].to_numpy(), abs=1e-12)


def test_tariff_matrix_of_a_state(world: World, table: PayoffTable) -> None:
    eco = world.economy
    us, jpn, chn, row = (eco.index(c) for c in ("USA", "JPN", "CHN", "ROW"))
    p_jpn, p_chn = world.index("JPN"), world.index("CHN")
    key = [THREAT] * len(world.partners)
    key[p_jpn], key[p_chn] = DEAL, ESCALATED
    t = table.matrix(tuple(key))
    assert t[jpn, us] == 0.15 and t[us, jpn] == 0.0  # the deal rate, no retaliation
    assert t[chn, us] == 1.45 and t[us, chn] == 1.25  # escalation on both sides
    assert t[row, us] == world.background
    key[p_jpn] = HOLD
    t = table.matrix(tuple(key))
    assert t[jpn, us] == 0.24 and t[us, jpn] == 0.24  # threat vs reciprocal retaliation


def test_cache_solves_each_state_once(world: World) -> None:
    table = world.payoff_table()
    key = (DEAL,) + (THREAT,) * (len(world.partners) - 1)
    first = table.welfare(key)
    again = table.welfare(key)
    assert first is again and table.solves == 1 and table.hits == 1


def test_expansion_is_exact_up_to_two_deviations(world: World, table: PayoffTable) -> None:
    n = len(world.partners)
    for key in [
        (THREAT,) * n,
        (DEAL,) + (THREAT,) * (n - 1),
        (HOLD, ESCALATED) + (THREAT,) * (n - 2),
    ]:
        assert table.approx(key) == pytest.approx(table.welfare(key), abs=1e-9)
    many = (DEAL,) * 5 + (HOLD,) * (n - 5)
    assert table.approx(many)[table.regions] == pytest.approx(
        table.welfare(many)[table.regions], abs=0.1
    )


def test_realised_welfare_is_the_ge_welfare_of_the_final_state(
    world: World, table: PayoffTable
) -> None:
    res = simulate(world, 5, seed=3, table=table)
    for _, run in res.partners.groupby("run"):
        run = run.set_index("partner").loc[list(world.codes)]
        key = tuple(STATES.index(s) for s in run["state"])
        assert run["welfare_pct"].to_numpy() == pytest.approx(table.partner_welfare(key))
        assert run["us_welfare_pct"].iloc[0] == pytest.approx(table.large_welfare(key))
        cost = run["concession"] + run["delay_cost"] + run["tot_netted"]
        assert run["payoff"].to_numpy() == pytest.approx((run["welfare_pct"] - cost).to_numpy())


# ------------------------------------------------------------------ runs


def test_same_seed_same_frames_and_chunks_do_not_matter(world: World, table: PayoffTable) -> None:
    a = simulate(world, 12, seed=7, order="random", table=table)
    b = simulate(world, 12, seed=7, order="random", table=world.payoff_table())
    pd.testing.assert_frame_equal(a.partners, b.partners)
    pd.testing.assert_frame_equal(a.events, b.events)
    parts = [
        simulate(world, 5, seed=7, order="random", table=table),
        simulate(world, 7, seed=7, order="random", table=table, run_offset=5),
    ]
    pd.testing.assert_frame_equal(
        pd.concat([p.partners for p in parts], ignore_index=True), a.partners
    )
    c = simulate(world, 12, seed=8, order="random", table=table)
    assert not a.partners.equals(c.partners)


def test_every_partner_concludes_once_per_run(world: World, table: PayoffTable) -> None:
    res = simulate(world, 20, seed=0, table=table)
    df = res.partners
    n = len(world.partners)
    assert len(df) == 20 * n and df.groupby("run")["partner"].nunique().eq(n).all()
    assert set(df["action"]) <= {"settle", "retaliate", "bloc", "stay"}
    assert (df["waits"] <= world.max_waits).all()
    settled = df[df["action"] == "settle"]
    assert set(settled["outcome"]) <= {"good", "bad", "none"}
    assert (settled.loc[settled["outcome"] == "good", "state"] == "deal").all()
    assert (df.loc[df["concession"] > 0, "outcome"].isin(["good", "bad"])).all()


def test_forced_first_outcome(world: World, table: PayoffTable) -> None:
    res = simulate(world, 10, seed=0, first="japan", outcome="bad", table=table)
    jpn = res.partners[res.partners["partner"] == "JPN"]
    assert (
        (jpn["position"] == 1).all()
        and (jpn["outcome"] == "bad").all()
        and (jpn["turn"] == 1).all()
    )
    assert (res.partners["first_outcome"] == "bad").all()


def test_without_spillover_choices_do_not_depend_on_the_first_outcome(
    world: World, table: PayoffTable
) -> None:
    # beliefs never move, partners value options against the threat world and deal terms do
    # not spill over: no channel left
    closed = world.with_(terms_spillover=0.0, reputation=0.0)
    frames = []
    for outcome in ("good", "bad", "none"):
        res = simulate(
            closed,
            15,
            seed=2,
            first="JPN",
            outcome=outcome,
            spillover=0.0,
            context="reference",
            table=table,
        )
        others = res.partners[res.partners["partner"] != "JPN"]
        frames.append(
            others[["run", "partner", "action", "outcome", "turn", "waits"]].reset_index(drop=True)
        )
    pd.testing.assert_frame_equal(frames[0], frames[1])
    pd.testing.assert_frame_equal(frames[0], frames[2])


def test_with_spillover_a_bad_first_deal_raises_retaliation(
    world: World, table: PayoffTable
) -> None:
    res = domino(world, "JPN", runs=40, seed=0, table=table)
    by_first = retaliation_by_first(res)
    assert list(by_first.columns) == ["good", "bad", "none"]
    assert "JPN" not in by_first.index and "mean" in by_first.index
    assert by_first.loc["mean", "bad"] > by_first.loc["mean", "good"] > 0


def test_blocs_move_together(world: World, table: PayoffTable) -> None:
    res = simulate(world, 40, seed=0, first="JPN", outcome="bad", table=table)
    blocs = res.partners[res.partners["action"] == "bloc"]
    assert len(blocs) > 0
    for _, members in blocs.groupby(["run", "turn"]):
        assert len(members) >= world.min_bloc and (members["bloc_size"] == len(members)).all()
        assert members["outcome"].nunique() == 1
    off = compare_variants(
        world,
        {
            "blocs": {"first": "JPN", "outcome": "bad"},
            "no blocs": {"first": "JPN", "outcome": "bad", "min_bloc": 10**6},
        },
        runs=20,
    )
    assert off.loc["no blocs", "bloc"] == 0 and off.loc["blocs", "bloc"] > 0


def test_exact_and_expanded_decisions_agree_closely(world: World, table: PayoffTable) -> None:
    a = simulate(world, 10, seed=4, table=table).partners
    b = simulate(world, 10, seed=4, table=table, exact=True).partners
    assert (a["action"] == b["action"]).mean() >= 0.9


def test_summaries(world: World, table: PayoffTable) -> None:
    res = simulate(world, 30, seed=1, order="random", table=table)
    s = summary(res)
    assert list(s.index) == list(world.codes)
    shares = s[["settle", "retaliate", "stay"]].sum(axis=1)
    assert np.allclose(shares, 1.0)
    pos = by_position(res)
    assert list(pos.index) == list(range(1, len(world.partners) + 1))
    assert abs(by_position(res, by="partner")["first"].notna().sum()) > 0
    fm = first_mover(world, runs=4, seed=0, table=table)
    assert list(fm.index) == list(world.codes) and np.isfinite(fm["advantage"]).all()
    sens = prior_sensitivity(world, toward=("boomerang",), weights=(0.0, 0.5), runs=10, table=table)
    assert sens.loc[1, "retaliate"] >= sens.loc[0, "retaliate"]


def test_bad_arguments(world: World) -> None:
    with pytest.raises(DealspaceError, match="(?i)did you mean 'japan'"):
        simulate(world, 1, first="japon")
    with pytest.raises(DealspaceError, match="(?i)did you mean 'good'"):
        simulate(world, 1, first="JPN", outcome="goood")
    with pytest.raises(DealspaceError, match="order"):
        simulate(world, 1, order="stakez")
    with pytest.raises(DealspaceError, match="runs"):
        simulate(world, 0)


# ------------------------------------------------------------------ calibration


def test_builtin_world_2025(world: World) -> None:
    assert list_worlds() == ["world-2025"]
    rates = {p.code: (p.threat, p.deal) for p in world.partners}
    assert (
        rates["JPN"] == (0.24, 0.15)
        and rates["VNM"] == (0.46, 0.20)
        and rates["KOR"] == (0.25, 0.15)
    )
    assert rates["CHN"] == (0.54, 0.30) and rates["CHE"] == (0.31, 0.15)
    jpn = world.partners[world.index("JPN")]
    gdp_bn = world.economy.gdp[world.economy.index("JPN")] / 1e3
    assert jpn.concession == pytest.approx(100 * 0.01 * (550 / 3.4 + 8 + 3) / gdp_bn)
    assert sum(jpn.prior) == pytest.approx(1.0)


def test_every_number_in_the_builtin_file_has_a_source() -> None:
    data = yaml.safe_load(BUILTIN.read_text())

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            if "value" in node:
                assert str(node.get("source", "")).strip(), path
                return
            for k, v in node.items():
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")
        else:
            assert not isinstance(node, int | float) or isinstance(node, bool), (
                f"{path} = {node!r} has no source"
            )

    for key in ("likelihoods", "prior", "truth", "parameters", "order", "partners"):
        walk(data[key], key)


def test_history_comparison(world: World, table: PayoffTable) -> None:
    res = simulate(world, 20, seed=0, order="stakes", table=table)
    cmp = compare_with_history(res)
    assert list(cmp.index) == [p.code for p in world.partners if p.history]
    assert cmp.loc["CHN", "history"] == "retaliate" and cmp.loc["JPN", "history"] == "settle"
    assert cmp["hit"].dtype == bool and 0 <= cmp.attrs["hit_rate"] <= 1
    assert cmp.loc["GBR", "settle_rank_history"] == 1 and np.isnan(
        cmp.loc["AUS", "settle_rank_history"]
    )


def _write(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(BUILTIN.read_text())
    change(data)
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["partners"][0]["threat"].pop("source"),
            r"partners\[0\]\.threat\.source: this required field is missing",
        ),
        (
            lambda d: d["partners"][0]["threat"].update(source="  "),
            r"partners\[0\]\.threat\.source",
        ),
        (
            lambda d: d["partners"][0].update(treat=d["partners"][0]["threat"]),
            "(?i)did you mean 'threat'",
        ),
        (lambda d: d["partners"][0].update(region="JAP"), "(?i)did you mean 'JPN'"),
        (
            lambda d: d["likelihoods"]["settle"]["value"].update(dealmaker=[0.5, 0.5, 0.5]),
            "do not sum to 1",
        ),
        (
            lambda d: d["parameters"].update(noice=d["parameters"]["noise"]),
            "(?i)did you mean 'noise'",
        ),
        (
            lambda d: d["order"]["value"].pop(),
            r"does not list every partner once \(missing \['TWN'\]\)",
        ),
        (
            lambda d: d["partners"][2]["history"].update(outcome="escalate"),
            "does not answer 'settle'",
        ),
        (lambda d: d["partners"][2]["history"].update(date="July"), "YYYY-MM-DD"),
    ],
)
def test_bad_world_files(tmp_path: Path, world: World, change, message: str) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, change)
    with pytest.raises(DealspaceError, match=message) as err:
        load_world(path, economy=world.economy)
    assert str(path) in str(err.value)


def test_every_problem_of_a_world_file_at_once(tmp_path: Path, world: World) -> None:
    def change(d: dict) -> None:  # type: ignore[type-arg]
        d["partners"][0]["threat"].pop("source")
        d["partners"][0]["treat"] = 0.3
        d["partners"][1]["deal"]["value"] = "fifteen"
        d["likelihoods"]["settle"]["value"]["dealmaker"] = [0.5, 0.5, 0.5]
        d["parameters"]["noice"] = d["parameters"]["noise"]
        d["partners"][3]["concessions"][0].pop("years")

    with pytest.raises(DealspaceError) as err:
        load_world(_write(tmp_path, change), economy=world.economy)
    wheres = [p.where for p in err.value.problems]
    assert len(wheres) == 6
    assert set(wheres) == {
        "partners[0].threat.source",
        "partners[0].treat",
        "partners[1].deal.value",
        "likelihoods.settle.value",
        "parameters.noice",
        "partners[3].concessions[0]",
    }
    assert all(p.fix or ":" in p.what for p in err.value.problems)  # each says how to fix it

    def cross(d: dict) -> None:  # type: ignore[type-arg]
        d["partners"][0]["region"] = "JAP"
        d["order"]["value"].pop()
        d["prior"]["value"].pop("boomerang")

    with pytest.raises(DealspaceError) as err:
        load_world(_write(tmp_path, cross), economy=world.economy)
    assert {p.where for p in err.value.problems} == {
        "partners[0] (JPN).region",
        "order.value",
        "prior.value",
    }


def test_not_a_mapping_and_bad_yaml(tmp_path: Path, world: World) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(DealspaceError, match="not a mapping"):
        load_world(path, economy=world.economy)
    path.write_text("name: [unclosed\n")
    with pytest.raises(DealspaceError, match="not valid YAML"):
        load_world(path, economy=world.economy)


def test_adding_a_partner(tmp_path: Path) -> None:
    # docs/world.md's example (Brazil), on the toy economy where region E is outside the game
    data = yaml.safe_load(TOY_WORLD.read_text())
    data["partners"].append(yaml.safe_load(BRAZIL) | {"region": "E"})
    data["order"]["value"].append("BRA")
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(data))
    w = load_world(path, economy=toy_economy(with_e=True))
    bra = w.partners[w.index("brazil")]
    assert (bra.threat, bra.deal, bra.retaliation) == (0.5, 0.5, 0.5) and bra.history[
        "action"
    ] == "stay"
    res = simulate(w, 3, seed=0)
    assert "BRA" in set(res.partners["partner"])


BRAZIL = """
code: BRA
name: Brazil
threat: {value: 0.50, source: "50 % (cited as equal to India), Aug 2025 (facts C: NDTV Profit 6 Aug 2025)"}
deal: {value: 0.50, source: "assumption - no deal recorded"}
concessions:
  - item: generic concession
    cost_pct: {value: 0.02, source: "assumption - no deal recorded"}
history:
  action: stay
  outcome: stay
  date: 2025-08-06
  note: Lula indicated possible retaliation, none recorded in the facts
  source: facts C, D (NDTV Profit 6 Aug 2025; NHK via daily8)
"""


def test_unknown_world_name() -> None:
    with pytest.raises(DealspaceError, match="(?i)did you mean 'world-2025'"):
        load_world("world-2052")
