"""The mediator: the only module of the server that calls the dealspace engine.

The room keeps two kinds of data apart:

* the *shared* part of a scenario — its name, titles, the parties' ids, names
  and countries, and the domains with their issues and options;
* each party's *confidential preferences* — BATNA, valuations, must-haves,
  red lines, nice-to-haves, interactions (and the party's own notes).

Only here are the two put back together into a
:class:`~dealspace.scenario.model.Scenario`, and only to compute, with the
exact engine,

* whether a ZOPA exists (:func:`dealspace.analysis.zopa.zopa`) and each
  party's own shortfall;
* the single negotiating text: the Nash package
  :math:`\\arg\\max_x \\prod_i (u_i(x) - d_i)` over the feasible packages with
  the locked parts held fixed (:func:`dealspace.space.compile` with
  ``fixed=``, :func:`dealspace.analysis.bargaining.nash`);
* for each party a menu of equivalent offers
  (:func:`dealspace.analysis.offers.equivalent_offers`), stripped of every
  other party's utility.

A part of the text a party rejected is treated as that party's red line in
every later round (the exact combination of options it rejected), so the
mediator never proposes rejected terms to it again (Raiffa 1982, ch. 14: the
single negotiating text is revised from the parties' criticism).

References: H. Raiffa, *The Art and Science of Negotiation*, Harvard UP, 1982;
R. Fisher, "Playing the wrong game?", in *Dynamics of Third Party
Intervention*, 1981 (the single negotiating text).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dealspace.analysis.bargaining import nash
from dealspace.analysis.offers import equivalent_offers
from dealspace.analysis.zopa import zopa
from dealspace.errors import DealspaceError, Problem, did_you_mean
from dealspace.scenario import load_scenario
from dealspace.scenario.conditions import describe as _describe
from dealspace.scenario.conditions import option_mask
from dealspace.scenario.load import (
    check_shape,
    list_scenarios,
    parse_json,
    parse_yaml,
    scenario_from_data,
)
from dealspace.scenario.model import Constraint, Issue, IssueIs, Scenario
from dealspace.space import compile

#: Keys of a party that are shared with every participant.
PUBLIC_PARTY_KEYS = ("id", "name", "country")
#: Keys of a party's confidential preferences.
PRIVATE_KEYS = (
    "batna",
    "valuations",
    "must_haves",
    "red_lines",
    "nice_to_haves",
    "interactions",
    "source",
    "notes",
)
#: Offers in each party's menu.
MENU_SIZE = 3

Package = dict[str, Any]


class PreferenceError(Exception):
    """A party's preferences are invalid: problems with field paths relative
    to the preferences object (``valuations.rice.weight``)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


# ------------------------------------------------------------------ splitting


def split(scenario: Scenario) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A scenario → (shared part, {party: confidential preferences})."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    shared = {k: v for k, v in data.items() if k != "parties"}
    shared["parties"] = [{k: p[k] for k in PUBLIC_PARTY_KEYS if k in p} for p in data["parties"]]
    prefs = {p["id"]: {k: p[k] for k in PRIVATE_KEYS if k in p} for p in data["parties"]}
    return shared, prefs


def load(source: str | Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A built-in name or a scenario object (parsed JSON) → :func:`split`.

    Raises DealspaceError with field paths, exactly as for scenario files.
    """
    if isinstance(source, str):
        if source not in list_scenarios():
            raise DealspaceError.single(
                "scenario",
                f"no built-in scenario '{source}'",
                did_you_mean(source, list_scenarios()),
            )
        return split(load_scenario(source))
    check_shape(source, "scenario")
    economy = source.get("economy") if isinstance(source, Mapping) else None
    if isinstance(economy, Mapping) and economy.get("data", "default") != "default":
        # A path would make the server read its own files for a stranger.
        raise DealspaceError.single(
            "scenario.economy.data",
            "the room prices tariffs with the embedded data only",
            "remove 'data' or set it to 'default'",
        )
    return split(scenario_from_data(source, "scenario"))


def parse_upload(text: str, filename: str) -> Any:
    """An uploaded scenario file (YAML or JSON) → parsed data, read as safely as
    scenario files are (safe YAML, depth and alias-expansion limits)."""
    if not text.strip():
        raise DealspaceError.single(
            "", "the file is empty", "choose a scenario file", source=filename
        )
    data = (
        parse_json(text, filename)
        if filename.lower().endswith(".json")
        else parse_yaml(text, filename)
    )
    check_shape(data, filename)
    return data


def builtin_names() -> list[str]:
    return list_scenarios()


# ------------------------------------------------------------------ validation


def _placeholder(shared: Mapping[str, Any], party: Mapping[str, Any]) -> dict[str, Any]:
    """A party that values the first issue, so the others' checks pass."""
    first = shared["domains"][0]["issues"][0]
    value: Any = "increasing" if "range" in first else {_option_id(first["options"][0]): 1}
    return {**party, "valuations": {first["id"]: {"weight": 1, "value": value}}}


def _option_id(option: Any) -> str:
    return option["id"] if isinstance(option, dict) else str(option)


def validate(shared: Mapping[str, Any], party_id: str, prefs: Any) -> dict[str, Any]:
    """Check one party's preferences with the scenario models and checks.

    The other parties are replaced by placeholders, so no message can depend
    on their data. Returns the normalised preferences (JSON-ready).
    """
    if not isinstance(prefs, dict):
        raise PreferenceError(
            [Problem("", "the preferences must be a JSON object", 'send {"valuations": …}')]
        )
    unknown = sorted(set(prefs) - set(PRIVATE_KEYS))
    if unknown:
        raise PreferenceError(
            [Problem(k, f"unknown key '{k}'", did_you_mean(k, PRIVATE_KEYS)) for k in unknown]
        )
    index = next(k for k, p in enumerate(shared["parties"]) if p["id"] == party_id)
    parties = [
        {**p, **prefs} if k == index else _placeholder(shared, p)
        for k, p in enumerate(shared["parties"])
    ]
    try:
        scenario = scenario_from_data({**shared, "parties": parties}, "preferences")
    except DealspaceError as err:
        prefix = f"parties[{index}]"
        problems = []
        for p in err.problems:
            if p.where == prefix:
                problems.append(Problem("", p.what, p.fix))
            elif p.where.startswith(prefix + "."):
                problems.append(Problem(p.where[len(prefix) + 1 :], p.what, p.fix))
            elif not p.where.startswith("parties["):
                problems.append(p)
        raise PreferenceError(problems or [Problem("", "the preferences are not valid")]) from None
    return split(scenario)[1][party_id]


# ------------------------------------------------------------------ mediation


@dataclass(frozen=True)
class Advice:
    """What the mediator tells one party, and that party only."""

    utility: float | None
    batna: float
    shortfall: float | None
    offers: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "utility": _num(self.utility),
            "batna": _num(self.batna),
            "shortfall": _num(self.shortfall),
            "offers": self.offers,
        }


@dataclass(frozen=True)
class Mediation:
    """The mediator's result: ZOPA yes/no, the text (None without agreement),
    and each party's private advice."""

    zopa: bool
    text: Package | None
    advice: dict[str, Advice]


def assemble(
    shared: Mapping[str, Any],
    prefs: Mapping[str, Mapping[str, Any]],
    rejected: Mapping[str, list[Package]] | None = None,
    extra_must: Mapping[str, Any] | None = None,
) -> Scenario:
    """Shared part + every party's preferences (+ rejected terms as the
    rejecting party's red lines, + ``extra_must`` issue → option as must-haves
    of the first party) → a Scenario."""
    issues = {i["id"]: i for d in shared["domains"] for i in d["issues"]}
    parties = []
    for k, p in enumerate(shared["parties"]):
        party = {**p, **prefs[p["id"]]}
        lines = list(party.get("red_lines", []))
        for n, terms in enumerate((rejected or {}).get(p["id"], [])):
            lines.append(
                {
                    "id": f"mediator.rejected.{n}",
                    "label": "terms this party rejected",
                    "condition": {"all": [_is(issues[i], v) for i, v in terms.items()]},
                }
            )
        party["red_lines"] = lines
        if k == 0 and extra_must:
            party["must_haves"] = list(party.get("must_haves", [])) + [
                {"id": f"mediator.locked.{i}", "condition": _is(issues[i], v)}
                for i, v in extra_must.items()
            ]
        parties.append(party)
    return scenario_from_data({**shared, "parties": parties}, "negotiation")


#: Tariff pricing (GE model solves) by shared part: it depends on nothing private.
_PRICING: dict[str, Any] = {}


def _priced(scenario: Scenario, shared: Mapping[str, Any]) -> Any:
    """The GE pricing of the tariff issues, reused across rounds: it is a function
    of the issues, their tariff specs, the economy settings and the parties'
    countries — the shared part — so it is solved once per negotiation."""
    if not any(issue.tariff is not None for issue in scenario.issues):
        return None
    from dealspace.economy.scenario import price_tariffs

    key = json.dumps(shared, sort_keys=True)
    cached = _PRICING.get(key)
    if cached is None:
        if len(_PRICING) > 256:
            _PRICING.clear()
        cached = _PRICING[key] = price_tariffs(scenario)
    return cached


def _is(issue: Mapping[str, Any], option: Any) -> dict[str, Any]:
    if "range" in issue:
        return {"issue": issue["id"], "min": float(option), "max": float(option)}
    return {"issue": issue["id"], "in": [option]}


def mediate(
    shared: Mapping[str, Any],
    prefs: Mapping[str, Mapping[str, Any]],
    locked: Mapping[str, Any] | None = None,
    rejected: Mapping[str, list[Package]] | None = None,
) -> Mediation:
    """ZOPA, the Nash text with ``locked`` issues fixed, and each party's menu.

    ``rejected[party]`` lists the terms (issue → option of one part) the party
    rejected; they become its red lines. When the rejections leave the party
    no package at all, there is no agreement.
    """
    locked = dict(locked or {})
    party_ids = [p["id"] for p in shared["parties"]]
    try:
        scenario = assemble(shared, prefs, rejected)
    except DealspaceError:
        # Only the rejections can make valid preferences contradictory.
        return Mediation(False, None, {p: Advice(None, math.nan, None) for p in party_ids})
    pricing = _priced(scenario, shared)
    space = compile(scenario, fixed=locked, pricing=pricing)
    z = zopa(space)
    solution = nash(space)
    text = _plain(solution.package) if solution.agreement and solution.package else None
    advice = {}
    with_locks = (
        compile(assemble(shared, prefs, rejected, extra_must=locked), pricing=pricing)
        if locked
        else space
    )
    for p in party_ids:
        offers: list[dict[str, Any]] = []
        if text is not None:
            try:
                menu = equivalent_offers(with_locks, p, k=MENU_SIZE)
            except DealspaceError:
                menu = None
            if menu is not None:
                i = menu.parties.index(p)
                offers = [
                    {"package": _plain(o.package), "utility": _num(o.utilities[i])}
                    for o in menu.offers
                ]
        advice[p] = Advice(
            utility=float(solution.utilities[p]) if text is not None else None,
            batna=z.batna[p],
            shortfall=None if z.exists else z.shortfall[p],
            offers=offers,
        )
    return Mediation(zopa=z.exists, text=text, advice=advice)


def _plain(package: Mapping[str, Any]) -> Package:
    return {k: (float(v) if isinstance(v, int | float) else str(v)) for k, v in package.items()}


def _num(x: float | None) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), 6)


# ------------------------------------------------------------------ form helpers


def shared_issue(shared: Mapping[str, Any], issue_id: str) -> Issue:
    """The validated Issue model of a shared issue (for labels and option tests)."""
    for d in shared["domains"]:
        for i in d["issues"]:
            if i["id"] == issue_id:
                return Issue.model_validate(i)
    raise KeyError(issue_id)


def simple_options(issue: Issue, condition: Mapping[str, Any]) -> list[Any] | None:
    """The options satisfying a one-issue condition (``{issue, in|not_in|min|max}``),
    or None when the condition reads more than one issue."""
    if (
        set(condition) - {"issue", "in", "not_in", "min", "max"}
        or condition.get("issue") != issue.id
    ):
        return None
    mask = option_mask(IssueIs.model_validate(condition), issue)
    return [o for o, ok in zip(issue.option_ids, mask, strict=True) if ok]


def describe(constraint: Mapping[str, Any]) -> str:
    """A must-have, red line or bonus in plain words (its label, else its condition)."""
    try:
        model = Constraint.model_validate({"condition": constraint["condition"]})
    except Exception:  # noqa: BLE001  shown as given
        return str(constraint.get("condition"))
    return str(constraint.get("label") or _describe(model.condition))
