"""Fixtures of the negotiation-room tests.

Every database test runs on SQLite and on PostgreSQL. PostgreSQL comes from
``DEALSPACE_TEST_PG`` (a URL; ``eval "$(.ci/services.sh)"`` starts Debian's
server and sets it); without it the PostgreSQL cases fail, unless
``DEALSPACE_TEST_SQLITE_ONLY=1`` says to run on SQLite alone.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip(
    "fastapi", reason="the server extra is not installed: pip install 'dealspace[server]'"
)

import httpx  # noqa: E402
import yaml  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from dealspace.server.app import create_app  # noqa: E402

ROOT = Path(__file__).parents[2]
TOY = ROOT / "tests" / "data" / "toy.yaml"
PG = os.environ.get("DEALSPACE_TEST_PG")
SQLITE_ONLY = os.environ.get("DEALSPACE_TEST_SQLITE_ONLY") == "1"


def pg_url() -> str:
    if PG:
        return PG
    if SQLITE_ONLY:
        pytest.skip("DEALSPACE_TEST_SQLITE_ONLY=1: the PostgreSQL case is skipped")
    pytest.fail(
        'DEALSPACE_TEST_PG is not set: run `eval "$(.ci/services.sh)"` to start PostgreSQL, '
        "or set DEALSPACE_TEST_SQLITE_ONLY=1 to test on SQLite only"
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "room.db")
    return pg_url()


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    app = create_app(db_url)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    app.state.store.dispose()


def toy_data() -> dict[str, Any]:
    return yaml.safe_load(TOY.read_text())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Room:
    """A negotiation created through the API, with its tokens."""

    def __init__(self, client: Any, scenario: Any = None) -> None:
        self.c = client
        r = client.post(
            "/api/negotiations", json={"scenario": scenario if scenario is not None else toy_data()}
        )
        assert r.status_code == 201, r.text
        out = r.json()
        self.id: str = out["id"]
        self.admin: str = out["admin_token"]
        self.tokens: dict[str, str] = out["parties"]

    def url(self, tail: str = "") -> str:
        return f"/api/negotiations/{self.id}{tail}"

    def prefs(self, party: str) -> dict[str, Any]:
        r = self.c.get(
            self.url(f"/parties/{party}/preferences"), headers=bearer(self.tokens[party])
        )
        assert r.status_code == 200, r.text
        return r.json()["preferences"]

    def submit(self, party: str, prefs: dict[str, Any] | None = None) -> Any:
        body = prefs if prefs is not None else self.prefs(party)
        return self.c.put(
            self.url(f"/parties/{party}/preferences"), headers=bearer(self.tokens[party]), json=body
        )

    def submit_all(self) -> None:
        for party in self.tokens:
            r = self.submit(party)
            assert r.status_code == 200, r.text

    def text(self) -> dict[str, Any]:
        r = self.c.get(self.url("/text"), headers=bearer(self.admin))
        assert r.status_code == 200, r.text
        return r.json()

    def act(self, party: str, part: str, verb: str, **body: Any) -> Any:
        return self.c.post(
            self.url(f"/text/parts/{part}/{verb}"),
            headers=bearer(self.tokens[party]),
            json=body or None,
        )

    def log(self) -> list[dict[str, Any]]:
        return self.c.get(self.url("/log"), headers=bearer(self.admin)).json()["entries"]


# ------------------------------------------------------------------ a real server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``dealspace serve`` in a subprocess on loopback."""

    def __init__(self, db: str, port: int | None = None, workers: int = 1) -> None:
        self.db = db
        self.workers = workers
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        # The server's stderr (a pipe could fill and block it); closed with the object.
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115

    def start(self) -> Server:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from dealspace.cli import main; main(sys.argv[1:])",
                "serve",
                "--db",
                self.db,
                "--port",
                str(self.port),
                "--quiet",
                "--workers",
                str(self.workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.errors,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.errors.seek(0)
                raise RuntimeError(f"the server exited: {self.errors.read().decode()[-2000:]}")
            try:
                if httpx.get(self.base + "/api/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        self.kill()
        raise RuntimeError("the server did not start in 180 s")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # SIGKILL
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
