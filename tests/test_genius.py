"""Genius XML: utilities exactly as Genius computes them, round trips, clear
errors for bad or hostile files.

The reference utilities are computed here straight from the XML with the
formula of the format description (docs/genius.md), independently of
dealspace's loader:

    u(o) = Σ_i  w_i / (Σ_k w_k)  ·  eval_i(o_i) / max_v eval_i(v)
"""

from __future__ import annotations

import itertools
import math
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import dealspace
from dealspace.errors import DealspaceError
from dealspace.interop.genius import write_genius_scenario as write_genius
from dealspace.scenario.genius import load_genius, safe_id, unique_ids
from dealspace.scenario.load import scenario_from_data
from dealspace.scenario.model import Scenario
from dealspace.space import utilities

DATA = Path(__file__).parent / "data" / "genius"
DOMAINS = ["holiday", "skipped", "discounted", "wrapped"]
TOY = Path(__file__).parent / "data" / "toy.yaml"
runner = CliRunner()


# ------------------------------------------------------------ reference formula


def _space(root: ET.Element) -> ET.Element:
    return root if root.tag == "utility_space" else next(root.iter("utility_space"))


def _normalize(value: float, top: float) -> float:
    """Genius's EvaluatorDiscrete.normalize: 0 when the largest evaluation is below 1e-5."""
    return 0.0 if top < 0.00001 else value / top


def genius_reference(
    folder: Path,
) -> tuple[list[tuple[str, list[str]]], dict[str, dict[tuple[str, ...], float]], dict[str, float]]:
    """Genius's utilities of every outcome, computed from the XML alone.

    Returns the issues (name, item values) in index order, each profile's
    utility per outcome (a tuple of item values), and each profile's
    reservation value (0 if absent). Profiles are keyed by file stem.
    """
    roots = {p: ET.parse(p).getroot() for p in sorted(folder.glob("*.xml"))}
    domain = [
        r for r in roots.values() if not any("evaluation" in i.attrib for i in r.iter("item"))
    ]
    assert len(domain) == 1
    issues: dict[int, tuple[str, dict[str, str]]] = {}
    for issue in _space(domain[0]).iter("issue"):
        items = {i.get("index", i.get("value")): i.get("value") for i in issue.iter("item")}
        issues[int(issue.get("index"))] = (issue.get("name"), items)
    order = sorted(issues)
    outcomes = list(itertools.product(*(list(issues[i][1].values()) for i in order)))
    utils: dict[str, dict[tuple[str, ...], float]] = {}
    reservations: dict[str, float] = {}
    for path, root in roots.items():
        space = _space(root)
        if not any("evaluation" in i.attrib for i in space.iter("item")):
            continue
        weights: dict[int, float] = {}
        evals: dict[int, dict[str, float]] = {}
        for issue in space.iter("issue"):
            index = int(issue.get("index"))
            if issue.get("weight") is not None:
                weights[index] = float(issue.get("weight"))
            evals[index] = {}
            for item in issue.iter("item"):
                value = item.get("value") or issues[index][1][item.get("index")]
                evals[index][value] = float(item.get("evaluation"))
        for w in space.iter("weight"):
            weights[int(w.get("index"))] = float(w.get("value"))
        total = sum(weights.values())
        utils[path.stem] = {
            outcome: sum(
                weights[i] / total * _normalize(evals[i][v], max(evals[i].values()))
                for i, v in zip(order, outcome, strict=True)
            )
            for outcome in outcomes
        }
        reservation = next(root.iter("reservation"), None)
        reservations[path.stem] = (
            float(reservation.get("value")) if reservation is not None else 0.0
        )
    return [(issues[i][0], list(issues[i][1].values())) for i in order], utils, reservations


def package_of(scenario: Scenario, names: list[str], outcome: tuple[str, ...]) -> dict[str, str]:
    """The dealspace package of a Genius outcome, matched by issue name and option label."""
    by_name = {issue.name: issue for issue in scenario.issues}
    out = {}
    for name, value in zip(names, outcome, strict=True):
        issue = by_name[name]
        labels = {o.label: o.id for o in issue.options or [] if not isinstance(o, str)}
        out[issue.id] = labels[value]
    return out


def assert_matches_genius(scenario: Scenario, folder: Path, parties: dict[str, str]) -> None:
    """Every outcome's utilities equal Genius's (1e-12); ``parties``: stem → party id."""
    issues, utils, reservations = genius_reference(folder)
    names = [name for name, _ in issues]
    assert len(scenario.issues) == len(issues)
    count = 0
    for outcome in itertools.product(*(values for _, values in issues)):
        got = utilities(scenario, package_of(scenario, names, outcome))
        for stem, party_id in parties.items():
            p = scenario.party_ids.index(party_id)
            assert got[p] == pytest.approx(utils[stem][outcome], abs=1e-12, rel=0)
        count += 1
    assert count == math.prod(len(values) for _, values in issues)
    for stem, party_id in parties.items():
        assert scenario.party(party_id).batna == pytest.approx(reservations[stem], abs=1e-12, rel=0)


def stems(folder: Path) -> dict[str, str]:
    """Profile file stem → party id of a loaded folder."""
    s = load_genius(folder)
    return {p.name: p.id for p in s.parties}


# ------------------------------------------------------------ loading is exact


@pytest.mark.parametrize("name", DOMAINS)
def test_load_matches_genius(name: str) -> None:
    folder = DATA / name
    s = dealspace.load_scenario(folder)
    assert [d.id for d in s.domains] == ["genius"]
    assert_matches_genius(s, folder, {p.name: p.id for p in s.parties})
    for party in s.parties:  # weights are stored normalised
        assert math.fsum(v.weight for v in party.valuations.values()) == pytest.approx(1, abs=1e-15)


@pytest.mark.parametrize("name", DOMAINS)
def test_round_trip_keeps_utilities(name: str, tmp_path: Path) -> None:
    folder = DATA / name
    first = load_genius(folder)
    written = write_genius(first, tmp_path / "out")
    assert written[0].name == f"{first.name}_domain.xml"
    assert [p.stem for p in written[1:]] == list(first.party_ids)
    second = load_genius(tmp_path / "out")
    # against the formula on the original files and on the written ones
    assert_matches_genius(second, folder, {p.name: p.id for p in first.parties})
    assert_matches_genius(second, tmp_path / "out", {p: p for p in second.party_ids})
    assert second.issue_ids == first.issue_ids
    assert [i.option_ids for i in second.issues] == [i.option_ids for i in first.issues]
    assert [i.name for i in second.issues] == [i.name for i in first.issues]
    assert second.status_quo() == first.status_quo()
    for a in first.parties:
        b = second.party(a.id)
        assert b.notes == a.notes  # discount factor kept
        assert float(b.batna) == pytest.approx(float(a.batna), abs=1e-12)


def test_indexes_not_positions() -> None:
    """Issues 7, 3, 10 are matched by index, items by value or index, in any order."""
    s = load_genius(DATA / "skipped")
    assert s.issue_ids == ("Price", "City", "Delivery_date")
    buyer = s.party("buyer")
    assert buyer.valuations["Delivery_date"].value == {"Tue": 3.0, "Mon": 1.0}
    assert s.party("seller").valuations["Price"].value == {"5.00": 10.0, "4.37_2": 6.0, "4.37": 2.0}
    assert buyer.valuations["Price"].weight == pytest.approx(0.5)


def test_ids_safe_unique_and_labels_kept() -> None:
    s = load_genius(DATA / "skipped")
    price, city, date = s.issues
    assert price.option_ids == ("4.37", "4.37_2", "5.00")
    assert [o.label for o in price.options] == ["$4.37", "€4.37", "$5.00"]
    assert city.option_ids == ("New_York", "New_York_2", "Sao_Paulo")
    assert [o.label for o in city.options] == ["New York", "New_York", "São Paulo"]
    assert (date.id, date.name) == ("Delivery_date", "Delivery date")
    assert safe_id("$4.37") == "4.37" and safe_id("New York") == "New_York" and safe_id("!!!") == ""
    assert unique_ids(["a b", "a_b", "", "a b"], ["f1", "f2", "f3", "f4"]) == [
        "a_b",
        "a_b_2",
        "f3",
        "a_b_3",
    ]


def test_conventions() -> None:
    s = load_genius(DATA / "discounted")
    assert s.party_ids == ("employee", "employer")
    assert s.party("employee").batna == 0.45
    assert s.party("employee").notes == "discount_factor=0.9"
    assert s.party("employer").notes == "discount_factor=0.85"
    assert s.status_quo() == {"Salary": "40k", "Hours": "32", "Remote_days": "0", "Start": "now"}
    assert "status quo" in (s.notes or "") and "arbitrary" in (s.notes or "")
    assert load_genius(DATA / "wrapped").party("shopper").batna == 0.0  # no reservation → 0
    weights = [v.weight for v in s.party("employee").valuations.values()]
    assert weights == [w / 0.9936 for w in (0.3012, 0.2466, 0.1958, 0.25)]


# ------------------------------------------------------------ YAML → Genius

ADDITIVE = """
name: additive
parties:
  - id: a
    batna: 1.2
    valuations:
      tariff: {weight: 4, value: decreasing}
      rice: {weight: 1, value: {closed: 1, quota: 0.6, open: 0}}
      defence: {weight: 1, value: {none: 1, some: 0.7, more: 0.3}}
      fish: {weight: 2, value: {quota: 0, none: 0}}
  - id: b
    batna: status_quo
    valuations:
      tariff: {weight: 2, value: [[0, 1], [10, 3], [25, 2]]}
      rice: {weight: 3, value: {closed: 0, quota: 0.7, open: 1}}
      defence: {weight: 3, value: {none: 0, some: 0.6, more: 1}}
domains:
  - id: trade
    issues:
      - id: tariff
        range: {min: 0, max: 25, step: 5}
        unit: "%"
        status_quo: 25
      - id: rice
        name: Rice market access
        options: [closed, {id: quota, label: Tariff-rate quota}, open]
        status_quo: quota
  - id: security
    issues:
      - id: defence
        options: [none, some, more]
        status_quo: none
      - id: fish
        options: [quota, none]
        status_quo: none
"""


def additive() -> Scenario:
    return scenario_from_data(yaml.safe_load(ADDITIVE), "additive")


def test_yaml_to_genius_keeps_utilities_up_to_scale(tmp_path: Path) -> None:
    """Genius utilities = dealspace utilities / W_p, W_p = the party's total
    weight over issues it values (fish, all of whose values are 0 for 'a', is
    written with its weight and evaluations 0)."""
    s = additive()
    write_genius(s, tmp_path / "g")
    back = load_genius(tmp_path / "g")
    scale = {"a": 4 + 1 + 1 + 2, "b": 2 + 3 + 3}
    assert back.issue_ids == s.issue_ids
    assert back.party_ids == s.party_ids
    assert back.status_quo() == {"tariff": "25", "rice": "quota", "defence": "none", "fish": "none"}
    grids = [issue.option_ids for issue in s.issues]
    for combo in itertools.product(*grids):
        package = dict(zip(s.issue_ids, combo, strict=True))
        mapped = {i: (f"{x:.12g}" if isinstance(x, float) else x) for i, x in package.items()}
        original = utilities(s, package)
        reloaded = utilities(back, mapped)
        for p, party_id in enumerate(s.party_ids):
            assert reloaded[p] == pytest.approx(original[p] / scale[party_id], abs=1e-12, rel=0)
    sq_b = utilities(s, s.status_quo())[1]
    assert back.party("a").batna == pytest.approx(1.2 / 8, abs=1e-12)
    assert back.party("b").batna == pytest.approx(sq_b / 8, abs=1e-12)
    # the written files agree with Genius's formula too
    assert_matches_genius(back, tmp_path / "g", {"a": "a", "b": "b"})


def test_readable_texts_only_when_ids_survive(tmp_path: Path) -> None:
    write_genius(additive(), tmp_path / "g")
    domain = ET.parse(tmp_path / "g" / "additive_domain.xml").getroot()
    issues = {i.get("name"): [x.get("value") for x in i.iter("item")] for i in domain.iter("issue")}
    # 'Rice market access' would load back as id 'Rice_market_access': the id is written
    assert issues["rice"] == ["quota", "closed", "open"]  # status quo first
    assert issues["tariff"] == ["25", "0", "5", "10", "15", "20"]
    assert domain.find("utility_space").get("number_of_issues") == "4"


def test_unexpressible_scenarios_refused(tmp_path: Path) -> None:
    with pytest.raises(DealspaceError) as info:
        write_genius(dealspace.load_scenario(TOY), tmp_path / "g")
    message = str(info.value)
    for part in (
        "parties[0].red_lines[0]",
        "no_open_rice",
        "parties[0].must_haves[0]",
        "parties[1].interactions[0]",
        "rice_and_defence",
        "cannot be expressed",
    ):
        assert part in message
    assert not (tmp_path / "g").exists()


def test_economy_values_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(ADDITIVE)
    data["domains"][0]["issues"][0]["tariff"] = {"levied_by": "USA", "on": "JPN"}
    data["parties"][0]["country"] = "JPN"
    data["parties"][0]["valuations"]["tariff"] = {"weight": 4, "value": "economy"}
    data["parties"][1]["nice_to_haves"] = [
        {"id": "open", "condition": {"issue": "rice", "in": ["open"]}, "bonus": 1}
    ]
    with pytest.raises(DealspaceError) as info:
        write_genius(scenario_from_data(data, "x"), tmp_path / "g")
    message = str(info.value)
    assert "parties[0].valuations.tariff.value" in message and "economy" in message
    assert "parties[1].nice_to_haves[0]" in message


def test_never_overwrites(tmp_path: Path) -> None:
    s = load_genius(DATA / "holiday")
    out = tmp_path / "g"
    write_genius(s, out)
    before = (out / "traveller_a.xml").read_bytes()
    with pytest.raises(DealspaceError, match="holiday_domain.xml.*overwritten"):
        write_genius(s, out)
    assert (out / "traveller_a.xml").read_bytes() == before
    assert len(write_genius(s, out, overwrite=True)) == 3
    (out / "stranger.xml").write_text("<x/>")
    with pytest.raises(DealspaceError, match="stranger.xml"):
        write_genius(s, out, overwrite=True)


def test_cli_convert_to_folder(tmp_path: Path) -> None:
    from dealspace.cli import app

    out = tmp_path / "holiday-out"
    result = runner.invoke(app, ["convert", str(DATA / "holiday"), str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "holiday_domain.xml",
        "traveller_a.xml",
        "traveller_b.xml",
    ]
    result = runner.invoke(app, ["convert", str(TOY), str(tmp_path / "toy-out")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "red_lines" in result.output


# ------------------------------------------------------------ bad input


def copy_holiday(tmp_path: Path) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(DATA / "holiday", folder)
    return folder


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def assert_refused(folder: Path, filename: str, *parts: str) -> str:
    """load_scenario and `dealspace validate` both give one clear message."""
    with pytest.raises(DealspaceError) as info:
        dealspace.load_scenario(folder)
    message = str(info.value)
    assert filename in message, message
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"
    from dealspace.cli import app

    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2
    output = result.output.replace("\n", "")
    assert "Traceback" not in output
    assert filename in output
    return message


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<negotiation_template><utility_space><objective index="0" name="&lol9;">
<issue index="1" name="a"><item index="1" value="x"/><item index="2" value="y"/></issue>
</objective></utility_space></negotiation_template>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<negotiation_template><utility_space><objective index="0" name="&xxe;">
<issue index="1" name="a"><item index="1" value="x"/><item index="2" value="y"/></issue>
</objective></utility_space></negotiation_template>
"""


def test_billion_laughs_refused(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    (folder / "holiday_domain.xml").write_text(BILLION_LAUGHS)
    message = assert_refused(folder, "holiday_domain.xml", "refused", "entities", "DOCTYPE")
    assert "lollol" not in message


def test_external_entity_refused(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    (folder / "holiday_domain.xml").write_text(EXTERNAL_ENTITY)
    message = assert_refused(folder, "holiday_domain.xml", "refused", "external-entity")
    assert "root:" not in message


@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_hostile_profile_refused(tmp_path: Path, text: str) -> None:
    """A hostile profile (not just a domain) is refused too, naming that file."""
    folder = copy_holiday(tmp_path)
    (folder / "traveller_b.xml").write_text(text.replace("negotiation_template", "utility_space"))
    assert_refused(folder, "traveller_b.xml", "refused")


def test_plain_dtd_refused(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    edit(
        folder / "traveller_a.xml",
        "<utility_space>",
        '<!DOCTYPE utility_space SYSTEM "genius.dtd">\n<utility_space>',
    )
    assert_refused(folder, "traveller_a.xml", "DTD")


def test_malformed_xml(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    edit(
        folder / "traveller_b.xml",
        '<item index="2" value="2 weeks" evaluation="5"/>',
        '<item index="2" value="2 weeks" evaluation="5">',
    )
    assert_refused(
        folder, "traveller_b.xml", "not well-formed XML", "line 12, column 7", "mismatched tag"
    )


def test_no_domain(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    (folder / "holiday_domain.xml").unlink()
    assert_refused(folder, "case", "no Genius domain file", "traveller_a.xml")


def test_no_profiles(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    (folder / "traveller_a.xml").unlink()
    (folder / "traveller_b.xml").unlink()
    assert_refused(folder, "case", "at least two profiles", "none")


def test_one_profile(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    (folder / "traveller_b.xml").unlink()
    assert_refused(folder, "case", "at least two profiles", "only traveller_a.xml")


def test_no_xml_at_all(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    assert_refused(folder, "empty", "no .xml file")


def test_two_domains(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    shutil.copy(folder / "holiday_domain.xml", folder / "other_domain.xml")
    assert_refused(
        folder, "case", "the folder holds 2 domains", "holiday_domain.xml, other_domain.xml"
    )
    # the domain file itself picks the negotiation
    s = dealspace.load_scenario(folder / "other_domain.xml")
    assert s.party_ids == ("traveller_a", "traveller_b")


def test_unknown_issue_in_profile(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    edit(folder / "traveller_b.xml", '<issue index="3"', '<issue index="9"')
    assert_refused(
        folder, "traveller_b.xml", "objective/issue[index=9]", "no issue with index 9", "1, 2, 3"
    )


def test_unknown_item_in_profile(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    edit(folder / "traveller_a.xml", 'value="Crete"', 'value="Crate"')
    a = dealspace.load_scenario(folder).party("traveller_a")  # Genius ignores the item
    assert "'Crate'" in (a.notes or "") and "not in the domain" in (a.notes or "")
    assert a.valuations["Destination"].value["Crete"] == 0.0  # and Crete has no evaluation


def test_item_index_ignored_as_genius_does(tmp_path: Path) -> None:
    """Genius matches a profile's items by value; a wrong index changes nothing."""
    folder = copy_holiday(tmp_path)
    edit(
        folder / "traveller_a.xml", '<item index="2" value="Crete"', '<item index="3" value="Crete"'
    )
    got = dealspace.load_scenario(folder)
    assert got.party("traveller_a") == load_genius(DATA / "holiday").party("traveller_a")


@pytest.mark.parametrize("bad", ["high", "NaN", "inf", "null"])
def test_unreadable_evaluation_counts_zero(tmp_path: Path, bad: str) -> None:
    """Genius skips an evaluation it cannot read; dealspace counts it 0 and says so."""
    folder = copy_holiday(tmp_path)
    edit(
        folder / "traveller_b.xml",
        'value="Hotel" evaluation="2"',
        f'value="Hotel" evaluation="{bad}"',
    )
    b = dealspace.load_scenario(folder).party("traveller_b")
    assert b.valuations["Lodging"].value["Hotel"] == 0.0
    assert "'Hotel'" in (b.notes or "") and "counted as 0" in (b.notes or "")


def test_negative_evaluation_refused(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    edit(
        folder / "traveller_b.xml", 'value="Hotel" evaluation="2"', 'value="Hotel" evaluation="-1"'
    )
    assert_refused(
        folder,
        "traveller_b.xml",
        "objective/issue[index=3]/item[value=Hotel]@evaluation",
        "-1 is negative",
    )


def test_missing_evaluation_counts_zero(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    edit(folder / "traveller_b.xml", '<item index="4" value="Rented flat" evaluation="10"/>', "")
    b = dealspace.load_scenario(folder).party("traveller_b")
    assert b.valuations["Lodging"].value["Rented_flat"] == 0.0


@pytest.mark.parametrize(
    ("bad", "expected"),
    [("-0.3", "negative"), ("x", "'x' is not a finite number"), ("nan", "not a finite")],
)
def test_bad_weight(tmp_path: Path, bad: str, expected: str) -> None:
    folder = copy_holiday(tmp_path)
    edit(
        folder / "traveller_a.xml",
        '<weight index="2" value="0.2"/>',
        f'<weight index="2" value="{bad}"/>',
    )
    assert_refused(folder, "traveller_a.xml", "objective/weight[index=2]@value", expected)


def test_all_zero_weights(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    path = folder / "traveller_a.xml"
    for old in ('value="0.5"/>', 'value="0.2"/>', 'value="0.3"/>'):
        edit(path, old, 'value="0"/>')
    assert_refused(folder, "traveller_a.xml", "every weight is zero")


def test_missing_weight(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    edit(folder / "traveller_a.xml", '<weight index="3" value="0.3"/>', "")
    assert_refused(folder, "traveller_a.xml", "objective/issue[index=3]", "no weight")


def test_all_zero_evaluations_count_nothing(tmp_path: Path) -> None:
    """Genius's normalize(): a largest evaluation below 1e-5 makes the issue worth 0."""
    folder = copy_holiday(tmp_path)
    path = folder / "traveller_a.xml"
    edit(path, 'value="1 week" evaluation="4"', 'value="1 week" evaluation="0"')
    edit(path, 'value="2 weeks" evaluation="9"', 'value="2 weeks" evaluation="0.0"')
    s = dealspace.load_scenario(folder)
    length = s.party("traveller_a").valuations["Length"]
    assert set(length.value.values()) == {0.0} and length.weight == pytest.approx(0.2)
    assert_matches_genius(s, folder, {p.name: p.id for p in s.parties})


def test_missing_issue_in_profile(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    path = folder / "traveller_a.xml"
    text = path.read_text()
    start = text.index('<issue index="2"')
    end = text.index("</issue>", start) + len("</issue>")
    path.write_text(text[:start] + text[end:])
    assert_refused(folder, "traveller_a.xml", "does not evaluate the domain issue 'Length'")


def test_non_discrete_issue(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    edit(
        folder / "holiday_domain.xml",
        '<issue index="2" name="Length" type="discrete"',
        '<issue index="2" name="Length" type="integer"',
    )
    assert_refused(
        folder,
        "holiday_domain.xml",
        "objective/issue[index=2]",
        "integer issue has no lowerbound/upperbound",
    )
    edit(folder / "holiday_domain.xml", 'type="integer"', 'type="price"')
    assert_refused(
        folder, "holiday_domain.xml", "objective/issue[index=2]@type", "'price' is not supported"
    )


def test_duplicate_issue_index_in_domain(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    edit(folder / "holiday_domain.xml", '<issue index="3"', '<issue index="2"')
    assert_refused(folder, "holiday_domain.xml", "objective/issue[index=2]", "used by two issues")


def test_issue_without_items(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    edit(folder / "holiday_domain.xml", '<item index="1" value="1 week"/>', "")
    edit(folder / "holiday_domain.xml", '<item index="2" value="2 weeks"/>', "")
    assert_refused(folder, "holiday_domain.xml", "objective/issue[index=2]", "has no <item>")


def test_nested_objectives_flattened(tmp_path: Path) -> None:
    """Genius sums over every issue of the objective tree; objective nodes only group."""
    folder = copy_holiday(tmp_path)
    edit(
        folder / "holiday_domain.xml",
        '<issue index="3"',
        '<objective index="9" name="sub" type="objective" etype="objective"></objective>\n<issue index="3"',
    )
    s = dealspace.load_scenario(folder)
    assert_matches_genius(s, DATA / "holiday", {p.name: p.id for p in s.parties})


def test_bad_reservation_and_discount(tmp_path: Path) -> None:
    folder = copy_holiday(tmp_path)
    edit(
        folder / "traveller_b.xml",
        '<reservation value="0.2"/>',
        '<reservation value="low"/><discount_factor value="1.5"/>',
    )
    b = dealspace.load_scenario(folder).party("traveller_b")
    assert b.batna == 0.0  # Genius: an unreadable reservation value is none (0)
    assert (b.notes or "").startswith("discount_factor=1.0")  # Genius: 1 outside (0, 1]
    assert "'low'" in (b.notes or "") and "'1.5'" in (b.notes or "")


def test_cli_shows_element_paths(tmp_path: Path) -> None:
    from dealspace.cli import app

    folder = copy_holiday(tmp_path)
    edit(
        folder / "traveller_b.xml", 'value="Hotel" evaluation="2"', 'value="Hotel" evaluation="-2"'
    )
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2
    assert "objective/issue[index=3]/item[value=Hotel]@evaluation" in result.output.replace(
        "\n", ""
    )


def test_a_failed_write_leaves_no_half_written_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The domain and profiles are renamed into place together: when writing the second
    file fails (a full disk), nothing is left, and an existing scenario stays as it was."""
    real = ET.ElementTree.write
    calls = {"n": 0}

    def failing(self: ET.ElementTree, target: object, *args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device", str(target))
        real(self, target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ET.ElementTree, "write", failing)
    with pytest.raises(DealspaceError, match="No space left"):
        write_genius(additive(), tmp_path / "new")
    assert not (tmp_path / "new").exists()
    monkeypatch.setattr(ET.ElementTree, "write", real)
    written = write_genius(additive(), tmp_path / "old")
    before = {p.name: p.read_bytes() for p in written}
    calls["n"] = 0
    monkeypatch.setattr(ET.ElementTree, "write", failing)
    with pytest.raises(DealspaceError):
        write_genius(additive(), tmp_path / "old", overwrite=True)
    assert {p.name: p.read_bytes() for p in (tmp_path / "old").iterdir()} == before
