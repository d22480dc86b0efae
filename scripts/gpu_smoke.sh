#!/usr/bin/env bash
# The GPU smoke test: our own commands, end to end, on one GPU, offline (no hub, no package index).
# CI has no GPU; run this on a GPU machine (<= 8 minutes on one H100/H200) and paste its summary into
# the README's "GPUs" section with the date and the card. It exits non-zero on any failure.
#
#   bash scripts/gpu_smoke.sh [--device cpu] [WORK (default runs/gpu-smoke)]
#
# Stages: mini data -> tiny Qwen2-VL -> the demo's Finetune recipe (full fine-tune, 1,700 steps) ->
# three unlearning methods on it (KL on persons: reference forward; GD+BGD on both; NPO on events:
# reference) -> verify -> scoring (vLLM on the GPU when `import vllm` works, else lmms-eval's HF
# `qwen2_vl` backend for the Finetune model when lmms-eval imports, else transformers + peft through
# `unlearn score`; it prints which) -> a 2B-parameter model of Qwen2-VL-2B's shape (our builder,
# random weights) and LoRA unlearning on it with task_configs/unlearn/real_model.yaml, as shipped
# and with one micro-batch of 8 per step. Per stage it prints the wall time, the run's s/step
# (median after warm-up) and peak GPU memory (torch), and the GPU utilisation (nvidia-smi, 0.5 s samples).
#
# Without an install: PYTHON picks the interpreter (default: .venv/bin/python if present, else
# python3) and PEBENCH_SITE a folder of extra packages (pip install --target) put on PYTHONPATH.
# `--device cpu` runs the same stages on the CPU with small sizes (to prepare the script before
# spending GPU minutes); SMOKE_FT_STEPS, SMOKE_UNLEARN_STEPS, SMOKE_BIG_STEPS override the step counts.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
device=cuda
work=runs/gpu-smoke
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=$2; shift 2 ;;
    --device=*) device=${1#--device=}; shift ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    *) work=$1; shift ;;
  esac
done
case "$device" in cuda|cpu) ;; *) echo "error: --device cuda|cpu, got $device" >&2; exit 2 ;; esac
PY=${PYTHON:-}
[ -n "$PY" ] || { [ -x .venv/bin/python ] && PY=$root/.venv/bin/python || PY=python3; }
export PYTHONPATH="${PEBENCH_SITE:+$PEBENCH_SITE:}$root${PYTHONPATH:+:$PYTHONPATH}"
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
mkdir -p "$work/logs"
work=$(cd "$work" && pwd)

if [ "$device" = cpu ]; then
  export CUDA_VISIBLE_DEVICES="" PEBENCH_DEVICE=cpu VLLM_CPU_KVCACHE_SPACE=${VLLM_CPU_KVCACHE_SPACE:-1}
  ft_steps=${SMOKE_FT_STEPS:-20}; un_steps=${SMOKE_UNLEARN_STEPS:-6}; big_steps=${SMOKE_BIG_STEPS:-6}
  # the same stages at a size a CPU finishes in minutes
  big=(--set text.hidden_size=256 --set text.num_layers=2 --set text.num_heads=4 --set text.num_kv_heads=2
       --set text.intermediate_size=512 --set vision.embed_dim=128 --set vision.depth=2 --set vision.num_heads=4)
else
  "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" \
    || { echo "error: torch sees no GPU; run with --device cpu to check the script on a CPU" >&2; exit 1; }
  ft_steps=${SMOKE_FT_STEPS:-1700}; un_steps=${SMOKE_UNLEARN_STEPS:-40}; big_steps=${SMOKE_BIG_STEPS:-20}
  # Qwen2-VL-2B's shape (1.98B parameters), random weights: a real-size stand-in when no weights exist
  big=(--set text.hidden_size=1536 --set text.num_layers=28 --set text.num_heads=12 --set text.num_kv_heads=2
       --set text.intermediate_size=8960 --set vision.embed_dim=1280 --set vision.depth=32 --set vision.num_heads=16)
fi
"$PY" - <<'EOF'
import platform, torch
dev = torch.cuda.get_device_name(0) if torch.cuda.is_available() else platform.processor() or "cpu"
import importlib.metadata as md
v = {p: md.version(p) for p in ("torch", "transformers", "peft") if __import__("importlib").util.find_spec(p)}
print(f"gpu smoke: device {dev}; torch {v.get('torch')}, transformers {v.get('transformers')}, peft {v.get('peft')}", flush=True)
EOF

summary=$work/summary.txt
: > "$summary"
# stage NAME CMD...: run it with its output in logs/NAME.log (and on screen), GPU sampled meanwhile
stage() {
  local name=$1; shift
  local log=$work/logs/$name.log smi=$work/logs/$name.smi pid="" t0 t1 rc
  if [ "$device" = cuda ] && command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits -lms 500 > "$smi" 2>/dev/null &
    pid=$!
  fi
  echo "== $name: $*" >&2
  t0=$(date +%s.%N)
  set +e
  "$@" > >(tee "$log") 2>&1
  rc=$?
  set -e
  t1=$(date +%s.%N)
  [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  if [ $rc -ne 0 ]; then
    echo "FAILED: $name (exit $rc); its log: $log" >&2
    exit 1
  fi
  local speed util=""
  speed=$(grep -o 'speed: [^)]*' "$log" | tail -1 || true)
  if [ -s "$smi" ]; then
    util=$(awk -F', ' '{u+=$1; if ($1>mu) mu=$1; if ($2>mm) mm=$2; n++} END {if (n) printf "GPU util mean %.0f%% (max %d%%), GPU memory max %d MiB", u/n, mu, mm}' "$smi")
  fi
  printf '%-22s %7.1f s  %s%s\n' "$name" "$(echo "$t1 - $t0" | bc)" "${speed:+$speed  }" "$util" | tee -a "$summary"
}
pebench() { "$PY" -m pebench_cli.cli "$@"; }
unlearn() { "$PY" -m unlearn.cli "$@"; }
has() { "$PY" -c "import $1" >/dev/null 2>&1; }

data=$work/data tiny=$work/tiny ft=$work/finetuned ad=$work/adapters bigm=$work/big-qwen2vl
rm -rf "$ad" "$work/eval" "$work/big-runs"
[ -d "$data" ] || stage data pebench data build --scale mini --seed 0 --out "$data"
[ -d "$tiny" ] || stage tiny-model pebench model tiny --arch qwen2_vl --data "$data" --out "$tiny" --seed 0
rm -rf "$ft"
stage finetune unlearn finetune --model "$tiny" --data "$data" --split finetune_train --out "$ft" --seed 0 \
  train.max_steps="$ft_steps" train.progress=false consolidate.known=0
grep -h "final greedy scores" "$work/logs/finetune.log" | tee -a "$summary"
stage unlearn-kl-person unlearn run --method kl --target person --forget forget10 --model "$ft" --data "$data" \
  --out "$ad/kl-person" --seed 0 train.max_steps="$un_steps" train.progress=false
stage unlearn-gd_bgd-both unlearn run --method gd_bgd --target both --forget forget10 --model "$ft" --data "$data" \
  --out "$ad/gd_bgd-both" --seed 0 train.max_steps="$un_steps" train.progress=false
stage unlearn-npo-event unlearn run --method npo --target event --forget forget10 --model "$ft" --data "$data" \
  --out "$ad/npo-event" --seed 0 train.max_steps="$un_steps" train.progress=false
stage verify unlearn verify --model "$ft" --adapter "$ad/kl-person"

adapters="$ad/kl-person,$ad/gd_bgd-both,$ad/npo-event"
if has vllm; then
  echo "scoring: vLLM ($("$PY" -c 'import vllm; print(vllm.__version__)')) on the $device, every adapter on one engine" | tee -a "$summary"
  stage scoring-vllm pebench eval --adapters "$adapters" --include-base --model-args "model=$ft" --data "$data" \
    --output "$work/eval" --seed 0
  stage forget-quality pebench forget-quality --model-args "model=$ft" --adapters "$adapters" --data "$data" \
    --output "$work/forget-quality" --seed 0
elif has lmms_eval; then
  echo "scoring: no vLLM here; lmms-eval's HF backend qwen2_vl for the Finetune model, transformers + peft for the adapters" | tee -a "$summary"
  stage scoring-lmms-hf pebench eval --model qwen2_vl --model-args "pretrained=$ft,device_map=$device" --data "$data" \
    --setting person_forget10 --output "$work/eval" --limit 32 --seed 0
  for a in kl-person gd_bgd-both npo-event; do
    stage "score-$a" unlearn score --model "$ft" --adapter "$ad/$a" --data "$data" --setting "${a#*-}_forget10" --max-rows 64
  done
else
  echo "scoring: neither vLLM nor lmms-eval imports here; transformers + peft (unlearn score) on the $device" | tee -a "$summary"
  stage score-finetune unlearn score --model "$ft" --data "$data" --setting person_forget10 --max-rows 64
  for a in kl-person gd_bgd-both npo-event; do
    stage "score-$a" unlearn score --model "$ft" --adapter "$ad/$a" --data "$data" --setting "${a#*-}_forget10" --max-rows 64
  done
fi

[ -d "$bigm" ] || stage big-model pebench model tiny --arch qwen2_vl --data "$data" --out "$bigm" --seed 0 "${big[@]}"
real=task_configs/unlearn/real_model.yaml
for m in gd npo; do
  stage "big-$m-real_model" unlearn run --method "$m" --target person --forget forget10 --model "$bigm" --data "$data" \
    --out "$work/big-runs/$m" --seed 0 --config "$real" train.max_steps="$big_steps" train.progress=false
done
stage big-gd-batch8 unlearn run --method gd --target person --forget forget10 --model "$bigm" --data "$data" \
  --out "$work/big-runs/gd-b8" --seed 0 --config "$real" train.max_steps="$big_steps" train.batch_size=8 \
  train.grad_accum=1 train.progress=false

echo
echo "gpu smoke summary ($device; $(date -u +%Y-%m-%d)):"
cat "$summary"
