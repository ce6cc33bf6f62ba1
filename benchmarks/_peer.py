"""The peer of the benchmarks that measure dealspace against an older version of itself.

:func:`old_source` checks the old commit out into a temporary git worktree
and byte-compiles it and this tree, as an installed package is compiled:
otherwise a tree without ``__pycache__`` (a fresh checkout, or any tree when
``PYTHONDONTWRITEBYTECODE`` is set) pays the compile of every module in
every run, and the old version looks slower than it is.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def old_source(commit: str) -> Iterator[Path]:
    """The ``src`` folder of ``commit`` (removed after the block), both trees byte-compiled."""
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), commit],
            check=True,
            capture_output=True,
        )
        try:
            for src in (old / "src", ROOT / "src"):
                subprocess.run(
                    [sys.executable, "-m", "compileall", "-q", str(src)],
                    check=True,
                    capture_output=True,
                )
            yield old / "src"
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
                check=False,
                capture_output=True,
            )
