"""Sweeps: grid validation, local processes, Parquet output, a Dask cluster."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from dealspace.errors import DealspaceError
from dealspace.process.sweep import Grid, load_grid, run_grid, sweep

TOY = str(Path(__file__).parents[1] / "data" / "toy.yaml")

GRID = {
    "scenario": TOY,
    "runs": 20,
    "weeks": 60,
    "protocols": ["alternating", {"name": "sequential", "order": "negotiated"}],
    "strategies": ["boulware,linear", ["tft", "tft"]],
    "hazard": [0.0, 0.02],
    "noise": 0.1,
    "seeds": 2,
}


def square(p: dict) -> int:
    """A picklable top-level function for run_grid."""
    return int(p["x"]) ** 2


# ------------------------------------------------------------------ grids


def test_grid_expands_to_every_combination() -> None:
    grid = load_grid(GRID)
    assert isinstance(grid, Grid)
    assert len(grid) == len(grid.cells()) == 2 * 2 * 2 * 1 * 2
    assert grid.seeds == [0, 1] and grid.noise == [0.1] and grid.strategies[1] == ("tft", "tft")


def test_grid_file_errors_name_the_field(tmp_path: Path) -> None:
    bad = dict(GRID)
    bad.update(
        protocols=["alternating", "sequental"],
        strategies=["boulwar,linear"],
        hazard=[0.0, 1.2],
        discount=0,
        runz=5,
    )
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(DealspaceError) as info:
        load_grid(path)
    text = str(info.value)
    assert str(path) in text
    assert "Did you mean 'sequential'" in text
    assert "Did you mean 'boulware'" in text
    assert "hazard[1]" in text and "1.2" in text
    assert "discount" in text
    assert "runz" in text and "Did you mean 'runs'" in text


def test_grid_needs_protocols_and_strategies() -> None:
    with pytest.raises(DealspaceError, match="protocols: this required field is missing"):
        load_grid({"strategies": ["linear,linear"]})
    with pytest.raises(DealspaceError, match="not a strategy pair"):
        load_grid({"protocols": ["alternating"], "strategies": [["a", "b", "c"]]})


# ------------------------------------------------------------------ running


def test_run_grid_keeps_the_order_on_local_processes() -> None:
    params = [{"x": k} for k in range(12)]
    assert run_grid(square, params, workers=2, progress=False) == [k * k for k in range(12)]
    assert run_grid(square, params, scheduler="sync", progress=False) == [k * k for k in range(12)]
    with pytest.raises(DealspaceError, match="unknown scheduler"):
        run_grid(square, params, scheduler="procesess")


def test_sweep_writes_parquet_and_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "results.parquet"
    frame = sweep(GRID, out=out, progress=False, workers=2)
    assert len(frame) == 16
    assert {"protocol", "strategies", "hazard", "seed", "agreement_rate", "value:a_mean"} <= set(
        frame.columns
    )
    back = pd.read_parquet(out)
    assert back.shape == frame.shape
    assert set(back["protocol"]) == {"alternating", "sequential-negotiated"}
    with pytest.raises(DealspaceError, match="exists"):
        sweep(GRID, out=out, progress=False, scheduler="sync")
    again = sweep(GRID, out=out, progress=False, scheduler="sync", overwrite=True)
    pd.testing.assert_frame_equal(again, frame)  # seeded: the same numbers on any scheduler


def test_sweep_without_a_scenario_is_refused() -> None:
    grid = {k: v for k, v in GRID.items() if k != "scenario"}
    with pytest.raises(DealspaceError, match="no scenario"):
        sweep(grid, progress=False)


def test_sweep_on_a_dask_cluster() -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        frame = sweep(GRID, scheduler=cluster.scheduler_address, progress=False)
        params = [{"x": k} for k in range(5)]
        with distributed.Client(cluster) as client:
            assert run_grid(square, params, scheduler=client, progress=False) == [0, 1, 4, 9, 16]
    local = sweep(GRID, scheduler="sync", progress=False)
    pd.testing.assert_frame_equal(frame, local)
