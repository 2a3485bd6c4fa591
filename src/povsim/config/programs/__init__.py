"""Program settings, one module per built-in kind (:mod:`.base` has what every program has).

They live beside the scenario schema, not with the programs' behaviour in
:mod:`povsim.sim.programs` (same module names), so that reading and checking a scenario never
loads the simulation.
"""

from povsim.config.programs.asset_income import AssetIncomeConfig
from povsim.config.programs.base import (
    Channel,
    CostBasis,
    CostTiming,
    Priority,
    ProgramConfig,
    StatusName,
)
from povsim.config.programs.consumption import ConsumptionConfig
from povsim.config.programs.education import EducationConfig
from povsim.config.programs.employment import EmploymentConfig
from povsim.config.programs.health import HealthConfig
from povsim.config.programs.housing import HousingConfig
from povsim.config.programs.industry import IndustryConfig
from povsim.config.programs.infrastructure import InfrastructureConfig
from povsim.config.programs.microcredit import MicrocreditConfig
from povsim.config.programs.mutual_aid import MutualAidConfig
from povsim.config.programs.pairing import PairingConfig
from povsim.config.programs.public_jobs import PublicJobsConfig
from povsim.config.programs.relocation import RelocationConfig
from povsim.config.programs.social_security import SocialSecurityConfig
from povsim.config.programs.student_aid import StudentAidConfig
from povsim.config.programs.work_away import WorkAwayConfig

__all__ = [
    "AssetIncomeConfig",
    "Channel",
    "ConsumptionConfig",
    "CostBasis",
    "CostTiming",
    "EducationConfig",
    "EmploymentConfig",
    "HealthConfig",
    "HousingConfig",
    "IndustryConfig",
    "InfrastructureConfig",
    "MicrocreditConfig",
    "MutualAidConfig",
    "PairingConfig",
    "Priority",
    "ProgramConfig",
    "PublicJobsConfig",
    "RelocationConfig",
    "SocialSecurityConfig",
    "StatusName",
    "StudentAidConfig",
    "WorkAwayConfig",
]
