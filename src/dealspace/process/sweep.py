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
one-value list. A grid file (YAML or JSON) is read by the one hardened loader
(:func:`dealspace.scenario.load.load_model_file`) and validated as
:class:`GridFile`: unknown keys, protocol, parameter and strategy names get a
did-you-mean hint; wrong types, empty lists and numbers out of range or past
a limit (:data:`MAX_RUNS` runs per cell, :data:`MAX_ROUNDS` rounds,
:data:`MAX_SEEDS` seeds, :data:`MAX_CELLS` cells, :data:`MAX_NOISE`,
:data:`MAX_COST`) are refused with the file and the field path, all at once.

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
from typing import TYPE_CHECKING, Annotated, Any

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

#: Most Monte Carlo runs in one cell.
MAX_RUNS = 1_000_000
#: Longest deadline (and stage) in rounds.
MAX_ROUNDS = 100_000
#: Most seeds in a grid (a count or a list).
MAX_SEEDS = 10_000
#: Largest master seed (seeds are stored as 64-bit integers).
MAX_SEED = 2**63 - 1
#: Most cells in a grid (the product of every axis).
MAX_CELLS = 100_000
#: Largest noise level σ (estimates are scaled by exp(σz − σ²/2)).
MAX_NOISE = 10.0
#: Largest time cost per party per round, in utility points.
MAX_COST = 1e6
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


def _cost(value: Any) -> Any:
    """A time cost per party per round: one number ≥ 0, or one per party."""
    from dealspace.process.costs import TimeCosts

    try:
        values = TimeCosts(uncertainty_cost=value).uncertainty_cost
    except DealspaceError as err:
        raise _from(err) from None
    top = max(values) if isinstance(values, tuple) else values
    if top > MAX_COST:
        raise _refused(f"a cost of {top:g} per round is over the limit of {MAX_COST:g}")
    return value


def _delay(value: Any) -> float | dict[str, float]:
    try:
        spec = delay_spec(value, "")
    except DealspaceError as err:
        raise _from(err) from None
    top = max(spec.values(), default=0.0) if isinstance(spec, dict) else spec
    if top > MAX_COST:
        raise _refused(f"a cost of {top:g} per round is over the limit of {MAX_COST:g}")
    return spec


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
    deadline: Annotated[
        list[Rounds], BeforeValidator(_listed), AfterValidator(_filled("give a number of rounds"))
    ] = [100]
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
                AfterValidator(_within(lambda x: 0 < x <= 1, "a discount factor in (0, 1]")),
            ]
        ],
        BeforeValidator(_listed),
        AfterValidator(_filled("give at least one value")),
    ] = [1.0]
    hazard: Annotated[
        list[
            Annotated[
                Number,
                AfterValidator(_within(lambda x: 0 <= x < 1, "a probability in [0, 1)")),
            ]
        ],
        BeforeValidator(_listed),
        AfterValidator(_filled("give at least one value")),
    ] = [0.0]
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
    ] = [0.0]
    seeds: Annotated[
        list[Annotated[Whole, AfterValidator(_whole(0, MAX_SEED))]],
        BeforeValidator(_seeds),
        AfterValidator(_filled("give a count ≥ 1 or a list of seeds")),
        AfterValidator(_at_most(MAX_SEEDS, "seeds")),
    ] = [0]
    status_quo_cost: Annotated[Any, AfterValidator(_cost)] = 0.0
    uncertainty_cost: Annotated[Any, AfterValidator(_cost)] = 0.0
    delay_cost: Annotated[
        list[Annotated[Any, AfterValidator(_delay)]],
        BeforeValidator(_listed),
        AfterValidator(_filled("give at least one value")),
    ] = [0.0]

    @model_validator(mode="after")
    def _bounded(self) -> GridFile:
        if self.parties is not None and self.parties[0] == self.parties[1]:
            raise _refused(f"parties: both are '{self.parties[0]}'; name two different parties")
        n = math.prod(
            len(axis)
            for axis in (
                self.protocols,
                self.strategies,
                self.deadline,
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
    #: Where the grid was read from (its file, or "grid"), for messages.
    source: str = "grid"

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
    """Read and validate a grid (a YAML or JSON file, or a mapping).

    A file is read by the one hardened loader
    (:func:`dealspace.scenario.load.load_model_file`: size limit, UTF-8, safe
    YAML, nesting depth, alias bombs) and validated as :class:`GridFile`.

    Raises
    ------
    DealspaceError
        Listing every problem with the file and the field path: unknown keys,
        protocol, parameter or strategy names (with did-you-mean hints),
        wrong types, numbers out of range or over a limit (``MAX_RUNS``,
        ``MAX_SEEDS``, ``MAX_CELLS``, …).
    """
    from dealspace.scenario.load import load_model_file, problems_from_validation

    if isinstance(source, Mapping):
        try:
            spec = GridFile.model_validate(dict(source))
        except ValidationError as err:
            raise DealspaceError(problems_from_validation(err, GridFile), "grid") from None
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
        spec = load_model_file(path, GridFile, "grid")
    return Grid(
        source="grid" if isinstance(source, Mapping) else str(source),
        protocols=[p.spec() for p in spec.protocols],
        strategies=list(spec.strategies),
        runs=spec.runs,
        deadline=spec.deadline,
        discount=spec.discount,
        hazard=spec.hazard,
        noise=spec.noise,
        seeds=spec.seeds,
        scenario=spec.scenario,
        parties=spec.parties,
        status_quo_cost=spec.status_quo_cost,
        uncertainty_cost=spec.uncertainty_cost,
        delay_cost=spec.delay_cost,
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
        if parties is None:
            _SPACES[key] = deal_space(Scenario.model_validate_json(scenario_json))
        else:  # a restriction of the whole space, compiled once
            _SPACES[key] = deal_space(_space_of(scenario_json, digest, None), parties)
    return _SPACES[key]


def check_grid(grid: Grid, space: Any) -> None:
    """Check a grid against the compiled space before any cell runs: the
    scenario's parties (two), the party names of delay costs and the unit
    names of protocol orders; every problem names the grid file and the field.

    ``space`` is the compiled :class:`~dealspace.space.DealSpace` of the
    whole scenario.
    """
    from dealspace.process.protocols import get_protocol

    problems: list[Problem] = []
    for party in grid.parties or []:
        if party not in space.parties:
            problems.append(
                Problem("parties", f"unknown party '{party}'", did_you_mean(party, space.parties))
            )
    if problems:
        raise DealspaceError(problems, grid.source)
    if grid.parties is None and len(space.parties) != 2:
        problems.append(
            Problem(
                "parties",
                f"process simulation is bilateral; the scenario has {len(space.parties)} "
                f"parties ({', '.join(space.parties)})",
                "name two with 'parties: [a, b]' in the grid",
            )
        )
    for k, delay in enumerate(grid.delay_cost):
        if isinstance(delay, Mapping):
            for party in delay:
                if party not in space.parties:
                    problems.append(
                        Problem(
                            f"delay_cost[{k}]",
                            f"unknown party '{party}'",
                            did_you_mean(party, space.parties),
                        )
                    )
    for k, proto in enumerate(grid.protocols):
        order = proto.get("order") if isinstance(proto, Mapping) else None
        if isinstance(order, list):
            names = [u.name for u in get_protocol(proto).units(space)]
            for name in order:
                if name not in names:
                    problems.append(
                        Problem(
                            f"protocols[{k}].order",
                            f"no unit '{name}' in the scenario",
                            did_you_mean(name, names),
                        )
                    )
    if problems:
        raise DealspaceError(problems, grid.source)


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
    check_grid(spec, _space_of(text, digest, None))
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
