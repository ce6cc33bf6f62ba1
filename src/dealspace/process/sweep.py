"""Parameter sweeps: map a function over parameter grids, locally or on Dask.

:func:`run_grid` is the generic machinery: it maps a picklable top-level
function over a list of parameter dicts — in this process, on local worker
processes (:class:`concurrent.futures.ProcessPoolExecutor`, the default), or
on a Dask cluster (``distributed.Client(address)``) — with a progress bar,
and returns the results in input order. :func:`sweep` uses it for process
simulations: every cell of a grid (protocol × strategy pair × length × pace ×
discount × hazard × noise × delay cost × seed) is a Monte Carlo batch
(:func:`dealspace.process.monte_carlo`) on a calendar, played as
``compare-protocols`` plays it (:class:`~dealspace.process.compare.ProcessSettings`),
summarised in one row.

Grid files (YAML)
-----------------
Sweeps run on calendar time, with the names and defaults of
``compare-protocols``::

    scenario: us-japan-2025        # optional; --scenario overrides it
    parties: [us, japan]           # optional: two parties of a larger scenario
    runs: 1000                     # Monte Carlo runs per cell (default 1000)
    start: 2025-04-16              # first day of the talks (default: the scenario's date)
    weeks: [26, 52]                # length of the talks in weeks (default 52)
    every: [1, 2, 4]               # time between rounds, in `unit`s (default 2)
    unit: week                     # week or day: the unit of every, hazard, delay_cost
    protocols: [alternating, sequential, {name: sequential, order: negotiated}, silos, snt]
    strategies: ["boulware,boulware", [linear, tit-for-tat], "frequency,linear"]
    hazard: [0.0, 0.0025, "us=0.002,japan=0.004"]  # breakdown hazard per party per unit of time
    delay_cost: ["us=0.02,japan=0.28", 0.0]         # political cost, points per unit of time
    tariff_cost: true              # price the tariffs in force with the GE model (default true)
    discount: [1.0, 0.97]          # discount factor per year, in (0, 1]
    noise: [0.0, 0.1]              # σ of the estimate of the other's valuation (default 0.1)
    seeds: [1, 2, 3]               # master seeds (or a count n: seeds 0 … n-1)

Every key but ``protocols`` and ``strategies`` is optional. A scalar is a
one-value list; ``start``, ``unit`` and ``tariff_cost`` are one value each.
Unknown keys, protocol and strategy names get a did-you-mean hint; numbers
out of range are refused with the field named. The round-based keys of
earlier versions (``deadline``, ``status_quo_cost``, ``uncertainty_cost``)
are refused with the calendar key that replaces them.

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
    from dealspace.space import DealSpace

#: Keys a grid file may hold.
GRID_KEYS = (
    "scenario",
    "parties",
    "runs",
    "start",
    "weeks",
    "every",
    "unit",
    "protocols",
    "strategies",
    "discount",
    "hazard",
    "noise",
    "seeds",
    "delay_cost",
    "tariff_cost",
)
#: Round-based keys of earlier grids → what replaces them.
ROUND_KEYS = {
    "deadline": "grids run on a calendar: give the length of the talks as 'weeks' and the pace "
    "as 'every' (weeks between rounds); deadline: 26 with one round a fortnight is weeks: 52",
    "status_quo_cost": "the tariffs in force are priced per week by the economy model "
    "('tariff_cost: true', the default); add a political cost with 'delay_cost' (points per week)",
    "uncertainty_cost": "use 'delay_cost': a political cost in points per unit of time, "
    "one number or per party ('us=0.02,japan=0.28')",
}
#: MALLOC_TRIM_THRESHOLD_ for the workers of a LocalCluster started here (bytes).
MALLOC_TRIM = 128 * 1024 * 1024
#: glibc's mmap threshold for those workers (bytes): setting the trim threshold
#: switches off glibc's sliding mmap threshold, so every array over 128 KiB
#: would be a fresh mmap — page faults on every allocation (measured: 133,000
#: minor faults and 0.9 s of system time per 2·10^4 runs, against 2,400 and
#: 0.25 s with this); 32 MiB is where glibc's sliding threshold stops anyway.
MALLOC_MMAP = 32 * 1024 * 1024
#: Dask settings of a LocalCluster started here (docs/process.md, "Speed"):
#: glibc's malloc scale rather than Dask's ``MALLOC_TRIM_THRESHOLD_=65536``
#: (see :data:`MALLOC_MMAP`); no statistical profiler (a stack sample every
#: 10 ms) and slow system and memory monitors, which cost CPU for every second
#: a task runs — on a busy machine, where a task's wall time stretches, they
#: cost a 1-worker cluster ~30 % more CPU than the same cells in one process.
#: With these it uses what one process uses. Other settings are Dask's
#: defaults (``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` = 1).
DASK_CONFIG: dict[str, Any] = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": MALLOC_TRIM,
    "distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": MALLOC_MMAP,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "5s",
    "distributed.admin.tick.interval": "1s",
}
#: Tasks per worker a sweep's cells are dealt into: enough that a worker that
#: finishes early takes the next (cells differ in cost by strategy pair), few
#: enough that Dask's per-task overhead (about a millisecond) stays small.
TASKS_PER_WORKER = 8
#: Scheduler names understood besides a Dask address.
LOCAL = ("processes", "sync", "dask")


# ------------------------------------------------------------------ generic


def run_grid(
    func: Callable[..., Any],
    params: Sequence[Mapping[str, Any]],
    scheduler: Any = None,
    workers: int | None = None,
    progress: bool = True,
    description: str = "sweep",
    shared: Any = None,
) -> list[Any]:
    """Map ``func`` over parameter dicts; results in input order.

    Parameters
    ----------
    func
        A picklable top-level function of one dict (of the dict and
        ``shared`` when ``shared`` is given).
    params
        The parameter dicts.
    shared
        An object every call receives as its second argument (e.g. a compiled
        deal space), sent once to each worker rather than with every task:
        local processes get it in their initializer, a Dask cluster by
        ``client.scatter(shared, broadcast=True)``; every call in a worker
        sees the same object.
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
    extra = () if shared is None else (shared,)
    with _Progress(progress, description, len(items)) as bar:
        if not items:
            return results
        if scheduler == "sync" or (
            scheduler in (None, "processes") and (workers == 1 or len(items) == 1)
        ):
            for k, p in enumerate(items):
                results[k] = func(p, *extra)
                bar.advance()
        elif scheduler in (None, "processes"):
            n = workers or os.cpu_count() or 1
            with ProcessPoolExecutor(
                max_workers=min(n, len(items)), initializer=_start_worker, initargs=extra
            ) as pool:
                call = _with_shared if extra else _plain
                futures = {pool.submit(call, func, p): k for k, p in enumerate(items)}
                for fut in as_completed(futures):
                    results[futures[fut]] = fut.result()
                    bar.advance()
        else:
            _run_dask(func, items, scheduler, workers, results, bar, extra)
    return results


#: The shared object of a local worker process (set by its initializer).
_SHARED: list[Any] = []


def _start_worker(*shared: Any) -> None:
    """Initializer of a local worker process: keep the shared object and use
    one BLAS/OpenMP thread (the workers are the parallelism; as Dask's nannies
    set ``OMP_NUM_THREADS=1``)."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1)
    except ImportError:  # pragma: no cover - a core dependency
        pass
    _SHARED[:] = shared


def _plain(func: Callable[[dict[str, Any]], Any], p: dict[str, Any]) -> Any:
    return func(p)


def _with_shared(func: Callable[..., Any], p: dict[str, Any]) -> Any:
    return func(p, _SHARED[0])


def _run_dask(
    func: Callable[..., Any],
    items: list[dict[str, Any]],
    scheduler: Any,
    workers: int | None,
    results: list[Any],
    bar: _Progress,
    extra: tuple[Any, ...] = (),
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

        with dask.config.set(DASK_CONFIG):
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
        args = (
            [[client.scatter(extra[0], broadcast=True, hash=False)] * len(items)] if extra else []
        )
        futures = client.map(func, items, *args, pure=False)
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
    """A validated sweep grid (see the module docstring for the file format).

    The calendar fields mean what they mean in
    :class:`~dealspace.process.compare.ProcessSettings`, with its defaults.
    """

    protocols: list[Any]
    strategies: list[tuple[str, str]]
    runs: int = 1000
    weeks: list[float] = field(default_factory=lambda: [52.0])
    every: list[float] = field(default_factory=lambda: [2.0])
    unit: str = "week"
    start: str | None = None
    discount: list[float] = field(default_factory=lambda: [1.0])
    hazard: list[Any] = field(default_factory=lambda: [0.0025])
    noise: list[float] = field(default_factory=lambda: [0.1])
    seeds: list[int] = field(default_factory=lambda: [0])
    scenario: str | None = None
    parties: list[str] | None = None
    delay_cost: list[Any] = field(default_factory=lambda: [0.0])
    tariff_cost: bool = True

    def axes(self) -> list[list[Any]]:
        return [
            self.protocols,
            self.strategies,
            self.weeks,
            self.every,
            self.discount,
            self.hazard,
            self.noise,
            self.delay_cost,
            self.seeds,
        ]

    def cells(self) -> list[dict[str, Any]]:
        """Every combination, as parameter dicts (without the scenario)."""
        out = []
        for proto, pair, weeks, every, disc, haz, noise, delay, seed in itertools.product(
            *self.axes()
        ):
            out.append(
                {
                    "protocol": proto,
                    "strategies": list(pair),
                    "start": self.start,
                    "weeks": weeks,
                    "every": every,
                    "unit": self.unit,
                    "discount": disc,
                    "hazard": haz,
                    "noise": noise,
                    "delay_cost": delay,
                    "tariff_cost": self.tariff_cost,
                    "seed": seed,
                    "runs": self.runs,
                    "parties": self.parties,
                }
            )
        return out

    def __len__(self) -> int:
        return math.prod(len(axis) for axis in self.axes())


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
        if key in ROUND_KEYS:
            problems.append(Problem(str(key), "counts in rounds", ROUND_KEYS[key]))
        elif key not in GRID_KEYS:
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
    weeks = numbers("weeks", [52.0], lambda x: math.isfinite(x) and x > 0, "a length in weeks > 0")
    every = numbers(
        "every", [2.0], lambda x: math.isfinite(x) and x > 0, "a time between rounds > 0"
    )
    unit = data.get("unit", "week")
    if unit not in ("week", "day"):
        problems.append(
            Problem("unit", f"unknown time unit {unit!r}", did_you_mean(str(unit), ["week", "day"]))
        )
    start = data.get("start")
    if start is not None:
        from dealspace.process.calendar import parse_date

        try:
            start = parse_date(start, "start").isoformat()
        except DealspaceError as err:
            problems.extend(err.problems)
    tariff_cost = data.get("tariff_cost", True)
    if not isinstance(tariff_cost, bool):
        problems.append(Problem("tariff_cost", f"{tariff_cost!r} is not true or false"))
    discount = numbers(
        "discount", [1.0], lambda x: 0 < x <= 1, "a discount factor per year in (0, 1]"
    )
    hazard = []
    for k, spec in enumerate(listed("hazard", [0.0025])):
        try:
            hazard.append(delay_spec(spec, f"hazard[{k}]", probability=True))
        except DealspaceError as err:
            problems.extend(err.problems)
    noise = numbers("noise", [0.1], lambda x: x >= 0, "a noise level ≥ 0")
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
        weeks=weeks,
        every=every,
        unit=str(unit),
        start=start,
        discount=discount,
        hazard=hazard,
        noise=noise,
        seeds=seeds,
        scenario=scenario,
        parties=parties,
        tariff_cost=bool(tariff_cost),
    )


# ------------------------------------------------------------------ cells


def delay_spec(spec: Any, where: str, probability: bool = False) -> float | dict[str, float]:
    """A rate per unit of time (a political delay cost, or a breakdown hazard
    when ``probability``): one number for both parties, or party → number (a
    mapping or ``"us=0.02,japan=0.28"``)."""
    from dealspace.process.compare import parse_rates

    rates = parse_rates(spec, where, probability=probability)
    return dict(rates) if isinstance(rates, tuple) else rates


def _label(rate: float | Mapping[str, float]) -> str:
    if isinstance(rate, Mapping):
        return ",".join(f"{p}={v:g}" for p, v in rate.items())
    return f"{float(rate):g}"


def sweep_cells(params: dict[str, Any], space: DealSpace) -> list[dict[str, Any]]:
    """A batch of grid cells run one after the other in one task (picklable);
    ``space`` is the compiled two-party space, sent once to each worker."""
    return [sweep_cell(cell, space) for cell in params["cells"]]


def cell_settings(params: Mapping[str, Any]) -> Any:
    """The :class:`~dealspace.process.compare.ProcessSettings` of one grid cell."""
    from dealspace.process.compare import ProcessSettings

    return ProcessSettings(
        protocols=(params["protocol"],),
        strategies=(",".join(params["strategies"]),),
        runs=int(params["runs"]),
        seed=int(params["seed"]),
        start=params.get("start"),
        weeks=params["weeks"],
        every=params["every"],
        unit=params.get("unit", "week"),
        hazard=params["hazard"],
        delay_cost=params.get("delay_cost", 0.0),
        tariff_cost=bool(params.get("tariff_cost", True)),
        discount=params["discount"],
        noise=params["noise"],
        sensitivity=False,
    )


def sweep_cell(params: dict[str, Any], space: DealSpace) -> dict[str, Any]:
    """One grid cell: a Monte Carlo batch on its calendar, summarised in one row (picklable)."""
    from dealspace.process.montecarlo import monte_carlo

    settings = cell_settings(params)
    result = monte_carlo(
        space,
        [params["protocol"]],
        [params["strategies"]],
        runs=settings.runs,
        seed=settings.seed,
        settings=settings,
    )
    row = {str(k): v for k, v in result.summary.iloc[0].to_dict().items()}
    row.pop("runs", None)
    cal = result.calendar
    assert cal is not None  # a run with settings is on a calendar
    head = {
        "scenario": space.scenario.name,
        "protocol": row.pop("protocol"),
        "strategies": row.pop("strategies"),
        "start": cal.start.isoformat(),
        "weeks": float(params["weeks"]),
        "every": float(params["every"]),
        "unit": cal.unit,
        "rounds": cal.rounds,
        "discount": params["discount"],
        "hazard": _label(params["hazard"]),
        "delay_cost": _label(params.get("delay_cost", 0.0)),
        "tariff_cost": bool(params.get("tariff_cost", True)),
        "noise": params["noise"],
        "seed": params["seed"],
        "runs": params["runs"],
    }
    return {**head, **row}


_SPACES: dict[str, DealSpace] = {}


def _compiled(scenario: Scenario, parties: Sequence[str] | None) -> DealSpace:
    """The two-party space of a scenario, compiled once per process and kept
    for the last few scenarios (repeated sweeps of one scenario compile it once)."""
    from dealspace.process.cell import deal_space

    text = scenario.model_dump_json(by_alias=True)
    key = f"{hashlib.sha1(text.encode()).hexdigest()}:{parties}"
    if key not in _SPACES:
        if len(_SPACES) >= 4:
            _SPACES.pop(next(iter(_SPACES)))
        _SPACES[key] = deal_space(scenario, parties)
    return _SPACES[key]


def _check_parties(grid: Grid, parties: Sequence[str]) -> None:
    """Refuse, before any cell runs, a per-party hazard or delay cost naming
    a party the space does not have."""
    problems = []
    for key in ("hazard", "delay_cost"):
        for k, rate in enumerate(getattr(grid, key)):
            for p in rate if isinstance(rate, Mapping) else ():
                if p not in parties:
                    problems.append(
                        Problem(f"{key}[{k}]", f"unknown party '{p}'", did_you_mean(p, parties))
                    )
    if problems:
        raise DealspaceError(problems)


def balanced(n: int, tasks: int) -> list[list[int]]:
    """Split cells ``0 … n-1`` into at most ``tasks`` batches dealt round-robin
    (batch ``b`` holds cells ``b, b + B, b + 2B, …``): a grid varies its last
    axes fastest, so every batch gets a similar mix of protocols and strategy
    pairs and the batches take about as long; the workers take the next
    batch as they finish (:data:`TASKS_PER_WORKER`)."""
    count = max(1, min(n, tasks))
    return [list(range(b, n, count)) for b in range(count)]


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
        One row per cell: its parameters (``weeks``: length of the talks,
        ``every`` and ``unit``: the pace, ``rounds``: the rounds they hold,
        rates per unit of time) and the Monte Carlo summary (agreement rate,
        time to agreement in rounds and in weeks, ``agreement_weeks_*``, and
        the median agreement's date, realised values, distances).

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
    space = _compiled(sc, spec.parties)  # compiled once, here; sent once to each worker
    cells = spec.cells()
    _check_parties(spec, space.parties)
    parallel = 1 if scheduler == "sync" else (workers or os.cpu_count() or 1)
    batches = balanced(len(cells), TASKS_PER_WORKER * parallel)
    parts = run_grid(
        sweep_cells,
        [{"cells": [cells[k] for k in batch]} for batch in batches],
        scheduler=scheduler,
        workers=workers,
        progress=progress,
        description=f"sweep {sc.name} ({len(cells)} cells)",
        shared=space,
    )
    rows: list[Any] = [None] * len(cells)
    for batch, part in zip(batches, parts, strict=True):
        for k, row in zip(batch, part, strict=True):
            rows[k] = row
    frame = pd.DataFrame(rows)
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(target, index=False)
    return frame
