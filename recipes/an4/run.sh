#!/usr/bin/env bash
# AN4 recipe: raw corpus -> packaged model -> measured WER.
# Stages:
#   0 prepare   manifests from the corpus layout (speaker-disjoint dev split of 8 speakers)
#   1 train     BiGRU-CTC (statistics are computed at the start of training)
#   2 average   average the best checkpoints into the packaged model
#   3 lm        3-gram LM + lexicon from the training transcripts
#   4 tune      grid-search lm_weight / word_score on dev
#   5 evaluate  greedy and beam_lm on dev (and test when the corpus has it)
# Usage: bash recipes/an4/run.sh [--root ../shared/data/an4] [--stage N] [--stop-stage M]
#                                [--exp DIR] [--experiment NAME] [-- HYDRA_OVERRIDES...]
# A finished stage is not redone: delete its output to redo it.
set -euo pipefail

root=../shared/data/an4
stage=0
stop_stage=5
data=data/an4
exp=exp/an4_medium
experiment=an4_medium
average=3
overrides=()
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --stage) stage=$2; shift 2 ;;
    --stop-stage) stop_stage=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --exp) exp=$2; shift 2 ;;
    --experiment) experiment=$2; shift 2 ;;
    --average) average=$2; shift 2 ;;
    --) shift; overrides=("$@"); break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
recipe_dir=$(cd "$(dirname "$0")" && pwd)
log() { echo "[$(date +%H:%M:%S)] $*"; }
run_stage() { [ "$stage" -le "$1" ] && [ "$stop_stage" -ge "$1" ]; }
model="$exp/model.safetensors"

if run_stage 0; then
  if [ -f "$data/train.jsonl" ]; then log "stage 0: $data prepared, skipping"
  else
    log "stage 0: preparing AN4 from $root"
    gru-asr prepare an4 --root "$root" --out "$data"
  fi
fi

if run_stage 1; then
  if [ -f "$exp/train_result.json" ]; then log "stage 1: $exp trained, skipping"
  else
    log "stage 1: training ($experiment)"
    start=$(date +%s)
    gru-asr train --config-dir "$recipe_dir/conf" experiment="$experiment" exp_dir="$exp" \
      data.train="$data/train.jsonl" data.dev="$data/dev.jsonl" "${overrides[@]}"
    echo "$(( $(date +%s) - start ))" > "$exp/train_wall_seconds"
  fi
fi

if run_stage 2; then
  if [ -f "$exp/.averaged" ]; then log "stage 2: averaged model exists, skipping"
  else
    log "stage 2: averaging the $average best checkpoints (by dev WER)"
    gru-asr package "$exp/checkpoints" --best "$average" -o "$exp/model_avg.safetensors"
    gru-asr evaluate --model "$model" "$data/dev.jsonl" --json | tail -n 1 > "$exp/dev_single.json"
    gru-asr evaluate --model "$exp/model_avg.safetensors" "$data/dev.jsonl" --json | tail -n 1 > "$exp/dev_avg.json"
    # Keep the average only if it is at least as good on dev.
    if python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if b["wer"] <= a["wer"] else 1)' "$exp/dev_single.json" "$exp/dev_avg.json"; then
      cp "$exp/model_avg.safetensors" "$model"; log "stage 2: using the average"
    else
      log "stage 2: the best single checkpoint is better; keeping it"
    fi
    touch "$exp/.averaged"
  fi
fi

if run_stage 3; then
  if [ -f "$exp/lm/lm.arpa" ]; then log "stage 3: LM exists, skipping"
  else
    log "stage 3: 3-gram LM and lexicon from the training transcripts"
    gru-asr lm build "$data/train.jsonl" --order 3 --model "$model" -o "$exp/lm/lm.arpa" --lexicon "$exp/lm/lexicon.txt"
  fi
fi

if run_stage 4; then
  if [ -f "$exp/lm/decoder.yaml" ]; then log "stage 4: tuned decoder exists, skipping"
  else
    log "stage 4: tuning lm_weight / word_score on dev"
    gru-asr tune-lm --model "$model" "$data/dev.jsonl" --lm "$exp/lm/lm.arpa" --lexicon "$exp/lm/lexicon.txt" \
      --lm-weights="${LM_WEIGHTS:-0.25,0.5,1.0,1.5,2.0}" --word-scores="${WORD_SCORES:--1.0,0.0,1.0,2.0}" \
      --write "$exp/lm/decoder.yaml" 2>/dev/null
  fi
fi

if run_stage 5; then
  for split in dev test; do
    [ -f "$data/$split.jsonl" ] || continue
    log "stage 5: evaluating on $split"
    gru-asr evaluate --model "$model" "$data/$split.jsonl" --out-dir "$exp/eval_${split}_greedy"
    gru-asr evaluate --model "$model" "$data/$split.jsonl" --out-dir "$exp/eval_${split}_beam_lm" \
      --decoder "$exp/lm/decoder.yaml" 2>/dev/null
  done
  [ -f "$exp/train_wall_seconds" ] && echo "training wall time: $(cat "$exp/train_wall_seconds") s"
fi
