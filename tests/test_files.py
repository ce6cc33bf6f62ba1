"""One rule for every file a command writes, and checked sources (issue 18, causes 5, 6 and 9):
one clear message, exit code 2, no traceback, no hang, nothing overwritten."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dealspace import files
from dealspace.cli import app
from dealspace.errors import DealspaceError, shorten

TOY = Path(__file__).parent / "data" / "toy.yaml"
runner = CliRunner()


def run(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    text = result.stdout + result.stderr
    assert "Traceback" not in text, text
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, text


# ------------------------------------------------------------------ the helper


def test_atomic_output_leaves_the_old_file_when_the_write_fails(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("mine")
    with (
        pytest.raises(DealspaceError, match="nothing was changed"),
        files.atomic_output(target, "--csv", overwrite=True) as tmp,
    ):
        tmp.write_text("half a fi")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary file left


def test_atomic_output_replaces_only_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    assert files.write_text(target, "one") == target
    with pytest.raises(DealspaceError, match="--overwrite"):
        files.write_text(target, "two")
    files.write_text(target, "two", overwrite=True)
    assert target.read_text() == "two"
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)  # not the temporary file's mode


def test_a_file_appearing_during_the_write_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with pytest.raises(DealspaceError, match="appeared"), files.atomic_output(target) as tmp:
        tmp.write_text("new")
        target.write_text("someone else's")
    assert target.read_text() == "someone else's"


def test_read_only_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m: False if Path(p) == tmp_path else real(p, m))
    with pytest.raises(DealspaceError, match="read-only"):
        files.check_output(tmp_path / "x.csv", "--csv")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("", "empty"),
        (".", "empty"),
        ("{tmp}", "is a folder"),
        ("{tmp}/missing/x.csv", "does not exist"),
        ("{tmp}/file.txt/x.csv", "not a folder"),
        ("/dev/full", "is a device"),
        ("{tmp}/" + "n" * 300 + ".csv", "too long"),
        ("{tmp}/x.gif", "wrong extension"),
    ],
)
def test_check_output_refuses(tmp_path: Path, path: str, message: str) -> None:
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(DealspaceError, match=message):
        files.check_output(path.format(tmp=tmp_path), "--csv", overwrite=True, suffixes=(".csv",))


def test_never_over_an_input_even_with_overwrite(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("x")
    link = tmp_path / "link.yaml"
    link.symlink_to(mine)
    hard = tmp_path / "hard.yaml"
    os.link(mine, hard)
    for out in (mine, link, hard):
        with pytest.raises(DealspaceError, match="input"):
            files.check_output(out, overwrite=True, inputs=[mine])
    with pytest.raises(DealspaceError, match="input"):  # nor a file in an input folder
        files.check_output(mine, overwrite=True, inputs=[tmp_path])
    assert files.check_output(tmp_path / "new.csv", inputs=[tmp_path])  # a new one beside it


def test_sources(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    loop_a, loop_b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    cases = {
        fifo: "named pipe",
        loop_a: "loop of symbolic links",
        Path("/dev/null"): "is a device",
        tmp_path / ("n" * 300 + ".yaml"): "too long",
    }
    for path, message in cases.items():
        with pytest.raises(DealspaceError, match=message):
            files.check_source(path)
    assert files.check_source(tmp_path / "absent", missing_ok=True) is False


def test_shorten_cuts_echoes() -> None:
    assert shorten("x" * 10) == "x" * 10
    cut = shorten("y" * 5_000_000)
    assert len(cut) == 80 and cut.endswith("…")
    assert shorten("a\nb") == "a b"


# ------------------------------------------------------------------ every command


def writers(tmp: Path, out: Path) -> dict[str, list[object]]:
    """Each command that writes a file, writing ``out`` (its suffix is replaced as needed)."""
    grid = tmp / "grid.yaml"
    if tmp.is_dir():
        grid.write_text(
            yaml.safe_dump(
                {
                    "runs": 2,
                    "weeks": 10,
                    "protocols": ["alternating"],
                    "strategies": ["linear,linear"],
                }
            )
        )
    return {
        "schema": ["schema", "-o", out.with_suffix(".json")],
        "convert": ["convert", TOY, out.with_suffix(".json")],
        "frontier-csv": ["frontier", TOY, "--csv", out.with_suffix(".csv")],
        "frontier-plot": ["frontier", TOY, "--plot", out.with_suffix(".svg")],
        "compare-protocols": [
            "compare-protocols",
            TOY,
            "--runs",
            "2",
            "--no-sensitivity",
            "--no-tariff-cost",
            "--plot",
            out.with_suffix(".svg"),
        ],
        "report": ["report", TOY, "-o", out.with_suffix(".md")],
        "analyze": [
            "analyze",
            TOY,
            "-o",
            out.with_suffix(".html"),
            "--no-process",
            "--world-runs",
            "0",
            "--no-sensitivity",
        ],
        "tariffs-csv": ["tariffs", "--csv", out.with_suffix(".csv")],
        "tariffs-plot": ["tariffs", "--plot", out.with_suffix(".svg")],
        "world": [
            "world",
            "--runs",
            "2",
            "--first-mover-runs",
            "0",
            "--plot",
            out.with_suffix(".svg"),
        ],
        "sweep": [
            "sweep",
            grid,
            "--scenario",
            TOY,
            "--scheduler",
            "sync",
            "--out",
            out.with_suffix(".parquet"),
        ],
    }


def output_of(args: list[object], out: Path) -> Path:
    return next(a for a in args if isinstance(a, Path) and a.stem == out.stem)


BAD_OUTPUTS = {
    "missing folder": ("{tmp}/missing/out", "does not exist"),
    "a folder": ("{tmp}/folder.d", "is a folder"),
    "too long": ("{tmp}/" + "n" * 300, "too long"),
}


@pytest.mark.parametrize("command", list(writers(Path("/nonexistent"), Path("/nonexistent/o"))))
def test_every_writer_refuses_bad_paths_and_existing_files(tmp_path: Path, command: str) -> None:
    for name, (path, message) in BAD_OUTPUTS.items():
        out = Path(path.format(tmp=tmp_path))
        args = writers(tmp_path, out)[command]
        target = output_of(args, out)
        if name == "a folder":
            target.mkdir()
        code, text = run(*args)
        assert code == 2 and message in text, (name, text)
    # an existing file: refused, untouched; replaced with --overwrite
    out = tmp_path / "existing"
    args = writers(tmp_path, out)[command]
    target = output_of(args, out)
    target.write_text("mine")
    code, text = run(*args)
    assert code == 2 and "--overwrite" in text and target.read_text() == "mine", text
    code, text = run(*args, "--overwrite")
    assert code == 0, text
    assert target.read_bytes() != b"mine" and target.stat().st_size > 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file


def test_dev_full_and_empty_paths_are_refused() -> None:
    for args in (
        ["schema", "-o", "/dev/full", "--overwrite"],
        ["report", TOY, "-o", "/dev/full", "--overwrite"],
        ["frontier", TOY, "--csv", ""],
        ["report", TOY, "-o", ""],
        ["tariffs", "--plot", ""],
    ):
        code, text = run(*args)
        assert code == 2 and ("device" in text or "empty" in text or "extension" in text), text


def test_report_never_replaces_its_own_scenario(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    shutil.copy(TOY, mine)
    for args in (
        ["report", mine, "-o", mine, "--overwrite"],
        ["convert", mine, mine, "--overwrite"],
        ["analyze", mine, "-o", mine, "--overwrite", "--no-process", "--world-runs", "0"],
    ):
        code, text = run(*args)
        assert code == 2 and "input" in text, text
    assert mine.read_text() == TOY.read_text()


def test_source_paths_get_one_message(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # opening it would block forever
    for source, message in (
        (fifo, "named pipe"),
        ("/dev/null", "is a device"),
        ("/proc/self/mem", "cannot read"),
        (tmp_path / ("n" * 300 + ".yaml"), "too long"),
    ):
        for command in ("validate", "show", "frontier"):
            code, text = run(command, source)
            assert code == 2 and message in text, (command, source, text)
