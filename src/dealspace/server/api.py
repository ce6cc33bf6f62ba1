"""The JSON API (documented at /docs and in docs/server.md)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from dealspace.server import mediator, room
from dealspace.server.auth import COOKIE, Principal, csrf_ok
from dealspace.server.room import RoomError

router = APIRouter(prefix="/api")

SAFE = {"GET", "HEAD", "OPTIONS"}


async def principal(request: Request) -> Principal:
    """The caller: a Bearer token, or the browser's cookie plus a CSRF header
    on state-changing requests."""
    header = request.headers.get("authorization", "")
    token: str | None = None
    via_cookie = False
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise RoomError(401, "unauthorized", "use 'Authorization: Bearer <token>'")
        token = value.strip()
    else:
        token = request.cookies.get(COOKIE)
        via_cookie = token is not None
    p = await run_in_threadpool(
        room.authenticate, request.app.state.store, request.app.state.cache, token
    )
    if (
        via_cookie
        and request.method not in SAFE
        and not csrf_ok(request.app.state.csrf_key, p.token, request.headers.get("x-csrf-token"))
    ):
        raise RoomError(403, "csrf", "missing or wrong X-CSRF-Token header")
    return p


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


async def body(request: Request, required: bool = True) -> Any:
    """The request's JSON body (400 when it is not JSON; None when empty and optional)."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise RoomError(400, "bad_json", "the request needs a JSON body")
        return None
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise RoomError(
            400, "bad_json", "the body is not valid JSON (finite numbers only)"
        ) from None


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise RoomError(422, "invalid_request", f"{what} must be a JSON object")
    return data


def _body(schema: dict[str, Any], example: Any, required: bool = True) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": schema, "example": example}},
        }
    }


@router.get("/scenarios", summary="Built-in scenarios a negotiation can start from")
async def scenarios() -> JSONResponse:
    return JSONResponse({"builtin": await run_in_threadpool(mediator.builtin_names)})


@router.post(
    "/negotiations",
    status_code=201,
    summary="Create a negotiation: returns the admin token and one invitation token per party",
    openapi_extra=_body(
        {
            "type": "object",
            "properties": {"scenario": {"oneOf": [{"type": "string"}, {"type": "object"}]}},
        },
        {"scenario": "us-japan-2025"},
    ),
)
async def create(request: Request) -> JSONResponse:
    data = _object(await body(request), "the body")
    source = data.get("scenario")
    if not isinstance(source, str | dict):
        raise RoomError(
            422, "invalid_request", "'scenario' must be a built-in name or a scenario object"
        )
    out = await run_in_threadpool(room.create, request.app.state.store, source)
    return JSONResponse(out, status_code=201)


@router.get("/negotiations/{nid}", summary="Status, parties and the shared issue list")
async def overview(nid: str, request: Request) -> JSONResponse:
    p = await principal(request)
    return JSONResponse(await run_in_threadpool(room.overview, request.app.state.store, p, nid))


@router.get(
    "/negotiations/{nid}/parties/{party}/preferences",
    summary="A party's confidential preferences (that party's token only)",
)
async def get_preferences(nid: str, party: str, request: Request) -> JSONResponse:
    p = await principal(request)
    return JSONResponse(
        await run_in_threadpool(room.get_preferences, request.app.state.store, p, nid, party)
    )


@router.put(
    "/negotiations/{nid}/parties/{party}/preferences",
    summary="Submit or revise a party's confidential preferences (that party's token only)",
    openapi_extra=_body(
        {"type": "object", "description": "A scenario party without id, name and country."},
        {
            "batna": "status_quo",
            "valuations": {
                "rice": {"weight": 9, "value": {"none": 1, "plus25": 0.75, "plus75": 0.45}}
            },
            "red_lines": [
                {
                    "id": "no_rice_beyond_quota",
                    "condition": {"issue": "rice", "in": ["beyond_quota"]},
                }
            ],
        },
    ),
)
async def put_preferences(nid: str, party: str, request: Request) -> JSONResponse:
    p = await principal(request)
    data = await body(request)
    return JSONResponse(
        await run_in_threadpool(room.put_preferences, request.app.state.store, p, nid, party, data)
    )


@router.get(
    "/negotiations/{nid}/parties/{party}/advice",
    summary="The mediator's private advice to a party: own utility, shortfall, menu of equivalent offers",
)
async def advice(nid: str, party: str, request: Request) -> JSONResponse:
    p = await principal(request)
    return JSONResponse(
        await run_in_threadpool(room.get_advice, request.app.state.store, p, nid, party)
    )


@router.get(
    "/negotiations/{nid}/text", summary="The current single negotiating text and each part's status"
)
async def text(nid: str, request: Request) -> JSONResponse:
    p = await principal(request)
    return JSONResponse(await run_in_threadpool(room.text, request.app.state.store, p, nid))


def _round(data: Any) -> int | None:
    value = data.get("round") if isinstance(data, dict) else None
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise RoomError(422, "invalid_request", "'round' must be an integer")
    return value


_ANSWER = _body(
    {"type": "object", "properties": {"round": {"type": "integer"}, "comment": {"type": "string"}}},
    {"round": 1, "comment": "acceptable if the auto tariff stays at 15%"},
    required=False,
)


async def _respond(nid: str, part: str, request: Request, verdict: str) -> dict[str, Any]:
    p = await principal(request)
    data = await body(request, required=False)
    if data is not None:
        _object(data, "the body")
    comment = data.get("comment") if data else None
    if comment is not None and not isinstance(comment, str):
        raise RoomError(422, "invalid_request", "'comment' must be text")
    return await run_in_threadpool(
        room.respond, request.app.state.store, p, nid, part, verdict, _round(data), comment
    )


@router.post(
    "/negotiations/{nid}/text/parts/{part}/accept",
    summary="Accept a part of the text",
    openapi_extra=_ANSWER,
)
async def accept(nid: str, part: str, request: Request) -> JSONResponse:
    return JSONResponse(await _respond(nid, part, request, "accept"))


@router.post(
    "/negotiations/{nid}/text/parts/{part}/reject",
    summary="Reject a part of the text",
    openapi_extra=_ANSWER,
)
async def reject(nid: str, part: str, request: Request) -> JSONResponse:
    return JSONResponse(await _respond(nid, part, request, "reject"))


@router.post(
    "/negotiations/{nid}/text/parts/{part}/lock",
    summary="Lock a part every party accepted (a provisional binding agreement)",
    openapi_extra=_body(
        {"type": "object", "properties": {"round": {"type": "integer"}}}, {"round": 1}, False
    ),
)
async def lock(nid: str, part: str, request: Request) -> JSONResponse:
    p = await principal(request)
    data = await body(request, required=False)
    if data is not None:
        _object(data, "the body")
    return JSONResponse(
        await run_in_threadpool(room.lock, request.app.state.store, p, nid, part, _round(data))
    )


@router.post(
    "/negotiations/{nid}/text/parts/{part}/comment",
    summary="Comment on a part (shown to every party in the log)",
    openapi_extra=_body(
        {"type": "object", "properties": {"text": {"type": "string"}}}, {"text": "why 20bn?"}
    ),
)
async def comment(nid: str, part: str, request: Request) -> JSONResponse:
    p = await principal(request)
    data = _object(await body(request), "the body")
    text_ = data.get("text")
    if not isinstance(text_, str):
        raise RoomError(422, "invalid_request", "'text' must be text")
    return JSONResponse(
        await run_in_threadpool(room.comment, request.app.state.store, p, nid, part, text_)
    )


@router.get("/negotiations/{nid}/log", summary="The append-only audit log: who did what, when")
async def audit_log(nid: str, request: Request) -> JSONResponse:
    p = await principal(request)
    return JSONResponse(await run_in_threadpool(room.log, request.app.state.store, p, nid))


@router.get("/health", summary="Liveness")
async def health() -> JSONResponse:
    return JSONResponse({"status": "ok"})
