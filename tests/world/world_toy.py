"""A small hand-made economy and world (independent of the embedded data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dealspace.economy.gravity import Economy

DATA = Path(__file__).parent / "data"
#: Four partners A-D on :func:`toy_economy` (the world file format of before terms spillover).
TOY_WORLD = DATA / "toy.yaml"
#: ``simulate(toy, 25, seed=5, ...)`` partner tables written by the model before deal terms
#: could spill over (commit 789ece3), for the three variants of :data:`GOLDEN_VARIANTS`.
GOLDEN = DATA / "toy_golden.csv"
GOLDEN_VARIANTS = ({"order": "given"}, {"order": "random"}, {"first": "B", "outcome": "bad"})


def toy_economy(with_e: bool = False) -> Economy:
    """USA, partners A-D and ROW (millions of USD); ``with_e`` adds a region E outside the game."""
    iso: tuple[str, ...] = ("USA", "A", "B", "C", "D", "ROW")
    flows = np.array(
        [
            [900, 30, 20, 25, 10, 40],
            [40, 300, 10, 12, 5, 20],
            [30, 8, 250, 9, 6, 15],
            [50, 10, 7, 400, 8, 30],
            [12, 4, 5, 6, 150, 10],
            [60, 25, 20, 35, 12, 800],
        ],
        dtype=float,
    )
    if with_e:
        iso += ("E",)
        flows = np.block(
            [[flows, np.full((6, 1), 8.0)], [np.full((1, 6), 9.0), np.array([[200.0]])]]
        )
    return Economy(iso, flows, np.full(len(iso), 0.1), gdp=flows.sum(axis=0), unit="million USD")
