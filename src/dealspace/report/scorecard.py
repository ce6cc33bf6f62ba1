"""The deal scorecard as a document: ``dealspace score --html`` and its section.

:func:`scorecard_sections` turns a :class:`~dealspace.analysis.scorecard.Scorecard`
into renderer-neutral sections (the summary table and the legal-instrument
ladder with each instrument's date, fate and source, then each criterion's
computation and evidence); :func:`scorecard_document` wraps it with the
verdict box; :func:`write_scorecard` writes it as HTML or Markdown. Nothing
here computes a number.
"""

from __future__ import annotations

import math
from pathlib import Path

from dealspace.analysis.deal import LADDER
from dealspace.analysis.scorecard import Scorecard
from dealspace.errors import DealspaceError
from dealspace.files import write_text
from dealspace.present.document import Block, Bullets, Document, Section, Table, Text, Verdict, num
from dealspace.report import check_output

#: Words for the instrument kinds.
KINDS = {
    "treaty": "treaty",
    "statute": "statute",
    "executive_order": "executive order",
    "mou": "MOU",
    "joint_statement": "joint statement",
    "announcement": "announcement",
}


def _dated(claim: str, date: str | None, source: str | None) -> str:
    text = claim + (f" ({date})" if date else "")
    return text + (f" — source: {' '.join(str(source).split())}" if source else "")


def ladder_table(card: Scorecard) -> Table | None:
    """One row per term: its instrument, rung, fate with date and source."""
    legal = next((c for c in card.criteria if c.name == "legal instruments"), None)
    if legal is None:
        return None
    rows = []
    for t in legal.details["terms"]:
        if t["instrument"] is None:
            rows.append((t["issue"], "—", "—", "not given", num(t["moved"], 3), ""))
            continue
        inst = card.deal.instruments[t["instrument"]]
        fate = (
            f"{inst.fate.status.replace('_', ' ')} {inst.fate.date}"
            if inst.fate is not None
            else "no recorded change"
        )
        rows.append(
            (
                t["issue"],
                f"{inst.title} ({inst.date})",
                f"{KINDS[inst.kind]}, {t['rung']}"
                + (f" → {t['effective_rung']}" if t["effective_rung"] != t["rung"] else ""),
                fate,
                num(t["moved"], 3),
                " ".join(str(inst.source or "").split())
                + (
                    f" — fate: {' '.join(str(inst.fate.source).split())}"
                    if inst.fate is not None and inst.fate.source
                    else ""
                ),
            )
        )
    ladder = ", ".join(f"{KINDS[k]} {r}" for k, r in LADDER.items())
    return Table(
        ("term", "instrument (date)", "kind, rung", "fate", "value moved", "source"),
        tuple(rows),
        numeric=(False, False, False, False, True, False),
        caption=f"Legal-instrument ladder: {ladder}; a voided instrument counts 0. "
        "Value moved: Σ_p |Δ_pi| / R_p.",
    )


def scorecard_sections(card: Scorecard) -> tuple[Section, ...]:
    """The summary (criteria and the legal-instrument ladder), then one section per
    criterion with its computation and its dated, sourced evidence."""
    summary: list[Block] = [
        Table(
            ("criterion", "score", "verdict"),
            tuple(
                (c.name, "—" if math.isnan(c.score) else f"{c.score:.3f}", c.verdict)
                for c in card.criteria
            ),
            numeric=(False, True, False),
            caption="Each criterion's formula, with the numbers filled in, follows below.",
        )
    ]
    ladder = ladder_table(card)
    if ladder is not None:
        summary.append(ladder)
    out = [Section("scorecard", "Scorecard", tuple(summary), card.verdict)]
    for n, c in enumerate(card.criteria):
        blocks: list[Block] = [Bullets(tuple(c.computation))]
        if c.evidence:
            blocks.append(Text("Evidence (date, source):", kind="note"))
            blocks.append(
                Bullets(
                    tuple(
                        _dated(
                            (f"[{e['effect']}, weight {e['weight']}] " if "effect" in e else "")
                            + str(e["claim"]),
                            e.get("date"),
                            e.get("source"),
                        )
                        for e in c.evidence
                    )
                )
            )
        out.append(Section(f"criterion-{n + 1}", c.name, tuple(blocks), c.verdict))
    return tuple(out)


def scorecard_document(card: Scorecard) -> Document:
    """The scorecard as a whole document (the verdict box on top)."""
    mutual = card.criterion("mutual benefit")
    ok = not mutual.details.get("broken") and all(
        z > 0 for z in mutual.details.get("shares", {}).values()
    )
    figures = tuple(
        (c.name, "—" if math.isnan(c.score) else f"{c.score:.2f}") for c in card.criteria
    )
    return Document(
        title=card.deal.title or card.deal.name,
        subtitle=f"Deal scorecard against scenario '{card.scenario}'"
        + (f", deal of {card.deal.date}" if card.deal.date else ""),
        description="",
        verdict=Verdict(card.verdict.split(". ")[0] + ".", card.verdict, ok, figures),
        sections=scorecard_sections(card),
    )


def write_scorecard(
    card: Scorecard,
    path: str | Path,
    fmt: str = "html",
    *,
    overwrite: bool = False,
    inputs: tuple[str | Path, ...] = (),
) -> Path:
    """Write the scorecard document to ``path`` (HTML or Markdown), atomically; never over
    an existing file unless ``overwrite``, never over one of ``inputs``."""
    from dealspace.present.html import document_html
    from dealspace.present.markdown import document_md

    if fmt not in ("html", "md"):
        raise DealspaceError.single("--format", f"unknown format '{fmt}'", "use 'html' or 'md'")
    out = check_output(path, overwrite, inputs)
    doc = scorecard_document(card)
    text = document_html(doc) if fmt == "html" else document_md(doc)
    write_text(out, text, "--html", overwrite=overwrite, inputs=inputs)
    return out
