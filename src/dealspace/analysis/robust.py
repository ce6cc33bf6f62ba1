"""Robustness under uncertain preferences: seeded draws of the exact engine.

Model
-----
A scenario may give any weight :math:`w_{pi}`, any value of a per-option
mapping and any numeric BATNA as a range (:class:`~dealspace.scenario.model.Range`):
uniform on :math:`[a, b]`, or triangular with mode :math:`m`. Every exact
analysis uses the point value (the mode, else the midpoint). Here the
uncertain numbers :math:`\\theta` are drawn :math:`N` times (independently,
seeded); for each draw :math:`\\theta^{(t)}` the value tables are rebuilt
(values renormalised so each party's best option is 1, as in
:func:`dealspace.space.issue_values`), the compiled blocks re-weighted — the
feasible packages do not depend on :math:`\\theta` — and the exact Pareto
engine gives the Nash and Kalai–Smorodinsky packages (with two parties, for
batches of draws at once, :mod:`dealspace.analysis.draws`: the same packages,
tie-breaking included, as the engine run draw by draw). Reported:

* :math:`P(\\text{ZOPA}) = \\frac1N \\sum_t 1[\\text{a package gives every party a positive gain}]`;
* for the top packages :math:`x` (the point-value Nash and KS packages and
  the most frequent ones): :math:`P(x \\text{ is Nash})`, :math:`P(x \\text{ is KS})`,
  and per party :math:`P(u_p(x; \\theta) > d_p(\\theta))` (it accepts);
* the **robust recommendation**: the top package with the highest
  probability that every party accepts, ties broken by the expected Nash
  product :math:`E\\prod_p \\max(u_p - d_p, 0)` (its ordering does not depend
  on any party's scale);
* a **tornado**: each uncertain number moved alone across its range (the
  others at their point values); where the Nash package changes, the value at
  which it flips (bisection, to :data:`FLIP_STEPS` halvings);
* the **expected value of learning** each number :math:`\\theta_j`: with
  the draws cut into :data:`EVL_BINS` quantile bins of :math:`\\theta_j`,
  :math:`\\sum_b \\frac{n_b}{N} \\max_x \\hat P_b(\\text{all accept } x) - \\max_x \\hat P(\\text{all accept } x)`
  — how much the chance of a package every side accepts rises if
  :math:`\\theta_j` were known before choosing (Raiffa & Schlaifer 1961); the
  bin maxima make it biased upwards by sampling noise of order :math:`\\sqrt{\\text{bins}/N}`.

Without ranges, :func:`near_ties` warns when other frontier packages are within
:data:`NEAR_TIE` of the Nash product and finds the smallest change of one
weight that makes a runner-up beat the recommendation.

References
----------
.. [1] Raiffa, H. & Schlaifer, R. (1961). *Applied Statistical Decision
   Theory*. Harvard Business School (expected value of information).
.. [2] Saltelli, A. et al. (2008). *Global Sensitivity Analysis: The Primer*.
   Wiley (one-at-a-time and tornado analyses).
.. [3] Nash, J. F. (1950). The bargaining problem. *Econometrica* 18(2), 155–162.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from dealspace.analysis.bargaining import SOLUTIONS
from dealspace.analysis.draws import BATCH, solve_many, supported
from dealspace.analysis.pareto import Frontier, _maxima, pareto_frontier, party_tolerance
from dealspace.errors import DealspaceError
from dealspace.present.notebook import Displayed
from dealspace.scenario.model import OptionRef, Range, Scenario
from dealspace.space import Block, DealSpace, compile, issue_values, utilities
from dealspace.tolerances import GAIN_TOL

#: Other packages within this relative distance of the Nash product are a near tie.
NEAR_TIE = 0.005
#: Halvings of the bracket when locating a tornado flip value.
FLIP_STEPS = 12
#: Quantile bins for the expected value of learning.
EVL_BINS = 10
#: Top packages reported.
TOP = 5

PackageKey = tuple[str, ...]


@dataclass(frozen=True)
class Uncertain:
    """One uncertain number of the scenario (``kind``: weight, value or batna)."""

    key: str
    kind: str
    party: str
    issue: str | None
    option: str | None
    range: Range

    @property
    def point(self) -> float:
        return self.range.point

    @property
    def label(self) -> str:
        if self.kind == "weight":
            return f"{self.party}'s weight on {self.issue}"
        if self.kind == "value":
            return f"{self.party}'s value of {self.issue} = {self.option}"
        return f"{self.party}'s BATNA"


def uncertain_numbers(scenario: Scenario) -> tuple[Uncertain, ...]:
    """Every range of the scenario, in party and issue order."""
    out = []
    for party in scenario.parties:
        for issue_id, v in party.valuations.items():
            if v.weight_range is not None:
                out.append(
                    Uncertain(
                        f"weight:{party.id}:{issue_id}",
                        "weight",
                        party.id,
                        issue_id,
                        None,
                        v.weight_range,
                    )
                )
            for option, r in v.value_ranges.items():
                out.append(
                    Uncertain(
                        f"value:{party.id}:{issue_id}:{option}",
                        "value",
                        party.id,
                        issue_id,
                        option,
                        r,
                    )
                )
        if party.batna_range is not None:
            out.append(
                Uncertain(f"batna:{party.id}", "batna", party.id, None, None, party.batna_range)
            )
    return tuple(out)


class Reweigher:
    """Rebuild a compiled space's utilities for any values of the uncertain numbers.

    The blocks' feasible rows never change; each block's utility is its bonus
    part (fixed) plus the drawn weighted value tables at its rows.
    """

    def __init__(self, space: DealSpace, prune: bool = True) -> None:
        if space.dropped or space.fixed or space.negotiated is not None:
            space = space.restrict(drop=(), fixed={}, issues=None)
        self.space = space
        self.scenario = s = space.scenario
        self.params = uncertain_numbers(s)
        self.point = np.array([u.point for u in self.params])
        self._index = {u.key: j for j, u in enumerate(self.params)}
        self.parties = s.party_ids
        self.sq_index = {i.id: i.status_quo_index for i in s.issues}
        table = space.table
        # the fixed part of each block: its utility minus the weighted tables at its rows
        self.bonus = []
        for block in space.blocks:
            fixed = block.utility.copy()
            for k, issue_id in enumerate(block.issues):
                for p, party in enumerate(s.parties):
                    if (party.id, issue_id) in table:
                        fixed[:, p] -= table[party.id, issue_id][block.options[:, k]]
            self.bonus.append(fixed)
        sq_table = sum(
            (
                np.array(
                    [
                        table[p.id, i][self.sq_index[i]] if (p.id, i) in table else 0.0
                        for p in s.parties
                    ]
                )
                for i in s.issue_ids
            ),
            np.zeros(len(s.parties)),
        )
        self.sq_bonus = np.asarray(space.status_quo_utility, dtype=float) - sq_table
        self.base_table = dict(table)
        self.blocks = list(space.blocks)
        if prune and not any(u.kind == "value" for u in self.params):
            self._prune()

    def _prune(self) -> None:
        """Drop, once, the block rows that no draw can put on the frontier.

        Only weights and BATNAs vary. Row :math:`r'` dominates row :math:`r` of
        the same block in *every* draw when, for each party,
        :math:`\\min_w \\sum_i w_{pi}(\\hat v_{pi}(r'_i) - \\hat v_{pi}(r_i)) + \\Delta b_p \\ge 0`
        (each weight at the end of its range that makes its term smallest),
        with :math:`> 0` for some party. Utilities are additive over blocks,
        so such a row is on no draw's Pareto frontier and never tied with a
        frontier package. The candidate dominators are the block's
        non-dominated rows at the point values (a sufficient, not complete, test).
        """
        s = self.scenario
        lo_w = {(p.id, i): v.weight for p in s.parties for i, v in p.valuations.items()}
        hi_w = dict(lo_w)
        for x in self.params:
            if x.kind == "weight" and x.issue is not None:
                lo_w[x.party, x.issue] = x.range.low
                hi_w[x.party, x.issue] = x.range.high
        for b, block in enumerate(self.blocks):
            if block.size < 64:
                continue
            util = block.utility
            # the block's non-dominated rows at the point values (exact floats)
            points, inverse = np.unique(util, axis=0, return_inverse=True)
            front = (
                _maxima(points)[inverse.ravel()] if len(points) > 1 else np.ones(block.size, bool)
            )
            terms = []  # (party index, lo weight, hi weight, v̂ at every row)
            for k, issue_id in enumerate(block.issues):
                for p, party in enumerate(s.parties):
                    key = (party.id, issue_id)
                    if key not in self.base_table:
                        continue
                    v = party.valuations[issue_id]
                    vhat = (
                        self.base_table[key] / v.weight
                        if v.weight > 0
                        else np.zeros_like(self.base_table[key])
                    )
                    terms.append((p, lo_w[key], hi_w[key], vhat[block.options[:, k]]))
            keep = np.ones(block.size, dtype=bool)
            dominators = np.flatnonzero(front)
            step = max(1, (1 << 21) // block.size)
            for lo in range(0, len(dominators), step):
                d = dominators[lo : lo + step]
                worst = self.bonus[b][d][:, None, :] - self.bonus[b][None]  # (d, rows, parties)
                for p, low, high, vh in terms:
                    coef = vh[d][:, None] - vh[None]
                    worst[:, :, p] += np.where(coef > 0, low * coef, high * coef)
                beaten = (worst >= 0).all(axis=2) & (worst > 0).any(axis=2)
                beaten[np.arange(len(d)), d] = False
                keep &= ~beaten.any(axis=0)
            if keep.all():
                continue
            rows = np.flatnonzero(keep)
            sq = block.status_quo_row
            new_sq = int(np.searchsorted(rows, sq)) if sq is not None and keep[sq] else None
            self.blocks[b] = Block(block.issues, block.options[rows], block.utility[rows], new_sq)
            self.bonus[b] = self.bonus[b][rows]

    def table(self, theta: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
        """The weighted value tables for one vector of the uncertain numbers."""
        out = dict(self.base_table)
        s = self.scenario
        for party in s.parties:
            for issue_id, v in party.valuations.items():
                wkey, ranged = f"weight:{party.id}:{issue_id}", bool(v.value_ranges)
                if wkey not in self._index and not ranged:
                    continue
                weight = theta[self._index[wkey]] if wkey in self._index else v.weight
                if ranged:
                    out[party.id, issue_id] = self._ranged(party.id, issue_id, theta)
                else:
                    base = self.base_table[party.id, issue_id]
                    out[party.id, issue_id] = (
                        base * (weight / v.weight)
                        if v.weight > 0
                        else weight * issue_values(v, s.issue(issue_id))
                    )
        return out

    def _ranged(self, party_id: str, issue_id: str, theta: np.ndarray) -> np.ndarray:
        """The weighted value table of an issue with ranged option values, at one draw."""
        s = self.scenario
        v = s.party(party_id).valuations[issue_id]
        wkey = f"weight:{party_id}:{issue_id}"
        weight = theta[self._index[wkey]] if wkey in self._index else v.weight
        values = dict(v.value)  # type: ignore[arg-type]
        for option in v.value_ranges:
            values[option] = float(theta[self._index[f"value:{party_id}:{issue_id}:{option}"]])
        vhat = issue_values(v.model_copy(update={"value": values}), s.issue(issue_id))
        return weight * vhat

    def tables(self, theta: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
        """:meth:`table` for many draws at once: ``(n, options)`` per party and issue
        (the same arithmetic, element by element, so the same numbers)."""
        n, s = theta.shape[0], self.scenario
        out = {key: np.broadcast_to(base, (n, len(base))) for key, base in self.base_table.items()}
        for party in s.parties:
            for issue_id, v in party.valuations.items():
                wkey, ranged = f"weight:{party.id}:{issue_id}", bool(v.value_ranges)
                if wkey not in self._index and not ranged:
                    continue
                weight = (
                    theta[:, self._index[wkey]] if wkey in self._index else np.full(n, v.weight)
                )
                if ranged:
                    out[party.id, issue_id] = np.stack(
                        [self._ranged(party.id, issue_id, theta[t]) for t in range(n)]
                    )
                elif v.weight > 0:
                    base = self.base_table[party.id, issue_id]
                    out[party.id, issue_id] = base[None, :] * (weight / v.weight)[:, None]
                else:
                    vhat = issue_values(v, s.issue(issue_id))
                    out[party.id, issue_id] = weight[:, None] * vhat[None, :]
        return out

    def many(
        self, theta: np.ndarray, blocks: bool = True
    ) -> tuple[list[np.ndarray], np.ndarray, dict[tuple[str, str], np.ndarray]]:
        """For ``n`` draws: each block's utilities ``(n, rows, P)`` (unless not ``blocks``),
        the BATNAs ``(n, P)`` and the tables — what :meth:`space_at` builds, draw by
        draw, in one pass."""
        s, table = self.scenario, self.tables(theta)
        n, m = theta.shape[0], len(s.parties)
        utility = []
        for block, fixed in zip(self.blocks if blocks else (), self.bonus, strict=False):
            u = np.repeat(fixed[None], n, axis=0)
            for k, issue_id in enumerate(block.issues):
                for p, party in enumerate(s.parties):
                    if (party.id, issue_id) in table:
                        u[:, :, p] += table[party.id, issue_id][:, block.options[:, k]]
            utility.append(u)
        acc = np.zeros((n, m))
        for i in s.issue_ids:
            acc = acc + np.stack(
                [
                    table[p.id, i][:, self.sq_index[i]] if (p.id, i) in table else np.zeros(n)
                    for p in s.parties
                ],
                axis=1,
            )
        sq = self.sq_bonus + acc
        batna = np.empty((n, m))
        for p, party in enumerate(s.parties):
            key = f"batna:{party.id}"
            if key in self._index:
                batna[:, p] = theta[:, self._index[key]]
            elif party.batna == "status_quo":
                batna[:, p] = sq[:, p]
            else:
                batna[:, p] = float(party.batna)
        return utility, batna, table

    def solve_many(
        self, theta: np.ndarray
    ) -> tuple[
        list[PackageKey | None], list[PackageKey | None], dict[PackageKey, dict[str, OptionRef]]
    ]:
        """The Nash and KS package keys of every draw (``None``: no agreement) and the packages.

        Two parties: :func:`dealspace.analysis.draws.solve_many` in batches of
        :data:`~dealspace.analysis.draws.BATCH` draws (identical to the exact
        engine draw by draw); otherwise the engine on each draw's space.
        """
        nash_keys, ks_keys, packages, _ = self._batches(theta, None)
        return nash_keys, ks_keys, packages

    def probe(
        self, theta: np.ndarray, package: Mapping[str, OptionRef]
    ) -> tuple[list[PackageKey | None], np.ndarray, np.ndarray, np.ndarray]:
        """For one package in every draw: the Nash keys, whether a feasible package
        dominates it, its utilities ``(n, P)`` and the BATNAs ``(n, P)``."""
        (util,), batna = self.package_utilities([package], theta)
        nash_keys, _, _, dominated = self._batches(theta, util)
        return nash_keys, dominated, util, batna

    def package_utilities(
        self, packages: Sequence[Mapping[str, OptionRef]], theta: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Utilities ``(len(packages), n, P)`` of packages in every draw, and the BATNAs
        ``(n, P)`` (the same sums, in the same order, as :meth:`space_at` then ``utility``)."""
        s = self.scenario
        n, m = theta.shape[0], len(s.party_ids)
        parts = []
        for pkg in packages:
            # the fixed part (bonuses) once; the drawn tables at the package's options per draw
            terms = [
                (p, pid, i, s.issue(i).option_index(pkg[i]))
                for p, pid in enumerate(s.party_ids)
                for i in s.party(pid).valuations
            ]
            fixed = utilities(s, pkg, values=self.base_table)
            for p, pid, i, k in terms:
                fixed[p] -= self.base_table[pid, i][k]
            parts.append((fixed, terms))
        out = np.zeros((len(packages), n, m))
        batna = np.zeros((n, m))
        for lo in range(0, n, BATCH):
            _, batna[lo : lo + BATCH], table = self.many(theta[lo : lo + BATCH], blocks=False)
            for c, (fixed, terms) in enumerate(parts):
                u = np.repeat(fixed[None], min(BATCH, n - lo), axis=0)
                for p, pid, i, k in terms:
                    u[:, p] += table[pid, i][:, k]
                out[c, lo : lo + BATCH] = u
        return out, batna

    def _batches(
        self, theta: np.ndarray, probe: np.ndarray | None
    ) -> tuple[
        list[PackageKey | None],
        list[PackageKey | None],
        dict[PackageKey, dict[str, OptionRef]],
        np.ndarray,
    ]:
        nash_keys: list[PackageKey | None] = []
        ks_keys: list[PackageKey | None] = []
        packages: dict[PackageKey, dict[str, OptionRef]] = {}
        dominated = np.zeros(theta.shape[0], dtype=bool)
        space = replace(self.space, blocks=tuple(self.blocks))
        if not supported(space):
            for t in range(theta.shape[0]):
                space_t = self.space_at(theta[t])
                frontier = pareto_frontier(space_t)
                nk, kk, npk, kpk = _solve(frontier)
                nash_keys.append(nk)
                ks_keys.append(kk)
                for key, pkg in ((nk, npk), (kk, kpk)):
                    if key is not None and pkg is not None:
                        packages.setdefault(key, dict(pkg))
                if probe is not None and len(frontier):
                    tol = party_tolerance(space_t)
                    f = frontier.utilities
                    weakly = (f >= probe[t] - tol).all(axis=1)
                    dominated[t] = bool((weakly & (f > probe[t] + tol).any(axis=1)).any())
            return nash_keys, ks_keys, packages, dominated
        by_rows: dict[tuple[int, ...], PackageKey] = {}

        def key_of(rows: np.ndarray) -> PackageKey | None:
            if rows[0] < 0:
                return None
            r = tuple(int(x) for x in rows)
            if r not in by_rows:
                pkg = space.package(r)
                key = tuple(str(pkg[i]) for i in self.scenario.issue_ids)
                by_rows[r] = key
                packages.setdefault(key, pkg)
            return by_rows[r]

        for lo in range(0, theta.shape[0], BATCH):
            utility, batna, _ = self.many(theta[lo : lo + BATCH])
            nash_rows, ks_rows, dom = solve_many(
                space, utility, batna, None if probe is None else probe[lo : lo + BATCH]
            )
            dominated[lo : lo + BATCH] = dom
            for nr, kr in zip(nash_rows, ks_rows, strict=True):
                nash_keys.append(key_of(nr))
                ks_keys.append(key_of(kr))
        return nash_keys, ks_keys, packages, dominated

    def space_at(self, theta: np.ndarray) -> DealSpace:
        """The deal space with the uncertain numbers at ``theta`` (same feasible packages)."""
        s, table = self.scenario, self.table(theta)
        blocks = []
        for block, fixed in zip(self.blocks, self.bonus, strict=True):
            u = fixed.copy()
            for k, issue_id in enumerate(block.issues):
                for p, party in enumerate(s.parties):
                    if (party.id, issue_id) in table:
                        u[:, p] += table[party.id, issue_id][block.options[:, k]]
            blocks.append(Block(block.issues, block.options, u, block.status_quo_row))
        sq = self.sq_bonus + sum(
            (
                np.array(
                    [
                        table[p.id, i][self.sq_index[i]] if (p.id, i) in table else 0.0
                        for p in s.parties
                    ]
                )
                for i in s.issue_ids
            ),
            np.zeros(len(s.parties)),
        )
        batna = np.array(
            [
                theta[self._index[f"batna:{party.id}"]]
                if f"batna:{party.id}" in self._index
                else sq[p]
                if party.batna == "status_quo"
                else float(party.batna)
                for p, party in enumerate(s.parties)
            ]
        )
        return replace(
            self.space, blocks=tuple(blocks), batna=batna, status_quo_utility=sq, table=table
        )

    def utilities(
        self, theta: np.ndarray, package: Mapping[str, OptionRef]
    ) -> tuple[np.ndarray, np.ndarray]:
        """A package's utilities and the BATNAs at ``theta``."""
        space = self.space_at(theta)
        return space.utility(package), space.batna

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` independent draws of every uncertain number (``n × K``)."""
        out = np.empty((n, len(self.params)))
        for j, u in enumerate(self.params):
            r = u.range
            if r.high <= r.low:
                out[:, j] = r.low
            elif r.most_likely is None:
                out[:, j] = rng.uniform(r.low, r.high, n)
            else:
                out[:, j] = rng.triangular(r.low, r.most_likely, r.high, n)
        return out


def _key(scenario: Scenario, package: Mapping[str, OptionRef] | None) -> PackageKey | None:
    return None if package is None else tuple(str(package[i]) for i in scenario.issue_ids)


def _solve(
    space: DealSpace | Frontier,
) -> tuple[
    PackageKey | None, PackageKey | None, dict[str, OptionRef] | None, dict[str, OptionRef] | None
]:
    frontier: Frontier = pareto_frontier(space)
    nash = SOLUTIONS["nash"](frontier)
    ks = SOLUTIONS["kalai_smorodinsky"](frontier)
    s = frontier.space.scenario
    return (
        _key(s, nash.package if nash.agreement else None),
        _key(s, ks.package if ks.agreement else None),
        nash.package if nash.agreement else None,
        ks.package if ks.agreement else None,
    )


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class Candidate:
    """One top package: how often it is the Nash / KS package and each party accepts it."""

    package: dict[str, OptionRef]
    p_nash: float
    p_ks: float
    p_accept: tuple[float, ...]
    p_all_accept: float
    expected_nash_product: float
    is_point_nash: bool


@dataclass(frozen=True)
class Bar:
    """One tornado bar: the Nash package with the number at its low and high end
    (others at their point values), and where it flips."""

    key: str
    label: str
    low: float
    point: float
    high: float
    changes_low: bool
    changes_high: bool
    flip_low: float | None
    flip_high: float | None

    @property
    def margin(self) -> float:
        """Distance from the point value to the nearest flip, as a share of the half-range (1 = none)."""
        out = 1.0
        if self.flip_low is not None and self.point > self.low:
            out = min(out, (self.point - self.flip_low) / (self.point - self.low))
        if self.flip_high is not None and self.high > self.point:
            out = min(out, (self.flip_high - self.point) / (self.high - self.point))
        return out


@dataclass(frozen=True)
class Robustness(Displayed):
    """Seeded draws of the exact engine under the scenario's ranges. Build with :func:`robust`."""

    scenario: str
    parties: tuple[str, ...]
    uncertain: tuple[Uncertain, ...]
    draws: int
    seed: int | None
    p_zopa: float
    candidates: tuple[Candidate, ...]
    recommended: int | None
    tornado: tuple[Bar, ...]
    learning: dict[str, float]

    @property
    def recommendation(self) -> Candidate | None:
        return None if self.recommended is None else self.candidates[self.recommended]

    def sentences(self) -> list[str]:
        """The findings in words."""
        out = [f"A ZOPA exists in {self.p_zopa:.1%} of {self.draws:,} draws."]
        rec = self.recommendation
        if rec is not None:
            out.append(
                f"Robust recommendation: the package every party accepts most often ({rec.p_all_accept:.1%}); "
                f"it is the Nash package in {rec.p_nash:.1%} of draws"
                + (
                    " and the point-value Nash package."
                    if rec.is_point_nash
                    else "; the point-value Nash package is not."
                )
            )
        flips = [b for b in self.tornado if b.changes_low or b.changes_high]
        for b in flips[:3]:
            where = [f"below {b.flip_low:.4g}" for _ in [0] if b.flip_low is not None] + [
                f"above {b.flip_high:.4g}" for _ in [0] if b.flip_high is not None
            ]
            out.append(
                f"The Nash package changes when {b.label} is {' or '.join(where)} (point value {b.point:.4g})."
            )
        if self.learning:
            key, value = max(self.learning.items(), key=lambda kv: kv[1])
            label = next(u.label for u in self.uncertain if u.key == key)
            out.append(
                f"Worth learning most: {label} (+{value:.1%} chance of a package every side accepts)."
            )
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per top package: P(Nash), P(KS), P(each party accepts), P(all accept), E[Nash product]."""
        rows = []
        for n, c in enumerate(self.candidates, start=1):
            row: dict[str, Any] = {"package": n, "p_nash": c.p_nash, "p_ks": c.p_ks}
            row.update({f"p_accept:{p}": v for p, v in zip(self.parties, c.p_accept, strict=True)})
            row.update(
                {
                    "p_all_accept": c.p_all_accept,
                    "expected_nash_product": c.expected_nash_product,
                    "point_nash": c.is_point_nash,
                    "recommended": n - 1 == self.recommended,
                }
            )
            rows.append(row)
        return pd.DataFrame(rows).set_index("package")

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "parties": list(self.parties),
            "draws": self.draws,
            "seed": self.seed,
            "uncertain": [
                {
                    "key": u.key,
                    "label": u.label,
                    "low": u.range.low,
                    "most_likely": u.range.most_likely,
                    "high": u.range.high,
                    "point": u.point,
                }
                for u in self.uncertain
            ],
            "p_zopa": self.p_zopa,
            "packages": [
                {
                    "package": dict(c.package),
                    "p_nash": c.p_nash,
                    "p_ks": c.p_ks,
                    "p_accept": dict(zip(self.parties, c.p_accept, strict=True)),
                    "p_all_accept": c.p_all_accept,
                    "expected_nash_product": c.expected_nash_product,
                    "point_nash": c.is_point_nash,
                }
                for c in self.candidates
            ],
            "recommended": self.recommended,
            "tornado": [
                {
                    "key": b.key,
                    "label": b.label,
                    "low": b.low,
                    "point": b.point,
                    "high": b.high,
                    "changes_low": b.changes_low,
                    "changes_high": b.changes_high,
                    "flip_low": b.flip_low,
                    "flip_high": b.flip_high,
                }
                for b in self.tornado
            ],
            "learning": dict(self.learning),
            "sentences": self.sentences(),
        }


def robust(
    source: Scenario | DealSpace,
    draws: int = 1000,
    seed: int | None = 0,
    *,
    top: int = TOP,
    tornado: bool = True,
    theta: np.ndarray | None = None,
    prune: bool = True,
) -> Robustness:
    """Probabilities of the ZOPA, of each top package being the Nash / KS package and
    being accepted, the robust recommendation, a tornado and the value of learning.

    Parameters
    ----------
    source
        A scenario with ranges (compiled once), or its compiled space.
    draws, seed
        Number of independent draws and the seed of the generator.
    top
        Top packages reported.
    tornado
        Compute the one-at-a-time tornado (two exact solves per number, plus
        a bisection where the package flips).
    theta
        Explicit draws (``n × K``, columns in :func:`uncertain_numbers`
        order), each equally likely — e.g. every combination of a discrete
        uncertainty; replaces ``draws`` and ``seed``.
    prune
        Drop, once, the block rows dominated in every draw (:meth:`Reweigher._prune`);
        the results are the same, faster.

    Returns
    -------
    Robustness

    Raises
    ------
    DealspaceError
        When the scenario has no range or ``draws`` is below 1.
    """
    space = source if isinstance(source, DealSpace) else compile(source)
    rw = Reweigher(space, prune=prune)
    s = rw.scenario
    if not rw.params:
        raise DealspaceError.single(
            "",
            "the scenario gives no range",
            "write a weight, value or BATNA as {low: a, high: b}",
            source=f"scenario '{s.name}'",
        )
    if theta is None:
        if draws < 1:
            raise DealspaceError.single("draws", f"{draws} draws", "draw at least 1")
        theta = rw.draw(draws, np.random.default_rng(seed))
    else:
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        seed = None
    n = theta.shape[0]
    nash_keys, ks_keys, packages = rw.solve_many(theta)
    point_n, point_k, point_np, point_kp = _solve(rw.space_at(rw.point))
    order: list[PackageKey] = []
    for key in (point_n, point_k):
        if key is not None and key not in order:
            order.append(key)
            packages.setdefault(key, dict((point_np if key == point_n else point_kp) or {}))
    counts = Counter(k for k in nash_keys + ks_keys if k is not None)
    for key, _ in counts.most_common():
        if len(order) >= top:
            break
        if key not in order:
            order.append(key)
    order = order[:top]
    # utilities of the top packages in every draw
    m = len(s.party_ids)
    util, batna = rw.package_utilities([packages[key] for key in order], theta)
    gains = util - batna[None] if order else np.zeros((0, n, m))
    accept = np.asarray(gains > GAIN_TOL)
    all_accept = np.asarray(accept.all(axis=2))
    product = np.prod(np.maximum(gains, 0.0), axis=2)
    candidates = tuple(
        Candidate(
            package=packages[key],
            p_nash=float(np.mean([k == key for k in nash_keys])),
            p_ks=float(np.mean([k == key for k in ks_keys])),
            p_accept=tuple(float(x) for x in accept[c].mean(axis=0)),
            p_all_accept=float(all_accept[c].mean()),
            expected_nash_product=float(product[c].mean()),
            is_point_nash=key == point_n,
        )
        for c, key in enumerate(order)
    )
    recommended = None
    if candidates:
        recommended = max(
            range(len(candidates)),
            key=lambda c: (
                round(candidates[c].p_all_accept, 12),
                candidates[c].expected_nash_product,
            ),
        )
    bars = _tornado(rw, point_n) if tornado else ()
    learning = _learning(theta, all_accept, rw.params) if candidates else {}
    return Robustness(
        scenario=s.name,
        parties=s.party_ids,
        uncertain=rw.params,
        draws=n,
        seed=seed,
        p_zopa=float(np.mean([k is not None for k in nash_keys])),
        candidates=candidates,
        recommended=recommended,
        tornado=bars,
        learning=learning,
    )


def _tornado(rw: Reweigher, base: PackageKey | None) -> tuple[Bar, ...]:
    """Each number alone at its low and high end, then bisection towards the flip
    (every number's solves of one step in one batch)."""
    k = len(rw.params)

    def nash_at(j: np.ndarray, x: np.ndarray) -> list[PackageKey | None]:
        theta = np.repeat(rw.point[None], len(j), axis=0)
        theta[np.arange(len(j)), j] = x
        return rw.solve_many(theta)[0] if len(j) else []

    low = np.array([u.range.low for u in rw.params])
    high = np.array([u.range.high for u in rw.params])
    ends = nash_at(np.r_[np.arange(k), np.arange(k)], np.r_[low, high])
    changes = [key != base for key in ends]
    # bisection between the point value (inside) and the end that changes it (outside)
    jobs = [
        (j, side)
        for side, end in ((0, low), (1, high))
        for j in range(k)
        if changes[side * k + j] and (rw.point[j] > end[j] if side == 0 else end[j] > rw.point[j])
    ]
    inside = np.array([rw.point[j] for j, _ in jobs])
    outside = np.array([(low if side == 0 else high)[j] for j, side in jobs])
    which = np.array([j for j, _ in jobs], dtype=int)
    for _ in range(FLIP_STEPS):
        mid = (inside + outside) / 2
        same = np.array([key == base for key in nash_at(which, mid)], dtype=bool)
        inside = np.where(same, mid, inside)
        outside = np.where(same, outside, mid)
    flips = {job: float(x) for job, x in zip(jobs, outside, strict=True)}
    bars = [
        Bar(
            key=u.key,
            label=u.label,
            low=u.range.low,
            point=u.point,
            high=u.range.high,
            changes_low=changes[j],
            changes_high=changes[k + j],
            flip_low=flips.get((j, 0)),
            flip_high=flips.get((j, 1)),
        )
        for j, u in enumerate(rw.params)
    ]
    return tuple(sorted(bars, key=lambda b: (b.margin, b.key)))


def _learning(
    theta: np.ndarray, all_accept: np.ndarray, params: Sequence[Uncertain]
) -> dict[str, float]:
    """Expected rise of the best P(all accept) if each number were known first (binned)."""
    n = theta.shape[0]
    prior = float(all_accept.mean(axis=1).max())
    out = {}
    for j, u in enumerate(params):
        x = theta[:, j]
        edges = np.quantile(x, np.linspace(0, 1, EVL_BINS + 1))
        bins = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, EVL_BINS - 1)
        total = 0.0
        for b in range(EVL_BINS):
            mask = bins == b
            if mask.any():
                total += mask.sum() / n * float(all_accept[:, mask].mean(axis=1).max())
        out[u.key] = max(total - prior, 0.0)
    return out


# ------------------------------------------------------------------ near ties


@dataclass(frozen=True)
class NearTie:
    """Packages within :data:`NEAR_TIE` of the Nash product, and the smallest one-weight change that flips it.

    ``rivals`` are the near-tied packages with their Nash products relative
    to the recommended one; ``flip`` names the party, issue, weight change and
    the rival that then beats the recommendation (the Nash package changes at
    this change at the latest), or None when no single weight flips it.
    """

    scenario: str
    nash_product: float
    rivals: tuple[tuple[dict[str, OptionRef], float], ...]
    flip: dict[str, Any] | None

    @property
    def warning(self) -> str:
        if not self.rivals:
            return ""
        text = (
            f"Near tie: {len(self.rivals)} other package(s) within {NEAR_TIE:.1%} of the recommended "
            f"package's Nash product."
        )
        if self.flip is not None:
            f = self.flip
            text += (
                f" Changing {f['party']}'s weight on {f['issue']} from {f['weight']:.4g} to "
                f"{f['weight'] + f['delta']:.4g} ({f['delta']:+.4g}) makes another package beat it."
            )
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "nash_product": self.nash_product,
            "rivals": [{"package": dict(p), "relative_nash_product": r} for p, r in self.rivals],
            "flip": self.flip,
            "warning": self.warning,
        }


def near_ties(
    frontier: Frontier, package: Mapping[str, OptionRef] | None, tol: float = NEAR_TIE
) -> NearTie:
    """Frontier packages whose Nash product is within ``tol`` of the recommended one's, and
    the smallest change of one weight that makes one of them beat it.

    For party :math:`p`'s weight on issue :math:`i` changed by :math:`\\delta`, each
    package's gain changes by :math:`\\delta (\\hat v_{pi}(x_i) - \\hat v_{pi}(x^0_i) 1[d_p = u_p(x^0)])`,
    so its Nash product is linear in :math:`\\delta`; the change that equalises the
    recommended package :math:`x` and a rival :math:`y` is
    :math:`\\delta = (g_p(y) R_y - g_p(x) R_x) / (a_x R_x - a_y R_y)`, with
    :math:`R = \\prod_{q \\ne p} g_q` and :math:`a` the slope.
    """
    space = frontier.space
    s = space.scenario
    if package is None or len(frontier) == 0:
        return NearTie(s.name, 0.0, (), None)
    g = frontier.utilities - space.batna
    products = np.where((g > GAIN_TOL).all(axis=1), np.prod(np.maximum(g, 0), axis=1), 0.0)
    packages = [frontier.package(k) for k in range(len(frontier))]
    target = _key(s, package)
    own = next((k for k, p in enumerate(packages) if _key(s, p) == target), None)
    if own is None or products[own] <= 0:
        return NearTie(s.name, 0.0, (), None)
    best = products[own]
    rivals = [k for k in range(len(frontier)) if k != own and products[k] >= (1 - tol) * best]
    flip: dict[str, Any] | None = None
    best_delta = np.inf
    sq = s.status_quo()
    for k in rivals:
        for p, party in enumerate(s.parties):
            for issue_id, v in party.valuations.items():
                if v.weight <= 0:
                    continue
                vhat = space.table[party.id, issue_id] / v.weight
                issue = s.issue(issue_id)

                rx = float(np.prod(np.delete(g[own], p)))
                ry = float(np.prod(np.delete(g[k], p)))
                base = (
                    vhat[issue.option_index(sq[issue_id]) or 0]
                    if party.batna == "status_quo"
                    else 0.0
                )
                ax = float(vhat[issue.option_index(packages[own][issue_id]) or 0] - base)
                ay = float(vhat[issue.option_index(packages[k][issue_id]) or 0] - base)
                denom = ax * rx - ay * ry
                if abs(denom) <= GAIN_TOL:
                    continue
                delta = (g[k, p] * ry - g[own, p] * rx) / denom
                if v.weight + delta < 0:
                    continue
                if abs(delta) < best_delta:
                    best_delta = abs(delta)
                    flip = {
                        "party": party.id,
                        "issue": issue_id,
                        "weight": v.weight,
                        "delta": float(delta),
                        "rival": dict(packages[k]),
                    }
    return NearTie(
        scenario=s.name,
        nash_product=float(best),
        rivals=tuple((dict(packages[k]), float(products[k] / best)) for k in rivals),
        flip=flip,
    )
