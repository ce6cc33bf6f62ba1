"""Issue 18, cause 1: every number of a scenario is bounded and finite.

Each hostile number is a mutation of the built-in us-japan-2025 scenario; each
is refused by the loader with the file, the field path and the fix (exit code
2, no traceback, file unchanged), and at the bounds every result is finite.
"""

from __future__ import annotations

import copy
import json
import math
import shutil
from collections.abc import Callable
from csv import DictReader
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import dealspace
from dealspace.cli import app
from dealspace.errors import DealspaceError
from dealspace.scenario.bounds import MAX_MAGNITUDE, MAX_POINTS, number_problems, shown
from dealspace.scenario.load import builtin_path, read_document

runner = CliRunner()
GENIUS = Path(__file__).parent / "data" / "genius" / "holiday"
BASE = read_document(builtin_path("us-japan-2025"))


def mutate(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    change(data)
    return data


def issue(data: dict[str, Any], issue_id: str) -> dict[str, Any]:
    return next(i for d in data["domains"] for i in d["issues"] if i["id"] == issue_id)


def us(data: dict[str, Any]) -> dict[str, Any]:
    return data["parties"][0]


def write(tmp_path: Path, data: Any, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def refused(path: Path, *expected: str) -> str:
    """The loader and `dealspace validate` refuse ``path`` with every expected part."""
    before = path.read_bytes()
    with pytest.raises(DealspaceError) as info:
        dealspace.load_scenario(path)
    message = str(info.value)
    assert str(path) in message
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    shown_text = (result.output + result.stderr).replace("\n", " ")
    assert "Traceback" not in shown_text
    assert expected[0] in shown_text
    assert path.read_bytes() == before
    return message


CASES: dict[str, tuple[Callable[[dict[str, Any]], None], tuple[str, ...]]] = {
    "range of ±1e308": (
        lambda d: issue(d, "reciprocal_tariff").update(
            range={"min": -1e308, "max": 1e308, "step": 1e308}
        ),
        ("domains[0].issues[0].range.min", "-1e308 is beyond ±1e12", "range.max", "range.step"),
    ),
    "step 5e-324": (
        lambda d: issue(d, "reciprocal_tariff")["range"].update(step=5e-324),
        ("domains[0].issues[0].range", "in steps of 4.94066e-324 has over 1e308 options"),
    ),
    "a step too fine for the numbers' size": (
        lambda d: issue(d, "reciprocal_tariff").update(
            range={"min": 1e9, "max": 1e9 + 1, "step": 0.001}, status_quo=1e9
        ),
        ("domains[0].issues[0].range", "too fine", "at least 1000"),
    ),
    "a step giving a billion options": (
        lambda d: issue(d, "reciprocal_tariff")["range"].update(min=0, max=1e9, step=1),
        (
            "domains[0].issues[0].range",
            "0..1e9 in steps of 1 has 1,000,000,001 options",
            "larger step",
        ),
    ),
    "status quo .inf": (
        lambda d: issue(d, "reciprocal_tariff").update(status_quo=math.inf),
        ("domains[0].issues[0].status_quo", "inf is not a finite number"),
    ),
    "value-map key 'inf' on a numeric issue": (
        lambda d: us(d)["valuations"]["auto_tariff"].update(value={"15": 0, "inf": 1}),
        ("parties[0].valuations.auto_tariff.value.inf", "'inf' is not an option"),
    ),
    "a 400-digit weight": (
        lambda d: us(d)["valuations"]["rice"].update(weight=10**400),
        ("parties[0].valuations.rice.weight", "a 401-digit integer is beyond ±1e12"),
    ),
    "a 400-digit option value": (
        lambda d: us(d)["valuations"]["rice"]["value"].update(none=10**400),
        ("parties[0].valuations.rice.value.none", "a 401-digit integer"),
    ),
    "a 400-digit option id": (
        lambda d: issue(d, "boeing").update(options=[10**400, "b50", "b100"]),
        ("domains[0].issues[5].options[0]", "a 401-digit integer"),
    ),
    "weights of 1e308": (
        lambda d: [us(d)["valuations"][i].update(weight=1e308) for i in ("rice", "boeing")],
        ("parties[0].valuations.rice.weight", "1e308 is beyond ±1e12", "valuations.boeing"),
    ),
    "a weight above the points bound": (
        lambda d: us(d)["valuations"]["rice"].update(weight=5e9),
        ("parties[0].valuations.rice.weight", "5e9 is beyond 1e9"),
    ),
    "bonuses of 1e308": (
        lambda d: [b.update(bonus=1e308) for b in us(d)["nice_to_haves"] + us(d)["interactions"]],
        ("parties[0].nice_to_haves[0].bonus", "1e308 is beyond ±1e12"),
    ),
    "a penalty below the points bound": (
        lambda d: us(d)["interactions"][0].update(bonus=-2e9),
        ("parties[0].interactions[0].bonus", "-2e9 is beyond -1e9"),
    ),
    "a BATNA of 1e300": (
        lambda d: us(d).update(batna=1e300),
        ("parties[0].batna", "1e300 is beyond ±1e12"),
    ),
    "an option value above the points bound": (
        lambda d: us(d)["valuations"]["rice"]["value"].update(none=3e9),
        ("parties[0].valuations.rice.value", "3e9, beyond ±1e9"),
    ),
    "a tariff rate of a billion percent": (
        lambda d: issue(d, "steel_aluminium")["tariff"]["rates"].update(s50=1e9),
        ("domains[0].issues[2].tariff.rates.s50", "1e9 is beyond 10000"),
    ),
    "NaN in a text field": (
        lambda d: us(d).update(source=math.nan),
        ("parties[0].source", "nan is not a finite number"),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_out_of_bounds_number_refused(tmp_path: Path, case: str) -> None:
    change, expected = CASES[case]
    refused(write(tmp_path, mutate(change)), *expected)


def test_json_1e999_slips_no_more(tmp_path: Path) -> None:
    """JSON's 1e999 parses as infinity without passing the NaN/Infinity guard."""
    text = json.dumps(BASE).replace('"weight": 12,', '"weight": 1e999,', 1)
    assert "1e999" in text
    refused(
        write(tmp_path, text, "bad.json"), "parties[0].valuations", "inf is not a finite number"
    )


def test_every_problem_at_once_in_document_order(tmp_path: Path) -> None:
    def two(d: dict[str, Any]) -> None:
        us(d)["batna"] = 1e300
        issue(d, "reciprocal_tariff")["status_quo"] = 1e300

    message = refused(write(tmp_path, mutate(two)), "2 problems")
    assert message.index("parties[0].batna") < message.index("domains[0].issues[0].status_quo")


def test_genius_weights_whose_sum_overflows(tmp_path: Path) -> None:
    folder = tmp_path / "holiday"
    shutil.copytree(GENIUS, folder)
    profile = folder / "traveller_a.xml"
    text = profile.read_text()
    profile.write_text(text.replace('value="0.5"', 'value="1e308"').replace('"0.2"', '"1e308"'))
    with pytest.raises(DealspaceError) as info:
        dealspace.load_scenario(folder)
    message = str(info.value)
    assert "traveller_a.xml" in message
    assert "objective/weight[index=1]@value: the weight 1e308 is beyond 1e9" in message
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_number_walk_reports_keys_and_nested_values() -> None:
    data = {"a": [1, {"b": math.inf}], 2e12: "x", "c": 10**20}
    problems = list(number_problems(data, MAX_MAGNITUDE))
    assert [p.where for p in problems] == ["2000000000000.0", "a[1].b", "c"]  # keys first
    assert "the key 2e12" in problems[0].what
    assert list(number_problems({"x": 1e300})) == []  # no limit: finite numbers pass


def test_shown_numbers_stay_short() -> None:
    assert shown(10**400) == "a 401-digit integer"
    assert shown(1e12) == "1e12"
    assert shown(2.5e-05) == "2.5e-05"
    assert shown(12) == "12"


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_at_the_bounds_every_result_is_finite(tmp_path: Path) -> None:
    """Weights, bonuses and BATNAs at ±1e9 and numeric ranges at ±1e12 are accepted,
    and `frontier --json` / `--csv` write finite numbers only (no RuntimeWarning)."""

    def extreme(d: dict[str, Any]) -> None:
        for party in d["parties"]:
            for valuation in party["valuations"].values():
                valuation["weight"] = MAX_POINTS
            for bonus in party.get("nice_to_haves", []) + party.get("interactions", []):
                bonus["bonus"] = -MAX_POINTS
        us(d)["batna"] = -MAX_POINTS
        visas = issue(d, "currency")
        visas.pop("options", None)

    def numeric(d: dict[str, Any]) -> None:
        extreme(d)
        for party in d["parties"]:
            party["valuations"]["currency"] = {"weight": MAX_POINTS, "value": "increasing"}
        issue(d, "currency").update(
            range={"min": -MAX_MAGNITUDE, "max": MAX_MAGNITUDE, "step": 2e9},
            status_quo=-MAX_MAGNITUDE,
        )

    path = write(tmp_path, mutate(numeric), "extreme.yaml")
    scenario = dealspace.load_scenario(path)
    assert len(scenario.issue("currency").option_ids) == 1001
    result = runner.invoke(app, ["frontier", str(path), "--json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout, parse_constant=_refuse)
    assert records and all(math.isfinite(u) for r in records for u in r["utilities"].values())
    csv = tmp_path / "frontier.csv"
    result = runner.invoke(app, ["frontier", str(path), "--csv", str(csv)])
    assert result.exit_code == 0, result.output
    rows = list(DictReader(csv.open()))
    assert rows and all(
        math.isfinite(float(v)) for row in rows for k, v in row.items() if k.startswith("u:")
    )


def _refuse(name: str) -> None:
    raise AssertionError(f"non-finite JSON constant {name}")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('"type": 0.25', '"type": 1' + "0" * 400, "a 401-digit integer is beyond ±1e12"),
        (
            '"reserved_value": 0.3',
            '"reserved_value": 1e999',
            "LinearAdditiveUtilitySpace.reserved_value: inf is not a finite number",
        ),
    ],
)
def test_geniusweb_numbers_out_of_bounds(tmp_path: Path, old: str, new: str, expected: str) -> None:
    folder = tmp_path / "fitness"
    shutil.copytree(Path(__file__).parent / "data" / "geniusweb" / "fitness", folder)
    profile = folder / "client.json"
    text = profile.read_text()
    assert old in text
    profile.write_text(text.replace(old, new, 1))
    with pytest.raises(DealspaceError) as info:
        dealspace.load_scenario(folder)
    assert "client.json" in str(info.value) and expected in str(info.value)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.mark.parametrize("tiny", [5e-324, 1e-200])
def test_points_too_small_to_tell_from_zero_are_refused(tmp_path: Path, tiny: float) -> None:
    """A weight of 5e-324 passed every bound but made every utility 0 and the frontier
    divide by zero; a non-zero weight or BATNA below 1e-100 is refused, negative ones too."""

    def change(d: dict[str, Any]) -> None:
        us(d)["valuations"]["rice"]["weight"] = tiny
        d["parties"][1]["batna"] = -tiny

    path = write(tmp_path, mutate(change))
    message = refused(path, "products of points underflow", "valuations.rice.weight")
    assert "batna" in message
