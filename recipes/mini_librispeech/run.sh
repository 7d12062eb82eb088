#!/usr/bin/env bash
# Mini LibriSpeech recipe: train-clean-5 (5.3 h) -> packaged model -> WER on the
# LibriSpeech dev-clean slice, greedy and with a 4-gram LM built from public-domain books.
# Stages:
#   0 prepare     train-clean-5 and the dev-clean slice (dev.jsonl); AN4, LJSpeech and
#                 synthetic speech too when their --*-weight is above 0
#   1 statistics  corpus statistics and a data check of the training manifest
#   2 tokenizer   char (default) or a SentencePiece BPE model trained on the training text
#   3 train       BiGRU-CTC, 90 minutes on 2 CPU cores (resumable: rerun to continue)
#   4 average     average the N best checkpoints (by dev WER)
#   5 package     keep the average or the best single checkpoint, whichever is better on dev
#   6 lm          pruned n-gram LM + lexicon from --lm-text plus the training transcripts
#   7 tune        grid-search lm_weight / word_score on dev
#   8 evaluate    greedy and beam_lm on dev
# A finished stage is not redone: delete its output to redo it.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bash recipes/mini_librispeech/run.sh [options] [-- HYDRA_OVERRIDES...]
  --root DIR          the folder holding LibriSpeech/train-clean-5 (default ../shared/data/mini-librispeech)
  --dev-root DIR      the folder holding LibriSpeech/dev-clean (default ../shared/data/librispeech-subset)
  --stage N           first stage to run (default 0)
  --stop-stage M      last stage to run (default 8)
  --data DIR          manifests (default data/mini_librispeech)
  --exp DIR           experiment folder (default exp/<experiment>)
  --experiment NAME   conf/experiment/NAME.yaml (default mls5_medium)
  --tokenizer KIND    char | bpe (default char)
  --vocab-size N      BPE vocabulary size (default 256)
  --an4-root DIR      AN4 as it ships (default ../shared/data/an4), read when --an4-weight > 0
  --an4-weight W      AN4 seconds per epoch relative to train-clean-5's (default 0: not mixed)
  --ljspeech-root DIR LJSpeech-1.1's parent (default ../shared/data/ljspeech-part), read when --ljspeech-weight > 0
  --ljspeech-weight W LJSpeech seconds per epoch relative to train-clean-5's (default 0)
  --synth-hours H     hours of built-in synthetic speech made when --synth-weight > 0 (default 1.0)
  --synth-weight W    synthetic seconds per epoch relative to train-clean-5's (default 0)
  --average N         checkpoints to average (default 5)
  --lm-text FILE      book text for the LM, one sentence per line, .xz/.gz read as is
                      (default ../shared/data/lm-text/lm_text.txt.xz); the training transcripts are added
  --lm-order N        n-gram order (default 4)
  --lm-prune LIST     count cutoffs per order, as lmplz --prune (default 0,0,1,1: singleton 3- and 4-grams dropped)
  --beam-size N       beam for tuning and evaluation (default 1000: 2.6 points better than 100 on dev, RESULTS.md)
  --device DEV        evaluation device: cpu | cuda (default cpu)
  --nj N              processes for beam search (default 2)
Environment: LM_WEIGHTS, WORD_SCORES, PRIOR_SCALES (tuning grids), PYTHON (python with gru_asr, default python3).
USAGE
}

root=../shared/data/mini-librispeech
dev_root=../shared/data/librispeech-subset
stage=0
stop_stage=8
data=data/mini_librispeech
exp=
experiment=mls5_medium
tokenizer=char
vocab_size=256
an4_root=../shared/data/an4
an4_weight=0
ljspeech_root=../shared/data/ljspeech-part
ljspeech_weight=0
synth_hours=1.0
synth_weight=0
average=5
lm_text=../shared/data/lm-text/lm_text.txt.xz
lm_order=4
lm_prune=0,0,1,1
beam_size=1000
# Label prior scale for stage 7 (PRIOR_SCALES overrides): on the fourth leg's model every
# scale from 0.5 to 1.1 beat none by 1.5-2 points (RESULTS.md), so the grid has only 1.0.
prior_scales=1.0
device=cpu
nj=2
source "$(dirname "${BASH_SOURCE[0]}")/../common/parse_options.sh"
exp=${exp:-exp/$experiment}
source "$(dirname "${BASH_SOURCE[0]}")/../common/setup.sh"
max_duration=20  # data check: train-clean-5's utterances are under 18 s
train_manifest="$data/train-clean-5.jsonl"
eval_sets=dev
positive() { "$python" -c 'import sys; print(int(float(sys.argv[1]) > 0))' "$1"; }

if run_stage 0; then
  if [ -f "$data/.prepared" ]; then log "stage 0: $data prepared, skipping"
  else
    log "stage 0: preparing train-clean-5 from $root and the dev-clean slice from $dev_root"
    # No .prepared yet: a stage 0 that stopped part-way is redone, over what it wrote.
    gru-asr prepare librispeech --root "$root" --out "$data" --overwrite
    gru-asr prepare librispeech --root "$dev_root" --out "$data" --overwrite
    [ -f "$train_manifest" ] || { echo "$root has no LibriSpeech/train-clean-5 folder" >&2; exit 1; }
    [ -f "$data/dev-clean.jsonl" ] || { echo "$dev_root has no LibriSpeech/dev-clean folder" >&2; exit 1; }
    cp "$data/dev-clean.jsonl" "$data/dev.jsonl.tmp" && mv "$data/dev.jsonl.tmp" "$data/dev.jsonl"
    touch "$data/.prepared"
  fi
  if [ "$(positive "$an4_weight")" = 1 ] && [ ! -f "$data/an4/.prepared" ]; then
    log "stage 0: preparing AN4 from $an4_root"
    gru-asr prepare an4 --root "$an4_root" --out "$data/an4" --overwrite && touch "$data/an4/.prepared"
  fi
  if [ "$(positive "$ljspeech_weight")" = 1 ] && [ ! -f "$data/ljspeech/.prepared" ]; then
    log "stage 0: preparing LJSpeech from $ljspeech_root"
    gru-asr prepare ljspeech --root "$ljspeech_root" --out "$data/ljspeech" --overwrite && touch "$data/ljspeech/.prepared"
  fi
  if [ "$(positive "$synth_weight")" = 1 ] && [ ! -f "$data/synth/train.jsonl" ]; then
    log "stage 0: $synth_hours h of synthetic speech (espeak-ng voices) into $data/synth"
    gru-asr synth --out "$data/synth.tmp" --hours "$synth_hours" --noise-prob 0.4 --overwrite
    rm -rf "$data/synth" && mv "$data/synth.tmp" "$data/synth"
  fi
fi

# Training reads train-clean-5 each epoch plus, for each corpus with a weight above 0,
# weight x its seconds drawn afresh (docs/training.md, "Mixing corpora").
data_overrides=(data.dev="$data/dev.jsonl")
mix="{name:mini_librispeech,manifest:'$train_manifest',weight:1.0}"
[ "$(positive "$an4_weight")" = 1 ] && mix+=",{name:an4,manifest:'$data/an4/train.jsonl',weight:$an4_weight}"
[ "$(positive "$ljspeech_weight")" = 1 ] && mix+=",{name:ljspeech,manifest:'$data/ljspeech/train.jsonl',weight:$ljspeech_weight}"
[ "$(positive "$synth_weight")" = 1 ] && mix+=",{name:synth,manifest:'$data/synth/train.jsonl',weight:$synth_weight}"
if [ "$mix" = "{name:mini_librispeech,manifest:'$train_manifest',weight:1.0}" ]; then
  data_overrides+=(data.train="$train_manifest")
else
  data_overrides+=("data.train=[$mix]")
fi

# Stage 6 reads the book text and the training transcripts; no dev sentence enters it.
lm_sources=("$lm_text" "$train_manifest")
lm_build_options=(--prune "$lm_prune")

# Stages 1-8 are the same as in the corpus recipes.
source "$recipe_dir/../common/stages.sh"
exit 0
