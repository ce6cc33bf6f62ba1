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
