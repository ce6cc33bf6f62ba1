"""Coalitions: who can deal with whom, against brute force for 3–4 parties."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealspace.analysis.coalitions import coalitions, movable
from dealspace.scenario.model import Scenario
from dealspace.space import acceptable, hard_constraints, utilities
from strategies import all_packages, scenarios

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOL = 1e-9


def shipbuilding() -> dict[str, Any]:
    # US and Korea gain from 'ships'; Japan insists on a low tariff, which costs the US 1
    # and Korea 0.5. The grand Nash package: ships yes, tariff low -> (1, 0.5, 3).
    # US+Korea alone (the tariff is Japan's stake: held) -> ships yes -> (2, 1): both
    # strictly better, so they would walk away. Japan dislikes the ships deal slightly
    # ('free' rule: it loses 0.5 and has no veto; 'hold': ships is its stake too).
    return {
        "name": "ships",
        "parties": [
            {
                "id": "us",
                "valuations": {
                    "ships": {"weight": 2, "value": {"no": 0, "yes": 1}},
                    "tariff": {"weight": 1, "value": {"high": 1, "low": 0}},
                },
            },
            {
                "id": "korea",
                "valuations": {
                    "ships": {"weight": 1, "value": {"no": 0, "yes": 1}},
                    "tariff": {"weight": 0.5, "value": {"high": 1, "low": 0}},
                },
            },
            {
                "id": "japan",
                "valuations": {"tariff": {"weight": 3, "value": {"high": 0, "low": 1}}},
                "must_haves": [{"id": "cut", "condition": {"issue": "tariff", "in": ["low"]}}],
            },
        ],
        "domains": [
            {
                "id": "D",
                "issues": [
                    {"id": "ships", "options": ["no", "yes"], "status_quo": "no"},
                    {"id": "tariff", "options": ["high", "low"], "status_quo": "high"},
                ],
            }
        ],
    }


def test_a_pair_can_deal_without_the_third() -> None:
    r = coalitions(Scenario.model_validate(shipbuilding()))
    by = {c.members: c for c in r.coalitions}
    pair = by["us", "korea"]
    assert (
        pair.issues == ("ships",)
        and pair.zopa
        and pair.package == {"ships": "yes", "tariff": "high"}
    )
    assert pair.gains == pytest.approx((2.0, 1.0))
    assert r.grand == {"ships": "yes", "tariff": "low"}
    assert r.grand_gains == pytest.approx((1.0, 0.5, 3.0))
    assert pair.blocks_grand  # us gets 2 alone with Korea against 1 in the grand deal
    assert ("us", "korea") in r.blocking and not r.in_core
    assert pair.outsider_gains == {"japan": 0.0}
    assert not by["korea", "japan"].zopa  # only the tariff: Korea loses what Japan gains
    # Japan with a stake in ships: held, the pair has nothing to move; freed, it deals and Japan loses
    data = shipbuilding()
    data["parties"][2]["valuations"]["ships"] = {"weight": 0.5, "value": {"no": 1, "yes": 0}}
    held = {c.members: c for c in coalitions(Scenario.model_validate(data)).coalitions}
    assert held["us", "korea"].issues == () and not held["us", "korea"].zopa
    free = {
        c.members: c for c in coalitions(Scenario.model_validate(data), outsiders="free").coalitions
    }
    assert free["us", "korea"].zopa and free["us", "korea"].outsider_gains == {
        "japan": pytest.approx(-0.5)
    }
    data = json.loads(json.dumps(r.to_dict()))
    assert data["blocking"] == [["us", "korea"]]
    assert "walks_away" in r.to_frame().columns


@FAST
@given(scenarios(min_parties=3, max_parties=4, max_outcomes=64), st.sampled_from(["hold", "free"]))
def test_coalitions_match_brute_force(scenario: Scenario, rule: str) -> None:
    r = coalitions(scenario, outsiders=rule)
    ids = scenario.party_ids
    packages = list(all_packages(scenario))
    sq = scenario.status_quo()
    u = np.array([utilities(scenario, p) for p in packages])
    batna = np.array(
        [
            utilities(scenario, sq)[k] if party.batna == "status_quo" else float(party.batna)
            for k, party in enumerate(scenario.parties)
        ]
    )
    keys = {c.key: c.party for c in hard_constraints(scenario)}
    grand_u = None if r.grand is None else utilities(scenario, r.grand)
    for c in r.coalitions:
        idx = [ids.index(p) for p in c.members]
        free = set(movable(scenario, c.members, rule))
        drop = [k for k, party in keys.items() if party not in c.members]
        ok = np.array(
            [
                all(str(p[i]) == str(sq[i]) for i in scenario.issue_ids if i not in free)
                and acceptable(scenario, p, drop=drop)
                for p in packages
            ]
        )
        gains = u[:, idx] - batna[idx]
        assert c.zopa == bool((ok & (gains > TOL).all(axis=1)).any()), c.members
        if c.zopa and c.package is not None:
            best = np.max(
                np.where(ok & (gains > TOL).all(axis=1), np.prod(np.maximum(gains, 0), axis=1), -1)
            )
            mine = np.prod(np.asarray(c.gains))
            assert mine == pytest.approx(best, rel=1e-6, abs=1e-9)
        if grand_u is not None and len(c.members) < len(ids):
            over = u[:, idx] - grand_u[idx]
            walks = bool((ok & (over > 1e-7).all(axis=1)).any())
            strict = bool((ok & (over > 1e-5).all(axis=1)).any())
            assert c.blocks_grand in (walks, strict) and (not strict or c.blocks_grand)


def test_coalitions_command_and_pipeline(tmp_path: Any) -> None:
    import yaml
    from typer.testing import CliRunner

    from dealspace.cli import app
    from dealspace.pipeline import Settings, analyze

    path = tmp_path / "ships.yaml"
    path.write_text(yaml.safe_dump(shipbuilding()))
    runner = CliRunner()
    out = runner.invoke(app, ["coalitions", str(path)], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "Would walk away from the grand package" in out.stdout and "us + korea" in out.stdout
    assert "Who must agree to move each issue" in out.stdout
    js = runner.invoke(app, ["coalitions", str(path), "--json", "--free"])
    assert json.loads(js.stdout)["outsiders"] == "free"
    results = analyze(Scenario.model_validate(shipbuilding()), Settings(process=None))
    assert results.coalitions is not None and results.to_dict()["coalitions"]["blocking"] == [
        ["us", "korea"]
    ]


def test_an_issue_is_moved_by_its_owners_only() -> None:
    # Japan values the ships deal negatively, but ships is declared a US–Korea issue:
    # the pair may move it (Japan's loss shows, no veto); the tariff is Japan's too.
    data = shipbuilding()
    data["parties"][2]["valuations"]["ships"] = {"weight": 0.5, "value": {"no": 1, "yes": 0}}
    data["domains"][0]["issues"][0]["owners"] = ["us", "korea"]
    r = coalitions(Scenario.model_validate(data))
    by = {c.members: c for c in r.coalitions}
    assert r.owners == {"ships": ("us", "korea"), "tariff": ("us", "korea", "japan")}
    assert by["us", "korea"].issues == ("ships",) and by["us", "korea"].zopa
    assert by["us", "korea"].outsider_gains == {"japan": pytest.approx(-0.5)}
    assert by["korea", "japan"].issues == ()  # ships needs the US, the tariff needs all three
    assert r.to_dict()["owners"]["ships"] == ["us", "korea"]


def test_a_tariff_issue_is_owned_by_the_levying_and_the_levied_party() -> None:
    data = shipbuilding()
    for party, country in zip(data["parties"], ["USA", "KOR", "JPN"], strict=True):
        party["country"] = country
    data["domains"][0]["issues"][1]["tariff"] = {
        "levied_by": "USA",
        "on": "KOR",
        "rates": {"high": 25, "low": 15},
    }
    s = Scenario.model_validate(data)
    assert movable(s, ("us", "korea")) == ("ships", "tariff")  # Japan's stake is no veto
    assert movable(s, ("us", "japan")) == ()
    bad = shipbuilding()
    bad["domains"][0]["issues"][0]["owners"] = ["us", "corea"]
    with pytest.raises(Exception, match="unknown party 'corea'"):
        Scenario.model_validate(bad)


@FAST
@given(scenarios(min_parties=3, max_parties=4, max_outcomes=64), st.data())
def test_owned_issues_match_brute_force(scenario: Scenario, data: st.DataObject) -> None:
    # every issue gets random owners; a coalition's packages are then exactly those that
    # keep every issue it does not wholly own at the status quo
    ids = scenario.party_ids
    raw = scenario.model_dump(by_alias=True, exclude_none=True)
    own = {}
    for domain in raw["domains"]:
        for issue in domain["issues"]:
            issue["owners"] = own[issue["id"]] = data.draw(
                st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True)
            )
    scenario = Scenario.model_validate(raw)
    r = coalitions(scenario)
    packages = list(all_packages(scenario))
    sq = scenario.status_quo()
    u = np.array([utilities(scenario, p) for p in packages])
    batna = np.array(
        [
            utilities(scenario, sq)[k] if party.batna == "status_quo" else float(party.batna)
            for k, party in enumerate(scenario.parties)
        ]
    )
    keys = {c.key: c.party for c in hard_constraints(scenario)}
    for c in r.coalitions:
        idx = [ids.index(p) for p in c.members]
        drop = [k for k, party in keys.items() if party not in c.members]
        ok = np.array(
            [
                all(
                    str(p[i]) == str(sq[i])
                    for i in scenario.issue_ids
                    if not set(own[i]) <= set(c.members)
                )
                and acceptable(scenario, p, drop=drop)
                for p in packages
            ]
        )
        gains = u[:, idx] - batna[idx]
        assert c.zopa == bool((ok & (gains > TOL).all(axis=1)).any()), c.members
        if c.zopa:
            best = np.max(np.where(ok & (gains > TOL).all(axis=1), np.prod(gains, axis=1), -1))
            assert np.prod(np.asarray(c.gains)) == pytest.approx(best, rel=1e-6, abs=1e-9)
