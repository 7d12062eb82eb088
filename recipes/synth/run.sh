#!/usr/bin/env bash
# Synthetic-speech recipe (the embedded default behind `make demo`):
#   0 synthesize the corpus  1 train  2 evaluate on held-out voices  3 transcribe a file
# Usage: bash recipes/synth/run.sh [--stage N] [--stop-stage M] [--hours H] [--data DIR] [--exp DIR] [-- HYDRA_OVERRIDES...]
# A finished stage is not redone (delete its output to redo it).
set -euo pipefail

stage=0
stop_stage=3
hours=1.5
seed=0
data=data/synth
exp=exp/synth_demo
experiment=demo
overrides=()
while [ $# -gt 0 ]; do
  case "$1" in
    --stage) stage=$2; shift 2 ;;
    --stop-stage) stop_stage=$2; shift 2 ;;
    --hours) hours=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --exp) exp=$2; shift 2 ;;
    --experiment) experiment=$2; shift 2 ;;
    --) shift; overrides=("$@"); break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
recipe_dir=$(cd "$(dirname "$0")" && pwd)
log() { echo "[$(date +%H:%M:%S)] $*"; }
run_stage() { [ "$stage" -le "$1" ] && [ "$stop_stage" -ge "$1" ]; }

if run_stage 0; then
  if [ -f "$data/corpus.json" ]; then
    log "stage 0: corpus exists in $data, skipping"
  else
    log "stage 0: synthesizing ${hours} h of speech into $data"
    gru-asr synth --out "$data" --hours "$hours" --seed "$seed"
  fi
fi

if run_stage 1; then
  if [ -f "$exp/model.safetensors" ]; then
    log "stage 1: $exp/model.safetensors exists, skipping training"
  else
    log "stage 1: training (experiment=$experiment) into $exp"
    start=$(date +%s)
    gru-asr train --config-dir "$recipe_dir/conf" experiment="$experiment" \
      exp_dir="$exp" data.train="$data/train.jsonl" data.dev="$data/dev.jsonl" seed="$seed" "${overrides[@]}"
    echo "$(( $(date +%s) - start ))" > "$exp/train_wall_seconds"
  fi
fi

if run_stage 2; then
  log "stage 2: evaluating on the test split (voices and sentences never seen in training)"
  gru-asr evaluate --model "$exp/model.safetensors" "$data/test.jsonl" --out-dir "$exp/eval_test"
fi

if run_stage 3; then
  wav=$(head -n 1 "$data/test.jsonl" | python3 -c 'import json,sys,os; e=json.loads(sys.stdin.read()); print(os.path.join(sys.argv[1], e["audio"]))' "$data")
  ref=$(head -n 1 "$data/test.jsonl" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["text"])')
  log "stage 3: transcribing $wav"
  echo "reference : $ref"
  echo "hypothesis: $(gru-asr transcribe --model "$exp/model.safetensors" "$wav")"
  echo
  echo "packaged model: $exp/model.safetensors"
  [ -f "$exp/train_wall_seconds" ] && echo "training wall time: $(cat "$exp/train_wall_seconds") s"
fi
