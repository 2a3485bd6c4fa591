"""Runs: one scenario run end to end, its outcomes, statistics over replications, and output."""
