"""The browser pages without a browser: the preference form round-trips a
party's preferences exactly, ticks become constraints, cookies and CSRF, the
CLI without the server extra."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from dealspace.server import mediator

from .conftest import ROOT, bearer


class FormFields(HTMLParser):
    """The fields a browser would send for the form with ``form_id`` (as rendered)."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.select: str | None = None
        self.textarea: str | None = None
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, value: str) -> None:
        self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.add(a["name"], a.get("value", "on"))
            else:
                self.add(a["name"], a.get("value", ""))
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.add(self.select, a["value"])
        elif tag == "textarea":
            self.textarea = a["name"]

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.add(self.textarea, data)
            self.textarea = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def join(client: TestClient, token: str) -> str:
    r = client.post("/join", data={"token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert (
        "httponly" in r.headers["set-cookie"].lower()
        and "samesite=strict" in r.headers["set-cookie"].lower()
    )
    return r.headers["location"]


def create(client: TestClient, scenario: str) -> dict[str, str]:
    r = client.post("/new", data={"scenario": scenario})
    assert r.status_code == 200
    return dict(re.findall(r'id="token-(\w+)">([^<]+)<', r.text))


@pytest.mark.parametrize("party", ["us", "japan"])
def test_the_form_round_trips_the_preferences_exactly(client, party):
    tokens = create(client, "us-japan-2025")
    room = join(client, tokens[party])
    page = client.get(room)
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    form = FormFields("preferences-form")
    form.feed(page.text)
    r = client.post(room + "/preferences", data=form.fields, follow_redirects=False)
    assert r.status_code == 303, r.text[-500:]
    nid = room.rsplit("/", 1)[1]
    stored = client.get(
        f"/api/negotiations/{nid}/parties/{party}/preferences", headers=bearer(tokens[party])
    ).json()
    assert stored["submitted"] is True
    assert stored["preferences"] == mediator.load("us-japan-2025")[1][party]


def test_ticks_and_weights_become_preferences(client):
    tokens = create(client, "us-japan-2025")
    room = join(client, tokens["japan"])
    form = FormFields("preferences-form")
    form.feed(client.get(room).text)
    fields = form.fields
    fields["w.defence"] = ["7.5"]
    fields["never.energy"] = ["3"]  # the fourth option: alaska_offtake
    fields["must.rice"] = []  # untick Japan's one-issue must-have? rice has none: stays empty
    fields["keep.interactions.0"] = []  # drop the first interaction
    fields["batna_kind"] = ["number"]
    fields["batna_value"] = ["45"]
    r = client.post(room + "/preferences", data=fields, follow_redirects=False)
    assert r.status_code == 303
    nid = room.rsplit("/", 1)[1]
    prefs = client.get(
        f"/api/negotiations/{nid}/parties/japan/preferences", headers=bearer(tokens["japan"])
    ).json()["preferences"]
    original = mediator.load("us-japan-2025")[1]["japan"]
    assert prefs["valuations"]["defence"]["weight"] == 7.5
    assert prefs["batna"] == 45
    never = next(c for c in prefs["red_lines"] if c.get("id") == "energy.never")
    assert never["condition"] == {"issue": "energy", "in": ["alaska_offtake"]}
    assert (
        never["label"]
        == "US energy purchases and Alaska LNG: never Binding long-term Alaska LNG offtake / JV stake"
    )
    assert prefs["must_haves"] == original["must_haves"]  # unchanged ticks keep the originals
    assert prefs["interactions"] == original["interactions"][1:]


def test_bad_form_input_is_shown_not_stored(client):
    tokens = create(client, "us-japan-2025")
    room = join(client, tokens["us"])
    form = FormFields("preferences-form")
    form.feed(client.get(room).text)
    form.fields["v.rice.1"] = ["-3"]
    r = client.post(room + "/preferences", data=form.fields)
    assert r.status_code == 422
    assert "valuations.rice.value: the value of option &#39;plus25&#39; is -3.0" in r.text
    form.fields["w.rice"] = ["lots"]
    r = client.post(room + "/preferences", data=form.fields)
    assert r.status_code == 422 and "is not a number" in r.text


def test_forms_need_the_sessions_csrf_token(client):
    tokens = create(client, "us-japan-2025")
    room = join(client, tokens["us"])
    r = client.post(room + "/parts/trade/comment", data={"comment": "hi", "csrf": "forged"})
    assert r.status_code == 403
    form = FormFields("preferences-form")
    form.feed(client.get(room).text)
    r = client.post(
        room + "/parts/trade/comment",
        data={"comment": "hi", "csrf": form.fields["csrf"][0]},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_pages_of_another_party_or_negotiation_are_refused(client):
    first, second = create(client, "us-japan-2025"), create(client, "us-japan-2025")
    room = join(client, first["us"])
    join(client, second["japan"])  # the cookie now speaks for Japan in the second negotiation
    r = client.get(room)
    assert r.status_code == 403 and "another negotiation" in r.text
    client.cookies.clear()
    r = client.get(room, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/join"
    assert client.post("/join", data={"token": "ds.000000000000.nope"}).status_code == 401


def test_upload_a_scenario_file(client):
    text = (ROOT / "tests" / "data" / "toy.yaml").read_bytes()
    r = client.post(
        "/new", files={"file": ("toy.yaml", text, "application/yaml")}, data={"scenario": ""}
    )
    assert r.status_code == 200 and 'id="token-a"' in r.text
    r = client.post(
        "/new", files={"file": ("bad.yaml", b"name: x\nparties: [1\n", "application/yaml")}
    )
    assert r.status_code == 422 and "not valid YAML" in r.text
    bomb = b"a: &a [1,1,1,1,1,1,1,1,1]\n" + b"".join(
        f"{chr(98 + k)}: &{chr(98 + k)} [*{chr(97 + k)},*{chr(97 + k)},*{chr(97 + k)},*{chr(97 + k)},*{chr(97 + k)},*{chr(97 + k)},*{chr(97 + k)},*{chr(97 + k)},*{chr(97 + k)}]\n".encode()
        for k in range(8)
    )
    r = client.post("/new", files={"file": ("bomb.yaml", bomb, "application/yaml")})
    assert r.status_code == 422 and "expands to more than" in r.text


def test_serve_without_the_server_extra_says_how_to_install_it():
    code = (
        "import sys; sys.modules['fastapi'] = None; from dealspace.cli import main; main(['serve'])"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )
    assert r.returncode == 2
    assert "pip install 'dealspace[server]'" in r.stderr and "Traceback" not in r.stderr


def test_user_text_is_escaped_in_pages(client):
    tokens = create(client, "us-japan-2025")
    nid = join(client, tokens["us"]).rsplit("/", 1)[1]
    client.cookies.clear()
    evil = "<script>alert(1)</script>"
    for party in ("us", "japan"):
        url = f"/api/negotiations/{nid}/parties/{party}/preferences"
        prefs = client.get(url, headers=bearer(tokens[party])).json()["preferences"]
        assert client.put(url, headers=bearer(tokens[party]), json=prefs).status_code == 200
    r = client.post(
        f"/api/negotiations/{nid}/text/parts/trade/comment",
        headers=bearer(tokens["japan"]),
        json={"text": evil},
    )
    assert r.status_code == 200
    page = client.get(join(client, tokens["us"])).text
    assert evil not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_admin_page_shows_status_text_and_log_only(client):
    tokens = create(client, "us-japan-2025")
    room = join(client, tokens["admin"])
    page = client.get(room)
    assert page.status_code == 200 and 'You are <strong id="me">the admin' in page.text
    assert 'id="preferences-form"' not in page.text and 'id="advice"' not in page.text
    form = FormFields("preferences-form")
    form.feed(page.text)
    assert form.fields == {}
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is None  # no forms that change anything
    r = client.post(room + "/parts/trade/accept", data={"csrf": "x"})
    assert r.status_code == 403


def test_serve_with_a_database_it_cannot_open_says_so(tmp_path):
    code = "import sys; from dealspace.cli import main; main(sys.argv[1:])"
    bad = str(tmp_path / "no" / "such" / "folder" / "room.db")
    r = subprocess.run(
        [sys.executable, "-c", code, "serve", "--db", bad],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    # a SQLite path goes through the file rule first: it names the missing folder
    assert "the folder" in r.stderr and "does not exist" in r.stderr


@pytest.mark.parametrize(
    ("db", "expected"),
    [("", "the path is empty"), ("FOLDER", "is a folder"), ("sqlite:///FOLDER", "is a folder")],
)
def test_serve_refuses_a_bad_sqlite_path_before_opening_it(tmp_path, db, expected):
    from typer.testing import CliRunner

    from dealspace.cli import app

    db = db.replace("FOLDER", str(tmp_path))
    r = CliRunner().invoke(app, ["serve", "--db", db], env={"COLUMNS": "200"})
    assert r.exit_code == 2 and expected in r.stderr and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []  # nothing created


def test_serve_cannot_open_a_database_says_so(tmp_path):
    code = "import sys; from dealspace.cli import main; main(sys.argv[1:])"
    r = subprocess.run(
        [sys.executable, "-c", code, "serve", "--db", "postgresql://nobody@127.0.0.1:1/none"],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )
    assert r.returncode == 2
    assert "cannot open the database" in r.stderr and "Traceback" not in r.stderr
