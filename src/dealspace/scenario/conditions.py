"""Evaluate conditions (must-haves, red lines, bonuses) on many packages at once.

A package is given as option indices: ``choice[issue_id]`` is an integer array
(one entry per package), so a condition on k issues evaluates on their whole
product grid in one vectorised pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from dealspace.scenario.model import (
    AllOf,
    AnyOf,
    Condition,
    IfThen,
    Issue,
    IssueIs,
    Not,
    condition_issues,
)
from dealspace.tolerances import CONDITION_TOL


def option_mask(test: IssueIs, issue: Issue) -> np.ndarray:
    """Boolean mask over the issue's options: which satisfy the one-issue test."""
    n = len(issue.option_ids)
    ok = np.ones(n, dtype=bool)
    if test.in_ is not None:
        allowed = np.zeros(n, dtype=bool)
        for ref in test.in_:
            k = issue.option_index(ref)
            if k is not None:
                allowed[k] = True
        ok &= allowed
    if test.not_in is not None:
        for ref in test.not_in:
            k = issue.option_index(ref)
            if k is not None:
                ok[k] = False
    if test.min is not None or test.max is not None:
        values = np.array([float(v) for v in issue.option_ids])
        tol = CONDITION_TOL
        if test.min is not None:
            ok &= values >= test.min - tol
        if test.max is not None:
            ok &= values <= test.max + tol
    return ok


def holds(
    cond: Condition, issues: Mapping[str, Issue], choice: Mapping[str, np.ndarray]
) -> np.ndarray:
    """Whether ``cond`` holds for each package in ``choice`` (arrays of option
    indices keyed by issue id; all the same shape)."""
    if isinstance(cond, IssueIs):
        return option_mask(cond, issues[cond.issue])[choice[cond.issue]]
    if isinstance(cond, AllOf):
        out = holds(cond.all[0], issues, choice)
        for sub in cond.all[1:]:
            out = out & holds(sub, issues, choice)
        return out
    if isinstance(cond, AnyOf):
        out = holds(cond.any[0], issues, choice)
        for sub in cond.any[1:]:
            out = out | holds(sub, issues, choice)
        return out
    if isinstance(cond, Not):
        return ~holds(cond.not_, issues, choice)
    if isinstance(cond, IfThen):
        return ~holds(cond.if_, issues, choice) | holds(cond.then, issues, choice)
    raise TypeError(f"not a condition: {cond!r}")


def product_grid(sizes: list[int]) -> list[np.ndarray]:
    """Option indices of every combination of issues with the given sizes
    (C order: the last issue varies fastest)."""
    if not sizes:
        return []
    grids = np.indices(sizes).reshape(len(sizes), -1)
    return [grids[k] for k in range(len(sizes))]


def linked_issues(
    issue_ids: Sequence[str], conditions: Iterable[Condition]
) -> list[tuple[str, ...]]:
    """Groups of issues read together by some condition (connected components,
    by union-find), each in ``issue_ids`` order; groups in order of first issue."""
    parent = {i: i for i in issue_ids}

    def find(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for cond in conditions:
        touched = condition_issues(cond)
        for other in touched[1:]:
            parent[find(other)] = find(touched[0])
    groups: dict[str, list[str]] = {}
    for i in issue_ids:
        groups.setdefault(find(i), []).append(i)
    return [tuple(g) for g in groups.values()]


def describe(cond: Condition) -> str:
    """A condition in plain words, e.g. ``if auto_tariff ≤ 15 then investment_size ∈ {bn550}``."""
    if isinstance(cond, IssueIs):
        parts = []
        if cond.in_ is not None:
            parts.append(f"{cond.issue} ∈ {{{', '.join(map(str, cond.in_))}}}")
        if cond.not_in is not None:
            parts.append(f"{cond.issue} ∉ {{{', '.join(map(str, cond.not_in))}}}")
        if cond.min is not None and cond.max is not None:
            parts.append(f"{cond.min:g} ≤ {cond.issue} ≤ {cond.max:g}")
        elif cond.min is not None:
            parts.append(f"{cond.issue} ≥ {cond.min:g}")
        elif cond.max is not None:
            parts.append(f"{cond.issue} ≤ {cond.max:g}")
        return " and ".join(parts)
    if isinstance(cond, AllOf):
        return " and ".join(f"({describe(c)})" for c in cond.all)
    if isinstance(cond, AnyOf):
        return " or ".join(f"({describe(c)})" for c in cond.any)
    if isinstance(cond, Not):
        return f"not ({describe(cond.not_)})"
    if isinstance(cond, IfThen):
        return f"if {describe(cond.if_)} then {describe(cond.then)}"
    raise TypeError(f"not a condition: {cond!r}")
