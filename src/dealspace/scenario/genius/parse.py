"""Check Genius XML trees and turn them into plain records, following Genius's rules.

:func:`file_kind` tells a domain file from a profile file; :func:`parse_domain`
reads a domain's issues (discrete items, or the bounds of ``integer`` and
``real`` issues) into :class:`DomainIssue` records and :func:`parse_profile`
reads one party's weights, evaluations, linear evaluators, reservation value
and discount factor into a :class:`Profile`.

Where Genius 10.4 (``genius.core.utility.AdditiveUtilitySpace`` and its
evaluators) loads a file, so does this module, with Genius's reading:

* issues are matched by ``index``, anywhere in the objective tree (objective
  nodes only group issues; Genius ignores their weights), and a ``<weight>``
  whose index names no issue (the root objective's) is ignored;
* discrete items are matched by their ``value`` text (item indexes are not
  used unless an item has no value); an item listed twice in the domain is one
  item; an item evaluated twice keeps its last evaluation;
* an evaluation that is ``"null"`` or not a number leaves the item without an
  evaluation — counted as 0 (Genius's ``getValue``), and reported in
  :attr:`Profile.notes`;
* an integer issue's evaluation is ``clamp(slope·(x − lowerbound) + offset,
  0, 1)``, a real issue's ``clamp(parameter1·x + parameter0, 0, 1)`` (or the
  constant ``parameter0``);
* a discount factor that is not a number, or outside (0, 1], is 1; a
  reservation value that is not a number is absent (0).

Every problem that stops Genius too is collected and raised together as one
:class:`~dealspace.errors.DealspaceError` naming the file and the element path
(e.g. ``objective/issue[index=2]/item[value=Crete]@evaluation``).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from dealspace.errors import DealspaceError, Problem
from dealspace.scenario.bounds import MAX_MAGNITUDE, MAX_POINTS, shown
from dealspace.scenario.genius.text import number, unique_ids

#: Issue kinds Genius evaluates additively.
KINDS = ("discrete", "integer", "real")
#: ``<utility_space type=…>`` values that are not additive (Genius's UTILITYSPACETYPE).
NON_ADDITIVE = ("nonlinear", "constraint")
#: Elements that only non-additive (hyper-rectangle / constraint) profiles hold.
NON_ADDITIVE_TAGS = ("hyperRectangle", "ufun", "utility", "constraint", "rconstraint")


@dataclass(frozen=True)
class DomainItem:
    """One item of a discrete domain issue: its index (if given), value text and dealspace id."""

    index: int | None
    value: str
    id: str


@dataclass(frozen=True)
class DomainIssue:
    """One domain issue: discrete ``items``, or ``integer``/``real`` with bounds."""

    index: int
    name: str
    id: str
    kind: str = "discrete"
    items: tuple[DomainItem, ...] = ()
    lower: float = 0.0
    upper: float = 0.0

    @property
    def path(self) -> str:
        """The issue's element path in error messages."""
        return f"objective/issue[index={self.index}]"


@dataclass(frozen=True)
class Linear:
    """Genius's linear evaluator: ``clamp(slope·(x − origin) + offset, 0, 1)``.

    ``origin`` is the issue's lower bound for integer issues and 0 for real
    issues (Genius's ``EvaluatorInteger`` and ``EvaluatorReal``); a
    ``constant`` real evaluator is ``slope = 0`` and is not clamped.
    """

    slope: float
    offset: float
    origin: float = 0.0
    clamp: bool = True

    def __call__(self, x: float) -> float:
        y = self.slope * (x - self.origin) + self.offset
        return min(1.0, max(0.0, y)) if self.clamp else y

    @property
    def steepest(self) -> float:
        """The largest ``|slope|`` of the function (for error bounds)."""
        return abs(self.slope)

    def points(self, lower: float, upper: float) -> list[list[float]]:
        """The function on [lower, upper] as piecewise-linear points (clamp corners exact)."""
        if upper <= lower:
            return [[lower, self(lower)], [lower + 1.0, self(lower)]]
        inner = ([x, level] for x, level in self.kinks(lower, upper))
        return [[lower, self(lower)], *inner, [upper, self(upper)]]

    def kinks(self, lower: float, upper: float) -> list[tuple[float, float]]:
        """The points ``(x, level)`` in (lower, upper) where the clamp bends the line."""
        if not self.clamp or self.slope == 0:
            return []
        out = []
        for level in (0.0, 1.0):
            x = self.origin + (level - self.offset) / self.slope
            if lower < x < upper:
                out.append((x, level))
        return sorted(out)


@dataclass(frozen=True)
class Triangular:
    """Genius's triangular real evaluator (``EVALFUNCTYPE.evalTriangular``):
    0 up to ``low``, rising linearly to 1 at ``top``, falling to 0 at ``high``, 0 beyond."""

    low: float
    high: float
    top: float

    def __call__(self, x: float) -> float:
        if x < self.low:
            return 0.0
        if x < self.top:
            return (x - self.low) / (self.top - self.low)
        if x < self.high:
            return 1.0 - (x - self.top) / (self.high - self.top)
        return 0.0

    @property
    def steepest(self) -> float:
        """The largest ``|slope|`` of the function (for error bounds)."""
        rise = 1 / (self.top - self.low) if self.top > self.low else 0.0
        fall = 1 / (self.high - self.top) if self.high > self.top else 0.0
        return max(rise, fall)

    def points(self, lower: float, upper: float) -> list[list[float]]:
        """Piecewise-linear points on [lower, upper]; a jump (``top == low``) gets a
        point just before it."""
        if upper <= lower:
            return [[lower, self(lower)], [lower + 1.0, self(lower)]]
        corners = (x for x in (self.low, self.top, self.high) if lower < x < upper)
        xs = sorted({lower, upper, *corners})
        out = [[x, self(x)] for x in xs]
        if self.top <= self.low and lower < self.low < upper:  # the rise is a jump at low
            out.insert(xs.index(self.low), [self.low - 1e-9 * (upper - lower), 0.0])
        return out


@dataclass(frozen=True)
class Profile:
    """One party's profile, keyed by domain issue index.

    ``evaluations`` holds a discrete issue's item id → evaluation (items
    without a usable evaluation are absent), ``functions`` an integer or real
    issue's :class:`Linear` evaluator; ``notes`` lists where Genius's rules
    replaced what the file says; ``outside`` the largest evaluation of items
    that are not in the domain (Genius divides by it too).
    """

    path: Path
    weights: dict[int, float]
    evaluations: dict[int, dict[str, float]]
    functions: dict[int, Linear | Triangular]
    reservation: float | None
    discount: float | None
    kind: str = "linear"
    notes: tuple[str, ...] = field(default=())
    outside: dict[int, float] = field(default_factory=dict)


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


def non_additive(root: ET.Element) -> str | None:
    """Why a profile is not additive (Genius's nonlinear/constraint spaces), or None."""
    space = _space(root)
    kind = (space.get("type") if space is not None else None) or root.get("type") or ""
    if kind.strip().lower() in NON_ADDITIVE:
        return f'<utility_space type="{kind.strip()}">'
    for tag in NON_ADDITIVE_TAGS:
        if root.find(f".//{tag}") is not None:
            return f"<{tag}> elements"
    return None


def file_kind(root: ET.Element) -> str | None:
    """``"domain"``, ``"profile"`` or None (not a Genius file).

    A file with a <negotiation_template> is a domain; otherwise a
    <utility_space> is a profile when it is non-additive or holds what only
    profiles hold (an item ``evaluation``, an ``<evaluator>`` or a ``<weight>``).
    """
    if root.tag == "negotiation_template" or root.find(".//negotiation_template") is not None:
        return "domain"
    space = _space(root)
    if space is None:
        return None
    if non_additive(root) is not None:
        return "profile"
    if any("evaluation" in item.attrib for item in space.iter("item")):
        return "profile"
    if space.find(".//evaluator") is not None or space.find(".//weight") is not None:
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


def issue_kind(element: ET.Element) -> str:
    """An issue element's kind: its ``type``, else ``etype``, else ``vtype``, else discrete."""
    for key in ("type", "etype", "vtype"):
        text = element.get(key)
        if text and text.strip():
            return text.strip().lower()
    return "discrete"


def _bounds(element: ET.Element) -> tuple[str | None, str | None]:
    """The ``lowerbound``/``upperbound`` texts: attributes, else a ``<range>`` child."""
    lower, upper = element.get("lowerbound"), element.get("upperbound")
    node = element.find("range")
    if node is not None:
        lower = lower if lower is not None else node.get("lowerbound")
        upper = upper if upper is not None else node.get("upperbound")
    return lower, upper


def parse_domain(path: Path, root: ET.Element) -> tuple[DomainIssue, ...]:
    """The issues of a domain file, in file order.

    Raises
    ------
    DealspaceError
        Listing every problem of the file (bad or repeated issue indexes, items
        without a value, issues without items, missing or bad bounds,
        unsupported issue types).
    """
    problems = _Problems(path)
    space = _space(root)
    assert space is not None, "classified as a domain"
    container = _container(space)
    raw: list[tuple[int, str, str, list[tuple[int | None, str]], float, float]] = []
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
        name = issue.get("name") or f"issue {index}"
        kind = issue_kind(issue)
        if kind not in KINDS:
            problems.add(
                f"{where}@type",
                f"issue type '{kind}' is not supported (Genius's additive issues are "
                "discrete, integer or real)",
                'use type="discrete" with <item> values, or an integer/real range',
            )
            continue
        if kind == "discrete":
            items = _domain_items(issue, where, problems)
            raw.append((index, name, kind, items, 0.0, 0.0))
            continue
        lower, upper = _range(issue, where, kind, problems)
        if lower is not None and upper is not None:
            raw.append((index, name, kind, [], lower, upper))
    if not raw and not problems.items:
        problems.add(
            "objective", "the domain has no <issue>", "list the issues under the root <objective>"
        )
    problems.raise_if_any()
    issue_ids = unique_ids([r[1] for r in raw], [f"issue{r[0]}" for r in raw])
    out = []
    for (index, name, kind, items, lower, upper), issue_id in zip(raw, issue_ids, strict=True):
        option_ids = unique_ids(
            [value for _, value in items],
            [f"item{i if i is not None else j + 1}" for j, (i, _) in enumerate(items)],
        )
        out.append(
            DomainIssue(
                index=index,
                name=name,
                id=issue_id,
                kind=kind,
                items=tuple(
                    DomainItem(i, v, o) for (i, v), o in zip(items, option_ids, strict=True)
                ),
                lower=lower,
                upper=upper,
            )
        )
    return tuple(out)


def _domain_items(
    issue: ET.Element, where: str, problems: _Problems
) -> list[tuple[int | None, str]]:
    """A discrete issue's (index, value) items; a value listed twice is one item."""
    items: list[tuple[int | None, str]] = []
    values: set[str] = set()
    for j, item in enumerate(issue.iter("item")):
        value = item.get("value")
        if value is None:
            problems.add(
                f"{where}/item[{j + 1}]@value",
                "the item has no 'value'",
                "give every <item> a 'value' attribute",
            )
            continue
        if value in values:
            continue  # Genius: the same value, the same item
        values.add(value)
        items.append((_int(item.get("index")), value))
    if not items and not any(p.where.startswith(where) for p in problems.items):
        problems.add(
            where, "the discrete issue has no <item>", "list the issue's values as <item> elements"
        )
    # An item index is used only to find an item that has no value in a
    # profile; drop indexes that are repeated, since they name no one item.
    counts: dict[int, int] = {}
    for i, _ in items:
        if i is not None:
            counts[i] = counts.get(i, 0) + 1
    return [(i if i is not None and counts[i] == 1 else None, v) for i, v in items]


def _range(
    issue: ET.Element, where: str, kind: str, problems: _Problems
) -> tuple[float | None, float | None]:
    lower_text, upper_text = _bounds(issue)
    if lower_text is None or upper_text is None:
        problems.add(
            where,
            f"the {kind} issue has no lowerbound/upperbound",
            'add lowerbound="…" upperbound="…" (attributes or a <range> element)',
        )
        return None, None
    convert = _int if kind == "integer" else number
    lower, upper = convert(lower_text), convert(upper_text)
    if lower is None or upper is None:
        bad = lower_text if lower is None else upper_text
        problems.add(
            f"{where}@lowerbound" if lower is None else f"{where}@upperbound",
            f"'{bad}' is not {'an integer' if kind == 'integer' else 'a finite number'}",
            f"write the bound as {'an integer' if kind == 'integer' else 'a number'}",
        )
        return None, None
    if lower > upper:
        problems.add(
            where, f"lowerbound {lower_text} is above upperbound {upper_text}", "swap them"
        )
        return None, None
    if max(abs(lower), abs(upper)) > MAX_MAGNITUDE:
        problems.add(
            where,
            f"the bounds {shown(lower)}..{shown(upper)} go beyond ±{shown(MAX_MAGNITUDE)}, "
            "the largest magnitude dealspace accepts",
            "use smaller units",
        )
        return None, None
    return float(lower), float(upper)


def parse_profile(path: Path, root: ET.Element, issues: tuple[DomainIssue, ...]) -> Profile:
    """One party's additive profile over the domain ``issues``.

    Raises
    ------
    DealspaceError
        For a non-additive profile (one clear message), or listing every
        problem of the file that Genius cannot load either (issues not in the
        domain, missing evaluators or weights, weights that are not numbers).
    """
    problems = _Problems(path)
    why = non_additive(root)
    if why is not None:
        raise DealspaceError.single(
            "",
            f"the profile is not additive ({why}: a nonlinear or constraint utility space); "
            "dealspace reads additive Genius profiles only",
            "use an additive (linear) profile: weights and per-item evaluations",
            str(path),
        )
    space = _space(root)
    assert space is not None, "classified as a profile"
    kind = (space.get("type") or "linear").strip().lower()
    container = _container(space)
    by_index = {issue.index: issue for issue in issues}
    notes: list[str] = []
    evaluations: dict[int, dict[str, float]] = {}
    functions: dict[int, Linear | Triangular] = {}
    outside: dict[int, float] = {}
    attribute_weights: dict[int, float] = {}
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
        if index in evaluations or index in functions:
            problems.add(
                where, f"the issue index {index} appears twice", "evaluate each issue once"
            )
            continue
        if issue.kind == "discrete":
            evaluations[index] = _evaluations(element, issue, problems, notes, outside)
        else:
            linear = _linear(element, issue, problems)
            if linear is not None:
                functions[index] = linear
        if element.get("weight") is not None:
            attribute_weights[index] = _weight(element.get("weight"), f"{where}@weight", problems)
    weights = _weights(container, by_index, attribute_weights, problems)
    for issue in issues:
        if issue.index not in evaluations and issue.index not in functions:
            if not any(p.where.startswith(issue.path) for p in problems.items):
                problems.add(
                    issue.path,
                    f"the profile does not evaluate the domain issue '{issue.name}' (index {issue.index})",
                    "add the issue with an 'evaluation' for each item (or an <evaluator>)",
                )
        elif issue.index not in weights:
            problems.add(
                issue.path,
                f"issue '{issue.name}' (index {issue.index}) has no weight",
                f'add <weight index="{issue.index}" value="…"/> to the objective',
            )
    if not problems.items and not any(w > 0 for w in weights.values()):
        problems.add(
            "objective/weight",
            "every weight is zero: the party values nothing",
            "give at least one issue a positive weight",
        )
    reservation = _reservation(root, notes)
    discount = _discount(root, notes)
    problems.raise_if_any()
    return Profile(
        path, weights, evaluations, functions, reservation, discount, kind, tuple(notes), outside
    )


def _weights(
    container: ET.Element,
    by_index: dict[int, DomainIssue],
    attribute_weights: dict[int, float],
    problems: _Problems,
) -> dict[int, float]:
    """Issue index → weight; ``<weight>`` elements naming no issue are ignored (as Genius does)."""
    weights = dict(attribute_weights)
    for element in container.iter("weight"):
        index = _int(element.get("index"))
        if index is None or index not in by_index:
            continue  # the root objective's weight, or an objective node's: Genius ignores it
        where = f"objective/weight[index={index}]"
        w = _weight(element.get("value"), f"{where}@value", problems)
        if index in attribute_weights and not math.isclose(
            attribute_weights[index], w, rel_tol=1e-12, abs_tol=1e-15
        ):
            problems.add(
                where,
                f"issue {index} has two different weights ({attribute_weights[index]:g} and {w:g})",
                "give each issue one weight (a <weight> element or a 'weight' attribute, not both)",
            )
        weights[index] = w
    return weights


def _evaluations(
    element: ET.Element,
    issue: DomainIssue,
    problems: _Problems,
    notes: list[str],
    maxima: dict[int, float],
) -> dict[str, float]:
    """Item id → evaluation; items matched by ``value`` (by ``index`` only without a value)."""
    by_value = {item.value: item for item in issue.items}
    by_index = {item.index: item for item in issue.items if item.index is not None}
    out: dict[str, float] = {}
    unusable: list[str] = []
    unknown: list[str] = []
    outside: dict[str, float] = {}
    for j, node in enumerate(element.iter("item")):
        value = node.get("value")
        raw_index = node.get("index")
        if value is not None:
            at = f"{issue.path}/item[value={value}]"
            item = by_value.get(value)
            if item is None:  # Genius keeps it (its evaluation counts in the maximum)
                unknown.append(repr(value))
                x = number(node.get("evaluation"))
                if x is not None and x >= 0:
                    outside[value] = x
                continue
        else:
            at = f"{issue.path}/item[{'index=' + raw_index if raw_index else j + 1}]"
            position = _int(raw_index)
            found = by_index.get(position) if position is not None else None
            if found is None:
                problems.add(
                    at,
                    "the item has no 'value' and its 'index' names no domain item",
                    "name the domain item by 'value'",
                )
                continue
            item = found
        text = node.get("evaluation")
        x = number(text)
        if x is None:
            # Genius skips an evaluation it cannot read ("null", "high", NaN, missing).
            out.pop(item.id, None)
            unusable.append(item.value)
            continue
        if x > MAX_POINTS:
            problems.add(
                f"{at}@evaluation",
                f"{text} is beyond {shown(MAX_POINTS)}, the largest evaluation dealspace accepts",
                "rescale the evaluations (Genius divides them by the largest anyway)",
            )
            continue
        if x < 0:
            problems.add(
                f"{at}@evaluation",
                f"{text} is negative",
                "use evaluations ≥ 0 (the best item gets the most; Genius refuses negatives too)",
            )
            continue
        out[item.id] = x  # an item evaluated twice keeps its last evaluation, as in Genius
    if unknown:
        notes.append(
            f"issue '{issue.name}': item(s) {', '.join(unknown[:6])} are not in the domain "
            "(no outcome has them; Genius still divides by the largest evaluation, theirs included)"
        )
    if outside:
        maxima[issue.index] = max(outside.values())
    missing = [item.value for item in issue.items if item.id not in out]
    if missing:
        notes.append(
            f"issue '{issue.name}': no usable evaluation for {', '.join(repr(m) for m in missing[:6])}"
            f"{' …' if len(missing) > 6 else ''} (Genius skips it; counted as 0)"
        )
    return out


def _linear(
    element: ET.Element, issue: DomainIssue, problems: _Problems
) -> Linear | Triangular | None:
    """The linear evaluator of an integer or real issue, as Genius reads it."""
    where = f"{issue.path}/evaluator"
    node = element.find("evaluator")
    if issue.kind == "integer":
        lower_text, _ = _bounds(element)
        origin = _int(lower_text) if lower_text is not None else None
        if origin is None:
            origin = int(issue.lower)
        if node is None:
            return Linear(0.0, 0.0, float(origin))  # Genius: slope 0, offset 0
        slope, offset = number(node.get("slope")), number(node.get("offset"))
        if node.get("slope") is None and node.get("offset") is None:
            # the older form, as for real issues: parameter1·x + parameter0
            p0, p1 = number(node.get("parameter0")), number(node.get("parameter1"))
            if p0 is not None and p1 is not None:
                return Linear(p1, p0, 0.0)
        if slope is None or offset is None:
            problems.add(
                where,
                f"the integer evaluator needs numeric 'slope' and 'offset' (got {node.get('slope')!r}, "
                f"{node.get('offset')!r})",
                '<evaluator ftype="linear" slope="…" offset="…"/>',
            )
            return None
        return Linear(slope, offset, float(origin))
    if node is None:
        problems.add(
            where,
            "the real issue has no <evaluator>",
            '<evaluator ftype="linear" parameter0="offset" parameter1="slope"/>',
        )
        return None
    ftype = (node.get("ftype") or "").strip().lower()
    p0, p1 = number(node.get("parameter0")), number(node.get("parameter1"))
    if ftype == "constant" and p0 is not None:
        return Linear(0.0, p0, 0.0, clamp=False)
    if ftype == "linear" and p0 is not None and p1 is not None:
        return Linear(p1, p0, 0.0)
    p2 = number(node.get("parameter2"))
    if ftype == "triangular" and p0 is not None and p1 is not None and p2 is not None:
        if not p0 <= p2 <= p1 or p0 == p1:
            problems.add(
                where,
                "a triangular evaluator needs parameter0 ≤ parameter2 ≤ parameter1 (low, top, "
                f"high), got {p0:g}, {p2:g}, {p1:g}",
                "fix the parameters",
            )
            return None
        return Triangular(p0, p1, p2)
    problems.add(
        where,
        f"evaluator ftype {ftype!r} with parameter0={node.get('parameter0')!r}, "
        f"parameter1={node.get('parameter1')!r} is not a linear, constant or triangular evaluator",
        '<evaluator ftype="linear" parameter0="offset" parameter1="slope"/>',
    )
    return None


def _weight(text: str | None, where: str, problems: _Problems) -> float:
    x = number(text)
    if x is None:
        problems.add(where, f"'{text}' is not a finite number", "write a weight ≥ 0, e.g. 0.25")
        return 0.0
    if x < 0:
        problems.add(where, f"the weight {text} is negative", "use weights ≥ 0")
        return 0.0
    if x > MAX_POINTS:
        problems.add(
            where,
            f"the weight {text} is beyond {shown(MAX_POINTS)}, the largest dealspace accepts",
            "Genius weights are normally shares that add up to 1: rescale them",
        )
        return 0.0
    return x


def _reservation(root: ET.Element, notes: list[str]) -> float | None:
    """The last readable ``<reservation value>``; one Genius cannot read is absent (0)."""
    out = None
    for node in root.iter("reservation"):
        x = number(node.get("value"))
        if x is None:
            notes.append(
                f"reservation value {node.get('value')!r} is not a number: Genius ignores it (0)"
            )
            continue
        out = x
    return out


def _discount(root: ET.Element, notes: list[str]) -> float | None:
    """The ``<discount_factor>``: Genius reads 1 for text that is not a number in (0, 1]."""
    out = None
    for node in root.iter("discount_factor"):
        text = node.get("value")
        x = number(text)
        if x is None or not 0 < x <= 1:
            notes.append(f"discount factor {text!r} is not a number in (0, 1]: Genius uses 1")
            x = 1.0
        out = x
    return out
