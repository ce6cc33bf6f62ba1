"""The ``dealspace`` command line: one typer app; each topic registers its
commands from its own module (``cli/<topic>.py``).

Bad input raises :class:`dealspace.errors.DealspaceError`; ``main`` prints its
message and exits with code 2, never a traceback.
"""

from __future__ import annotations

import sys

from dealspace.cli._app import app, print_error
from dealspace.errors import DealspaceError

# Each command's module registers it on ``app`` when the command first runs
# (dealspace.cli._lazy), so `dealspace --help` imports none of the engine.


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``dealspace`` script."""
    try:
        app(args=argv, standalone_mode=True)
    except DealspaceError as err:  # raised outside typer's own handling
        print_error(err)
        sys.exit(2)


__all__ = ["app", "main"]
