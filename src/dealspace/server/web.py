"""Browser pages (server-rendered with Jinja2)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from dealspace.server.room import RoomError

router = APIRouter()


def error_page(request: Request, exc: RoomError) -> Any:
    return HTMLResponse(f"<p>{exc.code}</p>", status_code=exc.status)
