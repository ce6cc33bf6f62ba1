"""The room's API end to end: the mediator's text against the engine, rounds,
locks, no-ZOPA advice, validation and clean errors."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import text as sql

from dealspace.analysis.bargaining import nash
from dealspace.analysis.zopa import zopa
from dealspace.scenario.load import scenario_from_data
from dealspace.space import compile

from .conftest import Room, bearer, toy_data


def scenario_with(prefs: dict[str, dict]) -> object:
    """The toy scenario with some parties' preferences replaced (the engine's view)."""
    data = toy_data()
    for party in data["parties"]:
        if party["id"] in prefs:
            keep = {k: party[k] for k in ("id", "name", "country") if k in party}
            party.clear()
            party.update(keep | prefs[keep["id"]])
    return scenario_from_data(data, "test")


def test_create_from_builtin_and_bad_scenario(client):
    r = client.post("/api/negotiations", json={"scenario": "us-japan-2025"})
    assert r.status_code == 201
    out = r.json()
    assert set(out["parties"]) == {"us", "japan"} and out["admin_token"].startswith("ds.")
    assert len(set(out["parties"].values()) | {out["admin_token"]}) == 3
    bad = toy_data()
    bad["parties"][0]["valuations"]["rice"]["weight"] = -1
    r = client.post("/api/negotiations", json={"scenario": bad})
    assert r.status_code == 422
    assert {
        "loc": "parties[0].valuations.rice.weight",
        "msg": "-1 is negative",
        "fix": "use a number ≥ 0",
    } in r.json()["details"]
    r = client.post("/api/negotiations", json={"scenario": "us-japn-2025"})
    assert r.status_code == 422 and "did you mean 'us-japan-2025'" in r.json()["details"][0]["fix"]


def test_tokens_are_stored_only_as_argon2_hashes(client, db_url):
    room = Room(client)
    store = client.app.state.store
    with store.read() as s:
        rows = s.execute(sql("select key, hash from credentials")).all()
        dump = json.dumps([list(r) for r in rows])
    for token in [room.admin, *room.tokens.values()]:
        secret = token.split(".", 2)[2]
        assert secret not in dump
        assert token.split(".")[1] in dump  # the lookup key is stored
    assert all(h.startswith("$argon2id$") for _, h in rows)


def test_text_is_the_engines_nash_package_and_concludes(client):
    room = Room(client)
    assert room.text()["package"] is None and room.text()["state"] == "preferences"
    room.submit_all()
    text = room.text()
    expected = nash(compile(scenario_from_data(toy_data(), "toy")))
    assert text["state"] == "negotiating" and text["zopa"] is True and text["round"] == 1
    assert text["package"] == expected.package
    advice = client.get(room.url("/parties/a/advice"), headers=bearer(room.tokens["a"])).json()
    assert advice["utility"] == pytest.approx(expected.utilities["a"])
    assert advice["offers"] and all(set(o) == {"package", "utility"} for o in advice["offers"])
    for part in ("trade", "security"):
        for party in ("a", "b"):
            assert room.act(party, part, "accept", round=1).status_code == 200
    text = room.text()
    assert text["state"] == "concluded" and text["final"] == expected.package
    actions = [e["action"] for e in room.log()]
    assert actions == [
        "created",
        "preferences_submitted",
        "preferences_submitted",
        "text_proposed",
    ] + ["accepted"] * 4 + ["concluded"]
    assert room.act("a", "trade", "accept").status_code == 409


def test_rejected_terms_are_not_proposed_again_to_that_party(client):
    room = Room(client)
    room.submit_all()
    first = room.text()["package"]
    room.act("a", "trade", "accept")
    room.act("b", "trade", "reject", comment="the tariff is too low for us")
    room.act("a", "security", "accept")
    assert room.text()["round"] == 1  # b has not answered every part yet
    room.act("b", "security", "accept")
    text = room.text()
    assert text["round"] == 2 and text["state"] == "negotiating"
    second = text["package"]
    assert (second["tariff"], second["rice"]) != (first["tariff"], first["rice"])
    # The engine's Nash package once b's red line excludes exactly those terms.
    prefs = copy.deepcopy(room.prefs("b"))
    prefs["red_lines"] = prefs.get("red_lines", []) + [
        {
            "condition": {
                "all": [
                    {"issue": "tariff", "min": first["tariff"], "max": first["tariff"]},
                    {"issue": "rice", "in": [first["rice"]]},
                ]
            }
        }
    ]
    assert second == nash(compile(scenario_with({"b": prefs}))).package
    trade = next(p for p in text["parts"] if p["id"] == "trade")
    assert any(i["changed"] for i in trade["issues"]) and trade["status"] == "open"
    proposed = [e for e in room.log() if e["action"] == "text_proposed"]
    assert (
        proposed[-1]["detail"]["round"] == 2 and "trade" in proposed[-1]["detail"]["changed_parts"]
    )
    rejected = [e for e in room.log() if e["action"] == "rejected"]
    assert rejected[0]["detail"]["comment"] == "the tariff is too low for us"
    # Answers for round 1 are refused now.
    assert room.act("a", "trade", "accept", round=1).status_code == 409


def test_locked_part_is_fixed_in_later_texts(client):
    room = Room(client)
    room.submit_all()
    r = room.act("a", "security", "lock")
    assert r.status_code == 409 and r.json()["error"] == "not_agreed"
    room.act("a", "security", "accept")
    room.act("b", "security", "accept")
    assert room.act("b", "security", "lock", round=1).status_code == 200
    locked = room.text()["package"]["defence"]
    # b now prefers "some" defence: without the lock the text would move.
    prefs = room.prefs("b")
    prefs["valuations"]["defence"] = {"weight": 3, "value": {"none": 0.2, "some": 1, "more": 0.7}}
    assert room.submit("b", prefs).status_code == 200
    text = room.text()
    assert text["round"] == 2 and text["package"]["defence"] == locked
    security = next(p for p in text["parts"] if p["id"] == "security")
    assert security["status"] == "locked"
    scenario = scenario_with({"b": prefs})
    assert text["package"] == nash(compile(scenario, fixed={"defence": locked})).package
    assert nash(compile(scenario)).package["defence"] != locked
    assert room.act("a", "security", "reject").status_code == 409
    # Accepting the remaining part concludes.
    room.act("a", "trade", "accept")
    room.act("b", "trade", "accept")
    assert room.text()["state"] == "concluded"


def test_all_parts_locked_concludes(client):
    room = Room(client)
    room.submit_all()
    for part in ("trade", "security"):
        room.act("a", part, "accept")
        if part == "security":
            break
        room.act("b", part, "accept")
        room.act("a", part, "lock")
    assert room.text()["state"] == "negotiating"
    room.act("b", "security", "accept")  # every part accepted: concluded at once
    assert room.text()["state"] == "concluded"


def test_no_zopa_tells_each_party_only_its_own_shortfall(client):
    room = Room(client)
    prefs_a = room.prefs("a")
    prefs_a["batna"] = 6.0  # above the 5.6 a can get while b gains
    assert room.submit("a", prefs_a).status_code == 200
    room.submit("b")
    text = room.text()
    assert text["state"] == "no_zopa" and text["zopa"] is False and text["package"] is None
    z = zopa(compile(scenario_with({"a": prefs_a})))
    assert not z.exists and z.shortfall["a"] > 0
    advice_a = client.get(room.url("/parties/a/advice"), headers=bearer(room.tokens["a"])).json()
    advice_b = client.get(room.url("/parties/b/advice"), headers=bearer(room.tokens["b"])).json()
    assert advice_a["shortfall"] == pytest.approx(z.shortfall["a"])
    assert advice_b["shortfall"] == pytest.approx(z.shortfall["b"])
    assert advice_a["offers"] == [] and "b" not in json.dumps(advice_a).replace('"batna"', "")
    assert room.act("a", "trade", "accept").status_code == 409
    # Revising the BATNA reopens the negotiation.
    prefs_a["batna"] = "status_quo"
    room.submit("a", prefs_a)
    assert room.text()["state"] == "negotiating"


def test_preferences_validated_with_the_scenario_messages(client):
    room = Room(client)
    bad = room.prefs("a")
    bad["valuations"]["rice"]["weight"] = -2
    bad["valuations"]["defence"]["value"] = "increasin"
    bad["must_haves"][0]["condition"] = {"issue": "tarif", "max": 20}
    r = room.submit("a", bad)
    assert r.status_code == 422
    details = {d["loc"]: d for d in r.json()["details"]}
    assert details["valuations.rice.weight"]["msg"] == "-2 is negative"
    assert "did you mean 'increasing'" in details["valuations.defence.value"]["msg"]
    r = room.submit("a", {"valuations": {}, "secret_key": 1})
    assert r.status_code == 422 and r.json()["details"][0]["loc"] == "secret_key"
    r = room.submit("a", [1, 2])
    assert r.status_code == 422
    # Nothing was stored.
    assert (
        client.get(room.url("/parties/a/preferences"), headers=bearer(room.tokens["a"])).json()[
            "submitted"
        ]
        is False
    )


def test_clean_errors(client):
    room = Room(client)
    a = bearer(room.tokens["a"])
    r = client.put(
        room.url("/parties/a/preferences"),
        headers={**a, "content-type": "application/json"},
        content=b"{oops",
    )
    assert r.status_code == 400 and r.json()["error"] == "bad_json"
    r = client.put(room.url("/parties/a/preferences"), headers=a, content=b'{"batna": NaN}')
    assert r.status_code == 400
    assert client.post("/api/negotiations", content=b"[" * 100_000).status_code == 400
    r = client.post(
        "/api/negotiations", content=b"x" * 1_000_001, headers={"content-type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    assert client.get(room.url("/text")).status_code == 401
    assert client.get(room.url("/text"), headers=bearer("nonsense")).status_code == 401
    forged = room.tokens["a"][:-4] + "AAAA"
    assert client.get(room.url("/text"), headers=bearer(forged)).status_code == 401
    assert client.get(room.url("/text"), headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/api/negotiations/0000000000000000/text", headers=a).status_code == 403
    assert client.get(room.url("/parties/zz/preferences"), headers=a).status_code == 404
    room.submit_all()
    assert room.act("a", "nopart", "accept").status_code == 404
    r = room.act("a", "trade", "accept", round="one")
    assert r.status_code == 422
    r = room.act("a", "trade", "comment", text="x" * 2001)
    assert r.status_code == 422
    assert client.get("/api/nowhere").status_code == 404
    for r in [client.get(room.url("/text"), headers=bearer("nonsense"))]:
        assert "Traceback" not in r.text


def test_audit_log_is_append_only_in_the_database(client, db_url):
    room = Room(client)
    store = client.app.state.store
    with pytest.raises(Exception, match="append-only"), store.write() as s:
        s.execute(
            sql("update audit_log set action = 'x' where negotiation_id = :n"), {"n": room.id}
        )
    with pytest.raises(Exception, match="append-only"), store.write() as s:
        s.execute(sql("delete from audit_log where negotiation_id = :n"), {"n": room.id})
    assert [e["action"] for e in room.log()] == ["created"]


def test_comments_are_logged_for_everyone(client):
    room = Room(client)
    room.submit_all()
    r = room.act("b", "security", "comment", text="more defence needs budget approval")
    assert r.status_code == 200
    entry = room.log()[-1]
    assert entry["actor"] == "b" and entry["action"] == "commented" and entry["part"] == "security"
    assert (
        client.get(room.url("/log"), headers=bearer(room.tokens["a"])).json()["entries"][-1]
        == entry
    )


def test_openapi_lists_the_endpoints(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/negotiations",
        "/api/negotiations/{nid}/parties/{party}/preferences",
        "/api/negotiations/{nid}/text",
        "/api/negotiations/{nid}/text/parts/{part}/accept",
        "/api/negotiations/{nid}/text/parts/{part}/reject",
        "/api/negotiations/{nid}/text/parts/{part}/lock",
        "/api/negotiations/{nid}/log",
    ):
        assert path in paths
    assert client.get("/docs").status_code == 200


def test_an_uploaded_scenario_cannot_make_the_server_read_its_files(client):
    data = toy_data()
    data["economy"] = {"data": "/etc/passwd"}
    r = client.post("/api/negotiations", json={"scenario": data})
    assert r.status_code == 422 and r.json()["details"][0]["loc"] == "scenario.economy.data"


def test_unexpected_errors_are_bare_500s_without_their_message(client, monkeypatch, caplog):
    room = Room(client)

    def boom(*args, **kwargs):
        raise ValueError("SECRET-IN-THE-MESSAGE")

    monkeypatch.setattr("dealspace.server.room.text", boom)
    r = client.get(room.url("/text"), headers=bearer(room.admin))
    assert r.status_code == 500 and r.json() == {"error": "internal", "message": "internal error"}
    assert "SECRET-IN-THE-MESSAGE" not in caplog.text and "ValueError" in caplog.text
