r"""The baseline economy: the study's data construction, local shares, aggregation.

Construction (Ignatenko, Lashkaripour, Macedoni and Simonovska 2025, one
sector; see :mod:`dealspace.economy.gravity` for the notation)
    Given international flows :math:`X_{ji}` (diagonal empty), GDP
    :math:`Y_i` and local shares :math:`\nu_i`: imports
    :math:`M_i = \sum_{j} X_{ji}`; deficit
    :math:`T_i = (1-\nu_i)(M_i - \sum_k (1-\nu_k) X_{ik})`; expenditure
    :math:`E_i = Y_i + T_i`; domestic absorption
    :math:`X_{ii} = \max(E_i - M_i, 0)`. Expenditure, income, deficits and
    shares are then recomputed from the full matrix
    (:class:`~dealspace.economy.gravity.Economy`).

Local shares
    Two values, one for the US and one for every other region, chosen so that
    in the two-region (US, rest) aggregate of the international flows and GDP
    the weighted local shares hit 0.12 (rest) and 0.26 (US), where each
    region's weight on its own :math:`\nu` is its domestic sales over its
    total sales (:func:`calibrate_local_share`).

References
----------
Ignatenko, A., Lashkaripour, A., Macedoni, L. and Simonovska, I. (2025).
*Journal of International Economics* 157, 104138.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from dealspace.economy.gravity import Economy, FloatArray
from dealspace.errors import DealspaceError

LOCAL_SHARE_TARGETS = (0.12, 0.26)  # (rest of the world, US)
HOME = "USA"


def calibrate_local_share(
    flows: ArrayLike,
    gdp: ArrayLike,
    home: int,
    targets: tuple[float, float] = LOCAL_SHARE_TARGETS,
    tol: float = 1e-13,
) -> tuple[float, float]:
    r"""Local shares :math:`(\nu_{rest}, \nu_{home})` hitting the two-region targets.

    Parameters
    ----------
    flows : (N, N) array_like
        International flows, exporter rows (the diagonal is ignored).
    gdp : (N,) array_like
        GDP in the unit of ``flows``.
    home : int
        Position of the home country (the US in the study).
    targets : (float, float)
        Target moments for the rest and for home.

    Returns
    -------
    (float, float)

    Notes
    -----
    Aggregate to two regions, 1 = rest, 2 = home, with flows :math:`X` and
    GDP :math:`Y`. With the deficits of the construction,
    :math:`E_r = Y_r + (1-\nu_r)(\sum_k X_{kr} - \sum_k (1-\nu_k) X_{rk})`,
    and the domestic-sales shares
    :math:`s_1 = (E_1 - X_{21})/(E_1 - X_{21} + X_{12})`,
    :math:`s_2 = (E_2 - X_{12})/(E_2 - X_{12} + X_{21})`, solve
    :math:`s_1\nu_1 + (1-s_1)\nu_2 = 0.12` and
    :math:`(1-s_2)\nu_1 + s_2\nu_2 = 0.26` by Newton's method (2×2, numeric
    Jacobian). On the study's data this gives (0.114335, 0.270471), the
    values with which the 194-country results of the authors' MATLAB code
    (their ``output_map.csv``) are reproduced to four decimals.
    """
    x = np.array(flows, dtype=float)
    np.fill_diagonal(x, 0.0)
    y = np.asarray(gdp, dtype=float)
    rest = np.ones(len(y), dtype=bool)
    rest[home] = False
    agg = np.array([rest, ~rest], dtype=float)
    xa, ya = agg @ x @ agg.T, agg @ y

    def moments(nu: FloatArray) -> FloatArray:
        e = ya + (1 - nu) * (xa.sum(axis=0) - ((1 - nu)[None, :] * xa).sum(axis=1))
        s1 = (e[0] - xa[1, 0]) / (e[0] - xa[1, 0] + xa[0, 1])
        s2 = (e[1] - xa[0, 1]) / (e[1] - xa[0, 1] + xa[1, 0])
        return np.array(
            [s1 * nu[0] + (1 - s1) * nu[1], (1 - s2) * nu[0] + s2 * nu[1]]
        ) - np.asarray(targets)

    nu = np.array(targets, dtype=float)
    for _ in range(50):
        f = moments(nu)
        if np.abs(f).max() < tol:
            return float(nu[0]), float(nu[1])
        h = 1e-7
        jac = np.column_stack([(moments(nu + h * np.eye(2)[k]) - f) / h for k in range(2)])
        nu = nu - np.linalg.solve(jac, f)
    raise DealspaceError.single(
        "local shares",
        f"calibration did not converge (moments off by {np.abs(f).max():.2e})",
        "give local_share explicitly",
    )


def build_economy(
    iso3: Sequence[str],
    flows: ArrayLike,
    gdp: ArrayLike | None = None,
    *,
    local_share: str | float | ArrayLike = "calibrate",
    tariffs: ArrayLike | None = None,
    names: Sequence[str] = (),
    unit: str = "thousand USD",
    source: str = "",
    rates: Mapping[str, Mapping[str, float]] | None = None,
    home: str = HOME,
) -> Economy:
    r"""Build the baseline :class:`Economy` from flows and GDP (the study's construction).

    Parameters
    ----------
    iso3 : sequence of str
        Region codes in the order of ``flows``.
    flows : (N, N) array_like
        :math:`X_{ji}` at producer prices, exporter rows. If the diagonal is
        empty it is filled with domestic absorption from GDP (module
        docstring); if it is filled everywhere it is used as given.
    gdp : (N,) array_like, optional
        GDP in the unit of ``flows``; needed to fill the diagonal and to
        calibrate the local shares.
    local_share : "calibrate", float or (N,) array_like
        :math:`\nu`: calibrated with :func:`calibrate_local_share` (needs the
        ``home`` region), one value for all, or one per region. 0 gives the
        textbook construction (deficit = imports − exports).
    tariffs : (N, N) array_like, optional
        Baseline tariffs (importer column on exporter row).
    names, unit, source, rates
        Passed to :class:`Economy`.
    home : str
        The region whose local share is calibrated separately.

    Returns
    -------
    Economy
    """
    codes = tuple(str(c) for c in iso3)
    n = len(codes)
    x = np.array(flows, dtype=float)
    if x.shape != (n, n):
        raise DealspaceError.single(
            "flows",
            f"has shape {x.shape} for {n} regions",
            "give a square matrix in the order of iso3",
        )
    y = None if gdp is None else np.asarray(gdp, dtype=float)
    if y is not None and (y.shape != (n,) or not np.isfinite(y).all() or (y <= 0).any()):
        raise DealspaceError.single(
            "gdp", "must be one positive number per region", "check the GDP table"
        )
    nu = _local_share(local_share, codes, x, y, home)
    diag = np.diag(x).copy()
    if (diag > 0).all():
        full = x
    elif (diag == 0).all():
        if y is None:
            raise DealspaceError.single(
                "gdp",
                "is missing but the flows have no domestic absorption",
                "give a GDP table (iso3, gdp) or fill the diagonal of the flows",
            )
        full = _fill_domestic(x, y, nu)
    else:
        partial = [codes[i] for i in np.flatnonzero(diag == 0)][:8]
        raise DealspaceError.single(
            "flows",
            f"domestic absorption (exporter = importer) is given for some regions but not for {partial}",
            "give it for every region or for none (then it is built from GDP)",
        )
    return Economy(
        iso3=codes,
        flows=full,
        local_share=nu,
        tariffs=np.zeros((n, n)) if tariffs is None else np.asarray(tariffs, dtype=float),
        names=tuple(names),
        gdp=y if y is not None else np.zeros(0),
        unit=unit,
        source=source,
        rates={k: dict(v) for k, v in (rates or {}).items()},
    )


def _local_share(
    spec: str | float | ArrayLike,
    codes: tuple[str, ...],
    x: FloatArray,
    y: FloatArray | None,
    home: str,
) -> FloatArray:
    n = len(codes)
    if isinstance(spec, str):
        if spec != "calibrate":
            raise DealspaceError.single(
                "local_share",
                f"unknown option {spec!r}",
                "use 'calibrate', a number in [0, 1) or one number per region",
            )
        if home not in codes or y is None:
            raise DealspaceError.single(
                "local_share",
                f"cannot be calibrated without GDP and a {home!r} region",
                "give local_share as a number (0 for the textbook model)",
            )
        rest, own = calibrate_local_share(x, y, codes.index(home))
        nu = np.full(n, rest)
        nu[codes.index(home)] = own
        return nu
    return np.broadcast_to(np.asarray(spec, dtype=float), (n,)).copy()


def _fill_domestic(x: FloatArray, y: FloatArray, nu: FloatArray) -> FloatArray:
    imports = x.sum(axis=0)
    deficit = (1 - nu) * (imports - ((1 - nu)[None, :] * x).sum(axis=1))
    full = x.copy()
    np.fill_diagonal(full, np.maximum(y + deficit - imports, 0.0))
    return full


def aggregate(
    economy: Economy, groups: Mapping[str, Sequence[str]], names: Mapping[str, str] | None = None
) -> Economy:
    """Merge regions into groups (e.g. the EU-27), summing flows and GDP.

    Parameters
    ----------
    economy : Economy
        With zero baseline tariffs and one local share within each group.
    groups : mapping
        New code → member codes; every region must be in exactly one group.
    names : mapping, optional
        New code → display name.

    Returns
    -------
    Economy
        Flows within a group become its domestic absorption, so expenditure,
        income and deficits of a group are the sums over its members.
    """
    index = {c: k for k, c in enumerate(economy.iso3)}
    seen: dict[str, str] = {}
    for group, members in groups.items():
        for code in members:
            if code not in index:
                raise DealspaceError.single(
                    f"groups[{group!r}]", f"unknown region {code!r}", "use codes of the economy"
                )
            if code in seen:
                raise DealspaceError.single(
                    f"groups[{group!r}]",
                    f"{code!r} is also in {seen[code]!r}",
                    "put each region in one group",
                )
            seen[code] = group
    missing = [c for c in economy.iso3 if c not in seen]
    if missing:
        raise DealspaceError.single(
            "groups",
            f"{len(missing)} regions are in no group, e.g. {missing[:5]}",
            "add a rest-of-world group",
        )
    if np.any(economy.tariffs):
        raise DealspaceError.single(
            "aggregate", "baseline tariffs are not zero", "aggregate before setting tariffs"
        )
    codes = tuple(groups)
    member = np.zeros((len(codes), economy.n))
    for g, group in enumerate(codes):
        member[g, [index[m] for m in groups[group]]] = 1.0
    nu = []
    for g in range(len(codes)):
        values = np.unique(economy.local_share[member[g] > 0])
        if len(values) > 1:
            raise DealspaceError.single(
                f"groups[{codes[g]!r}]",
                "mixes regions with different local shares",
                "group only regions with one local share",
            )
        nu.append(values[0])
    labels = names or {}
    return Economy(
        iso3=codes,
        flows=member @ economy.flows @ member.T,
        local_share=np.array(nu),
        names=tuple(labels.get(c, c) for c in codes),
        gdp=member @ economy.gdp,
        unit=economy.unit,
        source=economy.source,
    )
