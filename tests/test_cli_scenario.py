"""The scenario commands: scenarios, show, schema, convert, analyze."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

import dealspace
from dealspace.cli import app

TOY = Path(__file__).parent / "data" / "toy.yaml"
runner = CliRunner()


def test_schema_validates_good_and_rejects_bad() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    data = yaml.safe_load(TOY.read_text())
    jsonschema.validate(data, schema)
    data["parties"][0]["valuations"]["tariff"]["wieght"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_schema_output_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    target.write_text("mine")
    result = runner.invoke(app, ["schema", "-o", str(target)])
    assert result.exit_code == 2
    assert target.read_text() == "mine"


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_convert_round_trip(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"toy{suffix}"
    result = runner.invoke(app, ["convert", str(TOY), str(out)])
    assert result.exit_code == 0, result.output
    assert dealspace.load_scenario(out) == dealspace.load_scenario(TOY)


def test_convert_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "toy.json"
    out.write_text("keep me")
    result = runner.invoke(app, ["convert", str(TOY), str(out)])
    assert result.exit_code == 2
    assert "--overwrite" in result.output + result.stderr
    assert out.read_text() == "keep me"


def test_convert_unknown_format(tmp_path: Path) -> None:
    result = runner.invoke(app, ["convert", str(TOY), str(tmp_path / "toy.xlsx")])
    assert result.exit_code == 2
    assert "unknown output format" in result.output + result.stderr


def test_show_json_is_the_scenario() -> None:
    result = runner.invoke(app, ["show", str(TOY), "--json"])
    assert result.exit_code == 0
    again = dealspace.Scenario.model_validate(json.loads(result.stdout))
    assert again == dealspace.load_scenario(TOY)


def test_show_tables() -> None:
    result = runner.invoke(app, ["show", str(TOY)])
    assert result.exit_code == 0
    for text in ("Alpha", "tariff", "no_open_rice", "rice_and_defence"):
        assert text in result.stdout


def test_scenarios_lists_builtins() -> None:
    result = runner.invoke(app, ["scenarios", "--json"])
    assert result.exit_code == 0
    names = {row["name"] for row in json.loads(result.stdout)}
    assert {"us-japan-2025", "us-japan-2025-trade-only"} <= names


def test_help_everywhere() -> None:
    from dealspace.cli._lazy import available

    names = list(available())
    assert "analyze" in names
    for name in names:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Usage" in result.output


def test_python_dash_m_runs_the_same_cli(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    out = subprocess.run(
        [sys.executable, "-m", "dealspace", "validate", str(bad)], capture_output=True, text=True
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "parties: this required field is missing" in out.stdout + out.stderr
    scenarios = subprocess.run(
        [sys.executable, "-m", "dealspace", "scenarios", "--json"], capture_output=True, text=True
    )
    assert scenarios.returncode == 0 and "us-japan-2025" in scenarios.stdout


def test_import_is_light() -> None:
    code = "import sys, dealspace; print(sorted(m for m in ('matplotlib', 'dask', 'distributed') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
