"""Check Genius XML trees and turn them into plain records.

:func:`file_kind` tells a domain file from a profile file;
:func:`parse_domain` reads a domain's discrete issues and items into
:class:`DomainIssue` records (with safe, unique ids) and :func:`parse_profile`
reads one party's weights, evaluations, reservation value and discount factor
into a :class:`Profile`, matching issues by ``index`` and items by ``value``
and/or ``index``. Every problem of a file is collected and raised together as
one :class:`~dealspace.errors.DealspaceError` naming the file and the element
path (e.g. ``objective/issue[index=2]/item[index=3]@evaluation``).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from dealspace.errors import DealspaceError, Problem, did_you_mean
from dealspace.scenario.genius.text import number, unique_ids


@dataclass(frozen=True)
class DomainItem:
    """One item of a domain issue: its index (if given), value text and dealspace id."""

    index: int | None
    value: str
    id: str


@dataclass(frozen=True)
class DomainIssue:
    """One discrete domain issue: its index, name, dealspace id and items."""

    index: int
    name: str
    id: str
    items: tuple[DomainItem, ...]

    @property
    def path(self) -> str:
        """The issue's element path in error messages."""
        return f"objective/issue[index={self.index}]"


@dataclass(frozen=True)
class Profile:
    """One party's profile; weights and evaluations keyed by domain issue index."""

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


def file_kind(root: ET.Element) -> str | None:
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


def _check_flat(container: ET.Element, problems: _Problems) -> None:
    nested = container.find(".//objective")
    if nested is not None:
        problems.add(
            f"objective/objective[index={nested.get('index', '?')}]",
            "nested objectives (an objective tree) are not supported",
            "flatten the tree: list every issue directly under the root objective",
        )


def parse_domain(path: Path, root: ET.Element) -> tuple[DomainIssue, ...]:
    """The discrete issues of a domain file, in file order.

    Raises
    ------
    DealspaceError
        Listing every problem of the file (bad or repeated indexes and values,
        non-discrete issues, issues with fewer than two items, nested objectives).
    """
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
            DomainIssue(
                index=index,
                name=name,
                id=issue_id,
                items=tuple(
                    DomainItem(i, v, o) for (i, v), o in zip(items, option_ids, strict=True)
                ),
            )
        )
    return tuple(out)


def parse_profile(path: Path, root: ET.Element, issues: tuple[DomainIssue, ...]) -> Profile:
    """One party's profile over the domain ``issues``.

    Raises
    ------
    DealspaceError
        Listing every problem of the file (issues or items not in the domain,
        missing or invalid evaluations and weights, bad reservation value or
        discount factor).
    """
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
    return Profile(path, weights, evaluations, reservation, discount)


def _evaluations(element: ET.Element, issue: DomainIssue, problems: _Problems) -> dict[str, float]:
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
        x = number(text)
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
    x = number(text)
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
    x = number(text)
    if x is None:
        problems.add(
            f"{tag}@value", f"'{text}' is not a finite number", "write a number such as 0.5"
        )
    return x
