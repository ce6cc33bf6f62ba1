"""`dealspace --help` and every command start fast: the engine loads with the command that needs it."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import import_module

import typer
from typer.testing import CliRunner

from dealspace.cli import app
from dealspace.cli._lazy import COMMANDS, available

runner = CliRunner()


def test_help_lists_every_command_without_loading_the_engine() -> None:
    code = (
        "import sys; from dealspace.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('numpy', 'pandas', 'pydantic', 'matplotlib', 'dealspace.scenario') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "HEAVY []" in out
    for name in available():
        assert re.search(rf"\b{re.escape(name)}\b", out), name


def test_registry_matches_each_command() -> None:
    """Each listed help line is the first sentence of the command's own help, and
    every command a module registers is in the registry (so they cannot drift)."""
    for module in {m for m, _ in available().values()}:
        import_module(f"dealspace.cli.{module}")
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    registered = set(group.commands)
    assert registered == set(available())
    for name, (_, line) in available().items():
        doc = (group.commands[name].help or "").strip().split("\n\n")[0].replace("\n", " ")
        assert re.split(r"(?<=[.?!])\s", doc)[0] == line, name
    assert set(available()) <= set(COMMANDS)


def test_a_command_runs_after_a_fresh_start() -> None:
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0 and "us-japan-2025" in result.stdout
    unknown = runner.invoke(app, ["no-such-command"])
    assert unknown.exit_code == 2
