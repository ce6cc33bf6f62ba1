"""The `dealspace world` job as pure functions: run the experiments, return one result object.

:func:`run_world` plays the unforced game, the domino (the bellwether's
forced outcomes), the first-mover comparison and scores the fit to 2025;
:func:`bellwether_brief` is the compact version for the main report. Both
return frozen result objects with ``to_dict()`` (JSON-safe) and
``to_frame()``; the CLI and the report only render them.

Runs can be handed to a scheduler: ``runner(task, tasks)`` must return
``[task(t) for t in tasks]`` in order (the default does exactly that in
this process; the CLI passes :func:`dealspace.process.sweep.run_grid`). Every run
has its own seed, so the results do not depend on the runner or on the
chunking.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dealspace.errors import DealspaceError, did_you_mean
from dealspace.world.calibration import OUTCOMES, World, compare_with_history
from dealspace.world.experiments import (
    first_mover,
    first_mover_orders,
    first_mover_table,
    metrics,
    retaliation_by_first,
    summary,
)
from dealspace.world.model import ORDERS, WorldResult, combine, run_task
from dealspace.world.scores import FitScores, fit_scores, records

if TYPE_CHECKING:
    import pandas as pd

Runner = Callable[
    [Callable[[dict[str, Any]], WorldResult], list[dict[str, Any]]], list[WorldResult]
]


def in_process(
    task: Callable[[dict[str, Any]], WorldResult], tasks: list[dict[str, Any]]
) -> list[WorldResult]:
    """The default runner: every task in this process, in order."""
    return [task(t) for t in tasks]


def run_experiments(
    world: World,
    experiments: Mapping[str, Mapping[str, Any]],
    runs: int,
    seed: int | None,
    *,
    chunk: int | None = None,
    runner: Runner | None = None,
    **common: Any,
) -> dict[str, WorldResult]:
    """Named experiments (keyword arguments of :func:`~dealspace.world.model.simulate`), pooled per name.

    Each experiment's runs are split into chunks of at most ``chunk`` runs
    (default: one chunk) and handed to ``runner``; ``common`` options go to
    every experiment.
    """
    size = max(1, min(chunk or runs, runs))
    tasks, names = [], []
    for name, options in experiments.items():
        for start in range(0, runs, size):
            tasks.append(
                {
                    "world": world,
                    "runs": min(size, runs - start),
                    "seed": seed,
                    "run_offset": start,
                    **common,
                    **options,
                }
            )
            names.append(name)
    parts = (runner or in_process)(run_task, tasks)
    return {
        name: combine([p for n, p in zip(names, parts, strict=True) if n == name])
        for name in experiments
    }


@dataclass(frozen=True, eq=False)
class WorldReport:
    """Everything `dealspace world` shows.

    ``partners``: per partner, the shares of unforced runs ending in each
    move, mean turn and payoff. ``domino``: P(retaliate) of each other
    partner by the bellwether's forced outcome (rows partners + ``mean``).
    ``first_mover``: each partner first vs last on the same seeds (None if
    skipped). ``fit``: proper scores against 2025 (None when a first mover,
    its outcome, a bloc or a never-retaliate is forced — counterfactuals are
    not forecasts — or no partner has a history). ``history``: the modal move and the
    settlement order next to 2025. Drawn as tables; :meth:`draw` writes the
    cascade and the domino heatmap.
    """

    world: World
    settings: Mapping[str, Any]
    main: WorldResult
    partners: pd.DataFrame
    domino: pd.DataFrame
    first_mover: pd.DataFrame | None = None
    fit: FitScores | None = None
    history: pd.DataFrame | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The per-partner table."""
        return self.partners

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (plain numbers, None for missing)."""
        out: dict[str, Any] = {
            "settings": dict(self.settings),
            "partners": records(self.partners),
            "domino": records(self.domino),
        }
        if self.first_mover is not None:
            out["first_mover"] = records(self.first_mover)
        if self.fit is not None:
            out["fit"] = self.fit.to_dict()
        if self.history is not None:
            out["history"] = records(self.history.drop(columns=["settle_turn"]))
            out["history_summary"] = {
                k: (None if v != v else v) for k, v in self.history.attrs.items()
            }
        return out

    def draw(self, path: str | Path) -> Path:
        """The cascade (unforced runs) and the domino heatmap, as one image."""
        from dealspace.world.charts import save_world_chart

        return save_world_chart(
            self.main, self.domino, path, first=str(self.settings["bellwether"])
        )


def run_world(
    world: World,
    runs: int = 200,
    seed: int | None = 0,
    *,
    order: str | Sequence[str] = "stakes",
    first: str | None = None,
    outcome: str | None = None,
    bellwether: str | None = None,
    blocs: Sequence[Sequence[str]] = (),
    never_retaliate: Sequence[str] = (),
    first_mover_runs: int | None = None,
    exact: bool = False,
    chunk: int | None = None,
    runner: Runner | None = None,
) -> WorldReport:
    """Run the `dealspace world` experiments and score the fit to 2025.

    Parameters
    ----------
    world : World
        E.g. ``load_world("world-2025")`` (its ``terms_spillover``,
        ``reputation``, ``min_bloc`` … as the world says; change them with
        ``world.with_(...)``).
    runs, seed : int
        Monte Carlo runs per experiment, seed (common random numbers).
    order : "given", "stakes", "random" or a list of partners (codes or names)
    first, outcome : str, optional
        Force the first mover and its outcome in the main run.
    bellwether : str, optional
        Whose forced outcome the domino varies (default ``first``, else
        Japan if present, else the first of the world's order).
    blocs, never_retaliate
        Forced blocs and partners that never retaliate (codes or names).
    first_mover_runs : int, optional
        Runs per partner and position for the first-mover table
        (default ``max(10, runs // 5)``; 0 skips it). The others keep
        ``order`` (the world's given order when ``order="random"``).
    exact : bool
        Solve every state partners weigh instead of the expansion.
    chunk, runner
        How runs are split and where they run (module docstring).
    """
    if runs < 1 or int(runs) != runs:
        raise DealspaceError.single("runs", f"is {runs!r}", "use a whole number >= 1")
    if outcome is not None and outcome not in OUTCOMES["settle"]:
        raise DealspaceError.single(
            "outcome", f"unknown outcome {outcome!r}", did_you_mean(outcome, OUTCOMES["settle"])
        )
    if isinstance(order, str) and order not in ORDERS:
        raise DealspaceError.single(
            "order", f"unknown order {order!r}", did_you_mean(order, ORDERS)
        )
    order = order if isinstance(order, str) else [world.codes[world.index(c)] for c in order]
    first = None if first is None else world.codes[world.index(first)]
    if bellwether is not None:
        bellwether = world.codes[world.index(bellwether)]
    else:
        bellwether = first or ("JPN" if "JPN" in world.codes else world.order[0])
    blocs = [[world.codes[world.index(c)] for c in b] for b in blocs]
    never = [world.codes[world.index(c)] for c in never_retaliate]
    common = {"exact": exact, "blocs": blocs, "never_retaliate": never, "order": order}
    experiments: dict[str, dict[str, Any]] = {"main": {"first": first, "outcome": outcome}}
    experiments |= {o: {"first": bellwether, "outcome": o} for o in OUTCOMES["settle"]}
    results = run_experiments(world, experiments, runs, seed, chunk=chunk, runner=runner, **common)
    main = results["main"]
    domino = retaliation_by_first(combine([results[o] for o in OUTCOMES["settle"]]))
    fm_runs = max(10, runs // 5) if first_mover_runs is None else first_mover_runs
    fm_order = (
        "given" if order == "random" else order
    )  # first vs last needs a fixed order for the others
    fm = None
    if fm_runs > 0:
        plays = first_mover_orders(world, fm_order)
        names = {f"{code} {label}": (code, label) for code, label in plays}
        done = run_experiments(
            world,
            {n: {"order": plays[k]} for n, k in names.items()},
            fm_runs,
            seed,
            chunk=chunk,
            runner=runner,
            **common,
        )
        fm = first_mover_table(world, {k: done[n] for n, k in names.items()})
    # the fit is a forecast of the model as specified: forced moves are counterfactuals, not scored
    unforced = (
        first is None
        and outcome is None
        and not blocs
        and not never
        and any(p.history for p in world.partners)
    )
    settings = {
        "world": world.name,
        "runs": runs,
        "seed": seed,
        "order": order if isinstance(order, str) else list(order),
        "first": first,
        "outcome": outcome,
        "bellwether": bellwether,
        "blocs": blocs,
        "never_retaliate": never,
        "min_bloc": world.min_bloc,
        "terms_spillover": world.terms_spillover,
        "reputation": world.reputation,
        "first_mover_runs": fm_runs,
        "first_mover_order": fm_order if isinstance(fm_order, str) else list(fm_order),
        "exact": exact,
    }
    return WorldReport(
        world=world,
        settings=settings,
        main=main,
        partners=summary(main),
        domino=domino,
        first_mover=fm,
        fit=fit_scores(main) if unforced else None,
        history=compare_with_history(main) if unforced else None,
        extra={"metrics": metrics(main)},
    )


@dataclass(frozen=True, eq=False)
class BellwetherBrief:
    """The compact world section of the main report.

    ``by_outcome``: one row per forced outcome of the bellwether (good, bad,
    none) — the other partners' P(retaliate), P(bloc), P(settle) and mean
    payoff. ``first_mover``: each partner's advantage from moving first
    (first - last, welfare points, paired standard error). ``retaliation``:
    per other partner (and ``mean``), P(retaliate) after each forced outcome.
    Drawn as a table and one sentence on the first-mover advantage.
    """

    bellwether: str
    name: str
    runs: int
    by_outcome: pd.DataFrame
    first_mover: pd.DataFrame
    retaliation: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The by-outcome table."""
        return self.by_outcome

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe."""
        return {
            "bellwether": self.bellwether,
            "name": self.name,
            "runs": self.runs,
            "by_outcome": records(self.by_outcome),
            "first_mover": records(self.first_mover),
            "retaliation": {
                str(k): {str(o): float(v) for o, v in row.items()}
                for k, row in self.retaliation.iterrows()
            },
        }


def bellwether_brief(
    world: World,
    bellwether: str = "JPN",
    runs: int = 100,
    seed: int | None = 0,
    order: str | Sequence[str] = "stakes",
) -> BellwetherBrief:
    """The domino after the bellwether's outcome and the first-mover advantage, for the report (a few seconds)."""
    import pandas as pd

    from dealspace.world.experiments import domino

    code = world.codes[world.index(bellwether)]
    table = world.payoff_table()
    dom = domino(world, code, runs, seed, order=order, table=table)
    retaliation = retaliation_by_first(dom)
    by_first = retaliation.loc["mean"]
    rows = {}
    for o in OUTCOMES["settle"]:
        part = dom.partners[
            (dom.partners["first_outcome"] == o) & (dom.partners["partner"] != code)
        ]
        m = metrics(replace(dom, partners=part))
        rows[o] = {
            "p_retaliate": float(by_first.to_numpy(dtype=float)[list(by_first.index).index(o)]),
            "p_bloc": m["bloc"],
            "p_settle": m["settle"],
            "payoff": m["payoff"],
        }
    by_outcome = pd.DataFrame.from_dict(rows, orient="index")
    by_outcome.index.name = f"{code} outcome"
    fm = first_mover(world, max(10, runs // 5), seed, order=order, table=table)
    return BellwetherBrief(
        code,
        world.partners[world.index(code)].name,
        runs,
        by_outcome,
        fm[["first", "last", "advantage", "se"]],
        retaliation,
    )


def builtin_brief(bellwether: str, runs: int = 100, seed: int | None = 0) -> BellwetherBrief:
    """:func:`bellwether_brief` on the built-in 2025 world (``load_world()``): what a second
    process of ``dealspace analyze`` runs, given only the bellwether's code."""
    from dealspace.world.calibration import load_world

    return bellwether_brief(load_world(), bellwether, runs=runs, seed=seed)
