"""run_world / bellwether_brief: result objects, JSON safety, runners and chunks."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
from world_toy import TOY_WORLD, toy_economy

from dealspace.world import bellwether_brief, first_mover, load_world, run_world
from dealspace.world.calibration import World


@pytest.fixture(scope="module")
def toy() -> World:
    w = load_world(TOY_WORLD, economy=toy_economy())
    return w.with_(partners=tuple(p if p.history else _with_history(p) for p in w.partners))


def _with_history(p: Any) -> Any:
    from dataclasses import replace

    move = {"A": "settle", "B": "retaliate", "C": "settle", "D": "stay"}[p.code]
    return replace(
        p,
        history={
            "action": move,
            "outcome": "stay" if move == "stay" else "good" if move == "settle" else "hold",
            "date": "2025-05-01",
            "source": "test",
        },
    )


def test_run_world_result_object(toy: World) -> None:
    report = run_world(toy, runs=6, seed=1, first_mover_runs=2, bellwether="beta")
    data = json.loads(
        json.dumps(report.to_dict(), allow_nan=False)
    )  # JSON-safe: no NaN, no numpy types
    assert data["settings"]["bellwether"] == "B" and data["settings"]["terms_spillover"] == 0.0
    assert {r["partner"] for r in data["partners"]} == {"A", "B", "C", "D"}
    assert [f["forecast"] for f in data["fit"]["forecasts"]] == [
        "model",
        "uniform",
        "every partner settles",
        "base rates",
    ]
    assert isinstance(report.to_frame(), pd.DataFrame)
    # the table played through the runner equals first_mover() played in this process
    pd.testing.assert_frame_equal(report.first_mover, first_mover(toy, 2, 1, order="stakes"))  # type: ignore[arg-type]
    random = run_world(toy, runs=4, seed=1, order="random", first_mover_runs=2)
    assert random.settings["first_mover_order"] == "given" and random.first_mover is not None
    forced = run_world(toy, runs=4, seed=1, first="A", outcome="bad", first_mover_runs=0)
    assert forced.fit is None and forced.first_mover is None and "fit" not in forced.to_dict()


def test_runner_and_chunks_do_not_change_results(toy: World) -> None:
    calls: list[int] = []

    def runner(task: Any, tasks: list[dict[str, Any]]) -> list[Any]:
        calls.append(len(tasks))
        return [task(t) for t in reversed(tasks)][::-1]

    one = run_world(toy, runs=7, seed=3, first_mover_runs=0)
    chunked = run_world(toy, runs=7, seed=3, first_mover_runs=0, chunk=3, runner=runner)
    assert calls == [4 * 3]  # 4 experiments × 3 chunks (3 + 3 + 1 runs)
    pd.testing.assert_frame_equal(one.main.partners, chunked.main.partners)
    pd.testing.assert_frame_equal(one.domino, chunked.domino)


def test_bellwether_brief(toy: World) -> None:
    brief = bellwether_brief(toy, "alpha", runs=6, seed=0, order="given")
    assert brief.bellwether == "A" and brief.name == "Alpha"
    assert list(brief.by_outcome.index) == ["good", "bad", "none"]
    assert (
        (
            (brief.by_outcome[["p_retaliate", "p_bloc", "p_settle"]] >= 0)
            & (brief.by_outcome[["p_retaliate", "p_bloc", "p_settle"]] <= 1)
        )
        .all()
        .all()
    )
    json.dumps(brief.to_dict(), allow_nan=False)
