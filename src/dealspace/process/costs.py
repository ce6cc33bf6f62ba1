r"""Time costs of negotiating: discounting, running costs, breakdown risk.

The model
---------
Rounds ``t = 0, 1, …`` (one offer and its answer per round). The talks end at
a complete agreement (round ``τ_c``), at the deadline, or when they *break
down*: at the start of every round, independently, with probability ``h``
(the hazard) the talks collapse. The breakdown round ``K`` is geometric,
``P(K ≥ k) = (1-h)^k``, so the chance of a collapse within ``n`` rounds of
talks is ``1 - (1-h)^n``; it is drawn by inversion from one uniform per run,
``K = ⌊log(1-U) / log(1-h)⌋``, so the same run seed gives comparable
draws across hazard levels (common random numbers).

Each unit ``u`` of the package (the whole package under a single undertaking)
that is agreed binds at round ``τ_u`` with gains ``g_u = U_u(x_u) − U_u(sq_u)``
over its status quo. With ``d`` the BATNAs, ``sq`` the status-quo utilities
and ``δ ∈ (0, 1]`` the per-round discount factor, a party's *realised value* is

.. math::

    V = d + \sum_{u\ \text{bound}} δ^{τ_u} g_u
          + [\text{complete}]\, δ^{τ_c} (sq - d)
          - \sum_{u\ \text{bound}} s^{sq}_u \sum_{t<τ_u} δ^t c_{sq}(t)
          - \sum_{t=0}^{n-1} δ^t c_{unc}(t)\, o(t)

* an agreement's gains count once, discounted to the round they bind
  (Rubinstein 1982): a binding early harvest accrues from the round it is
  agreed, a single undertaking realises nothing before its final agreement;
* without a complete agreement a party keeps its BATNA plus the harvests
  already bound (they stay after a breakdown);
* ``c_sq(t)`` is the cost of the status quo per round (e.g. the tariffs in
  force, priced against the deal being discussed): the gain *forgone* while
  the units holding ``status_quo_issues`` (all by default) are not yet bound.
  It is paid for the rounds before such a unit binds, in proportion to the
  unit's share ``s^{sq}_u`` of the party's stake in those units; talks that
  bind nothing forgo nothing (the party keeps its BATNA, which already has
  the status quo in it);
* ``c_unc(t)`` is the cost of uncertainty (or any political cost of the talks
  dragging on) per round, paid while the talks last — for ``n`` rounds, up to
  the complete agreement, the breakdown or the end of the talks — on the
  share ``o(t)`` of the party's stake still open (stake of a unit: the range
  of the party's utility over its options; units bound at or before ``t``
  are closed), as the fixed bargaining costs of Rubinstein (1982);
* costs may change from round to round (``sq_path``, ``unc_path``: calendar
  time and dated events, :mod:`dealspace.process.settings`), and so may the
  hazard (``hazard_path``): ``P(K ≥ k) = Π_{t<k} (1 − h_t)``.

With ``C(a, n) = Σ_{t=a}^{n-1} δ^t c(t)`` (closed form
``c (δ^a − δ^n)/(1 − δ)`` for a constant cost), the uncertainty cost is
``C(0, n) − Σ_{u bound} s_u C(τ_u, n)`` and the status quo's
``Σ_{u bound} s^{sq}_u C(0, τ_u)``.

The final *utility* of an outcome (undiscounted, no costs) is ``u(x)`` for a
complete agreement ``x`` and ``d + Σ_{bound} g_u`` otherwise.

References
----------
.. [1] A. Rubinstein, "Perfect equilibrium in a bargaining model",
   Econometrica 50(1), 97–109, 1982.
.. [2] K. Binmore, A. Rubinstein, A. Wolinsky, "The Nash bargaining solution in
   economic modelling", RAND Journal of Economics 17(2), 176–188, 1986
   (breakdown risk as an exogenous hazard).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from dealspace.errors import DealspaceError

#: The breakdown round of a run that never breaks down.
NEVER = np.iinfo(np.int64).max // 4


def _pair(value: float | Sequence[float], where: str, n: int = 2) -> tuple[float, ...]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        values = (float(value),) * n
    else:
        try:
            values = tuple(float(v) for v in value)  # type: ignore[union-attr]
        except (TypeError, ValueError):
            raise DealspaceError.single(
                where,
                f"{value!r} is not a number or a list of numbers",
                "give one number, or one per party",
            ) from None
    if len(values) != n:
        raise DealspaceError.single(
            where, f"{len(values)} values for {n} parties", "give one number, or one per party"
        )
    for v in values:
        if not math.isfinite(v) or v < 0:
            raise DealspaceError.single(where, f"{v} is not a cost ≥ 0", "use a finite number ≥ 0")
    return values


@dataclass(frozen=True)
class TimeCosts:
    """The time costs of a negotiation (see the module docstring).

    Parameters
    ----------
    discount
        ``δ ∈ (0, 1]``, per round.
    hazard
        ``h ∈ [0, 1)``: probability that the talks collapse at the start of a round.
    status_quo_cost
        ``c_sq`` per party per round, in each party's utility points (one
        number for both, or one per party).
    uncertainty_cost
        ``c_unc`` per party per round.
    status_quo_issues
        Issues whose status quo causes ``c_sq`` (e.g. the tariff issues);
        the cost stops once every unit holding one of them is bound.
        None: all issues.

    Raises
    ------
    DealspaceError
        For a number out of range.
    """

    discount: float = 1.0
    hazard: float = 0.0
    status_quo_cost: float | tuple[float, ...] = 0.0
    uncertainty_cost: float | tuple[float, ...] = 0.0
    status_quo_issues: tuple[str, ...] | None = None
    sq_path: tuple[tuple[float, ...], ...] | None = None
    unc_path: tuple[tuple[float, ...], ...] | None = None
    hazard_path: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        d, h = self.discount, self.hazard
        if (
            isinstance(d, bool)
            or not isinstance(d, int | float)
            or not (math.isfinite(d) and 0 < d <= 1)
        ):
            raise DealspaceError.single(
                "discount", f"the discount factor is {d!r}", "use a number in (0, 1]"
            )
        if (
            isinstance(h, bool)
            or not isinstance(h, int | float)
            or not (math.isfinite(h) and 0 <= h < 1)
        ):
            raise DealspaceError.single(
                "hazard", f"the breakdown hazard is {h!r}", "use a probability in [0, 1)"
            )
        object.__setattr__(self, "discount", float(d))
        object.__setattr__(self, "hazard", float(h))
        object.__setattr__(self, "status_quo_cost", _pair(self.status_quo_cost, "status_quo_cost"))
        object.__setattr__(
            self, "uncertainty_cost", _pair(self.uncertainty_cost, "uncertainty_cost")
        )
        if self.status_quo_issues is not None:
            object.__setattr__(self, "status_quo_issues", tuple(self.status_quo_issues))
        for key in ("sq_path", "unc_path"):
            path = getattr(self, key)
            if path is not None:
                arr = np.asarray(path, dtype=float)
                if arr.ndim != 2 or not np.isfinite(arr).all() or (arr < 0).any():
                    raise DealspaceError.single(
                        key, "a cost path is rounds × parties of finite numbers ≥ 0"
                    )
                object.__setattr__(self, key, tuple(tuple(float(v) for v in row) for row in arr))
        if self.hazard_path is not None:
            arr = np.asarray(self.hazard_path, dtype=float)
            if arr.ndim != 1 or not np.isfinite(arr).all() or (arr < 0).any() or (arr >= 1).any():
                raise DealspaceError.single(
                    "hazard_path", "a hazard path is one probability in [0, 1) per round"
                )
            object.__setattr__(self, "hazard_path", tuple(float(v) for v in arr))

    # The arrays below are derived once from the (immutable) fields and kept;
    # callers must not write to them.
    @cached_property
    def c_sq(self) -> np.ndarray:
        return _frozen(np.asarray(self.status_quo_cost, dtype=float))

    @cached_property
    def c_unc(self) -> np.ndarray:
        return _frozen(np.asarray(self.uncertainty_cost, dtype=float))

    @cached_property
    def costly(self) -> bool:
        """Whether any running cost is positive."""
        paths = [p for p in (self._path("sq"), self._path("unc")) if p is not None]
        return bool(self.c_sq.any() or self.c_unc.any() or any(p.any() for p in paths))

    @cached_property
    def _paths(self) -> dict[str, np.ndarray | None]:
        return {
            kind: None if path is None else _frozen(np.asarray(path, dtype=float))
            for kind, path in (("sq", self.sq_path), ("unc", self.unc_path))
        }

    def _path(self, kind: str) -> np.ndarray | None:
        return self._paths["sq" if kind == "sq" else "unc"]

    @cached_property
    def _cums(self) -> dict[str, np.ndarray]:
        """Per kind with a path: ``K[t] = Σ_{s<t} δ^s c(s)``, ``(len(path) + 1, P)``."""
        out = {}
        for kind in ("sq", "unc"):
            path = self._path(kind)
            if path is not None:
                flow = self.factor(np.arange(len(path)))[:, None] * path
                out[kind] = _frozen(
                    np.concatenate([np.zeros((1, path.shape[1])), np.cumsum(flow, axis=0)])
                )
        return out

    @cached_property
    def _log_survival(self) -> np.ndarray | None:
        """``Σ_{t≤k} log(1 − h_t)`` of the hazard path (None without one)."""
        if self.hazard_path is None:
            return None
        return _frozen(np.cumsum(np.log1p(-np.asarray(self.hazard_path))))

    def rate(self, kind: str, t: np.ndarray) -> np.ndarray:
        """``(len(t), P)`` the running cost ``c(t)`` per round (``kind``: ``"sq"`` or ``"unc"``);
        a path holds its last value beyond its end."""
        t = np.asarray(t, dtype=np.int64)
        path = self._path(kind)
        if path is None:
            c = self.c_sq if kind == "sq" else self.c_unc
            return np.broadcast_to(c, (len(t), len(c))).copy()
        return np.asarray(path[np.clip(t, 0, len(path) - 1)])

    def cost_sum(self, kind: str, a: np.ndarray, n: np.ndarray) -> np.ndarray:
        """``Σ_{t=a}^{n-1} δ^t c(t)`` per party: shape ``broadcast(a, n) + (P,)``.

        Constant costs use :meth:`discount_sum`; a path uses its cumulative
        sum ``K[t] = Σ_{s<t} δ^s c(s)``, so the sum is ``K[n] − K[min(a, n)]``.
        """
        path = self._path(kind)
        if path is None:
            c = self.c_sq if kind == "sq" else self.c_unc
            return np.asarray(self.discount_sum(a, n)[..., None] * c)
        lo, hi = path_bounds(a, n, len(path))
        return self.path_sum(kind, lo, hi)

    def path_sum(self, kind: str, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """``K[hi] − K[lo]`` of the path of ``kind``: :meth:`cost_sum` on the
        bounds :func:`path_bounds` gives (kept when several costs share them)."""
        cum = self._cums["sq" if kind == "sq" else "unc"]
        return np.asarray(cum[hi] - cum[lo])

    def to_dict(self) -> dict[str, Any]:
        return {
            "discount": self.discount,
            "hazard": self.hazard,
            "status_quo_cost": list(self.c_sq),
            "uncertainty_cost": list(self.c_unc),
            "status_quo_issues": None
            if self.status_quo_issues is None
            else list(self.status_quo_issues),
            "sq_path": None if self.sq_path is None else [list(r) for r in self.sq_path],
            "unc_path": None if self.unc_path is None else [list(r) for r in self.unc_path],
            "hazard_path": None if self.hazard_path is None else list(self.hazard_path),
        }

    # -- breakdown -------------------------------------------------------------
    def breakdown_round(self, uniform: np.ndarray | float) -> np.ndarray:
        """The round at whose start the talks collapse, from uniforms in [0, 1).

        ``K = ⌊log(1-U)/log(1-h)⌋``; :data:`NEVER` when ``h = 0``.
        """
        u = np.asarray(uniform, dtype=float)
        if self.hazard_path is not None:
            # P(K ≥ k) = Π_{t<k} (1 − h_t): K is the number of k ≥ 1 with log-survival ≥ log(1 − U)
            surv = self._log_survival
            assert surv is not None
            k = np.searchsorted(-surv, -np.log1p(-u), side="right")
            return np.where(k >= len(surv), NEVER, k).astype(np.int64)
        if self.hazard == 0:
            return np.full(u.shape, NEVER, dtype=np.int64)
        k = np.floor(np.log1p(-u) / math.log1p(-self.hazard))
        return np.minimum(k, NEVER).astype(np.int64)

    # -- discount sums -----------------------------------------------------------
    def discount_sum(self, a: np.ndarray, n: np.ndarray) -> np.ndarray:
        """``S(a, n) = Σ_{t=a}^{n-1} δ^t`` (0 when ``a ≥ n``)."""
        a = np.asarray(a, dtype=float)
        n = np.asarray(n, dtype=float)
        lo = np.minimum(a, n)
        if self.discount == 1.0:
            return np.asarray(n - lo)
        d = self.discount
        return np.asarray((d**lo - d**n) / (1.0 - d))

    def factor(self, t: np.ndarray | float) -> np.ndarray:
        """``δ^t``."""
        return np.asarray(self.discount ** np.asarray(t, dtype=float))


def path_bounds(a: np.ndarray, n: np.ndarray, last: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows ``(min(a, n), n)`` of a cumulative sum over a path of ``last``
    rounds, each clipped to ``[0, last]`` (:meth:`TimeCosts.cost_sum`)."""
    a = np.asarray(a, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    # (np.minimum/np.maximum: np.clip's result, without its overhead)
    lo = np.minimum(np.maximum(np.minimum(a, n), 0), last)
    hi = np.minimum(np.maximum(n, 0), last)
    return lo, hi


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class Settlement:
    """Outcomes of ``N`` runs (see :func:`settle`)."""

    bound: np.ndarray  # (U, N) bool
    complete: np.ndarray  # (N,) bool
    breakdown: np.ndarray  # (N,) bool
    cost_rounds: np.ndarray  # (N,) rounds during which costs accrued
    utility: np.ndarray  # (N, P)
    value: np.ndarray  # (N, P)
    paid: np.ndarray  # (N, P) running costs paid (discounted)


def settle(
    costs: TimeCosts,
    bound_round: np.ndarray,
    gains: np.ndarray,
    complete_round: np.ndarray,
    end_round: np.ndarray,
    breakdown: np.ndarray,
    batna: np.ndarray,
    status_quo: np.ndarray,
    share: np.ndarray,
    sq_share: np.ndarray,
) -> Settlement:
    """Apply breakdowns and time costs to the course of ``N`` runs.

    Parameters
    ----------
    costs
        The time costs.
    bound_round
        ``(U, N)`` round each unit binds if the talks last (-1: never).
    gains
        ``(U, N, P)`` each unit's gains over its status quo.
    complete_round
        ``(N,)`` round of the complete agreement (-1: none).
    end_round
        ``(N,)`` last round of talks (-1: none).
    breakdown
        ``(N,)`` breakdown rounds (:meth:`TimeCosts.breakdown_round`).
    batna, status_quo
        ``(P,)``.
    share, sq_share
        ``(U, P)`` each unit's share of a party's stake (all units; units with
        status-quo-cost issues).

    Returns
    -------
    Settlement
    """
    when = timing(
        costs, bound_round, gains, complete_round, end_round, breakdown, batna, status_quo
    )
    return settle_costs(costs, when, share, sq_share)


@dataclass(frozen=True)
class Timing:
    """What the breakdowns and the discount factor decide in :func:`settle`,
    before the running costs (the same under any costs on one clock)."""

    bound: np.ndarray  # (U, N) bool
    complete: np.ndarray  # (N,) bool
    breakdown: np.ndarray  # (N,) bool
    cost_rounds: np.ndarray  # (N,)
    tau: np.ndarray  # (U, N) binding rounds (0 when not bound)
    value: np.ndarray  # (N, P) realised value before running costs
    utility: np.ndarray  # (N, P)
    #: Bounds of the cost sums, per path length (:func:`settle_costs`).
    bounds: dict[int, tuple[tuple[np.ndarray, np.ndarray], ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def sum_bounds(self, last: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """:func:`path_bounds` of the three cost sums of :func:`settle_costs`
        (open talks, closed units, forgone status quo) on a path of ``last`` rounds."""
        hit = self.bounds.get(last)
        if hit is None:
            n, tau = self.cost_rounds, self.tau
            hit = self.bounds[last] = (
                path_bounds(np.zeros_like(n), n, last),
                path_bounds(tau, np.broadcast_to(n, tau.shape), last),
                path_bounds(np.zeros_like(tau), tau, last),
            )
        return hit


def timing(
    costs: TimeCosts,
    bound_round: np.ndarray,
    gains: np.ndarray,
    complete_round: np.ndarray,
    end_round: np.ndarray,
    breakdown: np.ndarray,
    batna: np.ndarray,
    status_quo: np.ndarray,
) -> Timing:
    """The first step of :func:`settle`: bound parts, complete agreements, rounds
    of talks and discounted value; of ``costs`` only the discount factor is used."""
    k = np.asarray(breakdown, dtype=np.int64)
    broke = k <= end_round
    bound = (bound_round >= 0) & (bound_round < k[None, :])
    complete = (complete_round >= 0) & (complete_round < k)
    n = np.where(complete, complete_round, np.where(broke, k, end_round + 1))
    n = np.maximum(n, 0)
    tau = np.where(bound, bound_round, 0)
    disc = costs.factor(tau) * bound  # (U, N)
    value = batna[None, :] + np.einsum("un,unp->np", disc, gains)
    value += (complete * costs.factor(np.maximum(complete_round, 0)))[:, None] * (
        status_quo - batna
    )[None, :]
    base = np.where(complete[:, None], status_quo[None, :], batna[None, :])
    utility = base + np.einsum("un,unp->np", bound.astype(float), gains)
    return Timing(bound, complete, broke, n, tau, value, utility)


def settle_costs(
    costs: TimeCosts, when: Timing, share: np.ndarray, sq_share: np.ndarray
) -> Settlement:
    """The second step of :func:`settle`: the running costs paid, on a
    :class:`Timing` of the same discount factor."""
    bound, n, tau = when.bound, when.cost_rounds, when.tau
    value = when.value
    paid = np.zeros_like(value)
    if costs.costly:
        unc, sq = costs._path("unc"), costs._path("sq")
        if unc is not None and sq is not None and len(unc) == len(sq):
            # paths of one calendar: the same bounds for every cost on this timing
            b_total, b_closed, b_forgone = when.sum_bounds(len(unc))
            total = costs.path_sum("unc", *b_total)
            closed = costs.path_sum("unc", *b_closed)
            forgone = costs.path_sum("sq", *b_forgone)
        else:
            total = costs.cost_sum("unc", np.zeros_like(n), n)
            closed = costs.cost_sum("unc", tau, np.broadcast_to(n, tau.shape))
            forgone = costs.cost_sum("sq", np.zeros_like(tau), tau)
        # the cost of uncertainty: paid on the open stake while the talks last
        closed = closed * bound[:, :, None]  # (U, N, P)
        paid += total - np.einsum("unp,up->np", closed, share)  # total: (N, P)
        # the status quo's cost: the gain forgone until a unit holding its issues binds
        forgone = forgone * bound[:, :, None]  # (U, N, P)
        paid += np.einsum("unp,up->np", forgone, sq_share)
        value = value - paid
    return Settlement(bound, when.complete, when.breakdown, n, when.utility, value, paid)


def value_path(
    costs: TimeCosts,
    rounds: int,
    bound_round: np.ndarray,
    gains: np.ndarray,
    complete_round: int,
    cost_rounds: int,
    batna: np.ndarray,
    status_quo: np.ndarray,
    share: np.ndarray,
    sq_share: np.ndarray,
) -> np.ndarray:
    """``(rounds, P)`` one run's realised value accumulated up to each round.

    ``bound_round`` ``(U,)`` effective binding rounds (-1: not bound),
    ``gains`` ``(U, P)``; other arguments as in :func:`settle` for one run.
    """
    t = np.arange(rounds)
    path = np.tile(np.asarray(batna, dtype=float), (rounds, 1))
    for u, tau in enumerate(bound_round):
        if tau >= 0:
            path[t >= tau] += costs.factor(tau) * gains[u]
    if complete_round >= 0:
        path[t >= complete_round] += costs.factor(complete_round) * (status_quo - batna)
    if costs.costly:
        open_all = np.ones((rounds, len(batna)))
        for u, tau in enumerate(bound_round):
            if tau >= 0:
                open_all[t >= tau] -= share[u]
                forgone = costs.cost_sum("sq", np.zeros(1, dtype=np.int64), np.array([tau]))[0]
                path[t >= tau] -= sq_share[u] * forgone
        paying = (t < cost_rounds)[:, None]
        flow = costs.factor(t)[:, None] * paying * open_all * costs.rate("unc", t)
        path -= np.cumsum(flow, axis=0)
    return path
