"""The limits scenarios and command-line options share, in a module of no imports: the
command line reads them to describe its options, before it has loaded anything else."""

__all__ = ["MAX_REPLICATIONS", "MAX_SEED", "MAX_WORKERS"]

MAX_SEED = 2**64 - 1
"""NumPy's ``SeedSequence`` takes any non-negative integer; scenarios and options cap it here."""
MAX_REPLICATIONS = 100_000
"""Most replications of one scenario: each is a run, listed before any starts (at 10^11 the
list alone took all of the machine's memory)."""
MAX_WORKERS = 1024
"""Most worker processes on one machine: more than any has cores (the process pool sizes a
system semaphore by it, which overflows past 2^31)."""
