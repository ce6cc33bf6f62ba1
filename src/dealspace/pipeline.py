"""The main job: every analysis of a scenario, computed once, in one :class:`Results`.

``analyze(scenario, settings)`` compiles the scenario once and runs each
analysis on that one :class:`~dealspace.space.DealSpace` (sub-negotiations are
views of it, never recompiled). The terminal summary (``dealspace analyze``),
the JSON (``analyze --json``), the HTML and Markdown report and the notebook
display all render the returned :class:`Results`; none of them computes
anything, so they cannot disagree.

Examples
--------
>>> from dealspace import Settings, analyze, load_scenario
>>> results = analyze(load_scenario("us-japan-2025-trade-only"), Settings(process=None))
>>> results.zopa.exists
True
>>> sorted(results.to_dict())[:4]
['domain_values', 'frontier', 'linkage', 'logrolls']
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from typing import Any

from dealspace.analysis.bargaining import SOLUTIONS, Solution
from dealspace.analysis.coalitions import MAX_PARTIES as MAX_COALITION_PARTIES
from dealspace.analysis.coalitions import Coalitions, coalitions
from dealspace.analysis.deal import Deal
from dealspace.analysis.logroll import Logrolls, logrolls
from dealspace.analysis.offers import OfferMenu, equivalent_offers
from dealspace.analysis.pareto import Frontier, pareto_frontier
from dealspace.analysis.reach import Reach, reach
from dealspace.analysis.redlines import RedlinePrices, redline_prices
from dealspace.analysis.regional import bellwether_party
from dealspace.analysis.robust import NearTie, Robustness, near_ties, robust, uncertain_numbers
from dealspace.analysis.scorecard import Scorecard, contributions, deal_for, score
from dealspace.analysis.shapley import DomainValues, domain_values
from dealspace.analysis.silos import (
    MAX_LINKAGE_DOMAINS,
    LinkageResult,
    Negotiator,
    linkage_negotiations,
)
from dealspace.analysis.threats import decompose_linkage
from dealspace.analysis.worth import DomainWorth, domain_worth
from dealspace.analysis.zopa import ZopaResult, zopa
from dealspace.economy.effects import TariffEffects, has_tariff_issues, tariff_effects
from dealspace.errors import DealspaceError
from dealspace.present.notebook import Displayed
from dealspace.process.compare import ProcessSettings, ProtocolComparison, compare_protocols
from dealspace.scenario.model import Scenario
from dealspace.scenario.sources import SourceRef, collect_sources
from dealspace.space import DealSpace, check
from dealspace.tolerances import TERM_TOL
from dealspace.version import __version__
from dealspace.workers import result_or, second_process, submit
from dealspace.world.run import BellwetherBrief, bellwether_brief, builtin_brief

#: Called with the name of each step before it runs (for a progress bar).
Progress = Callable[[str], None]

#: Labels of the bargaining solutions, in the order shown.
SOLUTION_LABELS = {
    "nash": "Nash",
    "kalai_smorodinsky": "Kalai–Smorodinsky",
    "egalitarian": "egalitarian",
    "utilitarian": "utilitarian",
}


@dataclass(frozen=True)
class Settings:
    """Every knob of the main job, with its documented default.

    Attributes
    ----------
    solutions
        Bargaining solutions computed and shown (``nash`` first: the
        recommended package).
    menu_size
        Offers in each party's menu of equivalent offers.
    linkage
        Compare each domain alone with one portfolio (integrative and
        threat-based linkage) and value each domain (marginal values and
        pairwise interactions, per party) when the scenario has more than one domain.
    robust_draws
        Draws of the robustness analysis when the scenario gives ranges
        (:func:`~dealspace.analysis.robust.robust`, seeded by ``seed``; 0 skips it).
    shapley
        Also compute Shapley values of the domains, with their characteristic
        function diagnosed (off by default: marginal values are the headline).
    shapley_samples, seed
        Permutations sampled for domain values above 15 domains, and the seed
        of every random step (domain sampling, the process simulation).
    process
        The protocol comparison (:class:`~dealspace.process.compare.ProcessSettings`,
        here with 100 runs per protocol and strategy pair and 40 per sensitivity
        cell); None skips it. It runs for two-party scenarios only.
    world_runs
        Runs of the bellwether model (:mod:`dealspace.world`) when a party is a
        partner of the built-in 2025 world (its ``country``); 0 skips it.
    deal
        A signed deal to score against the scenario (:func:`dealspace.analysis.scorecard.score`):
        a built-in deal's name or a deal file. ``"auto"`` (the default) scores the
        built-in deal written for this scenario, if there is one (``us-japan-2025-07``
        for ``us-japan-2025``); None skips it.
    """

    solutions: tuple[str, ...] = ("nash", "kalai_smorodinsky", "egalitarian", "utilitarian")
    menu_size: int = 3
    linkage: bool = True
    shapley: bool = False
    shapley_samples: int = 200
    robust_draws: int = 1000
    seed: int = 0
    process: ProcessSettings | None = field(
        default_factory=lambda: ProcessSettings(runs=100, sensitivity_runs=40)
    )
    world_runs: int = 100
    deal: str | None = "auto"

    def to_dict(self) -> dict[str, Any]:
        out = {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in asdict(self).items()
            if k != "process"
        }
        out["process"] = None if self.process is None else self.process.to_dict()
        return out


@dataclass(frozen=True, eq=False)
class Results(Displayed):
    """Every result of the main job for one scenario. Build with :func:`analyze`.

    Attributes
    ----------
    scenario, space, settings
        The input, its compiled deal space, and the settings used.
    reach
        Each party's status quo, BATNA, best and worst acceptable utility.
    frontier, zopa
        The exact Pareto frontier and the ZOPA verdict.
    solutions
        Label → bargaining solution (Nash first: the recommended package).
    nash_terms
        Issue → each party's utility change from the status quo at the Nash
        package (issues that move), ``"(bonuses)"`` for cross-issue bonuses.
    linkage, domain_values
        Silos (each bound only by its own constraints) versus one portfolio —
        the integrative value of linkage, with ``linkage.threats`` naming the
        constraints that close silos (threat-based linkage) — and each
        domain's value (None with one domain, or when switched off;
        ``domain_values`` — Shapley — only with ``Settings.shapley``).
    near_tie
        Other frontier packages within 0.5 % of the Nash product, and the
        smallest one-weight change that flips the recommendation.
    robustness
        Seeded draws of the scenario's ranges (None without ranges).
    coalitions
        With three or more parties: every coalition's own ZOPA and Nash package
        and which would walk away from the grand package (None with two).
    domain_worth
        Each domain's marginal value given all the others and each pair's
        interaction, per party (also ``linkage.worth``).
    redlines, logrolls, offers
        The price of each hard constraint; the trades behind the Nash
        package; each party's menu of equivalent offers.
    protocols
        The protocol comparison (None when skipped or not bilateral).
    tariffs
        GE welfare effects, for scenarios with tariff issues.
    world
        The bellwether model: how the other partners of the 2025 world answer
        this party's deal, good or bad, and the first-mover advantage (None
        when no party is a partner of the world).
    sources
        Every ``source`` field of the scenario, grouped by text.
    scorecard
        The signed deal scored on the scenario (:class:`~dealspace.analysis.scorecard.Scorecard`;
        None without a deal).
    notes
        Analyses skipped because the scenario is above their size limit, each
        naming the limit and how to proceed.
    """

    scenario: Scenario
    space: DealSpace
    settings: Settings
    reach: Reach
    frontier: Frontier
    zopa: ZopaResult
    solutions: dict[str, Solution]
    nash_terms: dict[str, tuple[float, ...]]
    linkage: LinkageResult | None
    domain_values: DomainValues | None
    domain_worth: DomainWorth | None
    near_tie: NearTie | None
    robustness: Robustness | None
    coalitions: Coalitions | None
    redlines: RedlinePrices
    logrolls: Logrolls | None
    offers: tuple[OfferMenu, ...]
    protocols: ProtocolComparison | None
    tariffs: TariffEffects | None
    world: BellwetherBrief | None
    sources: tuple[SourceRef, ...]
    scorecard: Scorecard | None = None
    notes: tuple[str, ...] = ()

    @property
    def recommended(self) -> Solution:
        """The Nash package (the recommendation)."""
        return self.solutions["Nash"]

    def to_dict(self) -> dict[str, Any]:
        """The whole result as JSON-ready data with stable keys (docs/json.md)."""
        s = self.scenario
        return {
            "dealspace": __version__,
            "scenario": {
                "name": s.name,
                "title": s.title,
                "date": s.date,
                "parties": {p.id: p.label for p in s.parties},
                "domains": {d.id: [i.id for i in d.issues] for d in s.domains},
            },
            "settings": self.settings.to_dict(),
            "reach": self.reach.to_dict(),
            "zopa": self.zopa.to_dict(),
            "frontier": {"n_points": len(self.frontier), "n_acceptable": self.reach.n_acceptable},
            "solutions": {label: sol.to_dict() for label, sol in self.solutions.items()},
            "nash_terms": {k: list(v) for k, v in self.nash_terms.items()},
            "logrolls": None if self.logrolls is None else self.logrolls.to_dict(),
            "offers": [m.to_dict() for m in self.offers],
            "linkage": None if self.linkage is None else self.linkage.to_dict(),
            "domain_values": None if self.domain_values is None else self.domain_values.to_dict(),
            "domain_worth": None if self.domain_worth is None else self.domain_worth.to_dict(),
            "near_tie": None if self.near_tie is None else self.near_tie.to_dict(),
            "robustness": None if self.robustness is None else self.robustness.to_dict(),
            "coalitions": None if self.coalitions is None else self.coalitions.to_dict(),
            "redlines": self.redlines.to_dict(),
            "protocols": None if self.protocols is None else self.protocols.to_dict(),
            "tariffs": None if self.tariffs is None else self.tariffs.to_dict(),
            "world": None if self.world is None else self.world.to_dict(),
            "sources": [ref.to_dict() for ref in self.sources],
            "scorecard": None if self.scorecard is None else self.scorecard.to_dict(),
            "notes": list(self.notes),
        }

    def to_frame(self) -> Any:
        """The bargaining solutions: one row per solution, utilities and gains per party."""
        import pandas as pd

        rows = {}
        for label, sol in self.solutions.items():
            row: dict[str, Any] = {"agreement": sol.agreement}
            for p in self.space.parties:
                row[f"u:{p}"] = sol.utilities[p] if sol.agreement else None
                row[f"gain:{p}"] = sol.gains[p] if sol.agreement else None
            rows[label] = row
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("solution")


def analyze(
    scenario: Scenario,
    settings: Settings | None = None,
    progress: Progress | None = None,
    *,
    jobs: int = 1,
    executor: Executor | None = None,
    partial: Callable[[Results], None] | None = None,
) -> Results:
    """Run the main job on ``scenario``: compile once, then every analysis on that space.

    Parameters
    ----------
    scenario
        A validated scenario (:func:`dealspace.load_scenario`).
    settings
        The knobs (:class:`Settings`; defaults when None).
    progress
        Called with the name of each step before it runs.
    jobs
        Processes the job may use: with 2 or more, the bellwether model (which
        needs nothing else of the analysis) runs in a second, spawned process
        while the rest runs here. The results are identical either way (every
        step is seeded). Default 1; ``dealspace analyze`` uses 2 when the
        machine has 2 or more cores. A script that passes ``jobs=2`` needs the
        usual ``if __name__ == "__main__":`` guard, as with any spawned process.
    executor
        A worker to use instead (:func:`dealspace.workers.second_process`),
        left running for the caller (the CLI draws the report's charts on it).
    partial
        Called once, before the protocol comparison, with the results so far
        (the protocol comparison, tariff effects, bellwether model and
        scorecard still None): the CLI starts drawing the report's charts then.

    Returns
    -------
    Results
        Pure data, rendered by every front end.
    """
    settings = settings or Settings()
    step = progress or (lambda name: None)
    step("deal space")
    deal = deal_for(scenario, settings.deal)  # a deal of another scenario fails before any work
    bellwether = bellwether_party(scenario) if settings.world_runs > 0 else None
    own = jobs if executor is None and bellwether is not None else 1
    with second_process(own, ("dealspace.world.run",)) as worker:
        # the world model needs only the scenario: it starts first, in the worker if any
        world = _WorldRun(bellwether, settings, executor or worker)
        space = check(scenario).space
        results = _analyze(scenario, settings, step, space, deal, world, partial)
    return results


def _analyze(
    scenario: Scenario,
    settings: Settings,
    step: Progress,
    space: DealSpace,
    deal: Deal | None,
    world: _WorldRun,
    partial: Callable[[Results], None] | None = None,
) -> Results:
    step("Pareto frontier")
    frontier = pareto_frontier(space)
    step("ZOPA and bargaining solutions")
    verdict = zopa(frontier)
    names = ("nash", *(n for n in settings.solutions if n != "nash"))
    solutions = {SOLUTION_LABELS.get(n, n): SOLUTIONS[n](frontier) for n in names}
    best = solutions["Nash"]
    terms = contributions(scenario, space.table, best.package) if best.package is not None else {}
    link = values = worth = None
    notes: list[str] = []
    n_domains = len(scenario.domains)
    if settings.linkage and n_domains > MAX_LINKAGE_DOMAINS and not space.empty:
        notes.append(
            f"Linkage and domain values skipped: {n_domains:,} domains take "
            f"{linkage_negotiations(n_domains):,} negotiations, above the limit of "
            f"{MAX_LINKAGE_DOMAINS} domains. Run `dealspace linkage` on at most "
            f"{MAX_LINKAGE_DOMAINS} domains (-d A -d B …), or group the issues into fewer domains."
        )
    elif settings.linkage and n_domains > 1 and not space.empty:
        step("linkage: silos vs portfolio")
        neg = Negotiator(space, "own")
        parts = decompose_linkage(space, negotiator=neg)
        step("domain values")
        worth = domain_worth(
            space, negotiator=neg, progress=lambda done: step(f"domain values ({done})")
        )
        link = parts.headline(worth)
        if settings.shapley:
            values = domain_values(space, seed=settings.seed, samples=settings.shapley_samples)
    tie = near_ties(frontier, best.package) if best.agreement else None
    robustness = None
    if settings.robust_draws > 0 and uncertain_numbers(scenario) and not space.empty:
        step("robustness (draws of the ranges)")
        robustness = robust(space, draws=settings.robust_draws, seed=settings.seed)
    groups = None
    if space.n_parties > MAX_COALITION_PARTIES and not space.empty:
        notes.append(
            f"Coalitions skipped: {space.n_parties} parties form 2^{space.n_parties} coalitions, "
            f"above the limit of {MAX_COALITION_PARTIES} parties. Run `dealspace coalitions` "
            "on a scenario with fewer parties (model blocs as one party)."
        )
    elif space.n_parties >= 3 and not space.empty:
        step("coalitions")
        groups = coalitions(space)
    step("red-line prices")
    prices = redline_prices(space)
    step("logrolls and equivalent offers")
    rolls = logrolls(space, best.package) if best.package is not None else None
    menus = (
        tuple(equivalent_offers(space, p, k=settings.menu_size) for p in scenario.party_ids)
        if best.package is not None
        else ()
    )
    reached, sources = reach(space), collect_sources(scenario)

    def assemble(**later: Any) -> Results:
        """The results: those computed so far, and ``later`` (the last steps' results)."""
        return Results(
            scenario=scenario,
            space=space,
            settings=settings,
            reach=reached,
            frontier=frontier,
            zopa=verdict,
            solutions=solutions,
            nash_terms={
                k: tuple(float(x) for x in v)
                for k, v in terms.items()
                if any(math.fabs(x) > TERM_TOL for x in v)
            },
            linkage=link,
            domain_values=values,
            domain_worth=worth,
            near_tie=tie,
            robustness=robustness,
            coalitions=groups,
            redlines=prices,
            logrolls=rolls,
            offers=menus,
            sources=sources,
            notes=tuple(notes),
            **{"protocols": None, "tariffs": None, "world": None, "scorecard": None, **later},
        )

    if partial is not None:  # before the longest steps, so a caller can start drawing
        partial(assemble())
    protocols = None
    if settings.process is not None and space.n_parties == 2 and not space.empty:
        step("protocol comparison (Monte Carlo)")
        protocols = compare_protocols(space, settings.process)
    effects = None
    if has_tariff_issues(scenario):
        step("tariff welfare (GE model)")
        effects = tariff_effects(scenario, best.package)
    brief = None
    if world.bellwether is not None:
        step("the wider world (bellwether model)")
        brief = world.result()
    card = None
    if deal is not None and not space.empty:
        step("the signed deal, scored")
        try:
            card = score(
                deal,
                scenario,
                label=deal.name if settings.deal == "auto" else str(settings.deal),
                draws=max(settings.robust_draws, 1),
                seed=settings.seed,
                space=space,
                world=brief,
            )
        except DealspaceError as err:
            if settings.deal != "auto":
                raise
            # a user's edited copy of a built-in scenario keeps its name: say why, go on
            notes.append(
                f"The built-in deal '{deal.name}' was not scored: it does not fit this version "
                f"of scenario '{scenario.name}' ({err.problems[0]}). Give --deal FILE or --deal none."
            )
    return assemble(protocols=protocols, tariffs=effects, world=brief, scorecard=card)


class _WorldRun:
    """The bellwether model of one analysis: sent at once to the worker when there is
    one (it needs nothing else of the analysis), else run here when asked for."""

    def __init__(
        self, bellwether: tuple[Any, str] | None, settings: Settings, executor: Executor | None
    ) -> None:
        self.bellwether = bellwether
        self.args = (settings.world_runs, settings.seed)
        # the worker imports the world model only (builtin_brief), not this module
        self.future = (
            submit(executor, builtin_brief, bellwether[1], *self.args) if bellwether else None
        )

    def result(self) -> BellwetherBrief:
        """The brief: from the worker when it ran there, else computed here."""
        assert self.bellwether is not None
        world, code = self.bellwether
        return result_or(
            self.future,
            lambda: bellwether_brief(world, code, runs=self.args[0], seed=self.args[1]),
        )
