"""PEBench as a benchmark: synthetic/imported data, lmms-eval tasks and metrics."""
__version__ = "0.1.0"
