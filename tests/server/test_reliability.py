"""Reliability against a real server process: SIGKILL in the middle of a burst
of writes loses no acknowledged write and leaves no half-written state;
concurrent answers from two parties resolve to one outcome."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from .conftest import TOY, Server, pg_url

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return str(tmp_path / "room.db") if request.param == "sqlite" else pg_url()


def new_room(base: str) -> dict[str, Any]:
    r = httpx.post(
        base + "/api/negotiations", json={"scenario": yaml.safe_load(TOY.read_text())}, timeout=30
    )
    assert r.status_code == 201, r.text
    return r.json()


def h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def submit_all(base: str, room: dict[str, Any]) -> None:
    for party, token in room["parties"].items():
        url = f"{base}/api/negotiations/{room['id']}/parties/{party}/preferences"
        prefs = httpx.get(url, headers=h(token), timeout=30).json()["preferences"]
        assert httpx.put(url, headers=h(token), json=prefs, timeout=60).status_code == 200


def burst_then_kill(server: Server) -> tuple[list[str], int, dict[str, Any]]:
    """Writers hammer the server; SIGKILL it mid-burst. Returns what was acknowledged."""
    base = server.base
    room = new_room(base)
    nid = room["id"]
    submit_all(base, room)
    acked_comments: list[str] = []
    acked_revisions = 0
    stop = threading.Event()
    lock = threading.Lock()

    def commenter(k: int) -> None:
        token = room["parties"]["ab"[k % 2]]
        with httpx.Client(timeout=10) as c:
            n = 0
            while not stop.is_set():
                body = f"w-{k}-{n}"
                n += 1
                try:
                    r = c.post(
                        f"{base}/api/negotiations/{nid}/text/parts/trade/comment",
                        headers=h(token),
                        json={"text": body},
                    )
                except httpx.HTTPError:
                    return  # the server is gone
                if r.status_code == 200:
                    with lock:
                        acked_comments.append(body)

    def reviser() -> None:
        # Each revision is a multi-row transaction: preferences, a new round, advice, log lines.
        nonlocal acked_revisions
        token = room["parties"]["b"]
        url = f"{base}/api/negotiations/{nid}/parties/b/preferences"
        with httpx.Client(timeout=30) as c:
            prefs = c.get(url, headers=h(token)).json()["preferences"]
            n = 0
            while not stop.is_set():
                n += 1
                prefs["valuations"]["defence"]["weight"] = 2 + (n % 3)
                try:
                    r = c.put(url, headers=h(token), json=prefs)
                except httpx.HTTPError:
                    return
                if r.status_code == 200:
                    with lock:
                        acked_revisions += 1

    threads = [threading.Thread(target=commenter, args=(k,)) for k in range(4)]
    threads.append(threading.Thread(target=reviser))
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with lock:
            if len(acked_comments) >= 40 and acked_revisions >= 2:
                break
        time.sleep(0.05)
    server.kill()  # SIGKILL while the writers are still writing
    stop.set()
    for t in threads:
        t.join(timeout=30)
    return acked_comments, acked_revisions, room


def test_sigkill_during_a_burst_loses_no_acknowledged_write(db: str) -> None:
    server = Server(db).start()
    try:
        acked_comments, acked_revisions, room = burst_then_kill(server)
    finally:
        server.kill()
    nid = room["id"]
    assert len(acked_comments) >= 40 and acked_revisions >= 2
    print(
        f"SIGKILL after {len(acked_comments)} acknowledged comments and {acked_revisions} revisions"
    )

    again = Server(db).start()
    try:
        admin = h(room["admin_token"])
        entries = httpx.get(
            f"{again.base}/api/negotiations/{nid}/log", headers=admin, timeout=30
        ).json()["entries"]
        text = httpx.get(
            f"{again.base}/api/negotiations/{nid}/text", headers=admin, timeout=30
        ).json()
    finally:
        again.stop()
    logged = {e["detail"].get("comment") for e in entries if e["action"] == "commented"}
    missing = [c for c in acked_comments if c not in logged]
    assert not missing, f"{len(missing)} acknowledged comments lost, e.g. {missing[:3]}"
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    revised = sum(e["action"] == "preferences_revised" for e in entries)
    assert revised >= acked_revisions
    # No half-written state: every revision has its round, every round its text.
    proposed = [e for e in entries if e["action"] in ("text_proposed", "no_agreement")]
    assert len(proposed) == text["round"] == revised + 1
    assert [e["detail"]["round"] for e in proposed] == list(range(1, text["round"] + 1))
    assert text["package"] == proposed[-1]["detail"].get("package")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    db = str(tmp_path_factory.mktemp("live") / "room.db") if request.param == "sqlite" else pg_url()
    server = Server(db).start()
    yield server
    server.stop()


def at_once(*calls: Any) -> list[httpx.Response]:
    """Run the calls in threads released together."""
    barrier = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)

    def run(k: int) -> None:
        barrier.wait()
        out[k] = calls[k]()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return out


@pytest.mark.parametrize("trial", range(3))
def test_concurrent_accepts_conclude_exactly_once(live: Server, trial: int) -> None:
    base = live.base
    room = new_room(base)
    nid = room["id"]
    submit_all(base, room)
    url = f"{base}/api/negotiations/{nid}/text/parts"
    a, b = h(room["parties"]["a"]), h(room["parties"]["b"])
    for token in (a, b):
        assert (
            httpx.post(
                f"{url}/trade/accept", headers=token, json={"round": 1}, timeout=30
            ).status_code
            == 200
        )
    first, second = at_once(
        lambda: httpx.post(f"{url}/security/accept", headers=a, json={"round": 1}, timeout=60),
        lambda: httpx.post(f"{url}/security/accept", headers=b, json={"round": 1}, timeout=60),
    )
    assert first.status_code == second.status_code == 200
    assert sorted(r.json()["state"] for r in (first, second)) == ["concluded", "negotiating"]
    entries = httpx.get(f"{base}/api/negotiations/{nid}/log", headers=a, timeout=30).json()[
        "entries"
    ]
    assert [e["action"] for e in entries].count("concluded") == 1
    text = httpx.get(f"{base}/api/negotiations/{nid}/text", headers=a, timeout=30).json()
    assert text["state"] == "concluded" and text["final"] == text["package"]


@pytest.mark.parametrize("trial", range(3))
def test_concurrent_accept_and_reject_open_one_new_round(live: Server, trial: int) -> None:
    base = live.base
    room = new_room(base)
    nid = room["id"]
    submit_all(base, room)
    url = f"{base}/api/negotiations/{nid}/text/parts"
    a, b = h(room["parties"]["a"]), h(room["parties"]["b"])
    httpx.post(f"{url}/trade/accept", headers=a, json={"round": 1}, timeout=30)
    httpx.post(f"{url}/security/accept", headers=a, json={"round": 1}, timeout=30)
    results = at_once(
        lambda: httpx.post(f"{url}/trade/reject", headers=b, json={"round": 1}, timeout=60),
        lambda: httpx.post(f"{url}/security/accept", headers=b, json={"round": 1}, timeout=60),
        lambda: httpx.post(f"{url}/security/lock", headers=a, json={"round": 1}, timeout=60),
    )
    # b's two answers both land in round 1, whichever first; the second closes
    # the round. The lock lands before b's accept (not agreed), between the two
    # (locked), or after the round closed (stale): never a second new round.
    assert results[0].status_code == results[1].status_code == 200
    assert results[2].status_code == 200 or results[2].json()["error"] in (
        "not_agreed",
        "stale_round",
    )
    entries = httpx.get(f"{base}/api/negotiations/{nid}/log", headers=a, timeout=30).json()[
        "entries"
    ]
    proposed = [e for e in entries if e["action"] == "text_proposed"]
    text = httpx.get(f"{base}/api/negotiations/{nid}/text", headers=a, timeout=30).json()
    assert text["round"] == len(proposed) == 2  # exactly one new round
    assert [e["detail"]["round"] for e in proposed] == [1, 2]


def test_several_worker_processes_share_one_database(db: str) -> None:
    """``serve --workers 2``: answers through either process close the round once."""
    server = Server(db, workers=2).start()
    try:
        for _ in range(2):
            room = new_room(server.base)
            nid = room["id"]
            submit_all(server.base, room)
            url = f"{server.base}/api/negotiations/{nid}/text/parts"
            a, b = h(room["parties"]["a"]), h(room["parties"]["b"])
            for token in (a, b):
                assert (
                    httpx.post(
                        f"{url}/trade/accept", headers=token, json={"round": 1}, timeout=30
                    ).status_code
                    == 200
                )
            results = at_once(
                lambda a=a, url=url: httpx.post(
                    f"{url}/security/accept", headers=a, json={"round": 1}, timeout=60
                ),
                lambda b=b, url=url: httpx.post(
                    f"{url}/security/accept", headers=b, json={"round": 1}, timeout=60
                ),
            )
            assert [r.status_code for r in results] == [200, 200]
            log = httpx.get(
                f"{server.base}/api/negotiations/{nid}/log", headers=a, timeout=30
            ).json()["entries"]
            assert [e["action"] for e in log].count("concluded") == 1
    finally:
        server.stop()
