"""Style is part of the suite, so CI fails on it like on any other test."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT


def test_ruff_check_passes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_is_clean() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_mypy_passes() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-incremental",
            "--config-file",
            str(ROOT / "pyproject.toml"),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_the_api_is_typed_for_those_who_use_it(tmp_path) -> None:
    """Without a py.typed marker mypy skipped povsim in code that uses it ("missing library
    stubs or py.typed marker"), and ``povsim.run`` gave a union of three types whatever its
    arguments."""
    snippet = tmp_path / "uses_povsim.py"
    snippet.write_text(
        "from typing import assert_type\n"
        "import povsim\n"
        "from povsim.experiments.ensemble import Ensemble\n"
        "from povsim.runs.counties import NationalResult\n"
        "from povsim.runs.runner import RunResult\n"
        "assert_type(povsim.run('a.toml'), RunResult | NationalResult)\n"
        "assert_type(povsim.run('a.toml', replications=1), RunResult | NationalResult)\n"
        "assert_type(povsim.run('a.toml', panel=True), RunResult)\n"
        "assert_type(povsim.run('a.toml', partition='province'), NationalResult)\n"
        "assert_type(\n"
        "    povsim.run('a.toml', replications=5), RunResult | Ensemble | NationalResult\n"
        ")\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--strict", str(snippet)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,  # as a user's code is checked: povsim found where it is installed
    )
    assert done.returncode == 0, done.stdout + done.stderr
