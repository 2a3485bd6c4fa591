"""Building blocks for validated settings: every field has a description and a unit."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

__all__ = ["Probability", "setting"]

Probability = Annotated[float, Field(ge=0.0, le=1.0)]


def setting(default: Any, description: str, unit: str = "", **constraints: Any) -> Any:
    """A field with a description and a unit, both shown by ``povsim fields``."""
    return Field(default, description=description, json_schema_extra={"unit": unit}, **constraints)
