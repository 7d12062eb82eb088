# What every corpus recipe derives from its options: sourced by run.sh once its options
# are parsed (parse_options.sh) and its own defaults that depend on them (exp, data)
# are set, before stage 0.
case "$tokenizer" in char|bpe) ;; *) echo "--tokenizer must be char or bpe" >&2; exit 2 ;; esac
recipe_dir=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python3}
log() { echo "[$(date +%H:%M:%S)] $*"; }
run_stage() { [ "$stage" -le "$1" ] && [ "$stop_stage" -ge "$1" ]; }
tok_name=char
[ "$tokenizer" = bpe ] && tok_name="bpe${vocab_size}"
model="$exp/final.safetensors"
