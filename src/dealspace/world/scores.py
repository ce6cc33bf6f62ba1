r"""How well the model fits 2025: proper scores per partner, against baselines.

Each partner's 2025 move is one of :data:`MOVES` (settle, retaliate, stay; a
bloc counts as retaliate). The model's forecast for a partner is the share
of runs ending in each move, smoothed with the Krichevsky–Trofimov (add-½)
estimator,

.. math:: \hat p_k = \frac{n_k + \tfrac12}{n + \tfrac K2},

so no move gets probability 0 from a finite number of runs (the model's
logit choices give every move positive probability; a zero count is
Monte Carlo noise, and under the log score one zero is an infinite loss).
Two proper scores, both lower-is-better, for a forecast :math:`p` and the
move :math:`y` that happened:

.. math:: \text{Brier} = \sum_k (p_k - \mathbb 1\{k = y\})^2 \in [0, 2],
          \qquad \text{log score} = -\ln p_y \in [0, \infty).

Baselines, scored the same way:

* **uniform** — 1/3 each (log score :math:`\ln 3 = 1.099`, Brier 0.667);
* **every partner settles** — the rule "everyone settles", as the model
  would forecast it if every one of its :math:`n` runs settled (the same
  estimator: :math:`(n + \frac12)/(n + \frac32)` on settle);
* **base rates** — the 2025 frequency of each move among the *other*
  partners (leave one out, so a partner's own move does not forecast
  itself), with the same add-½ smoothing.

A forecast beats a baseline when its mean score is lower. References:
Brier, G. (1950). *Monthly Weather Review* 78(1), 1–3; Gneiting, T. and
Raftery, A. (2007). "Strictly Proper Scoring Rules, Prediction, and
Estimation". *JASA* 102(477), 359–378; Krichevsky, R. and Trofimov, V.
(1981). *IEEE Trans. Inform. Theory* 27(2), 199–207.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dealspace.errors import DealspaceError
from dealspace.world.spec import MOVES

if TYPE_CHECKING:
    import pandas as pd

    from dealspace.world.model import WorldResult

FloatArray = NDArray[np.float64]
BASELINES = ("uniform", "every partner settles", "base rates")


def smoothed(counts: ArrayLike) -> FloatArray:
    r"""Add-½ (Krichevsky–Trofimov) probabilities from counts: :math:`(n_k + 1/2)/(n + K/2)`.

    >>> smoothed([3, 0]).tolist()
    [0.875, 0.125]
    """
    c = np.asarray(counts, dtype=float)
    return (c + 0.5) / (c.sum(axis=-1, keepdims=True) + 0.5 * c.shape[-1])


def brier(p: ArrayLike, outcome: int) -> float:
    r"""Multi-category Brier score :math:`\sum_k (p_k - 1\{k = y\})^2` (0 best, 2 worst).

    >>> brier([0.5, 0.25, 0.25], 0)
    0.375
    """
    q = np.asarray(p, dtype=float)
    y = np.zeros_like(q)
    y[outcome] = 1.0
    return float(((q - y) ** 2).sum())


def log_score(p: ArrayLike, outcome: int) -> float:
    r"""Logarithmic score :math:`-\ln p_y` in nats (0 best); infinite if :math:`p_y = 0`.

    >>> round(log_score([0.5, 0.25, 0.25], 0), 6)
    0.693147
    """
    q = float(np.asarray(p, dtype=float)[outcome])
    return float("inf") if q <= 0.0 else float(-np.log(q))


def base_rates(actual: Sequence[int], k: int = len(MOVES)) -> FloatArray:
    """Leave-one-out base rates: row ``i`` = add-½ frequencies of the moves of the partners other than ``i``."""
    y = np.asarray(actual, dtype=int)
    counts = np.zeros((len(y), k))
    total = np.bincount(y, minlength=k).astype(float)
    for i, yi in enumerate(y):
        counts[i] = total
        counts[i, yi] -= 1.0
    return smoothed(counts)


def baselines(actual: Sequence[int], runs: int) -> dict[str, FloatArray]:
    """The baseline forecasts (rows partners, columns :data:`MOVES`) for these 2025 moves."""
    p = len(actual)
    k = len(MOVES)
    settle = np.zeros(k)
    settle[MOVES.index("settle")] = runs
    return {
        "uniform": np.full((p, k), 1.0 / k),
        "every partner settles": np.tile(smoothed(settle), (p, 1)),
        "base rates": base_rates(actual, k),
    }


@dataclass(frozen=True)
class FitScores:
    """Proper scores of the model and the baselines against the 2025 moves.

    ``partners``: one row per scored partner (its 2025 move, date and source,
    the model's smoothed probabilities, its Brier and log score, and the
    baselines' scores). ``table``: mean Brier, mean log score and hits
    (modal forecast = 2025 move, ties split evenly) of each forecast. Drawn as two tables:
    per partner, and forecast vs baselines.
    """

    partners: pd.DataFrame
    table: pd.DataFrame
    runs: int

    def to_frame(self) -> pd.DataFrame:
        """The forecast-vs-baselines table (rows: model, then the baselines)."""
        return self.table

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: plain floats, None for missing values."""
        return {
            "runs": self.runs,
            "forecasts": records(self.table),
            "partners": records(self.partners),
        }

    def beats(self, baseline: str, score: str = "log_score") -> bool:
        """Whether the model's mean ``score`` is lower than the baseline's."""
        column = self.table[score].to_numpy(dtype=float)
        rows = list(self.table.index)
        return bool(column[rows.index("model")] < column[rows.index(baseline)])


def score_forecasts(forecasts: Mapping[str, ArrayLike], actual: Sequence[int]) -> pd.DataFrame:
    """Mean Brier, mean log score and hits of each forecast (rows partners × :data:`MOVES`)."""
    import pandas as pd

    rows = {}
    for name, probs in forecasts.items():
        p = np.asarray(probs, dtype=float)
        if p.shape != (len(actual), len(MOVES)):
            raise DealspaceError.single(
                "forecast",
                f"{name!r} has shape {p.shape}",
                f"give {len(actual)} rows of {len(MOVES)} probabilities",
            )
        b = [brier(p[i], y) for i, y in enumerate(actual)]
        s = [log_score(p[i], y) for i, y in enumerate(actual)]
        rows[name] = {
            "brier": float(np.mean(b)),
            "log_score": float(np.mean(s)),
            "hits": float(sum(_hit(p[i], y) for i, y in enumerate(actual))),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "forecast"
    return out


def fit_scores(result: WorldResult) -> FitScores:
    """Score a simulation against the 2025 moves recorded in the world's ``history`` entries.

    Meaningful for unforced runs (no forced first mover or outcome).
    """
    import pandas as pd

    world = result.world
    runs = result.partners
    scored = [p for p in world.partners if p.history]
    if not scored:
        raise DealspaceError.single(
            "history",
            f"no partner of {world.name!r} has a 2025 move",
            "add history entries to the world file",
        )
    n_runs = int(runs["run"].nunique())
    actual = [MOVES.index(p.history["action"]) for p in scored]
    model = np.zeros((len(scored), len(MOVES)))
    rows = []
    for i, p in enumerate(scored):
        mine = runs[runs["partner"] == p.code]
        move = np.where(mine["retaliated"], "retaliate", mine["action"])
        counts = np.array([(move == m).sum() for m in MOVES], dtype=float)
        model[i] = smoothed(counts)
        rows.append(
            {
                "partner": p.code,
                "name": p.name,
                "move_2025": p.history["action"],
                "us_answer_2025": p.history.get("outcome", ""),
                "date": p.history.get("date", ""),
                "source": p.history.get("source", ""),
            }
        )
    forecasts = {"model": model, **baselines(actual, n_runs)}
    per = pd.DataFrame(rows).set_index("partner")
    for k, m in enumerate(MOVES):
        per[f"p_{m}"] = model[:, k]
    per["p_2025"] = [model[i, y] for i, y in enumerate(actual)]
    for name, probs in forecasts.items():
        tag = "" if name == "model" else f"_{_slug(name)}"
        per[f"brier{tag}"] = [brier(probs[i], y) for i, y in enumerate(actual)]
        per[f"log_score{tag}"] = [log_score(probs[i], y) for i, y in enumerate(actual)]
    return FitScores(per, score_forecasts(forecasts, actual), n_runs)


def _hit(p: FloatArray, outcome: int) -> float:
    """1 if the modal move is the outcome; ties split evenly (uniform: 1/3)."""
    modes = np.flatnonzero(p == p.max())
    return float(outcome in modes) / len(modes)


def _slug(name: str) -> str:
    return name.replace("every partner settles", "all_settle").replace(" ", "_")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a frame (index first) as JSON-safe dicts: plain numbers, None for NaN/inf."""
    data = frame.reset_index()
    out = []
    for rec in data.to_dict(orient="records"):
        row: dict[str, Any] = {}
        for k, v in rec.items():
            if isinstance(v, np.generic):
                v = v.item()
            if isinstance(v, float) and not np.isfinite(v):
                v = None
            row[str(k)] = v
        out.append(row)
    return out
