"""Fixtures shared across the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealspace import Scenario, load_scenario

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
