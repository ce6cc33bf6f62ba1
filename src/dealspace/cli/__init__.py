"""The ``dealspace`` command line: one typer app; each topic registers its
commands from its own module (``cli/<topic>.py``).

Bad input raises :class:`dealspace.errors.DealspaceError`; ``main`` prints its
message and exits with code 2, never a traceback.
"""

from __future__ import annotations

import sys

from dealspace.cli._app import app, print_error
from dealspace.errors import DealspaceError

# Each module registers its commands on ``app`` when imported.
from dealspace.cli import scenario as _scenario  # noqa: E402,F401  isort: skip
from dealspace.cli import analyze as _analyze  # noqa: E402,F401  isort: skip
from dealspace.cli import engine as _engine  # noqa: E402,F401  isort: skip
from dealspace.cli import linkage as _linkage  # noqa: E402,F401  isort: skip
from dealspace.cli import tariffs as _tariffs  # noqa: E402,F401  isort: skip
from dealspace.cli import facts as _facts  # noqa: E402,F401  isort: skip
from dealspace.cli import report as _report  # noqa: E402,F401  isort: skip
from dealspace.cli import process as _process  # noqa: E402,F401  isort: skip
from dealspace.cli import world as _world  # noqa: E402,F401  isort: skip
from dealspace.cli import robust as _robust  # noqa: E402,F401  isort: skip


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``dealspace`` script."""
    try:
        app(args=argv, standalone_mode=True)
    except DealspaceError as err:  # raised outside typer's own handling
        print_error(err)
        sys.exit(2)


__all__ = ["app", "main"]
