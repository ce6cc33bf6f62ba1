"""CLI: ``dealspace frontier`` and ``dealspace solve``; the analyze summary."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import dealspace.cli.engine as engine
from dealspace import load_scenario
from dealspace.cli import app
from dealspace.space import compile

TOY = Path(__file__).parent / "data" / "toy.yaml"
runner = CliRunner()


def run(*args: str):  # noqa: ANN201
    return runner.invoke(app, [str(a) for a in args])


def test_frontier_table() -> None:
    result = run("frontier", TOY)
    assert result.exit_code == 0, result.output
    assert "Pareto frontier of 'toy' (9 packages)" in result.output
    assert "Alpha" in result.output and "quota" in result.output


def test_frontier_json_shape() -> None:
    result = run("frontier", TOY, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert len(data) == 9
    assert data[0] == {
        "package": {"tariff": 0.0, "rice": "closed", "defence": "none"},
        "utilities": {"a": 6.0, "b": 0.0},
    }
    assert all(set(d) == {"package", "utilities"} for d in data)


def test_frontier_limit_keeps_both_ends() -> None:
    data = json.loads(run("frontier", TOY, "--json", "--limit", "3").stdout)
    assert len(data) == 3
    assert data[0]["utilities"]["a"] == 6.0 and data[-1]["utilities"]["b"] == pytest.approx(7.2)
    assert "3 of 9, evenly spaced" in run("frontier", TOY, "--limit", "3").output


def test_frontier_csv_and_plot(tmp_path: Path) -> None:
    out, chart = tmp_path / "f.csv", tmp_path / "f.svg"
    result = run("frontier", TOY, "--csv", out, "--plot", chart)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["tariff", "rice", "defence", "u:a", "u:b"]
    assert len(rows) == 10
    assert chart.read_text().lstrip().startswith("<?xml")


def test_plot_png_and_bad_extension(tmp_path: Path) -> None:
    assert run("frontier", "us-japan-2025", "--plot", tmp_path / "f.png").exit_code == 0
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
    result = run("frontier", TOY, "--plot", tmp_path / "f.gif")
    assert result.exit_code == 2 and "use a .png, .svg or .pdf" in result.output.lower()


def test_never_overwrites_the_scenario(tmp_path: Path) -> None:
    copy = tmp_path / "toy.yaml"
    shutil.copy(TOY, copy)
    before = copy.read_text()
    result = run("frontier", copy, "--csv", copy)
    assert result.exit_code == 2 and "is an input of this command" in result.output
    assert copy.read_text() == before


def test_solve_default_is_nash() -> None:
    result = run("solve", TOY)
    assert result.exit_code == 0
    assert "Nash" in result.output and "+2.90" in result.output


def test_solve_json() -> None:
    result = run("solve", TOY, "--solution", "ks", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["solution"] == "kalai_smorodinsky" and data["agreement"] is True
    assert data["package"] == {"tariff": 0.0, "rice": "quota", "defence": "more"}
    assert set(data["gains"]) == {"a", "b"}


def test_bad_solution_name_exit_2() -> None:
    result = run("solve", TOY, "--solution", "nassh")
    assert result.exit_code == 2
    assert "unknown bargaining solution 'nassh'" in result.output
    assert "Traceback" not in result.output


def test_missing_file_exit_2() -> None:
    for command in ("frontier", "solve"):
        result = run(command, "no/such/file.yaml")
        assert result.exit_code == 2
        assert "no such file" in result.output and "Traceback" not in result.output


def test_no_agreement_message(tmp_path: Path) -> None:
    text = TOY.read_text().replace("    name: Alpha\n", "    name: Alpha\n    batna: 6.5\n")
    path = tmp_path / "hard.yaml"
    path.write_text(text)
    result = run("solve", path)
    assert result.exit_code == 0 and "no agreement" in result.output


def test_help_on_every_option() -> None:
    for command in ("frontier", "solve"):
        result = run(command, "--help")
        assert result.exit_code == 0
    assert "--limit" in run("frontier", "--help").output


def test_engine_summary() -> None:
    out = Console(file=io.StringIO(), width=120)
    from dealspace.analysis import pareto_frontier, solve, zopa

    frontier = pareto_frontier(compile(load_scenario(TOY)))
    solutions = {"Nash": solve(frontier, "nash"), "Kalai–Smorodinsky": solve(frontier, "ks")}
    engine.engine_summary(out, frontier, zopa(frontier), solutions)
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert "ZOPA" in text and "Nash" in text and "Kalai–Smorodinsky" in text
    assert "Pareto frontier" in text


def test_three_party_chart_and_table(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load(TOY.read_text())
    data["parties"].append(
        {
            "id": "c",
            "name": "Gamma",
            "valuations": {
                "rice": {"value": {"closed": 0, "quota": 1, "open": 0.5}},
                "defence": {"value": {"none": 1, "some": 0, "more": 0}},
            },
        }
    )
    path = tmp_path / "three.yaml"
    path.write_text(yaml.safe_dump(data))
    result = run("frontier", path, "--plot", tmp_path / "three.png")
    assert result.exit_code == 0, result.output
    assert "Gamma" in result.output
    assert (tmp_path / "three.png").stat().st_size > 10_000
    assert run("solve", path, "-s", "egalitarian").exit_code == 0


def test_scale_dependent_solutions_carry_the_cross_party_note() -> None:
    # egalitarian and utilitarian compare points across parties; Nash and KS do not
    out = runner.invoke(app, ["solve", str(TOY), "-s", "egalitarian"], env={"COLUMNS": "250"})
    assert out.exit_code == 0 and "compare points across parties" in out.output
    assert "across parties" not in run("solve", TOY, "-s", "nash").output
    data = json.loads(run("solve", TOY, "-s", "all", "--json").stdout)
    assert data["nash"]["note"] is None and data["kalai_smorodinsky"]["note"] is None
    assert "scale-free" in data["utilitarian"]["note"]
