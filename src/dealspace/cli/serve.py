"""``dealspace serve``: the negotiation room (needs the ``server`` extra)."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from rich.markup import escape

from dealspace.cli._app import app, console_err, friendly
from dealspace.cli._bounds import bound
from dealspace.errors import DealspaceError
from dealspace.files import check_output

INSTALL_HINT = "the negotiation room needs the server extra: pip install 'dealspace[server]'"


@app.command()
@friendly
def serve(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database: a SQLite file (default: dealspace-room.db in this folder) or a URL "
            "such as postgresql+psycopg://user:password@host/dbname.",
        ),
    ] = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(**bound("serve", "--port"), help="Port to listen on.")
    ] = 8000,
    quiet: Annotated[bool, typer.Option("--quiet", help="No access log.")] = False,
    workers: Annotated[
        int,
        typer.Option(
            **bound("serve", "--workers"),
            help="Server processes (each with its own memory caches; one database).",
        ),
    ] = 1,
) -> None:
    """Run the negotiation room: a mediated, confidential negotiation service with a
    browser interface (http://HOST:PORT/) and a JSON API (/docs)."""
    try:
        import uvicorn

        from dealspace.server.app import create_app
    except ImportError:
        console_err.print(f"[bold red]error:[/] {escape(INSTALL_HINT)}", highlight=False)
        raise typer.Exit(code=2) from None
    from sqlalchemy.exc import SQLAlchemyError

    from dealspace.server.app import DB_ENV

    sqlite = _sqlite_path(db)
    if sqlite is not None:  # the file rule's checks; an existing database is reused, not replaced
        check_output(sqlite, "--db", overwrite=True)
    try:
        application = create_app(db)  # migrates; with several workers, once, here
    except SQLAlchemyError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DealspaceError.single(
            "--db",
            f"cannot open the database: {first}",
            "check the path or URL and that the server runs",
        ) from None
    if not quiet:
        console_err.print(
            f"negotiation room on http://{host}:{port}/  (API docs: /docs)", highlight=False
        )
    # Keep idle connections longer than clients and proxies usually do, so a
    # reused connection is not closed under a request in flight.
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "access_log": not quiet,
        "timeout_keep_alive": 75,
    }
    if workers == 1:
        uvicorn.run(application, **options)
        return
    application.state.store.dispose()
    os.environ[DB_ENV] = application.state.store.url
    uvicorn.run("dealspace.server.app:from_environment", factory=True, workers=workers, **options)


def _sqlite_path(db: str | None) -> str | None:
    """The SQLite file named by ``--db`` (a plain path or a ``sqlite:///`` URL), else None."""
    if db is None:
        return None
    if "://" not in db:
        return db
    if db.startswith("sqlite:///") and db != "sqlite:///:memory:":
        return db[len("sqlite:///") :]
    return None
