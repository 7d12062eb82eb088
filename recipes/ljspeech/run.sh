#!/usr/bin/env bash
# LJSpeech recipe: the corpus as it ships -> packaged model -> WER on held-out books.
# LJSpeech has no official split: dev is book LJ001 and test is book LJ002, whole books
# held out so that no dev/test sentence (nor its book) is in training or in the LM.
# Stages:
#   0 prepare     manifests: train (LJ003-LJ050), dev (LJ001), test (LJ002)
#   1 statistics  corpus statistics and a data check of the training manifest
#   2 tokenizer   char (default) or a SentencePiece BPE model trained on the training text
#   3 train       BiGRU-CTC (feature normalization statistics are computed at its start)
#   4 average     average the N best checkpoints (by dev WER)
#   5 package     keep the average or the best single checkpoint, whichever is better on dev
#   6 lm          n-gram LM + lexicon (training transcripts, or a text file)
#   7 tune        grid-search lm_weight / word_score on dev
#   8 evaluate    greedy and beam_lm on dev and test
# A finished stage is not redone: delete its output to redo it.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bash recipes/ljspeech/run.sh --root DIR [options] [-- HYDRA_OVERRIDES...]
  --root DIR          LJSpeech-1.1 (or the folder holding it); needed by stage 0
  --stage N           first stage to run (default 0)
  --stop-stage M      last stage to run (default 8)
  --eval-sets LIST    splits evaluated in stage 8 (default dev,test)
  --data DIR          manifests (default data/ljspeech)
  --exp DIR           experiment folder (default exp/ljspeech_<experiment>)
  --experiment NAME   conf/experiment/NAME.yaml (default lj_gpu)
  --tokenizer KIND    char | bpe (default char)
  --vocab-size N      BPE vocabulary size (default 256)
  --average N         checkpoints to average (default 5)
  --lm-text FILE      LM training text, one sentence per line (default: training transcripts)
  --lm-order N        n-gram order (default 4)
  --beam-size N       beam for tuning and evaluation (default 200)
  --device DEV        evaluation device: cpu | cuda (default cpu)
  --nj N              processes for beam search (default 1)
Environment: LM_WEIGHTS, WORD_SCORES (tuning grids), PYTHON (python with gru_asr, default python3).
EOF
}

root=
stage=0
stop_stage=8
eval_sets=dev,test
data=data/ljspeech
exp=
experiment=lj_gpu
tokenizer=char
vocab_size=256
average=5
lm_text=
lm_order=4
beam_size=200
device=cpu
nj=1
overrides=()
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --stage) stage=$2; shift 2 ;;
    --stop-stage) stop_stage=$2; shift 2 ;;
    --eval-sets) eval_sets=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --exp) exp=$2; shift 2 ;;
    --experiment) experiment=$2; shift 2 ;;
    --tokenizer) tokenizer=$2; shift 2 ;;
    --vocab-size) vocab_size=$2; shift 2 ;;
    --average) average=$2; shift 2 ;;
    --lm-text) lm_text=$2; shift 2 ;;
    --lm-order) lm_order=$2; shift 2 ;;
    --beam-size) beam_size=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    --nj) nj=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; overrides=("$@"); break ;;
    *) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$tokenizer" in char|bpe) ;; *) echo "--tokenizer must be char or bpe" >&2; exit 2 ;; esac
exp=${exp:-exp/ljspeech_$experiment}
recipe_dir=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python3}
max_duration=11  # data check: LJSpeech clips are 1-10 s; a longer one is suspect
log() { echo "[$(date +%H:%M:%S)] $*"; }
run_stage() { [ "$stage" -le "$1" ] && [ "$stop_stage" -ge "$1" ]; }
train_manifest="$data/train.jsonl"
tok_name=char
[ "$tokenizer" = bpe ] && tok_name="bpe${vocab_size}"
model="$exp/final.safetensors"

if run_stage 0; then
  if [ -f "$data/.prepared" ]; then log "stage 0: $data prepared, skipping"
  else
    [ -n "$root" ] || { echo "stage 0 needs --root (the LJSpeech-1.1 folder)" >&2; exit 2; }
    log "stage 0: preparing LJSpeech from $root (dev = book LJ001, test = book LJ002)"
    gru-asr prepare ljspeech --root "$root" --out "$data"
    for split in train dev; do
      [ -f "$data/$split.jsonl" ] || { echo "no $split utterances were prepared from $root" >&2; exit 1; }
    done
    touch "$data/.prepared"
  fi
fi

if run_stage 1; then
  if [ -f "$data/statistics.json" ]; then log "stage 1: statistics exist, skipping"
  else
    log "stage 1: corpus statistics and a data check of the training manifest"
    manifests=("$train_manifest" "$data/dev.jsonl")
    for split in ${eval_sets//,/ }; do
      m="$data/$split.jsonl"
      [ -f "$m" ] && [ "$m" != "$data/dev.jsonl" ] && manifests+=("$m")
    done
    "$python" -m gru_asr.corpora.statistics "${manifests[@]}" --json "$data/statistics.json.tmp" | tee "$data/statistics.txt"
    # Problems are listed, not fatal: training skips such utterances itself.
    gru-asr data check "$train_manifest" --max-duration "$max_duration" > "$data/check_train.txt" || true
    tail -n 1 "$data/check_train.txt"
    mv "$data/statistics.json.tmp" "$data/statistics.json"
  fi
fi

if run_stage 2; then
  # The run's config folder: the recipe's experiments plus the trained tokenizer.
  mkdir -p "$exp/conf/tokenizer"
  ln -sfn "$recipe_dir/conf/experiment" "$exp/conf/experiment"
  if [ "$tokenizer" = char ]; then log "stage 2: character tokenizer, nothing to train"
  elif [ -f "$exp/conf/tokenizer/$tok_name.yaml" ]; then log "stage 2: $tok_name exists, skipping"
  else
    log "stage 2: training a BPE tokenizer ($vocab_size pieces) on $train_manifest"
    gru-asr tokenizer train "$train_manifest" -o "$exp/conf/tokenizer/$tok_name.yaml" --vocab-size "$vocab_size" --model-type bpe
  fi
fi

if run_stage 3; then
  if [ -f "$exp/train_result.json" ]; then log "stage 3: $exp trained, skipping"
  else
    log "stage 3: training ($experiment, tokenizer $tok_name)"
    start=$(date +%s)
    gru-asr train --config-dir "$(cd "$exp/conf" && pwd)" experiment="$experiment" tokenizer="$tok_name" \
      exp_dir="$exp" data.train="$train_manifest" data.dev="$data/dev.jsonl" "${overrides[@]}"
    echo "$(( $(date +%s) - start ))" > "$exp/train_wall_seconds"
  fi
fi

if run_stage 4; then
  if [ -f "$exp/model_avg.safetensors" ]; then log "stage 4: averaged model exists, skipping"
  else
    log "stage 4: averaging the $average best checkpoints (by dev WER)"
    gru-asr package "$exp/checkpoints" --best "$average" -o "$exp/model_avg.safetensors"
  fi
fi

if run_stage 5; then
  if [ -f "$model" ]; then log "stage 5: $model exists, skipping"
  else
    log "stage 5: choosing between the best checkpoint and the average on dev (greedy)"
    gru-asr evaluate --model "$exp/model.safetensors" "$data/dev.jsonl" --device "$device" --json | tail -n 1 > "$exp/dev_single.json"
    gru-asr evaluate --model "$exp/model_avg.safetensors" "$data/dev.jsonl" --device "$device" --json | tail -n 1 > "$exp/dev_avg.json"
    if "$python" -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if b["wer"] <= a["wer"] else 1)' "$exp/dev_single.json" "$exp/dev_avg.json"; then
      cp "$exp/model_avg.safetensors" "$model.tmp"; log "stage 5: using the average"
    else
      cp "$exp/model.safetensors" "$model.tmp"; log "stage 5: the best single checkpoint is better; keeping it"
    fi
    mv "$model.tmp" "$model"
    gru-asr info "$model" > "$exp/final_info.json"
  fi
fi

if run_stage 6; then
  if [ -f "$exp/lm/lm.arpa" ]; then log "stage 6: LM exists, skipping"
  else
    source_text=${lm_text:-$train_manifest}
    log "stage 6: ${lm_order}-gram LM and lexicon from $source_text (no dev/test sentence)"
    excluded=("$data/dev.jsonl")
    for split in ${eval_sets//,/ }; do [ -f "$data/$split.jsonl" ] && excluded+=("$data/$split.jsonl"); done
    gru-asr lm build "$source_text" --order "$lm_order" --model "$model" --exclude "${excluded[@]}" \
      -o "$exp/lm/lm.arpa" --lexicon "$exp/lm/lexicon.txt"
  fi
fi

if run_stage 7; then
  if [ -f "$exp/lm/decoder.yaml" ]; then log "stage 7: tuned decoder exists, skipping"
  else
    log "stage 7: tuning lm_weight / word_score on dev"
    gru-asr tune-lm --model "$model" "$data/dev.jsonl" --lm "$exp/lm/lm.arpa" --lexicon "$exp/lm/lexicon.txt" \
      --lm-weights="${LM_WEIGHTS:-0.5,1.0,1.5,2.0,2.5}" --word-scores="${WORD_SCORES:--1.0,0.0,1.0,2.0}" \
      --beam-size "$beam_size" --write "$exp/lm/decoder.yaml" 2> "$exp/lm/tune.log" > "$exp/lm/tune.txt"
    head -n 4 "$exp/lm/tune.txt"
  fi
fi

if run_stage 8; then
  for split in ${eval_sets//,/ }; do
    [ -f "$data/$split.jsonl" ] || continue
    log "stage 8: evaluating on $split"
    gru-asr evaluate --model "$model" "$data/$split.jsonl" --device "$device" --out-dir "$exp/eval_${split}_greedy" >/dev/null
    gru-asr evaluate --model "$model" "$data/$split.jsonl" --device "$device" --out-dir "$exp/eval_${split}_beam_lm" \
      --decoder "$exp/lm/decoder.yaml" --decode-workers "$nj" 2> "$exp/eval_${split}_beam_lm.log" >/dev/null
  done
  "$python" - "$exp" "$eval_sets" <<'PY' | tee "$exp/results.txt"
import json, os, sys
exp, splits = sys.argv[1], sys.argv[2].split(",")
print(f"{'split':<12} {'decoder':<8} {'WER %':>7} {'CER %':>7} {'utts':>6} {'words':>7} {'RTF':>7}")
for split in splits:
    for dec in ("greedy", "beam_lm"):
        path = os.path.join(exp, f"eval_{split}_{dec}", "results.json")
        if os.path.isfile(path):
            s = json.load(open(path))
            print(f"{split:<12} {dec:<8} {s['wer']:>7.2f} {s['cer']:>7.2f} {s['utterances']:>6} {s['ref_words']:>7} {s['rtf']:>7.4f}")
PY
  [ -f "$exp/train_wall_seconds" ] && echo "training wall time: $(cat "$exp/train_wall_seconds") s"
fi
exit 0
