"""dealspace: analyse and design multi-issue, cross-domain negotiations.

The public API, re-exported lazily (``import dealspace`` stays fast; numpy,
pandas and the engine load on first use)::

    import dealspace
    results = dealspace.analyze(dealspace.load_scenario("us-japan-2025"))
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from dealspace.errors import DealspaceError
from dealspace.version import __version__

if TYPE_CHECKING:
    from dealspace.pipeline import Results, Settings, analyze
    from dealspace.scenario import Scenario, list_scenarios, load_scenario
    from dealspace.space import DealSpace, compile

#: Public name → module that defines it.
_EXPORTS = {
    "Scenario": "dealspace.scenario",
    "list_scenarios": "dealspace.scenario",
    "load_scenario": "dealspace.scenario",
    "DealSpace": "dealspace.space",
    "compile": "dealspace.space",
    "Settings": "dealspace.pipeline",
    "Results": "dealspace.pipeline",
    "analyze": "dealspace.pipeline",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dealspace' has no attribute {name!r}")


__all__ = [
    "DealSpace",
    "DealspaceError",
    "Results",
    "Scenario",
    "Settings",
    "__version__",
    "analyze",
    "compile",
    "list_scenarios",
    "load_scenario",
]
