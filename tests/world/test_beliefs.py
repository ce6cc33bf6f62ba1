"""Bayes updates of beliefs about the large economy's type: textbook cases and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealspace.errors import DealspaceError
from dealspace.world import beliefs

# rows: dealmaker, hardliner, boomerang; columns: good, bad, none
SETTLE = np.array([[0.80, 0.05, 0.15], [0.10, 0.20, 0.70], [0.15, 0.70, 0.15]])


def test_two_types_one_good_deal() -> None:
    # 0.5*0.8 / (0.5*0.8 + 0.5*0.2) = 0.8
    assert beliefs.update([0.5, 0.5], [[0.8, 0.2], [0.2, 0.8]], 0) == pytest.approx([0.8, 0.2])


def test_three_types_bad_deal_by_hand() -> None:
    # joint = (0.5*0.05, 0.3*0.20, 0.2*0.70) = (0.025, 0.06, 0.14); P(bad) = 0.225
    post = beliefs.update([0.5, 0.3, 0.2], SETTLE, 1)
    assert post == pytest.approx([0.025 / 0.225, 0.06 / 0.225, 0.14 / 0.225])
    assert beliefs.is_posterior([0.5, 0.3, 0.2], SETTLE, 1, post)


def test_two_observations_by_hand_and_in_either_order() -> None:
    # good then none: joint = prior * L(good) * L(none)
    prior = np.array([0.45, 0.30, 0.25])
    joint = prior * SETTLE[:, 0] * SETTLE[:, 2]
    expected = joint / joint.sum()
    one = beliefs.update(beliefs.update(prior, SETTLE, 0), SETTLE, 2)
    other = beliefs.update(beliefs.update(prior, SETTLE, 2), SETTLE, 0)
    assert one == pytest.approx(expected)
    assert other == pytest.approx(expected)


def test_predictive_and_posteriors() -> None:
    prior = np.array([0.45, 0.30, 0.25])
    p, post = beliefs.posteriors(prior, SETTLE)
    assert p == pytest.approx(
        [
            0.45 * 0.8 + 0.3 * 0.1 + 0.25 * 0.15,
            0.45 * 0.05 + 0.3 * 0.2 + 0.25 * 0.7,
            0.45 * 0.15 + 0.3 * 0.7 + 0.25 * 0.15,
        ]
    )
    assert p == pytest.approx(beliefs.predictive(prior, SETTLE))
    for o in range(3):
        assert post[o] == pytest.approx(beliefs.update(prior, SETTLE, o))


def test_no_spillover_leaves_beliefs_exactly_unchanged() -> None:
    prior = np.array([0.45, 0.30, 0.25])
    seen = beliefs.mix(SETTLE, 0.0)
    assert np.ptp(seen, axis=0).max() == 0.0
    for o in range(3):
        assert np.array_equal(beliefs.update(prior, seen, o), prior)  # bit for bit


def test_partial_spillover_moves_beliefs_less() -> None:
    prior = np.array([0.45, 0.30, 0.25])
    full = beliefs.update(prior, SETTLE, 1)[2]
    half = beliefs.update(prior, beliefs.mix(SETTLE, 0.5), 1)[2]
    assert prior[2] < half < full
    assert np.array_equal(beliefs.mix(SETTLE, 1.0), SETTLE)


def test_bad_input() -> None:
    with pytest.raises(DealspaceError, match="non-negative"):
        beliefs.normalise([0.5, -0.1])
    with pytest.raises(DealspaceError, match="spillover"):
        beliefs.mix(SETTLE, 1.5)
    with pytest.raises(DealspaceError, match="probability zero"):
        beliefs.update([1.0, 0.0], [[0.0, 1.0], [1.0, 0.0]], 0)


distributions = st.lists(st.floats(0.01, 1.0), min_size=3, max_size=3)


@settings(max_examples=60, deadline=None)
@given(
    prior=distributions,
    rows=st.lists(distributions, min_size=3, max_size=3),
    outcome=st.integers(0, 2),
)
def test_update_matches_brute_force_and_is_a_martingale(
    prior: list[float], rows: list[list[float]], outcome: int
) -> None:
    mu = beliefs.normalise(prior)
    lik = np.array([beliefs.normalise(r) for r in rows])
    post = beliefs.update(mu, lik, outcome)
    assert beliefs.is_posterior(mu, lik, outcome, post)
    p, posts = beliefs.posteriors(mu, lik)
    assert p @ posts == pytest.approx(mu)  # expected posterior = prior


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.lists(st.floats(0.01, 1.0), min_size=3, max_size=3), min_size=1, max_size=12),
    st.integers(0, 2),
    st.floats(0.0, 1.0),
)
def test_update_all_is_update_of_each_row_bit_for_bit(
    rows: list[list[float]], outcome: int, spillover: float
) -> None:
    mu = np.array([np.array(r) / sum(r) for r in rows])
    seen = beliefs.mix(SETTLE, spillover)
    every = beliefs.update_all(mu, seen, outcome)
    for k in range(len(mu)):
        assert np.array_equal(every[k], beliefs.update(mu[k], seen, outcome))


def test_update_all_refuses_an_impossible_outcome() -> None:
    with pytest.raises(DealspaceError, match="probability zero"):
        beliefs.update_all([[0.5, 0.5], [1.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]], 0)
