"""Write an additive Scenario as GeniusWeb JSON: a domain file and one profile per party.

Every issue is written as a discrete GeniusWeb issue (numeric issues as their
grid values), each profile as a ``LinearAdditiveUtilitySpace`` with weights
``w_pi / W_p`` and value utilities ``v̂_pi`` (best option = 1), so GeniusWeb's
utility of every bid is ``u_p(x) / W_p`` (``W_p`` = the party's total weight
over the issues it values, as for Genius XML). Like the Genius writer, it
takes the values and BATNAs from the caller (the scenario layer computes no
utilities; see :func:`dealspace.interop.genius.write_geniusweb_scenario`).

The BATNA: a party whose BATNA is ``status_quo`` gets the status-quo package
as its ``reservationBid`` (exact); a numeric BATNA has no bid in GeniusWeb and
is written as ``reserved_value: BATNA / W_p``, the key NegMAS reads (GeniusWeb
itself reads only the bid).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dealspace.errors import DealspaceError
from dealspace.scenario.genius.write import Values, genius_problems, profile_scale
from dealspace.scenario.model import Scenario


def _value_texts(scenario: Scenario) -> dict[str, list[str]]:
    return {
        issue.id: [f"{float(x):.12g}" if issue.numeric else str(x) for x in issue.option_ids]
        for issue in scenario.issues
    }


def geniusweb_documents(
    scenario: Scenario, values: Values, batnas: Mapping[str, float]
) -> dict[str, dict[str, Any]]:
    """``{file stem: JSON document}``: the domain, then one profile per party."""
    problems = genius_problems(scenario, values)
    if problems:
        raise DealspaceError(
            problems, f"scenario '{scenario.name}' cannot be written as GeniusWeb JSON"
        )
    texts = _value_texts(scenario)
    domain = {
        "name": scenario.name,
        "issuesValues": {issue.id: {"values": texts[issue.id]} for issue in scenario.issues},
    }
    out: dict[str, dict[str, Any]] = {f"{scenario.name}_domain": domain}
    status_quo = {issue.id: texts[issue.id][issue.status_quo_index] for issue in scenario.issues}
    for party in scenario.parties:
        total, weights, evals = profile_scale(scenario, party, values)
        space: dict[str, Any] = {
            "name": party.id,
            "domain": domain,
            "issueWeights": {i: w / total for i, w in weights.items()},
            "issueUtilities": {
                issue.id: {
                    "discreteutils": {
                        "valueUtilities": dict(zip(texts[issue.id], evals[issue.id], strict=True))
                    }
                }
                for issue in scenario.issues
            },
        }
        if party.batna == "status_quo":
            space["reservationBid"] = {"issuevalues": status_quo}
        else:
            space["reserved_value"] = float(batnas[party.id]) / total
        out[party.id] = {"LinearAdditiveUtilitySpace": space}
    return out


def write_geniusweb(
    scenario: Scenario,
    folder: Path,
    values: Values,
    batnas: Mapping[str, float],
    overwrite: bool = False,
) -> list[Path]:
    """Write the GeniusWeb JSON files (domain first); never overwrites unless asked."""
    folder = Path(folder)
    documents = geniusweb_documents(scenario, values, batnas)
    targets = [folder / f"{stem}.json" for stem in documents]
    if not overwrite:
        for target in targets:
            if target.exists():
                raise DealspaceError.single(
                    "",
                    "the file exists and would be overwritten",
                    "choose another folder or pass overwrite=True (--overwrite)",
                    str(target),
                )
    folder.mkdir(parents=True, exist_ok=True)
    for target, doc in zip(targets, documents.values(), strict=True):
        target.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return targets
