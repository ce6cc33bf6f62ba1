"""The report's sections: each function turns part of a :class:`ReportData`
into renderer-neutral blocks (text, tables, chart specs). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from dealspace.analysis.bargaining import CROSS_PARTY_NOTE
from dealspace.analysis.specs import (
    frontier_chart,
    linkage_chart,
    redlines_chart,
    shapley_chart,
    worth_chart,
)
from dealspace.pipeline import Results as ReportData
from dealspace.present.document import Bullets, Chart, Section, Table, Text, Verdict, num, signed
from dealspace.scenario.conditions import describe
from dealspace.scenario.model import OptionRef, Scenario

#: Most field paths listed under one source.
MAX_PATHS = 6


def _labels(data: ReportData) -> list[str]:
    return [p.label for p in data.scenario.parties]


def _issue_name(s: Scenario, issue_id: str) -> str:
    return s.issue(issue_id).name or issue_id


def _option(s: Scenario, issue_id: str, option: OptionRef) -> str:
    return s.issue(issue_id).label(option)


def _changed(s: Scenario, package: dict[str, OptionRef] | None) -> list[str]:
    if package is None:
        return []
    sq = s.status_quo()
    return [i for i in s.issue_ids if str(package[i]) != str(sq[i])]


# ------------------------------------------------------------------ verdict


def verdict(data: ReportData) -> Verdict:
    """The box at the top: is there a deal both sides prefer, and what it is worth."""
    z, best, link = data.zopa, data.recommended, data.linkage
    names = _labels(data)
    if z.exists and best.agreement:
        gains = " and ".join(
            f"{n} {signed(best.gains[p])}" for n, p in zip(names, data.space.parties, strict=True)
        )
        headline = "A deal every side prefers to walking away exists."
        detail = (
            f"The recommended package (Nash bargaining solution) changes {len(_changed(data.scenario, best.package))} "
            f"of {len(data.scenario.issues)} issues and gives {gains} points over their BATNAs."
        )
        if link is not None:
            per_party = ", ".join(
                f"{n} {signed(v)}" for n, v in zip(names, link.linkage_value, strict=True)
            )
            detail += (
                f" Negotiating the {len(link.domains)} domains as one portfolio rather than in silos "
                f"(each bound by its own constraints) changes each side's gain by {per_party} of its own points."
            )
        if data.near_tie is not None and data.near_tie.warning:
            detail += " " + data.near_tie.warning
        if data.robustness is not None and data.robustness.recommendation is not None:
            rec = data.robustness.recommendation
            detail += (
                f" Under the scenario's ranges ({data.robustness.draws:,} draws) a ZOPA exists in "
                f"{data.robustness.p_zopa:.0%} of draws and this package is the Nash package in "
                f"{next((c.p_nash for c in data.robustness.candidates if c.is_point_nash), 0.0):.0%}; "
                f"the robust recommendation is accepted by every side in {rec.p_all_accept:.0%}"
                + (" (it is this package)." if rec.is_point_nash else " (a different package).")
            )
    else:
        headline = "No deal every side prefers to walking away."
        detail = z.explanation
    figures = (
        ("acceptable packages", f"{data.reach.n_acceptable:,}"),
        ("Pareto-optimal", f"{len(data.frontier):,}"),
        ("in the ZOPA", f"{z.n_packages:,}"),
        *(
            (f"value of linkage, {n}", signed(v))
            for n, v in zip(names, link.linkage_value if link is not None else (), strict=False)
        ),
    )
    return Verdict(headline=headline, detail=detail, ok=bool(z.exists), figures=figures)


# ------------------------------------------------------------------ portfolio


def portfolio(data: ReportData) -> Section:
    """Parties, domains and issues, constraints at a glance."""
    s, r = data.scenario, data.reach
    none: tuple[float | None, ...] = tuple(None for _ in r.parties)
    best: tuple[float | None, ...] = r.best or none
    worst: tuple[float | None, ...] = r.worst or none
    parties = Table(
        (
            "party",
            "BATNA",
            "status quo",
            "best acceptable",
            "worst acceptable",
            "must-haves",
            "red lines",
        ),
        tuple(
            (
                p.label,
                num(r.batna[k]),
                num(r.status_quo[k]),
                num(best[k]),
                num(worst[k]),
                str(len(p.must_haves)),
                str(len(p.red_lines)),
            )
            for k, p in enumerate(s.parties)
        ),
        numeric=(False, True, True, True, True, True, True),
        caption="Utility in each party's own points.",
    )
    rows = []
    for d in s.domains:
        for issue in d.issues:
            if issue.range is not None:
                span = issue.range
                opts = f"{issue.label(span.min)} – {issue.label(span.max)}"
            else:
                opts = f"{len(issue.option_ids)} options"
            weights = []
            for p in s.parties:
                v = p.valuations.get(issue.id)
                weights.append("" if v is None else f"{v.weight:g}")
            rows.append(
                (
                    d.name or d.id,
                    issue.name or issue.id,
                    opts,
                    issue.label(issue.status_quo),
                    *weights,
                )
            )
    issues = Table(
        ("domain", "issue", "options", "status quo", *(f"weight {p.label}" for p in s.parties)),
        tuple(rows),
        numeric=(False, False, False, False, *(True for _ in s.parties)),
    )
    rules = []
    for c in data.space.constraints:
        kind = "must-have" if c.kind == "must_have" else "red line"
        rules.append(
            (s.party(c.party).label, kind, c.constraint.label or describe(c.constraint.condition))
        )
    constraints = Table(("party", "kind", "constraint"), tuple(rules))
    n_issues = len(s.issues)
    lead = f"{len(s.parties)} parties, {len(s.domains)} domains, {n_issues} issues, {len(rules)} hard constraints."
    return Section("portfolio", "The portfolio at a glance", (parties, issues, constraints), lead)


# ------------------------------------------------------------------ ZOPA and frontier


def zopa_section(data: ReportData) -> Section:
    """The ZOPA verdict with each party's reach."""
    z = data.zopa
    labels = dict(zip(data.space.parties, _labels(data), strict=True))
    table = Table(
        ("party", "BATNA", "most it can get while the others gain", "shortfall"),
        tuple(
            (labels[p], num(z.batna[p]), num(z.best_for[p]), num(z.shortfall[p]))
            for p in data.space.parties
        ),
        numeric=(False, True, True, True),
    )
    blocks: list[Text | Table] = [Text(z.explanation), table]
    if z.conflict:
        blocks.append(Text("Minimal conflict: " + ", ".join(z.conflict) + ".", "note"))
    lead = "Zone of possible agreement: packages every party prefers to its BATNA."
    return Section("zopa", "ZOPA", tuple(blocks), lead)


def frontier_section(data: ReportData) -> Section:
    """The Pareto frontier chart with BATNAs, status quo and solutions, and the solutions table."""
    space, f = data.space, data.frontier
    names = _labels(data)
    blocks: list[Chart | Table | Text] = []
    chart = frontier_chart(f, data.solutions, names)
    if chart is not None:
        blocks.append(chart)
        if space.n_parties > 2:
            blocks.append(
                Text(f"The chart shows the first two parties of {space.n_parties}.", "note")
            )
    rows = []
    for label, sol in data.solutions.items():
        if not sol.agreement:
            rows.append(
                (
                    label,
                    "no agreement",
                    *("—" for _ in space.parties),
                    *("—" for _ in space.parties),
                )
            )
            continue
        rows.append(
            (
                label,
                str(len(_changed(data.scenario, sol.package))),
                *(num(sol.utilities[p]) for p in space.parties),
                *(signed(sol.gains[p]) for p in space.parties),
            )
        )
    blocks.append(
        Table(
            (
                "solution",
                "issues changed",
                *(f"utility {n}" for n in names),
                *(f"gain {n}" for n in names),
            ),
            tuple(rows),
            numeric=(False, True, *(True for _ in names), *(True for _ in names)),
            caption="Nash: maximise the product of gains; Kalai–Smorodinsky: equal shares of each side's ideal "
            "gain; egalitarian: maximise the smallest gain; utilitarian: maximise the sum. "
            + CROSS_PARTY_NOTE,
            emphasis=(0,),
        )
    )
    lead = f"{len(f):,} Pareto-optimal packages out of {space.n_outcomes:,} acceptable ones."
    return Section("frontier", "Pareto frontier and bargaining solutions", tuple(blocks), lead)


def recommended(data: ReportData) -> Section | None:
    """The Nash package, term by term, and the logrolls behind it."""
    best = data.recommended
    if best.package is None:
        return None
    s = data.scenario
    names = _labels(data)
    sq = s.status_quo()
    rows = []
    for i in s.issue_ids:
        if str(best.package[i]) == str(sq[i]) and i not in data.nash_terms:
            continue
        delta = data.nash_terms.get(i, tuple(0.0 for _ in names))
        domain = s.domain_of(i)
        rows.append(
            (
                next(d.name or d.id for d in s.domains if d.id == domain),
                _issue_name(s, i),
                _option(s, i, sq[i]),
                _option(s, i, best.package[i]),
                *(signed(v) for v in delta),
            )
        )
    total = (
        np.sum([v for v in data.nash_terms.values()], axis=0)
        if data.nash_terms
        else np.zeros(len(names))
    )
    rows.append(("", "total change from the status quo", "", "", *(signed(v) for v in total)))
    blocks: list[Table | Text | Bullets] = [
        Table(
            ("domain", "issue", "status quo", "Nash package", *(f"Δ {n}" for n in names)),
            tuple(rows),
            numeric=(False, False, False, False, *(True for _ in names)),
            caption="Δ: change of each party's utility, term by term (cross-issue bonuses split over the issues they read).",
            emphasis=(len(rows) - 1,),
        )
    ]
    if data.logrolls is not None:
        blocks.append(
            Text("The logrolls behind it — each side concedes where it cares less than the other:")
        )
        blocks.append(Bullets(tuple(data.logrolls.sentences())))
    return Section("recommended", "The recommended package (Nash)", tuple(blocks), best_line(data))


def best_line(data: ReportData) -> str:
    best = data.recommended
    parts = [
        f"{n} {signed(best.gains[p])}"
        for n, p in zip(_labels(data), data.space.parties, strict=True)
    ]
    return "Gains over BATNA: " + ", ".join(parts) + "."


# ------------------------------------------------------------------ skipped analyses


def skipped_section(data: ReportData) -> Section | None:
    """The analyses left out because the scenario is above their size limit (Results.notes)."""
    if not data.notes:
        return None
    return Section(
        "skipped",
        "Analyses skipped for size",
        (Bullets(tuple(data.notes)),),
        "Some analyses were skipped: the scenario is above their size limit.",
    )


# ------------------------------------------------------------------ linkage, domains, red lines


def linkage_section(data: ReportData) -> Section | None:
    """Silos vs one portfolio per party, and the integrative vs threat-based split."""
    link, s = data.linkage, data.scenario
    if link is None:
        return None
    names = {d.id: d.name or d.id for d in s.domains}
    labels = _labels(data)
    parties = link.parties
    chart = linkage_chart(link, names, dict(zip(parties, labels, strict=True)))
    frame = link.to_frame()
    rows = []
    for name, row in frame.iterrows():
        zopa = row["zopa"]
        rows.append(
            (
                names.get(str(name), str(name)),
                "" if zopa is None or zopa != zopa else ("yes" if zopa else "no"),
                *(num(row[f"gain:{p}"]) for p in parties),
            )
        )
    table = Table(
        ("negotiation", "ZOPA", *(f"gain {n}" for n in labels)),
        tuple(rows),
        numeric=(False, False, *(True for _ in labels)),
        caption="Each silo is bound only by the must-haves and red lines on its own issues; gains in each "
        "party's own points (never added across parties).",
        emphasis=(len(rows) - 1,),
    )
    blocks: list[Chart | Table | Text | Bullets] = [chart, table]
    if link.unlocked:
        blocks.insert(
            0,
            Text(
                "Unlocked by linkage (no ZOPA alone, part of the portfolio deal): "
                + ", ".join(names[d] for d in link.unlocked)
                + "."
            ),
        )
    if any(si.agreement for si in link.silos) and not link.silo_package_acceptable:
        blocks.append(
            Text(
                "The silo deals together break a must-have or red line that reads several domains.",
                "note",
            )
        )
    parts = link.threats
    if parts is not None:
        blocks.append(
            Table(
                ("party", "integrative", "threat-based", "total"),
                tuple(
                    (
                        n,
                        signed(parts.integrative.linkage_value[k]),
                        signed(parts.threat[k]),
                        signed(parts.imposed.linkage_value[k]),
                    )
                    for k, n in enumerate(labels)
                ),
                numeric=(False, True, True, True),
                caption="Integrative: from the valuations, each silo bound only by its own constraints. "
                "Threat-based: what is lost in the silos when every party's demands on other domains bind "
                "them too (off-table issues at the status quo). Total: the value of linkage with every "
                "constraint binding every silo (Sebenius 1983; Tollison and Willett 1979).",
            )
        )
        lines = parts.sentences()
        blocks.append(
            Bullets(tuple(lines))
            if lines
            else Text("No constraint on another domain closes a silo.")
        )
    lead = (
        "Value of linkage, each party in its own points: "
        + ", ".join(f"{n} {signed(v)}" for n, v in zip(labels, link.linkage_value, strict=True))
        + "."
    )
    return Section("linkage", "Value of linkage: silos vs one portfolio", tuple(blocks), lead)


def domains_section(data: ReportData) -> Section | None:
    """Each domain's marginal value and pairwise interactions per party; Shapley values when asked for."""
    w, v, s = data.domain_worth, data.domain_values, data.scenario
    if w is None and v is None:
        return None
    names = {d.id: d.name or d.id for d in s.domains}
    labels = _labels(data)
    by_id = dict(zip(data.space.parties, labels, strict=True))
    blocks: list[Chart | Table | Text | Bullets] = []
    lead = ""
    if w is not None:
        blocks.append(worth_chart(w, names, by_id))
        rows = tuple(
            (names[d], *(signed(x) for x in alone), *(signed(x) for x in m))
            for d, alone, m in zip(w.domains, w.alone, w.marginal, strict=True)
        )
        blocks.append(
            Table(
                ("domain", *(f"alone {n}" for n in labels), *(f"marginal {n}" for n in labels)),
                rows,
                numeric=(False, *(True for _ in labels), *(True for _ in labels)),
                caption="Marginal: what each party's Nash gain loses if the domain alone leaves a table holding "
                "every other domain. Alone: the domain negotiated by itself. Each party in its own points.",
            )
        )
        pairs = w.strongest(6)
        if pairs:
            blocks.append(
                Text(
                    "Strongest interactions (second differences; positive: complements, negative: "
                    "substitutes):"
                )
            )
            blocks.append(
                Bullets(
                    tuple(
                        f"{names[k]} and {names[m]}: "
                        + ", ".join(
                            f"{n} {signed(x)} ({w.kind((k, m), q)})"
                            for q, (n, x) in enumerate(zip(labels, val, strict=True))
                        )
                        for (k, m), val in pairs
                    )
                )
            )
        lead = (
            "Marginal values per party: "
            + "; ".join(
                f"{n}: largest {names[w.domains[int(np.argmax([m[q] for m in w.marginal]))]]}"
                for q, n in enumerate(labels)
            )
            + "."
        )
    if v is not None:
        blocks.append(shapley_chart(v, names))
        rows_v = tuple(
            (
                names[d],
                num(val),
                "—" if share != share else f"{100 * share:.0f}%",
                *(num(x) for x in (v.by_party[k] if v.by_party else ())),
            )
            for k, (d, val, share) in enumerate(zip(v.domains, v.values, v.shares, strict=True))
        )
        blocks.append(
            Table(
                (
                    "domain",
                    "Shapley (joint)",
                    "share",
                    *(f"Shapley {n}" for n in (labels if v.by_party else ())),
                ),
                rows_v,
                numeric=(False, True, True, *(True for _ in (labels if v.by_party else ()))),
                caption="Average marginal gain of adding the domain over every order of adding domains. "
                "The joint column adds points across parties.",
            )
        )
        for diag in v.diagnosis:
            who = "joint surplus" if diag.who == "joint" else by_id.get(diag.who, diag.who)
            if diag.monotone and diag.superadditive:
                blocks.append(
                    Text(f"Characteristic function ({who}): monotone and superadditive.", "note")
                )
            else:
                bad = [w_ for w_ in (diag.monotone_witness, diag.superadditive_witness) if w_]
                blocks.append(
                    Text(
                        f"Characteristic function ({who}): "
                        f"{'monotone' if diag.monotone else 'not monotone'}, "
                        f"{'superadditive' if diag.superadditive else 'not superadditive'} — "
                        + "; ".join(bad)
                        + ". Shapley shares then average over orders in which adding a domain destroys value.",
                        "note",
                    )
                )
    return Section("domains", "What each domain brings", tuple(blocks), lead)


def robustness_section(data: ReportData) -> Section | None:
    """How the recommendation holds up under the scenario's ranges; the near-tie check without them."""
    r, tie, s = data.robustness, data.near_tie, data.scenario
    if r is None:
        if tie is None or not tie.warning:
            return None
        return Section(
            "robustness",
            "Robustness",
            (Text(tie.warning),),
            "The recommended package is a near tie.",
        )
    labels = _labels(data)
    sq = s.status_quo()
    rows = []
    for n, c in enumerate(r.candidates, start=1):
        moves = (
            "; ".join(
                f"{_issue_name(s, i)}: {_option(s, i, c.package[i])}"
                for i in s.issue_ids
                if str(c.package[i]) != str(sq[i])
            )
            or "the status quo"
        )
        tag = (" (robust)" if n - 1 == r.recommended else "") + (
            " (point Nash)" if c.is_point_nash else ""
        )
        rows.append(
            (
                f"{n}{tag}",
                moves,
                f"{c.p_nash:.1%}",
                f"{c.p_ks:.1%}",
                *(f"{x:.1%}" for x in c.p_accept),
                f"{c.p_all_accept:.1%}",
            )
        )
    blocks: list[Table | Text | Bullets] = [
        Text(
            f"A ZOPA exists in {r.p_zopa:.1%} of {r.draws:,} seeded draws of the scenario's "
            f"{len(r.uncertain)} uncertain numbers (seed {r.seed})."
        ),
        Table(
            (
                "#",
                "changes from the status quo",
                "P(Nash)",
                "P(KS)",
                *(f"P({n} accepts)" for n in labels),
                "P(all accept)",
            ),
            tuple(rows),
            numeric=(False, False, True, True, *(True for _ in labels), True),
            caption="Robust recommendation: the package every party accepts most often, ties broken by the "
            "expected Nash product.",
        ),
    ]
    if r.tornado:
        blocks.append(
            Table(
                ("uncertain number", "low", "point", "high", "Nash package changes", "flips at"),
                tuple(
                    (
                        b.label,
                        f"{b.low:.4g}",
                        f"{b.point:.4g}",
                        f"{b.high:.4g}",
                        "at low and high"
                        if b.changes_low and b.changes_high
                        else "at low"
                        if b.changes_low
                        else "at high"
                        if b.changes_high
                        else "no",
                        ", ".join(f"{x:.4g}" for x in (b.flip_low, b.flip_high) if x is not None),
                    )
                    for b in r.tornado[:10]
                ),
                numeric=(False, True, True, True, False, True),
                caption="Tornado: each number alone across its range, the others at their point values.",
            )
        )
    blocks.append(Bullets(tuple(r.sentences())))
    return Section(
        "robustness", "Robustness under uncertain preferences", tuple(blocks), r.sentences()[0]
    )


def coalitions_section(data: ReportData) -> Section | None:
    """Who can deal with whom (three or more parties)."""
    c = data.coalitions
    if c is None:
        return None
    labels = dict(zip(data.space.parties, _labels(data), strict=True))
    rows = tuple(
        (
            " + ".join(labels[p] for p in x.members),
            str(len(x.issues)),
            "yes" if x.zopa else "no",
            ", ".join(f"{labels[p]} {signed(g)}" for p, g in zip(x.members, x.gains, strict=True)),
            ", ".join(f"{labels[p]} {signed(g)}" for p, g in x.outsider_gains.items()),
            "yes" if x.blocks_grand else "",
        )
        for x in c.coalitions
    )
    table = Table(
        (
            "coalition",
            "issues it can move",
            "ZOPA",
            "members' Nash gains",
            "outsiders",
            "walks away",
        ),
        rows,
        numeric=(False, True, False, False, False, False),
        caption="Each coalition on its own: issues an outsider has a stake in stay at the status quo, "
        "outsiders' constraints do not bind; 'walks away': every member gets strictly more alone than "
        "in the grand coalition's Nash package.",
    )
    if c.grand is None:
        lead = "The grand coalition has no ZOPA."
    elif c.in_core:
        lead = "No coalition would walk away from the grand package."
    else:
        lead = (
            "Would walk away from the grand package: "
            + "; ".join(" + ".join(labels[p] for p in m) for m in c.blocking)
            + "."
        )
    return Section("coalitions", "Who can deal with whom", (table,), lead)


def redlines_section(data: ReportData) -> Section:
    """The price of each must-have and red line."""
    r = data.redlines
    labels = dict(zip(data.space.parties, _labels(data), strict=True))
    binds = [c for c in r.prices if not c.free]
    blocks: list[Chart | Table] = []
    chart = redlines_chart(r, labels)
    if chart is not None:
        blocks.append(chart)
    rows = tuple(
        (
            labels[c.party],
            "must-have" if c.kind == "must_have" else "red line",
            c.label or c.key,
            *(signed(x) for x in c.delta),
            signed(c.joint),
            "kills the ZOPA" if c.kills_zopa else ("does not bind" if c.free else "binds"),
        )
        for c in r.prices
    )
    table = Table(
        ("party", "kind", "constraint", *(f"Δ {n}" for n in labels.values()), "joint", "status"),
        rows,
        numeric=(False, False, False, *(True for _ in labels), True, False),
        caption="Δ: change of each party's Nash gain if the constraint alone were dropped.",
    )
    blocks.append(table)
    lead = f"{len(binds)} of {len(r.prices)} must-haves and red lines bind at the Nash package."
    return Section("redlines", "Red-line prices", tuple(blocks), lead)


def offers_section(data: ReportData) -> Section | None:
    """Each party's menu of equivalent offers, shown as changes from the Nash package."""
    if not data.offers or data.recommended.package is None:
        return None
    s, nash_pkg = data.scenario, data.recommended.package
    labels = dict(zip(data.space.parties, _labels(data), strict=True))
    blocks: list[Text | Table] = []
    for menu in data.offers:
        rows = []
        for n, offer in enumerate(menu.offers, start=1):
            diff = [
                f"{_issue_name(s, i)}: {_option(s, i, offer.package[i])}"
                for i in s.issue_ids
                if str(offer.package[i]) != str(nash_pkg[i])
            ]
            rows.append(
                (str(n), *(num(u) for u in offer.utilities), "; ".join(diff) or "the Nash package")
            )
        blocks.append(
            Table(
                (
                    "offer",
                    *(f"utility {labels[p]}" for p in menu.parties),
                    "differs from the Nash package in",
                ),
                tuple(rows),
                numeric=(True, *(True for _ in menu.parties), False),
                caption=f"{labels[menu.party]} offers {len(menu.offers)} packages worth {num(menu.level)} ± {num(menu.tolerance)} to itself.",
            )
        )
    return Section(
        "offers",
        "A menu of equivalent offers",
        tuple(blocks),
        "Packages of equal value to the side making them, as different as possible for the other side.",
    )


def _protocol_name(protocol: object) -> str:
    """A protocol's short name for the report (``alternating`` → ``single undertaking``)."""
    from dealspace.process.compare import short_name

    return short_name(protocol)


def protocols_section(data: ReportData) -> Section | None:
    """The protocol comparison on one calendar: outcomes, gains, the verdict and where it flips."""
    cmp = data.protocols
    if cmp is None:
        return None

    labels = dict(zip(data.space.parties, _labels(data), strict=True))
    rows = cmp.table.to_dict(orient="records")
    names = [_protocol_name(r["protocol"]) for r in rows]
    chart = Chart(
        "columns",
        "protocols",
        "Mean realised gain over BATNA, by protocol",
        {
            "labels": names,
            "series": {labels[p]: [r[f"gain:{p}"] for r in rows] for p in cmp.parties},
            "ylabel": "gain over BATNA (each party's points)",
            "value_format": "{:.1f}",
        },
    )
    defs = cmp.columns("protocols")
    outcomes = Table(
        (
            "protocol",
            "complete",
            "partial",
            "none",
            "breakdown",
            "weeks to last binding",
            "distance to Nash",
        ),
        tuple(
            (
                name,
                *(f"{100 * r[c]:.0f}%" for c in ("complete", "partial", "none", "breakdown")),
                num(r["weeks"], 1),
                num(r["to_nash"], 3),
            )
            for name, r in zip(names, rows, strict=True)
        ),
        numeric=(False, True, True, True, True, True, True),
        caption="; ".join(
            f"{header}: {defs[k]}"
            for k, header in (
                ("complete", "complete"),
                ("partial", "partial"),
                ("none", "none"),
                ("breakdown", "breakdown"),
                ("weeks", "weeks to last binding"),
                ("to_nash", "distance to Nash"),
            )
            if k in defs
        ),
    )
    gains = Table(
        (
            "protocol",
            *(f"gain {labels[p]}" for p in cmp.parties),
            *(f"delay cost {labels[p]}" for p in cmp.parties),
        ),
        tuple(
            (
                name,
                *(num(r[f"gain:{p}"]) for p in cmp.parties),
                *(num(r[f"cost:{p}"]) for p in cmp.parties),
            )
            for name, r in zip(names, rows, strict=True)
        ),
        numeric=(False, *(True for _ in cmp.parties), *(True for _ in cmp.parties)),
        caption=_per_party_caption(defs, cmp.parties, labels),
    )
    blocks: list[Chart | Table | Text] = [
        chart,
        outcomes,
        gains,
        Text("Conditions: " + cmp.verdict.conditions, "note"),
    ]
    if len(cmp.sensitivity):
        blocks.append(_sensitivity_block(cmp))
    return Section(
        "protocols", "Which process? Protocols compared", tuple(blocks), cmp.verdict.text
    )


def _per_party_caption(defs: dict[str, str], parties: Sequence[str], labels: dict[str, str]) -> str:
    """The gain and delay-cost definitions once, worded for any party (the columns repeat per party)."""
    first = parties[0]
    generic = {
        "gain": defs.get(f"gain:{first}", ""),
        "delay cost": defs.get(f"cost:{first}", ""),
    }
    return "; ".join(
        f"{name}: {text.replace(first, 'the party')}" for name, text in generic.items() if text
    )


def _sensitivity_block(cmp: Any) -> Table | Text:
    """Where the ranking flips; one sentence when the same protocol wins in every cell."""
    rows = cmp.sensitivity.to_dict(orient="records")
    unit = cmp.settings.unit
    winners = {_protocol_name(r["winner"]) for r in rows}
    if len(winners) == 1:
        margins = [float(r["margin"]) for r in rows]

        def span(key: str) -> str:
            return f"×{min(r[key] for r in rows):g}–×{max(r[key] for r in rows):g}"

        every = sorted({float(r["every"]) for r in rows})
        return Text(
            f"Sensitivity: {winners.pop()} ranks first in all {len(rows)} cells "
            f"(breakdown hazard {span('hazard_x')}, delay costs {span('cost_x')}, "
            f"a round every {every[0]:g}–{every[-1]:g} {unit}s); its lead over the runner-up "
            f"is {min(margins):.2f} to {max(margins):.2f} joint points.",
            "note",
        )
    sdefs = cmp.columns("sensitivity")
    return Table(
        ("hazard ×", "delay cost ×", "a round every", "winner", "margin"),
        tuple(
            (
                f"×{r['hazard_x']:g}",
                f"×{r['cost_x']:g}",
                f"{r['every']:g} {unit}" + ("" if r["every"] == 1 else "s"),
                _protocol_name(r["winner"]),
                num(r["margin"]),
            )
            for r in rows
        ),
        numeric=(True, True, True, False, True),
        caption="Sensitivity: which protocol ranks first as the breakdown hazard, the delay costs and the pace "
        "change. " + "; ".join(f"{k}: {v}" for k, v in sdefs.items() if k in ("winner", "margin")),
    )


def tariffs_section(data: ReportData) -> Section | None:
    """What the scenario's tariff terms do to welfare (GE model), for its own parties and date."""
    t = data.tariffs
    if t is None:
        return None
    package, change = t.package_pct, t.change_pct
    has_package = package is not None and change is not None
    rows = tuple(
        (
            t.names[k],
            t.regions[k],
            num(t.status_quo_pct[k], 3),
            *(
                (num(package[k], 3), signed(change[k], 3))
                if package is not None and change is not None
                else ()
            ),
        )
        for k in range(len(t.regions))
    )
    table = Table(
        (
            "region",
            "code",
            "status quo vs no tariffs (%)",
            *(("Nash package vs no tariffs (%)", "change (pp)") if has_package else ()),
        ),
        rows,
        numeric=(False, False, True, *((True, True) if has_package else ())),
        caption=f"Welfare: real income (consumption plus tariff revenue, {t.revenue} use of revenue), "
        f"change against a world without these tariffs. Base world: {t.base_description}. Data: {t.source}. "
        "Model: Ignatenko, Lashkaripour, Macedoni & Simonovska (2025), JIE 157:104138.",
    )
    rates = "; ".join(p.label for p in t.pairs)
    blocks: list[Chart | Table | Text] = [
        t.chart(),
        Text(f"Rates on the scenario's pairs: {rates}.", "note"),
        table,
    ]
    return Section(
        "tariffs",
        "Tariff welfare effects",
        tuple(blocks),
        "General-equilibrium welfare effects of the scenario's tariff terms, in percent.",
    )


def world_section(data: ReportData) -> Section | None:
    """The wider world: how the other partners answer this party's deal (bellwether model)."""
    w = data.world
    if w is None:
        return None
    rows = tuple(
        (
            str(outcome),
            *(f"{100 * float(r[c]):.0f}%" for c in ("p_retaliate", "p_bloc", "p_settle")),
            num(float(r["payoff"]), 3),
        )
        for outcome, r in w.by_outcome.iterrows()
    )
    table = Table(
        (
            f"{w.name}'s outcome",
            "others retaliate",
            "others form a bloc",
            "others settle",
            "others' mean payoff (% of real income)",
        ),
        rows,
        numeric=(False, True, True, True, True),
        caption=f"Bellwether model of the 2025 world ({w.runs} runs): the other partners' moves after {w.name}'s "
        "outcome is forced — good (deal kept), bad (concessions paid, tariff snaps back) or none (no deal). "
        "Payoff: a partner's welfare change in the GE model, in % of its real income, less the costs "
        "its choices carry (docs/world.md). Method and fit to 2025: docs/world.md.",
    )
    blocks: list[Table | Text] = [table]
    first = {
        str(k): (float(a), float(e))
        for k, a, e in zip(
            w.first_mover.index, w.first_mover["advantage"], w.first_mover["se"], strict=True
        )
    }
    if w.bellwether in first:
        advantage, se = first[w.bellwether]
        noise = (
            "; within sampling error of zero: the model sees no first-mover effect"
            if abs(advantage) <= 2 * se
            else ""
        )
        blocks.append(
            Text(
                f"Moving first rather than last changes {w.name}'s payoff by {signed(advantage, 3)} "
                f"percentage points of real income (± {num(2 * se, 3)}, two standard errors{noise}).",
                "note",
            )
        )
    retaliate = {str(k): float(v) for k, v in w.by_outcome["p_retaliate"].items()}
    good, none = retaliate["good"], retaliate["none"]
    lead = (
        f"After a good deal for {w.name}, other partners retaliate with probability {100 * good:.0f}%; "
        f"after no deal, {100 * none:.0f}%."
    )
    return Section("world", "The wider world: who settles next", tuple(blocks), lead)


# ------------------------------------------------------------------ sources


METHODS = (
    "Nash, J. F. (1950). The bargaining problem. Econometrica 18(2), 155–162.",
    "Kalai, E. & Smorodinsky, M. (1975). Other solutions to Nash's bargaining problem. Econometrica 43(3), 513–518.",
    "Sebenius, J. K. (1983). Negotiation arithmetic. International Organization 37(2), 281–316.",
    "Shapley, L. S. (1953). A value for n-person games. Annals of Mathematics Studies 28, 307–317.",
    "Raiffa, H. (1982). The Art and Science of Negotiation. Harvard University Press.",
    "Ignatenko, A., Lashkaripour, A., Macedoni, L. & Simonovska, I. (2025). Making America Great Again? "
    "The economic impacts of Liberation Day tariffs. Journal of International Economics 157, 104138.",
)


def sources_section(data: ReportData) -> Section:
    """Every source the scenario cites, with where it is used, then data and methods."""
    items = []
    for ref in data.sources:
        paths = ", ".join(ref.used_by[:MAX_PATHS])
        more = f" and {len(ref.used_by) - MAX_PATHS} more" if len(ref.used_by) > MAX_PATHS else ""
        items.append(f"{ref.text} — cited by {paths}{more}")
    blocks: list[Text | Bullets] = [Bullets(tuple(items))]
    data_sources = _data_sources(data)
    if data_sources:
        blocks += [Text("Data"), Bullets(tuple(data_sources))]
    blocks += [Text("Methods"), Bullets(METHODS)]
    return Section(
        "sources", "Sources", tuple(blocks), f"{len(items)} distinct sources cited in the scenario."
    )


def _data_sources(data: ReportData) -> Sequence[str]:
    out = []
    if data.tariffs is not None:
        out.append(data.tariffs.source)
    return out


def deal_section(data: ReportData) -> Section | None:
    """The signed deal scored on the scenario: the criteria and the legal-instrument ladder
    (`dealspace score DEAL --html` gives every criterion's computation and evidence)."""
    card = data.scorecard
    if card is None:
        return None
    from dealspace.report.scorecard import scorecard_sections

    summary = scorecard_sections(card)[0]
    blocks = tuple(
        replace(
            b,
            caption="Each criterion's formula, with its numbers filled in, is in the "
            "scorecard of `dealspace score` (command below).",
        )
        if isinstance(b, Table) and b.columns[0] == "criterion"
        else b
        for b in summary.blocks
    )
    name = card.deal.title or card.deal.name
    note = Text(
        f"Each criterion's formula and its dated, sourced evidence: `dealspace score {card.deal.name} "
        f"--html {card.deal.name}.html`.",
        "note",
    )
    return Section("deal", f"The signed deal, scored: {name}", (*blocks, note), card.verdict)
