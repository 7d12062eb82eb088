#!/usr/bin/env bash
# TED-LIUM 3 recipe (legacy distribution): the corpus as it ships -> packaged model -> WER on dev/test.
# Stages:
#   0 prepare     segment manifests (offset + duration into each talk's .sph) for train/dev/test
#   1 statistics  corpus statistics and a data check of the training manifest
#   2 tokenizer   char (default) or a SentencePiece BPE model trained on the training text
#   3 train       BiGRU-CTC (feature normalization statistics are computed at its start)
#   4 average     average the N best checkpoints (by dev WER)
#   5 package     keep the average or the best single checkpoint, whichever is better on dev
#   6 lm          n-gram LM + lexicon (training transcripts, or a text file such as TED-LIUM's LM data)
#   7 tune        grid-search lm_weight / word_score on dev
#   8 evaluate    greedy and beam_lm on dev and test
# A finished stage is not redone: delete its output to redo it.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bash recipes/tedlium3/run.sh --root DIR [options] [-- HYDRA_OVERRIDES...]
  --root DIR          TEDLIUM_release-3 (or the folder holding it); needed by stage 0
  --stage N           first stage to run (default 0)
  --stop-stage M      last stage to run (default 8)
  --eval-sets LIST    splits evaluated in stage 8 (default dev,test)
  --data DIR          manifests (default data/tedlium3)
  --exp DIR           experiment folder (default exp/tedlium3_<experiment>)
  --experiment NAME   conf/experiment/NAME.yaml (default ted_ds2_gpu)
  --tokenizer KIND    char | bpe (default char)
  --vocab-size N      BPE vocabulary size (default 256)
  --average N         checkpoints to average (default 5)
  --lm-text FILE      LM training text, one sentence per line (default: training transcripts)
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
eval_sets=dev,test
data=data/tedlium3
exp=
experiment=ted_ds2_gpu
tokenizer=char
vocab_size=256
average=5
lm_text=
lm_order=4
beam_size=200
device=cpu
nj=1
source "$(dirname "${BASH_SOURCE[0]}")/../common/parse_options.sh"
exp=${exp:-exp/tedlium3_$experiment}
source "$(dirname "${BASH_SOURCE[0]}")/../common/setup.sh"
max_duration=30  # data check: flag segments longer than the experiments train on
train_manifest="$data/train.jsonl"

if run_stage 0; then
  if [ -f "$data/.prepared" ]; then log "stage 0: $data prepared, skipping"
  else
    [ -n "$root" ] || { echo "stage 0 needs --root (the TEDLIUM_release-3 folder)" >&2; exit 2; }
    log "stage 0: preparing TED-LIUM 3 (legacy split) from $root"
    # No .prepared yet: a stage 0 that stopped part-way is redone, over what it wrote.
    gru-asr prepare tedlium3 --root "$root" --out "$data" --overwrite
    for split in train dev; do
      [ -f "$data/$split.jsonl" ] || { echo "no $split segments were prepared from $root" >&2; exit 1; }
    done
    touch "$data/.prepared"
  fi
fi

# Stages 1-8 are the same for every corpus recipe.
source "$recipe_dir/../common/stages.sh"
exit 0
