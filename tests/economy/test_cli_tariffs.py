"""The `dealspace tariffs` and `dealspace facts` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import dealspace.cli.facts  # noqa: F401  (registers the command)
import dealspace.cli.tariffs  # noqa: F401
from dealspace.cli._app import app

runner = CliRunner()


def test_tariffs_default_table() -> None:
    result = runner.invoke(app, ["tariffs", "--top", "0"])
    assert result.exit_code == 0, result.output
    assert "USA" in result.output and "non-US" in result.output and "VNM" in result.output


def test_tariffs_json_csv_and_plot(tmp_path: Path) -> None:
    csv, png = tmp_path / "out.csv", tmp_path / "welfare.png"
    result = runner.invoke(app, ["tariffs", "--preset", "us-japan-deal", "--retaliation", "reciprocal", "--csv", str(csv), "--plot", str(png), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["meta"]["preset"] == "us-japan-deal" and len(data["regions"]) == 14
    frame = pd.read_csv(csv)
    assert {"iso3", "welfare_pct"} <= set(frame.columns)
    assert frame["welfare_pct"].abs().is_monotonic_decreasing
    assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--preset", "liberation_day"], "liberation-day"),
        (["--retaliation", "tit-for-tat"], "--retaliation"),
        (["--revenue", "rebate"], "lump-sum"),
        (["--data", "/nonexistent/folder"], "does not exist"),
    ],
)
def test_tariffs_bad_options(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["tariffs", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_tariffs_never_overwrites_an_input(tmp_path: Path) -> None:
    (tmp_path / "trade.csv").write_text("exporter,importer,value\nUSA,USA,10\nUSA,JPN,1\nJPN,USA,2\nJPN,JPN,5\n")
    before = (tmp_path / "trade.csv").read_text()
    result = runner.invoke(app, ["tariffs", "--data", str(tmp_path), "--csv", str(tmp_path / "trade.csv")])
    assert result.exit_code == 2 and "input" in result.output
    assert (tmp_path / "trade.csv").read_text() == before


def test_facts_command() -> None:
    result = runner.invoke(app, ["facts", "--json"])
    assert result.exit_code == 0, result.output
    claims = {f["claim"]: f for f in json.loads(result.stdout)}
    assert claims["'700 %' rice tariff"]["inputs"][0]["source"]
    table = runner.invoke(app, ["facts"])
    assert table.exit_code == 0 and "341" in table.output


def test_help_names_every_preset_and_retaliation() -> None:
    from dealspace.cli.tariffs import PRESET_HELP
    from dealspace.economy import PRESETS, RETALIATION

    assert all(f"'{name}'" in PRESET_HELP for name in PRESETS)
    result = runner.invoke(app, ["tariffs", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert all(mode in result.output for mode in RETALIATION)


def test_tariffs_never_overwrites_the_embedded_data() -> None:
    target = Path(dealspace.cli.tariffs.__file__).resolve().parents[1] / "economy" / "data" / "trade_2023.csv"
    before = target.read_bytes()
    result = runner.invoke(app, ["tariffs", "--csv", str(target)])
    assert result.exit_code == 2 and "input" in result.output
    assert target.read_bytes() == before
