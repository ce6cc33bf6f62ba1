"""Load Genius negotiations (a domain file and one profile per party) as Scenarios.

:func:`load_genius` reads a folder (picking one domain when it holds several),
:func:`load_genius_files` an explicit domain file and profile files, and
:func:`load_genius_folder` every negotiation of a folder. Profiles are paired
with the domain they refer to (:func:`negotiations`).

Utilities are Genius's: weights normalised to sum to one; a discrete issue's
evaluations stored as per-option values, which dealspace divides by their
maximum (Genius's ``EvaluatorDiscrete``; an issue whose largest evaluation is
below 1e-5 counts 0, as in Genius); an integer or real issue's linear evaluator
stored as piecewise-linear points on a numeric grid, with the issue weight
multiplied by the evaluator's maximum on the grid so that ``w · v̂`` is exactly
Genius's ``w · eval``. The reservation value becomes the BATNA; a discount
factor, which dealspace does not model, is kept in the party's notes.

Genius has no status quo: dealspace uses each discrete issue's first item and
each numeric issue's lower bound (an arbitrary convention, recorded in
``notes``). A real issue becomes a grid of ``real_steps + 1`` points; its
discretisation error bound is recorded in the scenario's notes.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from dealspace.errors import DealspaceError
from dealspace.scenario.genius.parse import (
    DomainIssue,
    Profile,
    file_kind,
    parse_domain,
    parse_profile,
)
from dealspace.scenario.genius.safe_xml import read_xml
from dealspace.scenario.genius.text import REAL_STEPS, discount_note, safe_id, unique_ids
from dealspace.scenario.load import scenario_from_data
from dealspace.scenario.model import MAX_NUMERIC_OPTIONS, NumericRange, Scenario

#: Id of the one domain that holds every issue of a loaded Genius scenario.
DOMAIN_ID = "genius"

#: Genius's ``EvaluatorDiscrete.normalize``: a largest evaluation below this counts 0.
ZERO_MAX = 1e-5

#: Where the conventions of a loaded scenario are recorded (its ``notes``).
IMPORT_NOTE = (
    "Imported from Genius XML. Genius has no status quo: dealspace uses each discrete "
    "issue's first item (in domain-file order) and each integer/real issue's lower bound "
    "as the status quo, an arbitrary convention; each party's BATNA is its profile's "
    "reservation value (0 when the profile gives none). Weights are normalised to sum to 1, "
    "so utilities are Genius's. A discount factor, if any, is kept in the party's notes as "
    "'discount_factor=<value>'."
)


def load_genius(folder: Path, domain: str | None = None, real_steps: int = REAL_STEPS) -> Scenario:
    """Load a Genius domain folder as a Scenario.

    Parameters
    ----------
    folder
        A folder holding a domain XML file and one profile XML file per party
        (at least two). Other ``.xml`` files that are not Genius files are
        ignored; sub-folders are not read.
    domain
        With several domains in the folder: the file name or stem of the one
        to load (its profiles are those that refer to it).
    real_steps
        Grid intervals of each real issue.

    Returns
    -------
    Scenario
        One domain ``genius`` with every issue; one party per profile, named
        after the profile file; every outcome's utility equals Genius's;
        BATNA = reservation value (0 when absent); status quo = first item /
        lower bound (arbitrary).

    Raises
    ------
    DealspaceError
        Naming the file, the element path (e.g.
        ``objective/issue[index=2]/item[value=Crete]@evaluation``), what is
        wrong and how to fix it.
    """
    folder = Path(folder)
    found = negotiations(folder)
    if domain is not None:
        wanted = [d for d in found if domain in (d.name, d.stem)]
        if not wanted:
            raise DealspaceError.single(
                "",
                f"no domain file '{domain}' in the folder (domains: {_names(found)})",
                "give one of these names",
                str(folder),
            )
        chosen = wanted[0]
    elif len(found) > 1:
        raise DealspaceError.single(
            "",
            f"the folder holds {len(found)} domains: {_names(found)}",
            f"give one domain file, e.g. {folder / next(iter(found)).name} (its profiles are "
            "those that refer to it); in Python, load_genius_folder loads them all",
            str(folder),
        )
    else:
        chosen = next(iter(found))
    name = folder.resolve().name if len(found) == 1 else chosen.stem
    return _load(chosen, found[chosen], name, real_steps)


def load_genius_files(
    domain_file: Path, profile_files: Sequence[Path] = (), real_steps: int = REAL_STEPS
) -> Scenario:
    """Load an explicit domain file with the given profile files.

    Without ``profile_files``, the profiles are the files next to the domain
    that refer to it.
    """
    domain_file = Path(domain_file)
    if not profile_files:
        found = negotiations(domain_file.parent)
        key = next((d for d in found if d.resolve() == domain_file.resolve()), None)
        if key is None:
            raise DealspaceError.single(
                "", "not a Genius domain file", "give the domain XML", str(domain_file)
            )
        return _load(domain_file, found[key], domain_file.stem, real_steps)
    return _load(domain_file, [Path(p) for p in profile_files], domain_file.stem, real_steps)


def load_genius_folder(folder: Path, real_steps: int = REAL_STEPS) -> dict[str, Scenario]:
    """Every negotiation of a folder: domain file stem → Scenario."""
    return {
        d.stem: _load(d, profiles, d.stem, real_steps)
        for d, profiles in negotiations(Path(folder)).items()
    }


def negotiations(folder: Path) -> dict[Path, list[Path]]:
    """The folder's domain files, each with the profiles that refer to it.

    With one domain, every profile is its own (a profile that does not fit is
    reported with its problems when loaded). With several, a profile belongs
    to the domain whose issues (indexes, names and item values) it names; of
    several such domains, to those whose file name shares the longest start
    with the profile's.
    """
    if not folder.is_dir():
        raise DealspaceError.single(
            "", "not a folder", "give the folder holding the Genius XML files", str(folder)
        )
    files = list(_iter_xml(folder))
    if not files:
        raise DealspaceError.single(
            "",
            "the folder holds no .xml file",
            "put the Genius domain file and one profile file per party in the folder",
            str(folder),
        )
    roots = [(path, read_xml(path)) for path in files]
    domains = [(p, r) for p, r in roots if file_kind(r) == "domain"]
    profiles = [p for p, r in roots if file_kind(r) == "profile"]
    if not domains:
        raise DealspaceError.single(
            "",
            f"no Genius domain file among {_names(files)} (a domain file has root "
            "<negotiation_template>, or a <utility_space> without evaluations or weights)",
            "add the domain XML next to the profiles",
            str(folder),
        )
    if len(domains) == 1:
        return {domains[0][0]: profiles}
    out: dict[Path, list[Path]] = {path: [] for path, _ in domains}
    by_path = dict(roots)
    for profile in profiles:
        scores = {d: _refers(by_path[profile], root) for d, root in domains}
        fits = [d for d, score in scores.items() if score is not None]
        if not fits:
            raise DealspaceError.single(
                "",
                f"the profile refers to none of the folder's domains ({_names(d for d, _ in domains)})",
                "keep each profile next to its domain, or give the domain and profile files explicitly",
                str(profile),
            )
        ranks = {d: (scores[d] or 0, _common_start(d.stem, profile.stem)) for d in fits}
        best = max(ranks.values())
        for d in fits:  # equally good fits (identical domains) all get the profile
            if ranks[d] == best:
                out[d].append(profile)
    return out


def _refers(profile: ET.Element, domain: ET.Element) -> int | None:
    """How well a profile fits a domain: None unless it names exactly the
    domain's issues (indexes and names), else how many of its item values the
    domain has."""
    issues: dict[str, tuple[str | None, set[str]]] = {}
    for issue in domain.iter("issue"):
        issues[(issue.get("index") or "").strip()] = (
            issue.get("name"),
            {v for v in (i.get("value") for i in issue.iter("item")) if v is not None},
        )
    seen = set()
    matched = 0
    for issue in profile.iter("issue"):
        index = (issue.get("index") or "").strip()
        if index not in issues:
            return None
        name, values = issues[index]
        if issue.get("name") is not None and name is not None and issue.get("name") != name:
            return None
        matched += sum(1 for i in issue.iter("item") if i.get("value") in values)
        seen.add(index)
    return matched if seen == set(issues) else None


def _common_start(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.lower(), b.lower(), strict=False):
        if x != y:
            break
        n += 1
    return n


def _iter_xml(folder: Path) -> Iterator[Path]:
    """The folder's ``.xml`` files that look like XML, sorted by name (not recursive).

    A file that does not start with ``<`` (e.g. the ``pareto.xml`` frontier
    lists of Genius's archive) is not XML and is skipped.
    """
    for p in sorted(folder.iterdir()):
        if p.is_file() and p.suffix.lower() == ".xml" and _looks_like_xml(p):
            yield p


def _looks_like_xml(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return True  # read_xml reports it
    return head.startswith(b"<") or not head


def _names(paths: Iterable[Path]) -> str:
    return ", ".join(p.name for p in paths)


def _load(domain_path: Path, profile_paths: list[Path], name: str, real_steps: int) -> Scenario:
    if len(profile_paths) < 2:
        found = f"only {_names(profile_paths)}" if profile_paths else "none"
        raise DealspaceError.single(
            "",
            f"a negotiation needs at least two profiles: found {found}",
            "add one profile XML per party",
            str(domain_path),
        )
    domain_root = read_xml(domain_path)
    if file_kind(domain_root) != "domain":
        raise DealspaceError.single(
            "",
            "not a Genius domain file (it holds evaluations or weights: a profile?)",
            "give the domain XML first, then the profiles",
            str(domain_path),
        )
    issues = parse_domain(domain_path, domain_root)
    parsed = [parse_profile(path, read_xml(path), issues) for path in profile_paths]
    return _scenario(name, domain_path, issues, parsed, real_steps)


def numeric_range(issue: DomainIssue, real_steps: int) -> tuple[NumericRange, str | None]:
    """The grid of an integer or real issue, and a note when it is coarser than exact.

    Integer issues get step 1 (step ⌈span / 2000⌉ beyond 2001 values); real
    issues ``real_steps`` equal intervals.
    """
    lo, hi = issue.lower, issue.upper
    if hi == lo:
        return NumericRange(min=lo, max=hi, step=1.0), None
    if issue.kind == "integer":
        step = float(max(1, math.ceil((hi - lo) / (MAX_NUMERIC_OPTIONS - 1))))
        note = None if step == 1 else f"every {step:g}"
        return NumericRange(min=lo, max=hi, step=step), note
    steps = max(1, min(real_steps, MAX_NUMERIC_OPTIONS - 1))
    return NumericRange(min=lo, max=hi, step=(hi - lo) / steps), f"{steps + 1} points"


def _scenario(
    name: str,
    domain_path: Path,
    issues: tuple[DomainIssue, ...],
    profiles: list[Profile],
    real_steps: int,
) -> Scenario:
    party_ids = unique_ids(
        [p.path.stem for p in profiles], [f"party{k + 1}" for k in range(len(profiles))]
    )
    grids = {i.index: numeric_range(i, real_steps) for i in issues if i.kind != "discrete"}
    notes = [IMPORT_NOTE]
    parties = []
    for party_id, profile in zip(party_ids, profiles, strict=True):
        total = math.fsum(profile.weights[i.index] for i in issues)
        valuations: dict[str, Any] = {}
        for issue in issues:
            w = profile.weights[issue.index] / total
            if issue.kind == "discrete":
                evals = profile.evaluations[issue.index]
                top = max(evals.values(), default=0.0)
                # Genius divides by the largest evaluation in the profile, even of an item
                # not in the domain; dealspace by the largest option value: scale the weight
                overall = max(top, profile.outside.get(issue.index, 0.0))
                if (
                    overall < ZERO_MAX
                ):  # worth nothing; the weight still counts in the normalisation
                    valuations[issue.id] = {"weight": w, "value": {i.id: 0.0 for i in issue.items}}
                    continue
                valuations[issue.id] = {
                    "weight": w * top / overall,
                    "value": {item.id: evals.get(item.id, 0.0) for item in issue.items},
                }
                continue
            f = profile.functions[issue.index]
            grid, coarse = grids[issue.index]
            top = max(f(float(x)) for x in grid.grid())
            valuations[issue.id] = {
                "weight": w * top if top > 0 else w,
                "value": f.points(issue.lower, issue.upper)
                if top > 0
                else [[issue.lower, 0.0], [issue.lower + 1.0, 0.0]],
            }
            if coarse is not None and w > 0 and f.steepest != 0:
                half = 0.5 if issue.kind == "real" else 1.0
                notes.append(
                    f"{issue.kind.capitalize()} issue '{issue.name}' [{issue.lower:g}, {issue.upper:g}] "
                    f"is discretised on a grid ({coarse}, step {grid.step:.6g}): an offer off the grid "
                    f"moved to the nearest grid point changes {party_id}'s utility by at most "
                    f"{w * f.steepest * grid.step * half:.3g}."
                )
        party: dict[str, Any] = {
            "id": party_id,
            "name": profile.path.stem,
            "source": profile.path.name,
            "batna": 0.0 if profile.reservation is None else profile.reservation,
            "valuations": valuations,
        }
        remarks = [*profile.notes]
        if profile.discount is not None:
            remarks.insert(0, discount_note(profile.discount))
        if profile.kind != "linear":
            remarks.append(f"Genius utility space type '{profile.kind}' (read as additive)")
        if remarks:
            party["notes"] = "; ".join(remarks)
        parties.append(party)
    domain_issues: list[dict[str, Any]] = []
    for issue in issues:
        if issue.kind == "discrete":
            domain_issues.append(
                {
                    "id": issue.id,
                    "name": issue.name,
                    "options": [{"id": item.id, "label": item.value} for item in issue.items],
                    "status_quo": issue.items[0].id,
                }
            )
        else:
            grid = grids[issue.index][0]
            domain_issues.append(
                {
                    "id": issue.id,
                    "name": issue.name,
                    "range": grid.model_dump(),
                    "status_quo": issue.lower,
                    "notes": f"Genius {issue.kind} issue",
                }
            )
    data = {
        "name": safe_id(name) or "genius",
        "title": f"Genius domain {domain_path.stem}",
        "source": domain_path.name,
        "notes": " ".join(notes),
        "parties": parties,
        "domains": [{"id": DOMAIN_ID, "name": domain_path.stem, "issues": domain_issues}],
    }
    return scenario_from_data(data, str(domain_path.parent))
