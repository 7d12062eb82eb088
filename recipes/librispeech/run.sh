#!/usr/bin/env bash
# LibriSpeech recipe: the corpus as it ships -> packaged model -> WER on dev/test clean/other.
# Stages:
#   0 prepare     manifests for every split folder found; the training set and dev.jsonl
#   1 statistics  corpus statistics and a data check of the training manifest
#   2 tokenizer   char (default) or a SentencePiece BPE model trained on the training text
#   3 train       BiGRU-CTC (feature normalization statistics are computed at its start)
#   4 average     average the N best checkpoints (by dev WER)
#   5 package     keep the average or the best single checkpoint, whichever is better on dev
#   6 lm          n-gram LM + lexicon (training transcripts, or librispeech-lm-norm.txt)
#   7 tune        grid-search lm_weight / word_score on dev
#   8 evaluate    greedy and beam_lm on dev-clean, dev-other, test-clean, test-other
# A finished stage is not redone: delete its output to redo it.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bash recipes/librispeech/run.sh --root DIR [options] [-- HYDRA_OVERRIDES...]
  --root DIR          the folder holding LibriSpeech/ (or LibriSpeech/ itself); needed by stage 0
  --stage N           first stage to run (default 0)
  --stop-stage M      last stage to run (default 8)
  --train-set SET     clean100 | clean460 | all960, or comma-separated split folders
                      such as train-clean-100,train-clean-360 (default clean100)
  --dev-sets LIST     splits pooled into dev.jsonl (default dev-clean,dev-other)
  --eval-sets LIST    splits evaluated in stage 8 (default dev-clean,dev-other,test-clean,test-other)
  --data DIR          manifests (default data/librispeech)
  --exp DIR           experiment folder (default exp/librispeech_<experiment>)
  --experiment NAME   conf/experiment/NAME.yaml (default ls100_ds2_gpu)
  --tokenizer KIND    char | bpe (default char)
  --vocab-size N      BPE vocabulary size (default 256)
  --average N         checkpoints to average (default 5)
  --lm-text FILE      LM training text, e.g. librispeech-lm-norm.txt (default: training transcripts)
  --lm-order N        n-gram order (default 4)
  --beam-size N       beam for tuning and evaluation (default 200)
  --device DEV        evaluation device: cpu | cuda (default cpu)
  --nj N              processes for beam search (default 1)
Environment: LM_WEIGHTS, WORD_SCORES, PRIOR_SCALES (tuning grids), PYTHON (python with gru_asr, default python3).
EOF
}

root=
stage=0
stop_stage=8
train_set=clean100
dev_sets=dev-clean,dev-other
eval_sets=dev-clean,dev-other,test-clean,test-other
data=data/librispeech
exp=
experiment=ls100_ds2_gpu
tokenizer=char
vocab_size=256
average=5
lm_text=
lm_order=4
beam_size=200
device=cpu
nj=1
source "$(dirname "${BASH_SOURCE[0]}")/../common/parse_options.sh"
case "$train_set" in
  clean100) parts=train-clean-100 ;;
  clean460) parts=train-clean-100,train-clean-360 ;;
  all960) parts=train-clean-100,train-clean-360,train-other-500 ;;
  *) parts=$train_set ;;
esac
exp=${exp:-exp/librispeech_$experiment}
source "$(dirname "${BASH_SOURCE[0]}")/../common/setup.sh"
max_duration=36  # data check: flag utterances longer than the experiments train on
train_manifest="$data/train_${train_set//,/+}.jsonl"

# Concatenate per-split manifests (all live in $data, so their relative audio paths stay valid).
pool() {  # pool OUT SPLIT,SPLIT,...
  local out=$1 split
  for split in ${2//,/ }; do
    # A missing part is an error, not a warning: "960 h" must not quietly train on 460.
    [ -f "$data/$split.jsonl" ] || { echo "$data/$split.jsonl is missing: no $split folder under $root" >&2; exit 1; }
  done
  for split in ${2//,/ }; do cat "$data/$split.jsonl"; done > "$out.tmp"
  mv "$out.tmp" "$out"
}

if run_stage 0; then
  if [ -f "$data/.prepared" ]; then log "stage 0: $data prepared, skipping"
  else
    [ -n "$root" ] || { echo "stage 0 needs --root (the folder holding LibriSpeech/)" >&2; exit 2; }
    log "stage 0: preparing LibriSpeech from $root"
    # No .prepared yet: a stage 0 that stopped part-way is redone, over what it wrote.
    gru-asr prepare librispeech --root "$root" --out "$data" --overwrite
    touch "$data/.prepared"
  fi
  [ -f "$train_manifest" ] || { log "stage 0: pooling $parts into $train_manifest"; pool "$train_manifest" "$parts"; }
  [ -f "$data/dev.jsonl" ] || { log "stage 0: pooling $dev_sets into $data/dev.jsonl"; pool "$data/dev.jsonl" "$dev_sets"; }
fi

# Stages 1-8 are the same for every corpus recipe.
source "$recipe_dir/../common/stages.sh"
exit 0
