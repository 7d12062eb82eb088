#!/usr/bin/env bash
# AN4 recipe: the corpus as it ships -> packaged model -> measured WER.
# ../shared/data/an4 has the training partition only: stage 0 carves a
# speaker-disjoint dev split (8 speakers) out of it; test is used when present.
# Stages:
#   0 prepare     manifests (+ synth_text.txt), and AN4-style synthetic speech to mix in
#   1 statistics  corpus statistics and a data check of the training manifest
#   2 tokenizer   char (default) or a SentencePiece BPE model trained on the training text
#   3 train       BiGRU-CTC on AN4 (+ synthetic speech at --synth-weight)
#   4 average     average the N best checkpoints (by dev WER)
#   5 package     keep the average or the best single checkpoint, whichever is better on dev
#   6 lm          3-gram LM + lexicon from the training transcripts
#   7 tune        grid-search lm_weight / word_score on dev
#   8 evaluate    greedy and beam_lm on dev (and test when the corpus has it)
# A finished stage is not redone: delete its output to redo it.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bash recipes/an4/run.sh [options] [-- HYDRA_OVERRIDES...]
  --root DIR          the AN4 folder (etc/, wav/) (default ../shared/data/an4)
  --stage N           first stage to run (default 0)
  --stop-stage M      last stage to run (default 8)
  --data DIR          manifests (default data/an4)
  --exp DIR           experiment folder (default exp/<experiment>)
  --experiment NAME   conf/experiment/NAME.yaml (default an4_medium)
  --synth-hours H     hours of AN4-style synthetic speech built in stage 0 (default 1.0)
  --synth-weight W    its seconds per epoch relative to AN4's; 0 trains on AN4 alone (default 0.5)
  --tokenizer KIND    char | bpe (default char)
  --vocab-size N      BPE vocabulary size (default 64)
  --average N         checkpoints to average (default 5)
  --beam-size N       beam for tuning and evaluation (default 50)
  --nj N              processes for beam search (default 1)
Environment: LM_WEIGHTS, WORD_SCORES, PRIOR_SCALES (tuning grids), PYTHON (python with gru_asr, default python3).
USAGE
}

root=../shared/data/an4
stage=0
stop_stage=8
data=data/an4
exp=
experiment=an4_medium
synth_hours=1.0
synth_weight=0.5
tokenizer=char
vocab_size=64
average=5
lm_text=
lm_order=3
beam_size=50
device=cpu
nj=1
source "$(dirname "${BASH_SOURCE[0]}")/../common/parse_options.sh"
exp=${exp:-exp/$experiment}
source "$(dirname "${BASH_SOURCE[0]}")/../common/setup.sh"
max_duration=20  # data check: AN4 utterances are under 10 s
train_manifest="$data/train.jsonl"
eval_sets=dev,test
use_synth=$("$python" -c 'import sys; print(int(float(sys.argv[1]) > 0))' "$synth_weight")
synth="$data/synth"
# AN4 speakers read the same kinds of prompt ("yes", "enter five"): the dev split holds out
# speakers, not sentences, and dropping every training sentence a dev speaker also said
# would drop words such as "yes" from the lexicon altogether.
lm_exclude_eval_sentences=0

if run_stage 0; then
  if [ -f "$data/.prepared" ]; then log "stage 0: $data prepared, skipping"
  else
    log "stage 0: preparing AN4 from $root (dev: 8 held-out training speakers)"
    # synth_text.txt needs about 3,000 sentences per hour of synthetic speech (4,000 at least).
    synth_sentences=$("$python" -c 'import sys; print(max(4000, round(3000 * float(sys.argv[1]))))' "$synth_hours")
    # No .prepared yet: a stage 0 that stopped part-way is redone, over what it wrote.
    gru-asr prepare an4 --root "$root" --out "$data" --overwrite --synth-sentences "$synth_sentences"
    touch "$data/.prepared"
  fi
  if [ "$use_synth" = 1 ]; then
    if [ -f "$synth/train.jsonl" ]; then log "stage 0: $synth exists, skipping"
    else
      log "stage 0: $synth_hours h of AN4-style synthetic speech (espeak-ng voices) into $synth"
      gru-asr synth --out "$synth.tmp" --hours "$synth_hours" --text "$data/synth_text.txt" --noise-prob 0.4 --overwrite
      rm -rf "$synth" && mv "$synth.tmp" "$synth"
    fi
  fi
fi

# Training reads a mixture: all of AN4 each epoch plus synth_weight x its seconds
# of synthetic speech drawn afresh (docs/training.md, "Mixing corpora").
data_overrides=(data.dev="$data/dev.jsonl")
if [ "$use_synth" = 1 ]; then
  data_overrides+=("data.train=[{name:an4,manifest:'$train_manifest',weight:1.0},{name:synth,manifest:'$synth/train.jsonl',weight:$synth_weight}]")
else
  data_overrides+=(data.train="$train_manifest")
fi

# Stages 1-8 are the same as in the corpus recipes.
source "$recipe_dir/../common/stages.sh"
exit 0
