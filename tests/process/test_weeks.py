"""`simulate`, Monte Carlo and sweep grids on calendar time (weeks), as `compare-protocols`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import dealspace.cli.process  # noqa: F401  (registers the commands)
from dealspace.cli import app
from dealspace.errors import DealspaceError
from dealspace.process import monte_carlo, simulate
from dealspace.process.compare import ProcessSettings, compare_protocols
from dealspace.process.simulate import deal_space
from dealspace.process.sweep import load_grid, sweep
from dealspace.space import DealSpace

TOY = str(Path(__file__).parents[1] / "data" / "toy.yaml")
runner = CliRunner()

#: One calendar stated in weeks and in days: a round a fortnight, hazards and
#: political costs per week and the same per day.
WEEK = dict(
    start="2025-04-07",
    end="2026-04-06",
    every=2,
    unit="week",
    hazard={"us": 0.01, "japan": 0.02},
    delay_cost={"us": 0.14, "japan": 0.28},
)
DAY = dict(
    start="2025-04-07",
    end="2026-04-06",
    every=14,
    unit="day",
    hazard={p: 1 - (1 - h) ** (1 / 7) for p, h in (("us", 0.01), ("japan", 0.02))},
    delay_cost={"us": 0.02, "japan": 0.04},
)
PAIRS = ["boulware,linear", "frequency,linear"]


@pytest.fixture(scope="module")
def usj() -> DealSpace:
    return deal_space("us-japan-2025")


def numeric(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.select_dtypes("number")


# ------------------------------------------------------------------ days = weeks


def test_monte_carlo_on_the_same_calendar_in_days_and_weeks_is_identical(usj: DealSpace) -> None:
    a = monte_carlo(
        usj, ["alternating", "sequential"], PAIRS, runs=60, seed=4, settings=ProcessSettings(**WEEK)
    )
    b = monte_carlo(
        usj, ["alternating", "sequential"], PAIRS, runs=60, seed=4, settings=ProcessSettings(**DAY)
    )
    assert a.calendar is not None and b.calendar is not None
    assert a.calendar.rounds == b.calendar.rounds == 26
    # the tariffs in force are priced (GE) and paid in both: the costs are not trivially 0
    assert a.runs["cost:japan"].mean() > 0
    for col in ("agreement", "partial", "breakdown", "round", "agreement_date"):
        assert a.runs[col].tolist() == b.runs[col].tolist() or a.runs[col].equals(b.runs[col])
    np.testing.assert_allclose(
        numeric(a.runs).to_numpy(float), numeric(b.runs).to_numpy(float), rtol=1e-9, atol=1e-9
    )
    assert list(a.summary["agreement_date_p50"]) == list(b.summary["agreement_date_p50"])
    np.testing.assert_allclose(
        numeric(a.summary).to_numpy(float),
        numeric(b.summary).to_numpy(float),
        rtol=1e-9,
        atol=1e-9,
    )


def test_one_run_on_the_same_calendar_in_days_and_weeks_is_identical(usj: DealSpace) -> None:
    for proto in ("alternating", "harvest-package"):
        w = simulate(usj, proto, "conceder,boulware", seed=2, settings=ProcessSettings(**WEEK))
        d = simulate(usj, proto, "conceder,boulware", seed=2, settings=ProcessSettings(**DAY))
        assert (w.round, w.weeks, w.date, w.breakdown_round) == (
            d.round,
            d.weeks,
            d.date,
            d.breakdown_round,
        )
        assert [(b.round, b.unit, b.package) for b in w.bindings] == [
            (b.round, b.unit, b.package) for b in d.bindings
        ]
        for p in usj.parties:
            assert w.value[p] == pytest.approx(d.value[p], rel=1e-9, abs=1e-9)


def test_sweep_grid_in_days_equals_the_grid_in_weeks(usj: DealSpace) -> None:
    common = {
        "runs": 30,
        "protocols": ["alternating", "silos"],
        "strategies": ["conceder,linear"],
        "seeds": 2,
        "start": "2025-04-07",
    }
    weeks = {**common, "weeks": 52, "every": [1, 2], "unit": "week", "hazard": 0.01}
    days = {
        **common,
        "weeks": 52,
        "every": [7, 14],
        "unit": "day",
        "hazard": 1 - (1 - 0.01) ** (1 / 7),
    }
    a = sweep(weeks, usj.scenario, scheduler="sync", progress=False)
    b = sweep(days, usj.scenario, scheduler="sync", progress=False)
    assert list(a["rounds"]) == list(b["rounds"]) == [52, 52, 26, 26] * 2  # seeds vary fastest
    same = [c for c in a.columns if c not in ("every", "unit", "hazard")]
    pd.testing.assert_frame_equal(a[same], b[same], rtol=1e-9, atol=1e-9)


# ------------------------------------------------------------------ weeks = rounds × pace


@pytest.mark.parametrize("every,unit", [(2, "week"), (1, "week"), (10, "day")])
def test_time_to_agreement_in_weeks_is_rounds_times_weeks_per_round(
    every: float, unit: str
) -> None:
    settings = ProcessSettings(start="2025-04-07", weeks=60, every=every, unit=unit)
    per_round = every if unit == "week" else every / 7
    mc = monte_carlo(
        TOY,
        ["alternating", "sequential"],
        ["tft,boulware", "conceder,linear", "random,linear"],
        runs=40,
        seed=1,
        settings=settings,
    )
    runs = mc.runs
    agreed = runs["round"].notna()
    assert agreed.any()
    np.testing.assert_array_equal(
        runs["agreement_weeks"].to_numpy(float), runs["round"].to_numpy(float) * per_round
    )
    start = dt.date(2025, 4, 7)
    for r, date in zip(runs["round"], runs["agreement_date"], strict=True):
        if np.isnan(r):
            assert pd.isna(date)
        else:
            assert date == (start + dt.timedelta(days=round(r * per_round * 7))).isoformat()
    for q in ("mean", "p50", "p90"):
        np.testing.assert_allclose(
            mc.summary[f"agreement_weeks_{q}"], mc.summary[f"round_{q}"] * per_round
        )
    calm = dataclasses.replace(settings, hazard=0.0)
    run = simulate(TOY, "sequential", "tft,boulware", seed=3, settings=calm)
    assert run.agreement and run.weeks == run.round * per_round
    data = run.to_dict()
    assert data["weeks"] == run.round * per_round and data["calendar"]["unit"] == unit
    for b, item in zip(run.bindings, data["bindings"], strict=True):
        assert item["weeks"] == b.round * per_round


def test_rounds_are_the_calendar_s_and_a_shorter_calendar_cuts_the_talks() -> None:
    """A hardliner never concedes: the talks last exactly the calendar's rounds."""
    for weeks, every, rounds in ((52, 2, 26), (26, 2, 13), (52, 4, 13), (10, 1, 10)):
        settings = ProcessSettings(
            weeks=weeks, every=every, hazard=0.0, noise=0.0, delay_cost=0.0, tariff_cost=False
        )
        run = simulate(TOY, "alternating", "hardliner,hardliner", seed=0, settings=settings)
        assert not run.agreement and run.calendar is not None
        assert run.calendar.rounds == rounds and run.deadline == rounds
        assert max(e.round for e in run.trace) == rounds - 1


# ------------------------------------------------------------------ one meaning everywhere


def test_simulate_and_sweep_cells_equal_compare_protocols_cells(usj: DealSpace) -> None:
    """The same settings give the same numbers in compare-protocols, simulate and a sweep."""
    settings = ProcessSettings(
        protocols=("alternating", "sequential"),
        strategies=("boulware,linear",),
        runs=50,
        seed=7,
        weeks=40,
        every=2,
        hazard={"us": 0.003, "japan": 0.001},
        delay_cost={"us": 0.05},
        sensitivity=False,
    )
    cmp = compare_protocols(usj, settings)
    grid = {
        "runs": 50,
        "seeds": [7],
        "weeks": 40,
        "every": 2,
        "hazard": "us=0.003,japan=0.001",
        "delay_cost": {"us": 0.05},
        "protocols": ["alternating", "sequential"],
        "strategies": ["boulware,linear"],
    }
    swept = sweep(grid, usj.scenario, scheduler="sync", progress=False)
    for k, proto in enumerate(settings.protocols):
        mc = monte_carlo(usj, proto, ["boulware,linear"], runs=50, seed=7, settings=settings)
        row = cmp.pairs.iloc[k]
        assert row["protocol"] == mc.summary.iloc[0]["protocol"] == swept.iloc[k]["protocol"]
        for col in ("agreement_rate", "round_mean", "joint_gain_mean", "value:japan_mean"):
            assert mc.summary.iloc[0][col] == pytest.approx(row[col], nan_ok=True)
            assert swept.iloc[k][col] == pytest.approx(row[col], nan_ok=True)


def test_cli_simulate_reports_weeks_and_dates() -> None:
    args = ["simulate", TOY, "-s", "conceder,linear", "--start", "2025-04-07", "--every", "1"]
    result = runner.invoke(app, [*args, "--runs", "30", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    row = data["summary"][0]
    assert row["agreement_weeks_mean"] == pytest.approx(row["round_mean"] * 1)
    assert data["settings"]["calendar"]["start"] == "2025-04-07"
    assert data["settings"]["calendar"]["rounds"] == 52
    one = runner.invoke(app, [*args, "--json"])
    run = json.loads(one.stdout)
    assert run["weeks"] == run["round"] and run["date"] >= "2025-04-07"
    text = runner.invoke(app, [*args, "--runs", "30"])
    assert text.exit_code == 0 and "weeks" in text.output and "52 rounds" in text.output


# ------------------------------------------------------------------ the old round-based fields


def test_round_based_cli_options_are_refused_with_the_calendar_option() -> None:
    old = runner.invoke(app, ["simulate", TOY, "--deadline", "26"])
    assert old.exit_code == 2 and "Traceback" not in old.output
    assert "--weeks 52" in old.output  # 26 rounds at the default pace of a round a fortnight
    days = runner.invoke(
        app, ["simulate", TOY, "--deadline", "10", "--every", "7", "--unit", "day"]
    )
    assert days.exit_code == 2 and "--weeks 10" in days.output
    for flag in ("--status-quo-cost", "--uncertainty-cost"):
        res = runner.invoke(app, ["simulate", TOY, flag, "0.1"])
        assert res.exit_code == 2 and "--delay-cost" in res.output


def test_round_based_arguments_and_a_calendar_are_not_mixed() -> None:
    settings = ProcessSettings(weeks=20)
    with pytest.raises(DealspaceError, match="deadline.*calendar"):
        simulate(TOY, "alternating", "linear,linear", seed=0, deadline=30, settings=settings)
    with pytest.raises(DealspaceError, match="hazard"):
        monte_carlo(TOY, "alternating", "linear,linear", runs=5, hazard=0.1, settings=settings)


def test_round_based_grid_keys_are_refused_with_the_calendar_key() -> None:
    with pytest.raises(DealspaceError) as info:
        load_grid(
            {
                "protocols": ["alternating"],
                "strategies": ["linear,linear"],
                "deadline": 26,
                "uncertainty_cost": 0.1,
                "every": 0,
                "unit": "month",
            }
        )
    text = str(info.value)
    assert "deadline" in text and "weeks: 52" in text
    assert "uncertainty_cost" in text and "delay_cost" in text
    assert "every" in text and "month" in text


def test_unknown_party_in_a_grid_rate_is_refused_before_any_cell_runs() -> None:
    grid = {"protocols": ["alternating"], "strategies": ["linear"], "hazard": ["a=0.01,c=0.02"]}
    with pytest.raises(DealspaceError, match=r"hazard\[0\].*unknown party 'c'"):
        sweep(grid, TOY, scheduler="sync", progress=False)
    with pytest.raises(DealspaceError, match="weeks"):
        load_grid({"protocols": ["alternating"], "strategies": ["linear"], "weeks": float("inf")})


def test_grid_file_in_weeks(tmp_path: Path) -> None:
    path = tmp_path / "grid.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "scenario": TOY,
                "runs": 10,
                "weeks": [20, 40],
                "every": 2,
                "hazard": ["a=0.01,b=0.0", 0.0],
                "tariff_cost": False,
                "protocols": ["alternating"],
                "strategies": ["linear,linear"],
            }
        )
    )
    grid = load_grid(path)
    assert len(grid) == 4 and grid.hazard == [{"a": 0.01, "b": 0.0}, 0.0]
    frame = sweep(path, scheduler="sync", progress=False)
    assert list(frame["rounds"]) == [10, 10, 20, 20]
    assert list(frame["hazard"]) == ["a=0.01,b=0", "0"] * 2
    np.testing.assert_allclose(frame["agreement_weeks_mean"], frame["round_mean"] * 2)


@pytest.mark.slow
def test_sweep_on_a_dask_cluster_it_starts_equals_one_process() -> None:
    """scheduler="dask" (a LocalCluster with DASK_CONFIG, the compiled space scattered to its
    workers, round-robin batches) gives the rows of one process, in the grid's order."""
    pytest.importorskip("distributed")
    grid = {
        "scenario": TOY,
        "runs": 30,
        "weeks": [20, 40],
        "every": [1, 2],
        "protocols": ["alternating", "sequential"],
        "strategies": ["random,linear", "tft,boulware"],
        "seeds": 2,
    }
    local = sweep(grid, scheduler="sync", progress=False)
    dask = sweep(grid, scheduler="dask", workers=2, progress=False)
    processes = sweep(grid, scheduler="processes", workers=2, progress=False)
    pd.testing.assert_frame_equal(dask, local)
    pd.testing.assert_frame_equal(processes, local)
    assert len(local) == 32 and list(local["seed"][:4]) == [0, 1, 0, 1]
