"""Notebooks run top to bottom (at a small size) and are committed without outputs."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POVSIM_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=600, resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    images = [
        o
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    ]
    assert len(images) >= 2
    # A renamed outcome selects nothing without an error: no table may come out empty.
    texts = [
        str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", ""))
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
    ]
    assert not [t for t in texts if "Empty DataFrame" in t], path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_outputs_are_stripped(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} has outputs committed"
            assert cell.execution_count is None


def test_there_is_a_quickstart() -> None:
    assert any(p.name == "01_quickstart.ipynb" for p in NOTEBOOKS)
    assert os.path.getsize(ROOT / "notebooks" / "01_quickstart.ipynb") > 0


@pytest.mark.slow
def test_the_readme_command_runs_a_notebook(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (command,) = [line for line in readme.splitlines() if "jupyter nbconvert" in line]
    args = shlex.split(command.replace("/tmp/notebooks", str(tmp_path)))
    args[0] = str(Path(sys.executable).parent / Path(args[0]).name)
    env = {**os.environ, "POVSIM_NOTEBOOK_SMALL": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "01_quickstart.ipynb").exists()
