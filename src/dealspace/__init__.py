"""dealspace: analyse and design multi-issue, cross-domain negotiations."""

from dealspace.errors import DealspaceError
from dealspace.scenario import Scenario, list_scenarios, load_scenario

__version__ = "0.1.0"

__all__ = ["DealspaceError", "Scenario", "__version__", "list_scenarios", "load_scenario"]
