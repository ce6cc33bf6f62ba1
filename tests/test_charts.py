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


# ------------------------------------------------------------ report charts as SVG

#: One spec per chart kind and layout case: frontier with its inset and legend, a
#: tilted waterfall, signed bars, grouped bars with a "best" legend, grouped columns.
SPECS: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "frontier",
        {
            "utilities": [(0.0, 10.0), (4.0, 8.0), (6.0, 6.1), (6.2, 5.9), (9.0, 1.0)],
            "parties": ["United States", "Japan"],
            "batna": (1.0, 1.0),
            "status_quo": (0.5, 0.5),
            "solutions": {"Nash": (6.0, 6.1), "egalitarian": (6.2, 5.9)},
            "cloud": [(1.0, 2.0), (3.0, 3.0), (5.0, 2.0)],
        },
        ["United States utility (points)", "Japan utility (points)", "status quo", "Nash"],
    ),
    (
        "waterfall",
        {
            "steps": [
                ("silos", 3.0, "total"),
                *((f"domain {k}", k - 2.5, "delta") for k in range(5)),
            ],
            "ylabel": "gain (points)",
        },
        ["gain (points)", "domain 4", "3.00", "\u22122.50", "+1.50"],
    ),
    (
        "bars",
        {
            "labels": ["Trade", "Energy", "Security"],
            "series": {"gain": [1.5, -0.25, 0.0]},
            "xlabel": "points",
            "signed_colors": True,
        },
        ["points", "Trade", "Security", "1.50", "\u22120.25"],
    ),
    (
        "bars",
        {
            "labels": ["Trade", "Energy"],
            "series": {"United States": [1.0, 2.0], "Japan": [2.5, 0.5]},
            "xlabel": "points",
        },
        ["United States", "Japan", "2.50"],
    ),
    (
        "columns",
        {
            "labels": ["single undertaking", "early harvests"],
            "series": {"United States": [0.3, 0.1], "Japan": [-0.2, 0.4]},
            "ylabel": "welfare (%)",
        },
        ["welfare (%)", "single undertaking", "Japan", "\u22120.20"],
    ),
]


def _draw_with_savefig(fig: Any, out: Any) -> None:
    """The reference: ``savefig`` with its own layout pass and dry draw."""
    fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None}, facecolor="white")


@pytest.mark.parametrize(("kind", "data", "texts"), SPECS, ids=[s[0] for s in SPECS])
def test_report_charts_are_byte_for_byte_what_savefig_writes(
    kind: str, data: dict[str, Any], texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dealspace.present import charts

    fast = charts.render(kind, "c1", "A chart", data)
    monkeypatch.setattr(charts, "_draw_svg", _draw_with_savefig)
    assert fast == charts.render(kind, "c1", "A chart", data)


@pytest.mark.parametrize(("kind", "data", "texts"), SPECS, ids=[s[0] for s in SPECS])
def test_report_charts_are_valid_svg_with_their_texts(
    kind: str, data: dict[str, Any], texts: list[str]
) -> None:
    import html
    import re
    import xml.etree.ElementTree as ET

    from dealspace.present import charts

    svg = charts.render(kind, "c1", "A <chart>", data)
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("aria-label") == "A <chart>" and root.get("width") == "100%"
    assert root[0].tag.endswith("title") and root[0].text == "A <chart>"
    ids = [str(e.get("id")) for e in root.iter() if e.get("id")]
    assert ids and all(i.startswith("c1-") for i in ids) and len(ids) == len(set(ids))
    # text is SVG text (selectable), with a fallback chain of fonts ending in a generic family
    drawn = {"".join(e.itertext()) for e in root.iter() if e.tag.endswith("}text")}
    assert "A <chart>" in drawn  # the figure title (escaped in the file, parsed back)
    for text in texts:
        assert html.unescape(text) in drawn, text
    assert "<path" not in "".join(re.findall(r"<g id=\"c1-text_[^>]*>.*?</g>", svg, flags=re.S))
    families = set(re.findall(r"font-family: ([^;\"]+)", svg))
    assert families and all(f.endswith("sans-serif") for f in families), families


def test_report_charts_do_not_import_pyplot() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from dealspace.present.charts import render; "
        "render('bars', 'k', 't', {'labels': ['a'], 'series': {'s': [1.0]}, 'xlabel': 'x'}); "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
