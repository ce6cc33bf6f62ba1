"""Charts of the report as self-contained inline SVG (matplotlib, Agg).

Every function takes plain numbers and labels (no result objects) and returns
one ``<svg>`` element as a string: no XML prolog, no external references,
element ids prefixed with a per-chart key so that many charts can live in one
HTML page, and a ``viewBox`` with ``width="100%"`` so the chart scales to
its column. Output is deterministic (fixed hash salt, no date metadata).

matplotlib is an optional dependency (the ``plot`` extra); it is imported
lazily, on the first chart drawn. Report charts never import ``pyplot``: each
is a bare :class:`~matplotlib.figure.Figure` on an SVG canvas, laid out and
drawn with one SVG renderer (see :func:`to_svg`).
"""

from __future__ import annotations

import functools
import io
import re
import sys
import textwrap
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, TypeVar

from dealspace.errors import DealspaceError
from dealspace.present.plotting import pyplot

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

F = TypeVar("F", bound=Callable[..., Any])

#: Colours: ink, a blue and a vermilion for the two sides, then accents.
INK = "#1d2733"
MUTED = "#6b7785"
GRID = "#e3e7ec"
PALETTE = ("#1f5f9e", "#c8452c", "#2e8b57", "#b8860b", "#6a4c93", "#2a9d8f", "#8c564b", "#d45087")
POSITIVE = "#2e8b57"
NEGATIVE = "#c8452c"
TOTAL = "#1f5f9e"

#: Default figure width in inches (the report column is about 880 px wide).
WIDTH = 8.4


# ------------------------------------------------------------------ helpers


_STYLE: dict[str, Any] = {
    # laid out with DejaVu Sans (shipped with matplotlib); the SVG names the fallbacks
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial"],
    "font.size": 10,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlecolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "legend.frameon": False,
    # text as SVG text, not glyph outlines: selectable and searchable, half the bytes, faster
    "svg.fonttype": "none",
}


def _rc(params: dict[str, Any]) -> Any:
    """``matplotlib.rc_context(params)`` (without importing ``pyplot``)."""
    import matplotlib

    context: Any = matplotlib.rc_context  # typed for literal keys only
    return context(params)


def _styled(func: F) -> F:
    """Run a chart function inside the report's matplotlib style."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _rc(_STYLE):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _figure(height: float, width: float = WIDTH) -> tuple[Figure, Axes]:
    """A figure with one axes and constrained layout, on an SVG canvas (no ``pyplot``)."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasSVG(fig)
    ax = fig.subplots()
    ax.set_axisbelow(True)
    return fig, ax


def _title(fig: Figure, title: str) -> None:
    """The chart title, bold, aligned with the figure's left edge."""
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold", color=INK)


def to_svg(fig: Figure, key: str, title: str = "") -> str:
    """Serialise a figure to one inline ``<svg>`` element and close it.

    Parameters
    ----------
    fig
        The matplotlib figure.
    key
        A short page-unique key; every ``id`` (and every reference to it) in
        the SVG is prefixed with it.
    title
        Accessible name of the chart (``role="img"``, ``aria-label``, ``<title>``).

    Returns
    -------
    str
        ``<svg …>…</svg>`` scaled to its container's width.
    """
    if not _KEY.match(key):
        raise ValueError(
            f"bad chart key {key!r}: letters, digits, '-' and '_', starting with a letter"
        )
    buf = io.StringIO()
    with _rc({**_STYLE, "svg.hashsalt": key}):
        _draw_svg(fig, buf)
    if "matplotlib.pyplot" in sys.modules:  # a figure made with pyplot: release it
        pyplot().close(fig)
    return _clean_svg(buf.getvalue(), key, title)


def _draw_svg(fig: Figure, out: io.StringIO) -> None:
    """Write ``fig`` as SVG to ``out``: what ``fig.savefig(out, format="svg")`` writes, with
    the layout engine run once and the text measured once.

    ``savefig`` lays a figure out with one renderer and draws it with a fresh
    one, so every label is measured twice (matplotlib caches text metrics per
    renderer), and it first draws every artist once with drawing switched off.
    Here one SVG renderer, set up exactly as ``FigureCanvasSVG.print_svg`` sets
    it up (the figure at the SVG's 72 dpi, images at the figure's dpi), serves
    the layout engine, which then is switched off, and the one draw. The file
    is byte for byte the one ``savefig`` writes (``tests/test_charts.py``).
    """
    from matplotlib.backends.backend_mixed import MixedModeRenderer
    from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasSVG) else FigureCanvasSVG(fig)
    dpi = fig.dpi
    width, height = fig.get_size_inches()
    with ExitStack() as stack:
        stack.callback(setattr, fig, "dpi", dpi)
        stack.callback(fig.set_edgecolor, fig.get_edgecolor())
        stack.callback(fig.set_facecolor, fig.get_facecolor())
        fig.set_facecolor("white")
        fig.set_edgecolor("white")
        fig.dpi = 72
        renderer: Any = MixedModeRenderer(
            fig,
            width,
            height,
            dpi,
            RendererSVG(
                width * 72,
                height * 72,
                out,
                image_dpi=dpi,
                metadata={"Date": None, "Creator": None},
            ),
        )
        engine = fig.get_layout_engine()
        if engine is not None:
            # the layout engine asks the canvas for its renderer: this one
            canvas.get_renderer = lambda: renderer  # type: ignore[attr-defined]
            try:
                engine.execute(fig)
            finally:
                del canvas.get_renderer  # type: ignore[attr-defined]
            fig.set_layout_engine("none")  # laid out: no second layout when drawn
        fig.draw(renderer)
        renderer.finalize()


_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _clean_svg(text: str, key: str, title: str) -> str:
    start = text.index("<svg")
    text = text[start:]
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{key}-\1"', text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{key}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{key}-\1)", text)
    label = _escape(title)
    text = re.sub(
        r'<svg ([^>]*?)width="[^"]+" height="[^"]+"',
        rf'<svg class="chart" role="img" aria-label="{label}" \1width="100%"',
        text,
        count=1,
    )
    text = text.replace(">", f"><title>{label}</title>", 1)
    return text.strip() + "\n"


def _minus(text: str) -> str:
    """Typographic minus sign in printed values."""
    return text.replace("-", "\u2212")


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _check_lengths(**named: Sequence[Any]) -> int:
    lengths = {k: len(v) for k, v in named.items()}
    if len(set(lengths.values())) > 1:
        raise DealspaceError.single(
            "chart", f"lengths differ: {lengths}", "give one value per label"
        )
    return next(iter(lengths.values()), 0)


# ------------------------------------------------------------------ charts


@_styled
def frontier_svg(
    utilities: Sequence[Sequence[float]],
    parties: Sequence[str],
    *,
    batna: Sequence[float],
    status_quo: Sequence[float],
    solutions: Mapping[str, Sequence[float]] | None = None,
    cloud: Sequence[Sequence[float]] = (),
    key: str = "frontier",
    title: str = "Pareto frontier",
) -> str:
    """The Pareto frontier of two parties with BATNAs, status quo and solutions.

    Parameters
    ----------
    utilities
        ``(F, 2)`` utilities of the frontier packages (first two parties).
    parties
        Axis labels (the two parties' names).
    batna, status_quo
        The two parties' BATNA and status-quo utilities.
    solutions
        Label → ``(u_1, u_2)`` of bargaining solutions to mark.
    cloud
        ``(n, 2)`` utilities of other acceptable packages, drawn as a grey background.
    key, title
        Id prefix and accessible title.

    Returns
    -------
    str
        An inline SVG.

    Notes
    -----
    The frontier is drawn as a staircase (packages are discrete), the region
    both sides prefer to their BATNA is shaded, and each solution is labelled
    next to its point.
    """
    pts = [(float(u[0]), float(u[1])) for u in utilities]
    fig, ax = _figure(5.0)
    bx, by = float(batna[0]), float(batna[1])
    xs_all = [p[0] for p in pts] + [bx, float(status_quo[0])]
    ys_all = [p[1] for p in pts] + [by, float(status_quo[1])]
    pad_x = 0.06 * ((max(xs_all) - min(xs_all)) or 1.0)
    pad_y = 0.06 * ((max(ys_all) - min(ys_all)) or 1.0)
    x_hi, y_hi = max(xs_all) + pad_x, max(ys_all) + pad_y
    ax.fill_between(
        [bx, x_hi],
        by,
        y_hi,
        color=PALETTE[2],
        alpha=0.07,
        lw=0,
        zorder=0,
        label="better than walking away for both",
    )
    if len(cloud):
        ax.scatter(
            [float(c[0]) for c in cloud],
            [float(c[1]) for c in cloud],
            s=5,
            color="#b9c2cc",
            alpha=0.5,
            lw=0,
            zorder=1,
            label="sample of acceptable packages",
            rasterized=False,
        )
    if pts:
        order = sorted(pts)
        sx = [p[0] for p in order]
        sy = [p[1] for p in order]
        ax.step(sx, sy, where="post", color=PALETTE[0], lw=1.2, alpha=0.55, zorder=2)
        ax.scatter(
            sx, sy, s=16, color=PALETTE[0], zorder=3, label=f"Pareto-optimal packages ({len(pts)})"
        )
    ax.axvline(bx, color=MUTED, lw=0.9, ls="--", zorder=1)
    ax.axhline(by, color=MUTED, lw=0.9, ls="--", zorder=1)
    ax.scatter([bx], [by], marker="s", s=46, color=MUTED, zorder=4, label="BATNAs (walk away)")
    ax.scatter(
        [float(status_quo[0])],
        [float(status_quo[1])],
        marker="X",
        s=70,
        color=INK,
        zorder=5,
        label="status quo",
    )
    markers = ("*", "D", "^", "v", "P", "h")
    for k, (name, u) in enumerate((solutions or {}).items()):
        ax.scatter(
            [float(u[0])],
            [float(u[1])],
            marker=markers[k % len(markers)],
            s=150 if k == 0 else 70,
            color=PALETTE[(k + 1) % len(PALETTE)],
            edgecolor="white",
            linewidth=0.8,
            zorder=6,
            label=name,
        )
    ax.set_xlim(min(xs_all) - pad_x, x_hi)
    ax.set_ylim(min(ys_all) - pad_y, y_hi)
    if solutions:
        _zoom(ax, pts, solutions, markers)
    ax.set_xlabel(f"{parties[0]} utility (points)")
    ax.set_ylabel(f"{parties[1]} utility (points)")
    _title(fig, title)
    ax.legend(loc="lower left", fontsize=8.5, ncol=2)
    return to_svg(fig, key, title)


def _zoom(
    ax: Axes,
    pts: list[tuple[float, float]],
    solutions: Mapping[str, Sequence[float]],
    markers: tuple[str, ...],
) -> None:
    """An inset magnifying the solutions when they sit too close to tell apart."""
    sx = [float(u[0]) for u in solutions.values()]
    sy = [float(u[1]) for u in solutions.values()]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    if (
        len(sx) < 2
        or (max(sx) - min(sx)) > 0.15 * (x1 - x0)
        or (max(sy) - min(sy)) > 0.15 * (y1 - y0)
    ):
        return
    px = max(max(sx) - min(sx), 0.01 * (x1 - x0))
    py = max(max(sy) - min(sy), 0.01 * (y1 - y0))
    box = (min(sx) - 0.6 * px, max(sx) + 0.6 * px, min(sy) - 0.6 * py, max(sy) + 0.6 * py)
    inset = ax.inset_axes((0.67, 0.64, 0.31, 0.34))
    inset.set_zorder(7)  # above the main panel's solution markers
    near = sorted(p for p in pts if box[0] <= p[0] <= box[1] and box[2] <= p[1] <= box[3])
    if near:
        inset.plot(
            [p[0] for p in near],
            [p[1] for p in near],
            "o-",
            color=PALETTE[0],
            ms=3,
            lw=0.8,
            alpha=0.6,
        )
    for k, u in enumerate(solutions.values()):
        inset.scatter(
            [float(u[0])],
            [float(u[1])],
            marker=markers[k % len(markers)],
            s=90 if k == 0 else 45,
            color=PALETTE[(k + 1) % len(PALETTE)],
            edgecolor="white",
            linewidth=0.6,
            zorder=5,
        )
    for (x, y), names, dy in _inset_labels(solutions, box):
        text = " = ".join(names)
        right = x > box[0] + 0.55 * (box[1] - box[0])  # in the right part: label to the left
        inset.annotate(
            text if len(text) <= 28 else " =\n".join(names),
            (x, y),
            xytext=(-5 if right else 5, 4 + dy),
            textcoords="offset points",
            ha="right" if right else "left",
            va="bottom",
            fontsize=7.5,
            color=INK,
        )
    inset.set_xlim(box[0], box[1])
    inset.set_ylim(box[2], box[3])
    inset.tick_params(labelsize=7)
    inset.set_facecolor("white")
    inset.grid(True, color=GRID)
    for side in ("top", "right"):
        inset.spines[side].set_visible(True)
    ax.indicate_inset_zoom(inset, edgecolor=MUTED, alpha=0.8)


def _inset_labels(
    solutions: Mapping[str, Sequence[float]], box: tuple[float, float, float, float]
) -> list[tuple[tuple[float, float], list[str], float]]:
    """Labels of the inset: solutions at (nearly) one point share a label (``Nash = egalitarian``),
    and a label that would sit on an earlier one moves down a line (vertical offset in points)."""
    w, h = box[1] - box[0], box[3] - box[2]
    groups: list[tuple[tuple[float, float], list[str]]] = []
    for name, u in solutions.items():
        x, y = float(u[0]), float(u[1])
        for (gx, gy), names in groups:
            if abs(x - gx) <= 0.02 * w and abs(y - gy) <= 0.04 * h:
                names.append(name)
                break
        else:
            groups.append(((x, y), [name]))
    out: list[tuple[tuple[float, float], list[str], float]] = []
    for (x, y), names in groups:
        dy = 0.0
        # a label is one line high (8 % of the inset, 1.2 points per %) and a third of it wide
        while any(
            abs(x - px) < 0.35 * w and abs((y - py) / h * 100 + (dy - pdy) / 1.2) < 8
            for (px, py), _, pdy in out
        ):
            dy -= 9.0
        out.append(((x, y), names, dy))
    return out


@_styled
def waterfall_svg(
    steps: Sequence[tuple[str, float, str]],
    *,
    ylabel: str,
    key: str = "waterfall",
    title: str = "From silos to one portfolio",
) -> str:
    """A waterfall: running totals built from increments.

    Parameters
    ----------
    steps
        ``(label, value, kind)`` with ``kind`` ``"total"`` (a bar from zero to
        ``value``, which also resets the running total) or ``"delta"`` (a
        floating bar from the running total by ``value``).
    ylabel, key, title
        Axis label, id prefix and accessible title.

    Returns
    -------
    str
        An inline SVG.
    """
    fig, ax = _figure(4.2)
    running = 0.0
    labels = []
    for k, (label, value, kind) in enumerate(steps):
        labels.append(label)
        if kind == "none":  # a step that did not happen (e.g. a silo without a ZOPA)
            ax.annotate(
                "no deal",
                (k, running),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
                color=MUTED,
                rotation=90,
            )
            continue
        if kind == "total":
            ax.bar(k, value, color=TOTAL, width=0.62, zorder=3)
            running = float(value)
            top = value
        elif kind == "delta":
            color = POSITIVE if value >= 0 else NEGATIVE
            ax.bar(k, value, bottom=running, color=color, width=0.62, zorder=3)
            if k > 0:
                ax.plot([k - 1.31, k - 0.31], [running, running], color=MUTED, lw=0.8, zorder=2)
            running += float(value)
            top = running
        else:
            raise DealspaceError.single(
                "steps", f"unknown step kind {kind!r}", "use 'total' or 'delta'"
            )
        sign = "" if kind == "total" else ("+" if value >= 0 else "")
        ax.annotate(
            _minus(f"{sign}{value:,.2f}"),
            (k, max(top, running if kind == "delta" else top)),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8.5,
            color=INK,
        )
    ax.axhline(0, color=MUTED, lw=0.8)
    tilt = len(labels) > 5
    ax.set_xticks(
        range(len(labels)),
        labels,
        rotation=35 if tilt else 0,
        ha="right" if tilt else "center",
        rotation_mode="anchor",
    )
    ax.grid(axis="x", visible=False)
    ax.set_ylabel(ylabel)
    _title(fig, title)
    return to_svg(fig, key, title)


@_styled
def bars_svg(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    xlabel: str,
    key: str,
    title: str,
    value_format: str = "{:,.2f}",
    signed_colors: bool = False,
) -> str:
    """Horizontal bars, one group per label and one bar per series.

    Parameters
    ----------
    labels
        Category labels (top to bottom).
    series
        Series name → one value per label (one series: a plain bar chart).
    xlabel, key, title
        Axis label, id prefix and accessible title.
    value_format
        Format of the value printed at the end of each bar.
    signed_colors
        With one series, colour gains green and losses red.

    Returns
    -------
    str
        An inline SVG.
    """
    names = list(series)
    for name in names:
        _check_lengths(labels=labels, **{name: series[name]})
    n, m = len(labels), max(1, len(names))
    height = min(9.0, 1.0 + 0.26 * n * max(1.0, m * 0.8) + (0.3 if m > 1 else 0))
    fig, ax = _figure(max(2.2, height))
    bar_h = 0.8 / m
    span = [float(v) for name in names for v in series[name]] or [0.0]
    lo, hi = min(0.0, min(span)), max(0.0, max(span))
    room = 0.16 * ((hi - lo) or 1.0)
    for j, name in enumerate(names):
        values = [float(v) for v in series[name]]
        ys = [i + (j - (m - 1) / 2) * bar_h for i in range(n)]
        if signed_colors and m == 1:
            colors: Any = [POSITIVE if v >= 0 else NEGATIVE for v in values]
        else:
            colors = PALETTE[j % len(PALETTE)]
        ax.barh(
            ys, values, height=bar_h * 0.9, color=colors, label=name if m > 1 else None, zorder=3
        )
        for y, v in zip(ys, values, strict=True):
            ax.annotate(
                _minus(value_format.format(v)),
                (v, y),
                xytext=(3 if v >= 0 else -3, 0),
                textcoords="offset points",
                ha="left" if v >= 0 else "right",
                va="center",
                fontsize=8,
                color=INK,
            )
    ax.set_yticks(
        range(n), [textwrap.fill(str(t), 38, max_lines=2, placeholder="…") for t in labels]
    )
    ax.invert_yaxis()
    ax.axvline(0, color=MUTED, lw=0.8, zorder=2)
    ax.set_xlim(lo - (room if lo < 0 else 0), hi + room)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(xlabel)
    _title(fig, title)
    if m > 1:
        ax.legend(loc="best", fontsize=8.5)
    return to_svg(fig, key, title)


@_styled
def columns_svg(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    ylabel: str,
    key: str,
    title: str,
    value_format: str = "{:,.2f}",
) -> str:
    """Vertical grouped columns: one group per label, one column per series.

    Parameters
    ----------
    labels
        Group labels (left to right).
    series
        Series name → one value per label.
    ylabel, key, title
        Axis label, id prefix and accessible title.
    value_format
        Format of the value printed above each column ("" prints none).

    Returns
    -------
    str
        An inline SVG.
    """
    names = list(series)
    for name in names:
        _check_lengths(labels=labels, **{name: series[name]})
    n, m = len(labels), max(1, len(names))
    fig, ax = _figure(3.8)
    width = 0.8 / m
    for j, name in enumerate(names):
        values = [float(v) for v in series[name]]
        xs = [i + (j - (m - 1) / 2) * width for i in range(n)]
        ax.bar(
            xs, values, width=width * 0.92, color=PALETTE[j % len(PALETTE)], label=name, zorder=3
        )
        for x, v in zip(xs, values, strict=True) if value_format else ():
            ax.annotate(
                _minus(value_format.format(v)),
                (x, v),
                xytext=(0, 2 if v >= 0 else -2),
                textcoords="offset points",
                ha="center",
                va="bottom" if v >= 0 else "top",
                fontsize=7.5,
                color=INK,
            )
    room = max(8, int(90 / max(n, 1)))  # characters per line that fit under one group
    ax.set_xticks(range(n), [textwrap.fill(str(label), room) for label in labels], fontsize=8)
    ax.axhline(0, color=MUTED, lw=0.8, zorder=2)
    ax.grid(axis="x", visible=False)
    ax.set_ylabel(ylabel)
    _title(fig, title)
    if m > 1:
        ax.legend(loc="best", fontsize=8.5, ncol=min(m, 4))
    return to_svg(fig, key, title)


#: Chart kinds the report's chart specs may name.
KINDS = {
    "frontier": frontier_svg,
    "waterfall": waterfall_svg,
    "bars": bars_svg,
    "columns": columns_svg,
}


def render(kind: str, key: str, title: str, data: Mapping[str, Any]) -> str:
    """Draw a chart spec: ``KINDS[kind](**data, key=key, title=title)``."""
    if kind not in KINDS:
        raise DealspaceError.single(
            "chart", f"unknown chart kind {kind!r}", f"use one of {sorted(KINDS)}"
        )
    func: Any = KINDS[kind]
    return str(func(**data, key=key, title=title))
