r"""Tariff settings for the model: optimal tariffs, retaliation, named presets.

Tariff matrices follow :mod:`dealspace.economy.gravity`: ``t[j, i]`` is the
rate importer ``i`` (column) levies on goods from exporter ``j`` (row).

Optimal uniform tariff (closed form used by Ignatenko et al. 2025)
    For country :math:`c` with pass-through :math:`\varphi_c` and trade
    elasticity :math:`\varepsilon`,

    .. math:: t^* = \frac{1}{(1+\delta_c\varepsilon)\varphi_c - 1},\qquad
              \delta_c = \frac{\sum_{j\ne c} X_{cj}(1-\nu_j)(1-\lambda_{cj})}
                              {(1-\nu_c)(Z_c - X_{cc})},

    with :math:`Z_c = E_c` (the study's unilateral US tariff, Table 1 case 3)
    or :math:`Z_c = Y_c` (the study's retaliation). With :math:`\varphi = 1`,
    :math:`\nu = 0`, two countries and balanced trade it is the textbook
    :math:`t^* = 1/(\varepsilon\lambda_{ff})`, :math:`\lambda_{ff}` the
    partner's domestic share (Gros 1987; Costinot and Rodríguez-Clare 2014),
    which holds exactly when the shares are those of the optimum.

Retaliation against a target (the US in the study)
    ``"none"``; ``"reciprocal"``: each partner levies on the target's goods
    the rate the target levies on it; ``"optimal"``: the closed form applied
    to the two-region aggregate (target, rest), :math:`Z = Y`, levied by every
    partner :math:`i` with its own :math:`\varphi_i`.

References
----------
Ignatenko, A., Lashkaripour, A., Macedoni, L. and Simonovska, I. (2025).
*Journal of International Economics* 157, 104138.
Gros, D. (1987). "A Note on the Optimal Tariff, Retaliation and the Welfare
Loss from Tariff Wars in a Framework with Intra-Industry Trade". *Journal of
International Economics* 23, 357–367.
Costinot, A. and Rodríguez-Clare, A. (2014). "Trade Theory with Numbers".
*Handbook of International Economics* 4, 197–261.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from dealspace.economy.gravity import Economy, FloatArray, ModelParams, solve
from dealspace.economy.schedule import RateChange
from dealspace.errors import DealspaceError, did_you_mean

US = "USA"
BASELINE_FLOOR = 0.10  # the 10 % universal tariff of 5 April 2025
RETALIATION = ("none", "reciprocal", "optimal")
PRESETS = {
    "liberation-day": "US rates announced on 2 April 2025, floored at 10 % (EU 20 %), as in the study",
    "us-japan-deal": "liberation-day rates, but Japan at 15 % (deal of 22 July 2025)",
    "deals-2025": "liberation-day rates replaced by the 2025 deal rates where a deal is recorded",
    "optimal-us": "the closed-form optimal uniform US tariff on every partner (study's case 3)",
}


def optimal_tariff(
    economy: Economy,
    country: str = US,
    params: ModelParams | None = None,
    scale: str = "expenditure",
) -> float:
    """Closed-form optimal uniform tariff of ``country`` (module docstring).

    Parameters
    ----------
    economy : Economy
    country : str
        The tariff setter.
    params : ModelParams, optional
        Supplies :math:`\\varepsilon` and the pass-through.
    scale : {"expenditure", "income"}
        :math:`Z_c` in the denominator of :math:`\\delta_c`.

    Returns
    -------
    float
        The rate (0.218 = 21.8 %).
    """
    params = params or ModelParams()
    c = economy.index(country)
    if scale not in ("expenditure", "income"):
        raise DealspaceError.single(
            "scale", f"unknown {scale!r}", did_you_mean(scale, ("expenditure", "income"))
        )
    z = economy.expenditure if scale == "expenditure" else economy.income
    phi = params.pass_through(economy.local_share)[c]
    return float(
        _closed_form(
            economy.flows, economy.shares, economy.local_share, z, c, params.trade_elasticity, phi
        )
    )


def _closed_form(
    x: FloatArray,
    lam: FloatArray,
    nu: FloatArray,
    z: FloatArray,
    c: int,
    eps: float,
    phi: float | FloatArray,
) -> float | FloatArray:
    others = np.arange(len(nu)) != c
    delta = np.sum(x[c, others] * (1 - nu[others]) * (1 - lam[c, others])) / (
        (1 - nu[c]) * (z[c] - x[c, c])
    )
    return 1 / ((1 + delta * eps) * phi - 1)


def retaliate(
    economy: Economy,
    tariffs: ArrayLike,
    mode: str,
    target: str = US,
    params: ModelParams | None = None,
    by: Sequence[int] | None = None,
) -> FloatArray:
    """Add partners' retaliation against ``target`` to a tariff matrix.

    Parameters
    ----------
    economy : Economy
    tariffs : (N, N) array_like
        The tariffs before retaliation (e.g. a preset).
    mode : {"none", "reciprocal", "optimal"}
        See the module docstring.
    target : str
        The country retaliated against.
    params : ModelParams, optional
        For ``"optimal"``: :math:`\\varepsilon` and the pass-through.
    by : sequence of int, optional
        Positions of the partners who retaliate (a country or a bloc, e.g.
        from :func:`dealspace.economy.regions.resolve`); default every
        partner. The others keep their rates on the target's goods. The
        optimal rate is the study's closed form for the two-region (target,
        rest) aggregate whoever levies it.

    Returns
    -------
    (N, N) ndarray
        A new matrix; the input is not modified.
    """
    if mode not in RETALIATION:
        raise DealspaceError.single(
            "retaliation", f"unknown mode {mode!r}", did_you_mean(mode, RETALIATION)
        )
    t = np.array(tariffs, dtype=float)
    c = economy.index(target)
    levy = np.ones(economy.n, dtype=bool) if by is None else np.isin(np.arange(economy.n), list(by))
    levy[c] = False
    if mode == "reciprocal":
        t[c, levy] = t[levy, c]
    elif mode == "optimal":
        params = params or ModelParams()
        rest = np.arange(economy.n) != c
        member = np.array([rest, ~rest], dtype=float)
        weights = economy.expenditure * rest
        nu = np.array(
            [np.sum(economy.local_share * weights) / weights.sum(), economy.local_share[c]]
        )
        flows = member @ economy.flows @ member.T
        shares = flows / flows.sum(axis=0)[None, :]
        phi = params.pass_through(economy.local_share)
        t[c, levy] = np.asarray(
            _closed_form(
                flows, shares, nu, member @ economy.income, 0, params.trade_elasticity, phi
            )
        )[levy]
    return t


def preset_tariffs(name: str, economy: Economy, params: ModelParams | None = None) -> FloatArray:
    """The new tariff matrix of a named setting (:data:`PRESETS`), US tariffs only.

    The announced and negotiated rates come from ``economy.rates``
    ("liberation-day", "deal"), filled by the loaders from the study's
    ``tariffs.csv`` and the embedded ``tariffs_2025.csv``. Baseline tariffs
    other than the US column are kept.

    Raises
    ------
    DealspaceError
        Unknown preset (with a did-you-mean hint), or partners without a rate.
    """
    if name not in PRESETS:
        raise DealspaceError.single(
            "preset", f"unknown preset {name!r}", did_you_mean(name, PRESETS)
        )
    us = economy.index(US)
    t = np.array(economy.tariffs, dtype=float)
    if name == "optimal-us":
        t[:, us] = optimal_tariff(economy, US, params)
    else:
        t[:, us] = np.maximum(_us_rates(economy, "liberation-day"), BASELINE_FLOOR)
        if name == "us-japan-deal":
            t[economy.index("JPN"), us] = 0.15
        elif name == "deals-2025":
            deal = economy.rates.get("deal", {})
            for code, rate in deal.items():
                if code in economy.iso3:
                    t[economy.index(code), us] = rate
    t[us, us] = 0.0
    return t


def _us_rates(economy: Economy, which: str) -> FloatArray:
    table = economy.rates.get(which, {})
    missing = [c for c in economy.iso3 if c != US and c not in table]
    if missing:
        raise DealspaceError.single(
            f"rates[{which!r}]",
            f"no announced US rate for {missing[:8]}" + (" …" if len(missing) > 8 else ""),
            "load data that carry the rates (the study's folder, the embedded data) or give a rates file (iso3, liberation_day_rate, deal_rate)",
        )
    return np.array([table.get(c, 0.0) for c in economy.iso3])


def bilateral_welfare(
    economy: Economy,
    levied_by: str,
    on: str,
    rate: float,
    params: ModelParams | None = None,
    base_tariffs: ArrayLike | None = None,
) -> dict[str, float]:
    """Welfare change (%) of every region when ``levied_by`` taxes imports from ``on`` at ``rate``.

    All other tariffs are as in ``base_tariffs`` (default: the economy's
    baseline). The change is measured against the economy's baseline, so a
    scenario's tariff options can be priced one by one. Pure: nothing is
    cached.

    Returns
    -------
    dict
        Region code → welfare change in percent.
    """
    i, j = economy.index(levied_by), economy.index(on)
    if i == j:
        raise DealspaceError.single(
            "bilateral_welfare",
            f"{levied_by!r} cannot levy a tariff on itself",
            "choose two different regions",
        )
    t = np.array(economy.tariffs if base_tariffs is None else base_tariffs, dtype=float)
    t[j, i] = rate
    eq = solve(economy, t, params)
    return dict(zip(economy.iso3, (100 * (eq.welfare_hat - 1)).tolist(), strict=True))


#: Base worlds a scenario's tariff issues can be priced in (besides the presets).
BASES = {
    "in-force": "the US rates in force at the scenario's date, from the dated schedule of 2025-26 "
    "(dealspace.economy.schedule): none before 2 April 2025; the announced rates (floored at 10 %, EU 20 %) "
    "from 2 April; the pause (10 % for most partners, China up to 145 % then 30 % after the Geneva truce) "
    "from 9 April; the country and deal rates from 7 August 2025; none after the Supreme Court's IEEPA "
    "ruling of 20 February 2026, then the 10 % Section 122 surcharge from 24 February 2026",
    "none": "no tariffs (the study's baseline)",
    **PRESETS,
}
LIBERATION_DAY = "2025-04-02"


def tariffs_in_force(economy: Economy, date: str | None) -> FloatArray:
    """The tariff matrix in force at ``date`` (ISO ``YYYY-MM-DD``): US tariffs only.

    Starts from the economy's baseline and applies, in date order, every
    change of the dated schedule (:func:`dealspace.economy.schedule.schedule`,
    each row with its source) effective on or before ``date``: the 2 April
    2025 announced rates (the ``liberation-day`` preset), the pause of
    9 April (10 %, not for China, Canada or Mexico), China's escalation to
    145 % and the Geneva truce (30 % from 14 May 2025), the country and deal
    rates of 7 August 2025 (Japan 15 %, EO 14345), later changes (India,
    Switzerland, the Busan truce), the Supreme Court's voiding of the IEEPA
    tariffs (20 February 2026) and the Section 122 surcharge (24 February
    2026). ``None`` means 2 April 2025. Codes the economy lacks (e.g.
    Indonesia in the 14-region aggregate) are skipped; ``EU`` sets each
    member.
    """
    from dealspace.economy.schedule import EVERY

    t = np.array(economy.tariffs, dtype=float)
    changes = changes_in_force(date)
    if not changes:
        return t
    us = economy.index(US)
    announced: FloatArray | None = None
    for change in changes:
        if change.partner == EVERY:
            exempt = {k for code in change.exempt for k in _positions(economy, code)}
            rows = [k for k in range(economy.n) if k != us and k not in exempt]
        else:
            rows = _positions(economy, change.partner)
        if change.rate is None:
            if announced is None:
                announced = preset_tariffs("liberation-day", economy)[:, us]
            t[rows, us] = announced[rows]
        else:
            t[rows, us] = change.rate
    t[us, us] = 0.0
    return t


def changes_in_force(date: str | None) -> tuple[RateChange, ...]:
    """The dated changes of the schedule effective on ``date`` (ISO; ``None``: 2 April 2025), each with its source."""
    from dealspace.economy.schedule import changes_until

    return changes_until(LIBERATION_DAY if date is None else _iso_date(date))


def _positions(economy: Economy, code: str) -> list[int]:
    """Positions of a country or region code in ``economy``; none if it lacks the code."""
    from dealspace.economy.regions import members

    try:
        return members(economy, code)
    except DealspaceError:
        return []


def base_tariffs(
    economy: Economy, base: str, date: str | None = None, params: ModelParams | None = None
) -> FloatArray:
    """The tariff matrix of a named base world (:data:`BASES`)."""
    if base not in BASES:
        raise DealspaceError.single(
            "economy.base", f"unknown base world {base!r}", did_you_mean(base, BASES)
        )
    if base == "in-force":
        return tariffs_in_force(economy, date)
    if base == "none":
        return np.array(economy.tariffs, dtype=float)
    return preset_tariffs(base, economy, params)


def set_rates(
    economy: Economy, tariffs: ArrayLike, rates: Mapping[tuple[str, str], float]
) -> FloatArray:
    """Set bilateral rates: ``{(levied_by, on): rate}`` (decimals; codes may be regions such as ``EU``).

    A region code sets the rate for each of its countries; a pair within one
    country is refused.
    """
    from dealspace.economy.regions import resolve

    t = np.array(tariffs, dtype=float)
    for (levied_by, on), rate in rates.items():
        if not np.isfinite(rate) or rate <= -1:
            raise DealspaceError.single(
                f"{levied_by}:{on}", f"rate {rate!r}", "use a finite rate above -100 %"
            )
        importers = resolve(economy, [levied_by], f"{levied_by}:{on}")
        exporters = resolve(economy, [on], f"{levied_by}:{on}")
        for i in importers:
            for j in exporters:
                if i != j:
                    t[j, i] = rate
        if set(importers) == set(exporters) and len(importers) == 1:
            raise DealspaceError.single(
                f"{levied_by}:{on}",
                "a country cannot levy a tariff on itself",
                "name two different countries",
            )
    return t


def _iso_date(text: str) -> str:
    import datetime as dt

    try:
        return dt.date.fromisoformat(str(text)[:10]).isoformat()
    except ValueError:
        raise DealspaceError.single(
            "date", f"{text!r} is not a date", "write it as YYYY-MM-DD"
        ) from None


def build_tariffs(
    economy: Economy,
    preset: str = "liberation-day",
    rates: Mapping[tuple[str, str], float] | None = None,
    retaliation: str = "none",
    retaliators: Sequence[str] | None = None,
    params: ModelParams | None = None,
    date: str | None = None,
) -> FloatArray:
    """A counterfactual tariff matrix, in this order: a base world, bilateral rates, retaliation.

    Parameters
    ----------
    preset : str
        A base world of :data:`BASES` (``"in-force"``: at ``date``, default 2 April 2025).
    rates : mapping, optional
        ``{(levied_by, on): rate}`` in decimals, set after the preset
        (:func:`set_rates`; region codes name all their countries).
    retaliation : {"none", "reciprocal", "optimal"}
        Applied last, so reciprocal retaliation mirrors the rates set.
    retaliators : sequence of str, optional
        Countries or regions that retaliate (default: every partner).
    """
    from dealspace.economy.regions import resolve

    t = base_tariffs(economy, preset, date, params)
    if rates:
        t = set_rates(economy, t, rates)
    by = None if retaliators is None else resolve(economy, retaliators, "--retaliate")
    if by is not None and US in [economy.iso3[k] for k in by]:
        raise DealspaceError.single(
            "--retaliate", "the US cannot retaliate against itself", "name the US's partners"
        )
    return retaliate(economy, t, retaliation, params=params, by=by)
