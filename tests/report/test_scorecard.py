"""The deal scorecard: the deal file, each criterion's computation, bad input, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import dealspace.cli.report  # noqa: F401  registers `score` until the lead wires it
from dealspace import DealspaceError, load_scenario
from dealspace.analysis import nash
from dealspace.analysis.deal import list_deals, load_deal
from dealspace.analysis.scorecard import contributions, score, tariff_change
from dealspace.cli import app
from dealspace.space import utilities, value_tables

TOY = Path(__file__).parents[1] / "data" / "toy.yaml"
runner = CliRunner()

TOY_DEAL = {
    "name": "toy-deal",
    "scenario": str(TOY),
    "terms": {
        "tariff": {"option": 10, "kind": "structural", "source": "a law"},
        "defence": {"option": "some", "kind": "headline", "source": "a pledge"},
    },
    "durability": [
        {
            "id": "law",
            "category": "implementation",
            "effect": "supports",
            "weight": 3,
            "claim": "in force",
        },
        {
            "id": "court",
            "category": "legal_risk",
            "effect": "undermines",
            "weight": 1,
            "claim": "challenged",
            "terms": ["tariff"],
        },
    ],
}


def write(tmp_path: Path, data: dict, name: str = "deal.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def card():  # type: ignore[no-untyped-def]
    deal = load_deal("us-japan-2025-07")
    return score(deal, load_scenario(deal.scenario))


# ------------------------------------------------------------------ the built-in deal


def test_builtin_deal_is_listed_and_fits_its_scenario(card) -> None:  # type: ignore[no-untyped-def]
    assert "us-japan-2025-07" in list_deals()
    assert [c.name for c in card.criteria] == [
        "structural vs headline",
        "practical vs symbolic",
        "mutual benefit",
        "fairness",
        "legal instruments",
        "durability",
        "stability under ranges",
        "regional architecture",
    ]
    assert card.package["auto_tariff"] == 15.0 and card.package["investment_size"] == "bn550"
    assert card.package["steel_aluminium"] == "s50"  # not in the deal: status quo


def test_builtin_deal_tags_tariffs_as_law_and_purchases_as_pledges() -> None:
    deal = load_deal("us-japan-2025-07")
    assert {i for i, t in deal.terms.items() if t.kind == "structural"} == {
        "reciprocal_tariff",
        "auto_tariff",
    }
    assert deal.terms["investment_size"].kind == "headline"
    assert all(t.source for t in deal.terms.values())
    assert all(e.source for e in deal.durability)
    ruling = next(e for e in deal.durability if e.id == "ieepa_ruling")
    assert (
        ruling.effect == "undermines"
        and ruling.terms == ["reciprocal_tariff"]
        and ruling.date == "2026-02-20"
    )


def test_contributions_add_up_to_the_utility_change() -> None:
    scenario = load_scenario("us-japan-2025")
    table = value_tables(scenario)
    rng = np.random.default_rng(1)
    base = utilities(scenario, scenario.status_quo(), values=table)
    for _ in range(25):
        package = {i.id: i.option_ids[rng.integers(len(i.option_ids))] for i in scenario.issues}
        delta = contributions(scenario, table, package)
        total = np.sum(list(delta.values()), axis=0)
        assert total == pytest.approx(utilities(scenario, package, values=table) - base)


def test_structural_share_is_the_share_of_value_moved_in_law(card) -> None:  # type: ignore[no-untyped-def]
    c = card.criterion("structural vs headline")
    moved = {t["issue"]: t for t in c.details["terms"]}
    assert set(moved) == {i for i, t in card.deal.terms.items()}
    assert 0 < c.score < 1
    # the US gains on pledges and gives on tariffs; Japan the reverse
    us_law = sum(t["delta"]["us"] for t in moved.values() if t["kind"] == "structural")
    jp_law = sum(t["delta"]["japan"] for t in moved.values() if t["kind"] == "structural")
    assert us_law < 0 < jp_law


def test_mutual_benefit_and_pareto_check(card) -> None:  # type: ignore[no-untyped-def]
    c = card.criterion("mutual benefit")
    assert c.score > 0
    assert "Pareto-optimal: no" in c.computation[-1]


def test_durability_follows_the_documented_rule(card) -> None:  # type: ignore[no-untyped-def]
    deal = card.deal
    weights = [e.weight for e in deal.durability]
    supports = [e.weight for e in deal.durability if e.effect == "supports"]
    c = card.criterion("durability")
    assert c.score == pytest.approx(sum(supports) / sum(weights))
    assert 0 < c.details["value_at_legal_risk"] < 1
    assert len(c.evidence) == len(deal.durability)


def test_regional_architecture_uses_the_ge_model(card) -> None:  # type: ignore[no-untyped-def]
    c = card.criterion("regional architecture")
    regions = c.details["regions"]
    assert set(regions) >= {"USA", "JPN", "CHN", "DEU", "KOR"}  # the country-level default economy
    assert regions["JPN"] > 0  # the deal cuts the tariff Japan faces
    world = c.details[
        "world"
    ]  # the bellwether model: others' retaliation after the deal vs no deal
    assert set(world["mean"]) == {"good", "none"} and "JPN" not in world
    assert any(line.startswith("world model (domino") for line in c.computation)
    scenario = load_scenario("us-japan-2025")
    _, change, rates = tariff_change(scenario, card.package, "liberation-day")
    share = {i.id: i.tariff.share for i in scenario.issues if i.tariff is not None}
    assert sum(share.values()) == pytest.approx(1.0)
    # the pair's rate is the share-weighted mean of the scenario's tariff terms
    expected = (share["reciprocal_tariff"] + share["auto_tariff"]) * 0.15 + share[
        "steel_aluminium"
    ] * 0.50
    assert rates[("USA", "JPN")][1] == pytest.approx(expected)
    assert change[list(regions).index("JPN")] == pytest.approx(regions["JPN"])


def test_json_is_serialisable(card) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(json.dumps(card.to_dict()))
    assert data["deal"] == "us-japan-2025-07" and len(data["criteria"]) == 8
    assert list(card.to_frame().index) == [c.name for c in card.criteria]


# ------------------------------------------------------------------ a small deal by hand


def test_toy_deal_scores_by_hand(tmp_path: Path) -> None:
    scenario = load_scenario(TOY)
    card = score(load_deal(write(tmp_path, TOY_DEAL)), scenario)
    assert [c.name for c in card.criteria][-1] == "stability under ranges"  # no economy: no GE
    assert card.criterion("durability").score == pytest.approx(0.75)
    table = value_tables(scenario)
    delta = contributions(scenario, table, card.package)
    _, span = _spans(scenario)
    law = np.abs(delta["tariff"]) / span
    pledge = np.abs(delta["defence"]) / span
    assert card.criterion("structural vs headline").score == pytest.approx(
        law.sum() / (law.sum() + pledge.sum())
    )
    assert card.criterion("durability").details["value_at_legal_risk"] == pytest.approx(
        law.sum() / (law.sum() + pledge.sum())
    )


def _spans(scenario):  # type: ignore[no-untyped-def]
    from dealspace.space import compile

    space = compile(scenario)
    best = np.array([sum(b.utility[:, p].max() for b in space.blocks) for p in range(2)])
    worst = np.array([sum(b.utility[:, p].min() for b in space.blocks) for p in range(2)])
    return space, best - worst


def test_a_deal_at_the_nash_package_is_fair(tmp_path: Path) -> None:
    scenario = load_scenario(TOY)
    package = nash(scenario).package
    assert package is not None
    data = dict(
        TOY_DEAL, terms={i: {"option": o, "kind": "structural"} for i, o in package.items()}
    )
    card = score(load_deal(write(tmp_path, data)), scenario)
    fair = card.criterion("fairness")
    assert "D = ‖z − z_s‖/√P = 0.000" in fair.computation[1]
    assert "Pareto-optimal: yes" in card.criterion("mutual benefit").computation[-1]


def test_a_deal_that_moves_nothing(tmp_path: Path) -> None:
    data = dict(TOY_DEAL, terms={"tariff": {"option": 25, "kind": "structural"}}, durability=[])
    card = score(load_deal(write(tmp_path, data)), load_scenario(TOY))
    assert math.isnan(card.criterion("structural vs headline").score)
    assert card.criterion("structural vs headline").verdict == "the deal moves no value"
    assert card.criterion("durability").verdict == "no evidence given"


# ------------------------------------------------------------------ bad deal files


@pytest.mark.parametrize(
    ("change", "where", "what"),
    [
        (lambda d: d["terms"]["tariff"].update(kind="symbolic"), "terms.tariff.kind", "structural"),
        (lambda d: d["terms"]["tariff"].update(optoin=5), "terms.tariff", "unknown key 'optoin'"),
        (lambda d: d.update(terms={}), "terms", ""),
        (lambda d: d["durability"][0].update(weight=5), "durability[0].weight", ""),
        (lambda d: d["durability"][1].update(id="law"), "", "evidence id 'law' appears twice"),
        (lambda d: d.pop("scenario"), "scenario", "missing"),
    ],
)
def test_bad_fields_name_the_file_and_field(tmp_path: Path, change, where, what) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(json.dumps(TOY_DEAL))
    change(data)
    path = write(tmp_path, data)
    with pytest.raises(DealspaceError) as err:
        load_deal(path)
    assert err.value.source == str(path)
    assert where in str(err.value) and what in str(err.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["terms"].update(tarif={"option": 5, "kind": "structural"}),
            "terms.tarif: unknown issue. Did you mean 'tariff'?",
        ),
        (
            lambda d: d["terms"]["defence"].update(option="lots"),
            "terms.defence.option: 'lots' is not an option of 'defence'",
        ),
        (
            lambda d: d["durability"][1].update(terms=["rise"]),
            "durability[1].terms: unknown issue 'rise'. Did you mean 'rice'?",
        ),
    ],
)
def test_deal_must_fit_the_scenario(tmp_path: Path, change, message) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(json.dumps(TOY_DEAL))
    change(data)
    path = write(tmp_path, data)
    with pytest.raises(DealspaceError) as err:
        score(load_deal(path), load_scenario(TOY), label=str(path))
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)


def test_economy_block_is_checked(tmp_path: Path) -> None:
    data = json.loads(json.dumps(TOY_DEAL))
    data["economy"] = {"world": "liberation"}
    path = write(tmp_path, data)
    with pytest.raises(DealspaceError) as err:
        score(load_deal(path), load_scenario(TOY), label=str(path))
    text = str(err.value)
    assert "economy.world: unknown preset 'liberation'. Did you mean 'liberation-day'?" in text
    assert "economy: scenario 'toy' has no tariff issues to price" in text


def test_unknown_deal_name_and_bad_documents(tmp_path: Path) -> None:
    with pytest.raises(DealspaceError, match="Did you mean .us-japan-2025-07."):
        load_deal("us-japan-2025-7")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(DealspaceError, match="not a mapping"):
        load_deal(tmp_path / "list.yaml")
    (tmp_path / "broken.yaml").write_text("name: [unclosed\n")
    with pytest.raises(DealspaceError, match="not valid YAML"):
        load_deal(tmp_path / "broken.yaml")


# ------------------------------------------------------------------ CLI


def test_cli_score_table_and_json() -> None:
    result = runner.invoke(app, ["score", "us-japan-2025-07"])
    assert result.exit_code == 0, result.output
    assert "structural vs headline" in result.stdout and "durability" in result.stdout
    result = runner.invoke(app, ["score", "us-japan-2025-07", "--json"])
    data = json.loads(result.stdout)
    assert [c["criterion"] for c in data["criteria"]][0] == "structural vs headline"


def test_cli_score_bad_file_exits_2(tmp_path: Path) -> None:
    data = json.loads(json.dumps(TOY_DEAL))
    data["terms"]["tariff"]["kind"] = "symbolic"
    path = write(tmp_path, data)
    result = runner.invoke(app, ["score", str(path)])
    assert result.exit_code == 2
    assert str(path) in result.stderr and "terms.tariff.kind" in result.stderr
    assert "Traceback" not in result.output


def test_cli_score_with_another_scenario(tmp_path: Path) -> None:
    path = write(tmp_path, TOY_DEAL)
    result = runner.invoke(app, ["score", str(path), "--scenario", "us-japan-2025"])
    assert result.exit_code == 2
    assert "terms.tariff: unknown issue" in result.stderr


# ------------------------------------------------------------------ overall verdict


def test_overall_verdict_cannot_hide_a_broken_must_have_or_a_lopsided_split() -> None:
    from dataclasses import replace

    from dealspace.analysis.scorecard import Criterion

    card = score(load_deal("us-japan-2025-07"), load_scenario("us-japan-2025"))
    m = card.criterion("mutual benefit")
    shares = m.details["shares"]
    # the shares are each side's gain over its ideal gain, as the computation lines say
    assert shares["us"] == pytest.approx(float(m.computation[0].rsplit("g/a = ", 1)[1]), abs=0.005)
    assert card.verdict.startswith("Mutual gain")
    assert card.in_sample and "in-sample" in card.verdict  # scenario dated on the deal's day
    assert card.to_dict()["verdict"] == card.verdict

    def with_mutual(shares: dict[str, float], broken: list[str]) -> str:
        fake = Criterion(
            "mutual benefit", min(shares.values()), "", (), (), {"shares": shares, "broken": broken}
        )
        criteria = tuple(fake if c.name == "mutual benefit" else c for c in card.criteria)
        return replace(card, criteria=criteria, in_sample=False).verdict

    assert with_mutual({"us": 0.74, "japan": 0.13}, []).startswith("Mutual gain but lopsided")
    assert "United States 0.74, Japan 0.13" in with_mutual({"us": 0.74, "japan": 0.13}, [])
    assert with_mutual({"us": 0.74, "japan": -0.1}, []).startswith("One-sided: Japan")
    # 0.39 against 0.26 is neither even nor lopsided; within 1.25x is even
    assert with_mutual({"us": 0.39, "japan": 0.26}, []).startswith("Mutual gain, unevenly")
    assert with_mutual({"us": 0.30, "japan": 0.26}, []).startswith("Mutual gain, evenly split")
    broken = with_mutual({"us": 0.9, "japan": 0.8}, ["us:rice_access"])
    assert broken.startswith("Not acceptable as it stands: it breaks us:rice_access")
    out = CliRunner().invoke(app, ["score", "us-japan-2025-07"], env={"COLUMNS": "200"})
    assert out.exit_code == 0 and out.stdout.splitlines()[1].startswith("Mutual gain")


# ------------------------------------------------------------------ ladder, fate, stability


def with_instruments() -> dict:
    data = json.loads(json.dumps(TOY_DEAL))
    data["terms"]["tariff"]["instrument"] = "eo"
    data["terms"]["defence"]["instrument"] = "memo"
    data["instruments"] = {
        "eo": {
            "kind": "executive_order",
            "title": "EO 1",
            "date": "2025-01-01",
            "authority": "IEEPA",
            "source": "a register",
            "fate": {
                "status": "voided",
                "date": "2026-02-20",
                "claim": "the court voided it",
                "source": "a court",
            },
        },
        "memo": {"kind": "mou", "title": "MOU 1", "date": "2025-02-01", "source": "a memo"},
    }
    return data


def test_the_ladder_weights_each_term_by_the_value_it_moves(tmp_path: Path) -> None:
    card = score(load_deal(write(tmp_path, with_instruments())), load_scenario(TOY))
    legal = card.criterion("legal instruments")
    # m_i = Σ_p |δ_pi|: P times the practical criterion's per-party mean
    moved = {
        t["issue"]: 2 * t["moved"] for t in card.criterion("practical vs symbolic").details["terms"]
    }
    total = moved["tariff"] + moved["defence"]
    assert legal.score == pytest.approx(
        3 * moved["defence"] / (5 * total)
    )  # the voided EO counts 0
    assert legal.details["voided_share"] == pytest.approx(moved["tariff"] / total)
    rungs = {t["issue"]: (t["rung"], t["effective_rung"]) for t in legal.details["terms"]}
    assert rungs == {"tariff": (4, 0), "defence": (3, 3)}
    fate = next(e for e in legal.evidence if e["claim"].startswith("Fate"))
    assert fate["date"] == "2026-02-20" and fate["source"] == "a court"
    assert "since voided (executive order under IEEPA voided on 2026-02-20)" in card.verdict
    bad = with_instruments()
    bad["terms"]["defence"]["instrument"] = "nope"
    with pytest.raises(DealspaceError, match="instrument 'nope'"):
        load_deal(write(tmp_path, bad, "bad.yaml"))


def test_builtin_deal_records_the_ieepa_basis_as_voided(card) -> None:  # type: ignore[no-untyped-def]
    ieepa = card.deal.instruments[card.deal.terms["reciprocal_tariff"].instrument]
    assert ieepa.authority == "IEEPA" and ieepa.fate is not None
    assert (ieepa.fate.status, ieepa.fate.date) == ("voided", "2026-02-20")
    assert all(i.source and i.date for i in card.deal.instruments.values())
    s232 = card.deal.instruments[card.deal.terms["auto_tariff"].instrument]
    assert s232.fate is not None and s232.fate.status == "in_force"
    legal = card.criterion("legal instruments")
    assert 0 < legal.details["voided_share"] < 1 and 0 < legal.score < 1
    assert math.isnan(card.criterion("stability under ranges").score)  # no ranges declared


def test_stability_under_ranges_against_each_draw(tmp_path: Path) -> None:
    from dealspace.analysis.pareto import is_pareto_optimal
    from dealspace.analysis.robust import Reweigher
    from dealspace.space import compile

    raw = yaml.safe_load(TOY.read_text())
    raw["parties"][0]["valuations"]["tariff"]["weight"] = {"low": 1, "high": 6}
    raw["parties"][1]["valuations"]["defence"]["weight"] = {"low": 0.5, "most_likely": 3, "high": 4}
    raw["parties"][1]["batna"] = {"low": 0, "high": 5}
    path = write(tmp_path, raw, "ranged.yaml")
    deal = json.loads(json.dumps(TOY_DEAL))
    deal["scenario"] = str(path)
    s = load_scenario(path)
    card = score(load_deal(write(tmp_path, deal)), s, draws=200, seed=5)
    st = card.criterion("stability under ranges")
    rw = Reweigher(compile(s))
    theta = rw.draw(200, np.random.default_rng(5))
    zopa, pareto, is_nash = [], [], []
    for t in theta:
        space = rw.space_at(t)
        gains = space.utility(card.package) - space.batna
        zopa.append(bool((gains > 1e-6).all()))
        pareto.append(is_pareto_optimal(space, card.package))
        is_nash.append(nash(space).package == card.package)
    assert st.details["p_zopa"] == pytest.approx(np.mean(zopa))
    assert st.details["p_pareto"] == pytest.approx(np.mean(pareto))
    assert st.details["p_nash"] == pytest.approx(np.mean(is_nash))
    assert 0 < st.details["p_zopa"] < 1  # the ranges do move it
    assert "Under the scenario's ranges it stays in the ZOPA" in card.verdict


def test_score_writes_html_and_refuses_to_overwrite(tmp_path: Path) -> None:
    deal = write(tmp_path, with_instruments())
    out = tmp_path / "card.html"
    result = runner.invoke(app, ["score", str(deal), "--html", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "Legal-instrument ladder" in html and "voided 2026-02-20" in html
    assert "<script" not in html and "stability under ranges" in html
    again = runner.invoke(app, ["score", str(deal), "--html", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.output
    md = tmp_path / "card.md"
    assert runner.invoke(app, ["score", str(deal), "--html", str(md)]).exit_code == 0
    assert md.read_text().startswith("# ")
