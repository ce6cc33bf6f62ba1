"""The process commands: simulate, compare-protocols, sweep."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from rich.console import Console
from typer.testing import CliRunner

import dealspace.cli.process  # noqa: F401  (registers the commands)
from dealspace.cli import app
from dealspace.cli.process import print_comparison

TOY = str(Path(__file__).parents[1] / "data" / "toy.yaml")
runner = CliRunner()


def test_simulate_one_run_with_trace() -> None:
    result = runner.invoke(
        app, ["simulate", TOY, "--strategies", "tft,boulware", "--weeks", "40", "--trace"]
    )
    assert result.exit_code == 0, result.output
    assert "agreement in round" in result.output and "Trace" in result.output
    assert "(week " in result.output and "20 rounds" in result.output


def test_simulate_monte_carlo_json_is_seeded() -> None:
    args = [
        "simulate",
        TOY,
        "-p",
        "sequential",
        "-s",
        "boulware,linear",
        "--runs",
        "200",
        "--seed",
        "5",
        "--hazard",
        "0.02",
        "--noise",
        "0.1",
        "--json",
    ]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert data["summary"][0]["runs"] == 200 and data["settings"]["process"]["hazard"] == 0.02
    assert runner.invoke(app, args).stdout == first.stdout


def test_unknown_names_exit_2_with_a_hint() -> None:
    bad_protocol = runner.invoke(app, ["simulate", TOY, "--protocol", "sequental"])
    assert bad_protocol.exit_code == 2
    assert (
        "unknown protocol 'sequental'" in bad_protocol.output
        and "sequential" in bad_protocol.output
    )
    bad_strategy = runner.invoke(app, ["simulate", TOY, "--strategies", "boulware,titfortot"])
    assert bad_strategy.exit_code == 2
    assert "unknown strategy 'titfortot'" in bad_strategy.output
    bad_number = runner.invoke(app, ["simulate", TOY, "--discount", "1.5"])
    assert bad_number.exit_code == 2 and "discount" in bad_number.output
    assert "Traceback" not in bad_protocol.output + bad_strategy.output + bad_number.output


def test_compare_protocols_table_and_chart(tmp_path: Path) -> None:
    chart = tmp_path / "cmp.png"
    result = runner.invoke(app, ["compare-protocols", TOY, "--runs", "20", "--plot", str(chart)])
    assert result.exit_code == 0, result.output
    assert "alternating" in result.output and "sequential" in result.output
    assert chart.stat().st_size > 1000
    again = runner.invoke(app, ["compare-protocols", TOY, "--runs", "5", "--plot", str(chart)])
    assert again.exit_code == 2 and "exists" in again.output


def test_compare_protocols_json() -> None:
    result = runner.invoke(app, ["compare-protocols", TOY, "--runs", "10", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["protocol"] for r in data["protocols"]][0] == "alternating"
    assert data["verdict"]


def test_sweep_command(tmp_path: Path) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text(
        yaml.safe_dump(
            {
                "runs": 10,
                "weeks": 40,
                "protocols": ["alternating", "silos"],
                "strategies": ["linear,linear"],
                "hazard": [0, 0.05],
            }
        )
    )
    out = tmp_path / "r.parquet"
    result = runner.invoke(
        app, ["sweep", str(grid), "--scenario", TOY, "--scheduler", "sync", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.exists() and "4 cells" in result.output
    refused = runner.invoke(app, ["sweep", str(grid), "--scenario", TOY, "--out", str(out)])
    assert refused.exit_code == 2 and "exists" in refused.output
    grid.write_text(yaml.safe_dump({"protocols": ["alternatng"], "strategies": ["linear,linear"]}))
    bad = runner.invoke(app, ["sweep", str(grid), "--scenario", TOY])
    assert bad.exit_code == 2 and "Did you mean 'alternating'" in bad.output


def test_process_summary_for_analyze() -> None:
    from dealspace import load_scenario
    from dealspace.process.compare import ProcessSettings, compare_protocols
    from dealspace.space import compile

    console = Console(record=True, width=140)
    comparison = compare_protocols(
        compile(load_scenario(TOY)), ProcessSettings(runs=20, sensitivity=False)
    )
    print_comparison(console, comparison, "Process: single undertaking or early harvests?")
    text = console.export_text()
    assert "single undertaking or early harvests" in text and "alternating" in text
