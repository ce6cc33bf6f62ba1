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
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

from dealspace.errors import DealspaceError, Problem
from dealspace.files import atomic_output
from dealspace.scenario.genius.text import REAL_STEPS, discount_from_notes, unique_ids
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


#: ``issue id`` → each party's linear evaluator ``(a, b, c)``: ``v̂ = clamp(a·x + b, 0, 1) / c``.
Lines = Mapping[str, Mapping[str, tuple[float, float, float]]]


def profile_scale(
    scenario: Scenario, party: Any, values: Values, lines: Lines | None = None
) -> tuple[float, dict[str, float], dict[str, list[float]]]:
    """Total weight T, Genius weight (before dividing by T) and evaluations per issue of one party.

    An issue the party does not value adds nothing to its utility: Genius
    gets weight 0 and constant evaluations 1 (a constant with weight 0 is
    exact, and avoids Genius's division by a zero maximum). An issue it
    values whose values are all zero keeps its weight with evaluations 0
    (Genius counts such an issue 0, and its weight in the normalisation). An issue written with a linear evaluator
    whose maximum is ``c < 1`` gets weight ``w / c`` (Genius does not divide
    such an evaluator by its maximum), so ``T = Σ_i w_i / c_i``.
    """
    weights: dict[str, float] = {}
    evals: dict[str, list[float]] = {}
    for issue in scenario.issues:
        table = _values(issue, party, values)
        if table is None:
            weights[issue.id] = 0.0
            evals[issue.id] = [1.0] * len(issue.option_ids)
        elif max(table) <= 0:
            weights[issue.id] = float(party.valuations[issue.id].weight)
            evals[issue.id] = [0.0] * len(issue.option_ids)
        else:
            c = lines[issue.id][party.id][2] if lines and issue.id in lines else 1.0
            weights[issue.id] = float(party.valuations[issue.id].weight) / c
            evals[issue.id] = table
    total = math.fsum(weights.values())
    return total, weights, evals


def _clamp(y: float) -> float:
    return min(1.0, max(0.0, y))


def _line(
    issue: Issue, valuation: Any, table: Sequence[float] | None
) -> tuple[float, float, float] | None:
    """``(a, b, c)`` with ``c · v̂(x) = clamp(a·x + b, 0, 1)`` on the issue's grid, or None.

    ``c`` is the line's maximum on the grid. A party that does not value the
    issue gets the zero line. Candidates come from the valuation's points.
    """
    grid = [float(x) for x in issue.option_ids]
    if table is None or max(table) <= 0:
        return (0.0, 0.0, 1.0)
    points = valuation.value if isinstance(valuation.value, list) else None
    if points is None:
        return None
    candidates = [
        ((y1 - y0) / (x1 - x0), y0 - (y1 - y0) / (x1 - x0) * x0)
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False)
        if y0 != y1
    ] or [(0.0, float(points[0][1]))]
    for a, b in candidates:
        ys = [_clamp(a * x + b) for x in grid]
        c = max(ys)
        if c > 0 and all(abs(y / c - v) <= 1e-9 for y, v in zip(ys, table, strict=True)):
            return (a, b, c)
    return None


def _numeric_kind(issue: Issue) -> str | None:
    """``integer``/``real`` if load_genius would read this grid back as the same issue."""
    r = issue.range
    if r is None or issue.status_quo_index != 0 or r.max <= r.min:
        return None
    if r.step == 1 and float(r.min).is_integer() and float(r.max).is_integer():
        return "integer"
    if len(issue.option_ids) == REAL_STEPS + 1 and math.isclose(
        r.step, (r.max - r.min) / REAL_STEPS, rel_tol=1e-12
    ):
        return "real"
    return None


def linear_issues(
    scenario: Scenario, values: Values
) -> dict[str, dict[str, tuple[float, float, float]]]:
    """The numeric issues to write as Genius integer/real issues with linear evaluators.

    An issue qualifies when load_genius reads its grid back unchanged (step 1
    between integers, or the real grid of ``REAL_STEPS`` intervals), its
    status quo is the lower bound (load_genius's convention) and every
    party's values on it are a clamped line (as for any issue read from
    Genius). These issues keep every utility exactly on a round trip.
    """
    out = {}
    for issue in scenario.issues:
        if _numeric_kind(issue) is None:
            continue
        lines = {}
        for party in scenario.parties:
            table = _values(issue, party, values)
            line = _line(issue, party.valuations.get(issue.id), table)
            if line is None:
                break
            lines[party.id] = line
        else:
            out[issue.id] = lines
    return out


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


def _numeric_element(parent: ET.Element, index: int, name: str, issue: Issue) -> ET.Element:
    """A Genius integer issue (bounds as attributes) or real issue (bounds in <range>)."""
    kind = _numeric_kind(issue)
    r = issue.range
    assert kind is not None and r is not None
    attrs = {"index": str(index), "name": name, "type": kind, "etype": kind, "vtype": kind}
    if kind == "integer":
        attrs |= {"lowerbound": str(int(r.min)), "upperbound": str(int(r.max))}
    node = ET.SubElement(parent, "issue", attrs)
    if kind == "real":
        ET.SubElement(
            node, "range", {"lowerbound": _number_text(r.min), "upperbound": _number_text(r.max)}
        )
    return node


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
    lines = linear_issues(scenario, values)

    domain = ET.Element("negotiation_template")
    space = ET.SubElement(domain, "utility_space", {"number_of_issues": str(len(issues))})
    objective = _objective(space, scenario.name)
    for k, issue in enumerate(issues):
        if issue.id in lines:
            _numeric_element(objective, k + 1, names[k], issue)
            continue
        node = _issue_element(objective, k + 1, names[k])
        for j, pos in enumerate(orders[k]):
            ET.SubElement(node, "item", {"index": str(j + 1), "value": texts[k][pos]})

    stems = _file_stems(scenario)
    out = {stems[0]: domain}
    for party, stem in zip(scenario.parties, stems[1:], strict=True):
        total, weights, evals = profile_scale(scenario, party, values, lines)
        profile = ET.Element("utility_space")
        objective = _objective(profile, scenario.name)
        for k, issue in enumerate(issues):
            if issue.id in lines:
                a, b, _ = lines[issue.id][party.id]
                node = _numeric_element(objective, k + 1, names[k], issue)
                r = issue.range
                assert r is not None
                if node.get("type") == "integer":  # Genius: slope·(x − lowerbound) + offset
                    attrs = {
                        "ftype": "linear",
                        "slope": _number_text(a),
                        "offset": _number_text(a * r.min + b),
                    }
                else:  # Genius: parameter1·x + parameter0
                    attrs = {
                        "ftype": "linear",
                        "parameter0": _number_text(b),
                        "parameter1": _number_text(a),
                    }
                ET.SubElement(node, "evaluator", attrs)
                continue
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
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DealspaceError.single(
            "", f"cannot write: {err.strerror}", source=str(err.filename or folder)
        ) from None
    try:
        # every file goes to a temporary file first and all are renamed into place
        # together at the end: a failed write leaves no half-written scenario
        with ExitStack() as stack:
            for target, root in zip(targets, documents.values(), strict=True):
                tmp = stack.enter_context(atomic_output(target, "", overwrite=overwrite))
                tree = ET.ElementTree(root)
                ET.indent(tree, space="  ")
                tree.write(tmp, encoding="utf-8", xml_declaration=True)
    except BaseException:
        if created:
            with suppress(OSError):
                folder.rmdir()  # only if still empty
        raise
    return targets
