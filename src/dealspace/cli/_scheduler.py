"""Check a ``--scheduler`` value before any work starts.

A Dask address must be ``tcp://HOST:PORT`` or ``tls://HOST:PORT`` and answer
within :data:`CONNECT_SECONDS`; otherwise one message and exit code 2, instead
of Dask's 30-second wait and traceback. The local schedulers (``sync``,
``processes``, ``dask``) need no check.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from dealspace.errors import DealspaceError, did_you_mean, shorten

#: The local schedulers, run on this machine.
LOCAL = ("processes", "sync", "dask")
#: Schemes of Dask addresses reachable from another process.
SCHEMES = ("tcp", "tls")
#: How long to wait for a scheduler to answer, in seconds.
CONNECT_SECONDS = 3.0
EXAMPLE = "tcp://HOST:8786"


def check_scheduler(value: str | None, option: str = "--scheduler") -> None:
    """Refuse a malformed or unreachable scheduler address (see the module docstring)."""
    if value is None or value in LOCAL:
        return
    shown = shorten(value)
    if "://" not in value:
        if ":" not in value:
            raise DealspaceError.single(
                option,
                f"unknown scheduler '{shown}'",
                f"{did_you_mean(value, LOCAL)} (or a Dask address such as {EXAMPLE})",
            )
        value = "tcp://" + value
    scheme, _, rest = value.partition("://")
    if scheme.lower() not in SCHEMES:
        raise DealspaceError.single(
            option,
            f"'{shown}' is not a Dask scheduler address this command can reach",
            f"give {' or '.join(s + '://HOST:PORT' for s in SCHEMES)}, e.g. {EXAMPLE}",
        )
    try:
        parts = urlsplit(f"//{rest}")
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or port is None or parts.path not in ("", "/"):
        raise DealspaceError.single(
            option,
            f"'{shown}' has no host and port",
            f"give the scheduler's address as {scheme}://HOST:PORT, e.g. {EXAMPLE}",
        )
    try:
        with socket.create_connection((host, port), timeout=CONNECT_SECONDS):
            pass
    except OSError as err:
        reason = "no answer" if isinstance(err, TimeoutError) else (err.strerror or str(err))
        raise DealspaceError.single(
            option,
            f"cannot reach the Dask scheduler at '{shown}' ({reason}, waited up to "
            f"{CONNECT_SECONDS:g} s)",
            "start it (`dask scheduler`) or check the address; or use --scheduler processes",
        ) from None


@contextmanager
def connected(value: str | None, option: str = "--scheduler") -> Iterator[Any]:
    """The scheduler to hand to the runner: ``value`` itself for the local ones, or a
    Dask client connected within :data:`CONNECT_SECONDS` (closed afterwards).

    Something that answers on the port but is not a Dask scheduler is refused
    with one message, like an address that does not answer.
    """
    check_scheduler(value, option)
    if value is None or value in LOCAL:
        yield value
        return
    address = value if "://" in value else "tcp://" + value
    try:
        import distributed
    except ImportError:
        raise DealspaceError.single(
            option, "a Dask address needs Dask", "pip install 'dealspace[dask]'"
        ) from None
    problem = _probe(address)
    if problem is not None:
        raise DealspaceError.single(
            option,
            f"'{shorten(value)}' did not answer as a Dask scheduler ({problem})",
            "check the address and that `dask scheduler` runs there",
        )
    client = distributed.Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    try:
        yield client
    finally:
        client.close()


def _probe(address: str) -> str | None:
    """Ask ``address`` who it is, within :data:`CONNECT_SECONDS`; None if a Dask scheduler answers."""
    import asyncio

    from distributed.comm import connect
    from distributed.core import send_recv

    async def ask() -> object:
        comm = await connect(address, timeout=CONNECT_SECONDS)
        try:
            return await send_recv(comm, op="identity")
        finally:
            comm.abort()

    try:
        reply = asyncio.run(asyncio.wait_for(ask(), 2 * CONNECT_SECONDS))
    except Exception as err:  # garbage, a timeout, a closed connection: not a scheduler
        return f"{type(err).__name__}: {shorten(str(err)) or 'no reply'}"
    if isinstance(reply, dict) and reply.get("type") == "Scheduler":
        return None
    return "something else answered"
