"""Assemble the built-in model's folder (gru_asr/pretrained/english_small) from a recipe's
results, and measure it at the size it ships.

    python tools/build_builtin_model.py --model exp/X/final.safetensors \
        --decoder exp/X/lm/decoder.yaml --lm small.arpa --lexicon small.lex \
        --dev data/mini_librispeech/dev.jsonl --card recipes/mini_librispeech/builtin_card.json \
        --out gru_asr/pretrained/english_small

- model.safetensors: the model in float16 (``gru-asr package --dtype float16``);
- lm.arpa.gz, lexicon.txt: the (small, pruned) LM gzip-compressed, and its lexicon;
- prior.txt and the tuned weights: from ``--decoder`` (what ``run.sh`` stage 7 wrote);
- decoder.yaml: those settings with the files named relative to the folder;
- model_card.json: ``--card`` (what the model is, what it was trained on) plus what this
  script measures: WER/CER/RTF on ``--dev`` through the folder as shipped (greedy and
  with the LM) and every file's size.

Everything goes through the ``gru-asr`` command line of the project's .venv; the output
folder must not exist (or pass --overwrite).
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def gru_asr(*args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "gru_asr", *args], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        sys.exit(f"error: gru-asr {' '.join(args[:2])} failed: {last}")
    return proc.stdout


def evaluate(model: Path, dev: str, decoder: Path | None) -> dict:
    args = ["evaluate", "--model", str(model), dev, "--json"]
    if decoder is not None:
        args += ["--decoder", str(decoder)]
    return json.loads(gru_asr(*args).strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="the recipe's packaged model (float32)")
    ap.add_argument("--decoder", required=True, help="the tuned decoder.yaml (beam_lm, with prior)")
    ap.add_argument("--lm", required=True, help="the LM to ship, ARPA (plain or .gz)")
    ap.add_argument("--lexicon", required=True, help="its lexicon")
    ap.add_argument("--dev", required=True, help="dev manifest the card's WER is measured on")
    ap.add_argument("--ci-utterances", type=int, default=100,
                    help="also measure the first N dev utterances, for tests/e2e/test_builtin_recognition.py (default 100)")
    ap.add_argument("--card", required=True, help="JSON: the card's fixed part (training data, recipe, license)")
    ap.add_argument("--out", required=True, help="the folder to write")
    ap.add_argument("--overwrite", action="store_true")
    args = ap.parse_args(argv)

    final = Path(args.out)
    if final.exists() and not args.overwrite:
        sys.exit(f"error: {final}: the folder exists; pass --overwrite to replace it")
    for name in ("model", "decoder", "lm", "lexicon", "dev", "card"):  # the gru-asr calls run in ROOT
        path = Path(getattr(args, name)).resolve()
        if not path.is_file():
            sys.exit(f"error: {path}: file not found (--{name})")
        setattr(args, name, str(path))
    tuned = yaml.safe_load(Path(args.decoder).read_text())
    if not isinstance(tuned, dict) or tuned.get("name") != "beam_lm" or not tuned.get("prior"):
        sys.exit(f"error: {args.decoder}: expected a tuned beam_lm config with a prior")
    card = json.loads(Path(args.card).read_text())
    # Built beside the destination and moved into place when complete: no stale or half-written files.
    final.parent.mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent)).resolve()
    try:
        card = build(args, tuned, card, out)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    if final.exists():
        shutil.rmtree(final)
    out.rename(final)
    final.chmod(0o755)  # mkdtemp made it private
    print(json.dumps(card["evaluation"]))
    print(f"size_mb: {card['total_mb']}")
    print(f"wer_beam_lm: {card['evaluation']['wer_beam_lm']}")
    return 0


def build(args, tuned: dict, card: dict, out: Path) -> dict:
    """Write the folder's files into ``out`` and return the card with what was measured."""
    gru_asr("package", args.model, "--dtype", "float16", "-o", str(out / "model.safetensors"), "--overwrite")
    with open(args.lm, "rb") as src, gzip.open(out / "lm.arpa.gz", "wb", compresslevel=9) as dst:
        head = src.read(2)
        src.seek(0)
        shutil.copyfileobj(gzip.open(src) if head == b"\x1f\x8b" else src, dst)
    shutil.copyfile(args.lexicon, out / "lexicon.txt")
    shutil.copyfile(Path(tuned["prior"]).resolve(), out / "prior.txt")
    shipped = {**tuned, "lm": "lm.arpa.gz", "lexicon": "lexicon.txt", "prior": "prior.txt"}
    shipped.pop("num_workers", None)
    (out / "decoder.yaml").write_text(
        "# The built-in model's decoder (tuned on the dev slice); lm, lexicon and prior are files of this folder.\n"
        + yaml.safe_dump(shipped, sort_keys=False))

    model = out / "model.safetensors"
    with tempfile.TemporaryDirectory() as tmp:  # the shipped decoder with absolute paths, to evaluate it
        absolute = Path(tmp) / "decoder.yaml"
        absolute.write_text(yaml.safe_dump({**shipped, **{k: str(out / shipped[k]) for k in ("lm", "lexicon", "prior")}}))
        subset = Path(tmp) / "dev_subset.jsonl"
        subset.write_text("".join(Path(args.dev).read_text().splitlines(keepends=True)[: args.ci_utterances]))
        with_lm = evaluate(model, args.dev, absolute)
        subset_lm = evaluate(model, str(subset), absolute)
        subset_greedy = evaluate(model, str(subset), None)
    greedy = evaluate(model, args.dev, None)
    sizes = {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.name != "model_card.json"}
    card["evaluation"] = {
        "dev_manifest": Path(args.dev).name,
        "utterances": with_lm["utterances"], "words": with_lm["ref_words"],
        "wer_beam_lm": with_lm["wer"], "cer_beam_lm": with_lm["cer"], "rtf_beam_lm": with_lm["rtf"],
        "wer_greedy": greedy["wer"], "cer_greedy": greedy["cer"], "rtf_greedy": greedy["rtf"],
    }
    card["ci_subset"] = {"utterances": subset_lm["utterances"], "words": subset_lm["ref_words"],
                         "wer_beam_lm": subset_lm["wer"], "wer_greedy": subset_greedy["wer"]}
    card["files_bytes"] = sizes
    card["total_mb"] = round(sum(sizes.values()) / 1e6, 1)
    (out / "model_card.json").write_text(json.dumps(card, indent=2) + "\n")
    return card


if __name__ == "__main__":
    sys.exit(main())
