#!/usr/bin/env bash
# Synthetic-speech recipe, the embedded default behind `make demo`.
# Stages:
#   0  synthesize the corpus (espeak-ng voices) + LM text        -> $data
#   1  train the BiGRU-CTC model, package the best checkpoint    -> $exp/model.safetensors
#   2  build a 4-gram LM and a lexicon (no dev/test sentences)   -> $exp/lm/
#   3  tune the LM weight and word score on dev                 -> $exp/lm/decoder.yaml
#   4  evaluate on the test split (unseen voices and sentences), greedy and beam_lm
#   5  transcribe one test file
# A finished stage is not redone: delete its output to redo it.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bash recipes/synth/run.sh [options] [-- HYDRA_OVERRIDES...]
  --stage N           first stage to run (default 0)
  --stop-stage M      last stage to run (default 5)
  --hours H           hours of synthetic speech (default 1.5)
  --seed N            corpus seed (default 0)
  --lm-sentences N    sentences of LM text (default 100000)
  --lm-order N        n-gram order (default 4)
  --data DIR          corpus folder (default data/synth)
  --exp DIR           experiment folder (default exp/synth_<experiment>, so exp/synth_demo)
  --experiment NAME   conf/experiment/NAME.yaml (default demo)
USAGE
}

stage=0
stop_stage=5
hours=1.5
seed=0
lm_sentences=100000
lm_order=4
data=data/synth
exp=
experiment=demo
source "$(dirname "${BASH_SOURCE[0]}")/../common/parse_options.sh"
# One folder per experiment: resuming (stage 1) must never pick up another experiment's checkpoints.
exp=${exp:-exp/synth_$experiment}
recipe_dir=$(cd "$(dirname "$0")" && pwd)
log() { echo "[$(date +%H:%M:%S)] $*"; }
run_stage() { [ "$stage" -le "$1" ] && [ "$stop_stage" -ge "$1" ]; }
model="$exp/model.safetensors"
decoder="$exp/lm/decoder.yaml"

if run_stage 0; then
  if [ -f "$data/corpus.json" ]; then
    log "stage 0: corpus exists in $data, skipping"
  else
    log "stage 0: synthesizing ${hours} h of training speech into $data"
    # No corpus.json: an earlier synthesis did not finish; --overwrite replaces what it left.
    gru-asr synth --out "$data" --hours "$hours" --seed "$seed" --lm-sentences "$lm_sentences" --overwrite
  fi
fi

if run_stage 1; then
  if [ -f "$model" ]; then
    log "stage 1: $model exists, skipping training"
  else
    log "stage 1: training (experiment=$experiment) into $exp"
    start=$(date +%s)
    # resume_from=last: checkpoints without a model are an interrupted run of this stage, continued.
    gru-asr train --config-dir "$recipe_dir/conf" experiment="$experiment" resume_from=last \
      exp_dir="$exp" data.train="$data/train.jsonl" data.dev="$data/dev.jsonl" seed="$seed" "${overrides[@]}"
    echo "$(( $(date +%s) - start ))" > "$exp/train_wall_seconds"
  fi
fi

if run_stage 2; then
  if [ -f "$exp/lm/lm.arpa" ] && [ -f "$exp/lm/lexicon.txt" ]; then
    log "stage 2: LM exists in $exp/lm, skipping"
  else
    log "stage 2: ${lm_order}-gram LM and lexicon from $data/lm_text.txt"
    gru-asr lm build "$data/lm_text.txt" --order "$lm_order" --model "$model" \
      --exclude "$data/dev.jsonl" "$data/test.jsonl" -o "$exp/lm/lm.arpa" --lexicon "$exp/lm/lexicon.txt" --overwrite
  fi
fi

if run_stage 3; then
  if [ -f "$decoder" ]; then
    log "stage 3: $decoder exists, skipping"
  else
    log "stage 3: tuning lm_weight / word_score on dev"
    gru-asr tune-lm --model "$model" "$data/dev.jsonl" --lm "$exp/lm/lm.arpa" --lexicon "$exp/lm/lexicon.txt" \
      --lm-weights=1.0,1.5,2.0,2.5,3.0 --word-scores=-1,0,1,2 --beam-size 200 --write "$decoder" 2>/dev/null > "$exp/lm/tune.txt"
    head -n 4 "$exp/lm/tune.txt"
  fi
fi

if run_stage 4; then
  log "stage 4: evaluating on the test split (voices and sentences never seen in training)"
  # Always redone (stage 4 has no finished marker): --overwrite replaces the last evaluation.
  gru-asr evaluate --model "$model" "$data/test.jsonl" --out-dir "$exp/eval_test_greedy" --json --overwrite > "$exp/eval_test_greedy.json"
  gru-asr evaluate --model "$model" "$data/test.jsonl" --out-dir "$exp/eval_test_beam_lm" --json --overwrite \
    --decoder "$decoder" 2>/dev/null > "$exp/eval_test_beam_lm.json"
  python3 - "$exp" <<'PY'
import json, sys
exp = sys.argv[1]
print(f"\n{'decoder':<10} {'WER %':>7} {'CER %':>7} {'utts':>6} {'words':>6} {'RTF':>7}")
for name in ("greedy", "beam_lm"):
    s = json.loads(open(f"{exp}/eval_test_{name}.json").read().strip().splitlines()[-1])
    print(f"{name:<10} {s['wer']:>7.2f} {s['cer']:>7.2f} {s['utterances']:>6} {s['ref_words']:>6} {s['rtf']:>7.4f}")
PY
fi

if run_stage 5; then
  first=$(head -n 1 "$data/test.jsonl")
  wav=$(python3 -c 'import json,sys,os; e=json.loads(sys.argv[1]); print(os.path.join(sys.argv[2], e["audio"]))' "$first" "$data")
  ref=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["text"])' "$first")
  log "stage 5: transcribing $wav"
  echo "reference : $ref"
  echo "greedy    : $(gru-asr transcribe --model "$model" "$wav")"
  echo "beam_lm   : $(gru-asr transcribe --model "$model" "$wav" --decoder "$decoder" 2>/dev/null)"
  echo
  echo "packaged model: $model"
  [ -f "$exp/train_wall_seconds" ] && echo "training wall time: $(cat "$exp/train_wall_seconds") s"
fi
