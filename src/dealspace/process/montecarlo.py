r"""Monte Carlo: many runs of each protocol × strategy pair, and their distributions.

The model
---------
``monte_carlo(seed=s, runs=N)`` gives run ``i`` the seed
``SeedSequence(s).spawn(N)[i]``, so ``simulate(seed=that)`` replays it; every
protocol and strategy pair sees the same run seeds (common random numbers).
Each run is played and settled as a single run is
(:mod:`dealspace.process.cell`, :mod:`dealspace.process.simulate`);
:class:`MonteCarloResult` holds one row per run and one summary row per
protocol and strategy pair (:func:`summarise`).

Speed
-----
Everything that does not depend on the run is computed once per deal space
and strategy pair: candidate tables, sorted utilities, the bid for every
target. When strategies are deterministic and agents know each other's
valuation (``noise = 0``), all runs follow one course until a breakdown, so
one course is simulated and the breakdown draws are applied to it in one
vectorised pass. Otherwise the runs are simulated together, vectorised over
a runs axis (``R × C`` arrays), in chunks.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from dealspace.errors import DealspaceError
from dealspace.present.notebook import Displayed
from dealspace.process.cell import (
    SHARED_RUNS,
    Cell,
    Geometry,
    SeedLike,
    Source,
    StrategySpec,
    check_run_args,
    deal_space,
    on_calendar,
    one_blas_thread,
    pair_label,
    prepare,
    run_draws,
    seed_sequence,
    shared_normals,
    strategy_pair,
    time_costs,
)
from dealspace.process.costs import TimeCosts
from dealspace.process.engine import RunNormals
from dealspace.process.protocols import Protocol, get_protocol

if TYPE_CHECKING:
    import pandas as pd

    from dealspace.process.calendar import Calendar
    from dealspace.process.settings import ProcessSettings, Talks

#: Runs simulated together (memory ~ chunk × candidates × 8 bytes per array).
CHUNK = 2500


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class MonteCarloResult(Displayed):
    """Distributions of outcomes over many runs.

    Attributes
    ----------
    runs
        One row per run and cell: ``protocol``, ``strategies``, ``run``,
        ``agreement``, ``partial``, ``breakdown``, ``round`` (of the complete
        agreement, NaN without), ``end_round``, ``harvests`` (units bound
        early), ``last_binding`` (round of the last part bound, NaN if
        none), ``utility:<party>``,
        ``value:<party>``, ``gain:<party>`` (value − BATNA), ``joint_gain``,
        ``dist_frontier``, ``dist_nash``.
    summary
        One row per protocol and strategy pair: ``runs``, ``agreement_rate``
        (complete), ``partial_rate`` (some parts bound, not all), ``deal_rate``
        (either), ``breakdown_rate``, time to agreement (``round_mean``,
        ``round_p50``, ``round_p90`` over agreements), ``last_binding_mean``,
        realised value per
        party (``value:<party>_mean`` / ``_p10`` / ``_p50`` / ``_p90``),
        ``joint_gain_mean``, ``dist_frontier_mean``, ``dist_nash_mean``.
    parties
        Party ids.
    settings
        deadline, costs, noise, seed, runs (and ``calendar`` and the
        ``process`` settings of a run on a calendar).
    calendar
        The calendar of the talks, when run on one: ``runs`` then also has
        ``agreement_weeks`` and ``agreement_date``, ``summary``
        ``agreement_weeks_mean`` / ``_p50`` / ``_p90`` and
        ``agreement_date_p50`` (:func:`in_weeks`).
    """

    runs: pd.DataFrame
    summary: pd.DataFrame
    parties: tuple[str, ...]
    settings: dict[str, Any]
    calendar: Calendar | None = None

    def to_frame(self) -> pd.DataFrame:
        """The summary table."""
        return self.summary


# ------------------------------------------------------------------ public


@lru_cache(maxsize=8)
def _children(seed: int, runs: int) -> tuple[np.random.SeedSequence, ...]:
    """``SeedSequence(seed).spawn(runs)``, computed once per process (sweeps call
    :func:`monte_carlo` with the same seed for many cells)."""
    return tuple(np.random.SeedSequence(seed).spawn(runs))


def monte_carlo(
    source: Source,
    protocols: Sequence[str | Protocol | dict[str, Any]] | str | Protocol = ("alternating",),
    strategies: Sequence[Sequence[StrategySpec] | str] | str = (("linear", "linear"),),
    runs: int = 1000,
    seed: SeedLike = None,
    deadline: int = 100,
    discount: float = 1.0,
    hazard: float = 0.0,
    noise: float = 0.0,
    status_quo_cost: float | Sequence[float] = 0.0,
    uncertainty_cost: float | Sequence[float] = 0.0,
    costs: TimeCosts | None = None,
    parties: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
    chunk: int = CHUNK,
    settings: ProcessSettings | None = None,
) -> MonteCarloResult:
    """Simulate many runs of each protocol × strategy pair.

    Parameters
    ----------
    source
        As in :func:`simulate`.
    protocols
        One or more protocols (names, instances or mappings).
    strategies
        One or more strategy pairs, e.g. ``[("boulware", "linear"), "tft,tft"]``.
    runs
        Runs per protocol and pair.
    seed
        Master seed: run ``i`` uses ``SeedSequence(seed).spawn(runs)[i]`` in
        every cell (common random numbers).
    deadline, discount, hazard, noise, status_quo_cost, uncertainty_cost, costs, parties
        As in :func:`simulate`.
    progress
        Called with the number of runs just finished (for progress bars).
    chunk
        Runs simulated together when runs differ (memory bound).
    settings
        The talks on a calendar (:class:`~dealspace.process.settings.ProcessSettings`:
        start, length in weeks, pace, hazards and delay costs per unit of
        time, the GE-priced tariffs in force, noise, parties), as
        ``compare-protocols`` plays them; it replaces ``deadline``,
        ``discount``, ``hazard``, ``noise`` and the costs (refused if set too).
        The result then reports time in weeks and dates as well
        (:func:`in_weeks`). ``runs`` and ``seed`` are still the arguments'.

    Returns
    -------
    MonteCarloResult

    Raises
    ------
    DealspaceError
        For unknown names or bad numbers.
    """
    import pandas as pd

    plan: Talks | None = None
    if settings is not None:
        given = dict(
            deadline=deadline,
            discount=discount,
            hazard=hazard,
            noise=noise,
            status_quo_cost=status_quo_cost,
            uncertainty_cost=uncertainty_cost,
            costs=costs,
        )
        source, plan = on_calendar(source, parties, settings, given)
        parties = None  # the space is the two parties' already
        deadline, costs, noise = plan.calendar.rounds, plan.costs, settings.noise
    check_run_args(deadline, noise)
    if isinstance(runs, bool) or not isinstance(runs, int | np.integer) or runs < 1:
        raise DealspaceError.single("runs", f"runs is {runs!r}", "use a whole number ≥ 1")
    tc = time_costs(costs, discount, hazard, status_quo_cost, uncertainty_cost)
    if isinstance(protocols, str | Protocol | dict):
        protocols = [protocols]
    protos = [get_protocol(p, f"protocols[{k}]") for k, p in enumerate(protocols)]
    if isinstance(strategies, str):
        strategies = [strategies]
    pairs_specs: list[Any] = list(strategies)
    if len(pairs_specs) == 2 and all(isinstance(s, str) and "," not in s for s in pairs_specs):
        pairs_specs = [pairs_specs]  # a single pair given flat: ("boulware", "linear")
    pairs = [strategy_pair(p) for p in pairs_specs]
    space = deal_space(source, parties)
    prepared, geometry = prepare(space)
    ss = seed_sequence(seed)
    children = (
        _children(int(seed), int(runs))
        if isinstance(seed, int | np.integer)
        else ss.spawn(int(runs))
    )
    # the noise draws of a small batch's runs, made once for all its cells
    # (cell.SHARED_RUNS bounds the memory they hold during the call)
    normals = (
        {lo: shared_normals(children[lo : lo + chunk]) for lo in range(0, len(children), chunk)}
        if len(children) <= SHARED_RUNS
        else {}
    )
    columns: dict[str, list[np.ndarray]] = {"protocol": [], "strategies": [], "run": []}
    with (
        one_blas_thread()
    ):  # small matrix products: threads only add overhead (and contend in sweeps)
        for proto in protos:
            for agents in pairs:
                cell = Cell(prepared, proto, agents, int(deadline), tc, float(noise))
                cell_columns = _cell_columns(cell, children, geometry, progress, chunk, normals)
                n = len(children)
                columns["protocol"].append(np.full(n, proto.label, dtype=object))
                columns["strategies"].append(np.full(n, pair_label(agents), dtype=object))
                columns["run"].append(np.arange(n))
                for key, value in cell_columns.items():
                    columns.setdefault(key, []).append(value)
    # one frame at the end (not one per cell): the same table, without pandas' per-frame cost
    table = pd.DataFrame({key: np.concatenate(parts) for key, parts in columns.items()})
    summary = summarise(table, space.parties)
    info = {
        "deadline": int(deadline),
        "noise": float(noise),
        "runs": int(runs),
        "seed": ss.entropy,
        **tc.to_dict(),
    }
    if plan is None or settings is None:
        return MonteCarloResult(table, summary, space.parties, info)
    info["calendar"] = plan.calendar.to_dict()
    info["process"] = {k: v for k, v in settings.to_dict().items() if k in CALENDAR_KEYS}
    table, summary = in_weeks(table, summary, plan.calendar)
    return MonteCarloResult(table, summary, space.parties, info, plan.calendar)


#: The settings of a calendar run reported with its result.
CALENDAR_KEYS = (
    "start",
    "end",
    "weeks",
    "every",
    "unit",
    "hazard",
    "delay_cost",
    "tariff_cost",
    "points_per_welfare_pct",
    "valuation_years",
    "discount",
    "noise",
    "parties",
    "events",
    "scenario_events",
)


def in_weeks(
    runs: pd.DataFrame, summary: pd.DataFrame, calendar: Calendar
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Time to agreement in weeks and as a date, next to the rounds.

    Round ``r`` is held ``r · w`` weeks after the start, ``w`` the weeks per
    round (:class:`~dealspace.process.calendar.Calendar`), so
    ``agreement_weeks = round · w`` and ``agreement_date = start + r · w`` (in
    whole days, rounded down). The summary gets ``agreement_weeks_mean``,
    ``_p50``, ``_p90`` (``round_*`` × ``w``) and ``agreement_date_p50``.
    """
    w = calendar.weeks_per_round
    rounds = runs["round"].to_numpy(float)
    runs = _insert_after(
        runs,
        "round",
        {
            "agreement_weeks": rounds * w,
            "agreement_date": [
                None if np.isnan(r) else calendar.date_of(int(r)).isoformat() for r in rounds
            ],
        },
    )
    weeks = {f"agreement_weeks_{q}": summary[f"round_{q}"].to_numpy(float) * w for q in QUANTS}
    dates = [_date_after(calendar, x) for x in weeks["agreement_weeks_p50"]]
    summary = _insert_after(summary, "round_p90", {**weeks, "agreement_date_p50": dates})
    return runs, summary


QUANTS = ("mean", "p50", "p90")


def _insert_after(frame: pd.DataFrame, column: str, new: dict[str, Any]) -> pd.DataFrame:
    """``frame`` with the ``new`` columns right after ``column``."""
    cols = list(frame.columns)
    at = cols.index(column) + 1
    out = frame.assign(**new)
    return out[cols[:at] + list(new) + cols[at:]]


def _date_after(calendar: Calendar, weeks: float) -> str | None:
    """The date ``weeks`` after the start (whole days, rounded down); None for NaN."""
    if not np.isfinite(weeks):
        return None
    return (calendar.start + dt.timedelta(days=math.floor(weeks * 7 + 1e-9))).isoformat()


def _cell_columns(
    cell: Cell,
    children: Sequence[np.random.SeedSequence],
    geometry: Geometry,
    progress: Callable[[int], None] | None,
    chunk: int,
    normals: dict[int, RunNormals | None],
) -> dict[str, np.ndarray]:
    """The per-run columns of one cell (every column of the runs table but
    ``protocol``, ``strategies`` and ``run``)."""
    space = cell.prepared.space
    n = len(children)
    parts = []
    if cell.deterministic:
        course = cell.course(None)
        first = run_draws(tuple(children))  # only the breakdown draws differ between runs
        for lo in range(0, n, chunk):
            uniforms = first[lo : lo + chunk]
            out, _ = cell.settle(course, uniforms, np.zeros(len(uniforms), dtype=np.int64))
            parts.append((out, course, np.zeros(len(uniforms), dtype=np.int64)))
            if progress:
                progress(len(uniforms))
    else:
        for lo in range(0, n, chunk):
            seeds = tuple(children[lo : lo + chunk])
            course, traj = cell.course_of(seeds, normals.get(lo))
            out, _ = cell.settle(course, run_draws(seeds), traj)
            parts.append((out, course, traj))
            if progress:
                progress(len(seeds))
    records: dict[str, list[np.ndarray]] = {}

    def add(key: str, value: np.ndarray) -> None:
        records.setdefault(key, []).append(np.asarray(value))

    for out, course, traj in parts:
        complete_round = course.complete_round[traj]
        add("agreement", out.complete)
        add("partial", out.bound.any(axis=0) & ~out.complete)
        add("breakdown", out.breakdown)
        add("round", np.where(out.complete, complete_round, np.nan).astype(float))
        add("end_round", np.where(out.breakdown, -1, course.end_round[traj]))
        add(
            "harvests",
            out.bound.sum(axis=0) if len(course.units) > 1 else np.zeros(len(traj), dtype=np.int64),
        )
        last = np.where(out.bound, course.bound_round[:, traj], -1).max(axis=0)
        add("last_binding", np.where(last >= 0, last, np.nan).astype(float))
        for p, party in enumerate(space.parties):
            add(f"utility:{party}", out.utility[:, p])
            add(f"value:{party}", out.value[:, p])
            add(f"gain:{party}", out.value[:, p] - space.batna[p])
            add(f"cost:{party}", out.paid[:, p])
        add("joint_gain", (out.value - space.batna[None, :]).sum(axis=1))
        d_front, d_nash = geometry.distances(out.utility)
        add("dist_frontier", d_front)
        add("dist_nash", d_nash)
    return {key: np.concatenate(chunks) for key, chunks in records.items()}


def summarise(runs: pd.DataFrame, parties: Sequence[str]) -> pd.DataFrame:
    """Per protocol × strategy pair: rates, time to agreement, value distribution.

    The statistics are pandas' (``Series.mean`` skips NaN; ``Series.quantile``
    interpolates linearly), computed with numpy on each group's rows
    (:func:`group_rows`, :func:`mean`, :func:`quantile`) — equal to them bit for bit.
    """
    import pandas as pd

    col = {c: runs[c].to_numpy() for c in runs.columns if c not in ("protocol", "strategies")}
    rows = []
    for (proto, pair), at in group_rows(runs, ["protocol", "strategies"]):
        rounds = col["round"][at]
        rounds = rounds[~np.isnan(rounds)]
        agreement, partial = col["agreement"][at], col["partial"][at]
        row: dict[str, Any] = {
            "protocol": proto,
            "strategies": pair,
            "runs": len(at),
            "agreement_rate": mean(agreement),
            "partial_rate": mean(partial),
            "deal_rate": mean(agreement | partial),
            "breakdown_rate": mean(col["breakdown"][at]),
            "round_mean": mean(rounds) if len(rounds) else np.nan,
            "round_p50": quantile(rounds, 0.5) if len(rounds) else np.nan,
            "round_p90": quantile(rounds, 0.9) if len(rounds) else np.nan,
            "last_binding_mean": mean(col["last_binding"][at]),
        }
        for party in parties:
            v = col[f"value:{party}"][at]
            row[f"value:{party}_mean"] = mean(v)
            for q in (10, 50, 90):
                row[f"value:{party}_p{q}"] = quantile(v, q / 100)
        row["joint_gain_mean"] = mean(col["joint_gain"][at])
        row["dist_frontier_mean"] = mean(col["dist_frontier"][at])
        row["dist_nash_mean"] = mean(col["dist_nash"][at])
        rows.append(row)
    return pd.DataFrame(rows)


def group_rows(frame: pd.DataFrame, keys: list[str]) -> list[tuple[Any, np.ndarray]]:
    """``frame.groupby(keys, sort=False)`` as (key, row positions) pairs: groups
    in order of first appearance, rows in frame order."""
    codes = frame.groupby(keys, sort=False).ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    out = []
    for at in np.split(order, bounds) if len(order) else []:
        first = frame.iloc[int(at[0])]
        key = tuple(first[k] for k in keys) if len(keys) > 1 else first[keys[0]]
        out.append((key, at))
    return out


def mean(values: np.ndarray) -> float:
    """pandas' ``Series.mean``: NaN skipped (NaN → 0, one sum, ÷ the count of the
    others, as ``pandas.core.nanops.nanmean``); NaN when nothing is left."""
    v = np.asarray(values)
    if v.dtype.kind == "f":
        missing = np.isnan(v)
        if missing.any():
            count = len(v) - int(missing.sum())
            return float(np.where(missing, 0.0, v).sum() / count) if count else math.nan
    if len(v) == 0:
        return math.nan
    return float(v.sum(dtype=np.float64 if v.dtype.kind != "f" else v.dtype) / len(v))


def quantile(values: np.ndarray, q: float) -> float:
    """pandas' ``Series.quantile(q)`` (linear interpolation, NaN skipped; NaN when empty)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    return float(np.quantile(v, [q])[0]) if len(v) else math.nan


__all__ = [
    "MonteCarloResult",
    "in_weeks",
    "monte_carlo",
    "summarise",
]
