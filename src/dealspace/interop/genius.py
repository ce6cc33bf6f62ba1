"""Write a scenario as Genius XML or GeniusWeb JSON with dealspace's utilities.

The scenario layer's writers take each party's per-option values and BATNA as
arguments (the scenario layer computes no utilities); these functions compute
them with :mod:`dealspace.space`, the one utility definition, and call them.
"""

from __future__ import annotations

from pathlib import Path

from dealspace.errors import DealspaceError
from dealspace.scenario.genius.write import genius_problems, write_genius
from dealspace.scenario.model import Scenario
from dealspace.space import issue_values, utilities


def value_inputs(scenario: Scenario) -> tuple[dict[tuple[str, str], list[float]], dict[str, float]]:
    """Each party's ``v̂`` per option (best = 1) of the issues it values, and its BATNA in points.

    ``value: economy`` valuations are left out (the writers refuse them); a
    ``status_quo`` BATNA is the party's utility of the status-quo package.
    """
    values = {
        (party.id, issue.id): [float(v) for v in issue_values(party.valuations[issue.id], issue)]
        for party in scenario.parties
        for issue in scenario.issues
        if issue.id in party.valuations and party.valuations[issue.id].value != "economy"
    }
    batnas: dict[str, float] = {}
    status_quo = None
    for p, party in enumerate(scenario.parties):
        if party.batna == "status_quo":
            if status_quo is None:
                status_quo = utilities(scenario, scenario.status_quo())
            batnas[party.id] = float(status_quo[p])
        else:
            batnas[party.id] = float(party.batna)
    return values, batnas


def write_genius_scenario(scenario: Scenario, folder: Path, overwrite: bool = False) -> list[Path]:
    """:func:`~dealspace.scenario.genius.write.write_genius` with dealspace's values and BATNAs."""
    problems = genius_problems(scenario)
    if problems:  # before computing utilities (an economy valuation would run the GE model)
        raise DealspaceError(
            problems, f"scenario '{scenario.name}' cannot be written as Genius XML"
        )
    values, batnas = value_inputs(scenario)
    return write_genius(scenario, folder, values, batnas, overwrite=overwrite)


def write_geniusweb_scenario(
    scenario: Scenario, folder: Path, overwrite: bool = False
) -> list[Path]:
    """:func:`~dealspace.scenario.geniusweb.write.write_geniusweb` with dealspace's values and BATNAs."""
    from dealspace.scenario.geniusweb import write_geniusweb

    problems = genius_problems(scenario)
    if problems:
        raise DealspaceError(
            problems, f"scenario '{scenario.name}' cannot be written as GeniusWeb JSON"
        )
    values, batnas = value_inputs(scenario)
    return write_geniusweb(scenario, folder, values, batnas, overwrite=overwrite)
