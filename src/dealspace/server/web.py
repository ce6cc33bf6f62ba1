"""Browser pages, rendered on the server (Jinja2; a little vanilla JS).

A browser joins with its invitation token once (``/join``); the token then
lives in an HttpOnly, SameSite=Strict cookie. Every form carries the
session's CSRF token. Pages send a strict Content-Security-Policy (no inline
script, nothing from other origins).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from dealspace.errors import DealspaceError
from dealspace.server import forms, mediator, room
from dealspace.server.auth import COOKIE, Principal, csrf_ok, csrf_token
from dealspace.server.room import RoomError

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

NOTICES = {
    "locked": "That part is locked.",
    "not_agreed": "A part can be locked once every party has accepted it in this round.",
    "stale_round": "The text changed before your answer arrived; here is the new text.",
    "no_text": "There is no text to answer now.",
    "concluded": "The negotiation is concluded.",
    "invalid_comment": "The comment is empty or too long.",
    "submitted": "Your preferences were submitted.",
}


def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(HEADERS)
    return response


def error_page(request: Request, exc: RoomError) -> Response:
    if exc.status == 401:
        return RedirectResponse("/join", status_code=303)
    return page(request, "error.html", status=exc.status, error=exc)


async def session(request: Request) -> Principal:
    """The browser's principal from its cookie (redirects to /join without one)."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise RoomError(401, "unauthorized", "join with your invitation token first")
    return await run_in_threadpool(
        room.authenticate, request.app.state.store, request.app.state.cache, token
    )


async def checked_form(request: Request, p: Principal) -> Any:
    form = await request.form(max_files=1, max_fields=5000)
    if not csrf_ok(request.app.state.csrf_key, p.token, str(form.get("csrf") or "")):
        raise RoomError(403, "csrf", "the form is stale or from another site: reload the page")
    return form


# ------------------------------------------------------------------ pages


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> Response:
    names = await run_in_threadpool(mediator.builtin_names)
    return page(request, "index.html", builtins=names)


@router.post("/new", response_class=HTMLResponse)
async def new(request: Request) -> Response:
    form = await request.form(max_files=1, max_fields=20)
    upload = form.get("file")
    source: Any = str(form.get("scenario") or "")
    names = await run_in_threadpool(mediator.builtin_names)
    if upload is not None and not isinstance(upload, str) and upload.filename:
        raw = await upload.read()
        try:
            source = mediator.parse_upload(raw.decode("utf-8-sig"), upload.filename)
        except (DealspaceError, UnicodeDecodeError) as err:
            msg = str(err) if isinstance(err, DealspaceError) else "the file is not UTF-8 text"
            return page(request, "index.html", status=422, builtins=names, errors=[msg])
    try:
        out = await run_in_threadpool(room.create, request.app.state.store, source)
    except RoomError as err:
        problems = [f"{d['loc']}: {d['msg']}" if d["loc"] else d["msg"] for d in err.details or []]
        return page(
            request,
            "index.html",
            status=err.status,
            builtins=names,
            errors=problems or [err.message],
        )
    return page(request, "created.html", created=out)


@router.get("/join", response_class=HTMLResponse)
async def join_form(request: Request) -> Response:
    return page(request, "join.html")


@router.post("/join")
async def join(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=5)
    token = str(form.get("token") or "").strip()
    try:
        p = await run_in_threadpool(
            room.authenticate, request.app.state.store, request.app.state.cache, token
        )
    except RoomError:
        return page(request, "join.html", status=401, error="That token is not valid.")
    response = RedirectResponse(f"/n/{p.negotiation_id}", status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/n/{nid}", response_class=HTMLResponse)
async def room_page(request: Request, nid: str) -> Response:
    p = await session(request)
    notice = NOTICES.get(request.query_params.get("notice", ""))
    return await render_room(request, p, nid, notice=notice)


async def render_room(
    request: Request,
    p: Principal,
    nid: str,
    *,
    status: int = 200,
    notice: str | None = None,
    errors: list[str] | None = None,
    draft: dict[str, Any] | None = None,
) -> Response:
    store = request.app.state.store
    info = await run_in_threadpool(room.overview, store, p, nid)
    text = await run_in_threadpool(room.text, store, p, nid)
    entries = (await run_in_threadpool(room.log, store, p, nid))["entries"]
    own = advice = form = None
    if p.role == "party" and p.party_id:
        own = await run_in_threadpool(room.get_preferences, store, p, nid, p.party_id)
        advice = await run_in_threadpool(room.get_advice, store, p, nid, p.party_id)
        prefs = draft if draft is not None else own["preferences"]
        form = await run_in_threadpool(forms.view, info["scenario"], p.party_id, prefs)
    names = {x["id"]: x["name"] for x in info["parties"]}
    offers = []
    if advice and advice.get("offers") and text["package"]:
        for k, offer in enumerate(advice["offers"], start=1):
            diff = [
                {
                    "issue": i["name"],
                    "text": i["label"],
                    "offer": _label(info["scenario"], i["id"], offer["package"][i["id"]]),
                }
                for part in text["parts"]
                for i in part["issues"]
                if str(offer["package"][i["id"]]) != str(i["option"])
            ]
            offers.append({"n": k, "utility": offer["utility"], "diff": diff})
    return page(
        request,
        "room.html",
        status=status,
        p=p,
        info=info,
        text=text,
        entries=list(reversed(entries)),
        own=own,
        advice=advice,
        offers=offers,
        form=form,
        names=names,
        notice=notice,
        errors=errors or [],
        csrf=csrf_token(request.app.state.csrf_key, p.token),
    )


def _label(shared: dict[str, Any], issue_id: str, option: Any) -> str:
    return mediator.shared_issue(shared, issue_id).label(option)


@router.post("/n/{nid}/preferences")
async def submit_preferences(request: Request, nid: str) -> Response:
    p = await session(request)
    form = await checked_form(request, p)
    if p.role != "party" or p.party_id is None:
        raise room.forbidden("only a party has preferences")
    store = request.app.state.store
    current = await run_in_threadpool(room.get_preferences, store, p, nid, p.party_id)
    info = await run_in_threadpool(room.overview, store, p, nid)
    try:
        prefs = forms.read(info["scenario"], current["preferences"], form)
    except forms.FormError as err:
        return await render_room(request, p, nid, status=422, errors=[str(err)])
    try:
        await run_in_threadpool(room.put_preferences, store, p, nid, p.party_id, prefs)
    except RoomError as err:
        if err.status != 422:
            raise
        problems = [f"{d['loc']}: {d['msg']}. {d['fix']}".rstrip(". ") for d in err.details or []]
        draft = prefs if isinstance(prefs, dict) and "" not in prefs else None
        return await render_room(
            request, p, nid, status=422, errors=problems or [err.message], draft=draft
        )
    return RedirectResponse(f"/n/{nid}?notice=submitted#text", status_code=303)


@router.post("/n/{nid}/parts/{part}/{verb}")
async def act(request: Request, nid: str, part: str, verb: str) -> Response:
    p = await session(request)
    form = await checked_form(request, p)
    store = request.app.state.store
    raw_round = str(form.get("round") or "")
    round_ = int(raw_round) if raw_round.isdigit() else None
    note = str(form.get("comment") or "")
    try:
        if verb in ("accept", "reject"):
            await run_in_threadpool(room.respond, store, p, nid, part, verb, round_, note or None)
        elif verb == "lock":
            await run_in_threadpool(room.lock, store, p, nid, part, round_)
        elif verb == "comment":
            await run_in_threadpool(room.comment, store, p, nid, part, note)
        else:
            raise RoomError(404, "not_found", f"no action '{verb}'")
    except RoomError as err:
        if err.status != 409 and err.code != "invalid_comment":
            raise
        return RedirectResponse(
            f"/n/{nid}?notice={quote(err.code)}#part-{quote(part)}", status_code=303
        )
    return RedirectResponse(f"/n/{nid}#part-{quote(part)}", status_code=303)
