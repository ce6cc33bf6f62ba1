"""Linkage commands: linkage, redlines, offers, harvest.

Each loads a scenario (built-in name, YAML/JSON file or Genius folder), runs
one analysis of :mod:`dealspace.analysis` and prints rich tables, or JSON
with ``--json``. :func:`linkage_summary` is the compact version used by
``dealspace analyze``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dealspace.analysis.coalitions import Coalitions, coalitions
from dealspace.analysis.harvest import HarvestResult, early_harvest
from dealspace.analysis.logroll import logrolls
from dealspace.analysis.offers import OfferMenu, equivalent_offers
from dealspace.analysis.redlines import RedlinePrices, redline_prices
from dealspace.analysis.shapley import DomainValues, domain_values
from dealspace.analysis.silos import (
    OFF_TABLE,
    LinkageResult,
    Negotiator,
    OffTable,
    check_domains,
    check_party,
    linkage_of,
)
from dealspace.analysis.threats import LinkageDecomposition, decompose_linkage
from dealspace.analysis.worth import DomainWorth, domain_worth
from dealspace.cli._app import app, console, friendly, print_json
from dealspace.cli._bounds import bound
from dealspace.errors import DealspaceError
from dealspace.scenario import Scenario, load_scenario

Source = Annotated[
    str,
    typer.Argument(
        help="A built-in scenario name (see `dealspace scenarios`), a YAML/JSON file, "
        "or a folder with a Genius domain and its profiles.",
        show_default=False,
    ),
]
JsonOut = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _num(x: float) -> str:
    return f"{x:+.2f}" if abs(x) >= 0.005 else "0.00"


def _labels(scenario: Scenario) -> dict[str, str]:
    return {p.id: p.label for p in scenario.parties}


# ---------------------------------------------------------------- linkage


@app.command("linkage")
@friendly
def linkage_command(
    source: Source,
    domain: Annotated[
        list[str] | None,
        typer.Option("--domain", "-d", help="Analyse only these domains (repeat the option)."),
    ] = None,
    seed: Annotated[
        int,
        typer.Option(
            **bound("linkage", "--seed"), help="Seed of the Shapley sampler (above 15 domains)."
        ),
    ] = 0,
    samples: Annotated[
        int,
        typer.Option(
            **bound("linkage", "--samples"), help="Permutations sampled above 15 domains."
        ),
    ] = 200,
    off_table: Annotated[
        str,
        typer.Option(
            "--off-table",
            help="Which must-haves and red lines bind a silo: 'own' (default: only those whose "
            "issues are all in the silo — the integrative value, with the constraints that close "
            "silos named), 'apply' (every one, off-table issues at the status quo) or 'ignore' "
            "(all but those reading none of its issues).",
        ),
    ] = "own",
    ignore_off_table: Annotated[
        bool,
        typer.Option("--ignore-off-table", help="The same as --off-table ignore."),
    ] = False,
    shapley: Annotated[
        bool,
        typer.Option(
            "--shapley",
            help="Also show Shapley values of the domains, with their characteristic function diagnosed.",
        ),
    ] = False,
    json_out: JsonOut = False,
) -> None:
    """Value of linkage: each domain negotiated alone vs the portfolio as one.

    Silo gains (each domain alone, the others at the status quo, Nash
    solution) against the portfolio's Nash package, per party in its own
    points; by default each silo is bound only by its own constraints (the
    integrative value of linkage) and the constraints on other domains that
    would close a silo are named (threat-based linkage). Also the domains
    that have no ZOPA alone but move once linked, each domain's value, and
    the trades behind the portfolio package.
    """
    scenario = load_scenario(source)
    chosen = check_domains(scenario, domain or None)
    mode = "ignore" if ignore_off_table else off_table
    if mode not in OFF_TABLE:
        raise DealspaceError.single(
            "--off-table", f"unknown setting '{mode}'", "use 'own', 'apply' or 'ignore'"
        )
    rule = cast(OffTable, mode)
    neg = Negotiator(scenario, rule)
    worth = domain_worth(scenario, chosen, negotiator=neg)
    if rule == "own":
        result = decompose_linkage(scenario, chosen, negotiator=neg).headline(worth)
    else:
        result = replace(linkage_of(neg, chosen), worth=worth)
    values = (
        domain_values(neg.space, seed=seed, samples=samples, domains=chosen, off_table=rule)
        if shapley
        else None
    )
    rolls = logrolls(neg.space, result.portfolio.package) if result.portfolio.agreement else None
    if json_out:
        print_json(
            {
                "linkage": result.to_dict(),
                "domain_worth": worth.to_dict(),
                "domain_values": None if values is None else values.to_dict(),
                "logrolls": rolls.to_dict() if rolls else None,
            }
        )
        return
    labels = _labels(scenario)
    console.rule(f"[bold]Value of linkage — {escape(scenario.title or scenario.name)}")
    console.print(_linkage_table(result, labels))
    console.print(_silo_table(result, scenario))
    _print_linkage_words(console, result, labels)
    if result.threats is not None:
        _print_threats(console, result.threats, labels)
    _print_worth(console, worth, labels)
    if values is not None:
        console.print(_values_table(values))
        _print_diagnosis(console, values, labels)
    if rolls is not None:
        console.print("[bold]What the portfolio package trades[/]")
        for line in rolls.sentences():
            console.print(f"  • {escape(line)}", highlight=False)


def _linkage_table(result: LinkageResult, labels: dict[str, str]) -> Table:
    table = Table(title="Gains over BATNA: silos vs portfolio (Nash packages)")
    table.add_column("negotiation")
    table.add_column("ZOPA")
    for p in result.parties:
        table.add_column(escape(labels[p]), justify="right")
    table.add_column("joint", justify="right")
    table.add_column("Nash product", justify="right")
    frame = result.to_frame()
    for name, row in frame.iterrows():
        zopa = row["zopa"]
        mark = "" if zopa is None else ("[green]yes[/]" if zopa else "[red]no[/]")
        style = "bold" if name in ("portfolio", "linkage value") else None
        table.add_row(
            escape(str(name)),
            mark,
            *(_num(row[f"gain:{p}"]) for p in result.parties),
            _num(row["joint"]),
            f"{row['nash_product']:.3g}",
            style=style,
        )
    return table


def _silo_table(result: LinkageResult, scenario: Scenario) -> Table:
    table = Table(title="Issue by issue: silo deals vs the portfolio package")
    for col in ("domain", "issue", "status quo", "silo deal", "portfolio"):
        table.add_column(col)
    sq = scenario.status_quo()
    for silo in result.silos:
        for issue_id in silo.issues:
            issue = scenario.issue(issue_id)
            silo_opt = silo.deal[issue_id] if silo.deal else sq[issue_id]
            port = result.portfolio.package[issue_id]
            table.add_row(
                escape(silo.domain),
                escape(issue.name or issue.id),
                escape(issue.label(sq[issue_id])),
                escape(issue.label(silo_opt)) if silo.deal else "[dim]no deal[/]",
                escape(issue.label(port))
                if str(port) == str(sq[issue_id])
                else f"[bold]{escape(issue.label(port))}[/]",
            )
    return table


RULES = {
    "own": "each silo bound only by its own must-haves and red lines",
    "apply": "every must-have and red line binds every silo (off-table issues at the status quo)",
    "ignore": "each silo bound by the constraints that read any of its issues",
}

#: The note under every sum of points across parties.
JOINT_NOTE = (
    "'joint' adds points across parties: each party's points are its own scale, "
    "so the sum means something only if the scenario's weights are comparable."
)


def _gains_words(
    parties: tuple[str, ...], values: tuple[float, ...], labels: dict[str, str]
) -> str:
    return ", ".join(f"{escape(labels[p])} {_num(v)}" for p, v in zip(parties, values, strict=True))


def _print_linkage_words(out: Console, result: LinkageResult, labels: dict[str, str]) -> None:
    out.print(f"[dim]Silos: {RULES.get(result.off_table, result.off_table)}.[/]", highlight=False)
    if result.unlocked:
        out.print(
            f"Unlocked by linkage (no ZOPA alone, part of the portfolio deal): "
            f"[bold]{escape(', '.join(result.unlocked))}[/]",
            highlight=False,
        )
    if any(s.agreement for s in result.silos) and not result.silo_package_acceptable:
        out.print("[yellow]The silo deals together break a must-have or red line.[/]")
    blocked = [s for s in result.silos if not s.zopa and s.explanation]
    if blocked:
        out.print("[bold]Why the silos without a ZOPA fail[/]")
        for s in blocked:
            out.print(f"  • [bold]{escape(s.domain)}[/]: {escape(s.explanation)}", highlight=False)
    if not result.additive:
        out.print(
            "[yellow]Silo gains do not add up to the combined silo package: "
            "cross-domain interactions are at work.[/]"
        )
    kind = "integrative value of " if result.off_table == "own" else ""
    out.print(
        f"The {kind}linkage, per party in its own points: "
        f"{_gains_words(result.parties, result.linkage_value, labels)}.",
        highlight=False,
    )
    out.print(f"[dim]{JOINT_NOTE}[/]", highlight=False)


def _print_threats(out: Console, parts: LinkageDecomposition, labels: dict[str, str]) -> None:
    table = Table(title="Value of linkage: integrative vs threat-based (each party's own points)")
    table.add_column("party")
    table.add_column("integrative", justify="right")
    table.add_column("threat-based", justify="right")
    table.add_column("total (every constraint binds every silo)", justify="right")
    for k, p in enumerate(parts.parties):
        table.add_row(
            escape(labels[p]),
            _num(parts.integrative.linkage_value[k]),
            _num(parts.threat[k]),
            _num(parts.imposed.linkage_value[k]),
        )
    out.print(table)
    lines = parts.sentences()
    if lines:
        out.print("[bold]Which constraint closes which silo[/]")
        for line in lines:
            out.print(f"  • {escape(line)}", highlight=False)
    else:
        out.print(
            "No constraint on another domain closes a silo: linkage here is integrative only."
        )


def _print_worth(out: Console, worth: DomainWorth, labels: dict[str, str]) -> None:
    table = Table(title="What each domain brings, per party (own points)")
    table.add_column("domain")
    for p in worth.parties:
        table.add_column(f"alone {escape(labels[p])}", justify="right")
    for p in worth.parties:
        table.add_column(f"marginal {escape(labels[p])}", justify="right")
    for d, alone, marg in zip(worth.domains, worth.alone, worth.marginal, strict=True):
        table.add_row(escape(d), *(_num(x) for x in alone), *(_num(x) for x in marg))
    out.print(table)
    out.print(
        "[dim]Marginal: what the party's Nash gain loses if the domain alone leaves a table holding "
        "every other domain.[/]",
        highlight=False,
    )
    pairs = worth.strongest(5)
    if pairs:
        out.print("[bold]Strongest interactions[/] (positive: complements; negative: substitutes)")
        for (k, m), val in pairs:
            words = ", ".join(
                f"{escape(labels[p])} {_num(x)} ({worth.kind((k, m), q)})"
                for q, (p, x) in enumerate(zip(worth.parties, val, strict=True))
            )
            out.print(f"  • {escape(k)} and {escape(m)}: {words}", highlight=False)


def _print_diagnosis(out: Console, values: DomainValues, labels: dict[str, str]) -> None:
    for diag in values.diagnosis:
        who = "joint surplus" if diag.who == "joint" else labels.get(diag.who, diag.who)
        props = (
            f"{'monotone' if diag.monotone else '[yellow]not monotone[/]'}, "
            f"{'superadditive' if diag.superadditive else '[yellow]not superadditive[/]'}"
        )
        witness = "; ".join(
            escape(w) for w in (diag.monotone_witness, diag.superadditive_witness) if w
        )
        out.print(
            f"Characteristic function ({escape(who)}): {props}"
            + (f" — {witness}" if witness else ""),
            highlight=False,
        )


def _values_table(values: DomainValues) -> Table:
    how = "exact" if values.exact else f"estimated from {values.samples} permutations"
    table = Table(title=f"Each domain's Shapley value of the joint surplus ({how})")
    table.add_column("domain")
    table.add_column("alone", justify="right")
    table.add_column("Shapley value", justify="right")
    table.add_column("share", justify="right")
    if not values.exact:
        table.add_column("std. error", justify="right")
    for k, d in enumerate(values.domains):
        share = values.shares[k]
        cells = [
            escape(d),
            _num(values.singles[k]),
            _num(values.values[k]),
            "" if share != share else f"{share:.0%}",
        ]
        if not values.exact:
            cells.append(f"{values.std_errors[k]:.2f}")
        table.add_row(*cells)
    table.add_row("[bold]portfolio[/]", "", f"[bold]{_num(values.grand)}[/]", "")
    return table


def linkage_summary(
    console: Console, result: LinkageResult, values: DomainValues | None, labels: dict[str, str]
) -> None:
    """Print a compact linkage table (silos vs portfolio per party, in its own
    points; with the threat-based part when ``result.threats`` is set) and the
    domains' values; rendered from ``dealspace analyze``'s results."""
    parts = result.threats
    title = "Value of linkage (gains over BATNA, Nash packages, each party's own points)"
    table = Table(title=title)
    table.add_column("party")
    table.add_column("silos", justify="right")
    table.add_column("portfolio", justify="right")
    table.add_column("linkage value" if parts is None else "integrative", justify="right")
    if parts is not None:
        table.add_column("threat-based", justify="right")
    for k, p in enumerate(result.parties):
        row = [
            escape(labels[p]),
            _num(result.silo_gains[k]),
            _num(result.portfolio.gains[k]),
            _num(result.linkage_value[k]),
        ]
        if parts is not None:
            row.append(_num(parts.threat[k]))
        table.add_row(*row)
    console.print(table)
    console.print(
        f"[dim]Silos: {RULES.get(result.off_table, result.off_table)}.[/]", highlight=False
    )
    if result.unlocked:
        console.print(
            f"Unlocked by linkage: [bold]{escape(', '.join(result.unlocked))}[/]", highlight=False
        )
    if parts is not None:
        for line in parts.sentences():
            console.print(f"  • {escape(line)}", highlight=False)
    if values is not None:
        console.print(_values_table(values))
        _print_diagnosis(console, values, labels)
    elif result.worth is not None:
        _print_worth(console, result.worth, labels)


# ---------------------------------------------------------------- coalitions


@app.command("coalitions")
@friendly
def coalitions_command(
    source: Source,
    free: Annotated[
        bool,
        typer.Option(
            "--free",
            help="A coalition may move any issue a member has a stake in; outsiders have no veto "
            "(default: a coalition moves only the issues it owns — an issue's 'owners', else a "
            "tariff's levying and levied parties, else every party with a stake in it).",
        ),
    ] = False,
    json_out: JsonOut = False,
) -> None:
    """Who can deal with whom: every coalition of two or more parties, whether it has a
    ZOPA on its own, its Nash package, and which coalitions would walk away from the
    grand coalition's Nash package."""
    scenario = load_scenario(source)
    result = coalitions(scenario, outsiders="free" if free else "hold")
    if json_out:
        print_json(result.to_dict())
        return
    print_coalitions(console, result, _labels(scenario))


def print_coalitions(out: Console, result: Coalitions, labels: dict[str, str]) -> None:
    """The coalitions table and the core-style verdict (renders; computes nothing)."""
    table = Table(title="Coalitions: each on its own (gains over BATNA, each party's own points)")
    for col in (
        "coalition",
        "issues it can move",
        "ZOPA",
        "members' Nash gains",
        "outsiders",
        "walks away",
    ):
        table.add_column(col)
    for c in result.coalitions:
        table.add_row(
            escape(" + ".join(labels[p] for p in c.members)),
            str(len(c.issues)),
            "[green]yes[/]" if c.zopa else "[red]no[/]",
            escape(
                ", ".join(f"{labels[p]} {_num(g)}" for p, g in zip(c.members, c.gains, strict=True))
            ),
            escape(", ".join(f"{labels[p]} {_num(g)}" for p, g in c.outsider_gains.items())),
            "[bold yellow]yes[/]" if c.blocks_grand else "",
        )
    out.print(table)
    if result.outsiders == "hold" and result.owners:
        out.print(
            "Who must agree to move each issue: "
            + escape(
                "; ".join(
                    f"{i}: {', '.join(labels[p] for p in o) or 'nobody'}"
                    for i, o in result.owners.items()
                )
            ),
            highlight=False,
        )
    if result.grand is None:
        out.print("The grand coalition has no ZOPA: no package every party prefers to its BATNA.")
    elif result.in_core:
        out.print("No coalition would walk away from the grand coalition's Nash package.")
    else:
        out.print(
            "Would walk away from the grand package (each member gets strictly more alone): "
            + escape("; ".join(" + ".join(labels[p] for p in m) for m in result.blocking)),
            highlight=False,
        )


# ---------------------------------------------------------------- red lines


@app.command()
@friendly
def redlines(source: Source, json_out: JsonOut = False) -> None:
    """Price each must-have and red line: the change in every party's gain at
    the Nash package if it alone were dropped; flags the free ones and those
    that kill the ZOPA by themselves."""
    scenario = load_scenario(source)
    result = redline_prices(scenario)
    if json_out:
        print_json(result.to_dict())
        return
    _print_redlines(scenario, result)


def _print_redlines(scenario: Scenario, result: RedlinePrices) -> None:
    labels = _labels(scenario)
    base = result.base
    console.rule(
        f"[bold]Prices of red lines and must-haves — {escape(scenario.title or scenario.name)}"
    )
    if base.agreement:
        gains = ", ".join(
            f"{escape(labels[p])} {g:+.2f}" for p, g in zip(result.parties, base.gains, strict=True)
        )
        console.print(f"With every constraint, the Nash package gives: {gains}.", highlight=False)
    else:
        console.print("[red]With every constraint there is no ZOPA.[/]")
    if not result.prices:
        console.print("The scenario has no must-haves or red lines.")
        return
    table = Table(title="Change in gains if the constraint alone is dropped")
    for col in ("constraint", "kind"):
        table.add_column(col)
    for p in result.parties:
        table.add_column(f"Δ {escape(labels[p])}", justify="right")
    table.add_column("Δ joint", justify="right")
    table.add_column("note")
    for c in result.prices:
        note = "[red]kills the ZOPA[/]" if c.kills_zopa else ("[green]free[/]" if c.free else "")
        table.add_row(
            f"{escape(c.key)}\n[dim]{escape(c.label)}[/]" if c.label else escape(c.key),
            c.kind.replace("_", "-"),
            *(_num(v) for v in c.delta),
            _num(c.joint),
            note,
        )
    console.print(table)
    console.print("[dim]" + JOINT_NOTE.replace("'joint'", "'Δ joint'") + "[/]", highlight=False)


# ---------------------------------------------------------------- offers


@app.command()
@friendly
def offers(
    source: Source,
    party: Annotated[str, typer.Option("--party", "-p", help="The party making the offers.")],
    k: Annotated[
        int, typer.Option("--k", "-k", **bound("offers", "--k"), help="Number of offers.")
    ] = 3,
    level: Annotated[
        float | None,
        typer.Option(
            **bound("offers", "--level"),
            help="Target utility of the party (default: its Nash utility).",
        ),
    ] = None,
    tolerance: Annotated[
        float | None,
        typer.Option(
            **bound("offers", "--tolerance"),
            help="Largest distance from the level (default: 2.5% of the party's frontier span).",
        ),
    ] = None,
    json_out: JsonOut = False,
) -> None:
    """Multiple equivalent simultaneous offers: k packages worth about the same
    to PARTY, on or near the Pareto frontier, as different as possible."""
    scenario = load_scenario(source)
    check_party(scenario, party)
    menu = equivalent_offers(scenario, party, k=k, level=level, tolerance=tolerance)
    if json_out:
        print_json(menu.to_dict())
        return
    _print_offers(scenario, menu)


def _print_offers(scenario: Scenario, menu: OfferMenu) -> None:
    labels = _labels(scenario)
    console.rule(
        f"[bold]Equivalent offers by {escape(labels[menu.party])} — "
        f"{escape(scenario.title or scenario.name)}"
    )
    console.print(
        f"Level {menu.level:.2f} ± {menu.tolerance:.2f} for {escape(labels[menu.party])}; "
        f"{menu.candidates} candidate package(s) found.",
        highlight=False,
    )
    if not menu.offers:
        console.print("[red]No package lies within the tolerance of the level.[/]")
        return
    if len(menu.offers) < menu.k:
        console.print(f"[yellow]Only {len(menu.offers)} of {menu.k} offers found.[/]")
    sq = scenario.status_quo()
    table = Table(title="The menu (issues that move in some offer)")
    table.add_column("issue")
    table.add_column("status quo")
    for n in range(len(menu.offers)):
        table.add_column(f"offer {n + 1}")
    for issue in scenario.issues:
        opts = [o.package[issue.id] for o in menu.offers]
        if all(str(x) == str(sq[issue.id]) for x in opts):
            continue
        table.add_row(
            escape(issue.name or issue.id),
            escape(issue.label(sq[issue.id])),
            *(
                escape(issue.label(x))
                if str(x) == str(sq[issue.id])
                else f"[bold]{escape(issue.label(x))}[/]"
                for x in opts
            ),
        )
    table.add_section()
    for q, p in enumerate(menu.parties):
        table.add_row(
            f"utility: {escape(labels[p])}", "", *(f"{o.utilities[q]:.2f}" for o in menu.offers)
        )
    table.add_row(
        "on the frontier",
        "",
        *("yes" if o.on_frontier else f"−{o.shortfall:.2f}" for o in menu.offers),
    )
    console.print(table)


# ---------------------------------------------------------------- harvest


@app.command()
@friendly
def harvest(
    source: Source,
    pairs: Annotated[bool, typer.Option("--pairs", help="Also try pairs of domains.")] = False,
    batna: Annotated[
        bool,
        typer.Option(
            "--batna",
            help="Bargain the remainder from the BATNAs instead of from the harvest alone.",
        ),
    ] = False,
    json_out: JsonOut = False,
) -> None:
    """Early harvest: which domains or issues of the portfolio's Nash package can
    be bound now without lowering what any party reaches in the rest."""
    scenario = load_scenario(source)
    result = early_harvest(scenario, pairs=pairs, disagreement="batna" if batna else "harvest")
    if json_out:
        print_json(result.to_dict())
        return
    _print_harvest(scenario, result)


def _print_harvest(scenario: Scenario, result: HarvestResult) -> None:
    labels = _labels(scenario)
    console.rule(f"[bold]Early harvest — {escape(scenario.title or scenario.name)}")
    gains = ", ".join(
        f"{escape(labels[p])} {g:+.2f}"
        for p, g in zip(result.parties, result.full.gains, strict=True)
    )
    console.print(f"Full portfolio (Nash): {gains}.", highlight=False)
    if not result.candidates:
        console.print("The portfolio package moves no issue: nothing to harvest.")
        return
    table = Table(title="Candidate harvests (bound first, at the portfolio package)")
    table.add_column("harvest")
    table.add_column("kind")
    table.add_column("early value", justify="right")
    for p in result.parties:
        table.add_column(f"final {escape(labels[p])}", justify="right")
    table.add_column("verdict")
    for c in result.candidates:
        worst: Any = min(range(len(result.parties)), key=lambda q: c.shortfall[q])
        verdict = (
            "[green]valid[/]"
            if c.valid
            else f"[red]{escape(labels[result.parties[worst]])} loses {-c.shortfall[worst]:.2f}[/]"
        )
        table.add_row(
            escape(c.name),
            escape(c.kind),
            _num(c.value),
            *(_num(v) for v in c.remainder.gains),
            verdict,
        )
    console.print(table)
    valid = result.valid
    if valid:
        console.print(
            f"Best early harvest: [bold]{escape(valid[0].name)}[/] ({valid[0].value:+.2f} points realised early, "
            "summed across parties).",
            highlight=False,
        )
        console.print(f"[dim]{JOINT_NOTE}[/]", highlight=False)
    else:
        console.print("No harvest is safe: bind nothing until everything is agreed.")
