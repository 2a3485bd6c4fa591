"""Calibration and validation against published figures (``*_targets.toml``)."""

from povsim.experiments.calibration.fit import CalibrationResult, calibrate, calibrated_toml
from povsim.experiments.calibration.targets import (
    PATHWAY_SHARE,
    CalibrationSettings,
    Parameter,
    Target,
    TargetsFile,
    check_against,
    load_region,
    load_targets,
    target_notes,
)
from povsim.experiments.calibration.validation import (
    measure,
    resized,
    scaled_errors,
    simulate_targets,
    target_table,
    validate,
)

__all__ = [
    "PATHWAY_SHARE",
    "CalibrationResult",
    "CalibrationSettings",
    "Parameter",
    "Target",
    "TargetsFile",
    "calibrate",
    "calibrated_toml",
    "check_against",
    "load_region",
    "load_targets",
    "measure",
    "resized",
    "scaled_errors",
    "simulate_targets",
    "target_notes",
    "target_table",
    "validate",
]
