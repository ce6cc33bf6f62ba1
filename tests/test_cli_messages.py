"""Messages (issue 18, cause 9): the option the command really has, echoes of
the user's text cut to a line, and reports that escape HTML from every label."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from dealspace.cli import app

TOY = Path(__file__).parent / "data" / "toy.yaml"
runner = CliRunner()


def run(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    text = result.stdout + result.stderr
    assert "Traceback" not in text, text
    return result.exit_code, text


def three_parties(tmp_path: Path) -> Path:
    data = yaml.safe_load(TOY.read_text())
    data["parties"].append(
        {"id": "c", "valuations": {"tariff": {"weight": 1, "value": "increasing"}}}
    )
    path = tmp_path / "three.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_bilateral_commands_name_their_own_option(tmp_path: Path) -> None:
    three = three_parties(tmp_path)
    for args in (["simulate", three], ["compare-protocols", three, "--runs", "2"]):
        code, text = run(*args)
        assert code == 2 and "--parties a,b" in text and "parties=(" not in text, text


def test_echoes_of_long_input_are_cut(tmp_path: Path) -> None:
    data = yaml.safe_load(TOY.read_text())
    data["parties"][0]["valuations"]["tariff"]["weight"] = "w" * 1_000_000
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(data, width=10**7))
    code, text = run("validate", path)
    assert code == 2 and "…" in text and len(text) < 1_000
    for args in (
        ["tariffs", "--preset", "p" * 100_000],
        ["world", "--order", "o" * 100_000],
        ["sweep", TOY, "--scheduler", "s" * 100_000],
    ):
        code, text = run(*args)
        assert code == 2 and max(len(line) for line in text.splitlines()) < 600, text[:300]


def test_offers_level_above_the_maximum() -> None:
    code, text = run("offers", TOY, "--party", "a", "--level", "1000")
    assert code == 2 and "at most 6" in text


def test_reports_escape_html_from_every_label(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    data = yaml.safe_load(TOY.read_text())
    data["title"] = evil
    data["parties"][1]["name"] = evil
    data["domains"][0]["issues"][1]["name"] = evil
    data["domains"][0]["issues"][1]["options"] = [
        {"id": "closed", "label": evil},
        "quota",
        "open",
    ]
    data["parties"][0]["red_lines"][0]["label"] = evil
    path = tmp_path / "evil.yaml"
    path.write_text(yaml.safe_dump(data))
    for suffix in (".md", ".html"):
        out = tmp_path / f"report{suffix}"
        code, text = run("report", path, "-o", out)
        assert code == 0, text
        written = out.read_text(encoding="utf-8")
        assert "<script>alert" not in written and "&lt;script&gt;" in written
