"""Files written whole or not at all: a temporary file beside the target, then a rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

__all__ = ["write_file", "write_parquet", "write_text"]


def write_file(target: Path, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` and move the result to ``target``; readers never see half.

    The file gets ordinary permissions (0644): results are for sharing.
    """
    target = Path(target)
    handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_parquet(frame: pd.DataFrame, target: Path) -> None:
    write_file(target, lambda tmp: frame.to_parquet(tmp, index=False))


def write_text(text: str, target: Path) -> None:
    write_file(target, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
