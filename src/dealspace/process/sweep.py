"""Parameter sweeps: map a function over parameter grids, locally or on Dask.

:func:`run_grid` is the generic machinery: it maps a picklable top-level
function over a list of parameter dicts — in this process, on local worker
processes (:class:`concurrent.futures.ProcessPoolExecutor`, the default), or
on a Dask cluster (``distributed.Client(address)``) — with a progress bar,
and returns the results in input order. :func:`sweep` uses it for process
simulations: every cell of a grid (protocol × strategy pair × discount ×
hazard × noise × seed) is a Monte Carlo batch
(:func:`dealspace.process.monte_carlo`) summarised in one row.

Grid files (YAML)
-----------------
::

    scenario: us-japan-2025        # optional; --scenario overrides it
    parties: [us, japan]           # optional: two parties of a larger scenario
    runs: 1000                     # Monte Carlo runs per cell (default 1000)
    deadline: 100                  # rounds (a number or a list)
    protocols: [alternating, sequential, {name: sequential, order: negotiated}, silos, snt]
    strategies: ["boulware,boulware", [linear, tit-for-tat], "frequency,linear"]
    discount: [1.0, 0.99]          # per-round discount factors, in (0, 1]
    hazard: [0.0, 0.01]            # per-round breakdown probabilities, in [0, 1)
    noise: [0.0, 0.1]              # σ of the estimate of the other's valuation, ≥ 0
    seeds: [1, 2, 3]               # master seeds (or a count n: seeds 0 … n-1)
    status_quo_cost: 0.0           # per party per round (a number or [a, b])
    uncertainty_cost: 0.0
    delay_cost: ["us=0.02,japan=0.28", 0.0]   # political cost per party per round: a grid axis

Every key but ``protocols`` and ``strategies`` is optional. A scalar is a
one-value list. Unknown keys, protocol and strategy names get a did-you-mean
hint; numbers out of range are refused with the field named.

Dask is imported only when a cluster is used.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dealspace.errors import DealspaceError, Problem, did_you_mean

if TYPE_CHECKING:
    import pandas as pd

    from dealspace.scenario.model import Scenario

#: Keys a grid file may hold.
GRID_KEYS = (
    "scenario",
    "parties",
    "runs",
    "deadline",
    "protocols",
    "strategies",
    "discount",
    "hazard",
    "noise",
    "seeds",
    "status_quo_cost",
    "uncertainty_cost",
    "delay_cost",
)
#: MALLOC_TRIM_THRESHOLD_ for the workers of a LocalCluster started here (bytes).
MALLOC_TRIM = 128 * 1024 * 1024
#: Scheduler names understood besides a Dask address.
LOCAL = ("processes", "sync", "dask")


# ------------------------------------------------------------------ generic


def run_grid(
    func: Callable[[dict[str, Any]], Any],
    params: Sequence[Mapping[str, Any]],
    scheduler: Any = None,
    workers: int | None = None,
    progress: bool = True,
    description: str = "sweep",
) -> list[Any]:
    """Map ``func`` over parameter dicts; results in input order.

    Parameters
    ----------
    func
        A picklable top-level function of one dict.
    params
        The parameter dicts.
    scheduler
        None or ``"processes"``: local processes (``ProcessPoolExecutor``);
        ``"sync"``: in this process; ``"dask"``: a Dask ``LocalCluster`` of
        ``workers`` processes, started and closed here; an address
        (``tcp://host:8786``): that Dask cluster; or a ``distributed.Client``.
    workers
        Worker processes for the local schedulers (default: CPU count).
    progress
        Show a rich progress bar (on stderr).
    description
        The progress bar's label.

    Returns
    -------
    list
        ``func(p)`` for each ``p``, in order.

    Raises
    ------
    DealspaceError
        For an unknown scheduler name or a bad worker count. Errors raised by
        ``func`` propagate unchanged.
    """
    items = [dict(p) for p in params]
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise DealspaceError.single("workers", f"workers is {workers!r}", "use a whole number ≥ 1")
    if (
        isinstance(scheduler, str)
        and scheduler not in LOCAL
        and "://" not in scheduler
        and ":" not in scheduler
    ):
        raise DealspaceError.single(
            "scheduler",
            f"unknown scheduler '{scheduler}'",
            f"{did_you_mean(scheduler, LOCAL)} (or a Dask address such as tcp://host:8786)",
        )
    results: list[Any] = [None] * len(items)
    with _Progress(progress, description, len(items)) as bar:
        if not items:
            return results
        if scheduler == "sync" or (
            scheduler in (None, "processes") and (workers == 1 or len(items) == 1)
        ):
            for k, p in enumerate(items):
                results[k] = func(p)
                bar.advance()
        elif scheduler in (None, "processes"):
            n = workers or os.cpu_count() or 1
            with ProcessPoolExecutor(max_workers=min(n, len(items))) as pool:
                futures = {pool.submit(func, p): k for k, p in enumerate(items)}
                for fut in as_completed(futures):
                    results[futures[fut]] = fut.result()
                    bar.advance()
        else:
            _run_dask(func, items, scheduler, workers, results, bar)
    return results


def _run_dask(
    func: Callable[[dict[str, Any]], Any],
    items: list[dict[str, Any]],
    scheduler: Any,
    workers: int | None,
    results: list[Any],
    bar: _Progress,
) -> None:
    try:
        import distributed
    except ImportError:  # pragma: no cover - depends on the install
        raise DealspaceError.single(
            "scheduler", "Dask is not installed", "pip install 'dealspace[dask]'"
        ) from None
    cluster = None
    if isinstance(scheduler, distributed.Client):
        client, own = scheduler, False
    elif scheduler == "dask":
        import dask

        # Dask's nannies set MALLOC_TRIM_THRESHOLD_=65536, which makes the
        # simulations' many short-lived arrays slow to allocate; use glibc's scale
        with dask.config.set(
            {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": MALLOC_TRIM}
        ):
            cluster = distributed.LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
        client, own = distributed.Client(cluster), True
    else:
        client, own = distributed.Client(str(scheduler)), True
    try:
        futures = client.map(func, items, pure=False)
        index = {f.key: k for k, f in enumerate(futures)}
        for fut in distributed.as_completed(futures):
            results[index[fut.key]] = fut.result()
            bar.advance()
    finally:
        if own:
            client.close()
        if cluster is not None:
            cluster.close()


class _Progress:
    """A rich progress bar that can be switched off."""

    def __init__(self, show: bool, description: str, total: int) -> None:
        self.show, self.description, self.total = show, description, total
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.show:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task(self.description, total=self.total)
        return self

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


# ------------------------------------------------------------------ grids


@dataclass(frozen=True)
class Grid:
    """A validated sweep grid (see the module docstring for the file format)."""

    protocols: list[Any]
    strategies: list[tuple[str, str]]
    runs: int = 1000
    deadline: list[int] = field(default_factory=lambda: [100])
    discount: list[float] = field(default_factory=lambda: [1.0])
    hazard: list[float] = field(default_factory=lambda: [0.0])
    noise: list[float] = field(default_factory=lambda: [0.0])
    seeds: list[int] = field(default_factory=lambda: [0])
    scenario: str | None = None
    parties: list[str] | None = None
    status_quo_cost: Any = 0.0
    uncertainty_cost: Any = 0.0
    delay_cost: list[Any] = field(default_factory=lambda: [0.0])

    def cells(self) -> list[dict[str, Any]]:
        """Every combination, as parameter dicts (without the scenario)."""
        out = []
        for proto, pair, deadline, disc, haz, noise, delay, seed in itertools.product(
            self.protocols,
            self.strategies,
            self.deadline,
            self.discount,
            self.hazard,
            self.noise,
            self.delay_cost,
            self.seeds,
        ):
            out.append(
                {
                    "protocol": proto,
                    "strategies": list(pair),
                    "deadline": deadline,
                    "discount": disc,
                    "hazard": haz,
                    "noise": noise,
                    "seed": seed,
                    "runs": self.runs,
                    "parties": self.parties,
                    "status_quo_cost": self.status_quo_cost,
                    "uncertainty_cost": self.uncertainty_cost,
                    "delay_cost": delay,
                }
            )
        return out

    def __len__(self) -> int:
        return (
            len(self.protocols)
            * len(self.strategies)
            * len(self.deadline)
            * len(self.discount)
            * len(self.hazard)
            * len(self.noise)
            * len(self.delay_cost)
            * len(self.seeds)
        )


def load_grid(source: str | Path | Mapping[str, Any]) -> Grid:
    """Read and validate a grid (a YAML file or a mapping).

    Raises
    ------
    DealspaceError
        Listing every problem: unknown keys, protocol or strategy names (with
        did-you-mean hints), numbers out of range.
    """
    from dealspace.process.protocols import get_protocol
    from dealspace.process.strategies import get_strategy

    where = ""
    if isinstance(source, Mapping):
        data: Any = dict(source)
    else:
        path = Path(source)
        where = str(path)
        if not path.is_file():
            raise DealspaceError.single(
                "", f"no such grid file: {path}", "check the path", source=where
            )
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise DealspaceError.single(
                "", f"not valid YAML: {err}", "fix the syntax", source=where
            ) from None
    if not isinstance(data, dict):
        raise DealspaceError.single(
            "",
            "a grid is a mapping of keys (protocols, strategies, …)",
            "see docs/process.md",
            source=where,
        )
    problems: list[Problem] = []
    for key in data:
        if key not in GRID_KEYS:
            problems.append(Problem(str(key), "unknown key", did_you_mean(str(key), GRID_KEYS)))

    def listed(key: str, default: list[Any]) -> list[Any]:
        value = data.get(key, default)
        return list(value) if isinstance(value, list | tuple) else [value]

    def numbers(
        key: str, default: list[Any], test: Callable[[float], bool], rule: str, whole: bool = False
    ) -> list[Any]:
        out = []
        for k, v in enumerate(listed(key, default)):
            ok = isinstance(v, int | float) and not isinstance(v, bool)
            if ok and whole and not float(v).is_integer():
                ok = False
            if not ok or not test(float(v)):
                problems.append(
                    Problem(
                        f"{key}[{k}]" if isinstance(data.get(key), list) else key,
                        f"{v!r} is not {rule}",
                    )
                )
                continue
            out.append(int(v) if whole else float(v))
        if not out and not any(p.where.startswith(key) for p in problems):
            problems.append(Problem(key, "the list is empty", f"give at least one value ({rule})"))
        return out

    protocols = []
    if "protocols" not in data:
        problems.append(
            Problem(
                "protocols", "missing", "list one or more protocols, e.g. [alternating, sequential]"
            )
        )
    for k, spec in enumerate(listed("protocols", [])):
        try:
            get_protocol(spec, f"protocols[{k}]")
            protocols.append(spec)
        except DealspaceError as err:
            problems.extend(err.problems)
    pairs: list[tuple[str, str]] = []
    if "strategies" not in data:
        problems.append(
            Problem("strategies", "missing", "list strategy pairs, e.g. ['boulware,linear']")
        )
    for k, spec in enumerate(listed("strategies", [])):
        names = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else spec
        if (
            not isinstance(names, list | tuple)
            or len(names) not in (1, 2)
            or not all(isinstance(n, str) for n in names)
        ):
            problems.append(
                Problem(
                    f"strategies[{k}]", f"{spec!r} is not a strategy pair", "write 'a,b' or [a, b]"
                )
            )
            continue
        names = list(names) * (2 if len(names) == 1 else 1)
        bad = False
        for j, name in enumerate(names):
            try:
                get_strategy(name, f"strategies[{k}][{j}]")
            except DealspaceError as err:
                problems.extend(err.problems)
                bad = True
        if not bad:
            pairs.append((names[0], names[1]))
    runs = numbers("runs", [1000], lambda x: x >= 1, "a whole number ≥ 1", whole=True)
    if isinstance(data.get("runs"), list):
        problems.append(Problem("runs", "runs is one number per cell, not a list"))
    deadline = numbers(
        "deadline", [100], lambda x: x >= 1, "a whole number of rounds ≥ 1", whole=True
    )
    discount = numbers("discount", [1.0], lambda x: 0 < x <= 1, "a discount factor in (0, 1]")
    hazard = numbers("hazard", [0.0], lambda x: 0 <= x < 1, "a probability in [0, 1)")
    noise = numbers("noise", [0.0], lambda x: x >= 0, "a noise level ≥ 0")
    seeds_value = data.get("seeds", [0])
    if isinstance(seeds_value, int) and not isinstance(seeds_value, bool):
        if seeds_value < 1:
            problems.append(
                Problem("seeds", f"{seeds_value} seeds", "give a count ≥ 1 or a list of seeds")
            )
        seeds = list(range(max(1, seeds_value)))
    else:
        seeds = numbers("seeds", [0], lambda x: x >= 0, "a whole number ≥ 0", whole=True)
    parties = data.get("parties")
    if parties is not None and (not isinstance(parties, list) or len(parties) != 2):
        problems.append(Problem("parties", f"{parties!r} is not two party ids", "write [a, b]"))
    scenario = data.get("scenario")
    if scenario is not None and not isinstance(scenario, str):
        problems.append(Problem("scenario", f"{scenario!r} is not a scenario name or file"))
    for key in ("status_quo_cost", "uncertainty_cost"):
        if key in data:
            from dealspace.process.costs import TimeCosts

            try:
                TimeCosts(**{key: data[key]})
            except DealspaceError as err:
                problems.extend(err.problems)
    delay_cost = []
    for k, spec in enumerate(listed("delay_cost", [0.0])):
        try:
            delay_cost.append(delay_spec(spec, f"delay_cost[{k}]"))
        except DealspaceError as err:
            problems.extend(err.problems)
    if problems:
        raise DealspaceError(problems, source=where)
    return Grid(
        delay_cost=delay_cost,
        protocols=protocols,
        strategies=pairs,
        runs=runs[0],
        deadline=deadline,
        discount=discount,
        hazard=hazard,
        noise=noise,
        seeds=seeds,
        scenario=scenario,
        parties=parties,
        status_quo_cost=data.get("status_quo_cost", 0.0),
        uncertainty_cost=data.get("uncertainty_cost", 0.0),
    )


# ------------------------------------------------------------------ cells

_SPACES: dict[str, Any] = {}


def _space_of(scenario_json: str, digest: str, parties: Sequence[str] | None) -> Any:
    """The compiled space, cached per worker process (cells carry the scenario
    as JSON text, which pickles fast; it is parsed once per worker)."""
    from dealspace.process.simulate import deal_space
    from dealspace.scenario import Scenario

    key = f"{digest}:{parties}"
    if key not in _SPACES:
        if len(_SPACES) > 8:
            _SPACES.clear()
        _SPACES[key] = deal_space(Scenario.model_validate_json(scenario_json), parties)
    return _SPACES[key]


def delay_spec(spec: Any, where: str) -> float | dict[str, float]:
    """A political delay cost per round: one number for both parties, or
    party → number (a mapping or ``"us=0.02,japan=0.28"``)."""
    from dealspace.process.compare import parse_rates

    rates = parse_rates(spec, where)
    return dict(rates) if isinstance(rates, tuple) else rates


def _add(
    base: Any, delay: float | Mapping[str, float], parties: Sequence[str]
) -> tuple[float, ...]:
    """The uncertainty cost per party plus the delay cost of a cell."""
    from dealspace.process.costs import TimeCosts

    own = TimeCosts(uncertainty_cost=base).c_unc
    if isinstance(delay, Mapping):
        unknown = [p for p in delay if p not in parties]
        if unknown:
            raise DealspaceError.single(
                "delay_cost", f"unknown party '{unknown[0]}'", did_you_mean(unknown[0], parties)
            )
        extra = [float(delay.get(p, 0.0)) for p in parties]
    else:
        extra = [float(delay)] * len(parties)
    return tuple(float(a + b) for a, b in zip(own, extra, strict=True))


def _label(delay: float | Mapping[str, float]) -> str:
    if isinstance(delay, Mapping):
        return ",".join(f"{p}={v:g}" for p, v in delay.items())
    return f"{float(delay):g}"


def sweep_cells(params: dict[str, Any]) -> list[dict[str, Any]]:
    """A batch of grid cells run one after the other in one task (picklable):
    one task per worker share amortises start-up and the compiled space."""
    shared = {k: params[k] for k in ("scenario_json", "scenario_name", "digest")}
    return [sweep_cell({**shared, **cell}) for cell in params["cells"]]


def sweep_cell(params: dict[str, Any]) -> dict[str, Any]:
    """One grid cell: a Monte Carlo batch, summarised in one row (picklable)."""
    from dealspace.process.montecarlo import monte_carlo

    space = _space_of(params["scenario_json"], params["digest"], params.get("parties"))
    result = monte_carlo(
        space,
        [params["protocol"]],
        [params["strategies"]],
        runs=params["runs"],
        seed=params["seed"],
        deadline=params["deadline"],
        discount=params["discount"],
        hazard=params["hazard"],
        noise=params["noise"],
        status_quo_cost=params.get("status_quo_cost", 0.0),
        uncertainty_cost=_add(
            params.get("uncertainty_cost", 0.0), params.get("delay_cost", 0.0), space.parties
        ),
    )
    row = {str(k): v for k, v in result.summary.iloc[0].to_dict().items()}
    row.pop("runs", None)
    head = {
        "scenario": params["scenario_name"],
        "protocol": row.pop("protocol"),
        "strategies": row.pop("strategies"),
        "deadline": params["deadline"],
        "discount": params["discount"],
        "hazard": params["hazard"],
        "noise": params["noise"],
        "delay_cost": _label(params.get("delay_cost", 0.0)),
        "seed": params["seed"],
        "runs": params["runs"],
    }
    return {**head, **row}


def sweep(
    grid: str | Path | Mapping[str, Any] | Grid,
    scenario: str | Path | Scenario | None = None,
    scheduler: Any = None,
    workers: int | None = None,
    out: str | Path | None = None,
    progress: bool = True,
    overwrite: bool = False,
) -> pd.DataFrame:
    """Run a parameter grid of process simulations.

    Parameters
    ----------
    grid
        A grid file (YAML), a mapping, or a :class:`Grid`.
    scenario
        The scenario (a name, file or Scenario); overrides the grid's.
    scheduler, workers, progress
        As in :func:`run_grid` (default: local processes).
    out
        A Parquet file for the results (refused if it exists, unless
        ``overwrite``).
    overwrite
        Replace an existing ``out`` file.

    Returns
    -------
    pandas.DataFrame
        One row per cell: its parameters and the Monte Carlo summary
        (agreement rate, time to agreement, realised values, distances).

    Raises
    ------
    DealspaceError
        For a bad grid, no scenario, or an existing output file.
    """
    import pandas as pd

    from dealspace.scenario import Scenario, load_scenario

    spec = grid if isinstance(grid, Grid) else load_grid(grid)
    source = scenario if scenario is not None else spec.scenario
    if source is None:
        raise DealspaceError.single(
            "scenario", "the grid names no scenario", "add 'scenario:' to the grid or pass one"
        )
    target = Path(out) if out is not None else None
    if target is not None:
        if target.exists() and not overwrite:
            raise DealspaceError.single(
                "out",
                f"{target} exists",
                "choose another file, or pass overwrite=True (--overwrite)",
            )
        if target.suffix.lower() not in (".parquet", ".pq"):
            raise DealspaceError.single(
                "out", f"{target} is not a .parquet file", "name the output file *.parquet"
            )
    sc = source if isinstance(source, Scenario) else load_scenario(source)
    text = sc.model_dump_json(by_alias=True)
    digest = hashlib.sha1(text.encode()).hexdigest()
    cells = spec.cells()
    parallel = 1 if scheduler == "sync" else (workers or os.cpu_count() or 1)
    size = max(
        1, math.ceil(len(cells) / (4 * parallel))
    )  # ~4 batches per worker: balance and little overhead
    batches = [
        {
            "cells": cells[lo : lo + size],
            "scenario_json": text,
            "scenario_name": sc.name,
            "digest": digest,
        }
        for lo in range(0, len(cells), size)
    ]
    parts = run_grid(
        sweep_cells,
        batches,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
        description=f"sweep {sc.name} ({len(cells)} cells)",
    )
    frame = pd.DataFrame([row for part in parts for row in part])
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(target, index=False)
    return frame
