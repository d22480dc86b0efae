"""The composition on top of every layer: the `pebench` console script, the study (plan, stages,
executors, report) and the demo. The only package that imports both the benchmark (`pebench_tasks`)
and the training side (`unlearn`); docs/architecture.md."""
