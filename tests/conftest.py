"""Fixtures shared across the test modules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dealspace import Scenario, load_scenario

# pytest-xdist's workers inherit COLUMNS=80 and LINES=24; a rich Console built while
# COLUMNS is set keeps that width for good, so the CLI's console (made at import) would
# ignore the width the tests give each command (CliRunner's env={"COLUMNS": ...}).
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)

TOY = Path(__file__).parent / "data" / "toy.yaml"


@pytest.fixture(scope="session")
def toy() -> Scenario:
    """The small two-domain scenario of tests/data/toy.yaml (immutable, so shared)."""
    return load_scenario(TOY)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``), the negotiation room's tests share one
    worker: they share one PostgreSQL database and its migrations."""
    server = Path(__file__).parent / "server"
    for item in items:
        if server in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.xdist_group("server"))
