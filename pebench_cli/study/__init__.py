"""`pebench study CONFIG`: the paper's whole protocol from one YAML (task_configs/study/), as a plan of
the project's own commands (pebench_cli.pipeline) ending in the report (pebench_cli.study.report)."""
