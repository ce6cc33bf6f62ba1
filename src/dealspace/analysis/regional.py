"""Effects of a package beyond its parties: third countries' welfare (GE model)
and other partners' retaliation (the world model's bellwether game).

Tariff matrix of a package
    The one-sector GE model has one rate per country pair ``(i levies on j)``:
    the share-weighted sum of the scenario's tariff issues on that pair
    (``tariff.share`` of the flow each covers), the rest of the flow at the
    background rate, :math:`t_{ji} = \\sum_k s_k r_k(x_k) + (1 - \\sum_k s_k)\\, t^{bg}_{ji}`.

Welfare change of a package
    :math:`100\\,(\\hat W^{x}_c / \\hat W^{x^0}_c - 1)` for every region ``c``,
    both solved in the same background (a :data:`dealspace.economy.PRESETS`
    tariff world), :math:`x^0` the status quo.

Bellwether
    The world model's domino experiment: the first mover's outcome is forced
    (a good deal, or no deal) and the other partners play on with common
    random numbers; reported is each partner's probability of retaliating.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from dealspace.scenario.model import OptionRef, Scenario

if TYPE_CHECKING:
    from dealspace.economy import Economy
    from dealspace.world.calibration import World


def package_tariffs(
    scenario: Scenario, package: Mapping[str, OptionRef], economy: Economy, background: np.ndarray
) -> np.ndarray:
    """The GE model's tariff matrix when a package's tariff terms apply.

    Each country pair the scenario taxes gets the share-weighted sum of its
    tariff issues' rates, the rest of the flow (one minus the shares) keeping
    the ``background`` rate; every other pair keeps ``background``.
    """
    from dealspace.economy.scenario import option_rates

    t = np.array(background, dtype=float)
    pairs: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for issue in scenario.issues:
        if issue.tariff is None:
            continue
        k = issue.option_index(package[issue.id])
        assert k is not None, "checked by the caller"
        key = (economy.index(issue.tariff.on), economy.index(issue.tariff.levied_by))
        pairs.setdefault(key, []).append((issue.tariff.share, float(option_rates(issue)[k]) / 100))
    for (j, i), parts in pairs.items():
        covered = sum(share for share, _ in parts)
        t[j, i] = (
            sum(share * rate for share, rate in parts) + max(0.0, 1.0 - covered) * background[j, i]
        )
    return t


def tariff_change(
    scenario: Scenario, package: Mapping[str, OptionRef], world: str
) -> tuple[Economy, np.ndarray, dict[tuple[str, str], tuple[float, float]]]:
    """Welfare change (%) of every region when the package's tariff terms replace the status quo's.

    Both are solved in the tariff ``world`` (a preset): ``100 (Ŵ_package / Ŵ_status-quo − 1)``.

    Returns
    -------
    economy, change, rates
        The embedded economy, the change per region, and the rate (fraction)
        of each taxed pair ``(levied_by, on)`` before and after.
    """
    from dealspace.economy import load_default, preset_tariffs, solve

    economy = load_default()
    background = preset_tariffs(world, economy)
    before = package_tariffs(scenario, scenario.status_quo(), economy, background)
    after = package_tariffs(scenario, package, economy, background)
    change = 100 * (solve(economy, after).welfare_hat / solve(economy, before).welfare_hat - 1)
    rates = {}
    for issue in scenario.issues:
        if issue.tariff is not None:
            j, i = economy.index(issue.tariff.on), economy.index(issue.tariff.levied_by)
            rates[issue.tariff.levied_by, issue.tariff.on] = (
                float(before[j, i]),
                float(after[j, i]),
            )
    return economy, change, rates


def bellwether_party(scenario: Scenario) -> tuple[World, str] | None:
    """The built-in 2025 world and the first of the scenario's parties (by ``country``) that
    is one of its partners (not the large country), or None."""
    if not any(p.country for p in scenario.parties):
        return None
    from dealspace.world import load_world

    world = load_world()
    partners = {p.region for p in world.partners}
    first = next(
        (p.country for p in scenario.parties if p.country in partners and p.country != world.large),
        None,
    )
    return (world, first) if first is not None else None


#: Runs of the world model's domino experiment in the scorecard (modest: seconds).
WORLD_RUNS = 30


def bellwether(
    scenario: Scenario, runs: int = WORLD_RUNS, seed: int = 0, brief: Any = None
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """How a deal by one party shifts the others' retaliation (:mod:`dealspace.world`).

    The domino experiment forces the first mover's outcome — a good deal or
    no deal — and plays the other partners on with common random numbers.
    The first mover is the scenario's party whose ``country`` is a partner of
    the world model; without one, nothing is computed.

    ``brief`` — the main job's :class:`~dealspace.world.run.BellwetherBrief` of the
    same party — is used instead of a run of its own, so the report shows one number.

    Returns
    -------
    lines, details
        Computation lines; per partner (and ``mean``) the probability of
        retaliating after a ``good`` deal and after ``none``.
    """
    from dealspace.world import domino, retaliation_by_first

    found = bellwether_party(scenario)
    if found is None:
        return (), {}
    world, first = found
    if brief is not None and brief.bellwether == first:
        table, runs, what = brief.retaliation, brief.runs, "the report's bellwether run"
    else:
        table = retaliation_by_first(
            domino(world, first=first, runs=runs, seed=seed, outcomes=("good", "none"))
        )
        what = "domino"
    details = {
        str(k): {"good": float(row["good"]), "none": float(row["none"])}
        for k, row in table.iterrows()
    }
    lines = (
        f"world model ({what}, {runs} runs, seed {seed}): P(another partner retaliates) after a good deal for "
        f"{first} {details['mean']['good']:.3f}, after no deal {details['mean']['none']:.3f}",
        *(f"  {k}: {v['good']:.2f} vs {v['none']:.2f}" for k, v in details.items() if k != "mean"),
    )
    return lines, details
