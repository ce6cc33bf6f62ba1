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


@pytest.mark.parametrize("page", [p for p in PAGES if examples(p)], ids=lambda p: str(p.relative_to(ROOT)))
def test_python_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ```python block of a page runs, in order, in one namespace, from the repository root
    (so relative paths such as tests/data/… resolve); files it writes go to a temporary folder."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {"__name__": "__docs__", "OUT": tmp_path}
    for k, code in enumerate(examples(page)):
        try:
            exec(compile(code, f"{page.name}[{k}]", "exec"), namespace)  # noqa: S102
        except Exception as err:  # pragma: no cover - the message is the point
            pytest.fail(f"{page.relative_to(ROOT)} example {k + 1} fails: {type(err).__name__}: {err}")
    assert not any(p.name.startswith("dealspace-report") for p in ROOT.iterdir()), os.listdir(ROOT)
