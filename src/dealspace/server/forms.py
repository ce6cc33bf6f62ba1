"""The preference form: a party's preferences ↔ the fields of an HTML form.

The form is generated from the shared issue list. For each issue: a weight
(slider and number), how options are valued (a score per option, or
increasing / decreasing over a numeric range, or ``economy``), and ticks:
*must* (the package must use one of the ticked options) and *never* (red
lines). One-issue must-haves and red lines from the scenario appear as ticks
and are kept unchanged when the ticks are; constraints that read several
issues, nice-to-haves and interactions are listed with a *keep* box. An
advanced field takes the whole preferences as JSON (the API's format).

Field names: ``batna_kind``, ``batna_value``, ``w.<issue>``, ``k.<issue>``,
``v.<issue>.<option position>``, ``must.<issue>`` and ``never.<issue>``
(values: option positions), ``keep.<list>.<index>``, ``json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dealspace.server import mediator

#: Numeric issues with more options than this get no per-option scores.
MAX_SCORED_OPTIONS = 40
LISTS = ("must_haves", "red_lines", "nice_to_haves", "interactions")


class FormError(ValueError):
    """A form field that cannot be read (e.g. a weight that is not a number)."""


def _simple(issue: Any, constraint: Mapping[str, Any]) -> list[Any] | None:
    cond = constraint.get("condition")
    if not isinstance(cond, dict):
        return None
    return mediator.simple_options(issue, cond)


def view(shared: Mapping[str, Any], party: str, prefs: Mapping[str, Any]) -> dict[str, Any]:
    """What the template needs to draw the form, prefilled from ``prefs``."""
    country = next((p.get("country") for p in shared["parties"] if p["id"] == party), None)
    valuations = prefs.get("valuations", {})
    domains = []
    kept: dict[str, list[dict[str, Any]]] = {k: [] for k in LISTS}
    simple_must: dict[str, set[int]] = {}
    simple_never: dict[str, set[int]] = {}
    issues = {
        i["id"]: mediator.shared_issue(shared, i["id"])
        for d in shared["domains"]
        for i in d["issues"]
    }
    for kind in ("must_haves", "red_lines"):
        for n, c in enumerate(prefs.get(kind, [])):
            cond = c.get("condition", {})
            issue = issues.get(cond.get("issue")) if isinstance(cond, dict) else None
            ok = _simple(issue, c) if issue is not None else None
            if issue is None or ok is None:
                kept[kind].append({"index": n, "text": mediator.describe(c)})
                continue
            marks = {k for k, o in enumerate(issue.option_ids) if o in ok}
            if kind == "must_haves":
                before = simple_must.get(issue.id)
                simple_must[issue.id] = marks if before is None else before & marks
            else:
                all_ = set(range(len(issue.option_ids)))
                simple_never[issue.id] = simple_never.get(issue.id, set()) | (all_ - marks)
    for kind in ("nice_to_haves", "interactions"):
        for n, c in enumerate(prefs.get(kind, [])):
            kept[kind].append(
                {"index": n, "text": f"{mediator.describe(c)} ({c.get('bonus'):+g} points)"}
            )
    for d in shared["domains"]:
        rows = []
        for raw in d["issues"]:
            issue = issues[raw["id"]]
            val = valuations.get(issue.id)
            value = val.get("value") if val else None
            kinds = ["scores"]
            if issue.numeric:
                kinds += ["increasing", "decreasing"]
            if issue.tariff is not None and country:
                kinds.append("economy")
            if isinstance(value, list):
                kinds.append("points")
            kind = (
                "scores"
                if value is None or isinstance(value, dict)
                else ("points" if isinstance(value, list) else value)
            )
            scored = not issue.numeric or len(issue.option_ids) <= MAX_SCORED_OPTIONS
            if not scored:
                kinds.remove("scores")
                if kind == "scores":
                    kind = kinds[0]
            scores = value if isinstance(value, dict) else {}
            options = [
                {
                    "index": k,
                    "label": issue.label(o),
                    "score": scores.get(f"{o:g}" if isinstance(o, float) else str(o), 0),
                    "must": k in simple_must.get(issue.id, set()),
                    "never": k in simple_never.get(issue.id, set()),
                }
                for k, o in enumerate(issue.option_ids)
            ]
            rows.append(
                {
                    "id": issue.id,
                    "name": issue.name or issue.id,
                    "weight": val.get("weight", 1.0) if val else 0,
                    "kind": kind,
                    "kinds": kinds,
                    "scored": scored,
                    "points": json.dumps(value) if isinstance(value, list) else None,
                    "options": options if scored else [],
                    "all_options": options,
                    "status_quo": issue.label(issue.option_ids[issue.status_quo_index]),
                }
            )
        domains.append({"id": d["id"], "name": d.get("name") or d["id"], "issues": rows})
    batna = prefs.get("batna", "status_quo")
    return {
        "batna_kind": "status_quo" if batna == "status_quo" else "number",
        "batna_value": "" if batna == "status_quo" else batna,
        "domains": domains,
        "kept": kept,
        "json": json.dumps(prefs, indent=2, ensure_ascii=False),
    }


def _number(text: Any, field: str) -> float:
    try:
        x = float(str(text).strip())
    except ValueError:
        raise FormError(f"{field}: '{text}' is not a number") from None
    return x


def read(shared: Mapping[str, Any], prefs: Mapping[str, Any], form: Any) -> dict[str, Any]:
    """Form fields (a multi-dict with ``get`` and ``getlist``) → preferences.

    Validation proper is left to the scenario models (:func:`mediator.validate`).
    """
    if form.get("use_json"):
        try:
            data = json.loads(form.get("json") or "")
        except json.JSONDecodeError as err:
            raise FormError(f"json: not valid JSON ({err.msg}, line {err.lineno})") from None
        return data if isinstance(data, dict) else {"": data}
    out: dict[str, Any] = {k: prefs[k] for k in ("source", "notes") if k in prefs}
    if form.get("batna_kind") == "number":
        out["batna"] = _number(form.get("batna_value"), "BATNA")
    else:
        out["batna"] = "status_quo"
    valuations: dict[str, Any] = {}
    must: list[dict[str, Any]] = []
    never: list[dict[str, Any]] = []
    old_vals = prefs.get("valuations", {})
    for d in shared["domains"]:
        for raw in d["issues"]:
            issue = mediator.shared_issue(shared, raw["id"])
            weight = _number(form.get(f"w.{issue.id}", 0) or 0, f"weight of {issue.id}")
            kind = form.get(f"k.{issue.id}", "scores")
            if weight > 0 or kind == "economy":
                if kind == "scores":
                    value: Any = {
                        (f"{o:g}" if isinstance(o, float) else str(o)): _number(
                            form.get(f"v.{issue.id}.{k}", 0) or 0, f"score of {issue.label(o)}"
                        )
                        for k, o in enumerate(issue.option_ids)
                    }
                elif kind == "points":
                    value = old_vals.get(issue.id, {}).get("value", "increasing")
                else:
                    value = kind
                valuations[issue.id] = {"weight": weight, "value": value}
                for key in ("source", "notes"):
                    if key in old_vals.get(issue.id, {}):
                        valuations[issue.id][key] = old_vals[issue.id][key]
            n = len(issue.option_ids)
            ticked_must = sorted(
                {
                    int(x)
                    for x in form.getlist(f"must.{issue.id}")
                    if str(x).isdigit() and int(x) < n
                }
            )
            ticked_never = sorted(
                {
                    int(x)
                    for x in form.getlist(f"never.{issue.id}")
                    if str(x).isdigit() and int(x) < n
                }
            )
            if ticked_must and len(ticked_must) < n:
                must.append(_tick(issue, ticked_must, "must"))
            elif len(ticked_must) == n:
                pass  # every option allowed: no constraint
            if ticked_never:
                never.append(_tick(issue, ticked_never, "never"))
    out["valuations"] = valuations
    # One-issue constraints: keep the originals when the ticks did not change.
    view_now = view(shared, "", prefs)
    unchanged = {
        r["id"]
        for dom in view_now["domains"]
        for r in dom["issues"]
        if not r["scored"]  # no ticks shown: constraints kept as they are
        or [o["index"] for o in r["all_options"] if o["must"]] == _ticks(form, f"must.{r['id']}")
        and [o["index"] for o in r["all_options"] if o["never"]] == _ticks(form, f"never.{r['id']}")
    }
    for kind, fresh in (("must_haves", must), ("red_lines", never)):
        kept = []
        for n, c in enumerate(prefs.get(kind, [])):
            cond = c.get("condition", {})
            one = isinstance(cond, dict) and _is_simple(shared, c)
            if one and cond.get("issue") in unchanged or not one and form.get(f"keep.{kind}.{n}"):
                kept.append(c)
        kept += [c for c in fresh if c["condition"]["issue"] not in unchanged]
        if kept:
            out[kind] = kept
    for kind in ("nice_to_haves", "interactions"):
        kept = [c for n, c in enumerate(prefs.get(kind, [])) if form.get(f"keep.{kind}.{n}")]
        if kept:
            out[kind] = kept
    return out


def _ticks(form: Any, name: str) -> list[int]:
    return sorted({int(x) for x in form.getlist(name) if str(x).isdigit()})


def _is_simple(shared: Mapping[str, Any], c: Mapping[str, Any]) -> bool:
    cond = c.get("condition", {})
    try:
        issue = mediator.shared_issue(shared, cond.get("issue"))
    except KeyError:
        return False
    return _simple(issue, c) is not None


def _tick(issue: Any, ticked: list[int], kind: str) -> dict[str, Any]:
    options = [issue.option_ids[k] for k in ticked]
    labels = ", ".join(issue.label(o) for o in options)
    name = issue.name or issue.id
    return {
        "id": f"{issue.id}.{kind}",
        "label": f"{name}: {'one of' if kind == 'must' else 'never'} {labels}",
        "condition": {"issue": issue.id, "in": list(options)},
    }
