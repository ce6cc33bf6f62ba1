"""The negotiation room's operations: each state change is one transaction.

States of a negotiation: ``preferences`` (waiting for every party's
preferences) → ``negotiating`` (a text is on the table) or ``no_zopa`` (the
mediator found no package every party prefers to its BATNA; parties may
revise their preferences) → ``concluded`` (every part accepted by every
party, or locked).

A *part* of the text is one domain of the scenario (its issues). In each
round every party accepts or rejects every part that is not locked; when all
have answered, the round closes: if every answer is *accept* the package is
concluded, otherwise the mediator proposes a new text in which each rejected
part's terms are excluded for the party that rejected them. A part every
party accepted in the current round may be locked: it is fixed in every later
text.

Access: a party's token reads and writes that party's preferences and advice
only; every party (and the admin) reads the text, the status and the log,
which hold actions, never valuations.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dealspace.errors import DealspaceError
from dealspace.server import mediator
from dealspace.server.auth import Principal, TokenCache, new_token, parse, verify
from dealspace.server.db import (
    Credential,
    Lock,
    LogEntry,
    Negotiation,
    PartySeat,
    Response,
    Round,
    Store,
)

#: Longest comment accepted (characters).
MAX_COMMENT = 2000


@dataclass
class RoomError(Exception):
    """A clean client error: HTTP status, a short code and a message."""

    status: int
    code: str
    message: str
    details: list[dict[str, str]] | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details is not None:
            out["details"] = self.details
        return out


def forbidden(message: str = "this token may not do that") -> RoomError:
    return RoomError(403, "forbidden", message)


# ------------------------------------------------------------------ creation


def create(store: Store, source: str | Mapping[str, Any]) -> dict[str, Any]:
    """A new negotiation from a built-in name or a scenario object.

    Returns the id, the admin token and one invitation token per party (the
    only time the tokens are shown; only their hashes are stored).
    """
    try:
        shared, prefs = mediator.load(source)
    except DealspaceError as err:
        raise RoomError(
            422,
            "invalid_scenario",
            "the scenario is not valid",
            [_problem(p) for p in err.problems],
        ) from None
    nid = secrets.token_hex(8)
    admin, admin_key, admin_hash = new_token()
    tokens: dict[str, str] = {}
    with store.write() as s:
        title = shared.get("title") or shared["name"]
        s.add(Negotiation(id=nid, title=title, shared=shared, state="preferences", round=0))
        s.flush()
        s.add(
            Credential(
                key=admin_key, negotiation_id=nid, role="admin", party_id=None, hash=admin_hash
            )
        )
        for k, party in enumerate(shared["parties"]):
            token, key, hash_ = new_token()
            tokens[party["id"]] = token
            s.add(
                Credential(
                    key=key, negotiation_id=nid, role="party", party_id=party["id"], hash=hash_
                )
            )
            s.add(
                PartySeat(
                    negotiation_id=nid,
                    party_id=party["id"],
                    position=k,
                    name=party.get("name") or party["id"],
                    preferences=prefs.get(party["id"], {}),
                    submitted=False,
                )
            )
        _log(
            s, nid, "admin", "created", detail={"scenario": shared["name"], "parties": list(tokens)}
        )
    return {"id": nid, "admin_token": admin, "parties": tokens}


def _problem(p: Any) -> dict[str, str]:
    return {"loc": p.where, "msg": p.what, "fix": p.fix}


# ------------------------------------------------------------------ access


def authenticate(store: Store, cache: TokenCache, token: str | None) -> Principal:
    """The principal a token speaks for, or 401."""
    if not token:
        raise RoomError(401, "unauthorized", "send a token: 'Authorization: Bearer ds.…'")
    hit = cache.get(token)
    if hit is not None:
        return hit
    parsed = parse(token)
    if parsed is None:
        verify(None, "x")  # same cost as a real check
        raise RoomError(401, "unauthorized", "the token is not valid")
    key, secret = parsed
    with store.read() as s:
        cred = s.get(Credential, key)
        found = (cred.hash, cred.negotiation_id, cred.role, cred.party_id) if cred else None
    if not verify(found[0] if found else None, secret) or found is None:
        raise RoomError(401, "unauthorized", "the token is not valid")
    principal = Principal(negotiation_id=found[1], role=found[2], party_id=found[3], token=token)
    cache.put(principal)
    return principal


def _own_negotiation(p: Principal, nid: str) -> None:
    if p.negotiation_id != nid:
        raise forbidden("this token belongs to another negotiation")


def _own_party(p: Principal, nid: str, party: str, s: Session) -> PartySeat:
    _own_negotiation(p, nid)
    seat = s.get(PartySeat, (nid, party))
    if seat is None:
        raise RoomError(404, "not_found", f"no party '{party}' in this negotiation")
    if p.role != "party" or p.party_id != party:
        raise forbidden("a party's preferences and advice are open to that party only")
    return seat


def _acting_party(p: Principal, nid: str) -> str:
    _own_negotiation(p, nid)
    if p.role != "party" or p.party_id is None:
        raise forbidden("only a party can accept, reject, lock or comment")
    return p.party_id


def _negotiation(s: Session, nid: str) -> Negotiation:
    neg = s.get(Negotiation, nid)
    if neg is None:
        raise RoomError(404, "not_found", "no such negotiation")
    return neg


# ------------------------------------------------------------------ parts


def parts(shared: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The parts of the text: one per domain, with its issue ids."""
    return [
        {"id": d["id"], "name": d.get("name") or d["id"], "issues": [i["id"] for i in d["issues"]]}
        for d in shared["domains"]
    ]


def _part(shared: Mapping[str, Any], part: str) -> dict[str, Any]:
    for p in parts(shared):
        if p["id"] == part:
            return p
    raise RoomError(404, "not_found", f"no part '{part}' in this negotiation's text")


# ------------------------------------------------------------------ reads


def overview(store: Store, p: Principal, nid: str) -> dict[str, Any]:
    """Status and the shared issue list (no one's preferences)."""
    _own_negotiation(p, nid)
    with store.read() as s:
        neg = _negotiation(s, nid)
        seats = _seats(s, nid)
        return {
            "id": nid,
            "title": neg.title,
            "state": neg.state,
            "round": neg.round,
            "zopa": neg.zopa,
            "you": {"role": p.role, "party": p.party_id},
            "parties": [
                {"id": x.party_id, "name": x.name, "submitted": x.submitted} for x in seats
            ],
            "parts": parts(neg.shared),
            "scenario": neg.shared,
            "version": _version(s, nid),
        }


def get_preferences(store: Store, p: Principal, nid: str, party: str) -> dict[str, Any]:
    with store.read() as s:
        seat = _own_party(p, nid, party, s)
        return {"party": party, "submitted": seat.submitted, "preferences": seat.preferences}


def get_advice(store: Store, p: Principal, nid: str, party: str) -> dict[str, Any]:
    """The mediator's private advice to one party: its own utility of the text,
    BATNA, shortfall (when there is no ZOPA) and its menu of equivalent offers."""
    with store.read() as s:
        seat = _own_party(p, nid, party, s)
        neg = _negotiation(s, nid)
        return {"party": party, "round": neg.round, "zopa": neg.zopa, **(seat.advice or {})}


#: Text views by negotiation, with the log version they were built at.
_TEXTS: dict[str, tuple[int, dict[str, Any]]] = {}


def text(store: Store, p: Principal, nid: str) -> dict[str, Any]:
    """The current single negotiating text and each part's status.

    Every state change appends to the log in its own transaction, so the
    log's last sequence number identifies the state: a view built at that
    version is reused until it moves (polling costs one query). The version
    is read before the view, so a view is never labelled newer than it is.
    """
    _own_negotiation(p, nid)
    with store.read() as s:
        version = _version(s, nid)
        hit = _TEXTS.get(nid)
        if hit is not None and hit[0] == version:
            return hit[1]
        view = _text(s, nid)
    if len(_TEXTS) > 5000:
        _TEXTS.clear()
    _TEXTS[nid] = (version, view)
    return view


def _text(s: Session, nid: str) -> dict[str, Any]:
    neg = _negotiation(s, nid)
    current = s.get(Round, (nid, neg.round)) if neg.round else None
    previous = s.get(Round, (nid, neg.round - 1)) if neg.round > 1 else None
    package = current.package if current else None
    before = previous.package if previous else None
    seats = _seats(s, nid)
    locks = {x.part: x for x in s.scalars(select(Lock).where(Lock.negotiation_id == nid))}
    answers: dict[str, dict[str, str]] = {}
    for r in s.scalars(
        select(Response).where(Response.negotiation_id == nid, Response.round == neg.round)
    ):
        answers.setdefault(r.part, {})[r.party_id] = r.verdict
    out_parts = []
    for part in parts(neg.shared):
        got = answers.get(part["id"], {})
        verdicts = {x.party_id: got.get(x.party_id) for x in seats}
        if part["id"] in locks:
            status = "locked"
        elif "reject" in verdicts.values():
            status = "rejected"
        elif verdicts and all(v == "accept" for v in verdicts.values()):
            status = "agreed"
        else:
            status = "open"
        issues = []
        for issue_id in part["issues"]:
            model = _issue(nid, neg.shared, issue_id)
            option = package.get(issue_id) if package else None
            old = before.get(issue_id) if before else None
            issues.append(
                {
                    "id": issue_id,
                    "name": model.name or issue_id,
                    "option": option,
                    "label": model.label(option) if option is not None else None,
                    "previous": old,
                    "previous_label": model.label(old) if old is not None else None,
                    "changed": before is not None
                    and option is not None
                    and str(old) != str(option),
                }
            )
        out_parts.append(
            {
                "id": part["id"],
                "name": part["name"],
                "status": status,
                "locked": part["id"] in locks,
                "responses": verdicts,
                "issues": issues,
            }
        )
    return {
        "id": nid,
        "state": neg.state,
        "round": neg.round,
        "zopa": neg.zopa,
        "package": package,
        "final": neg.final,
        "parts": out_parts,
        "version": _version(s, nid),
    }


_ISSUES: dict[str, dict[str, Any]] = {}


def _issue(nid: str, shared: Mapping[str, Any], issue_id: str) -> Any:
    """The Issue model (labels), built once per negotiation (the issue list never changes)."""
    models = _ISSUES.get(nid)
    if models is None:
        if len(_ISSUES) > 1000:
            _ISSUES.clear()
        models = {
            i["id"]: mediator.shared_issue(shared, i["id"])
            for d in shared["domains"]
            for i in d["issues"]
        }
        _ISSUES[nid] = models
    return models[issue_id]


def log(store: Store, p: Principal, nid: str) -> dict[str, Any]:
    _own_negotiation(p, nid)
    with store.read() as s:
        _negotiation(s, nid)
        rows = s.scalars(
            select(LogEntry).where(LogEntry.negotiation_id == nid).order_by(LogEntry.seq)
        )
        return {
            "id": nid,
            "entries": [
                {
                    "seq": e.seq,
                    "at": _utc(e.at),
                    "actor": e.actor,
                    "action": e.action,
                    "part": e.part,
                    "detail": e.detail,
                }
                for e in rows
            ],
        }


def _utc(at: datetime) -> str:
    """ISO time in UTC (SQLite returns naive datetimes; they were written in UTC)."""
    return (
        (at if at.tzinfo else at.replace(tzinfo=UTC))
        .astimezone(UTC)
        .isoformat(timespec="milliseconds")
    )


def _seats(s: Session, nid: str) -> list[PartySeat]:
    return list(
        s.scalars(
            select(PartySeat).where(PartySeat.negotiation_id == nid).order_by(PartySeat.position)
        )
    )


def _version(s: Session, nid: str) -> int:
    return int(s.scalar(select(func.max(LogEntry.seq)).where(LogEntry.negotiation_id == nid)) or 0)


# ------------------------------------------------------------------ writes


def put_preferences(store: Store, p: Principal, nid: str, party: str, prefs: Any) -> dict[str, Any]:
    """Submit (or revise) a party's confidential preferences.

    When every party has submitted, the mediator proposes a text in the same
    transaction.
    """
    _own_negotiation(p, nid)
    with store.read() as s:
        neg = _negotiation(s, nid)
        _own_party(p, nid, party, s)
        shared = neg.shared
    try:
        clean = mediator.validate(shared, party, prefs)
    except mediator.PreferenceError as err:
        raise RoomError(
            422,
            "invalid_preferences",
            "the preferences are not valid",
            [_problem(x) for x in err.problems],
        ) from None
    with store.write(nid) as s:
        neg = _negotiation(s, nid)
        seat = _own_party(p, nid, party, s)
        if neg.state == "concluded":
            raise RoomError(409, "concluded", "the negotiation is concluded")
        revised = seat.submitted
        seat.preferences = clean
        seat.submitted = True
        _log(s, nid, party, "preferences_revised" if revised else "preferences_submitted")
        s.flush()
        if all(x.submitted for x in _seats(s, nid)):
            _mediate(s, neg, "preferences revised" if neg.round else "every party has submitted")
        return {"party": party, "submitted": True, "state": neg.state, "round": neg.round}


def respond(
    store: Store,
    p: Principal,
    nid: str,
    part: str,
    verdict: str,
    round_: int | None = None,
    comment: str | None = None,
) -> dict[str, Any]:
    """Accept or reject one part of the current text (the last answer counts)."""
    party = _acting_party(p, nid)
    comment = _check_comment(comment, required=False)
    with store.write(nid) as s:
        neg = _negotiation(s, nid)
        _ready(neg, round_)
        spec = _part(neg.shared, part)
        if s.get(Lock, (nid, part)) is not None:
            raise RoomError(409, "locked", f"part '{part}' is locked")
        row = s.get(Response, (nid, neg.round, part, party))
        if row is None:
            s.add(
                Response(
                    negotiation_id=nid, round=neg.round, part=part, party_id=party, verdict=verdict
                )
            )
        else:
            row.verdict = verdict
        detail: dict[str, Any] = {"round": neg.round}
        if comment:
            detail["comment"] = comment
        _log(
            s,
            nid,
            party,
            "accepted" if verdict == "accept" else "rejected",
            part=spec["id"],
            detail=detail,
        )
        s.flush()
        _close_round(s, neg)
        return _text(s, nid)


def lock(
    store: Store, p: Principal, nid: str, part: str, round_: int | None = None
) -> dict[str, Any]:
    """Lock a part every party accepted in the current round."""
    party = _acting_party(p, nid)
    with store.write(nid) as s:
        neg = _negotiation(s, nid)
        _ready(neg, round_)
        spec = _part(neg.shared, part)
        if s.get(Lock, (nid, part)) is not None:
            raise RoomError(409, "locked", f"part '{part}' is already locked")
        got = {
            r.party_id: r.verdict
            for r in s.scalars(
                select(Response).where(
                    Response.negotiation_id == nid,
                    Response.round == neg.round,
                    Response.part == part,
                )
            )
        }
        if any(got.get(x.party_id) != "accept" for x in _seats(s, nid)):
            raise RoomError(
                409, "not_agreed", f"part '{part}' can be locked once every party has accepted it"
            )
        package = _package(s, neg)
        terms = {i: package[i] for i in spec["issues"]}
        s.add(Lock(negotiation_id=nid, part=part, terms=terms, round=neg.round))
        _log(s, nid, party, "locked", part=part, detail={"round": neg.round, "terms": terms})
        s.flush()
        if {x["id"] for x in parts(neg.shared)} <= {
            x.part for x in s.scalars(select(Lock).where(Lock.negotiation_id == nid))
        }:
            _conclude(s, neg, package)
        return _text(s, nid)


def comment(store: Store, p: Principal, nid: str, part: str, body: str) -> dict[str, Any]:
    """A comment on one part, visible to every party in the log."""
    party = _acting_party(p, nid)
    body = _check_comment(body, required=True)
    with store.write(nid) as s:
        neg = _negotiation(s, nid)
        _part(neg.shared, part)
        _log(s, nid, party, "commented", part=part, detail={"round": neg.round, "comment": body})
        s.flush()
        return {"ok": True, "version": _version(s, nid)}


def _check_comment(text_: str | None, required: bool) -> str:
    if text_ is None or not str(text_).strip():
        if required:
            raise RoomError(422, "invalid_comment", "the comment is empty")
        return ""
    text_ = str(text_).strip()
    if len(text_) > MAX_COMMENT:
        raise RoomError(
            422, "invalid_comment", f"the comment is longer than {MAX_COMMENT} characters"
        )
    return text_


def _ready(neg: Negotiation, round_: int | None) -> None:
    if neg.state != "negotiating":
        raise RoomError(
            409, "no_text", f"there is no text to answer (the negotiation is '{neg.state}')"
        )
    if round_ is not None and round_ != neg.round:
        raise RoomError(
            409, "stale_round", f"round {round_} is over; the current text is round {neg.round}"
        )


def _package(s: Session, neg: Negotiation) -> dict[str, Any]:
    current = s.get(Round, (neg.id, neg.round))
    assert current is not None and current.package is not None
    return dict(current.package)


def _close_round(s: Session, neg: Negotiation) -> None:
    """When every party has answered every open part: conclude or revise."""
    seats = _seats(s, neg.id)
    locked = {x.part for x in s.scalars(select(Lock).where(Lock.negotiation_id == neg.id))}
    open_parts = [x["id"] for x in parts(neg.shared) if x["id"] not in locked]
    got = {
        (r.part, r.party_id): r.verdict
        for r in s.scalars(
            select(Response).where(Response.negotiation_id == neg.id, Response.round == neg.round)
        )
    }
    if any((part, x.party_id) not in got for part in open_parts for x in seats):
        return
    if all(got[part, x.party_id] == "accept" for part in open_parts for x in seats):
        _conclude(s, neg, _package(s, neg))
    else:
        _mediate(s, neg, "revised after rejections")


def _conclude(s: Session, neg: Negotiation, package: dict[str, Any]) -> None:
    neg.state = "concluded"
    neg.final = package
    _log(s, neg.id, "mediator", "concluded", detail={"round": neg.round, "package": package})


def _mediate(s: Session, neg: Negotiation, reason: str) -> None:
    """Run the mediator on everyone's preferences; record the new text."""
    seats = _seats(s, neg.id)
    prefs = {x.party_id: x.preferences for x in seats}
    locked: dict[str, Any] = {}
    for held in s.scalars(select(Lock).where(Lock.negotiation_id == neg.id)):
        locked.update(held.terms)
    rejected: dict[str, list[dict[str, Any]]] = {}
    rounds = {
        r.number: r.package for r in s.scalars(select(Round).where(Round.negotiation_id == neg.id))
    }
    for r in s.scalars(
        select(Response)
        .where(Response.negotiation_id == neg.id, Response.verdict == "reject")
        .order_by(Response.round, Response.part, Response.party_id)
    ):
        package = rounds.get(r.round)
        if package:
            issues = next(x["issues"] for x in parts(neg.shared) if x["id"] == r.part)
            rejected.setdefault(r.party_id, []).append({i: package[i] for i in issues})
    result = mediator.mediate(neg.shared, prefs, locked=locked, rejected=rejected)
    neg.round += 1
    neg.zopa = result.zopa
    neg.state = "negotiating" if result.text is not None else "no_zopa"
    s.add(Round(negotiation_id=neg.id, number=neg.round, package=result.text, reason=reason))
    for seat in seats:
        seat.advice = result.advice[seat.party_id].to_dict()
    if result.text is None:
        _log(
            s,
            neg.id,
            "mediator",
            "no_agreement",
            detail={"round": neg.round, "zopa": result.zopa, "reason": reason},
        )
    else:
        before = rounds.get(neg.round - 1)
        changed = sorted(
            x["id"]
            for x in parts(neg.shared)
            if before and any(str(before[i]) != str(result.text[i]) for i in x["issues"])
        )
        _log(
            s,
            neg.id,
            "mediator",
            "text_proposed",
            detail={
                "round": neg.round,
                "reason": reason,
                "package": result.text,
                "changed_parts": changed,
            },
        )


def _log(
    s: Session,
    nid: str,
    actor: str,
    action: str,
    part: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    seq = (
        int(s.scalar(select(func.max(LogEntry.seq)).where(LogEntry.negotiation_id == nid)) or 0) + 1
    )
    s.add(
        LogEntry(
            negotiation_id=nid, seq=seq, actor=actor, action=action, part=part, detail=detail or {}
        )
    )
    s.flush()
