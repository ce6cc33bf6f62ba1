"""The table of every numeric CLI option's bounds (issue 18, cause 7): every
numeric option of every command is in it, typer enforces it, a value beyond it
exits 2 naming the option, and docs/cli.md shows the same table; Dask
addresses that are malformed or do not answer fail fast with one message."""

from __future__ import annotations

import socket
import time
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from dealspace.cli import app
from dealspace.cli._bounds import BOUNDS, markdown_table
from dealspace.cli._lazy import COMMANDS

DOCS = Path(__file__).parents[1] / "docs" / "cli.md"
runner = CliRunner()


def numeric_options() -> dict[tuple[str, str], Any]:
    for module in {m for m, _ in COMMANDS.values()}:
        import_module(f"dealspace.cli.{module}")
    group: Any = typer.main.get_command(app)
    found = {}
    for name in COMMANDS:
        for param in group.get_command(None, name).params:
            if param.type_descriptor.annotation in (int, float):
                found[name, param.opts[0]] = param
    return found


def required(command: str) -> list[str]:
    """Arguments the command needs before an option can be checked."""
    group: Any = typer.main.get_command(app)
    args = ["x" for p in group.get_command(None, command).params if p.required]
    return args + (["--party", "a"] if command == "offers" else [])


def test_every_numeric_option_is_in_the_table_and_enforced() -> None:
    options = numeric_options()
    missing = sorted(set(options) - set(BOUNDS))
    stale = sorted(set(BOUNDS) - set(options))
    assert not missing, f"numeric options without bounds: add them to cli/_bounds.py {missing}"
    assert not stale, f"cli/_bounds.py lists options no command has: {stale}"
    for key, param in options.items():
        assert (param.min, param.max) == (BOUNDS[key].low, BOUNDS[key].high), key


@pytest.mark.parametrize("key", list(BOUNDS), ids=lambda k: f"{k[0]}{k[1]}")
def test_a_value_beyond_the_bounds_exits_2_naming_the_option(key: tuple[str, str]) -> None:
    command, option = key
    b = BOUNDS[key]
    is_int = isinstance(b.high, int) and isinstance(b.low, int)
    beyond = [str(b.high * 10 + 1), str(b.low - 1)]
    if is_int:
        beyond += ["18446744073709551616", "1000000000000"]
    else:
        beyond += ["1e308", "nan", "inf", "-inf"]
    for value in beyond:
        result = runner.invoke(app, [command, *required(command), option, value])
        text = result.output + result.stderr
        assert result.exit_code == 2, (key, value, text)
        assert f"Invalid value for '{option}'" in text and "Traceback" not in text, text


def test_docs_show_the_table() -> None:
    assert markdown_table() in DOCS.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("tcp://", "no host and port"),
        ("inproc://x", "is not a Dask scheduler address"),
        ("tcp://host:notaport", "no host and port"),
        ("bogus", "unknown scheduler"),
    ],
)
def test_malformed_scheduler_addresses(address: str, message: str, tmp_path: Path) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text("runs: 2\nprotocols: [alternating]\nstrategies: ['linear,linear']\n")
    for args in (["sweep", str(grid), "--scenario", "toy"], ["world", "--runs", "1"]):
        result = runner.invoke(app, [*args, "--scheduler", address])
        assert result.exit_code == 2 and message in result.stderr, result.output
        assert "Traceback" not in result.output


def test_an_unreachable_scheduler_fails_fast(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on: bound, never listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        start = time.perf_counter()
        result = runner.invoke(
            app, ["world", "--runs", "1", "--scheduler", f"tcp://127.0.0.1:{port}"]
        )
        waited = time.perf_counter() - start
    assert result.exit_code == 2 and "cannot reach the Dask scheduler" in result.stderr
    assert waited < 25  # not Dask's 30-second default


def test_something_that_is_not_a_scheduler_is_refused() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        result = runner.invoke(
            app, ["world", "--runs", "1", "--scheduler", f"tcp://127.0.0.1:{port}"]
        )
    assert result.exit_code == 2 and "did not answer as a Dask scheduler" in result.stderr
    assert "Traceback" not in result.output


def test_numbers_inside_text_options_are_bounded() -> None:
    toy = str(Path(__file__).parent / "data" / "toy.yaml")
    compare = ["compare-protocols", toy, "--runs", "2", "--no-sensitivity", "--no-tariff-cost"]
    for args, message in (
        ([*compare, "--delay-cost", "1e308"], "is not a number in [0, 1e+12]"),
        ([*compare, "--delay-cost", "a=nan"], "is not a number in"),
        ([*compare, "--hazard", "inf"], "is not a probability"),
        (["tariffs", "--set", "USA:KOR=" + "9" * 400], "the rate is above 100000 %"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.output)
