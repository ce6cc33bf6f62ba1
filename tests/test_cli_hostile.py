"""Every command on a scenario whose every name holds rich markup, read from a
folder whose path holds markup too: nothing crashes (rich's MarkupError), and
the text comes out as written (issue 18, cause 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dealspace.cli import app

HOSTILE = Path(__file__).parent / "data" / "hostile" / "markup.yaml"
runner = CliRunner()
#: Literal texts of the scenario that tables and sentences print.
SHOWN = ("Alpha [/x]", "[bold]Beta")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``…/[bold]d[/x]/`` (the path holds the text ``[/x]``) with the scenario in it."""
    root = tmp_path_factory.mktemp("hostile") / "[bold]d[" / "x]"
    root.mkdir(parents=True)
    shutil.copy(HOSTILE, root / "s.yaml")
    return root


def run(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})
    text = result.stdout + result.stderr
    assert "MarkupError" not in text and "Traceback" not in text, text
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, text


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["validate"], ()),
        (["show"], SHOWN + ("Hostile [/x] title [bold]", "[red]markup", "%[/x]", "closed [/x]")),
        (["frontier"], SHOWN + ("Tariff [/x]", "[bold]quota")),
        (["frontier", "--limit", "3"], SHOWN),
        (["solve", "--solution", "all"], SHOWN + ("[bold]Rice",)),
        (["linkage", "--shapley"], SHOWN + ("Tariff [/x]", "[bold]quota")),
        (["linkage", "--off-table", "apply"], SHOWN),
        (["redlines"], SHOWN + ("no open rice [/x]",)),
        (["offers", "--party", "a"], SHOWN[:1]),
        (["offers", "--party", "b", "--k", "5"], SHOWN[1:]),
        (["harvest", "--pairs"], SHOWN),
        (["coalitions"], SHOWN),
        (["robust", "--draws", "50"], ("Hostile [/x] title [bold]",)),
        (["simulate", "--trace"], ()),
        (["simulate", "--runs", "4"], ()),
        (
            ["compare-protocols", "--runs", "4", "--no-sensitivity", "--no-tariff-cost"],
            ("Hostile [/x] title [bold]",),
        ),
        (
            ["analyze", "--no-report", "--no-process", "--world-runs", "0", "--no-sensitivity"],
            SHOWN,
        ),
    ],
    ids=lambda a: "-".join(a) if isinstance(a, list) else None,
)
def test_every_command_prints_markup_literally(
    folder: Path, args: list[str], shown: tuple[str, ...]
) -> None:
    code, text = run(args[0], folder / "s.yaml", *args[1:])
    assert code == 0, text
    for literal in shown:
        assert literal in text, (literal, text)


def test_writers_take_paths_with_markup(folder: Path) -> None:
    """Every file a command writes may sit in a folder named like markup; the
    'wrote …' line shows the path as it is."""
    source = folder / "s.yaml"
    before = source.read_text()
    plain = yaml.safe_load(before)  # Genius XML has no constraints or bonuses
    for party in plain["parties"]:
        for key in ("must_haves", "red_lines", "nice_to_haves", "interactions"):
            party.pop(key, None)
        party["valuations"]["tariff"]["weight"] = 4
    (folder / "plain.yaml").write_text(yaml.safe_dump(plain))
    writes = [
        ["schema", "-o", folder / "schema.json"],
        ["convert", source, folder / "copy.json"],
        ["convert", folder / "plain.yaml", folder / "genius"],
        ["frontier", source, "--csv", folder / "f.csv", "--plot", folder / "f.svg"],
        ["report", source, "-o", folder / "r.md"],
        [
            "analyze",
            source,
            "-o",
            folder / "a.html",
            "--no-process",
            "--world-runs",
            "0",
            "--no-sensitivity",
        ],
    ]
    for args in writes:
        code, text = run(*args)
        assert code == 0, text
        assert str(folder) in text.replace("\n", ""), text
    for name in ("schema.json", "copy.json", "f.csv", "f.svg", "r.md", "a.html"):
        assert (folder / name).stat().st_size > 0
    assert source.read_text() == before
    # the copy and the Genius files read back as the same scenario
    assert yaml.safe_load((folder / "copy.json").read_text())["title"] == (
        "Hostile [/x] title [bold]"
    )
    # a Genius item value with markup (it becomes an option's label)
    for xml in (folder / "genius").glob("*.xml"):
        xml.write_text(xml.read_text().replace('"closed"', '"closed [/x] [bold]"'))
    for command in ("validate", "show", "frontier", "solve"):
        code, text = run(command, folder / "genius")
        assert code == 0, text
    assert "closed [/x] [bold]" in text


def test_error_messages_with_markup_are_printed_as_written(folder: Path) -> None:
    code, text = run("offers", folder / "s.yaml", "--party", "[/x]")
    assert code == 2 and "[/x]" in text
    code, text = run("show", folder / "missing[/x].yaml")
    assert code == 2 and "[/x]" in text
