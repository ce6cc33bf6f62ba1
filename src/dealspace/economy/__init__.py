"""Tariff economics: a general-equilibrium trade model on real trade data.

The model (:mod:`~dealspace.economy.gravity`) is the one-sector model of
Ignatenko, Lashkaripour, Macedoni and Simonovska (2025, JIE 157:104138),
solved in changes with Newton's method; :mod:`~dealspace.economy.baseline`
builds baseline economies and :mod:`~dealspace.economy.data` loads them;
:mod:`~dealspace.economy.policy` holds optimal tariffs, retaliation and named
tariff presets; :mod:`~dealspace.economy.facts` the sourced numbers behind
common claims. Full documentation: ``docs/economy.md``.
"""

from dealspace.economy.baseline import aggregate, build_economy, calibrate_local_share
from dealspace.economy.data import load_data, load_default, load_study, load_tables
from dealspace.economy.gravity import Economy, Equilibrium, ModelParams, residuals, solve
from dealspace.economy.policy import (
    PRESETS,
    RETALIATION,
    bilateral_welfare,
    optimal_tariff,
    preset_tariffs,
    retaliate,
)

__all__ = [
    "PRESETS",
    "RETALIATION",
    "Economy",
    "Equilibrium",
    "ModelParams",
    "aggregate",
    "bilateral_welfare",
    "build_economy",
    "calibrate_local_share",
    "load_data",
    "load_default",
    "load_study",
    "load_tables",
    "optimal_tariff",
    "preset_tariffs",
    "residuals",
    "retaliate",
    "solve",
]
