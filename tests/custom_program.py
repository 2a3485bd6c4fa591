"""A user-defined program, named in a scenario as kind = "tests.custom_program:CashTransfer"."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pydantic

from povsim.sim.programs import ProgramConfig, SupportProgram


class CashTransferConfig(ProgramConfig):
    amount: float = 500.0  # yuan per person per year


class CashTransfer(SupportProgram):
    """An unconditional transfer of ``amount`` to every supported household."""

    Config: ClassVar = CashTransferConfig

    def on_enrol(self, idx: np.ndarray, year: int) -> None:
        self.magnitude[idx] = self.config.amount


class Broken(SupportProgram):
    """A program of one's own with a bug: its error must name it."""

    Config: ClassVar = CashTransferConfig

    def on_enrol(self, idx: np.ndarray, year: int) -> None:
        raise ZeroDivisionError("a bug in the user's program")


class BrokenAtBirth(CashTransfer):
    """A program of one's own that fails as it is built: its error must name it too."""

    def __init__(self, model: object, name: str, config: CashTransferConfig) -> None:
        raise RuntimeError("a bug in the user's constructor")


class NoNumbers(CashTransfer):
    """An effect of NaN: the run went on as if no one were poor."""

    def effect(self, year: int) -> np.ndarray:
        return np.full(self.magnitude.size, np.nan)


class WrongLength(CashTransfer):
    """An eligibility mask of the wrong length: it failed in NumPy's words, unnamed."""

    def eligible(self, year: int) -> np.ndarray:
        return np.ones(3, dtype=bool)


class MisspeltChannel(CashTransfer):
    """A program whose income names no channel: refused when read, not in the first year."""

    channel = "wages"  # type: ignore[assignment]


class PlainSettings(CashTransfer):
    """Settings of a plain pydantic model: it was told it was no program at all."""

    Config: ClassVar = pydantic.BaseModel


class NotAProgram:
    """A class with a program's settings that is not a program: refused when the scenario
    naming it is read, not when its run starts."""

    Config: ClassVar = CashTransferConfig
