"""Arrange the :class:`~dealspace.pipeline.Results` of the main job into the report's document.

:func:`layout` turns one Results into a renderer-neutral
:class:`~dealspace.present.document.Document` — sections of paragraphs,
tables and chart specs — that :mod:`dealspace.present.html` and
:mod:`dealspace.present.markdown` render. It computes nothing: every number
comes from the Results.
"""

from __future__ import annotations

import re

from dealspace.pipeline import Results
from dealspace.present.document import Document
from dealspace.scenario.model import OptionRef, Scenario

#: The report renders the main job's results (the name the sections use).
ReportData = Results


def layout(data: Results) -> Document:
    """Arrange the results into the sections of the report."""
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
                parts.skipped_section(data),
                parts.zopa_section(data),
                parts.frontier_section(data),
                parts.recommended(data),
                parts.linkage_section(data),
                parts.domains_section(data),
                parts.robustness_section(data),
                parts.coalitions_section(data),
                parts.redlines_section(data),
                parts.offers_section(data),
                parts.protocols_section(data),
                parts.tariffs_section(data),
                parts.world_section(data),
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
