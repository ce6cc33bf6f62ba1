"""Chart layout: the frontier legend never covers a marker, inset labels never sit on each other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dealspace import load_scenario
from dealspace.analysis.bargaining import SOLUTIONS
from dealspace.analysis.charts import frontier_chart
from dealspace.analysis.pareto import pareto_frontier
from dealspace.present.charts import _inset_labels
from dealspace.space import compile

TOY = Path(__file__).parent / "data" / "toy.yaml"


def test_solutions_at_one_point_share_one_inset_label() -> None:
    # on the toy scenario all four solutions are the same package
    sols = {"Nash": (4.9, 5.6), "KS": (4.9, 5.6), "egalitarian": (4.9, 5.6), "utilitarian": (6, 2)}
    labels = _inset_labels(sols, (4.0, 7.0, 1.0, 7.0))
    assert [names for _, names, _ in labels] == [["Nash", "KS", "egalitarian"], ["utilitarian"]]


def test_nearby_inset_labels_are_moved_apart() -> None:
    # Nash and egalitarian 3 % of the inset apart: the second label moves down a line
    box = (57.5, 70.5, 67.5, 80.0)
    sols = {"Nash": (61.0, 76.8), "egalitarian": (61.4, 76.45), "utilitarian": (66.9, 71.0)}
    labels = {names[0]: dy for _, names, dy in _inset_labels(sols, box)}
    assert labels["Nash"] == 0.0
    assert labels["egalitarian"] <= -9.0
    assert labels["utilitarian"] == 0.0  # far away: stays next to its point


def test_frontier_plot_legend_sits_outside_the_axes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matplotlib.pyplot as plt

    figures: list[Any] = []
    monkeypatch.setattr(plt, "close", figures.append)
    space = compile(load_scenario("us-japan-2025-trade-only"))
    frontier = pareto_frontier(space)
    sols = [SOLUTIONS[n](frontier) for n in ("nash", "kalai_smorodinsky")]
    frontier_chart(frontier, sols, tmp_path / "f.png", cloud=50)
    (fig,) = figures
    (ax,) = [a for a in fig.axes if a.get_visible()]
    assert ax.get_legend() is None and len(fig.legends) == 1
    renderer = fig.canvas.get_renderer()
    legend = fig.legends[0].get_window_extent(renderer)
    assert not legend.overlaps(ax.get_window_extent(renderer))
