"""The compiled deal space: one utility definition, sub-spaces cut without recompiling."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from dealspace import load_scenario
from dealspace.analysis.bargaining import is_solution, nash, solve
from dealspace.analysis.pareto import is_pareto_optimal, pareto_frontier
from dealspace.scenario.model import Scenario
from dealspace.space import acceptable, compile, hard_constraints, utilities, value_tables

DATA = Path(__file__).parent / "data"
SCENARIOS = [DATA / "toy.yaml", *sorted((DATA / "linkage").glob("*.yaml"))]


def feasible_set(space) -> dict[tuple, tuple]:
    """Every feasible package (as a tuple of options) with its utilities, by enumeration."""
    out = {}
    for rows in itertools.product(*(range(b.size) for b in space.blocks)):
        pkg = space.package(rows)
        util = sum(b.utility[r] for b, r in zip(space.blocks, rows, strict=True))
        out[tuple(str(pkg[i]) for i in space.scenario.issue_ids)] = tuple(np.round(util, 9))
    return out


def brute(scenario: Scenario, drop=(), fixed=None, issues=None) -> dict[tuple, tuple]:
    """Feasible packages straight from the definitions (no blocks)."""
    held = dict(fixed or {})
    if issues is not None:
        sq = scenario.status_quo()
        held.update({i: sq[i] for i in scenario.issue_ids if i not in issues and i not in held})
    out = {}
    options = [scenario.issue(i).option_ids for i in scenario.issue_ids]
    for combo in itertools.product(*options):
        pkg = dict(zip(scenario.issue_ids, combo, strict=True))
        if any(str(pkg[i]) != str(v) for i, v in held.items()):
            continue
        if acceptable(scenario, pkg, drop):
            util = utilities(scenario, pkg)
            out[tuple(str(x) for x in combo)] = tuple(np.round(util, 9))
    return out


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_restricted_views_equal_brute_force(path: Path) -> None:
    scenario = load_scenario(path)
    space = compile(scenario)
    keys = [c.key for c in hard_constraints(scenario)]
    ids = scenario.issue_ids
    cases = [dict(), *({"drop": [k]} for k in keys), {"issues": ids[:1]}, {"issues": ids[1:]}]
    first = scenario.issues[0]
    cases += [{"fixed": {first.id: o}} for o in first.option_ids]
    for case in cases:
        view = space.restrict(
            drop=case.get("drop", ()), fixed=case.get("fixed", {}), issues=case.get("issues")
        )
        assert view.compiled is space.compiled  # cut, not recompiled
        assert feasible_set(view) == brute(scenario, **case), case
        assert feasible_set(view) == feasible_set(compile(scenario, **case)), case


def test_values_drive_every_utility(toy: Scenario) -> None:
    """A space built with ``values=`` uses them in its blocks, its utility()
    and therefore in every solver and checker."""
    table = value_tables(toy)
    given = {}
    for party in toy.parties:
        for issue_id, valuation in party.valuations.items():
            raw = table[party.id, issue_id] / valuation.weight
            given[party.id, issue_id] = raw[::-1].copy()  # reverse every preference
    space = compile(toy, values=given)
    assert not np.allclose(space.status_quo_utility, compile(toy).status_quo_utility)
    frontier = pareto_frontier(space)
    for k in range(len(frontier)):
        package = frontier.package(k)
        np.testing.assert_allclose(space.utility(package), frontier.utilities[k])
        assert is_pareto_optimal(space, package)
    for name in ("nash", "ks", "egalitarian", "utilitarian"):
        best = solve(space, name)
        if best.agreement:
            assert is_solution(space, best.package, name)
    best = nash(space)
    if best.agreement:
        assert is_solution(space, best.package)


def test_restrict_keeps_value_tables(toy: Scenario) -> None:
    given = {k: np.ones_like(v) for k, v in value_tables(toy).items()}
    space = compile(toy, values=given)
    view = space.restrict(drop=[c.key for c in hard_constraints(toy)][:1])
    package = toy.status_quo()
    np.testing.assert_allclose(view.utility(package), space.utility(package))


def test_builtin_us_japan_views_match_recompiled() -> None:
    scenario = load_scenario("us-japan-2025")
    space = compile(scenario)
    for domain in scenario.domains[:2]:
        issues = [i.id for i in domain.issues]
        view = space.restrict(issues=issues)
        fresh = compile(scenario, issues=issues)
        assert [b.size for b in view.blocks] == [b.size for b in fresh.blocks]
        for a, b in zip(view.blocks, fresh.blocks, strict=True):
            np.testing.assert_array_equal(a.options, b.options)
            np.testing.assert_allclose(a.utility, b.utility)


def test_package_count_is_exact() -> None:
    scenario = load_scenario("us-japan-2025")
    space = compile(scenario)
    assert isinstance(space.n_outcomes, int)
    assert space.n_outcomes == np.prod([b.size for b in space.blocks], dtype=object)


def test_jointly_priced_tariffs_are_one_block_and_one_utility() -> None:
    """Tariff issues on one flow are priced jointly: they sit in one block, and the
    blocks' utility equals the one definition for every frontier package."""
    from dealspace.space import joint_groups

    scenario = load_scenario("us-japan-2025")
    space = compile(scenario)
    groups = [g for _, g in joint_groups(space.table)]
    assert groups, "us-japan-2025 prices its tariff issues on the US–Japan flow jointly"
    for group in groups:
        assert any(set(group) <= set(b.issues) for b in space.blocks)
    frontier = pareto_frontier(space)
    for k in range(0, len(frontier), max(1, len(frontier) // 25)):
        np.testing.assert_allclose(
            space.utility(frontier.package(k)), frontier.utilities[k], atol=1e-9
        )
