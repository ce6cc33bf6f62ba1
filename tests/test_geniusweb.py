"""GeniusWeb JSON: profiles load with GeniusWeb's utilities and round-trip.

GeniusWeb's utility of a bid, computed here from the JSON alone:
``Σ_i w_i · u_i(v_i)`` with ``u_i`` the value utility (discrete) or the linear
interpolation between ``lowValue`` and ``highValue`` (number issues).
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pytest

import dealspace
from dealspace.errors import DealspaceError
from dealspace.interop.genius import write_geniusweb_scenario
from dealspace.scenario.geniusweb import load_geniusweb, load_geniusweb_folder
from dealspace.space import utilities

DATA = Path(__file__).parent / "data"
FITNESS = DATA / "geniusweb" / "fitness"


def geniusweb_utility(profile: dict, bid: dict) -> float:
    space = profile["LinearAdditiveUtilitySpace"]
    total = 0.0
    for name, w in space["issueWeights"].items():
        ((kind, body),) = space["issueUtilities"][name].items()
        if kind == "discreteutils":
            total += w * body["valueUtilities"][str(bid[name])]
        else:
            lo, lu, hi, hu = (
                body[k] for k in ("lowValue", "lowUtility", "highValue", "highUtility")
            )
            total += w * (lu + (hu - lu) * (float(bid[name]) - lo) / (hi - lo))
    return total


def test_profiles_load_with_geniusweb_utilities() -> None:
    s = dealspace.load_scenario(FITNESS)
    assert s.party_ids == ("client", "trainer")
    assert s.issue("minutes").option_ids == (30.0, 45.0, 60.0, 75.0, 90.0)
    profiles = {p: json.loads((FITNESS / f"{p}.json").read_text()) for p in s.party_ids}
    labels = {i.id: {o.id: o.label for o in i.options} for i in s.issues if not i.numeric}
    count = 0
    for combo in itertools.product(*(i.option_ids for i in s.issues)):
        package = dict(zip(s.issue_ids, combo, strict=True))
        bid = {k: labels[k][v] if k in labels else v for k, v in package.items()}
        got = utilities(s, package)
        for p, party in enumerate(s.party_ids):
            assert got[p] == pytest.approx(geniusweb_utility(profiles[party], bid), abs=1e-12)
        count += 1
    assert count == 3 * 3 * 5
    # the trainer's reservation bid, the client's reserved_value
    trainer = profiles["trainer"]
    rb = trainer["LinearAdditiveUtilitySpace"]["reservationBid"]["issuevalues"]
    assert s.party("trainer").batna == pytest.approx(geniusweb_utility(trainer, rb))
    assert s.party("client").batna == 0.3


def test_round_trip(tmp_path: Path) -> None:
    """dealspace → GeniusWeb → dealspace keeps every utility (weights already sum to 1)."""
    first = load_geniusweb_folder(FITNESS)
    written = write_geniusweb_scenario(first, tmp_path / "out")
    assert written[0].name == "fitness_domain.json"
    second = dealspace.load_scenario(tmp_path / "out")
    scale = [math.fsum(v.weight for v in p.valuations.values()) for p in first.parties]
    for combo in itertools.product(*(i.option_ids for i in first.issues)):
        a = dict(zip(first.issue_ids, combo, strict=True))
        b = {k: (f"{v:.12g}" if isinstance(v, float) else v) for k, v in a.items()}
        assert utilities(second, b) * scale == pytest.approx(utilities(first, a), abs=1e-12)
    assert [p.batna * w for p, w in zip(second.parties, scale, strict=True)] == pytest.approx(
        [p.batna for p in first.parties]
    )
    with pytest.raises(DealspaceError, match="overwritten"):
        write_geniusweb_scenario(first, tmp_path / "out")


def test_genius_domain_to_geniusweb_and_back(tmp_path: Path) -> None:
    s = dealspace.load_scenario(DATA / "genius" / "holiday")
    write_geniusweb_scenario(s, tmp_path / "gw")
    back = dealspace.load_scenario(tmp_path / "gw")
    for combo in itertools.product(*(i.option_ids for i in s.issues)):
        package = dict(zip(s.issue_ids, combo, strict=True))
        assert utilities(back, package) == pytest.approx(utilities(s, package), abs=1e-12)
    assert [p.batna for p in back.parties] == pytest.approx([p.batna for p in s.parties])


def test_status_quo_batna_written_as_reservation_bid(tmp_path: Path) -> None:
    data = {
        "name": "sq",
        "parties": [
            {"id": "a", "valuations": {"x": {"weight": 2, "value": {"p": 1, "q": 0.5}}}},
            {
                "id": "b",
                "batna": 0.1,
                "valuations": {"x": {"weight": 1, "value": {"p": 0, "q": 1}}},
            },
        ],
        "domains": [{"id": "d", "issues": [{"id": "x", "options": ["p", "q"], "status_quo": "q"}]}],
    }
    from dealspace.scenario.load import scenario_from_data

    s = scenario_from_data(data, "test")
    paths = write_geniusweb_scenario(s, tmp_path / "gw")
    a = json.loads(paths[1].read_text())["LinearAdditiveUtilitySpace"]
    assert a["reservationBid"] == {"issuevalues": {"x": "q"}}
    b = json.loads(paths[2].read_text())["LinearAdditiveUtilitySpace"]
    assert b["reserved_value"] == 0.1
    back = dealspace.load_scenario(tmp_path / "gw")
    assert back.party("a").batna == pytest.approx(0.5)  # status-quo utility / W = 1 / 2


def test_bad_profiles_one_message(tmp_path: Path) -> None:
    (tmp_path / "p1.json").write_text(
        json.dumps(
            {
                "LinearAdditiveUtilitySpace": {
                    "domain": {"issuesValues": {"x": {"values": ["a", "b"]}}},
                    "issueWeights": {"x": "heavy"},
                    "issueUtilities": {
                        "x": {"discreteutils": {"valueUtilities": {"a": 1, "b": 0}}}
                    },
                }
            }
        )
    )
    (tmp_path / "p2.json").write_text((tmp_path / "p1.json").read_text())
    with pytest.raises(DealspaceError, match=r"p1.json: issueWeights.x: 'heavy' is not a number"):
        load_geniusweb([tmp_path / "p1.json", tmp_path / "p2.json"])
    with pytest.raises(DealspaceError, match="at least two profiles"):
        load_geniusweb([tmp_path / "p1.json"])
