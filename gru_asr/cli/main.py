"""The ``gru-asr`` command line.

Subcommands: synth, train, evaluate, transcribe, info, plugins. ``train`` hands
its arguments to Hydra (overrides like ``encoder=bigru_medium optim.lr=1e-3``,
``--cfg job``, ``-m`` for sweeps); the others are plain argparse.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "train":
        from gru_asr.cli.train import train_main

        return train_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    return int(args.func(args) or 0)


def build_parser() -> argparse.ArgumentParser:
    from gru_asr import __version__

    p = argparse.ArgumentParser(prog="gru-asr", description="Speech recognition with BiGRU-CTC models.")
    p.add_argument("--version", action="version", version=f"gru_asr {__version__}")
    sub = p.add_subparsers(title="commands", metavar="COMMAND")

    s = sub.add_parser("synth", help="build the synthetic espeak-ng corpus")
    s.add_argument("--out", required=True, help="output folder (wav/ and train/dev/test.jsonl)")
    s.add_argument("--hours", type=float, default=1.5, help="hours of training audio (dev/test add ~8%%)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--text", help="a text file with one sentence per line instead of the built-in generator")
    s.add_argument("--noise-prob", type=float, default=0.5, help="fraction of utterances with added noise")
    s.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    s.set_defaults(func=cmd_synth)

    sub.add_parser("train", help="train a model (Hydra overrides; see `gru-asr train --help`)")

    e = sub.add_parser("evaluate", help="WER/CER of a model on a manifest")
    e.add_argument("--model", required=True, help="packaged model file")
    e.add_argument("manifest", help="JSONL manifest with audio, duration, text")
    e.add_argument("--decoder", default=None, help="decoder name (default: the model's)")
    e.add_argument("--batch-size", type=int, default=16)
    e.add_argument("--device", default="cpu")
    e.add_argument("--out-dir", help="write results.json and utterances.jsonl here")
    e.add_argument("--json", action="store_true", help="print the summary as JSON")
    e.set_defaults(func=cmd_evaluate)

    t = sub.add_parser("transcribe", help="transcribe audio files")
    t.add_argument("--model", required=True, help="packaged model file")
    t.add_argument("audio", nargs="+", help="audio files")
    t.add_argument("--format", choices=["text", "jsonl"], default="text")
    t.add_argument("--decoder", default=None, help="decoder name (default: the model's)")
    t.add_argument("--batch-size", type=int, default=16)
    t.add_argument("--device", default="cpu")
    t.set_defaults(func=cmd_transcribe)

    i = sub.add_parser("info", help="show what a packaged model contains")
    i.add_argument("model")
    i.set_defaults(func=cmd_info)

    pl = sub.add_parser("plugins", help="list registered components")
    pl.add_argument("action", choices=["list"], nargs="?", default="list")
    pl.set_defaults(func=cmd_plugins)
    return p


def cmd_synth(args) -> int:
    from gru_asr.synth.corpus import SynthConfig, build_corpus

    sentences = None
    if args.text:
        from gru_asr.synth.text_generator import normalize_spoken

        lines = Path(args.text).read_text(encoding="utf-8").splitlines()
        sentences = [s for s in (normalize_spoken(x) for x in lines) if s]
    cfg = SynthConfig(hours=args.hours, seed=args.seed, noise_prob=args.noise_prob)
    summary = build_corpus(args.out, cfg, sentences=sentences, workers=args.workers)
    for split, st in summary["splits"].items():
        print(f"{split:5s}  {st['utterances']:6d} utterances  {st['hours']:.3f} h  -> {Path(args.out) / (split + '.jsonl')}")
    print(f"synthesized at {summary['realtime_factor']}x real time with {summary['workers']} workers")
    return 0


def cmd_evaluate(args) -> int:
    from gru_asr.evaluation import evaluate_manifest
    from gru_asr.inference import Model

    model = Model.load(args.model, device=args.device, decoder=args.decoder)
    report = evaluate_manifest(model, args.manifest, batch_size=args.batch_size)
    if args.out_dir:
        report.write(args.out_dir)
    print(json.dumps(report.summary()) if args.json else report.table())
    return 0


def cmd_transcribe(args) -> int:
    from gru_asr.inference import Model
    from gru_asr.packaging import PackageError

    try:
        model = Model.load(args.model, device=args.device, decoder=args.decoder)
    except PackageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    failed = 0
    for res in model.transcribe(args.audio, batch_size=args.batch_size):
        if not res.ok:
            failed += 1
            print(f"error: {res.audio}: {res.error}", file=sys.stderr)
            continue
        if args.format == "jsonl":
            print(json.dumps(res.to_dict(), ensure_ascii=False), flush=True)
        else:
            print(res.text if len(args.audio) == 1 else f"{res.audio}\t{res.text}", flush=True)
    return 1 if failed else 0


def cmd_info(args) -> int:
    from gru_asr.packaging import PackageError, read_package_info

    try:
        info = read_package_info(args.model)
    except PackageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(info, indent=2))
    return 0


def cmd_plugins(args) -> int:
    from gru_asr.registry import get_registry, kinds

    for kind in kinds():
        reg = get_registry(kind)
        print(f"{kind}:")
        for name in reg.names():
            info = reg.info(name)
            print(f"  {name:<14} {info.distribution} {info.version}  {info.describe()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
