#!/usr/bin/env bash
# Common Voice recipe (any locale): the release as it ships -> packaged model -> WER on dev/test.
# Uses the release's own train.tsv / dev.tsv / test.tsv (speaker-disjoint). validated.tsv
# is a superset that contains the dev and test clips: it is prepared but never trained on.
# Stages:
#   0 prepare     manifests from the locale's .tsv files and clips/*.mp3
#   1 statistics  corpus statistics and a data check of the training manifest
#   2 tokenizer   char for English, SentencePiece BPE for other locales (--tokenizer to choose)
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
Usage: bash recipes/commonvoice/run.sh --root DIR [options] [-- HYDRA_OVERRIDES...]
  --root DIR          the release folder holding <locale>/ (or the locale folder); needed by stage 0
  --locale LOC        locale folder, e.g. en, de, fr (default en)
  --stage N           first stage to run (default 0)
  --stop-stage M      last stage to run (default 8)
  --eval-sets LIST    splits evaluated in stage 8 (default dev,test)
  --data DIR          manifests (default data/commonvoice_<locale>)
  --exp DIR           experiment folder (default exp/commonvoice_<locale>_<experiment>)
  --experiment NAME   conf/experiment/NAME.yaml (default cv_ds2_gpu)
  --tokenizer KIND    char | bpe (default: char for en, bpe for other locales)
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
locale=en
stage=0
stop_stage=8
eval_sets=dev,test
data=
exp=
experiment=cv_ds2_gpu
tokenizer=
vocab_size=256
average=5
lm_text=
lm_order=4
beam_size=200
device=cpu
nj=1
source "$(dirname "${BASH_SOURCE[0]}")/../common/parse_options.sh"
# The char tokenizer spells English only (a-z and apostrophe); BPE covers every
# character of the training text, whatever the alphabet.
if [ -z "$tokenizer" ]; then
  if [ "$locale" = en ]; then tokenizer=char; else tokenizer=bpe; fi
fi
data=${data:-data/commonvoice_$locale}
exp=${exp:-exp/commonvoice_${locale}_$experiment}
source "$(dirname "${BASH_SOURCE[0]}")/../common/setup.sh"
max_duration=15  # data check: Common Voice clips are at most ~10 s
train_manifest="$data/train.jsonl"

if run_stage 0; then
  if [ -f "$data/.prepared" ]; then log "stage 0: $data prepared, skipping"
  else
    [ -n "$root" ] || { echo "stage 0 needs --root (the Common Voice release folder)" >&2; exit 2; }
    log "stage 0: preparing Common Voice ($locale) from $root"
    # No .prepared yet: a stage 0 that stopped part-way is redone, over what it wrote.
    gru-asr prepare commonvoice --root "$root" --locale "$locale" --out "$data" --overwrite
    for split in train dev; do
      [ -f "$data/$split.jsonl" ] || { echo "no $split.tsv clips were prepared from $root: the recipe needs the release's train.tsv and dev.tsv" >&2; exit 1; }
    done
    touch "$data/.prepared"
  fi
fi

# Stages 1-8 are the same for every corpus recipe.
source "$recipe_dir/../common/stages.sh"
exit 0
