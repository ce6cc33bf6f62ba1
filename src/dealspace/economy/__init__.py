"""Tariff economics: a general-equilibrium trade model on real trade data.

The model (:mod:`~dealspace.economy.gravity`) is the one-sector model of
Ignatenko, Lashkaripour, Macedoni and Simonovska (2025, JIE 157:104138),
solved in changes with Newton's method; :mod:`~dealspace.economy.baseline`
builds baseline economies and :mod:`~dealspace.economy.data` loads them;
:mod:`~dealspace.economy.policy` holds optimal tariffs, retaliation, named
tariff presets and base worlds; :mod:`~dealspace.economy.schedule` the dated
schedule of US tariff changes behind the rates in force on a date;
:mod:`~dealspace.economy.regions` aggregates
countries into regions for display; :mod:`~dealspace.economy.scenario` prices
a scenario's tariff issues; :mod:`~dealspace.economy.effects` the tariff
effects a scenario's report shows; :mod:`~dealspace.economy.facts` the sourced numbers behind
common claims. Full documentation: ``docs/economy.md``.
"""

from dealspace.economy.baseline import aggregate, build_economy, calibrate_local_share
from dealspace.economy.data import load_data, load_default, load_regions, load_study, load_tables
from dealspace.economy.gravity import Economy, Equilibrium, ModelParams, residuals, solve
from dealspace.economy.policy import (
    BASES,
    PRESETS,
    RETALIATION,
    base_tariffs,
    bilateral_welfare,
    changes_in_force,
    optimal_tariff,
    preset_tariffs,
    retaliate,
    set_rates,
    tariffs_in_force,
)
from dealspace.economy.regions import display_groups, regional_frame

__all__ = [
    "BASES",
    "PRESETS",
    "RETALIATION",
    "Economy",
    "Equilibrium",
    "ModelParams",
    "aggregate",
    "base_tariffs",
    "bilateral_welfare",
    "build_economy",
    "calibrate_local_share",
    "changes_in_force",
    "display_groups",
    "load_data",
    "load_default",
    "load_regions",
    "load_study",
    "load_tables",
    "optimal_tariff",
    "preset_tariffs",
    "regional_frame",
    "residuals",
    "retaliate",
    "set_rates",
    "solve",
    "tariffs_in_force",
]
