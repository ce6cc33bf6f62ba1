"""Confidentiality: every endpoint × every kind of caller.

A party's preferences and advice open to that party only (403 for the other
party, the admin and any token of another negotiation; 401 without a valid
token); the shared endpoints open to this negotiation's tokens only; the
actions to this negotiation's parties only. Refused writes change nothing,
and no response any caller gets holds another party's private data.
"""

from __future__ import annotations

import json
import logging

import pytest

from dealspace.server.auth import COOKIE, csrf_token

from .conftest import Room, bearer

MARK = {"a": "SECRET-ALPHA-7f3a", "b": "SECRET-BETA-91c2"}
WEIGHT = {"a": 4.123457, "b": 2.987654}


def marked(room: Room, party: str) -> dict:
    prefs = room.prefs(party)
    prefs["notes"] = MARK[party]
    first = next(iter(prefs["valuations"]))
    prefs["valuations"][first]["weight"] = WEIGHT[party]
    prefs["valuations"][first]["notes"] = MARK[party] + "-issue"
    return prefs


def endpoints(room: Room, party: str, prefs: dict) -> list[tuple[str, str, str, object]]:
    """(kind, method, url, body) of every endpoint that names ``party`` or a part."""
    return [
        ("private", "GET", room.url(f"/parties/{party}/preferences"), None),
        ("private", "PUT", room.url(f"/parties/{party}/preferences"), prefs),
        ("private", "GET", room.url(f"/parties/{party}/advice"), None),
        ("shared", "GET", room.url(""), None),
        ("shared", "GET", room.url("/text"), None),
        ("shared", "GET", room.url("/log"), None),
        ("action", "POST", room.url("/text/parts/trade/accept"), {}),
        ("action", "POST", room.url("/text/parts/trade/reject"), {}),
        ("action", "POST", room.url("/text/parts/trade/lock"), {}),
        ("action", "POST", room.url("/text/parts/trade/comment"), {"text": "hello"}),
    ]


def call(client, method, url, body, headers):
    return client.request(
        method,
        url,
        headers=headers,
        content=json.dumps(body).encode() if body is not None else None,
    )


@pytest.fixture
def rooms(client):
    room, other = Room(client), Room(client)
    for party in ("a", "b"):
        assert room.submit(party, marked(room, party)).status_code == 200
    return room, other


def test_every_cross_party_read_and_write_is_refused(client, rooms, caplog):
    room, other = rooms
    caplog.set_level(logging.DEBUG)
    callers = {
        "a": bearer(room.tokens["a"]),
        "b": bearer(room.tokens["b"]),
        "admin": bearer(room.admin),
        "foreign-party": bearer(other.tokens["a"]),
        "foreign-admin": bearer(other.admin),
        "none": {},
    }
    prefs_before = {p: room.prefs(p) for p in ("a", "b")}
    # Every PUT sends the owner's marked preferences again (so the marks stay);
    # only the owner's may land.
    bodies = {"a": prefs_before["a"], "b": prefs_before["b"]}
    seen: dict[str, list[str]] = {name: [] for name in callers}
    checked = 0
    for owner in ("a", "b"):
        for kind, method, url, body in endpoints(room, owner, bodies[owner]):
            for name, headers in callers.items():
                log_before = len(room.log())
                r = call(client, method, url, body, headers)
                seen[name].append(r.text)
                checked += 1
                if name == "none":
                    assert r.status_code == 401, (method, url, name)
                    continue
                if kind == "private":
                    allowed = name == owner
                elif kind == "shared":
                    allowed = name in ("a", "b", "admin")
                else:
                    allowed = name in ("a", "b")
                if allowed:
                    assert r.status_code in (200, 409), (method, url, name, r.text)
                else:
                    assert r.status_code == 403, (method, url, name, r.status_code)
                    assert r.json()["error"] == "forbidden"
                    assert len(room.log()) == log_before, "a refused request changed the log"
    assert checked == 2 * 10 * 6
    for party in ("a", "b"):
        assert room.prefs(party) == prefs_before[party]
    # No response to anyone but the owner holds the owner's private data.
    for owner in ("a", "b"):
        for name, texts in seen.items():
            if name == owner:
                continue
            blob = "\n".join(texts)
            assert MARK[owner] not in blob, (owner, name)
            assert str(WEIGHT[owner]) not in blob, (owner, name)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert MARK["a"] not in logged and MARK["b"] not in logged


def test_private_data_never_in_shared_views(client, rooms):
    room, _ = rooms
    for token in (room.tokens["a"], room.tokens["b"], room.admin):
        for tail in ("", "/text", "/log"):
            body = client.get(room.url(tail), headers=bearer(token)).text
            for party in ("a", "b"):
                assert MARK[party] not in body and str(WEIGHT[party]) not in body
                assert (
                    "valuations" not in body
                    and "red_lines" not in body
                    and "must_haves" not in body
                )
    advice = client.get(room.url("/parties/a/advice"), headers=bearer(room.tokens["a"])).json()
    assert set(advice) == {"party", "round", "zopa", "utility", "batna", "shortfall", "offers"}
    for offer in advice["offers"]:
        assert set(offer) == {"package", "utility"}  # no other party's utility


def test_cookie_requests_need_the_sessions_csrf_token(client, rooms):
    room, _ = rooms
    key = client.app.state.csrf_key
    url = room.url("/text/parts/trade/comment")
    client.cookies.set(COOKIE, room.tokens["a"])
    try:
        assert client.get(room.url("/text")).status_code == 200  # reads need no CSRF token
        assert client.post(url, json={"text": "x"}).status_code == 403
        replayed = csrf_token(key, room.tokens["b"])  # another session's token
        assert (
            client.post(url, json={"text": "x"}, headers={"X-CSRF-Token": replayed}).status_code
            == 403
        )
        good = csrf_token(key, room.tokens["a"])
        assert (
            client.post(url, json={"text": "x"}, headers={"X-CSRF-Token": good}).status_code == 200
        )
        assert client.get(room.url("/parties/b/preferences")).status_code == 403
    finally:
        client.cookies.clear()
