"""Charts of the bellwether game: the cascade over turns and the domino heatmap.

matplotlib is imported only when a chart is drawn, with the non-interactive
Agg backend, so ``import dealspace.world`` stays light and works without a
display.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dealspace.errors import DealspaceError
from dealspace.present.plotting import pyplot

if TYPE_CHECKING:
    from dealspace.world.model import WorldResult

#: Status of a partner after a turn, in stacking order, with colours.
STATUSES = {
    "good deal": "#2b8a3e",
    "bad deal / no deal": "#e8a33d",
    "retaliated": "#c92a2a",
    "stayed": "#868e96",
    "open": "#dee2e6",
}
SUFFIXES = (".png", ".svg", ".pdf")


def cascade_frame(result: WorldResult) -> pd.DataFrame:
    """Share of partners in each status after every turn, averaged over runs.

    Rows: turns 0 (before anyone moved) to the last; columns :data:`STATUSES`.
    """
    df = result.partners
    status = np.select(
        [
            df["outcome"] == "good",
            df["action"] == "settle",
            df["retaliated"],
            df["action"] == "stay",
        ],
        ["good deal", "bad deal / no deal", "retaliated", "stayed"],
        default="open",
    )
    last = int(df["turn"].max())
    turns = np.arange(last + 1)
    done = df["turn"].to_numpy()[None, :] <= turns[:, None]
    out = {s: ((status[None, :] == s) & done).sum(axis=1) for s in STATUSES if s != "open"}
    total = len(df)
    frame = pd.DataFrame(out, index=pd.Index(turns, name="turn")) / total
    frame["open"] = 1.0 - frame.sum(axis=1)
    return frame[list(STATUSES)]


def plot_cascade(result: WorldResult, ax: Any = None) -> Any:
    """Stacked areas: who has settled, retaliated or stayed by each turn."""
    frame = cascade_frame(result)
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4))
    ax.stackplot(
        frame.index,
        frame.T.to_numpy(),
        labels=list(frame.columns),
        colors=list(STATUSES.values()),
        step="post",
    )
    ax.set_xlim(0, frame.index.max())
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(0, 1)
    ax.set_xlabel("turn")
    ax.set_ylabel("share of partners")
    ax.set_title("Cascade: conclusions by turn")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return ax


def plot_domino(table: pd.DataFrame, ax: Any = None, first: str = "") -> Any:
    """Heatmap of retaliation probability: partners × first outcome (:func:`retaliation_by_first`)."""
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 0.35 * len(table) + 1.5))
    values = table.to_numpy(dtype=float)
    image = ax.imshow(
        values,
        cmap="Reds",
        vmin=0.0,
        vmax=max(0.5, float(np.nanmax(values)) if values.size else 0.5),
        aspect="auto",
    )
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns])
    ax.set_yticks(range(table.shape[0]), [str(i) for i in table.index])
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(
                j,
                i,
                f"{v:.2f}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if v > 0.35 else "black",
            )
    ax.set_xlabel(f"first outcome{f' ({first})' if first else ''}")
    ax.set_title("P(retaliate) by first outcome")
    ax.figure.colorbar(image, ax=ax, fraction=0.05)
    return ax


def save_world_chart(
    result: WorldResult, domino_table: pd.DataFrame | None, path: str | Path, first: str = ""
) -> Path:
    """One figure: the cascade (left) and, if given, the domino heatmap (right)."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise DealspaceError.single(
            "--plot",
            f"{path.name!r} has no image suffix",
            f"end the name in one of {', '.join(SUFFIXES)}",
        )
    if not path.parent.exists():
        raise DealspaceError.single(
            "--plot", f"folder {path.parent} does not exist", "create it or write elsewhere"
        )
    plt = pyplot()
    panels = 2 if domino_table is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 4.8), squeeze=False)
    plot_cascade(result, axes[0, 0])
    if domino_table is not None:
        plot_domino(domino_table, axes[0, 1], first)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
