"""PEBench as a benchmark: the lmms-eval tasks, their metrics and the scoring backends. Reads the data
set through `pebench_data`; never imports `unlearn` (docs/architecture.md)."""
__version__ = "0.1.0"
