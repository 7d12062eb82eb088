# Command-line options for a recipe's run.sh, Kaldi's parse_options.sh style: sourced
# after the recipe has set its defaults, `--some-name VALUE` (or `--some-name=VALUE`)
# sets the variable some_name. An option must be listed in the recipe's `usage` and
# have a default, so a misspelt option is an error, not a silently ignored one (and no
# environment variable can be set from the command line). `-h`/`--help` prints
# `usage`; everything after `--` is kept in the array `overrides` (Hydra overrides
# passed through to training).

_usage_text=$(usage)
overrides=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --) shift; overrides=("$@"); break ;;
    --*)
      _option=${1#--}
      if [[ "$_option" == *=* ]]; then _value=${_option#*=}; _option=${_option%%=*}; shift
      else
        [ $# -ge 2 ] || { echo "option $1 needs a value" >&2; exit 2; }
        _value=$2; shift 2
      fi
      _name=${_option//-/_}
      if [[ ! "$_option" =~ ^[a-z][a-z0-9-]*$ ]] || [[ "$_usage_text" != *"--$_option "* ]] || ! declare -p "$_name" >/dev/null 2>&1; then
        echo "unknown option --$_option" >&2; usage >&2; exit 2
      fi
      printf -v "$_name" '%s' "$_value"
      ;;
    *) echo "unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
unset _option _value _name _usage_text
