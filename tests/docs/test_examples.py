"""The README's and the docs' Python examples run as written (so they cannot break again)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def examples(page: Path) -> list[str]:
    return FENCE.findall(page.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "page", [p for p in PAGES if examples(p)], ids=lambda p: str(p.relative_to(ROOT))
)
def test_python_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ```python block of a page runs, in order, in one namespace, in a temporary folder
    where ``tests`` and ``docs`` are the repository's (so relative paths such as tests/data/…
    resolve, and the files an example writes land in the temporary folder)."""
    for name in ("tests", "docs"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for k, code in enumerate(examples(page)):
        if code.startswith("# not run by the tests"):
            compile(code, f"{page.name}[{k}]", "exec")  # still valid Python
            continue
        try:
            exec(compile(code, f"{page.name}[{k}]", "exec"), namespace)  # noqa: S102
        except Exception as err:  # pragma: no cover - the message is the point
            pytest.fail(
                f"{page.relative_to(ROOT)} example {k + 1} fails: {type(err).__name__}: {err}"
            )
    assert not any(p.name.startswith("dealspace-report") for p in ROOT.iterdir()), os.listdir(ROOT)
    assert not (ROOT / "tests" / "out").exists()
