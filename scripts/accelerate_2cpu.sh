#!/usr/bin/env bash
# `unlearn run` under `accelerate launch` with 2 CPU processes (DDP over gloo). On a machine without
# GPUs `--multi_gpu` starts torchrun-style processes that accelerate runs on the CPU (MULTI_CPU, gloo);
# `--cpu` would fall back to ONE process (accelerate 1.15 simple launcher). The same command with
# `--multi_gpu` / `--config_file <deepspeed or fsdp yaml>` runs on GPUs: the trainer is the stock
# HF Trainer, so accelerate, DeepSpeed and FSDP need no change in `unlearn`.
#
#   scripts/accelerate_2cpu.sh MODEL DATA OUT [extra unlearn-run args / key=value overrides]
#
# Each process gets train.batch_size rows per step (effective batch = 2 x batch_size); the data
# stream is split between the processes by accelerate; only process 0 writes the adapter.
set -euo pipefail
MODEL=${1:?usage: accelerate_2cpu.sh MODEL DATA OUT [args]}; DATA=${2:?}; OUT=${3:?}; shift 3
HERE="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${PEBENCH_VENV_BIN:-$HERE/.venv/bin}"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
exec "$BIN/accelerate" launch --multi_gpu --num_processes 2 --num_machines 1 --mixed_precision no \
  --dynamo_backend no --main_process_port "${MAIN_PROCESS_PORT:-29517}" \
  -m unlearn.cli run --method "${METHOD:-gd}" --target "${TARGET:-person}" --forget "${FORGET:-forget10}" \
  --model "$MODEL" --data "$DATA" --out "$OUT" --seed "${SEED:-0}" "$@"
