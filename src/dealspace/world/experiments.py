"""Experiments on the bellwether game: many seeded runs to answer one question each.

Each experiment plays :func:`dealspace.world.model.simulate` many times on
common random numbers (the same seeds for every variant, one payoff cache),
so differences between variants are not sampling noise:

* :func:`domino` — force the first partner's outcome (good / bad / no deal)
  and see who retaliates next (read with :func:`retaliation_by_first`);
* :func:`first_mover` — each partner first vs last in the order (paired);
  :func:`by_position` reads an ``order="random"`` result by position;
* :func:`compare_variants` — :func:`metrics` for variants of the game or the
  world (e.g. with and without blocs);
* :func:`prior_sensitivity` — :func:`metrics` as every prior moves toward
  one type (:func:`shift_priors`).

:func:`summary` and :func:`metrics` summarise any :class:`WorldResult`.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from dealspace.errors import DealspaceError, did_you_mean
from dealspace.world.calibration import OUTCOMES, World
from dealspace.world.model import (
    WorldResult,
    combine,
    order_codes,
    simulate,
    simulate_many,
    type_index,
)
from dealspace.world.payoffs import PayoffTable


def summary(result: WorldResult) -> pd.DataFrame:
    """Per partner: probabilities of each conclusion, mean turn, welfare and payoff."""
    df = result.partners
    g = df.groupby("partner", sort=False)
    out = pd.DataFrame(
        {
            "settle": g["action"].apply(lambda s: (s == "settle").mean()),
            "good_deal": g["outcome"].apply(lambda s: (s == "good").mean()),
            "retaliate": g["retaliated"].mean(),
            "bloc": g["action"].apply(lambda s: (s == "bloc").mean()),
            "stay": g["action"].apply(lambda s: (s == "stay").mean()),
            "mean_turn": g["turn"].mean(),
            "waits": g["waits"].mean(),
            "welfare_pct": g["welfare_pct"].mean(),
            "payoff": g["payoff"].mean(),
        }
    )
    out.index.name = "partner"
    return out


def retaliation_by_first(result: WorldResult) -> pd.DataFrame:
    """Probability that each partner retaliates (alone or in a bloc), by the first outcome.

    Rows: partners other than the first mover, then ``mean``; columns: the
    first outcomes present (``good``, ``bad``, ``none`` in a domino run).
    """
    df = result.partners
    others = df[df["partner"] != df["first_partner"]]
    table = others.pivot_table(
        index="partner", columns="first_outcome", values="retaliated", aggfunc="mean", sort=False
    )
    cols = [
        c
        for c in (*OUTCOMES["settle"], *OUTCOMES["retaliate"], "stay", "wait")
        if c in table.columns
    ]
    table = table[cols].astype(float)
    table.loc["mean"] = table.mean(axis=0)
    table.columns.name = "first outcome"
    return table


def domino(
    world: World,
    first: str = "JPN",
    runs: int = 200,
    seed: int | None = 0,
    outcomes: Sequence[str] = ("good", "bad", "none"),
    **options: Any,
) -> WorldResult:
    """The domino experiment: force the first partner's outcome, play on, pool the runs.

    The same seeds are used for every forced outcome (common random numbers),
    so differences between outcomes are not sampling noise of the true type
    or of the later draws. One payoff cache serves all outcomes. Summarise
    with :func:`retaliation_by_first`.
    """
    table = options.pop("table", None)
    table = world.payoff_table() if table is None else table
    parts = simulate_many(
        world,
        [{"runs": runs, "seed": seed, "first": first, "outcome": o, **options} for o in outcomes],
        table=table,
    )
    out = combine(parts)
    return replace(out, solves=table.solves)


def by_position(result: WorldResult, by: str = "position") -> pd.DataFrame:
    """Payoffs by position in the order (use a result with ``order="random"``).

    ``payoff_vs_mean`` is a partner's payoff minus the mean payoff of the
    same partner under the same true type, averaged with its standard error
    ``se`` — so neither partner size nor the luck of the type draw
    masquerades as a position effect. ``by="position"``: one row per
    position, with the shares that ``settle``, get a ``good_deal``,
    ``retaliate`` and the mean ``waits``. ``by="partner"``: one row per
    partner, ``advantage`` = mean ``payoff_vs_mean`` when first minus when
    later. A positive value at position 1 is a first-mover advantage.
    """
    df = result.partners.copy()
    df["payoff_vs_mean"] = df["payoff"] - df.groupby(["partner", "true_type"])["payoff"].transform(
        "mean"
    )
    if by == "partner":
        first = df["position"] == 1
        g1, g2 = (
            df[first].groupby("partner")["payoff_vs_mean"],
            df[~first].groupby("partner")["payoff_vs_mean"],
        )
        out = pd.DataFrame({"first": g1.mean(), "later": g2.mean(), "n_first": g1.size()})
        out["advantage"] = out["first"] - out["later"]
        out["se"] = np.sqrt(g1.var() / g1.size() + g2.var() / g2.size())
        return out.reindex([c for c in result.world.codes if c in out.index])
    if by != "position":
        raise DealspaceError.single(
            "by", f"unknown {by!r}", did_you_mean(by, ("position", "partner"))
        )
    g = df.groupby("position")
    return pd.DataFrame(
        {
            "payoff_vs_mean": g["payoff_vs_mean"].mean(),
            "se": g["payoff_vs_mean"].std() / np.sqrt(g.size()),
            "settle": g["action"].apply(lambda s: (s == "settle").mean()),
            "good_deal": g["outcome"].apply(lambda s: (s == "good").mean()),
            "retaliate": g["retaliated"].mean(),
            "waits": g["waits"].mean(),
        }
    )


def first_mover(
    world: World,
    runs: int = 100,
    seed: int | None = 0,
    order: str | Sequence[str] = "given",
    **options: Any,
) -> pd.DataFrame:
    """Does moving first pay? Each partner first vs last, on the same random numbers.

    For every partner and run the game is played twice with the same seed —
    the partner moved to the front of ``order`` ("given", "stakes" or a list
    of codes), then to the back —
    so the true type and the partner's own draws are the same and the
    difference is the effect of its position (what it knew, what others had
    done). Columns: mean payoff ``first`` and ``last``, ``advantage`` =
    first - last with its standard error ``se`` (paired), and the shares
    that settle / get a good deal / retaliate in each position.
    """
    table = options.pop("table", None)
    table = world.payoff_table() if table is None else table
    plays = first_mover_orders(world, order, table)
    results = dict(
        zip(
            plays,
            simulate_many(
                world,
                [
                    {"runs": runs, "seed": seed, "order": moves, **options}
                    for moves in plays.values()
                ],
                table=table,
            ),
            strict=True,
        )
    )
    return first_mover_table(world, results)


def first_mover_orders(
    world: World, order: str | Sequence[str] = "given", table: PayoffTable | None = None
) -> dict[tuple[str, str], list[str]]:
    """The orders :func:`first_mover` plays: ``(code, "first" | "last")`` → partner codes."""
    base = order_codes(world, order, table)
    plays = {}
    for code in world.codes:
        rest = [c for c in base if c != code]
        plays[(code, "first")] = [code, *rest]
        plays[(code, "last")] = [*rest, code]
    return plays


def first_mover_table(world: World, results: Mapping[tuple[str, str], WorldResult]) -> pd.DataFrame:
    """The first-mover table from the results of the :func:`first_mover_orders` plays (same seeds)."""
    rows = []
    for code in world.codes:
        ends = {}
        for label in ("first", "last"):
            df = results[(code, label)].partners
            ends[label] = df[df["partner"] == code].set_index("run")
        diff = ends["first"]["payoff"] - ends["last"]["payoff"]
        row: dict[str, Any] = {
            "partner": code,
            "first": ends["first"]["payoff"].mean(),
            "last": ends["last"]["payoff"].mean(),
        }
        row |= {"advantage": diff.mean(), "se": diff.std() / np.sqrt(len(diff))}
        for label, df in ends.items():
            row[f"settle_{label}"] = (df["action"] == "settle").mean()
            row[f"good_{label}"] = (df["outcome"] == "good").mean()
            row[f"retaliate_{label}"] = df["retaliated"].mean()
        rows.append(row)
    return pd.DataFrame(rows).set_index("partner")


def shift_priors(world: World, toward: str, weight: float) -> World:
    """Every partner's prior mixed with a point mass on type ``toward``: :math:`(1-w)\\mu + w\\,e_\\theta`."""
    k = type_index(world, toward)
    if not 0.0 <= weight <= 1.0:
        raise DealspaceError.single("weight", f"is {weight!r}", "use a number in [0, 1]")
    point = np.eye(len(world.types))[k]
    partners = tuple(
        replace(
            p, prior=tuple(float(x) for x in (1 - weight) * np.asarray(p.prior) + weight * point)
        )
        for p in world.partners
    )
    return world.with_(partners=partners)


def metrics(result: WorldResult) -> dict[str, float]:
    """Headline numbers of a result: shares over (run, partner) and mean payoffs."""
    df = result.partners
    return {
        "settle": float((df["action"] == "settle").mean()),
        "good_deal": float((df["outcome"] == "good").mean()),
        "retaliate": float(df["retaliated"].mean()),
        "bloc": float((df["action"] == "bloc").mean()),
        "stay": float((df["action"] == "stay").mean()),
        "payoff": float(df["payoff"].mean()),
        "us_welfare_pct": float(df.groupby("run")["us_welfare_pct"].first().mean()),
    }


def compare_variants(
    world: World,
    variants: Mapping[str, Mapping[str, Any]],
    runs: int = 200,
    seed: int | None = 0,
    **options: Any,
) -> pd.DataFrame:
    """:func:`metrics` for variants of one experiment, on the same seeds.

    Each variant maps names to values: arguments of :func:`simulate` (e.g.
    ``first``, ``outcome``, ``order``, ``spillover``) are passed to it, other
    names must be fields of :class:`World` (e.g. ``min_bloc``, ``max_waits``)
    and change the world.
    ``{"blocs": {}, "no blocs": {"min_bloc": 10**6}}`` shows what coordination
    changes.
    """
    arguments = set(inspect.signature(simulate).parameters) - {"world", "runs", "seed", "table"}
    fields = set(World.__dataclass_fields__)
    tables: dict[str, PayoffTable] = {}
    rows = {}
    for label, change in variants.items():
        unknown = sorted(set(change) - arguments - fields)
        if unknown:
            raise DealspaceError.single(
                f"variants[{label!r}]",
                f"unknown setting {unknown[0]!r}",
                did_you_mean(unknown[0], arguments | fields),
            )
        w = world.with_(**{k: v for k, v in change.items() if k not in arguments})
        extra = {k: v for k, v in change.items() if k in arguments}
        table = tables.setdefault(w.fingerprint(), w.payoff_table())
        rows[label] = metrics(simulate(w, runs, seed, table=table, **(options | extra)))
    return pd.DataFrame.from_dict(rows, orient="index")


def prior_sensitivity(
    world: World,
    toward: Sequence[str] = ("dealmaker", "hardliner", "boomerang"),
    weights: Sequence[float] = (0.0, 0.25, 0.5),
    runs: int = 200,
    seed: int | None = 0,
    **options: Any,
) -> pd.DataFrame:
    """:func:`metrics` as every partner's prior moves toward each type (:func:`shift_priors`)."""
    table = options.pop("table", None)
    table = world.payoff_table() if table is None else table
    rows = []
    for name in toward:
        for w in weights:
            res = simulate(shift_priors(world, name, w), runs, seed, table=table, **options)
            rows.append({"toward": name, "weight": w, **metrics(res)})
    return pd.DataFrame(rows)
