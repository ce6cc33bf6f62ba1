"""Two delegations run the US–Japan negotiation end to end in a real browser.

Playwright drives Debian's Chromium (``/usr/bin/chromium``; nothing is
downloaded) against ``dealspace serve`` on loopback, one browser context per
delegation. The US creates the negotiation, both join with their invitation
tokens, submit their (prefilled) preferences through the form, answer the
text part by part — Japan rejects the currency chapter in round 1, the
trade chapter is locked in round 2 — and conclude. Along the way neither
page ever shows the other delegation's confidential notes, and the other's
preferences are refused (403) from inside the browser.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dealspace.server import mediator

from .conftest import Server

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Debian's chromium is not installed (apt-get install chromium, or run .ci/services.sh); "
        "the browser test needs it and never downloads a browser",
    ),
]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright (Python package) is not installed"
)

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PARTS = [
    "trade",
    "investment",
    "energy",
    "security",
    "economic_security",
    "currency",
    "people",
    "intellectual_property",
]


def secrets_of(party: str) -> list[str]:
    """Long texts found only in one party's confidential preferences."""
    shared, prefs = mediator.load("us-japan-2025")
    public = json.dumps(shared) + json.dumps({p: v for p, v in prefs.items() if p != party})
    found: list[str] = []

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        elif isinstance(x, str) and len(x) > 40 and x[:40] not in public:
            found.append(x[:40])

    walk(prefs[party])
    return found


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(str(tmp_path / "room.db")).start()
    yield srv
    srv.stop()


def test_two_delegations_conclude_us_japan_in_the_browser(server: Server, tmp_path: Path) -> None:
    secret = {"us": secrets_of("us"), "japan": secrets_of("japan")}
    assert len(secret["us"]) > 10 and len(secret["japan"]) > 5
    pages_seen: dict[str, list[str]] = {"us": [], "japan": []}

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            us_ctx, jp_ctx = (
                browser.new_context(base_url=server.base),
                browser.new_context(base_url=server.base),
            )
            us, jp = us_ctx.new_page(), jp_ctx.new_page()
            errors: list[str] = []
            for page in (us, jp):
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            pages = {"us": us, "japan": jp}

            def seen(who: str) -> None:
                pages_seen[who].append(pages[who].content())

            # The US delegation creates the negotiation and hands Japan its token.
            us.goto("/")
            us.select_option("#scenario", "us-japan-2025")
            with us.expect_navigation():
                us.click("#create")
            tokens = {p: us.inner_text(f"#token-{p}") for p in ("us", "japan", "admin")}
            nid = us.inner_text("#negotiation-id")
            room = f"/n/{nid}"

            for who, page in pages.items():
                page.goto("/join")
                page.fill("#token", tokens[who])
                with page.expect_navigation():
                    page.click("#join")
                assert page.url.endswith(room)
                cookie = next(c for c in page.context.cookies() if c["name"] == "dealspace_session")
                assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
                seen(who)

            # Each submits its own preferences (prefilled from the scenario) with the form.
            for who, page in pages.items():
                page.goto(room)
                assert page.is_visible("#submit-preferences")
                with page.expect_navigation():
                    page.click("#submit-preferences")
                seen(who)
            us.goto(room)
            assert us.inner_text("#state") == "negotiating" and us.inner_text("#round") == "1"
            assert us.inner_text("#zopa") == "yes"
            assert us.inner_text("#option-auto_tariff") == "15%"
            assert float(us.inner_text("#my-utility")) > 35  # above the US BATNA
            seen("us")

            # The browser cannot read the other delegation's preferences.
            r = us.request.get(f"/api/negotiations/{nid}/parties/japan/preferences")
            assert r.status == 403
            r = jp.request.get(f"/api/negotiations/{nid}/parties/us/advice")
            assert r.status == 403

            loads = iter(range(1_000_000))

            def answer(who: str, part: str, verb: str, comment: str = "") -> None:
                page = pages[who]
                page.goto(f"{room}?load={next(loads)}")  # a full load: the current text
                if comment:
                    page.fill(f"#part-{part} input[name=comment]", comment)
                with page.expect_navigation():
                    page.click(f"#{verb}-{part}")
                seen(who)

            # Round 1: the US accepts everything; Japan rejects the currency chapter.
            round1_currency = us.inner_text("#option-currency")
            for part in PARTS:
                answer("us", part, "accept")
            for part in PARTS:
                if part == "currency":
                    answer("japan", part, "reject", comment="no currency language")
                else:
                    answer("japan", part, "accept")
            # The US page, loaded before Japan's answers, notices the change by itself.
            us.wait_for_selector("#changed-banner", state="visible", timeout=20_000)
            jp.goto(room)
            assert jp.inner_text("#round") == "2"
            assert jp.inner_text("#option-currency") != round1_currency
            assert jp.locator("#part-currency tr.changed").count() >= 1

            # Round 2: trade is accepted by both and locked as an early harvest.
            answer("japan", "trade", "accept")
            answer("us", "trade", "accept")
            us.goto(room)
            assert us.inner_text("#status-trade") == "agreed"
            answer("us", "trade", "lock")
            us.goto(room)
            assert us.inner_text("#status-trade") == "locked"
            assert us.locator("#accept-trade").count() == 0

            for part in PARTS[1:]:
                answer("us", part, "accept")
                answer("japan", part, "accept")
            for who, page in pages.items():
                page.goto(room)
                assert page.inner_text("#state") == "concluded"
                assert page.is_visible("#concluded")
                seen(who)
            final = {
                who: [
                    pages[who].inner_text(f"#option-{i}")
                    for i in ("auto_tariff", "currency", "rice")
                ]
                for who in pages
            }
            assert final["us"] == final["japan"]
            log_text = jp.inner_text("#log")
            assert (
                "no currency language" in log_text
                and "locked" in log_text
                and "concluded" in log_text
            )
            us.screenshot(path=str(tmp_path / "us-concluded.png"), full_page=True)
            assert not errors, errors
        finally:
            browser.close()

    # Neither delegation's pages ever held the other's confidential notes.
    for who, other in (("us", "japan"), ("japan", "us")):
        blob = "\n".join(pages_seen[who])
        leaked = [s for s in secret[other] if s in blob]
        assert not leaked, (who, leaked[:3])
        assert any(s in blob for s in secret[who])  # its own notes were on its pages
    assert (
        re.search(r"ds\.[0-9a-f]{12}\.", "\n".join(pages_seen["japan"])) is None
    )  # no token in pages
