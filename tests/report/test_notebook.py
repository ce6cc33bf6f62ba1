"""docs/tutorial.ipynb runs top to bottom (nbclient, kernel ``python3``)."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is in the dev extra")
nbclient = pytest.importorskip("nbclient", reason="nbclient is in the dev extra")

TUTORIAL = Path(__file__).parents[2] / "docs" / "tutorial.ipynb"


def test_tutorial_runs(tmp_path: Path) -> None:
    nb = nbformat.read(TUTORIAL, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert sum("<svg" in h for h in html) >= 3  # frontier, linkage, welfare charts
    assert (tmp_path / "us-japan-2025-report.html").exists()  # written in the run's folder


def test_tutorial_is_committed_without_outputs() -> None:
    nb = nbformat.read(TUTORIAL, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")
