"""The simulation: household and village state, the income process, programs and the model."""
