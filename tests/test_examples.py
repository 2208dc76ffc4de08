"""The example notebook runs from top to bottom (so that it cannot rot)."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "quickstart.ipynb"


@pytest.mark.integration
def test_the_quickstart_notebook_runs(tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="the dev extra's nbformat is not installed")
    nbclient = pytest.importorskip("nbclient", reason="the dev extra's nbclient is not installed")
    pytest.importorskip("ipykernel", reason="the dev extra's ipykernel is not installed")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on a failure
    report = notebook.cells[7].outputs[0]["data"]
    assert "text/html" in report and "Study quickstart" in report["text/html"]
    assert (tmp_path / "runs" / "quickstart" / "journal.log").is_file()
    assert (tmp_path / "best_network.npz").is_file()
