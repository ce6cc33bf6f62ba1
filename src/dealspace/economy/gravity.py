r"""One-sector multi-country tariff model, solved in changes (exact hat algebra).

The model is the one-sector general-equilibrium model of Ignatenko,
Lashkaripour, Macedoni and Simonovska (2025). With its extensions switched off
it is the textbook Armington / Eaton–Kortum gravity model of Dekle, Eaton and
Kortum (2008) with tariffs.

Notation
--------
Countries :math:`i, j, k = 1..N`. Flows are indexed exporter first:
:math:`X_{ji}` is the value of goods country :math:`j` sells to country
:math:`i` at producer prices (net of tariffs); the diagonal :math:`X_{ii}` is
domestic absorption. :math:`t_{ji}` is the ad valorem tariff importer
:math:`i` levies on goods from :math:`j` (baseline :math:`t^0`, counterfactual
:math:`t`). A hat is the ratio of counterfactual to baseline,
:math:`\hat z = z'/z`.

Baseline (from the data)
    expenditure :math:`E_i = \sum_j (1+t^0_{ji}) X_{ji}`, shares
    :math:`\lambda_{ji} = (1+t^0_{ji}) X_{ji} / E_i`, tariff revenue
    :math:`R^0_i = \sum_j t^0_{ji} X_{ji}`, factor income
    :math:`Y_i = \sum_k (1-\nu_k) X_{ik} + \nu_i \sum_j X_{ji}` and the
    deficit :math:`T_i = E_i - Y_i - R^0_i` (so :math:`\sum_i T_i = 0`).
    :math:`\nu_i` is the share of the value of what country :math:`i` buys
    that is earned by its own factors (local distribution).

Equilibrium in changes, unknowns :math:`\hat w, \hat E, \hat L` (3N)
    1. Unit cost :math:`\hat c_j = \hat w_j \hat L_j^{-\psi}` (scale economies
       :math:`\psi`) and trade shares

       .. math:: \lambda'_{ji} = \frac{\lambda_{ji}\, \hat c_j^{-\varepsilon}
                 \hat\tau_{ji}^{-\varepsilon\varphi_i}}{\sum_k \lambda_{ki}\,
                 \hat c_k^{-\varepsilon}\hat\tau_{ki}^{-\varepsilon\varphi_i}},
                 \qquad \hat\tau_{ji} = \frac{1+t_{ji}}{1+t^0_{ji}}.

    2. Price index :math:`\hat P_i = (\hat E_i/\hat w_i)^{1-\varphi_i}
       \big[\sum_j \lambda_{ji}\hat c_j^{-\varepsilon}
       \hat\tau_{ji}^{-\varepsilon\varphi_i}\big]^{-1/\varepsilon}`.
    3. Flows :math:`X'_{ji} = \lambda'_{ji} E'_i/(1+t_{ji})`, revenue
       :math:`R_i = \sum_j \lambda'_{ji} E'_i\, t_{ji}/(1+t_{ji})`.
    4. Factor income: :math:`\sum_i (1-\nu_i) X'_{ji} + \nu_j \sum_k X'_{kj}
       = \hat w_j \hat L_j Y_j`; one of these N equations is implied by the
       others (Walras' law) and is replaced by the numeraire
       :math:`\sum_i (\hat P_i - 1) E_i = 0`.
    5. Budget: :math:`E'_i = R_i + \hat w_i \hat L_i Y_i + T_i \sum_k Y'_k /
       \sum_k Y_k` (deficits fixed as a share of world income).
    6. Labour supply :math:`\hat L_i = (\hat\tau^{y}_i \hat w_i/\hat P_i)^{\kappa}`.
       Revenue used for income-tax relief: :math:`\tau_i = R_i/Y'_i` and
       :math:`\hat\tau^{y}_i = (1-\tau^0_i)/(1-\tau_i)`; lump-sum rebate:
       :math:`\hat\tau^{y}_i = 1`.
    7. Welfare :math:`\hat W_i = \delta_i \hat E_i/\hat P_i + (1-\delta_i)
       \hat w_i\hat L_i/\hat P_i`, :math:`\delta_i = E_i/(E_i -
       \kappa(1-\tau_i)Y_i/(1+\kappa))`.

Tariff pass-through (endogenous markups, markup elasticity :math:`\theta`,
firm-level pass-through :math:`\tilde\varphi`):
:math:`\varphi_i = \tilde\varphi + (1+\theta)/((1-\nu_i)\theta) - 1/\theta - 1`.

With :math:`\nu = 0`, :math:`\varphi = 1`, :math:`\kappa = 0`, :math:`\psi = 0`
(:meth:`ModelParams.textbook`) this is the textbook model: :math:`\hat L = 1`,
:math:`\hat W_i = \hat E_i/\hat P_i`.

:func:`solve` finds the equilibrium with Newton's method on the 3N equations
in logs of the unknowns, with the analytic Jacobian and a backtracking line
search; :func:`residuals` is the checker (zero at an equilibrium).

References
----------
Ignatenko, A., Lashkaripour, A., Macedoni, L. and Simonovska, I. (2025).
"Making America Great Again? The Economic Impacts of Liberation Day Tariffs".
*Journal of International Economics* 157, 104138.

Dekle, R., Eaton, J. and Kortum, S. (2008). "Global Rebalancing with
Gravity". *IMF Staff Papers* 55(3), 511–540.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from dealspace.economy._kernel import Base, State, kernel, make_base, newton, newton_many
from dealspace.economy.threads import blas_limit
from dealspace.errors import DealspaceError, did_you_mean
from dealspace.present.document import Chart
from dealspace.present.notebook import Displayed

FloatArray = NDArray[np.float64]
REVENUE_USES = ("income-tax", "lump-sum")
#: Systems per stacked Newton iteration in :func:`solve_many` (more do not go faster).
CHUNK = 128


@dataclass(frozen=True)
class ModelParams:
    """Parameters of the tariff model (defaults: the study's baseline).

    Parameters
    ----------
    trade_elasticity : float
        :math:`\\varepsilon > 0`, the elasticity of trade shares to trade costs.
    labour_elasticity : float
        :math:`\\kappa \\ge 0`, the elasticity of labour supply to the real
        after-tax wage (0: fixed labour).
    scale_elasticity : float
        :math:`\\psi \\ge 0`, scale economies (unit cost falls as
        :math:`L^{-\\psi}`); the study uses :math:`0.67/\\varepsilon`.
    markup_elasticity : float or None
        :math:`\\theta`; ``None`` switches the endogenous pass-through off so
        that :math:`\\varphi = \\tilde\\varphi`. The study uses
        :math:`\\varepsilon/0.67`.
    firm_pass_through : float
        :math:`\\tilde\\varphi`, pass-through of tariffs to firm-level prices.
    revenue_use : {"income-tax", "lump-sum"}
        How tariff revenue is returned: cutting income taxes (it then raises
        labour supply) or a lump-sum rebate.
    """

    trade_elasticity: float = 4.0
    labour_elasticity: float = 0.5
    scale_elasticity: float = 0.67 / 4.0
    markup_elasticity: float | None = 4.0 / 0.67
    firm_pass_through: float = 1.0
    revenue_use: str = "income-tax"

    def __post_init__(self) -> None:
        checks = [
            ("trade_elasticity", self.trade_elasticity, self.trade_elasticity > 0, "> 0"),
            ("labour_elasticity", self.labour_elasticity, self.labour_elasticity >= 0, ">= 0"),
            ("scale_elasticity", self.scale_elasticity, self.scale_elasticity >= 0, ">= 0"),
            ("firm_pass_through", self.firm_pass_through, self.firm_pass_through > 0, "> 0"),
        ]
        if self.markup_elasticity is not None:
            checks.append(
                ("markup_elasticity", self.markup_elasticity, self.markup_elasticity > 0, "> 0")
            )
        for name, value, ok, rule in checks:
            if not (np.isfinite(value) and ok):
                raise DealspaceError.single(
                    f"ModelParams.{name}", f"is {value!r}", f"use a finite number {rule}"
                )
        if self.revenue_use not in REVENUE_USES:
            raise DealspaceError.single(
                "ModelParams.revenue_use",
                f"unknown use {self.revenue_use!r}",
                did_you_mean(self.revenue_use, REVENUE_USES),
            )

    @classmethod
    def textbook(cls, trade_elasticity: float = 4.0) -> ModelParams:
        """The textbook model: fixed labour, no scale economies, full pass-through, lump-sum rebate."""
        return cls(trade_elasticity, 0.0, 0.0, None, 1.0, "lump-sum")

    def pass_through(self, local_share: ArrayLike) -> FloatArray:
        """Tariff pass-through :math:`\\varphi_i` of each importer given its local share :math:`\\nu_i`."""
        nu = np.asarray(local_share, dtype=float)
        if self.markup_elasticity is None:
            return np.full(nu.shape, self.firm_pass_through)
        th = self.markup_elasticity
        return self.firm_pass_through + (1 + th) / ((1 - nu) * th) - 1 / th - 1


@dataclass(frozen=True, eq=False)
class Economy:
    """A baseline world economy: flows (with domestic absorption), tariffs and local shares.

    Parameters
    ----------
    iso3 : tuple of str
        Region codes, in the order of the rows and columns of ``flows``.
    flows : (N, N) array
        :math:`X_{ji}`, exporter ``j`` (row) to importer ``i`` (column), at
        producer prices, diagonal = domestic absorption.
    local_share : (N,) array
        :math:`\\nu_i \\in [0, 1)`.
    tariffs : (N, N) array, optional
        Baseline tariffs :math:`t^0_{ji}` levied by importer ``i`` (column)
        on goods from ``j`` (row); zero if omitted.
    names : tuple of str, optional
        Display names.
    gdp : (N,) array, optional
        GDP as given by the data (reporting only; the model uses the income
        implied by the flows, :attr:`income`).
    unit : str
        Unit of flows and GDP.
    source : str
        Where the data come from.
    rates : dict
        Named sets of announced US tariff rates by partner code (e.g.
        ``{"liberation-day": {"JPN": 0.24, ...}}``) used by the presets.
    """

    iso3: tuple[str, ...]
    flows: FloatArray
    local_share: FloatArray
    tariffs: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    names: tuple[str, ...] = ()
    gdp: FloatArray = field(default_factory=lambda: np.zeros(0))
    unit: str = "thousand USD"
    source: str = ""
    rates: dict[str, dict[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        iso3 = tuple(str(c) for c in self.iso3)
        n = len(iso3)
        flows = _frozen(self.flows, (n, n), "Economy.flows")
        nu = _frozen(
            np.broadcast_to(np.asarray(self.local_share, float), (n,)), (n,), "Economy.local_share"
        )
        tariffs = self.tariffs if np.size(self.tariffs) else np.zeros((n, n))
        t0 = _frozen(tariffs, (n, n), "Economy.tariffs")
        gdp = _frozen(self.gdp if np.size(self.gdp) else flows.sum(axis=1), (n,), "Economy.gdp")
        names = tuple(self.names) if self.names else iso3
        if len(set(iso3)) != n:
            dup = sorted({c for c in iso3 if iso3.count(c) > 1})
            raise DealspaceError.single(
                "Economy.iso3", f"duplicate codes {dup}", "give each region once"
            )
        if (flows < 0).any():
            raise DealspaceError.single(
                "Economy.flows", "has negative values", "flows must be >= 0"
            )
        if ((nu < 0) | (nu >= 1)).any():
            raise DealspaceError.single(
                "Economy.local_share", "is outside [0, 1)", "use shares in [0, 1)"
            )
        if (t0 <= -1).any():
            raise DealspaceError.single("Economy.tariffs", "has rates <= -100 %", "use rates > -1")
        if len(names) != n:
            raise DealspaceError.single(
                "Economy.names",
                f"has {len(names)} names for {n} regions",
                "give one name per region",
            )
        empty = [iso3[i] for i in np.flatnonzero(flows.sum(axis=0) <= 0)]
        if empty:
            raise DealspaceError.single(
                "Economy.flows",
                f"regions {empty} buy nothing",
                "drop them or fill domestic absorption",
            )
        for name, value in (
            ("iso3", iso3),
            ("flows", flows),
            ("local_share", nu),
            ("tariffs", t0),
            ("gdp", gdp),
            ("names", names),
        ):
            object.__setattr__(self, name, value)

    @property
    def n(self) -> int:
        """Number of regions."""
        return len(self.iso3)

    @property
    def expenditure(self) -> FloatArray:
        """:math:`E_i = \\sum_j (1+t^0_{ji}) X_{ji}`."""
        return ((1 + self.tariffs) * self.flows).sum(axis=0)

    @property
    def income(self) -> FloatArray:
        """Factor income :math:`Y_i = \\sum_k (1-\\nu_k) X_{ik} + \\nu_i \\sum_j X_{ji}`."""
        return ((1 - self.local_share)[None, :] * self.flows).sum(
            axis=1
        ) + self.local_share * self.flows.sum(axis=0)

    @property
    def revenue(self) -> FloatArray:
        """Baseline tariff revenue :math:`R^0_i = \\sum_j t^0_{ji} X_{ji}`."""
        return (self.tariffs * self.flows).sum(axis=0)

    @property
    def deficit(self) -> FloatArray:
        """Deficit :math:`T_i = E_i - Y_i - R^0_i` (sums to zero over the world)."""
        return self.expenditure - self.income - self.revenue

    @property
    def shares(self) -> FloatArray:
        """Expenditure shares :math:`\\lambda_{ji}` (columns sum to one)."""
        return (1 + self.tariffs) * self.flows / self.expenditure[None, :]

    def index(self, code: str) -> int:
        """Position of region ``code``; :class:`DealspaceError` with a hint if unknown."""
        try:
            return self.iso3.index(code)
        except ValueError:
            raise DealspaceError.single(
                "region", f"unknown code {code!r}", did_you_mean(code, self.iso3)
            ) from None


@dataclass(frozen=True, eq=False)
class Equilibrium(Displayed):
    """A solved counterfactual: changes relative to the baseline economy.

    Hats are ratios counterfactual / baseline. ``flows`` are the new bilateral
    flows :math:`X'_{ji}` at producer prices in the economy's unit (the world
    price index is the numeraire); ``revenue`` is the new tariff revenue.
    """

    economy: Economy
    tariffs: FloatArray
    params: ModelParams
    wage_hat: FloatArray
    expenditure_hat: FloatArray
    labour_hat: FloatArray
    price_hat: FloatArray
    welfare_hat: FloatArray
    flows: FloatArray
    revenue: FloatArray
    iterations: int
    residual_norm: float

    def to_frame(self) -> pd.DataFrame:
        """One row per region: the changes (in %) the study reports, and more.

        Columns: ``iso3, name, welfare_pct, price_index_pct, employment_pct,
        wage_pct, expenditure_pct, exports_pct, imports_pct,
        exports_gdp_pct, imports_gdp_pct, deficit_pct, trade_balance,
        trade_balance_new, tariff_revenue, tariff_revenue_pct``. Exports
        and imports exclude domestic absorption and are valued at producer
        prices; ``*_gdp_pct`` is the change of their ratio to factor income
        (the study's Table 1); ``trade_balance`` and ``trade_balance_new``
        are the levels of exports minus imports before and after, in the
        economy's unit (numeraire: the world price index); ``deficit_pct``
        is the study's "Δ deficit", the change of imports minus exports
        relative to its absolute baseline value (a per-cent change of a
        signed number: show the levels instead); ``tariff_revenue_pct`` is
        revenue over baseline expenditure (the study's Table 3 "% of GDP").
        """
        eco = self.economy
        off = 1 - np.eye(eco.n)
        x0, x1 = eco.flows * off, self.flows * off
        exports0, exports1 = x0.sum(axis=1), x1.sum(axis=1)
        imports0, imports1 = x0.sum(axis=0), x1.sum(axis=0)
        income0 = eco.income
        income1 = self.wage_hat * self.labour_hat * income0
        balance0, balance1 = imports0 - exports0, imports1 - exports1
        with np.errstate(divide="ignore", invalid="ignore"):
            frame = pd.DataFrame(
                {
                    "iso3": list(eco.iso3),
                    "name": list(eco.names),
                    "welfare_pct": 100 * (self.welfare_hat - 1),
                    "price_index_pct": 100 * (self.price_hat - 1),
                    "employment_pct": 100 * (self.labour_hat - 1),
                    "wage_pct": 100 * (self.wage_hat - 1),
                    "expenditure_pct": 100 * (self.expenditure_hat - 1),
                    "exports_pct": 100 * (exports1 / exports0 - 1),
                    "imports_pct": 100 * (imports1 / imports0 - 1),
                    "exports_gdp_pct": 100 * ((exports1 / income1) / (exports0 / income0) - 1),
                    "imports_gdp_pct": 100 * ((imports1 / income1) / (imports0 / income0) - 1),
                    "deficit_pct": 100 * (balance1 - balance0) / np.abs(balance0),
                    "trade_balance": exports0 - imports0,
                    "trade_balance_new": exports1 - imports1,
                    "tariff_revenue": self.revenue,
                    "tariff_revenue_pct": 100 * self.revenue / eco.expenditure,
                }
            )
        return frame

    def flows_frame(self) -> pd.DataFrame:
        """New bilateral flows as a labelled matrix (rows exporters, columns importers)."""
        codes = list(self.economy.iso3)
        frame = pd.DataFrame(self.flows, index=codes, columns=codes)
        frame.index.name, frame.columns.name = "exporter", "importer"
        return frame

    def weighted_mean(self, column: str, exclude: tuple[str, ...] = ()) -> float:
        """Baseline-expenditure-weighted mean of a :meth:`to_frame` column over regions not in ``exclude``."""
        frame = self.to_frame()
        keep = ~frame["iso3"].isin(exclude).to_numpy()
        weights = self.economy.expenditure[keep]
        return float(np.sum(frame[column].to_numpy()[keep] * weights) / weights.sum())

    def chart(self) -> Chart:
        """Welfare change by region, as bars."""
        eco = self.economy
        return Chart(
            "bars",
            "welfare",
            "Welfare change by region",
            {
                "labels": list(eco.names),
                "series": {"welfare": [100 * (w - 1) for w in self.welfare_hat]},
                "xlabel": "welfare change (%)",
                "signed_colors": True,
                "value_format": "{:+.2f}",
            },
        )


def _base(economy: Economy, tariffs: FloatArray, params: ModelParams) -> Base:
    """The kernel's inputs for ``tariffs``: one (N, N) matrix, or a (k, N, N) stack of them."""
    phi = params.pass_through(economy.local_share)
    tau_hat = (1 + tariffs) / (1 + economy.tariffs)
    lam_tau = economy.shares * tau_hat ** (-params.trade_elasticity * phi[None, :])
    Y = economy.income
    return make_base(
        lam_tau=lam_tau,
        keep=1 / (1 + tariffs),
        E=economy.expenditure,
        Y=Y,
        T=economy.deficit,
        nu=economy.local_share,
        phi=phi,
        tax0=economy.revenue / Y if params.revenue_use == "income-tax" else np.zeros(economy.n),
        eps=params.trade_elasticity,
        kappa=params.labour_elasticity,
        psi=params.scale_elasticity,
        income_tax=params.revenue_use == "income-tax",
    )


def _check_tariffs(economy: Economy, tariffs: ArrayLike) -> FloatArray:
    t = np.asarray(tariffs, dtype=float)
    if t.shape != (economy.n, economy.n):
        raise DealspaceError.single(
            "new_tariffs",
            f"has shape {t.shape}",
            f"give an ({economy.n}, {economy.n}) matrix, rows exporters, columns importers",
        )
    if not np.isfinite(t).all() or (t <= -1).any():
        raise DealspaceError.single(
            "new_tariffs",
            "has non-finite rates or rates <= -100 %",
            "use finite rates > -1 (0.25 = 25 %)",
        )
    return t


def residuals(
    economy: Economy, new_tariffs: ArrayLike, params: ModelParams, x: ArrayLike
) -> FloatArray:
    """The 3N scaled equilibrium conditions at ``x = log(w_hat, E_hat, L_hat)`` (zero at an equilibrium).

    Blocks: factor-income equations divided by :math:`Y_j` (the last one
    replaced by the numeraire divided by :math:`\\sum E`), budgets divided by
    :math:`E_i`, labour supply. This is the checker of :func:`solve` and the
    system a generic root finder can be given.
    """
    b = _base(economy, _check_tariffs(economy, new_tariffs), params)
    return kernel(np.asarray(x, dtype=float), b, jacobian=False)[0]


def jacobian(
    economy: Economy, new_tariffs: ArrayLike, params: ModelParams, x: ArrayLike
) -> FloatArray:
    """The analytic Jacobian of :func:`residuals` at ``x`` (3N × 3N), as :func:`solve` uses it.

    Given to a generic root finder (e.g. ``scipy.optimize.root(..., jac=True)``)
    it makes the fairest comparison with :func:`solve` (``benchmarks/economy.py``).
    """
    b = _base(economy, _check_tariffs(economy, new_tariffs), params)
    jac = kernel(np.asarray(x, dtype=float), b, jacobian=True)[1]
    assert jac is not None
    return jac


def solve(
    economy: Economy,
    new_tariffs: ArrayLike,
    params: ModelParams | None = None,
    *,
    tol: float = 1e-11,
    max_iter: int = 60,
    blas_threads: int | None = 1,
    start: Equilibrium | None = None,
) -> Equilibrium:
    """Solve the model for the counterfactual tariffs ``new_tariffs``.

    Parameters
    ----------
    economy : Economy
        The baseline.
    new_tariffs : (N, N) array_like
        Counterfactual :math:`t_{ji}` (row exporter, column importer).
    params : ModelParams, optional
        Defaults to the study's baseline parameters.
    tol : float
        Convergence threshold on the largest scaled residual.
    max_iter : int
        Newton iterations allowed.
    blas_threads : int or None
        Threads the BLAS may use while solving (``None``: its default). The
        systems are small, so one thread is fastest and immune to
        oversubscription on a busy machine (median 24 ms instead of 385 ms for
        194 countries on a loaded 2-core machine). Applied with
        ``threadpoolctl`` when it is installed, for the duration of the call;
        without it the BLAS default is used (the results are the same).
    start : Equilibrium, optional
        A solved equilibrium of the same economy and parameters to start
        Newton's method from (a warm start for nearby tariffs; the
        equilibrium reached is the same, to ``tol``).

    Returns
    -------
    Equilibrium

    Raises
    ------
    DealspaceError
        If the tariffs are malformed or Newton's method does not converge
        (the message gives the residual norm reached).

    Notes
    -----
    Newton's method in :math:`x = \\log(\\hat w, \\hat E, \\hat L)` from
    :math:`x = 0` with the analytic Jacobian (dense LU, size 3N) and a
    backtracking line search on the Euclidean norm of the scaled residuals.
    The model is defined in the module docstring.

    Examples
    --------
    >>> import numpy as np
    >>> from dealspace.economy.gravity import Economy, ModelParams, solve
    >>> eco = Economy(("A", "B"), np.array([[80.0, 20.0], [20.0, 80.0]]), np.zeros(2))
    >>> eq = solve(eco, np.zeros((2, 2)), ModelParams.textbook())
    >>> bool(np.allclose(eq.welfare_hat, 1.0))
    True
    """
    params = params or ModelParams()
    b = _base(economy, _check_tariffs(economy, new_tariffs), params)
    x0 = None
    if start is not None and start.economy is economy and start.params == params:
        x0 = np.log(np.concatenate([start.wage_hat, start.expenditure_hat, start.labour_hat]))
    with _blas_limit(blas_threads):
        return _newton(economy, b, params, tol, max_iter, x0)


def solve_many(
    economy: Economy,
    new_tariffs: ArrayLike,
    params: ModelParams | None = None,
    *,
    tol: float = 1e-11,
    max_iter: int = 60,
    blas_threads: int | None = 1,
) -> list[Equilibrium]:
    """:func:`solve` for a stack of counterfactuals at once: ``new_tariffs`` of shape (k, N, N).

    Returns the ``k`` equilibria :func:`solve` returns for each matrix, bit
    for bit: every system keeps its own Newton iterations, line search and
    stopping rule; the systems still open share one stacked Jacobian build and
    one stacked linear solve per iteration, which removes most of the per-call
    overhead of many small solves (:func:`dealspace.economy._kernel.newton_many`).
    Starts from the baseline (no warm start).

    Raises
    ------
    DealspaceError
        If the tariffs are malformed or any system does not converge.

    Examples
    --------
    >>> import numpy as np
    >>> from dealspace.economy.gravity import Economy, ModelParams, solve, solve_many
    >>> eco = Economy(("A", "B"), np.array([[80.0, 20.0], [20.0, 80.0]]), np.zeros(2))
    >>> t = np.array([[[0, 0.1], [0.2, 0]], [[0, 0.3], [0, 0]]])
    >>> many = solve_many(eco, t, ModelParams.textbook())
    >>> [bool((m.welfare_hat == solve(eco, ti, ModelParams.textbook()).welfare_hat).all()) for m, ti in zip(many, t)]
    [True, True]
    """
    params = params or ModelParams()
    t = np.asarray(new_tariffs, dtype=float)
    if t.ndim != 3:
        raise DealspaceError.single(
            "new_tariffs",
            f"has shape {t.shape}",
            f"give a (k, {economy.n}, {economy.n}) stack of matrices",
        )
    for one in t:
        _check_tariffs(economy, one)
    if len(t) == 0:
        return []
    b = _base(economy, t, params)
    with _blas_limit(blas_threads):
        # chunks of at most CHUNK systems keep each stacked Jacobian in the CPU's cache
        work = np.empty((min(CHUNK, len(t)), 3 * economy.n, 3 * economy.n))  # Jacobians
        parts = [
            newton_many(b.take(np.arange(i, min(i + CHUNK, len(t)))), tol, max_iter, work)
            for i in range(0, len(t), CHUNK)
        ]
    states = State(*(np.concatenate(v) for v in zip(*(p[0] for p in parts), strict=True)))
    iterations, norms, converged = (np.concatenate([p[i] for p in parts]) for i in (1, 2, 3))
    if not converged.all():
        i = int(np.argmin(converged))
        raise DealspaceError.single(
            "solve",
            f"Newton's method did not converge for counterfactual {i}: residual norm "
            f"{norms[i]:.3e} after {iterations[i]} iterations",
            "check the tariffs (very large rates), the parameters (psi*epsilon near 1) or raise max_iter",
        )
    welfare = _welfare(b, params, states)
    tariffs = 1 / b.keep - 1
    return [
        Equilibrium(
            economy=economy,
            tariffs=tariffs[i],
            params=params,
            wage_hat=states.w[i],
            expenditure_hat=states.e[i],
            labour_hat=states.L[i],
            price_hat=states.P[i],
            welfare_hat=welfare[i],
            flows=states.flows[i],
            revenue=states.R[i],
            iterations=int(iterations[i]),
            residual_norm=float(norms[i]),
        )
        for i in range(len(t))
    ]


def _blas_limit(threads: int | None) -> AbstractContextManager[object]:
    return blas_limit(threads)


def _newton(
    economy: Economy,
    b: Base,
    params: ModelParams,
    tol: float,
    max_iter: int,
    x0: FloatArray | None = None,
) -> Equilibrium:
    state, iterations, norm, converged = newton(b, tol, max_iter, x0)
    if not converged:
        raise DealspaceError.single(
            "solve",
            f"Newton's method did not converge: residual norm {norm:.3e} after {iterations} iterations",
            "check the tariffs (very large rates), the parameters (psi*epsilon near 1) or raise max_iter",
        )
    return _equilibrium(economy, b, params, state, iterations, norm)


def _welfare(b: Base, params: ModelParams, s: State) -> FloatArray:
    """:math:`\\hat W` (module docstring, item 7) of one solved state or of a stack of them."""
    kap = params.labour_elasticity
    delta = b.E / (b.E - kap * (1 - s.tau) * b.Y / (1 + kap))
    return np.asarray(delta * s.e / s.P + (1 - delta) * s.w * s.L / s.P, dtype=float)


def _equilibrium(
    economy: Economy, b: Base, params: ModelParams, s: State, iterations: int, norm: float
) -> Equilibrium:
    return Equilibrium(
        economy=economy,
        tariffs=1 / b.keep - 1,
        params=params,
        wage_hat=s.w,
        expenditure_hat=s.e,
        labour_hat=s.L,
        price_hat=s.P,
        welfare_hat=_welfare(b, params, s),
        flows=s.flows,
        revenue=s.R,
        iterations=iterations,
        residual_norm=norm,
    )


def _frozen(values: ArrayLike, shape: tuple[int, ...], where: str) -> FloatArray:
    array = np.array(values, dtype=float)
    if array.shape != shape:
        raise DealspaceError.single(where, f"has shape {array.shape}", f"expected {shape}")
    if not np.isfinite(array).all():
        raise DealspaceError.single(
            where, "has NaN or infinite values", "fill missing values (0 for no trade)"
        )
    array.setflags(write=False)
    return array
