"""The shared typer app, consoles and small helpers of the CLI."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from dealspace.cli._lazy import LazyGroup  # noqa: E402
from dealspace.errors import DealspaceError, shorten

app = typer.Typer(
    name="dealspace",
    help="Analyse and design multi-issue, cross-domain negotiations.",
    cls=LazyGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = Console()
console_err = Console(stderr=True)


@app.callback()
def _root() -> None:
    """Analyse and design multi-issue, cross-domain negotiations."""


F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Turn a DealspaceError inside a command into one message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DealspaceError as err:
            print_error(err)
            raise typer.Exit(code=2) from None
        except OSError as err:  # a file the checks could not foresee (a disk that fails)
            name = f"'{shorten(str(err.filename))}': " if err.filename else ""
            print_error(Exception(f"{name}{err.strerror or err}"))
            raise typer.Exit(code=2) from None

    return wrapper  # type: ignore[return-value]


#: Longest line of an error message; longer lines (an echoed megabyte attribute) are cut.
MAX_LINE = 500


def print_error(err: Exception) -> None:
    """One error message on stderr (escaped: paths like ``issue[index=3]`` stay; lines cut
    at :data:`MAX_LINE` characters)."""
    text = "\n".join(shorten(line, MAX_LINE) for line in str(err).splitlines())
    console_err.print(f"[bold red]error:[/] {escape(text)}", highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """Write JSON to stdout (no colour, no wrapping) for pipes and tools."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=_jsonable) + "\n")


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
