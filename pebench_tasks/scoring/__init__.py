"""Scoring LoRA-unlearned checkpoints with vLLM: the lmms-eval backend ``vllm_lora`` (one adapter)
and ``pebench eval --adapters`` (many adapters on one engine). Modules: ``adapters`` (find and
check adapters), ``engine`` (the shared vLLM engine and generation store), ``vllm_lora`` (the
lmms-eval backend), ``sweep`` (one lmms-eval run per adapter), ``summary`` (the table)."""
