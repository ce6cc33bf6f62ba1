"""Semantic checks of a scenario: what pydantic's field types cannot see.

Duplicate ids, references to unknown issues, options or parties, status quos
off the option list, weights that are all zero, value functions that do not
fit their issue, and a party's own hard constraints that no package can meet
(a red line that excludes every option, a must-have that contradicts a red
line). Every problem is reported with its field path and a fix.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from dealspace.errors import DealspaceError, Problem, did_you_mean

if TYPE_CHECKING:
    from dealspace.scenario.model import Condition, Constraint, Issue, Party, Scenario

#: Largest product of option counts enumerated to test a party's constraints.
MAX_CHECK_COMBINATIONS = 1_000_000


def raise_problems(scenario: Scenario) -> None:
    """Raise one DealspaceError listing every problem, or return quietly."""
    problems = list(find_problems(scenario))
    if problems:
        raise DealspaceError(problems)


def find_problems(s: Scenario) -> Iterator[Problem]:
    yield from _duplicates("parties", [p.id for p in s.parties])
    yield from _duplicates("domains", [d.id for d in s.domains])
    yield from _duplicate_issues(s)
    issues: dict[str, Issue] = {}
    for d, domain in enumerate(s.domains):
        for i, issue in enumerate(domain.issues):
            where = f"domains[{d}].issues[{i}]"
            issues.setdefault(issue.id, issue)
            yield from _issue_problems(issue, where)
    yield from _tariff_shares(s)
    yield from _owner_problems(s)
    reference_problems = False
    for p, party in enumerate(s.parties):
        for problem in _party_problems(party, f"parties[{p}]", issues):
            reference_problems = True
            yield problem
    if not reference_problems:
        for p, party in enumerate(s.parties):
            yield from _contradictions(party, f"parties[{p}]", issues)


def _owner_problems(s: Scenario) -> Iterator[Problem]:
    """Each issue's ``owners`` are parties of the scenario."""
    parties = [p.id for p in s.parties]
    for d, domain in enumerate(s.domains):
        for i, issue in enumerate(domain.issues):
            for k, owner in enumerate(issue.owners or []):
                if owner not in parties:
                    yield Problem(
                        f"domains[{d}].issues[{i}].owners[{k}]",
                        f"unknown party '{owner}'",
                        did_you_mean(owner, parties),
                    )


#: Slack allowed when the shares of one pair's flow are added (shares are typed with a few decimals).
SHARE_SLACK = 1e-9


def _tariff_shares(s: Scenario) -> Iterator[Problem]:
    """The tariff issues on one country pair cover shares of one flow: they must add up to at most 1."""
    pairs: dict[tuple[str, str], list[tuple[str, str, float]]] = {}
    for d, domain in enumerate(s.domains):
        for i, issue in enumerate(domain.issues):
            if issue.tariff is not None:
                key = (issue.tariff.levied_by, issue.tariff.on)
                pairs.setdefault(key, []).append(
                    (f"domains[{d}].issues[{i}].tariff.share", issue.id, issue.tariff.share)
                )
    for (by, on), parts in pairs.items():
        total = math.fsum(share for _, _, share in parts)
        if total > 1 + SHARE_SLACK:
            listed = ", ".join(f"'{issue_id}' {share:g}" for _, issue_id, share in parts)
            yield Problem(
                parts[-1][0],
                f"the tariff issues levied by {by} on {on} cover {total:g} of that flow ({listed}); "
                "shares of one country pair's flow must add up to at most 1",
                "lower the shares (each is the part of the flow the issue's rate applies to), or set 'share' on every issue of the pair",
            )


def _duplicates(where: str, ids: list[str]) -> Iterator[Problem]:
    for name, count in Counter(ids).items():
        if count > 1:
            yield Problem(
                f"{where}[{ids.index(name)}].id",
                f"the id '{name}' is used {count} times",
                "give each one a different id",
            )


def _duplicate_issues(s: Scenario) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for d, domain in enumerate(s.domains):
        for i, issue in enumerate(domain.issues):
            where = f"domains[{d}].issues[{i}].id"
            if issue.id in seen:
                yield Problem(
                    where,
                    f"the issue id '{issue.id}' is already used at {seen[issue.id]}",
                    "issue ids must be unique across all domains: rename one",
                )
            else:
                seen[issue.id] = where


def _issue_problems(issue: Issue, where: str) -> Iterator[Problem]:
    if issue.options is not None:
        yield from _duplicates(f"{where}.options", [str(o) for o in issue.option_ids])
        if len(issue.option_ids) < 2:
            yield Problem(
                f"{where}.options",
                f"issue '{issue.id}' has a single option: there is nothing to negotiate",
                "add the alternatives on the table, or drop the issue",
            )
    if issue.option_index(issue.status_quo) is None:
        shown = _options_text(issue)
        yield Problem(
            f"{where}.status_quo",
            f"the status quo '{issue.status_quo}' is not an option of issue '{issue.id}'",
            f"choose one of {shown}"
            if issue.numeric
            else did_you_mean(str(issue.status_quo), map(str, issue.option_ids)),
        )
    if (
        issue.tariff is not None
        and issue.tariff.rates is None
        and not (issue.numeric and (issue.unit or "").strip() == "%")
    ):
        yield Problem(
            f"{where}.tariff.rates",
            f"tariff issue '{issue.id}' does not say which rate each option means",
            "give 'rates: {option: percent}' or make the issue numeric with unit '%'",
        )
    if issue.tariff is not None and issue.tariff.rates is not None:
        for key in issue.tariff.rates:
            if issue.option_index(key) is None:
                yield Problem(
                    f"{where}.tariff.rates.{key}",
                    f"'{key}' is not an option of issue '{issue.id}'",
                    did_you_mean(key, map(str, issue.option_ids)),
                )


def _options_text(issue: Issue) -> str:
    ids = [f"{v:g}" if isinstance(v, float) else v for v in issue.option_ids]
    if len(ids) > 8:
        ids = [*ids[:3], "…", *ids[-2:]]
    return ", ".join(ids)


def _party_problems(party: Party, where: str, issues: dict[str, Issue]) -> Iterator[Problem]:
    for issue_id, valuation in party.valuations.items():
        at = f"{where}.valuations.{issue_id}"
        issue = issues.get(issue_id)
        if issue is None:
            yield Problem(at, f"unknown issue '{issue_id}'", did_you_mean(issue_id, issues))
            continue
        value = valuation.value
        if isinstance(value, dict):
            for key in value:
                if issue.option_index(key) is None:
                    yield Problem(
                        f"{at}.value.{key}",
                        f"'{key}' is not an option of issue '{issue_id}'",
                        did_you_mean(key, map(str, issue.option_ids)),
                    )
            given = {issue.option_index(k) for k in value}
            missing = [str(o) for k, o in enumerate(issue.option_ids) if k not in given]
            if missing and len(missing) < len(issue.option_ids):
                yield Problem(
                    f"{at}.value",
                    f"no value for option(s) {', '.join(missing[:6])}",
                    "give a value (≥ 0) for every option of the issue",
                )
        elif value in ("increasing", "decreasing") or isinstance(value, list):
            if not issue.numeric:
                yield Problem(
                    f"{at}.value",
                    f"issue '{issue_id}' is discrete; '{value if isinstance(value, str) else 'points'}'"
                    " only applies to numeric issues",
                    "give a value per option: {option: value, …}",
                )
        elif value == "economy" and (issue.tariff is None or party.country is None):
            missing_part = (
                "the issue has no 'tariff' block"
                if issue.tariff is None
                else (f"party '{party.id}' has no 'country'")
            )
            yield Problem(
                f"{at}.value",
                f"'economy' needs a tariff issue and a party with a country: {missing_part}",
                "add 'tariff: {levied_by: USA, on: JPN}' to the issue and 'country: JPN' to the party",
            )
    weights = [v.weight for v in party.valuations.values()]
    bonuses = [b.bonus for b in (*party.nice_to_haves, *party.interactions)]
    if not any(w > 0 for w in weights) and not any(b != 0 for b in bonuses):
        yield Problem(
            f"{where}.valuations",
            f"party '{party.id}' values nothing: every weight is zero or none is given",
            "give at least one issue a positive weight",
        )
    for kind in ("must_haves", "red_lines", "nice_to_haves", "interactions"):
        items = getattr(party, kind)
        yield from _duplicates(f"{where}.{kind}", [c.id for c in items if c.id])
        for k, item in enumerate(items):
            yield from _condition_problems(item.condition, f"{where}.{kind}[{k}].condition", issues)


def _condition_problems(cond: Condition, where: str, issues: dict[str, Issue]) -> Iterator[Problem]:
    from dealspace.scenario.model import AllOf, AnyOf, IfThen, IssueIs, Not

    if isinstance(cond, IssueIs):
        issue = issues.get(cond.issue)
        if issue is None:
            yield Problem(
                f"{where}.issue", f"unknown issue '{cond.issue}'", did_you_mean(cond.issue, issues)
            )
            return
        for key, refs in (("in", cond.in_), ("not_in", cond.not_in)):
            for k, ref in enumerate(refs or []):
                if issue.option_index(ref) is None:
                    hint = (
                        f"choose one of {_options_text(issue)}"
                        if issue.numeric
                        else did_you_mean(str(ref), map(str, issue.option_ids))
                    )
                    yield Problem(
                        f"{where}.{key}[{k}]",
                        f"'{ref}' is not an option of issue '{issue.id}'",
                        hint,
                    )
        if (cond.min is not None or cond.max is not None) and not issue.numeric:
            yield Problem(
                where,
                f"'min'/'max' apply only to numeric issues; '{issue.id}' is discrete",
                "list the options with 'in' or 'not_in'",
            )
    elif isinstance(cond, AllOf | AnyOf):
        subs = cond.all if isinstance(cond, AllOf) else cond.any
        key = "all" if isinstance(cond, AllOf) else "any"
        for k, sub in enumerate(subs):
            yield from _condition_problems(sub, f"{where}.{key}[{k}]", issues)
    elif isinstance(cond, Not):
        yield from _condition_problems(cond.not_, f"{where}.not", issues)
    elif isinstance(cond, IfThen):
        yield from _condition_problems(cond.if_, f"{where}.if", issues)
        yield from _condition_problems(cond.then, f"{where}.then", issues)


# ------------------------------------------------------------ contradictions


def _contradictions(party: Party, where: str, issues: dict[str, Issue]) -> Iterator[Problem]:
    """A party's own hard constraints must leave at least one package."""
    from dealspace.scenario.model import condition_issues

    hard: list[tuple[str, Constraint, bool]] = [
        (f"{where}.must_haves[{k}]", c, True) for k, c in enumerate(party.must_haves)
    ] + [(f"{where}.red_lines[{k}]", c, False) for k, c in enumerate(party.red_lines)]
    if not hard:
        return
    # Group constraints that share issues; each group is checked on its own grid.
    groups: list[tuple[set[str], list[int]]] = []
    for k, (_, c, _) in enumerate(hard):
        touched = set(condition_issues(c.condition))
        merged = [g for g in groups if g[0] & touched]
        members = [k]
        for g in merged:
            touched |= g[0]
            members += g[1]
            groups.remove(g)
        groups.append((touched, sorted(members)))
    for touched, members in groups:
        order = sorted(touched)
        sizes = [len(issues[i].option_ids) for i in order]
        if math.prod(sizes) > MAX_CHECK_COMBINATIONS:
            continue  # too large to enumerate here; the engine reports an empty space
        chosen = [hard[k] for k in members]
        if _satisfiable(chosen, order, issues):
            continue
        conflict = _minimal_conflict(chosen, order, issues)
        yield _contradiction_problem(conflict, party, issues)


def _satisfiable(
    hard: list[tuple[str, Any, bool]], order: list[str], issues: dict[str, Issue]
) -> bool:
    from dealspace.scenario.conditions import holds, product_grid

    grid = product_grid([len(issues[i].option_ids) for i in order])
    choice = dict(zip(order, grid, strict=True))
    ok = np.ones(grid[0].shape, dtype=bool)
    for _, c, must in hard:
        h = holds(c.condition, issues, choice)
        ok &= h if must else ~h
    return bool(ok.any())


def _minimal_conflict(
    hard: list[tuple[str, Any, bool]], order: list[str], issues: dict[str, Issue]
) -> list[tuple[str, Any, bool]]:
    """Deletion filter: drop each constraint whose removal keeps the conflict."""
    kept = list(hard)
    for item in list(hard):
        trial = [x for x in kept if x is not item]
        if trial and not _satisfiable(trial, order, issues):
            kept = trial
    return kept


def _contradiction_problem(
    conflict: list[tuple[str, Any, bool]], party: Party, issues: dict[str, Issue]
) -> Problem:
    from dealspace.scenario.model import condition_issues

    def name(item: tuple[str, Any, bool]) -> str:
        kind = "must-have" if item[2] else "red line"
        return f"{kind} '{item[1].id or item[1].label or item[0]}'"

    touched = sorted({i for _, c, _ in conflict for i in condition_issues(c.condition)})
    if len(conflict) == 1:
        where, c, must = conflict[0]
        what = (
            f"party '{party.id}': this {'must-have can never hold' if must else 'red line excludes every option'}"
            f" of {', '.join(touched)}"
        )
        return Problem(where, what, "allow at least one option, or remove the constraint")
    musts = [x for x in conflict if x[2]]
    reds = [x for x in conflict if not x[2]]
    if musts and reds:
        what = (
            f"party '{party.id}': {', '.join(map(name, musts))} contradicts its own "
            f"{', '.join(map(name, reds))} (on {', '.join(touched)})"
        )
    else:
        what = f"party '{party.id}': {', '.join(map(name, conflict))} together leave no option (on {', '.join(touched)})"
    return Problem(conflict[0][0], what, "relax one of them so that some package can meet all")
