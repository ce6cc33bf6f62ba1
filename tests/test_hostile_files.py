"""Every YAML/JSON file the CLI reads goes through the one hardened loader.

Sweep grids, facts files, world files and deal files from strangers: not
UTF-8, nested 2,000 deep, alias bombs, over the size limit, YAML tags, wrong
types and numbers past their limits each give one message naming the file
and the field, exit code 2 and no traceback (issue 18, cause 8).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dealspace.cli import app
from dealspace.errors import DealspaceError
from dealspace.process.sweep import (
    MAX_CELLS,
    MAX_RUNS,
    MAX_SEEDS,
    load_grid,
)
from dealspace.scenario.load import MAX_DEPTH, MAX_FILE_BYTES

TOY = str(Path(__file__).parent / "data" / "toy.yaml")
runner = CliRunner()

GOOD = {
    "runs": 5,
    "weeks": 10,
    "tariff_cost": False,
    "protocols": ["alternating"],
    "strategies": ["linear,linear"],
}

DEEP = "a: " + "[" * 2000 + "]" * 2000 + "\n"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
HOSTILE = {
    "not UTF-8": (b"protocols: [alternating]\nstrategies: ['linear\xff\xfe']\n", "not UTF-8"),
    "deep": (DEEP.encode(), f"deeper than {MAX_DEPTH} levels"),
    "alias bomb": (BOMB.encode(), "more than 1,000,000 elements"),
    "python tag": (
        b"protocols: !!python/object/apply:os.system [echo hi]\n",
        "unsupported YAML tag",
    ),
    "empty": (b"\n\n", "empty"),
    "a list": (b"- alternating\n", "top level is a list"),
    "bad YAML": (b"protocols: [alternating\n", "not valid YAML"),
}


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def write_grid(path: Path, grid: dict) -> Path:
    path.write_text(yaml.safe_dump(grid))
    return path


# ------------------------------------------------------------------ grids: reading


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_grid_files_are_refused_with_the_file_named(tmp_path: Path, case: str) -> None:
    data, message = HOSTILE[case]
    path = tmp_path / "grid.yaml"
    path.write_bytes(data)
    code, out = run("sweep", str(path), "--scenario", TOY, "--scheduler", "sync")
    assert code == 2 and message in out and str(path) in out


def test_a_grid_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "grid.yaml"
    path.write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 10))
    code, out = run("sweep", str(path), "--scenario", TOY)
    assert code == 2 and "over the 5 MB limit" in out and str(path) in out


def test_a_json_grid_is_read_and_refuses_nan(tmp_path: Path) -> None:
    path = tmp_path / "grid.json"
    path.write_text(json.dumps(GOOD))
    code, out = run("sweep", str(path), "--scenario", TOY, "--scheduler", "sync", "--json")
    assert code == 0, out
    assert len(json.loads(out)) == 1
    path.write_text(json.dumps({**GOOD, "noise": float("nan")}))
    code, out = run("sweep", str(path), "--scenario", TOY)
    assert code == 2 and "'NaN' is not a number" in out and str(path) in out


def test_a_folder_or_a_missing_grid(tmp_path: Path) -> None:
    code, out = run("sweep", str(tmp_path), "--scenario", TOY)
    assert code == 2 and "folder, not a grid file" in out
    code, out = run("sweep", str(tmp_path / "nope.yaml"), "--scenario", TOY)
    assert code == 2 and "no such grid file" in out


# ------------------------------------------------------------------ grids: fields

BAD_FIELDS: dict[str, tuple[dict[str, Any], str | re.Pattern[str]]] = {
    "empty protocols": ({"protocols": []}, "protocols: the list is empty"),
    "empty strategies": ({"strategies": []}, "strategies: the list is empty"),
    "seeds 10^12": (
        {"seeds": 10**12},
        f"seeds: 1,000,000,000,000 seeds is over the limit of {MAX_SEEDS:,}",
    ),
    "runs 10^20": (
        {"runs": 10**20},
        f"runs: 100,000,000,000,000,000,000 is over the limit of {MAX_RUNS:,}",
    ),
    "runs a list": ({"runs": [5, 6]}, "runs: [5, 6] is not a whole number"),
    "runs as text": ({"runs": "many"}, "runs: 'many' is not a whole number"),
    "runs true": ({"runs": True}, "runs: True is not a whole number"),
    "negative seed": ({"seeds": [-1]}, "seeds[0]: -1 is below the minimum of 0"),
    "round-based key": ({"deadline": 10}, "'deadline' counts in rounds: grids run on a calendar"),
    "too many rounds": (
        {"weeks": 1000, "every": 0.01, "unit": "day"},
        "is 700,000 rounds, over the limit of 100,000",
    ),
    "weeks as text": ({"weeks": ["x"]}, "weeks[0]: 'x' is not a number"),
    "unknown unit": (
        {"unit": "month"},
        "unit: 'month' is not a unit of time here: use 'week' or 'day'",
    ),
    "bad start": ({"start": "someday"}, "start: 'someday' is not a date"),
    "tariff_cost text": ({"tariff_cost": "yes"}, "tariff_cost: Input should be a valid boolean"),
    "hazard 1": ({"hazard": ["us=1"]}, "hazard[0]: 1.0 is not a probability"),
    # the loader may refuse a non-finite number before the grid model does
    "infinite noise": ({"noise": float("inf")}, re.compile(r"noise(\[0\])?: inf is not a")),
    "huge noise": ({"noise": 1e308}, "noise[0]: 1e+308 is not a noise level in [0, 100]"),
    "discount 0": ({"discount": 0}, "discount[0]: 0.0 is not a discount factor per year in (0, 1]"),
    "step as text": (
        {"protocols": [{"name": "snt", "step": "abc"}]},
        "protocols[0].step: 'abc' is not a number",
    ),
    "step infinite": (
        {"protocols": [{"name": "snt", "step": float("inf")}]},
        re.compile(r"protocols\[0\]\.step: inf is not a"),
    ),
    "stage_rounds as text": (
        {"protocols": [{"name": "sequential", "stage_rounds": "x"}]},
        "protocols[0].stage_rounds: 'x' is not a whole number",
    ),
    "stage_rounds huge": (
        {"protocols": [{"name": "sequential", "stage_rounds": 10**30}]},
        "protocols[0].stage_rounds: 1,000,000,000,000,000,000,000,000,000,000 is over the limit",
    ),
    "order a number": (
        {"protocols": [{"name": "sequential", "order": 5}]},
        "protocols[0].order: 5 is not 'given', 'negotiated' or a list of unit names",
    ),
    "first 2": ({"protocols": [{"name": "silos", "first": 2}]}, "protocols[0]: first is 2"),
    "first true": (
        {"protocols": [{"name": "silos", "first": True}]},
        "protocols[0].first: True is not a whole number",
    ),
    "bindable text": (
        {"protocols": [{"name": "sequential", "bindable": "yes"}]},
        "protocols[0].bindable: Input should be a valid boolean",
    ),
    "parameter of another protocol": (
        {"protocols": [{"name": "alternating", "step": 0.5}]},
        "protocols[0]: protocol 'alternating' has no parameter 'step'",
    ),
    "unknown parameter": (
        {"protocols": [{"name": "snt", "stpe": 0.5}]},
        "protocols[0].stpe: unknown key 'stpe'. Did you mean 'step'?",
    ),
    "protocol without a name": (
        {"protocols": [{"step": 0.5}]},
        "protocols[0].name: this required field is missing",
    ),
    "protocol a number": ({"protocols": [5]}, "protocols[0]: Input should be"),
    "strategy a number": ({"strategies": [5]}, "strategies[0]: 5 is not a strategy pair"),
    "unknown key": ({"runz": 5}, "runz: unknown key 'runz'. Did you mean 'runs'?"),
    "too many cells": (
        {"protocols": ["alternating"] * 20, "seeds": 10_000},
        f"over the limit of {MAX_CELLS:,}",
    ),
    "costs over the limit": (
        {"delay_cost": ["us=1e308"]},
        "delay_cost[0]: 1e+308 is not a number in",
    ),
    "same party twice": ({"parties": ["a", "a"]}, "both are 'a'"),
    "scenario a number": ({"scenario": 5}, "scenario: Input should be a valid string"),
}


@pytest.mark.parametrize("case", list(BAD_FIELDS))
def test_bad_grid_fields_name_the_file_and_the_field(tmp_path: Path, case: str) -> None:
    change, message = BAD_FIELDS[case]
    path = write_grid(tmp_path / "grid.yaml", {**GOOD, **change})
    before = path.read_bytes()
    code, out = run("sweep", str(path), "--scenario", TOY, "--scheduler", "sync")
    assert code == 2, out
    found = message.search(out) if isinstance(message, re.Pattern) else message in out
    assert found and f"{path}: " in out, out
    assert path.read_bytes() == before


def test_every_problem_at_once_from_a_mapping() -> None:
    with pytest.raises(DealspaceError) as info:
        load_grid({**GOOD, "protocols": [], "runs": 10**20, "seeds": 10**12, "hazard": 1})
    text = str(info.value)
    assert text.startswith("grid: 4 problems")
    assert "protocols: the list is empty" in text and "hazard[0]: 1 is not a probability" in text


def test_a_valid_grid_keeps_its_protocol_specs() -> None:
    grid = load_grid(
        {
            **GOOD,
            "protocols": ["alternating", {"name": "snt", "step": 1}, {"name": "silos"}],
            "seeds": 3,
            "delay_cost": ["us=0.02,japan=0.28", 0],
        }
    )
    assert grid.protocols == ["alternating", {"name": "snt", "step": 1.0}, "silos"]
    assert grid.seeds == [0, 1, 2] and grid.runs == 5 and grid.weeks == [10.0]
    assert grid.delay_cost == [{"japan": 0.28, "us": 0.02}, 0.0]
    assert len(grid) == len(grid.cells()) == 3 * 3 * 2


# ------------------------------------------------------------------ other files


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_facts_files(tmp_path: Path, case: str) -> None:
    data, message = HOSTILE[case]
    path = tmp_path / "facts.yaml"
    path.write_bytes(data)
    code, out = run("facts", "--file", str(path), "--no-builtin")
    assert code == 2 and str(path) in out
    if case not in ("empty", "a list"):  # the facts reader words these its own way
        assert message in out


@pytest.mark.parametrize("case", ["not UTF-8", "deep", "alias bomb", "python tag"])
def test_hostile_world_and_deal_files(tmp_path: Path, case: str) -> None:
    data, message = HOSTILE[case]
    world = tmp_path / "world.yaml"
    world.write_bytes(data)
    code, out = run("world", "--world", str(world), "--runs", "1")
    assert code == 2 and message in out and str(world) in out
    deal = tmp_path / "deal.yaml"
    deal.write_bytes(data)
    code, out = run("score", str(deal))
    assert code == 2 and message in out and str(deal) in out


def test_a_grid_is_checked_against_the_scenario_before_any_cell_runs(tmp_path: Path) -> None:
    path = write_grid(
        tmp_path / "grid.yaml",
        {
            **GOOD,
            "protocols": [{"name": "sequential", "order": ["trad", "trade"]}],
            "delay_cost": ["a=0.1,zz=0.2"],
        },
    )
    code, out = run("sweep", str(path), "--scenario", TOY, "--scheduler", "sync")
    assert code == 2 and f"{path}: 2 problems" in out
    assert "protocols[0].order: no unit 'trad' in the scenario. Did you mean 'trade'?" in out
    assert "delay_cost[0]: unknown party 'zz'" in out
    write_grid(path, {**GOOD, "parties": ["a", "c"]})
    code, out = run("sweep", str(path), "--scenario", TOY, "--scheduler", "sync")
    assert code == 2 and f"{path}: parties: unknown party 'c'" in out


def test_a_400_digit_hazard_is_refused_not_a_traceback(tmp_path: Path) -> None:
    path = write_grid(tmp_path / "grid.yaml", {**GOOD, "hazard": 10**400, "delay_cost": 10**400})
    code, out = run("sweep", str(path), "--scenario", TOY, "--scheduler", "sync")
    assert code == 2 and "hazard[0]: " in out and "delay_cost[0]: " in out
