"""The `dealspace world` command and the summary for `dealspace analyze`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import dealspace.cli.world  # noqa: F401  (registers the command)
from dealspace.cli._app import app

runner = CliRunner()


def test_world_tables() -> None:
    result = runner.invoke(
        app, ["world", "--runs", "20", "--first-mover-runs", "3"], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    for text in (
        "Partners",
        "Domino",
        "First mover",
        "Fit to 2025",
        "Model vs baselines",
        "every partner settles",
        "base rates",
        "JPN",
        "rank correlation",
        "log score",
    ):
        assert text in result.output, text


def test_world_json_is_seeded() -> None:
    args = ["world", "--runs", "15", "--seed", "3", "--json", "--first-mover-runs", "2"]
    one, two = runner.invoke(app, args), runner.invoke(app, args)
    assert one.exit_code == 0, one.output
    assert one.stdout == two.stdout
    data = json.loads(one.stdout)
    assert data["settings"]["bellwether"] == "JPN"
    assert {r["partner"] for r in data["partners"]} >= {"JPN", "EU", "CHN"}
    assert [r["partner"] for r in data["domino"]][-1] == "mean"
    assert 0 <= data["history_summary"]["hit_rate"] <= 1
    fit = data["fit"]
    assert [f["forecast"] for f in fit["forecasts"]] == [
        "model",
        "uniform",
        "every partner settles",
        "base rates",
    ]
    assert all(0 < p["p_2025"] < 1 for p in fit["partners"])  # no outcome gets probability 0
    assert {r["partner"] for r in data["first_mover"]} == {r["partner"] for r in data["partners"]}


def test_forced_outcome_and_plot(tmp_path: Path) -> None:
    png = tmp_path / "world.png"
    args = [
        "world",
        "--first",
        "japan",
        "--outcome",
        "bad",
        "--runs",
        "10",
        "--first-mover-runs",
        "0",
        "--plot",
        str(png),
    ]
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert png.stat().st_size > 1000
    assert (
        "Fit to 2025" not in result.output and "First mover" not in result.output
    )  # fit on unforced runs only; table skipped
    again = runner.invoke(app, args)
    assert (
        again.exit_code == 2 and "--overwrite" in again.output
    )  # never overwrite an output silently


def test_scheduler_does_not_change_results() -> None:
    args = ["world", "--runs", "6", "--first", "KOR", "--json", "--first-mover-runs", "0"]
    sync = runner.invoke(app, [*args, "--scheduler", "sync"])
    procs = runner.invoke(app, [*args, "--scheduler", "processes", "--workers", "2"])
    assert sync.exit_code == 0 and procs.exit_code == 0, procs.output
    assert json.loads(sync.stdout)["domino"] == json.loads(procs.stdout)["domino"]


def test_bad_names_get_a_hint_and_exit_code_2() -> None:
    for args, hint in (
        (["--first", "japon"], "did you mean 'japan'"),
        (["--outcome", "goood"], "did you mean 'good'"),
        (["--order", "stake"], "did you mean 'stakes'"),
        (["--world", "world-2052"], "did you mean 'world-2025'"),
        (["--plot", "out.txt"], ".png"),
        (["--runs", "0"], "greater than or equal"),
        (["--bloc", "EU,japon"], "did you mean 'japan'"),
        (["--never-retaliate", "Kanada"], "did you mean 'canada'"),
        (["--bloc", "EU,JPN", "--never-retaliate", "japan"], "also in a forced bloc"),
        (["--order", "JPN,EU"], "does not list every partner"),
        (["--reputation", "2"], "less than or equal"),
    ):
        result = runner.invoke(app, ["world", *args])
        assert result.exit_code == 2, (args, result.output)
        assert hint in result.output.lower(), (args, result.output)
        assert "Traceback" not in result.output


def test_blocs_never_retaliate_and_names_everywhere() -> None:
    args = [
        "world",
        "--runs",
        "8",
        "--json",
        "--first-mover-runs",
        "0",
        "--bloc",
        "European Union, japan",
        "--never-retaliate",
        "KOR",
        "--never-retaliate",
        "china,Canada",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["settings"]["blocs"] == [["EU", "JPN"]] and data["settings"]["never_retaliate"] == [
        "KOR",
        "CHN",
        "CAN",
    ]
    rows = {r["partner"]: r for r in data["partners"]}
    assert rows["EU"]["bloc"] == 1.0 and rows["JPN"]["bloc"] == 1.0
    assert rows["KOR"]["retaliate"] == rows["CHN"]["retaliate"] == rows["CAN"]["retaliate"] == 0.0
    assert "fit" not in data  # a forced bloc is a counterfactual, not scored against 2025
    order = "VNM,MEX,CAN,TWN,KOR,CHE,JPN,CHN,EU,IND,GBR,australia"
    listed = runner.invoke(
        app,
        [
            "world",
            "--runs",
            "4",
            "--json",
            "--first-mover-runs",
            "0",
            "--order",
            order,
            "--no-blocs",
            "--terms-spillover",
            "0",
            "--reputation",
            "0.5",
        ],
    )
    assert listed.exit_code == 0, listed.output
    settings = json.loads(listed.stdout)["settings"]
    assert (
        settings["order"][-1] == "AUS"
        and settings["reputation"] == 0.5
        and settings["terms_spillover"] == 0.0
    )
    assert all(r["bloc"] == 0.0 for r in json.loads(listed.stdout)["partners"])
    random = runner.invoke(
        app, ["world", "--runs", "3", "--json", "--first-mover-runs", "2", "--order", "random"]
    )
    assert random.exit_code == 0, random.output
    assert json.loads(random.stdout)["settings"]["first_mover_order"] == "given"


def test_cli_names_match_the_model() -> None:
    # the CLI keeps its own copies so that `dealspace --help` does not import the model
    from dealspace.cli.world import ORDER_NAMES, OUTCOME_NAMES
    from dealspace.world.calibration import OUTCOMES
    from dealspace.world.model import ORDERS

    assert OUTCOMES["settle"] == OUTCOME_NAMES and ORDERS == ORDER_NAMES
