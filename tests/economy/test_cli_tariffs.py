"""The `dealspace tariffs` and `dealspace facts` commands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import dealspace.cli.tariffs  # noqa: F401  (registers the command)
from dealspace.cli._app import app

runner = CliRunner()


def test_tariffs_default_table() -> None:
    result = runner.invoke(app, ["tariffs", "--top", "0"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert (
        "USA" in result.output
        and "non-US" in result.output
        and "VNM" in result.output
        and "EU" in result.output
    )
    assert "welfare: the change in residents' real income" in result.output  # defined on screen
    assert (
        "lump-sum rebate" in result.output and "income-tax cut" in result.output
    )  # revenue use next to welfare
    assert (
        "balance before" in result.output and "deficit" not in result.output
    )  # levels, not a % of a signed number


def test_tariffs_json_csv_and_plot(tmp_path: Path) -> None:
    csv, png = tmp_path / "out.csv", tmp_path / "welfare.png"
    result = runner.invoke(
        app,
        [
            "tariffs",
            "--preset",
            "us-japan-deal",
            "--retaliation",
            "reciprocal",
            "--csv",
            str(csv),
            "--plot",
            str(png),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (
        data["meta"]["preset"] == "us-japan-deal"
        and len(data["rows"]) == 13
        and len(data["countries"]) == 194
    )
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
        (["--set", "USA-KOR=15"], "LEVIER:TARGET=RATE"),
        (["--set", "USA:KOX=15"], "KOX"),
        (["--set", "USA:USA=15"], "itself"),
        (["--retaliate", "USA"], "itself"),
        (["--retaliate", "KOR", "--retaliation", "none"], "--retaliate"),
        (["--by", "continent"], "--by"),
        (["--date", "2025-08-01", "--preset", "deals-2025"], "--date"),
        (["--date", "1 Aug 2025"], "YYYY-MM-DD"),
        (["--data", "/nonexistent/folder"], "does not exist"),
    ],
)
def test_tariffs_bad_options(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["tariffs", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_tariffs_never_overwrites_an_input(tmp_path: Path) -> None:
    (tmp_path / "trade.csv").write_text(
        "exporter,importer,value\nUSA,USA,10\nUSA,JPN,1\nJPN,USA,2\nJPN,JPN,5\n"
    )
    before = (tmp_path / "trade.csv").read_text()
    result = runner.invoke(
        app, ["tariffs", "--data", str(tmp_path), "--csv", str(tmp_path / "trade.csv")]
    )
    assert result.exit_code == 2 and "input" in result.output
    assert (tmp_path / "trade.csv").read_text() == before


def test_help_names_every_preset_and_retaliation() -> None:
    from dealspace.cli.tariffs import PRESET_HELP
    from dealspace.economy import PRESETS, RETALIATION

    assert all(f"'{name}'" in PRESET_HELP for name in PRESETS)
    result = runner.invoke(app, ["tariffs", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert all(mode in result.output for mode in RETALIATION)


def test_tariffs_never_overwrites_the_embedded_data() -> None:
    target = (
        Path(dealspace.cli.tariffs.__file__).resolve().parents[1]
        / "economy"
        / "data"
        / "trade_2023.csv"
    )
    before = target.read_bytes()
    result = runner.invoke(app, ["tariffs", "--csv", str(target)])
    assert result.exit_code == 2 and "input" in result.output
    assert target.read_bytes() == before


def _welfare(args: list[str]) -> dict[str, float]:
    result = runner.invoke(app, ["tariffs", "--json", *args])
    assert result.exit_code == 0, result.output
    return {row["iso3"]: row["welfare_pct"] for row in json.loads(result.stdout)["countries"]}


def test_bilateral_set_equals_the_matrix_built_in_python() -> None:
    """--set USA:KOR=15 on the liberation-day preset is that preset with one cell changed, solved."""
    from dealspace.economy import ModelParams, load_default, preset_tariffs, solve

    eco = load_default()
    params = ModelParams(revenue_use="lump-sum")
    t = preset_tariffs("liberation-day", eco, params)
    t[eco.index("KOR"), eco.index("USA")] = 0.15
    expected = 100 * (solve(eco, t, params).welfare_hat - 1)
    got = _welfare(["--set", "USA:KOR=15"])
    np.testing.assert_allclose([got[c] for c in eco.iso3], expected, rtol=1e-9, atol=1e-12)
    # and it differs from the preset alone (Korea faces 15 % instead of 26 %)
    assert got["KOR"] > _welfare([])["KOR"]


def test_rates_file_and_region_codes(tmp_path: Path) -> None:
    """A CSV of rates (percent) sets the same cells as --set; a region code sets each member."""
    from dealspace.economy import ModelParams, load_default, preset_tariffs, solve
    from dealspace.economy.regions import display_groups

    path = tmp_path / "rates.csv"
    path.write_text("levied_by,on,rate\nUSA,EU,15\nKOR,USA,5\n")
    by_file = _welfare(["--rates", str(path)])
    by_set = _welfare(["--set", "USA:EU=15", "--set", "KOR:USA=5"])
    assert by_file == pytest.approx(by_set, rel=1e-12)
    eco = load_default()
    t = preset_tariffs("liberation-day", eco)
    us = eco.index("USA")
    for c in display_groups(eco)["EU"]:
        t[eco.index(c), us] = 0.15
    t[us, eco.index("KOR")] = 0.05
    expected = 100 * (solve(eco, t, ModelParams(revenue_use="lump-sum")).welfare_hat - 1)
    np.testing.assert_allclose([by_file[c] for c in eco.iso3], expected, rtol=1e-9, atol=1e-12)


def test_retaliation_by_a_bloc_only() -> None:
    result = runner.invoke(app, ["tariffs", "--json", "--retaliate", "EU,JPN", "--by", "country"])
    assert result.exit_code == 0, result.output
    rows = {r["iso3"]: r for r in json.loads(result.stdout)["countries"]}
    assert rows["JPN"]["its_rate_on_us_pct"] == pytest.approx(24.0) and rows["DEU"][
        "its_rate_on_us_pct"
    ] == pytest.approx(20.0)
    assert (
        rows["KOR"]["its_rate_on_us_pct"] == 0 and rows["CHN"]["its_rate_on_us_pct"] == 0
    )  # not in the bloc
    assert rows["KOR"]["us_rate_on_it_pct"] == pytest.approx(26.0)


def test_rates_in_force_at_a_date() -> None:
    result = runner.invoke(app, ["tariffs", "--json", "--date", "2025-08-07", "--by", "country"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["meta"]["preset"] == "in-force" and data["meta"]["date"] == "2025-08-07"
    rows = {r["iso3"]: r for r in data["countries"]}
    assert rows["JPN"]["us_rate_on_it_pct"] == pytest.approx(15.0) and rows["KOR"][
        "us_rate_on_it_pct"
    ] == pytest.approx(15.0)
    assert rows["CHN"]["us_rate_on_it_pct"] == pytest.approx(
        30.0
    )  # the Geneva truce (10 % + 20 % fentanyl); the Busan truce came on 30 October
    schedule = data["meta"]["schedule"]  # the dated changes behind the rates, each with its source
    assert schedule[0]["effective"] == "2025-04-02" and schedule[-1]["effective"] == "2025-08-07"
    assert all(c["source"] and c["effective"] <= "2025-08-07" for c in schedule)
    text = runner.invoke(app, ["tariffs", "--date", "2025-08-07", "--top", "3"])
    assert text.exit_code == 0 and "dated changes since 2 April 2025" in text.output
    pause = runner.invoke(app, ["tariffs", "--json", "--date", "2025-08-01", "--by", "country"])
    assert pause.exit_code == 0, pause.output
    rows = {r["iso3"]: r for r in json.loads(pause.stdout)["countries"]}
    assert rows["JPN"]["us_rate_on_it_pct"] == pytest.approx(10.0)  # still the pause
