"""Proper scores of the fit to 2025: arithmetic on hand cases, baselines, smoothing."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from dealspace.world import fit_scores, load_world, simulate
from dealspace.world.scores import (
    base_rates,
    baselines,
    brier,
    log_score,
    score_forecasts,
    smoothed,
)


def test_brier_and_log_score_on_hand_cases() -> None:
    # (0.5 - 1)^2 + 0.25^2 + 0.25^2 = 0.25 + 0.0625 + 0.0625
    assert brier([0.5, 0.25, 0.25], 0) == pytest.approx(0.375)
    assert brier([0.5, 0.25, 0.25], 1) == pytest.approx(0.25 + 0.5625 + 0.0625)
    assert brier([1.0, 0.0, 0.0], 0) == 0.0 and brier([0.0, 1.0, 0.0], 0) == 2.0
    assert log_score([0.5, 0.25, 0.25], 0) == pytest.approx(math.log(2))
    assert log_score([0.5, 0.25, 0.25], 2) == pytest.approx(math.log(4))
    assert log_score([1.0, 0.0, 0.0], 1) == math.inf  # why the model's forecasts are smoothed
    third = [1 / 3] * 3
    assert brier(third, 2) == pytest.approx(2 / 3) and log_score(third, 2) == pytest.approx(
        math.log(3)
    )


def test_brier_and_log_score_are_proper() -> None:
    # the expected score under the true distribution q is lowest when the forecast is q
    rng = np.random.default_rng(0)
    q = np.array([0.6, 0.3, 0.1])
    expected = {
        "brier": lambda p: sum(q[k] * brier(p, k) for k in range(3)),
        "log": lambda p: sum(q[k] * log_score(p, k) for k in range(3)),
    }
    for score in expected.values():
        best = score(q)
        for _ in range(200):
            p = rng.dirichlet(np.ones(3))
            assert score(p) >= best - 1e-12


def test_add_half_smoothing() -> None:
    assert smoothed([3, 0]).tolist() == [0.875, 0.125]
    p = smoothed([10, 0, 0])
    assert p.tolist() == pytest.approx([10.5 / 11.5, 0.5 / 11.5, 0.5 / 11.5]) and (p > 0).all()
    assert smoothed(np.array([[1, 1, 1], [0, 0, 0]])) == pytest.approx(np.full((2, 3), 1 / 3))


def test_baselines_by_hand() -> None:
    actual = [0, 0, 1, 2]  # settle, settle, retaliate, stay
    rates = base_rates(actual)
    # partner 0 left out: others are settle, retaliate, stay -> (1.5, 1.5, 1.5) / 4.5
    assert rates[0] == pytest.approx([1 / 3] * 3)
    # partner 2 left out: settle, settle, stay -> (2.5, 0.5, 1.5) / 4.5
    assert rates[2] == pytest.approx([2.5 / 4.5, 0.5 / 4.5, 1.5 / 4.5])
    b = baselines(actual, runs=10)
    assert b["every partner settles"][0] == pytest.approx([10.5 / 11.5, 0.5 / 11.5, 0.5 / 11.5])
    table = score_forecasts(b, actual)
    assert table.loc["uniform", "log_score"] == pytest.approx(math.log(3))
    assert table.loc["uniform", "brier"] == pytest.approx(2 / 3)
    assert table.loc["uniform", "hits"] == pytest.approx(4 / 3)  # ties split evenly
    lo = math.log(11.5 / 10.5)
    hi = math.log(11.5 / 0.5)
    assert table.loc["every partner settles", "log_score"] == pytest.approx((2 * lo + 2 * hi) / 4)
    assert table.loc["every partner settles", "hits"] == 2


def test_fit_scores_of_a_simulation() -> None:
    w = load_world("world-2025")
    res = simulate(w, 20, seed=0, order="stakes")
    fit = fit_scores(res)
    scored = [p.code for p in w.partners if p.history]
    assert list(fit.partners.index) == scored
    probs = fit.partners[["p_settle", "p_retaliate", "p_stay"]].to_numpy()
    assert (probs > 0).all() and np.allclose(probs.sum(axis=1), 1.0)  # no move gets probability 0
    assert np.isfinite(fit.partners["log_score"]).all()
    # the per-partner scores are the scores of the listed probabilities
    moves = ["settle", "retaliate", "stay"]
    for code, row in fit.partners.iterrows():
        k = moves.index(row["move_2025"])
        assert row["log_score"] == pytest.approx(-math.log(probs[scored.index(str(code)), k]))
        assert row["brier"] == pytest.approx(brier(probs[scored.index(str(code))], k))
    assert fit.table.loc["model", "log_score"] == pytest.approx(fit.partners["log_score"].mean())
    assert list(fit.table.index) == ["model", "uniform", "every partner settles", "base rates"]
    assert (
        fit.partners.loc["IND", "date"] == "2025-08-06"
        and "India Today" in fit.partners.loc["IND", "source"]
    )
    data = json.loads(json.dumps(fit.to_dict(), allow_nan=False))
    assert data["runs"] == 20 and len(data["partners"]) == len(scored)
    assert isinstance(fit.to_frame(), pd.DataFrame)
