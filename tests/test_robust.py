"""Robustness under uncertain preferences: against exact enumeration and a symmetric case."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import numpy as np
import pytest

from dealspace.analysis.bargaining import nash
from dealspace.analysis.pareto import pareto_frontier
from dealspace.analysis.robust import Reweigher, near_ties, robust, uncertain_numbers
from dealspace.errors import DealspaceError
from dealspace.scenario.model import Scenario
from dealspace.space import compile


def symmetric() -> dict[str, Any]:
    # b gains 1 from either move; a's values of l and r are independent U(0, 1)
    # (renormalised: the larger is 1), so Nash picks whichever a values more:
    # P(l is Nash) = 1/2 by symmetry.
    return {
        "name": "symmetric",
        "parties": [
            {
                "id": "a",
                "valuations": {
                    "x": {"value": {"n": 0, "l": {"low": 0, "high": 1}, "r": {"low": 0, "high": 1}}}
                },
            },
            {"id": "b", "valuations": {"x": {"value": {"n": 0, "l": 1, "r": 1}}}},
        ],
        "domains": [
            {"id": "D", "issues": [{"id": "x", "options": ["n", "l", "r"], "status_quo": "n"}]}
        ],
    }


def two_issues() -> dict[str, Any]:
    # a trades x against y; a's weight on y and b's BATNA are uncertain.
    return {
        "name": "discrete",
        "parties": [
            {
                "id": "a",
                "valuations": {
                    "x": {"weight": 2, "value": {"p": 1, "q": 0}},
                    "y": {"weight": {"low": 1, "high": 3}, "value": {"p": 0, "q": 1, "s": 0.5}},
                },
            },
            {
                "id": "b",
                "batna": {"low": 0, "most_likely": 0.5, "high": 2},
                "valuations": {
                    "x": {"weight": 3, "value": {"p": 0, "q": 1}},
                    "y": {"value": {"p": 1, "q": 0, "s": 0.6}},
                },
            },
        ],
        "domains": [
            {
                "id": "D",
                "issues": [
                    {"id": "x", "options": ["p", "q"], "status_quo": "p"},
                    {"id": "y", "options": ["p", "q", "s"], "status_quo": "p"},
                ],
            }
        ],
    }


def fixed(data: dict[str, Any], values: dict[str, float]) -> Scenario:
    """The scenario with each uncertain number set to a plain value."""
    out = copy.deepcopy(data)
    for p in out["parties"]:
        if f"batna:{p['id']}" in values:
            p["batna"] = values[f"batna:{p['id']}"]
        for issue, v in p["valuations"].items():
            if f"weight:{p['id']}:{issue}" in values:
                v["weight"] = values[f"weight:{p['id']}:{issue}"]
            for option in list(v["value"]):
                if f"value:{p['id']}:{issue}:{option}" in values:
                    v["value"][option] = values[f"value:{p['id']}:{issue}:{option}"]
    return Scenario.model_validate(out)


def test_ranges_in_the_scenario_format() -> None:
    s = Scenario.model_validate(two_issues())
    a, b = s.parties
    assert a.valuations["y"].weight == 2.0 and a.valuations["y"].weight_range is not None
    assert b.batna == 0.5 and b.batna_range is not None and b.batna_range.most_likely == 0.5
    assert [u.key for u in uncertain_numbers(s)] == ["weight:a:y", "batna:b"]
    bad = two_issues()
    bad["parties"][0]["valuations"]["y"]["weight"] = {"low": 3, "high": 1}
    with pytest.raises(Exception, match="low ≤ most_likely ≤ high"):
        Scenario.model_validate(bad)
    bad["parties"][0]["valuations"]["y"]["weight"] = {"low": -1, "high": 1}
    with pytest.raises(Exception, match="at or above 0"):
        Scenario.model_validate(bad)


def test_reweighted_space_equals_a_fresh_compile() -> None:
    data = two_issues()
    rw = Reweigher(compile(Scenario.model_validate(data)))
    for theta in ([1.0, 0.0], [3.0, 2.0], [1.7, 0.3]):
        direct = compile(fixed(data, dict(zip(["weight:a:y", "batna:b"], theta, strict=True))))
        space = rw.space_at(np.array(theta))
        assert np.allclose(space.batna, direct.batna)
        for b1, b2 in zip(space.blocks, direct.blocks, strict=True):
            assert np.allclose(b1.utility, b2.utility)
        assert nash(space).package == nash(direct).package


def test_probabilities_equal_exact_enumeration() -> None:
    # A small discrete uncertainty: every combination of 3 weights × 3 BATNAs, equally likely.
    data = two_issues()
    grid = np.array(list(itertools.product([1.0, 2.0, 3.0], [0.0, 0.5, 2.0])))
    r = robust(Scenario.model_validate(data), theta=grid, tornado=False)
    assert r.draws == 9 and r.seed is None
    zopa, is_nash, accepts = 0, {}, {}
    for theta in grid:
        s = fixed(data, {"weight:a:y": theta[0], "batna:b": theta[1]})
        sol = nash(compile(s))
        zopa += sol.agreement
        if sol.agreement:
            key = tuple(sorted(sol.package.items()))
            is_nash[key] = is_nash.get(key, 0) + 1
        for c in r.candidates:
            space = compile(s)
            g = space.utility(c.package) - space.batna
            k = tuple(sorted(c.package.items()))
            accepts.setdefault(k, []).append(g > 1e-9)
    assert r.p_zopa == pytest.approx(zopa / 9)
    for c in r.candidates:
        k = tuple(sorted(c.package.items()))
        assert c.p_nash == pytest.approx(is_nash.get(k, 0) / 9)
        assert c.p_accept == pytest.approx(tuple(np.mean(accepts[k], axis=0)))
        assert c.p_all_accept == pytest.approx(np.mean(np.all(accepts[k], axis=1)))
    assert sum(c.p_nash for c in r.candidates) == pytest.approx(r.p_zopa)


def test_symmetric_case_is_one_half() -> None:
    r = robust(Scenario.model_validate(symmetric()), draws=4000, seed=1, tornado=False)
    p = {c.package["x"]: c.p_nash for c in r.candidates}
    assert p["l"] + p["r"] == pytest.approx(1.0)
    assert p["l"] == pytest.approx(0.5, abs=3 * 0.5 / np.sqrt(4000))
    assert r.p_zopa == 1.0
    assert all(c.p_all_accept == 1.0 for c in r.candidates)
    again = robust(Scenario.model_validate(symmetric()), draws=4000, seed=1, tornado=False)
    assert again.to_dict() == r.to_dict()  # seeded


def test_tornado_flip_value_and_learning() -> None:
    # a's value of l: U(0, 1) around 0.5 with r fixed at 0.6 → Nash is r at the point
    # value and flips to l exactly when l's value passes 0.6.
    data = symmetric()
    data["parties"][0]["valuations"]["x"]["value"]["r"] = 0.6
    r = robust(Scenario.model_validate(data), draws=2000, seed=0)
    (bar,) = r.tornado
    assert bar.key == "value:a:x:l" and not bar.changes_low and bar.changes_high
    assert bar.flip_high == pytest.approx(0.6, abs=1e-3)
    p = {c.package["x"]: c.p_nash for c in r.candidates}
    assert p["l"] == pytest.approx(0.4, abs=0.04)  # P(U > 0.6)
    assert set(r.learning) == {"value:a:x:l"} and r.learning["value:a:x:l"] >= 0
    assert "changes when a's value of x = l is above 0.6" in " ".join(r.sentences())
    json.dumps(r.to_dict())
    assert list(r.to_frame().columns)[:2] == ["p_nash", "p_ks"]


def test_no_range_is_an_error() -> None:
    data = symmetric()
    data["parties"][0]["valuations"]["x"]["value"] = {"n": 0, "l": 1, "r": 0.5}
    with pytest.raises(DealspaceError, match="no range"):
        robust(Scenario.model_validate(data))


def test_near_tie_names_the_weight_that_flips_it() -> None:
    # b renormalised: l 1/1.003. (l, y) gives (2, 1.997), (r, y) (1.996, 2): products 0.05 % apart.
    data = symmetric()
    data["parties"][0]["valuations"]["x"]["value"] = {"n": 0, "l": 1, "r": 0.996}
    data["parties"][1]["valuations"]["x"]["value"] = {"n": 0, "l": 1, "r": 1.003}
    data["domains"][0]["issues"].append({"id": "z", "options": ["n", "y"], "status_quo": "n"})
    data["parties"][0]["valuations"]["z"] = {"weight": 1, "value": {"n": 0, "y": 1}}
    data["parties"][1]["valuations"]["z"] = {"weight": 1, "value": {"n": 0, "y": 1}}
    s = Scenario.model_validate(data)
    f = pareto_frontier(compile(s))
    sol = nash(f)
    tie = near_ties(f, sol.package)
    assert sol.package == {"x": "l", "z": "y"}
    assert len(tie.rivals) == 1 and tie.rivals[0][1] == pytest.approx(
        1.996 * 2 / (2 * (1 + 1 / 1.003))
    )
    assert tie.flip is not None and tie.flip["rival"] == {"x": "r", "z": "y"}
    # check the flip: with the weight changed by delta (slightly more), the rival wins
    d = copy.deepcopy(data)
    d["parties"][0]["valuations"][tie.flip["issue"]]["weight"] = (
        tie.flip["weight"] + tie.flip["delta"] * 1.01
    )
    assert nash(compile(Scenario.model_validate(d))).package == tie.flip["rival"]
    assert "Near tie" in tie.warning


def test_robust_command_and_pipeline(tmp_path: Any) -> None:
    import yaml
    from typer.testing import CliRunner

    from dealspace.cli import app
    from dealspace.pipeline import Settings, analyze
    from dealspace.report.sections import robustness_section, verdict

    path = tmp_path / "sym.yaml"
    data = symmetric()
    data["parties"][0]["valuations"]["x"]["value"]["r"] = 0.6
    path.write_text(yaml.safe_dump(data))
    runner = CliRunner()
    out = runner.invoke(app, ["robust", str(path), "--draws", "200", "--json"])
    assert out.exit_code == 0, out.output
    js = json.loads(out.stdout)
    assert js["draws"] == 200 and js["p_zopa"] == 1.0 and js["tornado"][0]["key"] == "value:a:x:l"
    out = runner.invoke(app, ["robust", str(path), "--draws", "100"], env={"COLUMNS": "160"})
    assert out.exit_code == 0 and "Tornado" in out.stdout and "Robust recommendation" in out.stdout
    results = analyze(Scenario.model_validate(data), Settings(process=None, robust_draws=200))
    assert results.robustness is not None and results.robustness.to_dict() == js
    assert "Under the scenario's ranges (200 draws)" in verdict(results).detail
    section = robustness_section(results)
    assert section is not None and section.id == "robustness"
    assert results.to_dict()["robustness"]["p_zopa"] == 1.0
    plain = symmetric()
    plain["parties"][0]["valuations"]["x"]["value"] = {"n": 0, "l": 1, "r": 1}
    assert runner.invoke(app, ["robust", str(path).replace("sym", "nope")]).exit_code == 2


def benchmark_robust() -> Any:
    """benchmarks/robust.py loaded by path: putting benchmarks/ on sys.path would let its
    negmas.py shadow the real negmas package for every later test."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "benchmarks" / "robust.py"
    spec = importlib.util.spec_from_file_location("benchmark_robust", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_pruning_rows_dominated_in_every_draw_changes_nothing() -> None:
    # us-japan-2025 with every weight ±20 %: the trade block keeps far fewer rows,
    # and every draw's Nash and KS packages and acceptances are the same.
    from dealspace.scenario import load_scenario

    with_weight_ranges = benchmark_robust().with_weight_ranges
    space = compile(with_weight_ranges(load_scenario("us-japan-2025")))
    assert Reweigher(space).blocks[0].size < space.blocks[0].size
    fast = robust(space, draws=25, seed=3, tornado=False)
    slow = robust(space, draws=25, seed=3, tornado=False, prune=False)
    assert fast.to_dict() == slow.to_dict()


def ties() -> dict[str, Any]:
    # four issues with equal values: many packages share a utility vector, so the
    # representative (fewest changes, then first) and the score ties matter;
    # b's BATNA range makes some draws have no agreement.
    issues = ["w", "x", "y", "z"]
    return {
        "name": "ties",
        "parties": [
            {
                "id": "a",
                "valuations": {
                    i: {
                        "weight": {"low": 0.5, "high": 1.5} if i == "w" else 1,
                        "value": {"n": 0, "m": 0.5, "f": 1},
                    }
                    for i in issues
                },
            },
            {
                "id": "b",
                "batna": {"low": 2, "high": 5},
                "valuations": {
                    i: {
                        "weight": {"low": 0.5, "most_likely": 1, "high": 2} if i == "z" else 1,
                        "value": {"n": 1, "m": {"low": 0.3, "high": 0.7}, "f": 0}
                        if i == "x"
                        else {"n": 1, "m": 0.5, "f": 0},
                    }
                    for i in issues
                },
            },
        ],
        "domains": [
            {
                "id": "D",
                "issues": [
                    {"id": i, "options": ["n", "m", "f"], "status_quo": "n"} for i in issues
                ],
            }
        ],
    }


def three_parties() -> dict[str, Any]:
    # a third party: the draws take the engine one by one (the batched kernel is for two)
    data = ties()
    data["parties"].append(
        {
            "id": "c",
            "batna": {"low": -1, "high": 1},
            "valuations": {
                "y": {"weight": {"low": 0.5, "high": 2}, "value": {"n": 0, "m": 1, "f": 0}}
            },
        }
    )
    return data


@pytest.mark.parametrize("make", [two_issues, symmetric, ties, three_parties])
def test_batched_draws_equal_the_engine_draw_by_draw(make: Any) -> None:
    from dealspace.analysis.robust import _solve

    rw = Reweigher(compile(Scenario.model_validate(make())))
    theta = rw.draw(300, np.random.default_rng(11))
    utility, batna, tables = rw.many(theta)
    nash_keys, ks_keys, packages = rw.solve_many(theta)
    assert sum(k is not None for k in nash_keys) > 0
    for t in range(len(theta)):
        space = rw.space_at(theta[t])
        assert np.array_equal(batna[t], space.batna)  # bit for bit, not approximately
        for u, block in zip(utility, space.blocks, strict=True):
            assert np.array_equal(u[t], block.utility)
        for key, table in space.table.items():
            assert np.array_equal(tables[key][t], table)
        nk, kk, npk, kpk = _solve(space)
        assert (nash_keys[t], ks_keys[t]) == (nk, kk)
        assert nk is None or packages[nk] == npk
    if make is ties:
        assert None in nash_keys  # some draws have no ZOPA


def test_robust_is_the_same_in_batches_of_any_size(monkeypatch: Any) -> None:
    import dealspace.analysis.robust as module

    s = Scenario.model_validate(ties())
    whole = robust(s, draws=500, seed=4).to_dict()
    monkeypatch.setattr(module, "BATCH", 7)
    assert robust(s, draws=500, seed=4).to_dict() == whole
    import dealspace.analysis.draws as draws

    monkeypatch.setattr(module, "BATCH", 1000)
    monkeypatch.setattr(draws, "MAX_BATCH_CANDIDATES", 40)  # big batches split in halves
    assert robust(s, draws=500, seed=4).to_dict() == whole


@pytest.mark.slow
def test_batched_draws_of_us_japan_equal_the_engine() -> None:
    from dealspace.analysis.robust import _solve
    from dealspace.scenario import load_scenario

    with_weight_ranges = benchmark_robust().with_weight_ranges

    rw = Reweigher(compile(with_weight_ranges(load_scenario("us-japan-2025"))))
    theta = rw.draw(60, np.random.default_rng(8))
    nash_keys, ks_keys, _ = rw.solve_many(theta)
    assert [(n, k) for n, k in zip(nash_keys, ks_keys, strict=True)] == [
        _solve(rw.space_at(t))[:2] for t in theta
    ]
    assert len(set(nash_keys)) > 1  # the draws do move the Nash package


@pytest.mark.parametrize("make", [ties, three_parties])
def test_dominance_probe_equals_the_pareto_check(make: Any) -> None:
    from dealspace.analysis.pareto import is_pareto_optimal

    s = Scenario.model_validate(make())
    rw = Reweigher(compile(s))
    theta = rw.draw(150, np.random.default_rng(2))
    package = {"w": "m", "x": "m", "y": "f", "z": "n"}
    _, dominated, util, batna = rw.probe(theta, package)
    expected = [not is_pareto_optimal(rw.space_at(t), package) for t in theta]
    assert list(dominated) == expected and 0 < sum(expected) < len(expected)
    for t in range(len(theta)):
        space = rw.space_at(theta[t])
        assert np.array_equal(util[t], space.utility(package))
        assert np.array_equal(batna[t], space.batna)
