"""A user-defined program, named in a scenario as kind = "tests.custom_program:CashTransfer"."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

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


class MisspeltChannel(CashTransfer):
    """A program whose income names no channel: refused when read, not in the first year."""

    channel = "wages"  # type: ignore[assignment]


class NotAProgram:
    """A class with a program's settings that is not a program: refused when the scenario
    naming it is read, not when its run starts."""

    Config: ClassVar = CashTransferConfig
