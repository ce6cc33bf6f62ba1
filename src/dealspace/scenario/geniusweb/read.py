"""Read GeniusWeb JSON: a domain and ``LinearAdditiveUtilitySpace`` profiles → Scenario.

GeniusWeb (the successor of Genius) stores a profile as

.. code-block:: json

    {"LinearAdditiveUtilitySpace": {
        "name": "...",
        "domain": {"name": "...", "issuesValues": {
            "color": {"values": ["red", "blue"]},
            "price": {"range": {"low": 0, "high": 10, "step": 1}}}},
        "issueWeights": {"color": 0.4, "price": 0.6},
        "issueUtilities": {
            "color": {"discreteutils": {"valueUtilities": {"red": 1, "blue": 0.3}}},
            "price": {"numberutils": {"lowValue": 0, "lowUtility": 1,
                                      "highValue": 10, "highUtility": 0}}},
        "reservationBid": {"issuevalues": {"color": "blue", "price": 10}}}}

and its utility of a bid as ``Σ_i w_i · u_i(v_i)`` (weights summing to 1,
utilities in [0, 1]; a number issue's utility interpolates linearly between
its low and high value). The loader keeps every bid's utility: a discrete
issue's ``valueUtilities`` become the option values with weight
``w_i · max u_i`` (dealspace divides the values by their maximum), a number
issue becomes a numeric grid with the two points as its value function
(weight ``w_i`` times the largest utility on the grid). The reservation bid's utility
(or a ``reserved_value``, as NegMAS writes it) becomes the BATNA. GeniusWeb has
no status quo: each issue's first value is used (arbitrary, noted).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dealspace.errors import DealspaceError
from dealspace.scenario.bounds import MAX_MAGNITUDE, shown
from dealspace.scenario.genius.text import unique_ids
from dealspace.scenario.load import read_document, scenario_from_data
from dealspace.scenario.model import MAX_NUMERIC_OPTIONS, NumericRange, Scenario

SPACE = "LinearAdditiveUtilitySpace"

IMPORT_NOTE = (
    "Imported from GeniusWeb JSON. GeniusWeb has no status quo: dealspace uses each issue's "
    "first value (discrete) or low end (number) as the status quo, an arbitrary convention; "
    "each party's BATNA is the utility of its reservation bid (0 without one)."
)


def _fail(where: str, what: str, fix: str, source: Path) -> DealspaceError:
    return DealspaceError.single(where, what, fix, str(source))


def is_profile(data: Any) -> bool:
    return isinstance(data, dict) and SPACE in data


def is_domain(data: Any) -> bool:
    return isinstance(data, dict) and "issuesValues" in data


def _number(x: Any, where: str, source: Path) -> float:
    if isinstance(x, int) and not isinstance(x, bool) and abs(x) > MAX_MAGNITUDE:
        raise _fail(
            where, f"{shown(x)} is beyond ±{shown(MAX_MAGNITUDE)}", "use smaller units", source
        )
    try:
        y = float(x)
    except (TypeError, ValueError, OverflowError):
        raise _fail(where, f"{str(x)[:40]!r} is not a number", "write a number", source) from None
    if not math.isfinite(y):
        raise _fail(where, f"{x!r} is not finite", "write a finite number", source)
    if abs(y) > MAX_MAGNITUDE:
        raise _fail(
            where, f"{shown(y)} is beyond ±{shown(MAX_MAGNITUDE)}", "use smaller units", source
        )
    return y


def _issues(domain: dict[str, Any], source: Path) -> list[dict[str, Any]]:
    """The domain's issues: name, and ``values`` (discrete) or ``low``/``high``/``step``."""
    values = domain.get("issuesValues")
    if not isinstance(values, dict) or not values:
        raise _fail("domain.issuesValues", "no issues", "list the issues and their values", source)
    out: list[dict[str, Any]] = []
    for name, spec in values.items():
        where = f"domain.issuesValues.{name}"
        if isinstance(spec, dict) and isinstance(spec.get("values"), list) and spec["values"]:
            out.append({"name": str(name), "values": [str(v) for v in spec["values"]]})
        elif isinstance(spec, dict) and isinstance(spec.get("range"), dict | list):
            r = spec["range"]
            low, high, step = (
                (r.get("low"), r.get("high"), r.get("step")) if isinstance(r, dict) else r
            )
            lo = _number(low, f"{where}.range.low", source)
            hi = _number(high, f"{where}.range.high", source)
            by = _number(step, f"{where}.range.step", source)
            entry: dict[str, Any] = {"name": str(name), "low": lo, "high": hi, "step": by}
            if by <= 0 or hi < lo:
                raise _fail(
                    f"{where}.range", "needs low ≤ high and step > 0", "fix the range", source
                )
            out.append(entry)
        else:
            raise _fail(
                where,
                "neither 'values' (discrete) nor 'range' (number)",
                "give one of them",
                source,
            )
    return out


def _utility_fn(spec: Any, issue: dict[str, Any], where: str, source: Path) -> Any:
    """A discrete issue's {value: utility}, or a number issue's (low, lowU, high, highU)."""
    if not isinstance(spec, dict) or len(spec) != 1:
        raise _fail(
            where, 'expected {"discreteutils": …} or {"numberutils": …}', "fix the profile", source
        )
    kind, body = next(iter(spec.items()))
    if kind == "discreteutils" and "values" in issue:
        table = body.get("valueUtilities") if isinstance(body, dict) else None
        if not isinstance(table, dict):
            raise _fail(
                f"{where}.discreteutils", "no valueUtilities", "map each value to a utility", source
            )
        return {str(k): _number(v, f"{where}.valueUtilities.{k}", source) for k, v in table.items()}
    if kind == "numberutils" and "low" in issue:
        keys = ("lowValue", "lowUtility", "highValue", "highUtility")
        nums = tuple(_number(body.get(k), f"{where}.numberutils.{k}", source) for k in keys)
        if nums[2] <= nums[0]:
            raise _fail(
                f"{where}.numberutils", "highValue must be above lowValue", "fix the values", source
            )
        return nums
    raise _fail(
        where,
        f"'{kind}' does not fit the issue's value set",
        "match the domain's issue kind",
        source,
    )


def _grid(issue: dict[str, Any]) -> dict[str, float]:
    step = issue["step"]
    span = issue["high"] - issue["low"]
    if span / step + 1 > MAX_NUMERIC_OPTIONS:
        step = span / (MAX_NUMERIC_OPTIONS - 1)
    return {"min": issue["low"], "max": issue["high"], "step": step if span > 0 else 1.0}


def _utility(weights: dict[str, float], fns: dict[str, Any], bid: dict[str, Any]) -> float:
    """GeniusWeb's utility of a bid: Σ w_i u_i(v_i) (0 for an issue missing or out of range)."""
    total = 0.0
    for name, w in weights.items():
        fn, value = fns[name], bid.get(name)
        if isinstance(fn, dict):
            total += w * fn.get(str(value), 0.0)
        elif value is not None:
            lo, lu, hi, hu = fn
            x = float(value)
            total += w * (0.0 if x < lo or x > hi else lu + (hu - lu) * (x - lo) / (hi - lo))
    return total


def load_geniusweb(
    profiles: Sequence[Path], domain: Path | None = None, name: str | None = None
) -> Scenario:
    """Load GeniusWeb profiles (and optionally the domain file) as a Scenario.

    Raises
    ------
    DealspaceError
        Naming the file and the JSON path of each problem: fewer than two
        profiles, profiles on different domains, a utility that does not fit
        its issue, weights or utilities that are not numbers.
    """
    paths = [Path(p) for p in profiles]
    if len(paths) < 2:
        raise DealspaceError.single(
            "", "a negotiation needs at least two profiles", "give two or more"
        )
    docs = [(p, read_document(p)) for p in paths]
    for p, d in docs:
        if not is_profile(d):
            raise _fail(
                "", f"not a GeniusWeb {SPACE} profile", "give LinearAdditiveUtilitySpace JSON", p
            )
    domain_doc = read_document(domain) if domain is not None else docs[0][1][SPACE].get("domain")
    source = domain if domain is not None else paths[0]
    if not is_domain(domain_doc):
        raise _fail("domain", "no GeniusWeb domain (issuesValues)", "give the domain file", source)
    issues = _issues(domain_doc, source)
    names = [i["name"] for i in issues]
    issue_ids = unique_ids(names, [f"issue{k + 1}" for k in range(len(issues))])
    option_ids = {
        i["name"]: unique_ids(i["values"], [f"v{j + 1}" for j in range(len(i["values"]))])
        for i in issues
        if "values" in i
    }
    party_ids = unique_ids(
        [str(d[SPACE].get("name") or p.stem) for p, d in docs], [p.stem for p, _ in docs]
    )
    parties = []
    for party_id, (path, doc) in zip(party_ids, docs, strict=True):
        space = doc[SPACE]
        own = space.get("domain")
        if is_domain(own) and [i["name"] for i in _issues(own, path)] != names:
            raise _fail(
                "domain",
                "the profile's domain has other issues",
                "use profiles of one domain",
                path,
            )
        raw_weights = space.get("issueWeights") or {}
        weights = {n: _number(raw_weights.get(n), f"issueWeights.{n}", path) for n in names}
        utils = space.get("issueUtilities") or {}
        fns = {
            i["name"]: _utility_fn(utils.get(i["name"]), i, f"issueUtilities.{i['name']}", path)
            for i in issues
        }
        valuations: dict[str, Any] = {}
        for issue, issue_id in zip(issues, issue_ids, strict=True):
            fn, w = fns[issue["name"]], weights[issue["name"]]
            if isinstance(fn, dict):
                table = {
                    o: fn.get(v, 0.0)
                    for v, o in zip(issue["values"], option_ids[issue["name"]], strict=True)
                }
                top = max(table.values())
                valuations[issue_id] = {"weight": w * top if top > 0 else 0.0, "value": table}
            else:
                lo, lu, hi, hu = fn
                grid = NumericRange(**_grid(issue)).grid()
                top = max(lu + (hu - lu) * (x - lo) / (hi - lo) for x in grid)
                valuations[issue_id] = {
                    "weight": w * top if top > 0 else 0.0,
                    "value": [[lo, lu], [hi, hu]],
                }
        bid = (space.get("reservationBid") or {}).get("issuevalues")
        if isinstance(bid, dict):
            batna = _utility(weights, fns, bid)
        else:
            rv = space.get("reserved_value")
            batna = _number(rv, "reserved_value", path) if rv is not None else 0.0
        parties.append(
            {
                "id": party_id,
                "name": str(space.get("name") or path.stem),
                "source": path.name,
                "batna": batna,
                "valuations": valuations,
            }
        )
    domain_issues: list[dict[str, Any]] = []
    for issue, issue_id in zip(issues, issue_ids, strict=True):
        if "values" in issue:
            ids = option_ids[issue["name"]]
            domain_issues.append(
                {
                    "id": issue_id,
                    "name": issue["name"],
                    "status_quo": ids[0],
                    "options": [
                        {"id": o, "label": v} for o, v in zip(ids, issue["values"], strict=True)
                    ],
                }
            )
        else:
            domain_issues.append(
                {
                    "id": issue_id,
                    "name": issue["name"],
                    "range": _grid(issue),
                    "status_quo": issue["low"],
                }
            )
    domain_name = str(domain_doc.get("name") or "geniusweb")
    data = {
        "name": unique_ids([name or domain_name], ["geniusweb"])[0],
        "title": f"GeniusWeb domain {domain_name}",
        "notes": IMPORT_NOTE,
        "parties": parties,
        "domains": [{"id": "geniusweb", "name": domain_name, "issues": domain_issues}],
    }
    return scenario_from_data(data, str(source))


def load_geniusweb_folder(folder: Path) -> Scenario:
    """Every GeniusWeb profile (``*.json`` with a LinearAdditiveUtilitySpace) of a folder,
    with the folder's domain file if there is one."""
    folder = Path(folder)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".json")
    docs = [(p, read_document(p)) for p in files]
    profiles = [p for p, d in docs if is_profile(d)]
    domains = [p for p, d in docs if is_domain(d)]
    if len(domains) > 1:
        raise _fail(
            "",
            f"several GeniusWeb domains: {', '.join(p.name for p in domains)}",
            "keep one domain per folder",
            folder,
        )
    return load_geniusweb(profiles, domains[0] if domains else None, name=folder.resolve().name)
