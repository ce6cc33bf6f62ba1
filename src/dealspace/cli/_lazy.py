"""Load each command's module only when that command runs, so ``dealspace --help``
and every command start fast (numpy, pandas and the engine load with the command
that needs them).

:data:`COMMANDS` names, in the order ``--help`` lists them, each command, the
module that defines it and its one-line help; a test checks that the line is the
command's own (so the two cannot drift apart).
"""

from __future__ import annotations

import functools
from importlib import import_module
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

#: command → (module under dealspace.cli, one-line help shown by ``dealspace --help``).
COMMANDS: dict[str, tuple[str, str]] = {
    "scenarios": ("scenario", "List the built-in scenarios."),
    "validate": (
        "scenario",
        "Check scenario files; print every problem with its field path and fix.",
    ),
    "show": ("scenario", "Show a scenario's parties, domains, issues and constraints as tables."),
    "schema": (
        "scenario",
        "Print the scenario JSON Schema (for editors: validation and completion).",
    ),
    "convert": (
        "scenario",
        "Convert a scenario between YAML, JSON and Genius XML (by extension or folder).",
    ),
    "analyze": (
        "analyze",
        "Analyse a scenario (default: the built-in US–Japan 2025 portfolio) and write its report.",
    ),
    "frontier": (
        "engine",
        "The exact Pareto frontier: every package no other feasible package beats for all parties.",
    ),
    "solve": (
        "engine",
        "A bargaining solution: the package it picks and what each party gains over its BATNA.",
    ),
    "linkage": (
        "linkage",
        "Value of linkage: each domain negotiated alone vs the portfolio as one.",
    ),
    "redlines": (
        "linkage",
        "Price each must-have and red line: the change in every party's gain at the Nash package if it alone were dropped; flags the free ones and those that kill the ZOPA by themselves.",
    ),
    "offers": (
        "linkage",
        "Multiple equivalent simultaneous offers: k packages worth about the same to PARTY, on or near the Pareto frontier, as different as possible.",
    ),
    "harvest": (
        "linkage",
        "Early harvest: which domains or issues of the portfolio's Nash package can be bound now without lowering what any party reaches in the rest.",
    ),
    "robust": (
        "robust",
        "Robustness under uncertain preferences: P(ZOPA), P(each top package is the Nash or "
        "Kalai–Smorodinsky package), P(each party accepts it), the robust recommendation, a tornado "
        "with flip values and the expected value of learning.",
    ),
    "coalitions": (
        "linkage",
        "Who can deal with whom: every coalition of two or more parties, whether it has a ZOPA on its own, its Nash package, and which coalitions would walk away from the grand coalition's Nash package.",
    ),
    "tariffs": ("tariffs", "Solve the general-equilibrium tariff model for a tariff setting."),
    "facts": (
        "facts",
        "Check common claims: Japan's '700 %' rice tariff, the '46 %' tariff, averages, the goods balance.",
    ),
    "report": (
        "report",
        "Write a report of a scenario: verdict, frontier, linkage, red lines, offers, tariffs, sources.",
    ),
    "score": (
        "report",
        "Score a signed deal: structural vs headline, practical vs symbolic, mutual benefit, fairness, legal instruments (ladder and fate), durability, stability under the scenario's ranges, regional architecture — each with its computation and evidence.",
    ),
    "simulate": (
        "process",
        "Simulate a negotiation on a calendar: one run, or Monte Carlo runs with a summary.",
    ),
    "compare-protocols": ("process", "Single undertaking or early harvests?"),
    "sweep": (
        "process",
        "Run a grid of process simulations on calendar time (local processes or a Dask cluster).",
    ),
    "world": (
        "world",
        "Simulate the bellwether game: partners watch each other's deals and update their view of the US.",
    ),
    "serve": (
        "serve",
        "Run the negotiation room: a mediated, confidential negotiation service with a browser interface (http://HOST:PORT/) and a JSON API (/docs).",
    ),
}


@functools.cache
def available() -> dict[str, tuple[str, str]]:
    """The commands whose module exists in this installation."""
    from importlib.util import find_spec

    return {
        name: spec
        for name, spec in COMMANDS.items()
        if find_spec(f"dealspace.cli.{spec[0]}") is not None
    }


class LazyGroup(TyperGroup):
    """A typer group that imports a command's module on first use."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(available())

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        spec = available().get(cmd_name)
        if spec is None:
            return None
        if self._listing:  # ``--help``: the one-line help, without importing the module
            return TyperCommand(cmd_name, help=spec[1], short_help=spec[1])
        return self._load(cmd_name, spec[0])

    def _load(self, cmd_name: str, module: str) -> Any:
        from dealspace.cli._app import app

        import_module(f"dealspace.cli.{module}")
        group: Any = typer.main.get_command(app)
        for name, command in group.commands.items():
            self.commands.setdefault(name, command)
        return self.commands.get(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
