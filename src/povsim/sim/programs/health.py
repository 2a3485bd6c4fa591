"""Health support (健康扶贫, 医疗救助): critical-illness insurance and medical assistance.

For registered households, the ill first (once guaranteed, every household on the
register's books without medical cover). While supported, a household is insured
(the medical guarantee), the reimbursed share of an illness's cost rises, and less
income is lost while ill, so an illness throws fewer households back. Illness was
the recorded cause for 42.4% of registered households (domain.md); seed 004 counts
2,041 people exited through medical assistance in Jiangjin in 2015.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from povsim.config.programs import HealthConfig, ProgramConfig
from povsim.sim.programs.base import IllnessCover, Index, Money, SupportProgram

if TYPE_CHECKING:
    from povsim.sim.agents import County

__all__ = ["Health", "HealthConfig"]


class Health(SupportProgram):
    """Better cover and income protection during illness; secures basic medical care."""

    Config: ClassVar = HealthConfig
    secures: ClassVar = ("medical",)

    def __init__(self, model: County, name: str, config: ProgramConfig):
        super().__init__(model, name, config)
        self.avoided: Money = np.zeros(model.households.n)
        # The share of an illness's cost the program reimburses this year, as the year
        # brings it (a part year's reach cut it), and the insured share a household held
        # without it at the year's start: the saved costs are worked back from both.
        self.given: Money = np.zeros(model.households.n)
        self.insured_before: Money = np.zeros(model.households.n)

    def priority_key(self, idx: Index, year: int, costs: Money) -> Money:
        h = self.context.households
        # The chronically ill first, within the register's households and then the exited.
        base = super().priority_key(idx, year, costs)
        return self.registered_before_exited(idx, ~h.chronic[idx] * 2.0 * idx.size + base)

    def effect(self, year: int) -> Money:
        """Health support adds no income: it protects it (:meth:`illness_cover`)."""
        return np.zeros(self.enrolled.size)

    def illness_cover(self) -> IllnessCover:
        """The extra share reimbursed and the income protected while ill; and, for a
        household not yet insured, the insured share too: support insures it from its
        first year, though the guarantee is recorded only at the year end (:meth:`secure`),
        and an illness's cost is reimbursed by the insured share only where ``medical_ok``
        already holds."""
        c, h = self.config, self.context.households
        insured = self.context.scenario.shocks.illness.insured_reimbursement
        share = c.extra_reimbursement + np.where(h.medical_ok, 0.0, insured)
        return IllnessCover(
            reimbursement=np.where(self.enrolled, share, 0.0),
            protection=np.where(self.enrolled, c.income_protection, 0.0),
        )

    def begin_year(self, year: int) -> None:
        """Enrol, then record the share of an illness's cost the program reimburses this
        year (:meth:`illness_cover`) and the insured share each household holds without it.

        Args:
            year: the year begun.
        """
        super().begin_year(year)
        h = self.context.households
        insured = self.context.scenario.shocks.illness.insured_reimbursement
        # The guarantee is recorded only at the year end (:meth:`secure`): through the
        # year an illness is reimbursed the insured share where ``medical_ok`` held at its
        # start, and the program pays it for the others it enrols.
        self.insured_before = np.where(h.medical_ok, insured, 0.0)
        self.given = self.illness_cover().reimbursement.copy()

    def reach_part_of_year(self, share: float) -> None:
        """The reimbursed share too is the part year's (the model scales the cover it
        gives households by ``share``), so the saved costs credit only what reached them.

        Args:
            share: the part of the year support reaches households, in [0, 1].
        """
        super().reach_part_of_year(share)
        self.given = self.given * share

    def settle(self, year: int) -> None:
        """Record the medical costs the program's reimbursement saved this year (for
        attribution): the share it gave this year, the insured share included for a
        household it insured, over the share the household paid.

        Args:
            year: the year assessed.
        """
        h = self.context.households
        # medical_year is what was left to pay: 1 - insured - given of the illness's cost.
        left = np.maximum(1.0 - self.insured_before - self.given, 0.05)
        self.avoided = np.where(self.enrolled, h.medical_year * self.given / left, 0.0)

    def contribution(self) -> Money:
        """Medical costs avoided (the income protected while ill is left out: not measured)."""
        return self.avoided
