"""Write an additive Scenario as Genius XML: one domain file, one profile per party.

:func:`genius_problems` lists what an additive Genius profile cannot express,
:func:`genius_documents` builds the XML trees and :func:`write_genius` writes
them to a folder, never overwriting unless asked. The scenario layer does not
compute utilities: the caller passes each party's per-option values ``v̂``
(best option = 1) and BATNA in points (see
:func:`dealspace.interop.genius.write_genius_scenario`, which computes them with
:mod:`dealspace.space`). The utilities Genius
computes from the files are the party's dealspace utilities divided by the
party's total weight (see ``docs/genius.md``). Texts are chosen so that
:func:`~dealspace.scenario.genius.read.load_genius` recovers the same ids,
status quo and discount factor.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dealspace.errors import DealspaceError, Problem
from dealspace.scenario.genius.text import discount_from_notes, unique_ids
from dealspace.scenario.model import Issue, Scenario

#: ``(party id, issue id)`` → the party's value of each option of the issue, best = 1.
Values = Mapping[tuple[str, str], Sequence[float]]


def genius_problems(scenario: Scenario, values: Values | None = None) -> list[Problem]:
    """What an additive Genius profile cannot express, one problem per element.

    Must-haves, red lines, nice-to-haves, interactions and ``value: economy``
    valuations have no exact additive equivalent; an empty list means the
    scenario can be written.
    """
    out = []
    kinds = (
        ("must_haves", "a must-have"),
        ("red_lines", "a red line"),
        ("nice_to_haves", "a nice-to-have"),
        ("interactions", "an interaction"),
    )
    for p, party in enumerate(scenario.parties):
        for key, what in kinds:
            for k, item in enumerate(getattr(party, key)):
                name = f" '{item.id}'" if item.id else ""
                out.append(
                    Problem(
                        f"parties[{p}].{key}[{k}]",
                        f"{what}{name} of party '{party.id}' cannot be expressed in an additive Genius profile",
                        "remove it (or fold it into the option values) before writing Genius XML",
                    )
                )
        for issue_id, valuation in party.valuations.items():
            if valuation.value == "economy":
                out.append(
                    Problem(
                        f"parties[{p}].valuations.{issue_id}.value",
                        f"'economy' values of party '{party.id}' are computed by the economy model, "
                        "not stored option values",
                        "replace 'economy' by a value per option before writing Genius XML",
                    )
                )
        if not out and values is not None and profile_scale(scenario, party, values)[0] <= 0:
            out.append(
                Problem(
                    f"parties[{p}].valuations",
                    f"party '{party.id}' gives no issue both a positive weight and a positive value",
                    "give at least one issue a positive weight and value",
                )
            )
    return out


def _values(issue: Issue, party: Any, values: Values) -> list[float] | None:
    """The party's v̂ values of an issue (best option = 1), or None if unvalued."""
    if issue.id not in party.valuations:
        return None
    table = values.get((party.id, issue.id))
    if table is None or len(table) != len(issue.option_ids):
        raise DealspaceError.single(
            f"values[{party.id!r}, {issue.id!r}]",
            f"no value table with one value per option ({len(issue.option_ids)}) for party "
            f"'{party.id}' on issue '{issue.id}'",
            "pass the party's per-option values (best = 1) for every issue it values",
        )
    return [float(v) for v in table]


def profile_scale(
    scenario: Scenario, party: Any, values: Values
) -> tuple[float, dict[str, float], dict[str, list[float]]]:
    """Total weight W, Genius weight and evaluations per issue of one party.

    An issue the party does not value, or whose values are all zero, adds
    nothing to the party's utility: Genius gets weight 0 and constant
    evaluations 1 (a constant with weight 0 is exact, and avoids Genius's
    division by a zero maximum).
    """
    weights: dict[str, float] = {}
    evals: dict[str, list[float]] = {}
    for issue in scenario.issues:
        table = _values(issue, party, values)
        if table is None or max(table) <= 0:
            weights[issue.id] = 0.0
            evals[issue.id] = [1.0] * len(issue.option_ids)
        else:
            weights[issue.id] = float(party.valuations[issue.id].weight)
            evals[issue.id] = table
    total = math.fsum(weights.values())
    return total, weights, evals


def _texts(ids: Sequence[str], texts: Sequence[str], fallbacks: Sequence[str]) -> list[str]:
    """Readable texts if loading them back gives the same ids, else the ids."""
    return list(texts) if unique_ids(texts, fallbacks) == list(ids) else list(ids)


def _option_order(issue: Issue) -> list[int]:
    """Option positions with the status quo first (load_genius's convention)."""
    sq = issue.status_quo_index
    return [sq, *(k for k in range(len(issue.option_ids)) if k != sq)]


def _option_texts(issue: Issue) -> list[str]:
    if issue.range is not None:
        return [f"{float(x):.12g}" for x in issue.option_ids]
    ids = [str(o) for o in issue.option_ids]
    labels = [issue.label(o) for o in ids]
    return _texts(ids, labels, [f"item{k + 1}" for k in range(len(ids))])


def _number_text(x: float) -> str:
    return repr(float(x))


def _issue_element(parent: ET.Element, index: int, name: str) -> ET.Element:
    return ET.SubElement(
        parent,
        "issue",
        {
            "index": str(index),
            "name": name,
            "type": "discrete",
            "etype": "discrete",
            "vtype": "discrete",
        },
    )


def _objective(parent: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(
        parent, "objective", {"index": "0", "name": name, "type": "objective", "etype": "objective"}
    )


def genius_documents(
    scenario: Scenario, values: Values, batnas: Mapping[str, float]
) -> dict[str, ET.Element]:
    """The Genius XML trees of a scenario: ``{file stem: root}``, domain first.

    ``values[(party, issue)]`` is the party's value of each option (best = 1)
    for every issue it values; ``batnas[party]`` its BATNA in its own points
    (the status-quo utility when its BATNA is ``status_quo``). The domain is
    named ``<scenario>_domain`` and each profile after its party id. Each
    issue's status-quo option is listed first, so that :func:`load_genius`
    recovers it.

    Raises
    ------
    DealspaceError
        If the scenario holds elements Genius cannot express (see
        :func:`genius_problems`).
    """
    problems = genius_problems(scenario, values)
    if problems:
        raise DealspaceError(
            problems, f"scenario '{scenario.name}' cannot be written as Genius XML"
        )
    issues = scenario.issues
    names = _texts(
        [i.id for i in issues],
        [i.name or i.id for i in issues],
        [f"issue{k + 1}" for k in range(len(issues))],
    )
    orders = [_option_order(issue) for issue in issues]
    texts = [_option_texts(issue) for issue in issues]

    domain = ET.Element("negotiation_template")
    space = ET.SubElement(domain, "utility_space", {"number_of_issues": str(len(issues))})
    objective = _objective(space, scenario.name)
    for k in range(len(issues)):
        node = _issue_element(objective, k + 1, names[k])
        for j, pos in enumerate(orders[k]):
            ET.SubElement(node, "item", {"index": str(j + 1), "value": texts[k][pos]})

    stems = _file_stems(scenario)
    out = {stems[0]: domain}
    for party, stem in zip(scenario.parties, stems[1:], strict=True):
        total, weights, evals = profile_scale(scenario, party, values)
        profile = ET.Element("utility_space")
        objective = _objective(profile, scenario.name)
        for k, issue in enumerate(issues):
            node = _issue_element(objective, k + 1, names[k])
            for j, pos in enumerate(orders[k]):
                ET.SubElement(
                    node,
                    "item",
                    {
                        "index": str(j + 1),
                        "value": texts[k][pos],
                        "evaluation": _number_text(evals[issue.id][pos]),
                    },
                )
        for k, issue in enumerate(issues):
            ET.SubElement(
                objective,
                "weight",
                {"index": str(k + 1), "value": _number_text(weights[issue.id] / total)},
            )
        ET.SubElement(
            profile, "reservation", {"value": _number_text(float(batnas[party.id]) / total)}
        )
        discount = discount_from_notes(party.notes)
        if discount is not None:
            ET.SubElement(profile, "discount_factor", {"value": _number_text(discount)})
        out[stem] = profile
    return out


def _file_stems(scenario: Scenario) -> list[str]:
    """Domain stem then one stem per party, unique even on case-insensitive disks."""
    taken = {p.id.lower() for p in scenario.parties}
    domain = f"{scenario.name}_domain"
    while domain.lower() in taken:
        domain += "_"
    lowered = [p.id.lower() for p in scenario.parties]
    clash = sorted({p.id for p in scenario.parties if lowered.count(p.id.lower()) > 1})
    if clash:
        raise DealspaceError.single(
            "parties",
            f"party ids {', '.join(clash)} differ only in case: their profile files would clash",
            "rename a party",
            f"scenario '{scenario.name}'",
        )
    return [domain, *(p.id for p in scenario.parties)]


def write_genius(
    scenario: Scenario,
    folder: Path,
    values: Values,
    batnas: Mapping[str, float],
    overwrite: bool = False,
) -> list[Path]:
    """Write an additive scenario as Genius XML: one domain file and one profile per party.

    Parameters
    ----------
    scenario
        A scenario without must-haves, red lines, nice-to-haves, interactions
        or ``value: economy`` valuations. Numeric issues become discrete
        issues whose items are the grid values; domains are merged into one.
    values, batnas
        Each party's per-option values (best = 1) and BATNA in points, as for
        :func:`genius_documents`.
    folder
        The output folder (created if missing). It must not already hold other
        ``.xml`` files, which would be read as part of the scenario.
    overwrite
        Replace the files this call writes if they exist.

    Returns
    -------
    list of Path
        The files written, domain first.

    Notes
    -----
    For party ``p`` with weights ``w_pi`` and values ``v̂_pi`` let
    ``W_p = Σ_i w_pi`` over the issues it values (issues whose values are all
    zero count as 0). Each profile holds weights ``w_pi / W_p``, evaluations
    ``v̂_pi`` and reservation ``BATNA_p / W_p`` (the status-quo utility when the
    BATNA is ``status_quo``), so for every outcome ``x`` the utility Genius
    computes is ``u_p(x) / W_p``.

    Raises
    ------
    DealspaceError
        Listing what Genius cannot express, or naming an existing file (when
        ``overwrite`` is False) or a foreign ``.xml`` file in the folder.
    """
    folder = Path(folder)
    documents = genius_documents(scenario, values, batnas)
    targets = [folder / f"{stem}.xml" for stem in documents]
    if folder.exists() and not folder.is_dir():
        raise DealspaceError.single(
            "", "exists and is not a folder", "choose a folder name", str(folder)
        )
    if folder.is_dir():
        wanted = {t.name.lower() for t in targets}
        foreign = sorted(
            p.name
            for p in folder.iterdir()
            if p.suffix.lower() == ".xml" and p.name.lower() not in wanted
        )
        if foreign:
            raise DealspaceError.single(
                "",
                f"the folder already holds other XML files ({', '.join(foreign)}) that would be read "
                "as part of the written scenario",
                "write to a new or empty folder",
                str(folder),
            )
        if not overwrite:
            for target in targets:
                if target.exists():
                    raise DealspaceError.single(
                        "",
                        "the file exists and would be overwritten",
                        "choose another folder or pass overwrite=True (--overwrite)",
                        str(target),
                    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for target, root in zip(targets, documents.values(), strict=True):
            tree = ET.ElementTree(root)
            ET.indent(tree, space="  ")
            tree.write(target, encoding="utf-8", xml_declaration=True)
    except OSError as err:
        raise DealspaceError.single(
            "", f"cannot write: {err.strerror}", source=str(err.filename or folder)
        ) from None
    return targets
