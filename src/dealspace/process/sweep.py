"""Parameter sweeps: map a function over parameter grids, locally or on Dask.

:func:`run_grid` is the generic machinery: it maps a picklable top-level
function over a list of parameter dicts — in this process, on local worker
processes (:class:`concurrent.futures.ProcessPoolExecutor`, the default), or
on a Dask cluster (``distributed.Client(address)``) — with a progress bar,
and returns the results in input order. :func:`sweep` uses it for process
simulations: every cell of a grid (protocol × strategy pair × length × pace ×
discount × hazard × noise × delay cost × seed) is a Monte Carlo batch
(:func:`dealspace.process.monte_carlo`) on a calendar, played as
``compare-protocols`` plays it (:class:`~dealspace.process.settings.ProcessSettings`),
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
A grid file (YAML or JSON) is read by the one hardened loader
(:func:`dealspace.scenario.load.load_model_file`) and validated as
:class:`GridFile`: unknown keys, protocol, parameter and strategy names get a
did-you-mean hint; wrong types, empty lists and numbers out of range or past
a limit (:data:`MAX_RUNS` runs per cell, :data:`MAX_ROUNDS` rounds per cell,
:data:`MAX_SEEDS` seeds, :data:`MAX_CELLS` cells, :data:`MAX_WEEKS`,
:data:`MAX_NOISE`, :data:`MAX_COST`) are refused with the file and the field
path, all at once. The round-based keys of earlier versions (``deadline``,
``status_quo_cost``, ``uncertainty_cost``) are refused with the calendar key
that replaces them.

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
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from dealspace.errors import DealspaceError, Problem, did_you_mean

if TYPE_CHECKING:
    import pandas as pd

    from dealspace.scenario.model import Scenario
    from dealspace.space import DealSpace

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


#: Most Monte Carlo runs in one cell.
MAX_RUNS = 1_000_000
#: Most rounds in a cell (weeks × 7 / days between rounds), and longest stage.
MAX_ROUNDS = 100_000
#: Most seeds in a grid (a count or a list).
MAX_SEEDS = 10_000
#: Largest master seed (32-bit, as the CLI's --seed).
MAX_SEED = 2**32 - 1
#: Most cells in a grid (the product of every axis).
MAX_CELLS = 100_000
#: Largest noise level σ, in utility points (as the CLI's --noise).
MAX_NOISE = 100.0
#: Largest political delay cost per party per unit of time, in utility points.
MAX_COST = 1e6
#: Longest talks (weeks; 20 years, as the CLI's --weeks) and pace (every, in weeks or days).
MAX_WEEKS = 1_040
MAX_EVERY = 3_650
#: Largest step of the single-text mediator (an objection scales weights by 1 + step).
MAX_STEP = 100.0
#: Parameters a protocol mapping may hold (each protocol accepts some of them).
PROTOCOL_PARAMS = ("first", "step", "order", "units", "stage_rounds", "bindable")


def _refused(text: str) -> PydanticCustomError:
    return PydanticCustomError("grid", "{text}", {"text": text})


def _from(err: DealspaceError) -> PydanticCustomError:
    """A DealspaceError raised while checking one value, as a pydantic error at that value."""
    parts = [f"{p.what}. {p.fix[:1].upper()}{p.fix[1:]}" if p.fix else p.what for p in err.problems]
    return _refused("; ".join(parts))


def _whole(lo: int, hi: int) -> Callable[[int], int]:
    """A check that a whole number lies in [lo, hi], naming the limit passed."""

    def check(v: int) -> int:
        if v < lo:
            raise _refused(f"{v:,} is below the minimum of {lo:,}")
        if v > hi:
            raise _refused(f"{v:,} is over the limit of {hi:,}")
        return v

    return check


def _within(test: Callable[[float], bool], rule: str) -> Callable[[float], float]:
    """A check that a number is finite and passes ``test``, naming the rule."""

    def check(v: float) -> float:
        if not (math.isfinite(v) and test(v)):
            raise _refused(f"{v!r} is not {rule}")
        return float(v)

    return check


def _is_whole(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refused(f"{_shown(value)} is not a whole number")
    return value


def _is_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refused(f"{_shown(value)} is not a number")
    return value


def _shown(value: Any) -> str:
    """A value as the message shows it (long values cut)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _listed(value: Any) -> Any:
    """A scalar is a one-value list."""
    return list(value) if isinstance(value, list | tuple) else [value]


def _filled(hint: str) -> Callable[[list[Any]], list[Any]]:
    """A check that a list is not empty."""

    def check(values: list[Any]) -> list[Any]:
        if not values:
            raise _refused(f"the list is empty: {hint}")
        return values

    return check


def _at_most(n: int, what: str) -> Callable[[list[Any]], list[Any]]:
    def check(values: list[Any]) -> list[Any]:
        if len(values) > n:
            raise _refused(f"{len(values):,} {what} is over the limit of {n:,}")
        return values

    return check


def _seeds(value: Any) -> Any:
    """``seeds: n`` is the count n (seeds 0 … n-1)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise _refused(f"{value} seeds: give a count ≥ 1 or a list of seeds")
        if value > MAX_SEEDS:
            raise _refused(f"{value:,} seeds is over the limit of {MAX_SEEDS:,}")
        return list(range(value))
    return _listed(value)


def _protocol(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


def _strategy_pair(spec: Any) -> tuple[str, str]:
    from dealspace.process.strategies import get_strategy

    names = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else spec
    if (
        not isinstance(names, list | tuple)
        or len(names) not in (1, 2)
        or not all(isinstance(n, str) for n in names)
    ):
        raise _refused(f"{_shown(spec)} is not a strategy pair: write 'a,b' or [a, b]")
    names = list(names) * (2 if len(names) == 1 else 1)
    for name in names:
        try:
            get_strategy(name, "")
        except DealspaceError as err:
            raise _from(err) from None
    return names[0], names[1]


def _rate(probability: bool) -> Callable[[Any], float | dict[str, float]]:
    """A check of a rate per unit of time: one number, or party → number."""

    def check(value: Any) -> float | dict[str, float]:
        try:
            spec = delay_spec(value, "", probability=probability)
        except DealspaceError as err:
            raise _from(err) from None
        top = max(spec.values(), default=0.0) if isinstance(spec, dict) else spec
        if top > MAX_COST:
            raise _refused(f"a cost of {top:g} per unit of time is over the limit of {MAX_COST:g}")
        return spec

    return check


def _unit(value: Any) -> Any:
    """Name the unit given when it is not one (pydantic's literal error does not)."""
    if value not in ("week", "day"):
        raise PydanticCustomError(
            "unit", "{v} is not a unit of time here: use 'week' or 'day'", {"v": repr(value)[:40]}
        )
    return value


def _date(value: Any) -> str:
    from dealspace.process.calendar import parse_date

    try:
        return parse_date(value, "").isoformat()
    except DealspaceError as err:
        raise _from(err) from None


def _round_based(data: Any) -> Any:
    """Refuse the round-based keys of earlier grids, saying what replaces them."""
    if isinstance(data, dict):
        old = [k for k in data if k in ROUND_KEYS]
        if old:
            raise _refused("; ".join(f"'{k}' counts in rounds: {ROUND_KEYS[k]}" for k in old))
    return data


def _order(value: Any) -> Any:
    if isinstance(value, str) or (
        isinstance(value, list) and value and all(isinstance(x, str) for x in value)
    ):
        return value
    raise _refused(f"{_shown(value)} is not 'given', 'negotiated' or a list of unit names")


Text = Annotated[str, Strict()]
Whole = Annotated[int, BeforeValidator(_is_whole), Strict()]
Number = Annotated[float, BeforeValidator(_is_number), Strict()]
Rounds = Annotated[Whole, AfterValidator(_whole(1, MAX_ROUNDS))]
Step = Annotated[
    Number, AfterValidator(_within(lambda x: 0 < x <= MAX_STEP, f"a step in (0, {MAX_STEP:g}]"))
]


class ProtocolSpec(BaseModel):
    """A protocol in a grid: a name, or a mapping ``{name: …, <parameters>}``
    (docs/process.md lists each protocol's parameters)."""

    model_config = ConfigDict(extra="forbid")

    name: Text
    first: Whole | None = None
    step: Step | None = None
    order: Annotated[Any, AfterValidator(_order)] = None
    units: Text | None = None
    stage_rounds: Rounds | None = None
    bindable: Annotated[bool, Strict()] | None = None

    @model_validator(mode="after")
    def _known(self) -> ProtocolSpec:
        from dealspace.process.protocols import get_protocol

        try:
            get_protocol(self.spec(), "")
        except DealspaceError as err:
            raise _from(err) from None
        return self

    def spec(self) -> str | dict[str, Any]:
        """What :func:`~dealspace.process.protocols.get_protocol` takes."""
        params = {k: getattr(self, k) for k in PROTOCOL_PARAMS if k in self.model_fields_set}
        return {"name": self.name, **params} if params else self.name


class GridFile(BaseModel):
    """A sweep grid as written in a file (see the module docstring): every
    key type-checked, numbers bounded, unknown keys refused."""

    model_config = ConfigDict(extra="forbid")

    scenario: Text | None = None
    parties: Annotated[list[Text], Field(min_length=2, max_length=2)] | None = None
    runs: Annotated[Whole, AfterValidator(_whole(1, MAX_RUNS))] = 1000
    start: Annotated[Any, AfterValidator(_date)] = None
    weeks: Annotated[
        list[
            Annotated[
                Number,
                AfterValidator(
                    _within(
                        lambda x: 0 < x <= MAX_WEEKS, f"a length in weeks in (0, {MAX_WEEKS:,}]"
                    )
                ),
            ]
        ],
        BeforeValidator(_listed),
        AfterValidator(_filled("give a length in weeks")),
    ] = [52.0]
    every: Annotated[
        list[
            Annotated[
                Number,
                AfterValidator(
                    _within(
                        lambda x: 0 < x <= MAX_EVERY, f"a time between rounds in (0, {MAX_EVERY:,}]"
                    )
                ),
            ]
        ],
        BeforeValidator(_listed),
        AfterValidator(_filled("give a time between rounds")),
    ] = [2.0]
    unit: Annotated[Literal["week", "day"], BeforeValidator(_unit)] = "week"
    protocols: Annotated[
        list[Annotated[ProtocolSpec, BeforeValidator(_protocol)]],
        BeforeValidator(_listed),
        AfterValidator(_filled("list one or more protocols, e.g. [alternating, sequential]")),
    ]
    strategies: Annotated[
        list[Annotated[Any, AfterValidator(_strategy_pair)]],
        BeforeValidator(_listed),
        AfterValidator(_filled("list strategy pairs, e.g. ['boulware,linear']")),
    ]
    discount: Annotated[
        list[
            Annotated[
                Number,
                AfterValidator(
                    _within(lambda x: 0 < x <= 1, "a discount factor per year in (0, 1]")
                ),
            ]
        ],
        BeforeValidator(_listed),
        AfterValidator(_filled("give at least one value")),
    ] = [1.0]
    hazard: Annotated[
        list[Annotated[Any, AfterValidator(_rate(probability=True))]],
        BeforeValidator(_listed),
        AfterValidator(_filled("give at least one value")),
    ] = [0.0025]
    noise: Annotated[
        list[
            Annotated[
                Number,
                AfterValidator(
                    _within(lambda x: 0 <= x <= MAX_NOISE, f"a noise level in [0, {MAX_NOISE:g}]")
                ),
            ]
        ],
        BeforeValidator(_listed),
        AfterValidator(_filled("give at least one value")),
    ] = [0.1]
    seeds: Annotated[
        list[Annotated[Whole, AfterValidator(_whole(0, MAX_SEED))]],
        BeforeValidator(_seeds),
        AfterValidator(_filled("give a count ≥ 1 or a list of seeds")),
        AfterValidator(_at_most(MAX_SEEDS, "seeds")),
    ] = [0]
    delay_cost: Annotated[
        list[Annotated[Any, AfterValidator(_rate(probability=False))]],
        BeforeValidator(_listed),
        AfterValidator(_filled("give at least one value")),
    ] = [0.0]
    tariff_cost: Annotated[bool, Strict()] = True

    @model_validator(mode="before")
    @classmethod
    def _old(cls, data: Any) -> Any:
        return _round_based(data)

    @model_validator(mode="after")
    def _bounded(self) -> GridFile:
        from dealspace.process.calendar import DAYS

        if self.parties is not None and self.parties[0] == self.parties[1]:
            raise _refused(f"parties: both are '{self.parties[0]}'; name two different parties")
        rounds = max(self.weeks) * 7 / (min(self.every) * DAYS[self.unit])
        if rounds > MAX_ROUNDS:
            raise _refused(
                f"weeks: {max(self.weeks):g} with a round every {min(self.every):g} "
                f"{self.unit}(s) is {rounds:,.0f} rounds, over the limit of {MAX_ROUNDS:,}"
            )
        n = math.prod(
            len(axis)
            for axis in (
                self.protocols,
                self.strategies,
                self.weeks,
                self.every,
                self.discount,
                self.hazard,
                self.noise,
                self.delay_cost,
                self.seeds,
            )
        )
        if n > MAX_CELLS:
            raise _refused(
                f"the grid has {n:,} cells, over the limit of {MAX_CELLS:,}; "
                "split it into several sweeps"
            )
        return self


@dataclass(frozen=True)
class Grid:
    """A validated sweep grid (see the module docstring for the file format).

    The calendar fields mean what they mean in
    :class:`~dealspace.process.settings.ProcessSettings`, with its defaults.
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
    #: Where the grid was read from (its file, or "grid"), for messages.
    source: str = "grid"

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
    """Read and validate a grid (a YAML or JSON file, or a mapping).

    A file is read by the one hardened loader
    (:func:`dealspace.scenario.load.read_document`: size limit, UTF-8, safe
    YAML, nesting depth, alias bombs) and validated as :class:`GridFile`.

    Raises
    ------
    DealspaceError
        Listing every problem with the file and the field path: unknown keys,
        protocol, parameter or strategy names (with did-you-mean hints),
        wrong types, numbers out of range or over a limit (``MAX_RUNS``,
        ``MAX_SEEDS``, ``MAX_CELLS``, …), round-based keys.
    """
    from dealspace.scenario.load import problems_from_validation, read_document

    def validated(data: Any, label: str) -> GridFile:
        """Every problem at once: the round-based keys and those of the rest of the grid."""
        old = [k for k in data if k in ROUND_KEYS] if isinstance(data, Mapping) else []
        problems = [Problem(str(k), f"'{k}' counts in rounds: {ROUND_KEYS[k]}") for k in old]
        rest = {k: v for k, v in data.items() if k not in old} if old else data
        try:
            spec = GridFile.model_validate(rest)
        except ValidationError as err:
            problems += problems_from_validation(err, GridFile)
        if problems:
            raise DealspaceError(problems, label)
        return spec

    if isinstance(source, Mapping):
        spec = validated(dict(source), "grid")
    else:
        path = Path(source)
        if not path.exists():
            raise DealspaceError.single(
                "", f"no such grid file: {path}", "check the path", source=str(path)
            )
        if path.is_dir():
            raise DealspaceError.single(
                "", "this is a folder, not a grid file", "give a .yaml or .json file", str(path)
            )
        try:
            data = read_document(path)
        except DealspaceError as err:
            raise DealspaceError(err.problems, str(path)) from None
        if not isinstance(data, dict):
            kind = {list: "list", str: "string", int: "number", float: "number"}.get(
                type(data), type(data).__name__
            )
            raise DealspaceError.single(
                "",
                f"the top level is a {kind}, not a mapping",
                "a grid file is a mapping of keys (protocols, strategies, runs, weeks, …)",
                source=str(path),
            )
        spec = validated(data, str(path))
    return Grid(
        source="grid" if isinstance(source, Mapping) else str(source),
        protocols=[p.spec() for p in spec.protocols],
        strategies=list(spec.strategies),
        runs=spec.runs,
        weeks=spec.weeks,
        every=spec.every,
        unit=spec.unit,
        start=spec.start,
        discount=spec.discount,
        hazard=spec.hazard,
        noise=spec.noise,
        seeds=spec.seeds,
        scenario=spec.scenario,
        parties=spec.parties,
        delay_cost=spec.delay_cost,
        tariff_cost=spec.tariff_cost,
    )


# ------------------------------------------------------------------ cells


def delay_spec(spec: Any, where: str, probability: bool = False) -> float | dict[str, float]:
    """A rate per unit of time (a political delay cost, or a breakdown hazard
    when ``probability``): one number for both parties, or party → number (a
    mapping or ``"us=0.02,japan=0.28"``)."""
    from dealspace.process.settings import parse_rates

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
    """The :class:`~dealspace.process.settings.ProcessSettings` of one grid cell."""
    from dealspace.process.settings import ProcessSettings

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
        # a restriction of the whole space, compiled once
        _SPACES[key] = deal_space(
            scenario if parties is None else _compiled(scenario, None), parties
        )
    return _SPACES[key]


def check_grid(grid: Grid, space: DealSpace) -> None:
    """Check a grid against the compiled space of the whole scenario before
    any cell runs: the grid's parties (or two parties), the party names of
    per-party hazards and delay costs, the unit names of protocol orders;
    every problem names the grid file and the field."""
    from dealspace.process.protocols import get_protocol

    problems: list[Problem] = []
    for party in grid.parties or []:
        if party not in space.parties:
            problems.append(
                Problem("parties", f"unknown party '{party}'", did_you_mean(party, space.parties))
            )
    if grid.parties is None and len(space.parties) != 2:
        problems.append(
            Problem(
                "parties",
                f"process simulation is bilateral; the scenario has {len(space.parties)} "
                f"parties ({', '.join(space.parties)})",
                "name two with 'parties: [a, b]' in the grid",
            )
        )
    for key in ("hazard", "delay_cost"):
        for k, rate in enumerate(getattr(grid, key)):
            for p in rate if isinstance(rate, Mapping) else ():
                if p not in space.parties:
                    problems.append(
                        Problem(
                            f"{key}[{k}]", f"unknown party '{p}'", did_you_mean(p, space.parties)
                        )
                    )
    for k, proto in enumerate(grid.protocols):
        order = proto.get("order") if isinstance(proto, Mapping) else None
        if isinstance(order, list):
            names = [u.name for u in get_protocol(proto).units(space)]
            problems.extend(
                Problem(
                    f"protocols[{k}].order",
                    f"no unit '{name}' in the scenario",
                    did_you_mean(name, names),
                )
                for name in order
                if name not in names
            )
    if problems:
        raise DealspaceError(problems, grid.source)


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
    check_grid(spec, _compiled(sc, None))
    space = _compiled(sc, spec.parties)  # compiled once, here; sent once to each worker
    cells = spec.cells()
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
