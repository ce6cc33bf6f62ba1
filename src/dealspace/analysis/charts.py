"""The frontier chart: Pareto frontier, BATNAs, status quo and bargaining solutions.

Two parties: one panel, party 1's utility on x, party 2's on y, the frontier
as a line through its points over a cloud of feasible packages (sampled), the
BATNAs as dashed lines, the status quo and each solution marked and labelled.
Three or more: one panel per pair of parties, each frontier point coloured by
the utility of a third party.

matplotlib is imported when a chart is drawn (:func:`dealspace.present.plotting.pyplot`).
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dealspace.analysis.bargaining import Solution
from dealspace.analysis.pareto import Frontier
from dealspace.errors import DealspaceError
from dealspace.present.plotting import pyplot

#: File types a chart may be saved as (by extension).
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

_SHORT = {
    "nash": "Nash",
    "kalai_smorodinsky": "KS",
    "egalitarian": "Egalitarian",
    "utilitarian": "Utilitarian",
}
_MARKERS = {"nash": "*", "kalai_smorodinsky": "D", "egalitarian": "s", "utilitarian": "^"}
_COLOURS = ["tab:orange", "tab:purple", "tab:green", "tab:brown"]


def frontier_chart(
    frontier: Frontier,
    solutions: Sequence[Solution] | Mapping[str, Solution] = (),
    path: str | Path = "frontier.png",
    *,
    cloud: int = 2000,
    seed: int = 0,
) -> Path:
    """Draw the frontier and the solutions, and save the chart.

    Parameters
    ----------
    frontier
        From :func:`~dealspace.analysis.pareto.pareto_frontier`.
    solutions
        Bargaining solutions to mark (those without agreement are skipped).
    path
        Output file; ``.png``, ``.svg`` or ``.pdf`` (chosen by extension). The
        folder must exist.
    cloud
        How many feasible packages to sample as a grey background (0: none).
    seed
        Seed of that sample.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    DealspaceError
        For another extension or a missing folder.
    """
    out = check_chart_path(path)
    fmt = FORMATS[out.suffix.lower()]
    sols = list(solutions.values()) if isinstance(solutions, Mapping) else list(solutions)

    plt = pyplot()

    space = frontier.space
    labels = [space.scenario.party(p).label for p in space.parties]
    sample = _cloud(frontier, cloud, seed)
    n = space.n_parties
    pairs = list(itertools.combinations(range(n), 2))
    if n == 2:
        fig, axes = plt.subplots(figsize=(7, 6.6), layout="constrained")
        panels = [axes]
    else:
        cols = min(3, len(pairs))
        rows = -(-len(pairs) // cols)
        fig, grid = plt.subplots(
            rows, cols, figsize=(5 * cols, 4.5 * rows + 0.8), squeeze=False, layout="constrained"
        )
        panels = list(grid.ravel())
        for extra in panels[len(pairs) :]:
            extra.set_visible(False)
    for ax, (i, j) in zip(panels, pairs, strict=False):
        _panel(ax, frontier, sols, sample, i, j, labels)
    # the legend sits below the panels, so it never covers the status quo or a solution
    handles, names = panels[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncol=4, fontsize=8, frameon=False)
    title = space.scenario.title or space.scenario.name
    fig.suptitle(
        textwrap.fill(f"{title}: Pareto frontier ({len(frontier)} packages)", 60 if n == 2 else 110)
    )
    fig.savefig(out, format=fmt, dpi=150)
    plt.close(fig)
    return out


def check_chart_path(path: str | Path, where: str = "plot") -> Path:
    """The chart's path, checked: a known extension and an existing folder.

    Raises
    ------
    DealspaceError
        Otherwise (a chart is never written over a scenario file: those end
        in .yaml, .json or .xml).
    """
    out = Path(path)
    if out.suffix.lower() not in FORMATS:
        raise DealspaceError.single(
            where, f"cannot save a chart as '{out.name}'", "use a .png, .svg or .pdf file name"
        )
    if not out.parent.exists():
        raise DealspaceError.single(
            where, f"the folder '{out.parent}' does not exist", "create it first"
        )
    return out


def _panel(
    ax: Any,
    frontier: Frontier,
    sols: list[Solution],
    sample: np.ndarray,
    i: int,
    j: int,
    labels: list[str],
) -> None:
    space = frontier.space
    n = space.n_parties
    u = frontier.utilities
    if len(sample):
        ax.scatter(
            sample[:, i], sample[:, j], s=4, c="0.82", label="feasible packages (sample)", zorder=1
        )
    if len(u):
        if n == 2:
            ax.plot(
                u[:, i],
                u[:, j],
                "-o",
                color="tab:blue",
                ms=3,
                lw=1.2,
                label="Pareto frontier",
                zorder=3,
            )
        else:
            k = next(k for k in range(n) if k not in (i, j))
            points = ax.scatter(
                u[:, i], u[:, j], c=u[:, k], cmap="viridis", s=10, label="Pareto frontier", zorder=3
            )
            ax.figure.colorbar(points, ax=ax, label=f"{labels[k]} utility")
    ax.axvline(space.batna[i], ls="--", color="tab:red", lw=1, label="BATNA", zorder=2)
    ax.axhline(space.batna[j], ls="--", color="tab:red", lw=1, zorder=2)
    sq = space.status_quo_utility
    ax.scatter([sq[i]], [sq[j]], marker="X", s=70, color="black", label="status quo", zorder=4)
    groups: dict[tuple[float, float], list[str]] = {}  # solutions at one point share a label
    for k, sol in enumerate(sols):
        if not sol.agreement:
            continue
        x, y = sol.utilities[space.parties[i]], sol.utilities[space.parties[j]]
        name = _SHORT.get(sol.name, sol.name)
        ax.scatter(
            [x],
            [y],
            marker=_MARKERS.get(sol.name, "o"),
            s=90,
            color=_COLOURS[k % 4],
            edgecolor="black",
            label=name,
            zorder=5,
        )
        groups.setdefault((round(x, 9), round(y, 9)), []).append(name)
    y0, y1 = ax.get_ylim()
    for k, ((x, y), names) in enumerate(groups.items()):
        # labels fan out away from the nearer horizontal edge, so they stay inside the panel
        up = (y - y0) < 0.5 * (y1 - y0)
        ax.annotate(
            " = ".join(names),
            (x, y),
            textcoords="offset points",
            xytext=(-70, (22 + 16 * k) if up else (-22 - 16 * k)),
            ha="right",
            va="bottom" if up else "top",
            fontsize=9,
            arrowprops={"arrowstyle": "-", "lw": 0.6, "color": "0.3"},
            zorder=6,
        )
    ax.set_xlabel(f"{labels[i]} utility")
    ax.set_ylabel(f"{labels[j]} utility")
    ax.grid(alpha=0.3)


def _cloud(frontier: Frontier, size: int, seed: int) -> np.ndarray:
    """Utilities of ``size`` feasible packages drawn uniformly (one row per block)."""
    space = frontier.space
    if size <= 0 or space.empty:
        return np.zeros((0, space.n_parties))
    rng = np.random.default_rng(seed)
    total = np.zeros((size, space.n_parties))
    for block in space.blocks:
        total += block.utility[rng.integers(0, block.size, size)]
    return total
