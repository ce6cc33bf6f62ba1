"""Load test of the negotiation room on loopback: SQLite against PostgreSQL.

For each database the script starts ``dealspace serve`` on 127.0.0.1, creates
25 negotiations (two parties each) and runs 50 concurrent parties for 60 s.
Each party loops without pause: of every 20 requests, one submits its
preferences (PUT, weights jittered, so the mediator recomputes the text once
both have submitted), two answer a part of the text (accept, or 1 in 5
reject), and seventeen poll the text (GET). It prints requests per second and latency
percentiles overall and per kind of request, then PostgreSQL's throughput as
a ratio of SQLite's measured in the same run.

    python benchmarks/load_server.py                       # both; PostgreSQL from DEALSPACE_TEST_PG
    python benchmarks/load_server.py --backends sqlite --duration 20

The load generator shares the machine with the server, so figures are lower
bounds of what the server alone does.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: str, workers: int = 1) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from dealspace.cli import main; main(sys.argv[1:])",
            "serve",
            "--db",
            db,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--quiet",
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode}")
        try:
            if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not start in 180 s")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


async def party_loop(
    client: httpx.AsyncClient,
    nid: str,
    party: str,
    token: str,
    parts: list[str],
    end: float,
    samples: list[tuple[str, float, int]],
    rng: random.Random,
) -> None:
    h = {"Authorization": f"Bearer {token}"}
    url = f"/api/negotiations/{nid}"
    for attempt in range(5):
        try:
            prefs = (await client.get(f"{url}/parties/{party}/preferences", headers=h)).json()[
                "preferences"
            ]
            break
        except httpx.TransportError:
            if attempt == 4:
                raise
            await asyncio.sleep(1)
    first = next(iter(prefs["valuations"]))
    base_weight = float(prefs["valuations"][first].get("weight", 1.0))
    i = 0
    while time.monotonic() < end:
        i += 1
        t0 = time.perf_counter()
        try:
            if i % 20 == 1:
                kind = "submit"
                prefs["valuations"][first]["weight"] = base_weight * rng.uniform(0.9, 1.1)
                r = await client.put(f"{url}/parties/{party}/preferences", headers=h, json=prefs)
            elif i % 20 in (6, 16):
                kind = "answer"
                verb = "accept" if rng.random() < 0.8 else "reject"
                r = await client.post(f"{url}/text/parts/{rng.choice(parts)}/{verb}", headers=h)
            else:
                kind = "poll"
                r = await client.get(f"{url}/text", headers=h)
            status = r.status_code
        except httpx.HTTPError:
            status = 599
        samples.append((kind, time.perf_counter() - t0, status))


async def run_load(
    base: str, scenario: str, negotiations: int, duration: float
) -> list[tuple[str, float, int]]:
    limits = httpx.Limits(
        max_connections=2 * negotiations + 10, max_keepalive_connections=2 * negotiations + 10
    )
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        rooms = []
        for _ in range(negotiations):
            r = await client.post("/api/negotiations", json={"scenario": scenario})
            r.raise_for_status()
            rooms.append(r.json())
        info = (
            await client.get(
                f"/api/negotiations/{rooms[0]['id']}",
                headers={"Authorization": f"Bearer {rooms[0]['admin_token']}"},
            )
        ).json()
        parts = [p["id"] for p in info["parts"]]
        samples: list[tuple[str, float, int]] = []
        end = time.monotonic() + duration
        rng = random.Random(17)
        await asyncio.gather(
            *[
                party_loop(
                    client,
                    room["id"],
                    party,
                    token,
                    parts,
                    end,
                    samples,
                    random.Random(rng.random()),
                )
                for room in rooms
                for party, token in room["parties"].items()
            ]
        )
        return samples


def report(name: str, samples: list[tuple[str, float, int]], duration: float) -> dict[str, Any]:
    ok = [s for s in samples if s[2] < 500]
    errors = len(samples) - len(ok)
    lat = [s[1] * 1000 for s in ok]
    rate = len(samples) / duration
    print(
        f"\n{name}: {len(samples)} requests in {duration:.0f} s = {rate:.1f} req/s; "
        f"p50 {percentile(lat, 50):.0f} ms, p95 {percentile(lat, 95):.0f} ms, p99 {percentile(lat, 99):.0f} ms; "
        f"server errors {errors}"
    )
    for kind in ("poll", "submit", "answer"):
        k = [s[1] * 1000 for s in ok if s[0] == kind]
        codes = sorted({s[2] for s in samples if s[0] == kind})
        if k:
            print(
                f"  {kind:7s} n={len(k):6d}  mean {statistics.fmean(k):7.0f} ms  p95 {percentile(k, 95):7.0f} ms  "
                f"statuses {codes}"
            )
    return {"rate": rate, "p95": percentile(lat, 95), "errors": errors}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--duration", type=float, default=60.0, help="seconds of load per database (default 60)"
    )
    ap.add_argument(
        "--negotiations", type=int, default=25, help="negotiations, two parties each (default 25)"
    )
    ap.add_argument(
        "--scenario",
        default="us-japan-2025-trade-only",
        help="built-in scenario of every negotiation",
    )
    ap.add_argument(
        "--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    ap.add_argument(
        "--workers", type=int, default=1, help="server processes (dealspace serve --workers)"
    )
    ap.add_argument(
        "--pg",
        default=os.environ.get("DEALSPACE_TEST_PG"),
        help="PostgreSQL URL (default: $DEALSPACE_TEST_PG)",
    )
    args = ap.parse_args()
    print(
        f"load: {args.negotiations} negotiations × 2 parties, scenario {args.scenario}, {args.duration:.0f} s each, "
        f"loopback, {args.workers} server process(es), {os.cpu_count()} CPUs shared by server and load generator"
    )
    results: dict[str, dict[str, Any]] = {}
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend == "postgresql":
            if not args.pg:
                print(
                    '\npostgresql: skipped (set DEALSPACE_TEST_PG or --pg; `eval "$(.ci/services.sh)"` starts one)'
                )
                continue
            db = args.pg
        else:
            db = str(Path(tempfile.mkdtemp(prefix="dealspace-load-")) / "room.db")
        proc, base = start_server(db, args.workers)
        try:
            samples = asyncio.run(run_load(base, args.scenario, args.negotiations, args.duration))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        results[backend] = report(backend, samples, args.duration)
    if "sqlite" in results and "postgresql" in results:
        ratio = results["postgresql"]["rate"] / results["sqlite"]["rate"]
        print(
            f"\nPostgreSQL / SQLite throughput: {ratio:.2f}×  "
            f"(p95 {results['postgresql']['p95']:.0f} ms vs {results['sqlite']['p95']:.0f} ms)"
        )


if __name__ == "__main__":
    main()
