"""The ASGI application: JSON API under ``/api``, browser pages elsewhere.

Build with :func:`create_app`; ``dealspace serve`` runs it on uvicorn.
Every error is a small JSON object (or page) with a 4xx status — no
tracebacks, and no message that depends on another party's data.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dealspace.server import api, web
from dealspace.server.auth import TokenCache
from dealspace.server.db import Store
from dealspace.server.room import RoomError

#: Largest request body accepted (bytes): a scenario upload fits comfortably.
MAX_BODY = 1_000_000

log = logging.getLogger("dealspace.server")

DESCRIPTION = """\
A mediated, confidential negotiation room on the dealspace engine.

Create a negotiation (`POST /api/negotiations`) to get an admin token and one
invitation token per party. Each party sends its own confidential preferences
(`PUT …/parties/{party}/preferences`); when all have, the mediator proposes a
single negotiating text (the Nash package), each party accepts or rejects its
parts, parts accepted by all can be locked, and the package is concluded when
every part is accepted. Send tokens as `Authorization: Bearer ds.…`.
See docs/server.md.
"""


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413 (declared or streamed);
    answer any unexpected error with a bare 500 and log only its type."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(send, self.limit)
            return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracking_send)
        except _TooLarge:
            if not started:
                await _too_large(send, self.limit)
        except ClientDisconnect:
            pass  # the client left: nobody to answer
        except Exception as exc:  # noqa: BLE001  no traceback, no message (it could quote private data)
            log.error(
                "internal error %s on %s %s",
                type(exc).__name__,
                scope.get("method"),
                scope.get("path"),
            )
            if not started:
                await _json(send, 500, {"error": "internal", "message": "internal error"})


class _TooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    await _json(
        send, 413, {"error": "too_large", "message": f"the request body is over {limit:,} bytes"}
    )


async def _json(send: Send, status: int, data: dict[str, Any]) -> None:
    body = json.dumps(data).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


#: Environment variable that hands the database URL to worker processes.
DB_ENV = "DEALSPACE_ROOM_DB"


def from_environment() -> FastAPI:
    """The application for one of several worker processes (``serve --workers``):
    the database URL comes from :data:`DB_ENV`; the parent has migrated it."""
    return create_app(os.environ[DB_ENV], migrate=False)


def create_app(db: str | None = None, *, migrate: bool = True) -> FastAPI:
    """The room's application on the database ``db`` (URL or SQLite path)."""
    store = Store(db)
    if migrate:
        store.migrate()
    app = FastAPI(title="dealspace negotiation room", description=DESCRIPTION, version="1")
    app.state.store = store
    app.state.cache = TokenCache()
    app.state.csrf_key = store.secret()
    app.include_router(api.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.exception_handler(RoomError)
    async def _room_error(request: Request, exc: RoomError) -> Any:
        if not request.url.path.startswith("/api"):
            return web.error_page(request, exc)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Any:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(
                {"error": "bad_json", "message": "the body is not valid JSON"}, status_code=400
            )
        details = [
            {
                "loc": ".".join(str(x) for x in e.get("loc", ()) if x != "body"),
                "msg": str(e.get("msg", "")),
                "fix": "",
            }
            for e in errors
        ]
        return JSONResponse(
            {"error": "invalid_request", "message": "the request is not valid", "details": details},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Any:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        return JSONResponse(
            {"error": code, "message": str(exc.detail)}, status_code=exc.status_code
        )

    app.add_middleware(BodyLimit)
    return app
