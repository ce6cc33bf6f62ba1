r"""Price a scenario's tariff issues with the general-equilibrium model.

A tariff issue declares who levies it, on whom, and the share of the
bilateral flow it covers (``tariff: {levied_by: USA, on: JPN, share: 0.35}``;
codes may be countries or regions such as ``EU``). The one-sector model sees
one rate per country pair, the share-weighted sum

.. math:: t_{ji} = \sum_k s_k\, r_k(x_k) + \Big(1 - \sum_k s_k\Big)\, t^{base}_{ji}

over the scenario's issues ``k`` on that pair (shares of one pair add up to at
most 1, checked when the scenario is loaded; the rest of the flow keeps the
base world's rate).

Base world
    Every other rate is that of the base world the scenario names
    (``economy: {base: ...}``, :data:`dealspace.economy.policy.BASES`); the
    default ``in-force`` takes the US rates in force at the scenario's
    ``date`` (:func:`dealspace.economy.policy.tariffs_in_force`, the dated
    schedule of :mod:`dealspace.economy.schedule`), e.g. the pause's 10 %
    for most partners on a date in July 2025.

Joint pricing
    Issues on the same country pair act on the same flow; their effects are
    not additive, so they are priced *jointly*: the model is solved for every
    combination of their options (a *group*), the other groups at their
    status quo. ``W_g[r, c] = 100 (Ŵ_c − 1)`` is the welfare change (%) of
    region ``c`` against the no-tariff baseline for row ``r`` of group
    ``g``'s option grid. One issue's own table (other issues of its group at
    their status quo) is a slice of the joint table. As the pair's rate
    depends on the options only through the covered rate
    :math:`S = \sum_k s_k r_k`, each distinct ``S`` is solved once (beyond
    :data:`CHEBYSHEV_NODES` distinct values, welfare is interpolated in ``S``
    between Chebyshev nodes, to 1e-8 percentage points).

Values of a party (``value: economy``, country ``c``)
    with ``points_per_welfare_pct = p``: ``v = p · (W[r, c] − W[sq, c])``,
    utility points already, so the issue weight is *not* applied again;
    otherwise ``v = (W[r, c] − min W) / (max W − min W)`` (worst 0, best 1),
    multiplied by the issue weight like any hand-set value (a group's joint
    value by the sum of its issues' weights).

Reference: the model is that of Ignatenko, Lashkaripour, Macedoni and
Simonovska (2025), "Making America Great Again? The Economic Impacts of
Liberation Day Tariffs", JIE 157:104138; see :mod:`dealspace.economy.gravity`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dealspace.errors import DealspaceError, Problem, did_you_mean

if TYPE_CHECKING:
    import pandas as pd

    from dealspace.economy.gravity import Economy, Equilibrium, FloatArray, ModelParams
    from dealspace.scenario.model import Issue, Scenario

#: Largest option grid of one group of tariff issues priced jointly.
MAX_JOINT_ROWS = 2_000
#: Solves per group at most: beyond this many distinct rates, welfare is interpolated between Chebyshev nodes.
CHEBYSHEV_NODES = 12
#: Weights and GE magnitudes "contradict" when their ratios differ by more than this factor.
CONTRADICTION_FACTOR = 2.0


@dataclass(frozen=True)
class TariffPricing:
    """Welfare change (%) of every region for the option combinations of each group of tariff issues.

    ``groups[g]`` are the issues on one country pair; ``grid[g][r, k]`` is the
    option index of issue ``groups[g][k]`` in row ``r`` (C order, the last
    issue fastest); ``joint[g][r, c]`` the welfare change of region ``c``
    (a country, or a region code a party uses) in that row, every other
    group at its status quo; ``welfare[issue]`` the issue's own table (the
    other issues of its group at their status quo).
    """

    regions: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    grid: tuple[np.ndarray, ...]
    joint: tuple[np.ndarray, ...]
    welfare: dict[str, np.ndarray]
    rates: dict[str, np.ndarray]
    base: str
    date: str | None
    base_rates: dict[tuple[str, str], float]
    source: str
    revenue: str
    warnings: tuple[str, ...] = ()

    def group_of(self, issue_id: str) -> int:
        """Index of the group holding ``issue_id``."""
        return next(g for g, members in enumerate(self.groups) if issue_id in members)

    def status_quo_row(self, scenario: Scenario, g: int) -> int:
        """Row of group ``g``'s grid where every issue is at its status quo."""
        target = np.array([scenario.issue(i).status_quo_index for i in self.groups[g]])
        return int(np.flatnonzero((self.grid[g] == target).all(axis=1))[0])

    def to_frame(self, scenario: Scenario) -> pd.DataFrame:
        """Long table of the issues' own tables: issue, option, rate_pct, iso3, welfare_pct."""
        import pandas as pd

        rows = []
        for issue_id, table in self.welfare.items():
            issue = scenario.issue(issue_id)
            for k, option in enumerate(issue.option_ids):
                for c, region in enumerate(self.regions):
                    rows.append(
                        {
                            "issue": issue_id,
                            "option": issue.label(option),
                            "rate_pct": float(self.rates[issue_id][k]),
                            "iso3": region,
                            "welfare_pct": float(table[k, c]),
                        }
                    )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: base world, groups with their grids and joint tables."""
        return {
            "base": self.base,
            "date": self.date,
            "revenue": self.revenue,
            "source": self.source,
            "regions": list(self.regions),
            "base_rates_pct": {f"{a}:{b}": 100 * r for (a, b), r in self.base_rates.items()},
            "warnings": list(self.warnings),
            "groups": [
                {
                    "issues": list(members),
                    "grid": self.grid[g].tolist(),
                    "welfare_pct": np.round(self.joint[g], 12).tolist(),
                }
                for g, members in enumerate(self.groups)
            ],
        }


def option_rates(issue: Issue) -> np.ndarray:
    """The tariff rate (%) each option of a tariff issue stands for."""
    assert issue.tariff is not None
    if issue.tariff.rates is not None:
        rates = np.zeros(len(issue.option_ids))
        for key, rate in issue.tariff.rates.items():
            k = issue.option_index(key)
            assert k is not None, "checked at load"
            rates[k] = rate
        return rates
    return np.array(issue.option_ids, dtype=float)


def tariff_groups(scenario: Scenario) -> tuple[tuple[str, ...], ...]:
    """Tariff issues grouped by the country pair ``(levied_by, on)`` they act on, in scenario order."""
    groups: dict[tuple[str, str], list[str]] = {}
    for issue in scenario.issues:
        if issue.tariff is not None:
            groups.setdefault((issue.tariff.levied_by, issue.tariff.on), []).append(issue.id)
    return tuple(tuple(v) for v in groups.values())


def data_path(scenario: Scenario) -> str:
    """``economy.data`` as a path to read: a relative path is taken from the scenario
    file's folder when it exists there (as a user writes it next to the scenario), else
    from the working directory; names (``default``, ``regions``) and absolute paths as given."""
    data = scenario.economy.data if scenario.economy is not None else "default"
    if data in ("default", "regions") or Path(data).is_absolute():
        return data
    origin = Path(scenario.origin)
    beside = origin.parent / data
    if origin.is_file() and beside.exists():
        return str(beside)
    return data


def scenario_economy(scenario: Scenario) -> tuple[Economy, ModelParams]:
    """The economy and model parameters a scenario names (``economy: {data, revenue}``)."""
    from dealspace.economy.data import load_data
    from dealspace.economy.gravity import ModelParams

    settings = scenario.economy
    try:
        economy = load_data(None if settings is None else data_path(scenario))
    except DealspaceError as err:
        raise DealspaceError(_data_problems(scenario, err), scenario.origin) from None
    revenue = settings.revenue if settings is not None else "lump-sum"
    return economy, ModelParams(revenue_use=revenue)


def _data_problems(scenario: Scenario, err: DealspaceError) -> list[Problem]:
    """The problems of ``economy.data`` as problems of the scenario's field."""
    data = scenario.economy.data if scenario.economy is not None else "default"
    return [
        Problem(
            "economy.data",
            f"'{data}' cannot be used: {p.what if p.where in ('', str(data)) else str(p)}",
            p.fix or "give 'default', 'regions' or the path of an economy folder or trade file",
        )
        for p in err.problems
    ]


def economy_problems(scenario: Scenario) -> list[Problem]:
    """Every problem the GE pricing of the scenario would meet, found without solving the model:
    ``economy.data`` that cannot be read, country and region codes the data lacks, and
    tariff issues on one flow with too many option combinations to price jointly."""
    needs = has_economy(scenario)
    if not needs:
        return []
    try:
        economy, _ = scenario_economy(scenario)
    except DealspaceError as err:
        return list(err.problems)
    problems = _region_problems(scenario, economy)
    for group in tariff_groups(scenario):
        rows = math.prod(len(scenario.issue(i).option_ids) for i in group)
        if rows > MAX_JOINT_ROWS:
            problems.append(
                Problem(
                    "economy",
                    f"the tariff issues {', '.join(group)} act on one flow and have {rows:,} option "
                    f"combinations to price jointly (limit {MAX_JOINT_ROWS:,})",
                    "use fewer options (a larger step) or fewer issues on one country pair",
                )
            )
    return problems


def has_economy(scenario: Scenario) -> bool:
    """Whether any analysis of the scenario uses the economy data: a tariff issue, a
    ``value: economy`` valuation or an ``economy:`` block naming its data."""
    return (
        any(issue.tariff is not None for issue in scenario.issues)
        or any(v.value == "economy" for p in scenario.parties for v in p.valuations.values())
        or (scenario.economy is not None and scenario.economy.data != "default")
    )


def base_name(scenario: Scenario) -> str:
    """The scenario's base world (``economy.base``, default ``in-force``)."""
    return str(getattr(scenario.economy, "base", None) or "in-force")


def scenario_base(scenario: Scenario, economy: Economy, params: ModelParams) -> FloatArray:
    """The base world's tariff matrix for a scenario (its ``base`` at its ``date``)."""
    from dealspace.economy.policy import base_tariffs

    return base_tariffs(economy, base_name(scenario), scenario.date, params)


def package_tariffs(
    scenario: Scenario, economy: Economy, base: FloatArray, choice: Mapping[str, int]
) -> FloatArray:
    """The tariff matrix with each tariff issue at option index ``choice[issue]`` (status quo if absent).

    Each pair the scenario taxes gets the share-weighted sum of its issues'
    rates plus the uncovered share at the base rate (module docstring); a
    region code sets the rate of each member country.
    """
    from dealspace.economy.regions import members

    t = np.array(base, dtype=float)
    pairs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for issue in scenario.issues:
        if issue.tariff is None:
            continue
        k = choice.get(issue.id, issue.status_quo_index)
        pairs.setdefault((issue.tariff.levied_by, issue.tariff.on), []).append(
            (issue.tariff.share, float(option_rates(issue)[k]) / 100)
        )
    for (by, on), parts in pairs.items():
        covered = sum(share for share, _ in parts)
        for i in members(economy, by):
            for j in members(economy, on):
                if i != j:
                    t[j, i] = (
                        sum(share * rate for share, rate in parts)
                        + max(0.0, 1.0 - covered) * base[j, i]
                    )
    return t


def price_tariffs(scenario: Scenario) -> TariffPricing:
    """Solve the GE model for every option combination of every group of tariff issues (module docstring)."""
    from dealspace.economy.regions import members

    economy, params = scenario_economy(scenario)
    problems = _region_problems(scenario, economy)
    if problems:
        raise DealspaceError(problems, scenario.origin)
    base = scenario_base(scenario, economy, params)
    regions = _party_regions(scenario, economy)
    index = [members(economy, r) for r in regions]
    groups = tariff_groups(scenario)
    grids, joint = [], []
    for group in groups:
        issues = [scenario.issue(i) for i in group]
        rows = math.prod(len(i.option_ids) for i in issues)
        if rows > MAX_JOINT_ROWS:
            raise DealspaceError.single(
                "economy",
                f"the tariff issues {', '.join(group)} act on one flow and have {rows:,} option combinations to price jointly (limit {MAX_JOINT_ROWS:,})",
                "use fewer options (a larger step) or fewer issues on one country pair",
                source=scenario.origin,
            )
        grid = np.stack(
            [
                g.ravel()
                for g in np.meshgrid(*[np.arange(len(i.option_ids)) for i in issues], indexing="ij")
            ],
            axis=1,
        )
        covered = np.array([scenario.issue(i).tariff.share for i in group])  # type: ignore[union-attr]
        level = (
            np.stack([option_rates(i)[grid[:, k]] for k, i in enumerate(issues)], axis=1) / 100
        ) @ covered
        table = _welfare_along(scenario, economy, base, params, group, level, index)
        grids.append(grid.astype(np.int64))
        joint.append(table)
    pricing = TariffPricing(
        regions=regions,
        groups=groups,
        grid=tuple(grids),
        joint=tuple(joint),
        welfare={},
        rates={i.id: option_rates(i) for i in scenario.issues if i.tariff is not None},
        base=base_name(scenario),
        date=scenario.date,
        base_rates=_base_rates(scenario, economy, base),
        source=economy.source,
        revenue=params.revenue_use,
    )
    for g, group in enumerate(groups):
        sq = pricing.grid[g][pricing.status_quo_row(scenario, g)]
        for k, issue_id in enumerate(group):
            others = np.delete(np.arange(len(group)), k)
            mask = (pricing.grid[g][:, others] == sq[others]).all(axis=1)
            order = np.argsort(pricing.grid[g][mask, k])
            pricing.welfare[issue_id] = pricing.joint[g][mask][order]
    return replace(pricing, warnings=_contradictions(scenario, pricing))


def _welfare_along(
    scenario: Scenario,
    economy: Economy,
    base: FloatArray,
    params: ModelParams,
    group: tuple[str, ...],
    level: np.ndarray,
    index: list[list[int]],
) -> np.ndarray:
    """Welfare (%) of each party region for each covered rate ``S = Σ_k s_k r_k`` of one pair's flow.

    The pair's rate is :math:`S + (1 - \\sum_k s_k) t^{base}`, so welfare is
    a smooth function of the scalar ``S``. With at most
    :data:`CHEBYSHEV_NODES` distinct values each is solved; with more, the
    model is solved at that many Chebyshev nodes on ``[min S, max S]`` and
    welfare interpolated (error below 1e-8 percentage points on the study's
    data, checked against direct solves in the tests).
    """
    from numpy.polynomial import chebyshev

    from dealspace.economy.gravity import solve

    weights = economy.expenditure
    pair = scenario.issue(group[0]).tariff
    assert pair is not None
    covered = math.fsum(
        spec.share for spec in (scenario.issue(i).tariff for i in group) if spec is not None
    )
    distinct = np.unique(level)
    lo, hi = float(distinct[0]), float(distinct[-1])
    exact = len(distinct) <= CHEBYSHEV_NODES
    k = np.arange(CHEBYSHEV_NODES)
    unit = np.cos(np.pi * (k + 0.5) / CHEBYSHEV_NODES)[::-1]
    points = distinct if exact else lo + (hi - lo) * (unit + 1) / 2
    values = np.zeros((len(points), len(index)))
    last: Equilibrium | None = None
    for r, value in enumerate(points):
        t = _pair_rate(economy, base, pair.levied_by, pair.on, float(value), covered)
        last = solve(economy, t, params, start=last)
        w = 100 * (last.welfare_hat - 1)
        values[r] = [float(np.average(w[idx], weights=weights[idx])) for idx in index]
    if exact:
        return values[np.searchsorted(distinct, level)]
    coef = chebyshev.chebfit(unit, values, CHEBYSHEV_NODES - 1)
    return np.asarray(chebyshev.chebval(2 * (level - lo) / (hi - lo) - 1, coef).T)


def _pair_rate(
    economy: Economy, base: FloatArray, levied_by: str, on: str, level: float, covered: float
) -> FloatArray:
    from dealspace.economy.regions import members

    t = np.array(base, dtype=float)
    for i in members(economy, levied_by):
        for j in members(economy, on):
            if i != j:
                t[j, i] = level + max(0.0, 1.0 - covered) * base[j, i]
    return t


def points_mode(scenario: Scenario) -> bool:
    """True when ``points_per_welfare_pct`` is set: economy values are utility points, not weighted again."""
    return scenario.economy is not None and scenario.economy.points_per_welfare_pct is not None


def economy_values(
    scenario: Scenario, pairs: Iterable[tuple[str, str]], pricing: TariffPricing | None = None
) -> dict[tuple[str, str], np.ndarray]:
    """Per-issue value tables ``(party, issue) → v(option)`` for ``value: economy`` valuations.

    Each issue's own table (the other issues on its flow at their status
    quo). With ``points_per_welfare_pct`` the values are final utility
    points (:func:`points_mode`: the caller must not multiply them by the
    issue weight); otherwise scaled 0..1 and to be multiplied by the weight.
    The joint values of issues on one flow are :func:`joint_values`.
    """
    pricing = pricing or price_tariffs(scenario)
    points = scenario.economy.points_per_welfare_pct if scenario.economy else None
    out = {}
    for party_id, issue_id in pairs:
        party = scenario.party(party_id)
        issue = scenario.issue(issue_id)
        assert party.country is not None, "checked at load"
        w = pricing.welfare[issue_id][:, pricing.regions.index(party.country)]
        out[party_id, issue_id] = _scale(w, w[issue.status_quo_index], points)
    return out


def joint_values(
    scenario: Scenario, pricing: TariffPricing | None = None
) -> dict[tuple[str, tuple[str, ...]], np.ndarray]:
    """Joint value tables ``(party, group) → v(row of the group's grid)``, weights applied.

    For every party with ``value: economy`` on an issue of a group of
    tariff issues on one flow (:attr:`TariffPricing.groups`, rows of
    :attr:`TariffPricing.grid`): ``p · (W − W_sq)`` with points per welfare
    %, else ``(Σ weights of its economy issues in the group) · (W − min W) /
    (max W − min W)``. A deal space merges the group into one compound issue
    and uses these instead of the per-issue values.
    """
    pricing = pricing or price_tariffs(scenario)
    points = scenario.economy.points_per_welfare_pct if scenario.economy else None
    out = {}
    for party in scenario.parties:
        for g, group in enumerate(pricing.groups):
            valued = [
                i for i in group if i in party.valuations and party.valuations[i].value == "economy"
            ]
            if not valued or party.country is None:
                continue
            w = pricing.joint[g][:, pricing.regions.index(party.country)]
            v = _scale(w, w[pricing.status_quo_row(scenario, g)], points)
            weight = 1.0 if points is not None else sum(party.valuations[i].weight for i in valued)
            out[party.id, group] = weight * v
    return out


def package_welfare(scenario: Scenario, package: Mapping[str, Any]) -> dict[str, float]:
    """Welfare change (%) of every party region when the package's tariff terms hold (one solve, exact)."""
    from dealspace.economy.gravity import solve
    from dealspace.economy.regions import members

    economy, params = scenario_economy(scenario)
    base = scenario_base(scenario, economy, params)
    choice = {}
    for issue in scenario.issues:
        if issue.tariff is not None and issue.id in package:
            k = issue.option_index(package[issue.id])
            if k is None:
                raise DealspaceError.single(
                    f"package.{issue.id}",
                    f"'{package[issue.id]}' is not an option",
                    did_you_mean(str(package[issue.id]), map(str, issue.option_ids)),
                )
            choice[issue.id] = k
    w = 100 * (
        solve(economy, package_tariffs(scenario, economy, base, choice), params).welfare_hat - 1
    )
    weights = economy.expenditure
    return {
        r: float(np.average(w[members(economy, r)], weights=weights[members(economy, r)]))
        for r in _party_regions(scenario, economy)
    }


def weight_warnings(scenario: Scenario) -> tuple[str, ...]:
    """Where a party's argued weights contradict the GE magnitudes of its ``value: economy`` issues.

    For two such issues ``a, b`` of one party, the weights claim
    ``w_a / w_b``; the model says ``ΔW_a / ΔW_b``, the spans (max − min) of
    the party's welfare over each issue's options. A warning is given when
    the two orderings are opposite or the ratios differ by more than
    :data:`CONTRADICTION_FACTOR`. With ``points_per_welfare_pct`` the weights
    are not used for these issues, and nothing is said.
    """
    if points_mode(scenario) or not any(i.tariff for i in scenario.issues):
        return ()
    return price_tariffs(scenario).warnings


def _contradictions(scenario: Scenario, pricing: TariffPricing) -> tuple[str, ...]:
    if points_mode(scenario):
        return ()
    out = []
    for party in scenario.parties:
        valued = [(i, v.weight) for i, v in party.valuations.items() if v.value == "economy"]
        if party.country is None or len(valued) < 2:
            continue
        c = pricing.regions.index(party.country)
        spans = {i: float(np.ptp(pricing.welfare[i][:, c])) for i, _ in valued}
        for a, (ia, wa) in enumerate(valued):
            for ib, wb in valued[a + 1 :]:
                if min(wa, wb, spans[ia], spans[ib]) <= 0:
                    continue
                claimed, model = wa / wb, spans[ia] / spans[ib]
                if (claimed - 1) * (model - 1) < 0 or max(
                    claimed / model, model / claimed
                ) > CONTRADICTION_FACTOR:
                    out.append(
                        f"{party.id}: the weights make '{ia}' worth {claimed:.2g}× '{ib}' ({wa:g} vs {wb:g}); the GE model, "
                        f"{model:.2g}× (welfare spans {spans[ia]:.3f} vs {spans[ib]:.3f} pp for {party.country})"
                    )
    return tuple(out)


def _scale(w: np.ndarray, sq: float, points: float | None) -> np.ndarray:
    if points is not None:
        return points * (w - sq)
    span = w.max() - w.min()
    return (w - w.min()) / span if span > 0 else np.zeros_like(w)


def _party_regions(scenario: Scenario, economy: Economy) -> tuple[str, ...]:
    """Every country of the economy, plus region codes the parties use (e.g. EU)."""
    extra = [p.country for p in scenario.parties if p.country and p.country not in economy.iso3]
    return tuple(economy.iso3) + tuple(dict.fromkeys(str(c) for c in extra))


def _base_rates(
    scenario: Scenario, economy: Economy, base: FloatArray
) -> dict[tuple[str, str], float]:
    from dealspace.economy.regions import members

    out = {}
    for issue in scenario.issues:
        if issue.tariff is not None:
            i, j = members(economy, issue.tariff.levied_by), members(economy, issue.tariff.on)
            out[issue.tariff.levied_by, issue.tariff.on] = float(
                np.mean([base[b, a] for a in i for b in j if a != b])
            )
    return out


def _region_problems(scenario: Scenario, economy: Economy) -> list[Problem]:
    """Country and region codes of tariff issues and of parties valuing the economy that the data lacks."""
    from dealspace.economy.regions import display_groups

    problems = []
    known = [*economy.iso3, *display_groups(economy)]
    for d, domain in enumerate(scenario.domains):
        for k, issue in enumerate(domain.issues):
            if issue.tariff is None:
                continue
            for key in ("levied_by", "on"):
                code = getattr(issue.tariff, key)
                if code not in known:
                    problems.append(
                        Problem(
                            f"domains[{d}].issues[{k}].tariff.{key}",
                            f"'{code}' is not a country or region of the economy data",
                            did_you_mean(code, known),
                        )
                    )
    for p, party in enumerate(scenario.parties):
        uses = any(v.value == "economy" for v in party.valuations.values())
        if uses and party.country not in known:
            problems.append(
                Problem(
                    f"parties[{p}].country",
                    f"'{party.country}' is not a country or region of the economy data",
                    did_you_mean(str(party.country), known),
                )
            )
    return problems
