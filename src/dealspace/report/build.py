"""Collect every analysis of a scenario into one :class:`ReportData`.

:func:`build_report` runs the analyses (pure functions of the scenario) and
returns their result objects; :func:`layout` turns them into a renderer-neutral
document — sections of paragraphs, tables and chart specs — that
:mod:`dealspace.report.html` and :mod:`dealspace.report.markdown` render.
Nothing here reads or writes files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel

from dealspace.analysis.bargaining import (
    Solution,
    egalitarian,
    kalai_smorodinsky,
    nash,
    utilitarian,
)
from dealspace.analysis.linkage import LinkageResult, linkage
from dealspace.analysis.logroll import Logrolls, logrolls
from dealspace.analysis.offers import OfferMenu, equivalent_offers
from dealspace.analysis.pareto import Frontier, pareto_frontier
from dealspace.analysis.redlines import RedlinePrices, redline_prices
from dealspace.analysis.shapley import DomainValues, domain_values
from dealspace.analysis.zopa import ZopaResult, zopa
from dealspace.process import MonteCarloResult, monte_carlo
from dealspace.report.scorecard import contributions
from dealspace.scenario.model import OptionRef, Scenario, Traced
from dealspace.space import DealSpace, compile, value_tables

Progress = Callable[[str], None]

#: The bargaining solutions marked on the frontier (label → function).
SOLUTIONS: dict[str, Callable[[Frontier], Solution]] = {
    "Nash": nash,
    "Kalai–Smorodinsky": kalai_smorodinsky,
    "egalitarian": egalitarian,
    "utilitarian": utilitarian,
}


@dataclass(frozen=True)
class SourceRef:
    """One source text and the scenario fields (paths) that cite it."""

    text: str
    used_by: tuple[str, ...]


#: Tariff presets of :mod:`dealspace.economy` the report compares.
TARIFF_PRESETS = ("liberation-day", "us-japan-deal")
#: Offers in each party's menu of equivalent offers.
MENU_SIZE = 3
#: The protocol comparison: protocols, strategy pairs and Monte Carlo settings
#: (per-round delay cost 1 %, breakdown risk 0.5 %, 10 % noise in each side's
#: estimate of the other's valuation; kept modest so a report takes seconds).
PROTOCOLS = ("alternating", "sequential", "silos", "snt")
STRATEGY_PAIRS = (("linear", "linear"), ("boulware", "linear"))
SIMULATION: dict[str, Any] = {"runs": 300, "seed": 0, "deadline": 100, "discount": 0.99, "hazard": 0.005, "noise": 0.1}


#: The tariff world (preset) in which the Nash package's tariff terms are priced.
TARIFF_WORLD = "liberation-day"


@dataclass(frozen=True)
class TariffEffects:
    """Welfare change (%) of every region under named US tariff presets, and what the
    recommended package's tariff terms change (GE model)."""

    presets: tuple[str, ...]
    descriptions: tuple[str, ...]
    regions: tuple[str, ...]
    names: tuple[str, ...]
    welfare_pct: tuple[tuple[float, ...], ...]
    source: str
    world: str = TARIFF_WORLD
    package_change: tuple[float, ...] | None = None
    package_rates: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)

    def to_frame(self) -> Any:
        """One row per region: a welfare column per preset, then the package's change."""
        import pandas as pd

        data: dict[str, list[Any]] = {"name": list(self.names)}
        data.update({f"welfare_pct:{p}": list(w) for p, w in zip(self.presets, self.welfare_pct, strict=True)})
        if self.package_change is not None:
            data["package_vs_status_quo_pct"] = list(self.package_change)
        return pd.DataFrame(data, index=pd.Index(self.regions, name="region"))


def tariff_effects(
    scenario: Scenario, package: dict[str, OptionRef] | None, presets: tuple[str, ...] = TARIFF_PRESETS
) -> TariffEffects:
    """Solve the GE model on the embedded data for each preset and, given a
    package, for its tariff terms against the status quo's (in :data:`TARIFF_WORLD`)."""
    from dealspace.economy import PRESETS, load_default, preset_tariffs, solve
    from dealspace.report.regional import tariff_change

    economy = load_default()
    welfare = tuple(
        tuple(float(x) for x in 100 * (solve(economy, preset_tariffs(p, economy)).welfare_hat - 1))
        for p in presets
    )
    change: tuple[float, ...] | None = None
    rates: dict[tuple[str, str], tuple[float, float]] = {}
    if package is not None:
        _, delta, rates = tariff_change(scenario, package, TARIFF_WORLD)
        change = tuple(float(x) for x in delta)
    return TariffEffects(
        presets=presets,
        descriptions=tuple(PRESETS[p] for p in presets),
        regions=economy.iso3,
        names=economy.names,
        welfare_pct=welfare,
        source=economy.source,
        package_change=change,
        package_rates=rates,
    )


def has_tariffs(scenario: Scenario) -> bool:
    """Whether the scenario has tariff issues (priced by the GE model)."""
    return any(i.tariff is not None for i in scenario.issues)


@dataclass(frozen=True, eq=False)
class ReportData:
    """Every result the report shows, for one scenario. Build with :func:`build_report`.

    Attributes
    ----------
    scenario, space
        The scenario and its compiled deal space.
    frontier
        The exact Pareto frontier.
    zopa
        The ZOPA verdict.
    solutions
        Label → bargaining solution (Nash first: the recommended package).
    linkage
        Silos versus the portfolio.
    domain_values
        Shapley value of each domain.
    redlines
        The price of every must-have and red line.
    logrolls
        The trades of concessions behind the Nash package (None without one).
    offers
        Each party's menu of equivalent offers at its Nash utility.
    protocols
        Monte Carlo comparison of negotiation protocols (:data:`PROTOCOLS`,
        :data:`STRATEGY_PAIRS`, :data:`SIMULATION`); None for more than two
        parties (the simulator pairs two strategies).
    tariffs
        Welfare effects of the 2025 tariff presets, for scenarios with tariff
        issues (None otherwise).
    nash_terms
        Issue → each party's utility change from the status quo at the Nash
        package (only issues that move), and ``"(bonuses)"`` for cross-issue
        bonuses.
    sources
        Every ``source`` field of the scenario, grouped by text.
    """

    scenario: Scenario
    space: DealSpace
    frontier: Frontier
    zopa: ZopaResult
    solutions: dict[str, Solution]
    linkage: LinkageResult
    domain_values: DomainValues
    redlines: RedlinePrices
    nash_terms: dict[str, tuple[float, ...]]
    logrolls: Logrolls | None
    offers: tuple[OfferMenu, ...]
    protocols: MonteCarloResult | None
    tariffs: TariffEffects | None
    sources: tuple[SourceRef, ...]

    @property
    def recommended(self) -> Solution:
        """The Nash package (the report's recommendation)."""
        return self.solutions["Nash"]


def build_report(scenario: Scenario, progress: Progress | None = None) -> ReportData:
    """Run every analysis the report shows on ``scenario``.

    Parameters
    ----------
    scenario
        A validated scenario (see :func:`dealspace.load_scenario`).
    progress
        Called with the name of each step before it runs (for a progress bar).

    Returns
    -------
    ReportData
        The results; pure data, rendered by :mod:`dealspace.report.html` or
        :mod:`dealspace.report.markdown`.
    """
    step = progress or (lambda name: None)
    step("deal space")
    table = value_tables(scenario)
    space = compile(scenario)
    step("Pareto frontier")
    frontier = pareto_frontier(space)
    step("ZOPA and bargaining solutions")
    verdict = zopa(frontier)
    solutions = {label: func(frontier) for label, func in SOLUTIONS.items()}
    best = solutions["Nash"]
    terms = contributions(scenario, table, best.package) if best.package is not None else {}
    step("linkage: silos vs portfolio")
    link = linkage(scenario)
    step("domain values (Shapley)")
    values = domain_values(scenario)
    step("red-line prices")
    prices = redline_prices(scenario)
    step("logrolls and equivalent offers")
    rolls = logrolls(scenario, best.package) if best.package is not None else None
    menus = (
        tuple(equivalent_offers(scenario, p, k=MENU_SIZE) for p in scenario.party_ids)
        if best.package is not None
        else ()
    )
    simulated = None
    if space.n_parties == 2 and not space.empty:
        step("protocol comparison (Monte Carlo)")
        simulated = monte_carlo(space, protocols=PROTOCOLS, strategies=STRATEGY_PAIRS, **SIMULATION)
    effects = None
    if has_tariffs(scenario):
        step("tariff welfare (GE model)")
        effects = tariff_effects(scenario, best.package)
    return ReportData(
        scenario=scenario,
        space=space,
        frontier=frontier,
        zopa=verdict,
        solutions=solutions,
        linkage=link,
        domain_values=values,
        redlines=prices,
        nash_terms={k: tuple(float(x) for x in v) for k, v in terms.items() if np.any(np.abs(v) > 1e-12)},
        logrolls=rolls,
        offers=menus,
        protocols=simulated,
        tariffs=effects,
        sources=collect_sources(scenario),
    )


# ------------------------------------------------------------------ sources


def collect_sources(scenario: Scenario) -> tuple[SourceRef, ...]:
    """Every ``source`` field of a scenario, grouped by text (first use first).

    Returns
    -------
    tuple of SourceRef
        One entry per distinct source text (whitespace normalised) with the
        field paths that cite it, e.g. ``parties.us.valuations.rice``.
    """
    found: dict[str, list[str]] = {}
    for path, text in _walk_sources(scenario, ""):
        key = " ".join(text.split())
        found.setdefault(key, []).append(path or "scenario")
    return tuple(SourceRef(text, tuple(paths)) for text, paths in found.items())


def _walk_sources(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, Traced) and node.source:
        yield path, node.source
    if not isinstance(node, BaseModel):
        return
    for name in type(node).model_fields:
        value = getattr(node, name)
        if isinstance(value, list | tuple):
            for k, item in enumerate(value):
                yield from _walk_sources(item, _join(path, name, _item_id(item, k)))
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from _walk_sources(item, _join(path, name, str(key)))
        elif isinstance(value, BaseModel):
            yield from _walk_sources(value, _join(path, name))


def _item_id(item: Any, k: int) -> str:
    return str(getattr(item, "id", None) or k)


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


# ------------------------------------------------------------------ document model


@dataclass(frozen=True)
class Table:
    """A table: header, rows of text cells, which columns are numeric."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    caption: str = ""
    emphasis: tuple[int, ...] = ()


@dataclass(frozen=True)
class Chart:
    """A chart spec: :func:`dealspace.report.charts.render` draws it."""

    kind: str
    key: str
    title: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Text:
    """A paragraph; ``kind`` is ``"p"``, ``"note"`` (small print) or ``"formula"``."""

    text: str
    kind: str = "p"


@dataclass(frozen=True)
class Bullets:
    """A bulleted list of sentences."""

    items: tuple[str, ...]


Block = Table | Chart | Text | Bullets


@dataclass(frozen=True)
class Section:
    """A titled part of the report; ``lead`` is its one-line summary."""

    id: str
    title: str
    blocks: tuple[Block, ...]
    lead: str = ""


@dataclass(frozen=True)
class Verdict:
    """The box at the top: one sentence, a tone, key figures."""

    headline: str
    detail: str
    ok: bool
    figures: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Document:
    """The report as renderer-neutral blocks."""

    title: str
    subtitle: str
    description: str
    verdict: Verdict
    sections: tuple[Section, ...]
    meta: dict[str, str] = field(default_factory=dict)


def num(x: float | None, digits: int = 2) -> str:
    """A number for a table: fixed decimals, thousands separators, '—' for None."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "—"
    text = f"{x:,.{digits}f}"
    if text.startswith("-"):
        return text[1:] if float(text[1:].replace(",", "")) == 0 else "−" + text[1:]
    return text


def signed(x: float, digits: int = 2) -> str:
    """A change with its sign: ``+1.20``, ``−0.30``."""
    text = num(abs(x), digits)
    if float(text.replace(",", "")) == 0:
        return text
    return ("+" if x > 0 else "−") + text


def layout(data: ReportData) -> Document:
    """Arrange a :class:`ReportData` into the sections of the report."""
    from dealspace.report import sections as parts

    s = data.scenario
    return Document(
        title=s.title or s.name,
        subtitle=" · ".join(x for x in (f"scenario {s.name}", s.date or "") if x),
        description=" ".join((s.description or "").split()),
        verdict=parts.verdict(data),
        sections=tuple(
            section
            for section in (
                parts.portfolio(data),
                parts.zopa_section(data),
                parts.frontier_section(data),
                parts.recommended(data),
                parts.linkage_section(data),
                parts.domains_section(data),
                parts.redlines_section(data),
                parts.offers_section(data),
                parts.protocols_section(data),
                parts.tariffs_section(data),
                parts.sources_section(data),
            )
            if section is not None
        ),
        meta={"scenario": s.name},
    )


def option_label(scenario: Scenario, issue_id: str, option: OptionRef) -> str:
    """The readable label of an issue's option."""
    return scenario.issue(issue_id).label(option)


_URL = re.compile(r"https?://[^\s;,)]+")


def urls(text: str) -> list[str]:
    """The URLs inside a source text."""
    return _URL.findall(text)
