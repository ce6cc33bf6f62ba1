"""Evaluate conditions (must-haves, red lines, bonuses) on many packages at once.

A package is given as option indices: ``choice[issue_id]`` is an integer array
(one entry per package), so a condition on k issues evaluates on their whole
product grid in one vectorised pass.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from dealspace.scenario.model import AllOf, AnyOf, Condition, IfThen, Issue, IssueIs, Not


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
        tol = 1e-9
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
