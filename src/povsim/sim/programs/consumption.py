"""Consumption support (消费扶贫): buying poor areas' products above the market price.

Government agencies, state firms, unions, schools and eastern partners bought the produce
of poor areas through designated channels and counters, paying more than the market
price. Its effect is on the households selling that produce: those enrolled in the
county's industry program (``seller``) gain ``price_premium`` on what their supported
activity earns, which moves with farm prices like the activity itself. Its cost is the
premium the buyers pay. Named among the instruments of the campaign's last years
(domain.md).
"""

from __future__ import annotations

from typing import ClassVar

from povsim.config.programs import ConsumptionConfig
from povsim.sim.programs.base import Index, Mask, Money, SupportProgram

__all__ = ["Consumption", "ConsumptionConfig"]


class Consumption(SupportProgram):
    """A price premium on the supported produce of industry households."""

    Config: ClassVar = ConsumptionConfig
    channel: ClassVar = "farm"

    @property
    def seller(self) -> SupportProgram:
        """The industry program whose households sell (checked by the scenario)."""
        program: SupportProgram = next(
            p for p in self.model.programs if p.name == self.config.seller
        )
        return program

    def eligible(self, year: int) -> Mask:
        return super().eligible(year) & self.seller.enrolled

    def _premium(self, idx: Index, year: int) -> Money:
        """What the buyers pay above the market for a year of ``idx``'s produce, yuan."""
        h = self.context.households
        earned = self.seller.magnitude[idx] * self.seller.timing(year)[idx]
        return self.config.price_premium * earned * h.size[idx]

    def enrolment_cost(self, idx: Index, year: int) -> Money:
        return self._premium(idx, year)

    def continuing_cost(self, idx: Index, year: int) -> Money:
        return self._premium(idx, year)

    def effect(self, year: int) -> Money:
        seller = self.seller
        gain = self.config.price_premium * seller.magnitude * seller.timing(year)
        return gain * self.enrolled
