"""The exact Pareto frontier: equal to brute force, undominated, deterministic."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealspace.analysis import pareto
from dealspace.analysis.pareto import (
    Frontier,
    dominates,
    is_pareto_optimal,
    pareto_frontier,
)
from dealspace.errors import DealspaceError
from dealspace.scenario.model import Scenario
from dealspace.space import DealSpace, compile, utilities
from strategies import brute_force, distinct, non_dominated, same_points, scenarios

TOY = Path(__file__).parent / "data" / "toy.yaml"
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ textbook


def test_toy_frontier_by_hand(toy: Scenario) -> None:
    f = pareto_frontier(toy)
    # Alpha's best: no tariff, rice closed, no defence; Beta's best needs a 20 % tariff.
    assert f.package(0) == {"tariff": 0.0, "rice": "closed", "defence": "none"}
    assert f.utilities[0].tolist() == pytest.approx([6.0, 0.0])
    assert f.package(-1) == {"tariff": 20.0, "rice": "quota", "defence": "more"}
    assert f.utilities[-1].tolist() == pytest.approx([1.7, 7.2])
    assert len(f) == 9
    # Sorted by Alpha's utility, descending; Beta's then ascending (a frontier).
    assert (np.diff(f.utilities[:, 0]) < 0).all()
    assert (np.diff(f.utilities[:, 1]) > 0).all()


def test_frame_and_records(toy: Scenario) -> None:
    f = pareto_frontier(toy)
    frame = f.to_frame()
    assert list(frame.columns) == ["tariff", "rice", "defence", "u:a", "u:b"]
    assert len(frame) == len(f)
    records = f.to_records()
    assert records[0] == {
        "package": {"tariff": 0.0, "rice": "closed", "defence": "none"},
        "utilities": {"a": pytest.approx(6.0), "b": pytest.approx(0.0)},
    }
    assert f.packages[3] == f.package(3)


def test_space_and_scenario_give_the_same_frontier(toy: Scenario) -> None:
    a, b = pareto_frontier(toy), pareto_frontier(compile(toy))
    assert np.array_equal(a.rows, b.rows)
    assert pareto_frontier(a) is a


def test_empty_space_gives_empty_frontier(toy: Scenario) -> None:
    data = toy.model_dump(by_alias=True, exclude_none=True)
    data["parties"][1]["must_haves"] = [
        {"id": "open", "condition": {"issue": "rice", "in": ["open"]}}
    ]
    space = compile(Scenario.model_validate(data))
    assert space.empty
    f = pareto_frontier(space)
    assert len(f) == 0 and f.utilities.shape == (0, 2) and f.rows.shape == (0, len(space.blocks))
    assert f.to_records() == [] and f.to_frame().empty


def test_ties_prefer_fewest_changes_and_count_packages() -> None:
    # Nobody cares about 'flag': every option ties; the status quo one represents them.
    scenario = Scenario.model_validate(
        {
            "name": "ties",
            "parties": [
                {"id": "a", "valuations": {"x": {"value": {"l": 1, "h": 0}}}},
                {"id": "b", "valuations": {"x": {"value": {"l": 0, "h": 1}}}},
            ],
            "domains": [
                {
                    "id": "d",
                    "issues": [
                        {"id": "x", "options": ["l", "h"], "status_quo": "l"},
                        {"id": "flag", "options": ["red", "blue", "green"], "status_quo": "blue"},
                    ],
                }
            ],
        }
    )
    f = pareto_frontier(scenario)
    assert len(f) == 2
    assert {p["flag"] for p in f.packages} == {"blue"}
    assert f.ties.tolist() == [3.0, 3.0]


def test_float_noise_is_one_point() -> None:
    # 0.1 + 0.2 and 0.3 are the same utility (tolerance), so one package stands.
    scenario = Scenario.model_validate(
        {
            "name": "noise",
            "parties": [
                {
                    "id": "a",
                    "valuations": {
                        "x": {"weight": 0.1, "value": {"p": 1, "q": 0}},
                        "y": {"weight": 0.2, "value": {"p": 1, "q": 0}},
                        "z": {"weight": 0.3, "value": {"p": 0, "q": 1}},
                    },
                },
                {
                    "id": "b",
                    "valuations": {
                        "x": {"value": {"p": 0, "q": 0}},
                        "y": {"value": {"p": 0, "q": 0}},
                        "z": {"value": {"p": 0, "q": 0}},
                    },
                },
            ],
            "domains": [
                {
                    "id": "d",
                    "issues": [{"id": i, "options": ["p", "q"], "status_quo": "q"} for i in "xyz"],
                }
            ],
        }
    )
    f = pareto_frontier(scenario)
    assert len(f) == 1
    assert f.utilities[0, 0] == pytest.approx(0.6)


def test_dominates() -> None:
    assert dominates([2, 1], [1, 1])
    assert not dominates([1, 1], [1, 1])
    assert not dominates([2, 0], [1, 1])
    assert not dominates([1.0, 1.0 + 1e-12], [1, 1], tol=1e-9)
    with pytest.raises(DealspaceError):
        dominates([1, 2], [1, 2, 3])


def test_is_pareto_optimal(toy: Scenario) -> None:
    f = pareto_frontier(toy)
    for package in f.packages:
        assert is_pareto_optimal(f, package)
    assert not is_pareto_optimal(toy, {"tariff": 0, "rice": "closed", "defence": "more"})
    # open rice is Alpha's red line: infeasible, hence not optimal
    assert not is_pareto_optimal(toy, {"tariff": 0, "rice": "open", "defence": "more"})


def test_bad_input() -> None:
    with pytest.raises(DealspaceError, match="expected a Scenario"):
        pareto_frontier("toy.yaml")  # type: ignore[arg-type]


def test_frontier_index_out_of_range(toy: Scenario) -> None:
    with pytest.raises(DealspaceError, match="out of range"):
        pareto_frontier(toy).package(99)


# ------------------------------------------------------------------ properties


@FAST
@given(scenarios())
def test_frontier_equals_brute_force(scenario: Scenario) -> None:
    packages, utils = brute_force(scenario)
    f = pareto_frontier(scenario)
    if not packages:
        assert len(f) == 0
        return
    optimal = non_dominated(utils)
    assert same_points(f.utilities, utils[optimal])
    assert len(f) == len(distinct(utils[optimal]))
    # tie counts: every feasible package with a frontier utility is counted once
    for u, t in zip(f.utilities, f.ties, strict=True):
        assert t == (np.abs(utils - u) <= 1e-7).all(axis=1).sum()


@FAST
@given(scenarios())
def test_frontier_packages_are_feasible_and_exact(scenario: Scenario) -> None:
    from dealspace.space import acceptable

    f = pareto_frontier(scenario)
    sq = scenario.status_quo()
    for k, package in enumerate(f.packages):
        assert acceptable(scenario, package)
        assert np.allclose(utilities(scenario, package), f.utilities[k], rtol=1e-9, atol=1e-9)
    # Representatives change the fewest issues among packages with their utility.
    packages, utils = brute_force(scenario)
    for k, package in enumerate(f.packages):
        same = [
            x
            for x, u in zip(packages, utils, strict=True)
            if np.allclose(u, f.utilities[k], rtol=0, atol=1e-7)
        ]
        fewest = min(sum(x[i] != sq[i] for i in sq) for x in same)
        assert sum(package[i] != sq[i] for i in sq) == fewest
    # Deterministic and undominated.
    assert np.array_equal(pareto_frontier(scenario).rows, f.rows)
    for a in range(len(f)):
        for b in range(len(f)):
            assert not dominates(f.utilities[a], f.utilities[b], tol=1e-9)


@FAST
@given(scenarios(min_parties=2, max_parties=2))
def test_two_parties_sorted_frontier(scenario: Scenario) -> None:
    f = pareto_frontier(scenario)
    u = f.utilities
    assert (np.diff(u[:, 0]) <= 0).all() and (np.diff(u[:, 1]) >= 0).all()


@settings(max_examples=25, deadline=None)
@given(scenarios(min_parties=3, max_parties=4, max_issues=4))
def test_many_parties_is_pareto_optimal_matches_brute_force(scenario: Scenario) -> None:
    packages, utils = brute_force(scenario)
    f = pareto_frontier(scenario)
    if not packages:
        return
    optimal = non_dominated(utils)
    for x, ok in list(zip(packages, optimal, strict=True))[:40]:
        assert is_pareto_optimal(f, x) == bool(ok)


def test_frontier_is_a_frozen_dataclass(toy: Scenario) -> None:
    f = pareto_frontier(toy)
    assert isinstance(f, Frontier)
    with pytest.raises(AttributeError):
        f.rows = None  # type: ignore[misc, assignment]


# ------------------------------------------------------------------ kernel and scale


@contextmanager
def _tiny_kernel() -> Iterator[None]:
    """Skyline kernel thresholds cut to a few points, so that small inputs go
    through every branch of the divide and conquer (the result must not change)."""
    names = ("_BASE", "_LEAF", "_THIN", "_BITS_MIN")
    saved = [getattr(pareto, name) for name in names]
    for name, value in zip(names, (3, 4, 1, 2), strict=True):
        setattr(pareto, name, value)
    try:
        yield
    finally:
        for name, value in zip(names, saved, strict=True):
            setattr(pareto, name, value)


def _naive_skyline(
    keys: np.ndarray, changes: np.ndarray, count: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The O(n²) definition of :func:`pareto._skyline`: a point is dropped when
    another is ≥ everywhere and different; equal points keep one representative
    (fewest changes, then smallest index) whose count sums the group's."""
    n = len(keys)
    ge = (keys[:, None, :] >= keys[None, :, :]).all(axis=2)
    equal = (keys[:, None, :] == keys[None, :, :]).all(axis=2)
    dominated = (ge & ~equal).any(axis=0)
    kept, counts = [], []
    for i in range(n):
        group = np.flatnonzero(equal[i])
        if dominated[i] or i != min(group, key=lambda j: (changes[j], j)):
            continue
        kept.append(i)
        counts.append(count[group].sum())
    return np.array(kept, dtype=np.int64), np.array(counts)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 400),
    st.integers(1, 6),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_skyline_equals_naive_filter(
    parties: int, n: int, spread: int, tiny: bool, seed: int
) -> None:
    # Small integer ranges force many duplicate points and equal coordinates.
    rng = np.random.default_rng(seed)
    keys = rng.integers(-spread, spread + 1, (n, parties))
    if n > 1:  # some exact copies of other rows
        copies = rng.integers(0, n, n // 3)
        keys[rng.integers(0, n, n // 3)] = keys[copies]
    changes = rng.integers(0, 3, n)
    count = rng.integers(1, 4, n).astype(float)
    with _tiny_kernel() if tiny else nullcontext():
        kept, cnt = pareto._skyline(keys, changes, count)
    want_kept, want_cnt = _naive_skyline(keys, changes, count)
    assert np.array_equal(kept, want_kept)
    assert np.array_equal(cnt, want_cnt)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 7), st.integers(1, 2000), st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_maxima_kernel_on_point_clouds(parties: int, n: int, spread: int, seed: int) -> None:
    # Distinct points, as the kernel receives them; large enough to recurse.
    rng = np.random.default_rng(seed)
    keys = np.unique(rng.integers(0, spread + 1, (n, parties)), axis=0)
    brute = non_dominated(keys.astype(float), atol=0)
    assert np.array_equal(pareto._maxima(keys), brute)
    with _tiny_kernel():
        assert np.array_equal(pareto._maxima(keys), brute)
    if parties == 2:
        kept, count = pareto._skyline2_fused(keys, np.zeros(len(keys), int), np.ones(len(keys)))
        assert np.array_equal(kept, np.flatnonzero(brute)) and (count == 1).all()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(min_parties=3, max_parties=5), st.booleans())
def test_three_to_five_parties_equal_brute_force(scenario: Scenario, tiny: bool) -> None:
    packages, utils = brute_force(scenario)
    with _tiny_kernel() if tiny else nullcontext():
        f = pareto_frontier(scenario)
    if not packages:
        assert len(f) == 0
        return
    optimal = non_dominated(utils)
    assert same_points(f.utilities, utils[optimal])
    assert len(f) == len(distinct(utils[optimal]))
    for u, t in zip(f.utilities, f.ties, strict=True):
        assert t == (np.abs(utils - u) <= 1e-7).all(axis=1).sum()
    for k, package in enumerate(f.packages):  # back-pointers rebuild the right packages
        assert np.allclose(utilities(scenario, package), f.utilities[k], rtol=1e-9, atol=1e-9)


def _random_space(parties: int, issues: int, options: int, seed: int) -> DealSpace:
    rng = np.random.default_rng(seed)
    data = {
        "name": "big",
        "parties": [
            {
                "id": f"p{p}",
                "valuations": {
                    f"i{k}": {
                        "weight": float(rng.uniform(0.1, 1)),
                        "value": {f"o{j}": float(rng.integers(0, 5)) for j in range(options)},
                    }
                    for k in range(issues)
                },
            }
            for p in range(parties)
        ],
        "domains": [
            {
                "id": "d",
                "issues": [
                    {
                        "id": f"i{k}",
                        "options": [f"o{j}" for j in range(options)],
                        "status_quo": "o0",
                    }
                    for k in range(issues)
                ],
            }
        ],
    }
    return compile(Scenario.model_validate(data))


@pytest.mark.parametrize("parties", [2, 3, 4])
def test_merge_order_does_not_matter_at_scale(parties: int) -> None:
    space = _random_space(parties, 12 if parties < 4 else 8, 4, seed=parties)
    flipped = dataclasses.replace(space, blocks=space.blocks[::-1])
    a, b = pareto_frontier(space), pareto_frontier(flipped)
    assert len(a) == len(b) > 1
    assert same_points(a.utilities, b.utilities, atol=1e-9)
    assert a.ties.sum() == b.ties.sum()
    for k in range(0, len(a), max(1, len(a) // 10)):
        assert is_pareto_optimal(a, a.package(k))
        assert np.allclose(space.utility(a.package(k)), a.utilities[k])


@pytest.mark.parametrize(("parties", "issues"), [(3, 12), (5, 7), (6, 7)])
def test_kernel_sizes_do_not_change_the_frontier(parties: int, issues: int) -> None:
    # Real merges (tens of thousands of candidates, many incomparable) through the
    # divide and conquer with its usual and with tiny leaves: the very same frontier.
    space = _random_space(parties, issues, 4, seed=10 + parties)
    a = pareto_frontier(space)
    with _tiny_kernel():
        b = pareto_frontier(space)
    assert len(a) > 100
    assert np.array_equal(a.rows, b.rows)
    assert np.array_equal(a.utilities, b.utilities)
    assert np.array_equal(a.ties, b.ties)


def test_candidate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pareto, "MAX_CANDIDATES", 10)
    with pytest.raises(DealspaceError, match="candidates"):
        pareto_frontier(_random_space(2, 6, 4, seed=1))
