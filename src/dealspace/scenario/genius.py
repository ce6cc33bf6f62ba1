"""Read and write the Genius / ANAC XML format (additive discrete domains).

A Genius scenario is a folder with one *domain* file (root
``<negotiation_template>``, or a ``<utility_space>`` whose items carry no
evaluations) and one *profile* file per party (a ``<utility_space>`` whose
items carry ``evaluation`` attributes). Genius computes a party's utility of an
outcome ``o`` as

    u(o) = Σ_i  w_i / (Σ_k w_k)  ·  eval_i(o_i) / max_v eval_i(v)

:func:`load_genius` keeps this exactly: it stores the weights normalised to sum
to one and the evaluations as per-option values, which dealspace divides by
their maximum (see :mod:`dealspace.scenario.model`). The reservation value is
on the same 0–1 scale and becomes the party's BATNA. Genius has no status quo:
dealspace uses each issue's first item (an arbitrary convention, noted in the
scenario's ``notes``). A discount factor, which dealspace does not model, is
kept in the party's ``notes`` as ``discount_factor=<value>``.

:func:`write_genius` writes an additive scenario back; the utilities Genius
computes from the files are the party's dealspace utilities divided by the
party's total weight (see ``docs/genius.md``).

Files come from strangers: XML is parsed with :mod:`defusedxml`, which refuses
DTDs, entity declarations (e.g. "billion laughs") and external entities, and
files over :data:`dealspace.scenario.load.MAX_FILE_BYTES` are refused.
"""

from __future__ import annotations

import math
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)

from dealspace.errors import DealspaceError, Problem, did_you_mean
from dealspace.scenario.load import MAX_FILE_BYTES, scenario_from_data
from dealspace.scenario.model import Issue, Scenario

#: Id of the one domain that holds every issue of a loaded Genius scenario.
DOMAIN_ID = "genius"

#: Where the conventions of a loaded scenario are recorded (its ``notes``).
IMPORT_NOTE = (
    "Imported from Genius XML. Genius has no status quo: dealspace uses each issue's "
    "first item (in domain-file order) as the status quo, an arbitrary convention; each "
    "party's BATNA is its profile's reservation value (0 when the profile gives none). "
    "Weights are normalised to sum to 1, so utilities are Genius's. A discount factor, "
    "if any, is kept in the party's notes as 'discount_factor=<value>'."
)

_ID_BAD = re.compile(r"[^A-Za-z0-9_.\-]+")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_DISCOUNT_NOTE = re.compile(r"discount_factor\s*=\s*([^\s,;]+)")
_ID_MAX = 80


# ------------------------------------------------------------------ ids


def safe_id(text: str) -> str:
    """``text`` as a dealspace id (letters, digits, ``_ . -``), or ``""``.

    Accents are dropped (``Café`` → ``Cafe``), every run of other characters
    becomes ``_`` and leading/trailing ``_`` are removed: ``"New York"`` →
    ``New_York``, ``"$4.37"`` → ``4.37``.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _ID_BAD.sub("_", ascii_text).strip("_")[: _ID_MAX - 8]


def unique_ids(texts: Sequence[str], fallbacks: Sequence[str]) -> list[str]:
    """Safe, unique ids for ``texts``, deterministically.

    An empty result of :func:`safe_id` is replaced by the matching fallback;
    a repeated id gets ``_2``, ``_3``, … in order of appearance.
    """
    out: list[str] = []
    used: set[str] = set()
    for text, fallback in zip(texts, fallbacks, strict=True):
        base = safe_id(text) or safe_id(fallback) or "x"
        candidate, n = base, 2
        while candidate in used:
            candidate = f"{base}_{n}"
            n += 1
        used.add(candidate)
        out.append(candidate)
    return out


# ------------------------------------------------------------------ reading


@dataclass(frozen=True)
class _Item:
    index: int | None
    value: str
    id: str


@dataclass(frozen=True)
class _Issue:
    index: int
    name: str
    id: str
    items: tuple[_Item, ...]

    @property
    def path(self) -> str:
        return f"objective/issue[index={self.index}]"


@dataclass(frozen=True)
class _Profile:
    path: Path
    weights: dict[int, float]
    evaluations: dict[int, dict[str, float]]
    reservation: float | None
    discount: float | None


class _Problems:
    """Problems found in one file; raised together."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[Problem] = []

    def add(self, where: str, what: str, fix: str = "") -> None:
        self.items.append(Problem(where, what, fix))

    def raise_if_any(self) -> None:
        if self.items:
            raise DealspaceError(self.items, str(self.path))


def load_genius(folder: Path) -> Scenario:
    """Load a Genius domain folder as a Scenario.

    Parameters
    ----------
    folder
        A folder holding one domain XML file and one profile XML file per
        party (at least two). Other ``.xml`` files that are neither are
        ignored; sub-folders are not read.

    Returns
    -------
    Scenario
        One domain ``genius`` with every issue; one party per profile, named
        after the profile file; weights normalised to sum to 1, so that every
        outcome's utility equals Genius's; BATNA = reservation value (0 when
        absent); status quo = each issue's first item (arbitrary).

    Raises
    ------
    DealspaceError
        Naming the file, the element path (e.g.
        ``objective/issue[index=2]/item[index=3]@evaluation``), what is wrong
        and how to fix it: no domain or fewer than two profiles, malformed or
        hostile XML (DTDs and entities are refused, never expanded), a profile
        naming an issue or item not in the domain, evaluations or weights that
        are not finite numbers ≥ 0, weights that are all zero.
    """
    folder = Path(folder)
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
    domains = [(p, r) for p, r in roots if _kind(r) == "domain"]
    profiles = [(p, r) for p, r in roots if _kind(r) == "profile"]
    if not domains:
        raise DealspaceError.single(
            "",
            f"no Genius domain file among {_names(files)} (a domain file has root "
            "<negotiation_template>, or a <utility_space> whose items have no 'evaluation')",
            "add the domain XML next to the profiles",
            str(folder),
        )
    if len(domains) > 1:
        raise DealspaceError.single(
            "",
            f"several domain files: {_names(p for p, _ in domains)}",
            "keep one domain file per folder (one negotiation per folder)",
            str(folder),
        )
    if len(profiles) < 2:
        found = f"only {_names(p for p, _ in profiles)}" if profiles else "none"
        raise DealspaceError.single(
            "",
            f"a negotiation needs at least two profiles (files whose items have 'evaluation'): found {found}",
            "add one profile XML per party to the folder",
            str(folder),
        )
    domain_path, domain_root = domains[0]
    issues = _parse_domain(domain_path, domain_root)
    parsed = [_parse_profile(path, root, issues) for path, root in profiles]
    return _scenario(folder, domain_path, issues, parsed)


def read_xml(path: Path) -> ET.Element:
    """Parse an XML file safely: size limit; no DTD, entity or external reference.

    Raises
    ------
    DealspaceError
        Naming the file: too large, unreadable, malformed (with line and
        column) or hostile (DTD, entity declaration, external reference).
    """
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DealspaceError.single(
                "",
                f"the file is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES / 1e6:.0f} MB limit",
                "Genius domains are small: check that this is the right file",
                source,
            )
        data = path.read_bytes()
    except OSError as err:
        raise DealspaceError.single(
            "", f"cannot read the file: {err.strerror}", source=source
        ) from None
    hostile_fix = (
        "remove the <!DOCTYPE …> block: Genius files need none, and dealspace never "
        "expands entities or fetches external references"
    )
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden:
        entities = (
            " declaring entities (an entity-expansion bomb or an external-entity read)"
            if b"<!ENTITY" in data.upper()
            else ""
        )
        raise DealspaceError.single(
            "",
            f"the file has a DTD (<!DOCTYPE …>){entities}: refused for safety, nothing was expanded",
            hostile_fix,
            source,
        ) from None
    except EntitiesForbidden as err:
        raise DealspaceError.single(
            "",
            f"the file declares the entity '{err.name}', refused for safety",
            hostile_fix,
            source,
        ) from None
    except ExternalReferenceForbidden:
        raise DealspaceError.single(
            "", "the file refers to an external entity, refused for safety", hostile_fix, source
        ) from None
    except DefusedXmlException as err:
        raise DealspaceError.single("", f"unsafe XML refused: {err}", hostile_fix, source) from None
    except ET.ParseError as err:
        line, column = err.position
        reason = str(err).split(":")[0]
        raise DealspaceError.single(
            f"line {line}, column {column + 1}",
            f"not well-formed XML: {reason}",
            "fix the markup (check that every tag is closed and attributes are quoted)",
            source,
        ) from None
    except RecursionError:
        raise DealspaceError.single(
            "", "the XML nests too deeply", "flatten the file", source
        ) from None
    return root


def _iter_xml(folder: Path) -> Iterator[Path]:
    """The folder's ``.xml`` files, sorted by name (not recursive)."""
    yield from sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".xml")


def _names(paths: Iterable[Path]) -> str:
    return ", ".join(p.name for p in paths)


def _space(root: ET.Element) -> ET.Element | None:
    """The file's <utility_space> (possibly wrapped), else a bare <negotiation_template>."""
    if root.tag == "utility_space":
        return root
    found = root.find(".//utility_space")
    if found is not None:
        return found
    if root.tag == "negotiation_template":
        return root
    return root.find(".//negotiation_template")


def _kind(root: ET.Element) -> str | None:
    """``"domain"``, ``"profile"`` or None (not a Genius file).

    A file with a <negotiation_template> is a domain; otherwise a
    <utility_space> is a profile when some item has an ``evaluation``.
    """
    if root.tag == "negotiation_template" or root.find(".//negotiation_template") is not None:
        return "domain"
    space = _space(root)
    if space is None:
        return None
    if any("evaluation" in item.attrib for item in space.iter("item")):
        return "profile"
    return "domain"


def _container(space: ET.Element) -> ET.Element:
    """The root <objective> holding the issues (or the space itself)."""
    if space.tag == "objective":
        return space
    found = space.find(".//objective")
    return found if found is not None else space


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


def _number(text: str | None) -> float | None:
    """A finite decimal number, or None (also for NaN and infinities)."""
    if text is None or not _NUMBER.match(text.strip()):
        return None
    x = float(text.strip())
    return x if math.isfinite(x) else None


def _check_flat(container: ET.Element, problems: _Problems) -> None:
    nested = container.find(".//objective")
    if nested is not None:
        problems.add(
            f"objective/objective[index={nested.get('index', '?')}]",
            "nested objectives (an objective tree) are not supported",
            "flatten the tree: list every issue directly under the root objective",
        )


def _parse_domain(path: Path, root: ET.Element) -> tuple[_Issue, ...]:
    problems = _Problems(path)
    space = _space(root)
    assert space is not None, "classified as a domain"
    container = _container(space)
    _check_flat(container, problems)
    raw: list[tuple[int, str, list[tuple[int | None, str]]]] = []
    seen: set[int] = set()
    for k, issue in enumerate(container.iter("issue")):
        index = _int(issue.get("index"))
        if index is None:
            problems.add(
                f"objective/issue[{k + 1}]@index",
                f"the issue has no integer index ({issue.get('index')!r})",
                "give every <issue> an integer 'index' attribute",
            )
            continue
        where = f"objective/issue[index={index}]"
        if index in seen:
            problems.add(
                where, f"the index {index} is used by two issues", "give each issue its own index"
            )
            continue
        seen.add(index)
        kind = (issue.get("type") or issue.get("etype") or "discrete").strip().lower()
        if kind != "discrete":
            problems.add(
                f"{where}@type",
                f"issue type '{kind}' is not supported (only discrete issues are)",
                'list the issue\'s values as <item> elements with type="discrete"',
            )
            continue
        items: list[tuple[int | None, str]] = []
        item_indexes: set[int] = set()
        item_values: set[str] = set()
        for j, item in enumerate(issue.iter("item")):
            item_index = _int(item.get("index"))
            value = item.get("value")
            at = f"{where}/item[{'index=' + str(item_index) if item_index is not None else j + 1}]"
            if item.get("index") is not None and item_index is None:
                problems.add(
                    f"{at}@index",
                    f"'{item.get('index')}' is not an integer",
                    "use an integer index",
                )
                continue
            if value is None:
                problems.add(
                    f"{at}@value",
                    "the item has no 'value'",
                    "give every <item> a 'value' attribute",
                )
                continue
            if item_index is not None:
                if item_index in item_indexes:
                    problems.add(
                        f"{at}@index",
                        f"the index {item_index} is used twice",
                        "give each item its own index",
                    )
                    continue
                item_indexes.add(item_index)
            if value in item_values:
                problems.add(
                    f"{at}@value",
                    f"the value '{value}' is listed twice",
                    "remove the duplicate item",
                )
                continue
            item_values.add(value)
            items.append((item_index, value))
        if len(items) < 2 and not any(p.where.startswith(where) for p in problems.items):
            problems.add(
                where,
                f"the issue has {len(items)} item(s): there is nothing to negotiate",
                "list at least two <item> values, or remove the issue",
            )
        raw.append((index, issue.get("name") or f"issue {index}", items))
    if not raw and not problems.items:
        problems.add(
            "objective", "the domain has no <issue>", "list the issues under the root <objective>"
        )
    problems.raise_if_any()
    issue_ids = unique_ids([name for _, name, _ in raw], [f"issue{index}" for index, _, _ in raw])
    out = []
    for (index, name, items), issue_id in zip(raw, issue_ids, strict=True):
        option_ids = unique_ids(
            [value for _, value in items],
            [f"item{i if i is not None else j + 1}" for j, (i, _) in enumerate(items)],
        )
        out.append(
            _Issue(
                index=index,
                name=name,
                id=issue_id,
                items=tuple(_Item(i, v, o) for (i, v), o in zip(items, option_ids, strict=True)),
            )
        )
    return tuple(out)


def _parse_profile(path: Path, root: ET.Element, issues: tuple[_Issue, ...]) -> _Profile:
    problems = _Problems(path)
    space = _space(root)
    assert space is not None, "classified as a profile"
    container = _container(space)
    _check_flat(container, problems)
    by_index = {issue.index: issue for issue in issues}
    evaluations: dict[int, dict[str, float]] = {}
    weights: dict[int, float] = {}
    for k, element in enumerate(container.iter("issue")):
        index = _int(element.get("index"))
        if index is None:
            problems.add(
                f"objective/issue[{k + 1}]@index",
                f"the issue has no integer index ({element.get('index')!r})",
                "give every <issue> the 'index' of the domain issue it evaluates",
            )
            continue
        where = f"objective/issue[index={index}]"
        issue = by_index.get(index)
        if issue is None:
            problems.add(
                where,
                f"the domain has no issue with index {index} (name {element.get('name')!r})",
                f"use one of the domain's issue indexes: {', '.join(str(i.index) for i in issues)}",
            )
            continue
        if index in evaluations:
            problems.add(
                where, f"the issue index {index} appears twice", "evaluate each issue once"
            )
            continue
        evaluations[index] = _evaluations(element, issue, problems)
        if element.get("weight") is not None:
            weights[index] = _weight(element.get("weight"), f"{where}@weight", problems)
    for element in container.iter("weight"):
        index = _int(element.get("index"))
        where = f"objective/weight[index={element.get('index')}]"
        if index is None or index not in by_index:
            problems.add(
                f"{where}@index",
                f"the weight refers to no domain issue (index {element.get('index')!r})",
                f"use one of the domain's issue indexes: {', '.join(str(i.index) for i in issues)}",
            )
            continue
        w = _weight(element.get("value"), f"{where}@value", problems)
        if index in weights and not math.isclose(weights[index], w, rel_tol=1e-12, abs_tol=1e-15):
            problems.add(
                where,
                f"issue {index} has two different weights ({weights[index]:g} and {w:g})",
                "give each issue one weight (a <weight> element or a 'weight' attribute, not both)",
            )
        weights[index] = w
    for issue in issues:
        if issue.index not in evaluations:
            problems.add(
                issue.path,
                f"the profile does not evaluate the domain issue '{issue.name}' (index {issue.index})",
                "add the issue with an 'evaluation' for each item",
            )
        elif issue.index not in weights:
            problems.add(
                issue.path,
                f"issue '{issue.name}' (index {issue.index}) has no weight",
                f'add <weight index="{issue.index}" value="…"/> to the objective',
            )
    if not problems.items:
        if not any(w > 0 for w in weights.values()):
            problems.add(
                "objective/weight",
                "every weight is zero: the party values nothing",
                "give at least one issue a positive weight",
            )
        for issue in issues:
            if weights[issue.index] > 0 and not any(
                v > 0 for v in evaluations[issue.index].values()
            ):
                problems.add(
                    f"{issue.path}/item@evaluation",
                    f"every evaluation of issue '{issue.name}' is zero, yet its weight is "
                    f"{weights[issue.index]:g} (Genius would divide by zero)",
                    "give the best item a positive evaluation, or the issue weight 0",
                )
    reservation = _single_number(root, "reservation", problems)
    discount = _single_number(root, "discount_factor", problems)
    if discount is not None and not 0 <= discount <= 1:
        problems.add(
            "discount_factor@value",
            f"{discount:g} is outside [0, 1]",
            "use a factor between 0 and 1",
        )
    problems.raise_if_any()
    return _Profile(path, weights, evaluations, reservation, discount)


def _evaluations(element: ET.Element, issue: _Issue, problems: _Problems) -> dict[str, float]:
    """Item id → evaluation; items matched by ``value`` and/or ``index``."""
    by_value = {item.value: item for item in issue.items}
    by_index = {item.index: item for item in issue.items if item.index is not None}
    out: dict[str, float] = {}
    for j, node in enumerate(element.iter("item")):
        value = node.get("value")
        raw_index = node.get("index")
        index = _int(raw_index)
        if raw_index is not None:
            at = f"{issue.path}/item[index={raw_index}]"
        elif value is not None:
            at = f"{issue.path}/item[value={value}]"
        else:
            at = f"{issue.path}/item[{j + 1}]"
        if raw_index is not None and index is None:
            problems.add(
                f"{at}@index",
                f"'{raw_index}' is not an integer",
                "use the domain item's integer index",
            )
            continue
        if value is None and index is None:
            problems.add(
                at,
                "the item has neither 'value' nor 'index'",
                "name the domain item by 'value' (or 'index')",
            )
            continue
        match_value = by_value.get(value) if value is not None else None
        match_index = by_index.get(index) if index is not None else None
        if value is not None and match_value is None:
            problems.add(
                f"{at}@value",
                f"issue '{issue.name}' has no item '{value}' in the domain",
                did_you_mean(value, by_value),
            )
            continue
        if value is None and match_index is None:
            problems.add(
                f"{at}@index",
                f"issue '{issue.name}' has no item with index {index} in the domain",
                f"use one of: {', '.join(str(i) for i in by_index)}",
            )
            continue
        item = match_value or match_index
        assert item is not None
        if match_value is not None and index is not None and match_value.index not in (None, index):
            problems.add(
                at,
                f"value '{value}' is item {match_value.index} in the domain, not item {index}",
                "make 'index' and 'value' name the same domain item",
            )
            continue
        if item.id in out:
            problems.add(at, f"item '{item.value}' is evaluated twice", "evaluate each item once")
            continue
        text = node.get("evaluation")
        x = _number(text)
        if text is None:
            problems.add(
                f"{at}@evaluation",
                "the item has no evaluation",
                'add evaluation="…" (a number ≥ 0)',
            )
        elif x is None:
            problems.add(
                f"{at}@evaluation",
                f"'{text}' is not a finite number",
                "write a number ≥ 0, e.g. 0.5",
            )
        elif x < 0:
            problems.add(
                f"{at}@evaluation",
                f"{text} is negative",
                "use evaluations ≥ 0 (the best item gets the most)",
            )
        else:
            out[item.id] = x
    missing = [item.value for item in issue.items if item.id not in out]
    if missing and not any(p.where.startswith(issue.path) for p in problems.items):
        problems.add(
            issue.path,
            f"no evaluation for item(s) {', '.join(repr(m) for m in missing[:6])} of issue '{issue.name}'",
            "evaluate every item of the domain issue",
        )
    return out


def _weight(text: str | None, where: str, problems: _Problems) -> float:
    x = _number(text)
    if x is None:
        problems.add(where, f"'{text}' is not a finite number", "write a weight ≥ 0, e.g. 0.25")
        return 0.0
    if x < 0:
        problems.add(where, f"the weight {text} is negative", "use weights ≥ 0")
        return 0.0
    return x


def _single_number(root: ET.Element, tag: str, problems: _Problems) -> float | None:
    nodes = list(root.iter(tag))
    if not nodes:
        return None
    if len(nodes) > 1:
        problems.add(tag, f"<{tag}> appears {len(nodes)} times", "keep one")
        return None
    text = nodes[0].get("value")
    x = _number(text)
    if x is None:
        problems.add(
            f"{tag}@value", f"'{text}' is not a finite number", "write a number such as 0.5"
        )
    return x


def _scenario(
    folder: Path, domain_path: Path, issues: tuple[_Issue, ...], profiles: list[_Profile]
) -> Scenario:
    party_ids = unique_ids(
        [p.path.stem for p in profiles], [f"party{k + 1}" for k in range(len(profiles))]
    )
    parties = []
    for party_id, profile in zip(party_ids, profiles, strict=True):
        total = math.fsum(profile.weights.values())
        valuations = {
            issue.id: {
                "weight": profile.weights[issue.index] / total,
                "value": dict(profile.evaluations[issue.index]),
            }
            for issue in issues
        }
        party: dict[str, Any] = {
            "id": party_id,
            "name": profile.path.stem,
            "source": profile.path.name,
            "batna": 0.0 if profile.reservation is None else profile.reservation,
            "valuations": valuations,
        }
        if profile.discount is not None:
            party["notes"] = f"discount_factor={profile.discount!r}"
        parties.append(party)
    domain = {
        "id": DOMAIN_ID,
        "name": domain_path.stem,
        "issues": [
            {
                "id": issue.id,
                "name": issue.name,
                "options": [{"id": item.id, "label": item.value} for item in issue.items],
                "status_quo": issue.items[0].id,
            }
            for issue in issues
        ],
    }
    data = {
        "name": safe_id(folder.resolve().name) or "genius",
        "title": f"Genius domain {domain_path.stem}",
        "source": domain_path.name,
        "notes": IMPORT_NOTE,
        "parties": parties,
        "domains": [domain],
    }
    return scenario_from_data(data, str(folder))


# ------------------------------------------------------------------ writing


def genius_problems(scenario: Scenario) -> list[Problem]:
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
        if not out and _scale(scenario, party)[0] <= 0:
            out.append(
                Problem(
                    f"parties[{p}].valuations",
                    f"party '{party.id}' gives no issue both a positive weight and a positive value",
                    "give at least one issue a positive weight and value",
                )
            )
    return out


def _values(issue: Issue, party_valuations: Any) -> list[float] | None:
    """The party's v̂ values of an issue (best option = 1), or None if unvalued."""
    from dealspace.space import issue_values

    valuation = party_valuations.get(issue.id)
    if valuation is None:
        return None
    return [float(v) for v in issue_values(valuation, issue)]


def _scale(
    scenario: Scenario, party: Any
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
        values = _values(issue, party.valuations)
        if values is None or max(values) <= 0:
            weights[issue.id] = 0.0
            evals[issue.id] = [1.0] * len(issue.option_ids)
        else:
            weights[issue.id] = float(party.valuations[issue.id].weight)
            evals[issue.id] = values
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


def _discount(party: Any) -> float | None:
    match = _DISCOUNT_NOTE.search(party.notes or "")
    return _number(match.group(1)) if match else None


def genius_documents(scenario: Scenario) -> dict[str, ET.Element]:
    """The Genius XML trees of a scenario: ``{file stem: root}``, domain first.

    The domain is named ``<scenario>_domain`` and each profile after its party
    id. Each issue's status-quo option is listed first, so that
    :func:`load_genius` recovers it.

    Raises
    ------
    DealspaceError
        If the scenario holds elements Genius cannot express (see
        :func:`genius_problems`).
    """
    problems = genius_problems(scenario)
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
        total, weights, evals = _scale(scenario, party)
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
            profile, "reservation", {"value": _number_text(_batna(scenario, party) / total)}
        )
        discount = _discount(party)
        if discount is not None:
            ET.SubElement(profile, "discount_factor", {"value": _number_text(discount)})
        out[stem] = profile
    return out


def _batna(scenario: Scenario, party: Any) -> float:
    """The party's BATNA in its own points (the status-quo utility if 'status_quo')."""
    if party.batna != "status_quo":
        return float(party.batna)
    from dealspace.space import utilities

    p = scenario.party_ids.index(party.id)
    return float(utilities(scenario, scenario.status_quo())[p])


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


def write_genius(scenario: Scenario, folder: Path, overwrite: bool = False) -> list[Path]:
    """Write an additive scenario as Genius XML: one domain file and one profile per party.

    Parameters
    ----------
    scenario
        A scenario without must-haves, red lines, nice-to-haves, interactions
        or ``value: economy`` valuations. Numeric issues become discrete
        issues whose items are the grid values; domains are merged into one.
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
    documents = genius_documents(scenario)
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
