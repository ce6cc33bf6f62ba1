"""Result objects display as tables (and charts) in Jupyter."""

from __future__ import annotations

from pathlib import Path

import dealspace
from dealspace.analysis import kalai_smorodinsky, nash, pareto_frontier, zopa
from dealspace.analysis.logroll import logrolls
from dealspace.analysis.redlines import redline_prices
from dealspace.analysis.shapley import domain_values
from dealspace.analysis.silos import linkage

TOY = Path(__file__).parent / "data" / "toy.yaml"


def test_results_render_html_tables(toy: dealspace.Scenario) -> None:
    results = [
        pareto_frontier(toy),
        nash(toy),
        kalai_smorodinsky(toy),
        zopa(toy),
        linkage(toy),
        domain_values(toy),
        redline_prices(toy),
        logrolls(toy, nash(toy).package),
    ]
    for result in results:
        html = result._repr_html_()
        assert "<table" in html, type(result).__name__


def test_frontier_display_has_a_chart(toy: dealspace.Scenario) -> None:
    assert "<svg" in pareto_frontier(toy)._repr_html_()
