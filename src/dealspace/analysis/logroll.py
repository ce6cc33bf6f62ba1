"""Logrolls: explain a package as trades of concessions between parties.

Model
-----
Issues that a bonus (nice-to-have or interaction) reads together form one
*unit*; utilities are additive across units,
:math:`u_p(x) = \\sum_m U_{pm}(x_m)`. For a package :math:`x` and the status
quo :math:`x^0`, unit :math:`m` *moved* when one of its issues differs, and
its effect on party :math:`p` is

.. math::

    \\Delta_{pm} = u_p(x^0 \\text{ with unit } m \\text{ as in } x) - u_p(x^0)
                 = U_{pm}(x_m) - U_{pm}(x^0_m).

For a pair of parties :math:`(i, j)`, a moved unit where :math:`i` loses and
:math:`j` gains is a *concession* of :math:`i` to :math:`j`, with ratio

.. math::

    r_m = \\Delta_{jm} / (-\\Delta_{im})

— the winner's gain per point the yielder gives, the ratio of the parties'
marginal values on that unit. Concessions of :math:`i` and of :math:`j` are
each sorted by ratio (most efficient first) and paired in order into trades
":math:`i` yields on :math:`m` in exchange for :math:`j` yielding on
:math:`m'`"; a trade's *efficiency* :math:`r_m r_{m'}` exceeds 1 exactly
when swapping the two concessions creates value for both, the logic of
logrolling: each side concedes where it cares less than the other. Units where
both gain are joint gains (integrative moves), not trades. For more than two
parties every pair is explained in turn.

References
----------
.. [1] Raiffa, H. (1982). *The Art and Science of Negotiation*. Harvard
   University Press, ch. 10 (trade-offs between issues).
.. [2] Pruitt, D. G. (1981). *Negotiation Behavior*. Academic Press
   (logrolling).
.. [3] Sebenius, J. K. (1983). Negotiation arithmetic. *International
   Organization* 37(2), 281–316.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from dealspace.analysis.silos import TOL
from dealspace.present.notebook import Displayed
from dealspace.scenario.conditions import linked_issues
from dealspace.scenario.model import OptionRef, Scenario
from dealspace.space import DealSpace, utilities, value_tables


@dataclass(frozen=True)
class Move:
    """A unit (issue or bonus-linked issues) that moved from the status quo."""

    issues: tuple[str, ...]
    before: tuple[OptionRef, ...]
    after: tuple[OptionRef, ...]
    delta: tuple[float, ...]

    @property
    def name(self) -> str:
        return " + ".join(self.issues)


@dataclass(frozen=True)
class Concession:
    """``yielder`` gives up ``loss`` points on a move so ``winner`` gains ``gain``."""

    move: Move
    yielder: str
    winner: str
    loss: float
    gain: float

    @property
    def ratio(self) -> float:
        """Winner's gain per point the yielder gives."""
        return self.gain / self.loss


@dataclass(frozen=True)
class Trade:
    """Two concessions exchanged (``second`` is None for an unreciprocated one)."""

    first: Concession
    second: Concession | None

    @property
    def efficiency(self) -> float:
        """:math:`r_m r_{m'}` (> 1: both parties gain from the exchange)."""
        return self.first.ratio * (self.second.ratio if self.second else 0.0)


@dataclass(frozen=True)
class Logrolls(Displayed):
    """A package explained as trades. Build with :func:`logrolls`."""

    scenario: str
    parties: tuple[str, ...]
    labels: dict[str, str]
    issue_names: dict[str, str]
    package: dict[str, OptionRef]
    moves: tuple[Move, ...]
    trades: tuple[Trade, ...]
    joint_gains: tuple[Move, ...]
    tol: float

    def to_frame(self) -> pd.DataFrame:
        """One row per moved unit: options before/after, change per party,
        the gaining and yielding parties and the ratio (two-party case: the
        winner's gain over the yielder's loss)."""
        rows = []
        for m in self.moves:
            row: dict[str, Any] = {
                "issues": m.name,
                "from": ", ".join(map(str, m.before)),
                "to": ", ".join(map(str, m.after)),
            }
            row.update({f"delta:{p}": v for p, v in zip(self.parties, m.delta, strict=True)})
            gainers = [p for p, v in zip(self.parties, m.delta, strict=True) if v > self.tol]
            losers = [p for p, v in zip(self.parties, m.delta, strict=True) if v < -self.tol]
            row["gains"] = ", ".join(gainers)
            row["yields"] = ", ".join(losers)
            gain = sum(v for v in m.delta if v > self.tol)
            loss = -sum(v for v in m.delta if v < -self.tol)
            row["ratio"] = gain / loss if loss > 0 and gain > 0 else np.nan
            rows.append(row)
        columns = [
            "issues",
            "from",
            "to",
            *[f"delta:{p}" for p in self.parties],
            "gains",
            "yields",
            "ratio",
        ]
        return pd.DataFrame(rows, columns=columns)

    def trades_frame(self) -> pd.DataFrame:
        """One row per trade: who yields on what, in exchange for what."""
        rows = []
        for t in self.trades:
            a, b = t.first, t.second
            rows.append(
                {
                    "yielder": a.yielder,
                    "yields_on": a.move.name,
                    "loss": a.loss,
                    "winner_gain": a.gain,
                    "ratio": a.ratio,
                    "in_exchange_yielder": b.yielder if b else None,
                    "in_exchange_on": b.move.name if b else None,
                    "in_exchange_loss": b.loss if b else np.nan,
                    "in_exchange_gain": b.gain if b else np.nan,
                    "in_exchange_ratio": b.ratio if b else np.nan,
                    "efficiency": t.efficiency if b else np.nan,
                }
            )
        return pd.DataFrame(rows)

    def sentences(self) -> list[str]:
        """The trades and joint gains in plain words."""

        def issue(m: Move) -> str:
            return " and ".join(self.issue_names[i] for i in m.issues)

        def say(c: Concession) -> str:
            return (
                f"{self.labels[c.yielder]} yields on {issue(c.move)} (−{c.loss:.2f}; "
                f"+{c.gain:.2f} for {self.labels[c.winner]}, ratio {c.ratio:.2f})"
            )

        out = []
        for t in self.trades:
            if t.second is None:
                out.append(f"{say(t.first)}, unreciprocated.")
                continue
            b = t.second
            out.append(
                f"{say(t.first)} in exchange for {self.labels[b.yielder]} yielding on "
                f"{issue(b.move)} (−{b.loss:.2f}; +{b.gain:.2f} for {self.labels[b.winner]}, "
                f"ratio {b.ratio:.2f})."
            )
        for m in self.joint_gains:
            parts = ", ".join(
                f"{v:+.2f} for {self.labels[p]}" for p, v in zip(self.parties, m.delta, strict=True)
            )
            out.append(f"A joint gain on {issue(m)} ({parts}).")
        if not out:
            out.append("The package does not move any issue from the status quo.")
        return out

    def to_dict(self) -> dict[str, Any]:
        def concession(c: Concession | None) -> dict[str, Any] | None:
            if c is None:
                return None
            return {
                "issues": list(c.move.issues),
                "yielder": c.yielder,
                "winner": c.winner,
                "loss": c.loss,
                "gain": c.gain,
                "ratio": c.ratio,
            }

        return {
            "scenario": self.scenario,
            "parties": list(self.parties),
            "package": dict(self.package),
            "moves": [
                {
                    "issues": list(m.issues),
                    "from": list(m.before),
                    "to": list(m.after),
                    "delta": dict(zip(self.parties, m.delta, strict=True)),
                }
                for m in self.moves
            ],
            "trades": [
                {
                    "first": concession(t.first),
                    "second": concession(t.second),
                    "efficiency": t.efficiency if t.second else None,
                }
                for t in self.trades
            ],
            "joint_gains": [list(m.issues) for m in self.joint_gains],
            "sentences": self.sentences(),
        }


def units(scenario: Scenario) -> list[tuple[str, ...]]:
    """Groups of issues read together by some party's bonus, in scenario order."""
    bonuses = [b.condition for p in scenario.parties for b in (*p.nice_to_haves, *p.interactions)]
    return linked_issues(scenario.issue_ids, bonuses)


def logrolls(
    source: Scenario | DealSpace, package: Mapping[str, OptionRef], *, tol: float = TOL
) -> Logrolls:
    """Explain a package relative to the status quo as trades of concessions.

    Parameters
    ----------
    source
        The negotiation portfolio, or its compiled deal space (whose value
        tables are then reused).
    package
        One option per issue (e.g. a Nash solution's package).
    tol
        Utility changes smaller than this count as zero.

    Returns
    -------
    Logrolls
        The moved units with each party's change, the trades (pairs of
        concessions, per pair of parties) and the joint gains.

    Raises
    ------
    DealspaceError
        When the package misses an issue or names an unknown option.

    Notes
    -----
    For each pair :math:`(i, j)`, concessions of :math:`i` (units with
    :math:`\\Delta_{im} < 0 < \\Delta_{jm}`) and of :math:`j` are sorted by
    ratio :math:`r_m = \\Delta_{jm} / (-\\Delta_{im})`, paired in order, and
    the trades sorted by efficiency :math:`r_m r_{m'}`.

    Examples
    --------
    >>> from dealspace import load_scenario
    >>> s = load_scenario("tests/data/linkage/linkage.yaml")
    >>> deal = {"auto_tariff": "low", "defense": "plus", "invest": "some"}
    >>> print(logrolls(s, deal).sentences()[0])
    United States yields on auto tariff (−4.00; +5.00 for Japan, ratio 1.25) in exchange for Japan yielding on defence spending (−3.00; +6.00 for United States, ratio 2.00).
    """
    scenario = source.scenario if isinstance(source, DealSpace) else source
    table = source.table if isinstance(source, DealSpace) else value_tables(scenario)
    sq = scenario.status_quo()
    base = utilities(scenario, sq, values=table)
    given = utilities(scenario, package, values=table)  # validates the package
    del given
    index = {i.id: i for i in scenario.issues}
    moves = []
    for unit in units(scenario):
        if all(index[i].option_index(package[i]) == index[i].status_quo_index for i in unit):
            continue
        trial = dict(sq)
        trial.update({i: package[i] for i in unit})
        delta = utilities(scenario, trial, values=table) - base
        moves.append(
            Move(
                issues=unit,
                before=tuple(sq[i] for i in unit),
                after=tuple(
                    index[i].option_ids[index[i].option_index(package[i]) or 0] for i in unit
                ),
                delta=tuple(float(v) for v in delta),
            )
        )
    parties = scenario.party_ids
    trades: list[Trade] = []
    for a, b in combinations(range(len(parties)), 2):
        trades.extend(_pair_trades(moves, parties, a, b, tol))
    joint = tuple(
        m for m in moves if all(v >= -tol for v in m.delta) and any(v > tol for v in m.delta)
    )
    return Logrolls(
        scenario=scenario.name,
        parties=parties,
        labels={p.id: p.label for p in scenario.parties},
        issue_names={i.id: i.name or i.id for i in scenario.issues},
        package={i: package[i] for i in scenario.issue_ids},
        moves=tuple(moves),
        trades=tuple(trades),
        joint_gains=joint,
        tol=tol,
    )


def _pair_trades(
    moves: list[Move], parties: tuple[str, ...], a: int, b: int, tol: float
) -> list[Trade]:
    def concessions(giver: int, taker: int) -> list[Concession]:
        out = [
            Concession(m, parties[giver], parties[taker], -m.delta[giver], m.delta[taker])
            for m in moves
            if m.delta[giver] < -tol and m.delta[taker] > tol
        ]
        return sorted(out, key=lambda c: -c.ratio)

    of_a, of_b = concessions(a, b), concessions(b, a)
    paired = [Trade(x, y) for x, y in zip(of_a, of_b, strict=False)]
    paired.sort(key=lambda t: -t.efficiency)
    rest = of_a[len(of_b) :] + of_b[len(of_a) :]
    return paired + [Trade(c, None) for c in rest]
