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
Environment: LM_WEIGHTS, WORD_SCORES, PRIOR_SCALES (tuning grids), PYTHON (python with gru_asr, default python3).
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
source "$(dirname "${BASH_SOURCE[0]}")/../common/parse_options.sh"
exp=${exp:-exp/ljspeech_$experiment}
source "$(dirname "${BASH_SOURCE[0]}")/../common/setup.sh"
max_duration=11  # data check: LJSpeech clips are 1-10 s; a longer one is suspect
train_manifest="$data/train.jsonl"

if run_stage 0; then
  if [ -f "$data/.prepared" ]; then log "stage 0: $data prepared, skipping"
  else
    [ -n "$root" ] || { echo "stage 0 needs --root (the LJSpeech-1.1 folder)" >&2; exit 2; }
    log "stage 0: preparing LJSpeech from $root (dev = book LJ001, test = book LJ002)"
    # No .prepared yet: a stage 0 that stopped part-way is redone, over what it wrote.
    gru-asr prepare ljspeech --root "$root" --out "$data" --overwrite
    for split in train dev; do
      [ -f "$data/$split.jsonl" ] || { echo "no $split utterances were prepared from $root" >&2; exit 1; }
    done
    touch "$data/.prepared"
  fi
fi

# Stages 1-8 are the same for every corpus recipe.
source "$recipe_dir/../common/stages.sh"
exit 0
