"""Scenarios: the data model, loading with clear errors, Genius interop, built-ins."""

from dealspace.scenario.load import list_scenarios, load_scenario
from dealspace.scenario.model import Scenario

__all__ = ["Scenario", "list_scenarios", "load_scenario"]
