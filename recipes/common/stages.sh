# Stages 1-8 shared by the corpus recipes (librispeech, commonvoice, ljspeech, tedlium3).
# Sourced by each recipe's run.sh after its options and its own stage 0, with these set:
#   stage stop_stage           the stage range to run
#   data exp experiment         manifests folder, experiment folder, conf/experiment/NAME
#   train_manifest              the training manifest written by stage 0
#   eval_sets                   comma-separated splits evaluated in stage 8 ($data/SPLIT.jsonl)
#   tokenizer vocab_size tok_name   char | bpe, its size, the tokenizer config name
#   average lm_text lm_order beam_size device nj max_duration model python recipe_dir
#   prior_scales (optional)     stage 7's default label prior scale grid (0: no prior)
#   overrides                   Hydra overrides passed through to training
#   lm_exclude_eval_sentences   1 (default): no dev/test sentence enters the LM text; 0: keep them
#   data_overrides (optional)   what training reads; default data.train=$train_manifest
#                               data.dev=$data/dev.jsonl (recipes/an4 passes a mixture)
#   lm_sources (optional)       the LM's text files/manifests; default ${lm_text:-$train_manifest}
#   lm_build_options (optional) more `gru-asr lm build` options (recipes/mini_librispeech: --prune)
#   log run_stage               helper functions
# A finished stage is not redone: delete its output to redo it.

declare -p data_overrides >/dev/null 2>&1 || data_overrides=(data.train="$train_manifest" data.dev="$data/dev.jsonl")
declare -p lm_sources >/dev/null 2>&1 || lm_sources=("${lm_text:-$train_manifest}")
declare -p lm_build_options >/dev/null 2>&1 || lm_build_options=()

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
    # --overwrite: no YAML yet, so a .model beside it is left from an unfinished try.
    gru-asr tokenizer train "$train_manifest" -o "$exp/conf/tokenizer/$tok_name.yaml" --vocab-size "$vocab_size" --model-type bpe \
      --overwrite
  fi
fi

if run_stage 3; then
  if [ -f "$exp/train_result.json" ]; then log "stage 3: $exp trained, skipping"
  else
    log "stage 3: training ($experiment, tokenizer $tok_name)"
    start=$(date +%s)
    # resume_from=last: checkpoints without train_result.json are an interrupted run of this
    # stage, continued (from scratch when there are none); train refuses a new run over them.
    gru-asr train --config-dir "$(cd "$exp/conf" && pwd)" experiment="$experiment" tokenizer="$tok_name" \
      exp_dir="$exp" resume_from=last "${data_overrides[@]}" "${overrides[@]}"
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
  # Both files: lm build writes the ARPA, then the lexicon; a stop between them is unfinished.
  if [ -f "$exp/lm/lm.arpa" ] && [ -f "$exp/lm/lexicon.txt" ]; then log "stage 6: LM exists, skipping"
  else
    log "stage 6: ${lm_order}-gram LM and lexicon from ${lm_sources[*]} (no dev/test sentence)"
    excluded=()
    if [ "${lm_exclude_eval_sentences:-1}" = 1 ]; then
      excluded=("$data/dev.jsonl")
      for split in ${eval_sets//,/ }; do [ -f "$data/$split.jsonl" ] && excluded+=("$data/$split.jsonl"); done
    fi
    # --overwrite: the stage is unfinished, so an ARPA or lexicon left from an earlier try is stale.
    gru-asr lm build "${lm_sources[@]}" --order "$lm_order" "${lm_build_options[@]}" --model "$model" --exclude "${excluded[@]}" \
      -o "$exp/lm/lm.arpa" --lexicon "$exp/lm/lexicon.txt" --overwrite
  fi
fi

if run_stage 7; then
  if [ -f "$exp/lm/decoder.yaml" ]; then log "stage 7: tuned decoder exists, skipping"
  else
    log "stage 7: tuning lm_weight / word_score on dev"
    # A label prior (docs/decoding.md) is estimated on the training data and its scale
    # tuned with the LM when PRIOR_SCALES (default: the recipe's prior_scales, else 0) has
    # a value other than 0.
    scales="${PRIOR_SCALES:-${prior_scales:-0}}"
    prior_options=()
    if [ -n "$(tr -d '0.,' <<< "$scales")" ]; then
      if [ ! -f "$exp/lm/prior.txt" ]; then
        gru-asr lm prior --model "$model" "$train_manifest" -o "$exp/lm/prior.txt"
      fi
      prior_options=(--prior "$exp/lm/prior.txt" --prior-scales="$scales")
    fi
    gru-asr tune-lm --model "$model" "$data/dev.jsonl" --lm "$exp/lm/lm.arpa" --lexicon "$exp/lm/lexicon.txt" \
      --lm-weights="${LM_WEIGHTS:-0.5,1.0,1.5,2.0,2.5}" --word-scores="${WORD_SCORES:--1.0,0.0,1.0,2.0}" \
      "${prior_options[@]}" \
      --beam-size "$beam_size" --write "$exp/lm/decoder.yaml" 2> "$exp/lm/tune.log" > "$exp/lm/tune.txt"
    head -n 4 "$exp/lm/tune.txt"
  fi
fi

if run_stage 8; then
  for split in ${eval_sets//,/ }; do
    [ -f "$data/$split.jsonl" ] || continue
    log "stage 8: evaluating on $split"
    # Stage 8 is always redone (the model or the decoder may have changed): --overwrite.
    gru-asr evaluate --model "$model" "$data/$split.jsonl" --device "$device" --out-dir "$exp/eval_${split}_greedy" --overwrite >/dev/null
    gru-asr evaluate --model "$model" "$data/$split.jsonl" --device "$device" --out-dir "$exp/eval_${split}_beam_lm" --overwrite \
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
