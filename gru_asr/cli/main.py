"""The ``gru-asr`` command line.

Subcommands: synth, train, evaluate, transcribe, export, info, plugins. ``train`` hands
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
    if argv[:1] == ["doctor"]:
        # Before anything imports torch: this is the command to run when torch is broken.
        from gru_asr.install_check import main as doctor

        return doctor(argv[1:])
    plugin_args: list[str] = []  # handed on to train, which restarts DDP ranks with them
    if argv and argv[0] != "train":
        # --plugin MODULE (any command): import a local module that registers
        # components, e.g. to transcribe with a model that uses an unpackaged encoder.
        from gru_asr.registry import import_local_plugin

        while "--plugin" in argv:
            i = argv.index("--plugin")
            if i + 1 >= len(argv):
                print("error: --plugin needs a module name", file=sys.stderr)
                return 2
            try:
                import_local_plugin(argv[i + 1])
            except ImportError as err:  # the module, or one it imports, is not installed
                print(f"error: --plugin {argv[i + 1]}: cannot import it ({err}); the module must be "
                      f"importable from the current folder or the environment", file=sys.stderr)
                return 2
            plugin_args += argv[i : i + 2]
            del argv[i : i + 2]
    if argv and argv[0] == "train":
        from gru_asr.cli.train import train_main

        return train_main(plugin_args + argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    return run_command(args)


def run_command(args) -> int:
    """Run a subcommand; bad input becomes one line on stderr and exit status 2
    (gru_asr/cli/errors.py). Other exceptions are bugs and keep their traceback."""
    from gru_asr.cli.errors import describe_os_error, user_error_types

    try:
        return int(args.func(args) or 0)
    except user_error_types() as err:
        print(f"error: {err}", file=sys.stderr)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError, FileExistsError) as err:
        print(f"error: {describe_os_error(err)}", file=sys.stderr)
    except UnicodeDecodeError as err:  # a reader that did not name its file: still one line
        print(f"error: input is not UTF-8 text (byte {err.start})", file=sys.stderr)
    except BrokenPipeError:
        # The reader of our output went away (`gru-asr info | head`): stop quietly, as a
        # Unix filter does, and keep the interpreter's final flush from failing again.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 2


def build_parser() -> argparse.ArgumentParser:
    from gru_asr.version import __version__
    from gru_asr.cli.errors import add_overwrite_flag

    p = argparse.ArgumentParser(prog="gru-asr", description="Speech recognition with BiGRU-CTC models.")
    p.add_argument("--version", action="version", version=f"gru_asr {__version__}")
    # main() imports the modules before parsing; this entry is here for --help.
    p.add_argument("--plugin", metavar="MODULE", action="append",
                   help="import MODULE (a local module that registers components) before running; "
                        "every command takes it, anywhere on its command line, e.g. "
                        "`gru-asr transcribe --plugin my_encoder ...`; may be repeated (docs/plugins.md)")
    sub = p.add_subparsers(title="commands", metavar="COMMAND")

    s = sub.add_parser("synth", help="build the synthetic espeak-ng corpus")
    s.add_argument("--out", required=True, help="output folder (wav/ and train/dev/test.jsonl)")
    s.add_argument("--hours", type=float, default=1.5, help="hours of training audio (dev/test add ~8%%)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--text", help="a text file with one sentence per line instead of the built-in generator")
    s.add_argument("--noise-prob", type=float, default=0.5, help="fraction of utterances with added noise")
    s.add_argument("--lm-sentences", type=int, default=0, help="also write lm_text.txt: train text + N generated sentences (no dev/test ones)")
    s.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    add_overwrite_flag(s)
    s.set_defaults(func=cmd_synth)

    sub.add_parser("train", help="train a model (Hydra overrides; see `gru-asr train --help`)")
    sub.add_parser("doctor", help="check that torch, torchaudio, flashlight-text, soundfile and espeak-ng work together")

    pr = sub.add_parser("prepare", help="corpus layout -> JSONL manifests")
    from gru_asr.corpora import PREPARERS  # the registered corpora are the choices

    pr.add_argument("corpus", choices=sorted(PREPARERS))
    pr.add_argument("--root", required=True, help="the corpus folder as it ships")
    pr.add_argument("--out", required=True, help="folder for <split>.jsonl manifests (existing ones are kept unless --overwrite)")
    pr.add_argument("--locale", help="commonvoice: the locale folder under --root (e.g. de); required when the release holds several")
    pr.add_argument("--synth-sentences", type=int, default=4000,
                    help="an4: AN4-style sentences generated into synth_text.txt (about 3,000 per hour of `gru-asr synth`)")
    add_overwrite_flag(pr)
    pr.set_defaults(func=cmd_prepare)

    e = sub.add_parser("evaluate", help="WER/CER of a model on a manifest")
    e.add_argument("--model", help="packaged model file (default: the built-in English model; `gru-asr info` describes it)")
    e.add_argument("manifest", help="JSONL manifest with audio, duration, text")
    add_decoder_args(e)
    e.add_argument("--batch-size", type=int, default=16)
    e.add_argument("--device", default="cpu")
    e.add_argument("--out-dir", help="write results.json and utterances.jsonl here")
    e.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_overwrite_flag(e)
    e.set_defaults(func=cmd_evaluate)

    t = sub.add_parser("transcribe", help="transcribe audio files")
    t.add_argument("--model", help="packaged model file (default: the built-in English model; `gru-asr info` describes it)")
    t.add_argument("audio", nargs="+", help="audio files, folders, glob patterns, JSONL manifests, or - (paths on stdin)")
    t.add_argument("--format", choices=["text", "jsonl", "srt", "vtt", "ctm"], default="text")
    t.add_argument("--output-dir", help="write one file per input here (NAME.txt/.jsonl/.srt/.vtt/.ctm)")
    add_decoder_args(t)
    t.add_argument("--batch-size", type=int, default=16)
    t.add_argument("--device", default="cpu")
    st = t.add_argument_group("streaming (unidirectional models; docs/streaming.md)")
    st.add_argument("--stream", action="store_true",
                    help="feed each file chunk by chunk as a live stream, carrying the model state; partial "
                         "results go to stderr, the final text to stdout as without --stream (greedy decoding)")
    st.add_argument("--chunk-ms", type=float, default=320.0, help="chunk length for --stream (default: 320)")
    st.add_argument("--raw", action="store_true",
                    help="with --stream and the input -: read raw 16-bit little-endian mono PCM at the "
                         "model's sample rate from stdin (e.g. from arecord -f S16_LE -c 1)")
    t.add_argument("--progress", choices=["auto", "on", "off"], default="auto",
                   help="progress bar on stderr (auto: when stderr is a terminal and there are several files)")
    t.add_argument("--runtime", choices=["torch", "onnx"], default="torch",
                   help="onnx: --model is a .onnx file from `gru-asr export`, run with onnxruntime "
                        "(greedy decoding, CPU; docs/export.md)")
    add_overwrite_flag(t)
    t.set_defaults(func=cmd_transcribe)

    ex = sub.add_parser("export", help="export front-end + encoder + CTC head to ONNX or TorchScript, checked against PyTorch")
    ex.add_argument("model", help="packaged model file")
    ex.add_argument("--format", choices=["onnx", "torchscript"], default="onnx",
                    help="onnx (default; decoding metadata in metadata_props) or torchscript (traced)")
    ex.add_argument("-o", "--output", required=True, help="file to write (e.g. model.onnx, model.pt)")
    ex.add_argument("--opset", type=int, default=17, help="ONNX opset, 12-20 (default: 17)")
    ex.add_argument("--tolerance", type=float, default=1e-3,
                    help="largest allowed |log-prob difference| vs PyTorch; above it the exit status is 1 (default: 1e-3)")
    add_overwrite_flag(ex)
    ex.set_defaults(func=cmd_export)

    lm = sub.add_parser("lm", help="n-gram language models and lexicons")
    lm_sub = lm.add_subparsers(metavar="ACTION")
    b = lm_sub.add_parser("build", help="modified Kneser-Ney ARPA LM from text files (one sentence per line)")
    b.add_argument("text", nargs="+", help="text files (one sentence per line; .xz and .gz are read as such), "
                                           "or JSONL manifests (their 'text' fields)")
    b.add_argument("-o", "--output", required=True, help="ARPA file to write (lm.arpa.gz: gzip-compressed, a third of the size; KenLM reads it as is)")
    b.add_argument("--order", type=int, default=3, choices=[1, 2, 3, 4, 5, 6])
    b.add_argument("--prune", help="count cutoffs per order as lmplz --prune: 0,0,1,1 drops 3- and 4-grams "
                                   "seen once (default: no pruning)")
    b.add_argument("--vocab-size", type=int, help="keep the N most frequent words; the others become <unk>")
    b.add_argument("--type", default="ngram", help="registered LM builder (default: ngram)")
    b.add_argument("--model", help="normalize text with this model's normalizer and write a lexicon for its tokenizer")
    b.add_argument("--lexicon", help="lexicon file to write (needs --model)")
    b.add_argument("--exclude", nargs="*", default=[], help="files whose sentences must not enter the LM (e.g. dev/test)")
    add_overwrite_flag(b)
    b.set_defaults(func=cmd_lm_build)

    pr = lm_sub.add_parser("prior", help="estimate a model's label prior on training data, for beam_lm's prior_scale")
    pr.add_argument("manifest", help="training manifest (never dev or test: the prior is tuned with the LM on dev)")
    pr.add_argument("--model", required=True, help="packaged model file")
    pr.add_argument("-o", "--output", required=True, help="prior file to write (e.g. EXP/lm/prior.txt)")
    pr.add_argument("--utterances", type=int, default=200,
                    help="how many utterances, drawn at random with a fixed seed (default: 200)")
    add_overwrite_flag(pr)
    pr.set_defaults(func=cmd_lm_prior)

    dc = sub.add_parser("data", help="manifest tools")
    dc_sub = dc.add_subparsers(metavar="ACTION")
    ck = dc_sub.add_parser("check", help="report problems in a manifest (nothing is changed)")
    ck.add_argument("manifest")
    ck.add_argument("--model", help="check characters and CTC feasibility against this model's tokenizer")
    ck.add_argument("--min-duration", type=float, default=None,
                    help="seconds; shorter is a problem (default: data.min_duration of --config, as training skips)")
    ck.add_argument("--max-duration", type=float, default=None,
                    help="seconds; longer is a problem (default: data.max_duration of --config, as training skips)")
    ck.add_argument("--config", metavar="YAML",
                    help="training config whose data.min_duration/max_duration apply (a run's config.yaml; "
                         "default: gru_asr's default data config, conf/data/synth.yaml)")
    ck.add_argument("--write-clean", action="store_true", help="write NAME.clean.jsonl with the entries that passed")
    ck.set_defaults(func=cmd_data_check)

    im = dc_sub.add_parser("import", help="convert a NeMo manifest or a Kaldi data dir to a gru_asr manifest")
    im.add_argument("source", help="NeMo .json/.jsonl manifest, or a Kaldi data directory")
    im.add_argument("-o", "--output", required=True, help="the gru_asr manifest to write (an existing file is kept unless --overwrite)")
    add_overwrite_flag(im)
    im.set_defaults(func=cmd_data_import)

    sh = dc_sub.add_parser(
        "shard", help="write a manifest as tar shards for streaming training (data.train=DIR; docs/custom_data.md)",
        description="Write the utterances of MANIFEST as WebDataset-style tar shards (shard-000000.tar, ...) "
                    "with a sidecar index per shard and DIR/shards.jsonl listing them. Segments (entries with an "
                    "offset) are cut out and stored as their own audio. Audio that load_audio would refuse (missing, "
                    "empty, truncated, undecodable, an implausible sample rate) is left out and listed by id "
                    "with the file and the reason. The same manifest and options always give the same bytes.")
    sh.add_argument("manifest")
    sh.add_argument("--out", required=True, metavar="DIR", help="an empty or new folder (existing shards are kept unless --overwrite)")
    size = sh.add_mutually_exclusive_group()
    size.add_argument("--shard-seconds", type=float, default=3600.0, help="audio per shard, in seconds (default: 3600)")
    size.add_argument("--shard-size", type=int, help="utterances per shard, instead of --shard-seconds")
    sh.add_argument("--format", choices=["flac", "wav", "original"], default="flac",
                    help="flac (default, lossless for 16/24-bit sources), wav, or the original file's bytes "
                         "(segments are still cut, as flac)")
    sh.add_argument("--shuffle-seed", type=int, default=0,
                    help="shuffle utterances before sharding with this seed (default: 0), so that each shard "
                         "mixes speakers; see --keep-order")
    sh.add_argument("--keep-order", action="store_true", help="keep the manifest order instead of shuffling")
    sh.add_argument("--jobs", type=int, default=1, help="processes encoding audio (default: 1; shards are the same for any value)")
    add_overwrite_flag(sh)
    sh.set_defaults(func=cmd_data_shard)

    tk = sub.add_parser("tokenizer", help="tokenizer tools")
    tk_sub = tk.add_subparsers(metavar="ACTION")
    tt = tk_sub.add_parser("train", help="train a SentencePiece tokenizer; writes a config YAML for tokenizer=")
    tt.add_argument("text", nargs="+", help="text files or JSONL manifests")
    tt.add_argument("-o", "--output", required=True,
                    help="config YAML (e.g. conf/tokenizer/bpe256.yaml); the model is written beside it (bpe256.model)")
    tt.add_argument("--vocab-size", type=int, default=256)
    tt.add_argument("--model-type", choices=["bpe", "unigram"], default="unigram")
    add_overwrite_flag(tt)
    tt.set_defaults(func=cmd_tokenizer_train)

    tl = sub.add_parser("tune-lm", help="grid-search lm_weight/word_score on a dev manifest")
    tl.add_argument("--model", required=True)
    tl.add_argument("manifest")
    tl.add_argument("--lm", required=True)
    tl.add_argument("--lexicon")
    tl.add_argument("--lm-weights", default="0.25,0.5,0.75,1.0,1.5,2.0")
    tl.add_argument("--word-scores", default="-1.0,0.0,1.0")
    tl.add_argument("--beam-size", type=int, default=50)
    tl.add_argument("--prior", help="label prior file (`gru-asr lm prior`) for the --prior-scales grid")
    tl.add_argument("--prior-scales", default=None, help="prior_scale values (default: 0,0.5,1.0 with --prior, else 0)")
    tl.add_argument("--write", help="write the best decoder config (YAML) here")
    add_overwrite_flag(tl)
    tl.set_defaults(func=cmd_tune_lm)

    pk = sub.add_parser("package", help="package training checkpoint(s) into one model file")
    pk.add_argument("checkpoints", nargs="+", help="Lightning checkpoints or model packages (several are averaged), "
                    "or a checkpoints folder with --best")
    pk.add_argument("-o", "--output", required=True, help="model file to write")
    pk.add_argument("--best", type=int, default=None, help="average the N checkpoints with the lowest dev WER in the given folder")
    pk.add_argument("--dtype", choices=["float32", "float16", "bfloat16"], default="float32",
                    help="storage type of the weights: float16 halves the file; the model still computes in float32")
    pk.add_argument("--mask-above-hz", type=float, default=None, metavar="HZ",
                    help="set the log-mel bands above HZ to the training mean in the packaged model (e.g. 5800 for "
                         "a model trained on Opus-coded audio and run on microphone audio); the weights are unchanged")
    add_overwrite_flag(pk)
    pk.set_defaults(func=cmd_package)

    i = sub.add_parser("info", help="show what a packaged model contains (no model: the built-in one, with its card)")
    i.add_argument("model", nargs="?", help="packaged model file (default: the built-in English model)")
    i.set_defaults(func=cmd_info)

    pl = sub.add_parser("plugins", help="list registered components, or print the config reference")
    pl.add_argument("action", choices=["list", "reference"], nargs="?", default="list")
    pl.add_argument("-v", "--verbose", action="store_true", help="list: show each component's config fields")
    pl.set_defaults(func=cmd_plugins)
    return p


def add_decoder_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("decoding")
    g.add_argument("--decoder", default=None, help="greedy | beam | beam_lm | a plugin name | a decoder YAML file (default: the model's)")
    g.add_argument("--lm", help="KenLM model (ARPA or binary) for beam_lm")
    g.add_argument("--lexicon", help="lexicon file for beam_lm (lexicon-free without it)")
    g.add_argument("--lm-weight", type=float, default=None)
    g.add_argument("--word-score", type=float, default=None)
    g.add_argument("--beam-size", type=int, default=None)
    g.add_argument("--decode-workers", type=int, default=None, help="processes for beam search (default: 1)")


def decoder_config(args, base: dict | None = None) -> dict | None:
    """The decoder config from command-line flags (None: the model's own). ``base``: the
    config the flags adjust when --decoder is not given or names it (the built-in model's
    tuned one)."""
    from gru_asr.cli.errors import UserError

    if base is not None and args.decoder in (None, base.get("name")):
        if args.lm and not args.lexicon and base.get("lexicon"):
            raise UserError(f"--lm {args.lm}: give its --lexicon too (the built-in lexicon spells only the "
                            f"built-in LM's words), or a decoder YAML with --decoder")
        cfg = dict(base)
    elif args.decoder is None and not args.lm:
        return None
    elif args.decoder and args.decoder.endswith((".yaml", ".yml")):
        import yaml

        from gru_asr.cli.errors import read_text_lines

        text = "\n".join(read_text_lines(args.decoder, "decoder config"))  # e.g. from `gru-asr tune-lm --write`
        try:
            cfg = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise UserError(f"{args.decoder}: not valid YAML ({str(err).splitlines()[0]})") from None
        if not isinstance(cfg, dict) or not isinstance(cfg.get("name"), str):
            raise UserError(f"{args.decoder}: a decoder config is a YAML mapping with a name (e.g. name: beam_lm)")
    else:
        cfg = {"name": args.decoder or "beam_lm"}
    for key in ("lm", "lexicon", "lm_weight", "word_score", "beam_size"):
        if getattr(args, key, None) is not None:
            cfg[key] = getattr(args, key)
    if args.decode_workers:
        cfg["num_workers"] = args.decode_workers
    return cfg


def model_and_decoder(args) -> tuple[str, dict | None]:
    """The model file and decoder config a command runs: --model with the decoder flags,
    or with no --model the built-in model and its tuned decoder, adjusted by the flags."""
    if args.model:
        return args.model, decoder_config(args)
    from gru_asr.pretrained import builtin_decoder_config, builtin_model_path

    path = str(builtin_model_path())
    if args.decoder is not None and args.decoder.endswith((".yaml", ".yml")):
        return path, decoder_config(args)  # the user's decoder config replaces the tuned one
    return path, decoder_config(args, base=builtin_decoder_config())


def cmd_synth(args) -> int:
    from gru_asr.cli.errors import UserError, read_text_lines
    from gru_asr.synth.corpus import SynthConfig, build_corpus, existing_corpus_file, sentences_from_lines

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: is a file; --out names the corpus folder")
    found = existing_corpus_file(out)
    if found and not args.overwrite:
        raise UserError(f"{out}: the folder already holds a corpus ({found.name}); pass --overwrite to replace it")
    sentences = None
    if args.text:
        sentences = sentences_from_lines(read_text_lines(args.text, "text file"))
        if not sentences:
            raise UserError(f"{args.text}: no sentences in the text file (one sentence per line)")
    cfg = SynthConfig(hours=args.hours, seed=args.seed, noise_prob=args.noise_prob, lm_sentences=args.lm_sentences)
    summary = build_corpus(args.out, cfg, sentences=sentences, workers=args.workers)
    for split, st in summary["splits"].items():
        print(f"{split:5s}  {st['utterances']:6d} utterances  {st['hours']:.3f} h  -> {Path(args.out) / (split + '.jsonl')}")
    print(f"synthesized at {summary['realtime_factor']}x real time with {summary['workers']} workers")
    return 0


def cmd_prepare(args) -> int:
    import inspect

    from gru_asr.corpora import PREPARERS
    from gru_asr.data import read_manifest

    kwargs = {"locale": args.locale} if args.corpus == "commonvoice" else {}
    if args.locale and args.corpus != "commonvoice":
        print(f"error: --locale is for commonvoice, not {args.corpus}", file=sys.stderr)
        return 2
    if args.corpus == "an4":
        kwargs["synth_sentences"] = args.synth_sentences
    # Bad input (nothing under --root, an output that exists, --out naming a file) raises
    # CorpusError / FileNotFoundError: one line from run_command, nothing written.
    prepare = PREPARERS[args.corpus]
    if "overwrite" in inspect.signature(prepare).parameters:
        kwargs["overwrite"] = args.overwrite
    else:  # a preparer that cannot refuse itself: refuse for any manifest already in --out
        from gru_asr.corpora.common import check_out_dir

        check_out_dir(args.out, [p.name for p in Path(args.out).glob("*.jsonl")], args.overwrite)
    manifests = prepare(args.root, args.out, **kwargs)
    for split, path in manifests.items():
        entries = read_manifest(path)
        hours = sum(e["duration"] for e in entries) / 3600
        print(f"{split:16s} {len(entries):7d} utterances {hours:8.2f} h  -> {path}")
    return 0


def cmd_evaluate(args) -> int:
    from gru_asr.evaluation import evaluate_manifest
    from gru_asr.evaluation.evaluate import check_out_dir
    from gru_asr.inference import Model
    from gru_asr.inference.runtimes import model_load_errors

    if args.out_dir:
        check_out_dir(args.out_dir, args.overwrite)  # before the model runs, not after
    path, decoder = model_and_decoder(args)
    with model_load_errors():  # a missing model or a decoder that cannot be built: one line
        model = Model.load(path, device=args.device, decoder=decoder)
    report = evaluate_manifest(model, args.manifest, batch_size=args.batch_size)
    if args.out_dir:
        report.write(args.out_dir)
    print(json.dumps(report.summary()) if args.json else report.table())
    return 0


def cmd_transcribe(args) -> int:
    """Inputs -> one transcriber (PyTorch, ONNX or streaming, by the options) -> formats."""
    from gru_asr.inference.formats import write_transcripts
    from gru_asr.inference.inputs import transcribe_inputs
    from gru_asr.inference.runtimes import open_transcriber

    from gru_asr.cli.errors import UserError

    if args.runtime == "onnx" and not args.model:
        raise UserError("--runtime onnx needs --model: a .onnx file from `gru-asr export` (the built-in model is PyTorch)")
    if args.stream and not args.model:
        raise UserError("--stream needs --model: a unidirectional model (the built-in model is bidirectional)")
    path, decoder = model_and_decoder(args)
    transcriber = open_transcriber(path, runtime=args.runtime, device=args.device, decoder=decoder,
                                   stream=args.stream, chunk_ms=args.chunk_ms, raw=args.raw, inputs=args.audio)
    paths, failed = transcribe_inputs(args)
    if not paths:
        return 1
    show = args.progress == "on" or (args.progress == "auto" and len(paths) > 1 and sys.stderr.isatty())
    results = transcriber.iter_transcribe(paths, batch_size=args.batch_size, progress=show)
    return 1 if write_transcripts(results, paths, args.format, args.output_dir) or failed else 0


def _read_sentences(path: str) -> list[str]:
    """The sentences of a text file (one per line; .xz/.gz too) or a JSONL manifest ('text'
    fields). A missing, binary, non-UTF-8 or empty file raises UserError naming it."""
    from gru_asr.lm.sources import iter_sentences

    return list(iter_sentences(path))


def cmd_lm_build(args) -> int:
    from itertools import chain

    from gru_asr.cli.errors import UserError, refuse_to_overwrite
    from gru_asr.lm.arpa_text import arpa_vocabulary
    from gru_asr.lm.kneser_ney import parse_prune
    from gru_asr.lm.lexicon import build_lexicon
    from gru_asr.lm.sources import fast_normalizer, iter_sentences
    from gru_asr.registry import get_registry
    from gru_asr.text import TextNormalizer

    # Everything that can fail is checked before the ARPA file is written; the inputs are
    # streamed (tens of millions of words), and the ARPA is written once all are read.
    if args.lexicon and not args.model:
        raise UserError(f"{args.lexicon}: --lexicon needs --model (the model's tokenizer spells the words)")
    for out in (args.output, args.lexicon):
        if out:
            refuse_to_overwrite(out, args.overwrite)
    if args.lexicon and Path(args.lexicon).resolve() == Path(args.output).resolve():
        raise UserError(f"{args.output}: -o and --lexicon name the same file")
    options = {}
    if args.prune is not None or args.vocab_size is not None:
        if args.type != "ngram":
            raise UserError(f"{args.output}: --prune and --vocab-size are options of the ngram builder, not {args.type}")
        try:
            options["prune"] = parse_prune(args.prune, args.order)
        except ValueError as err:
            raise UserError(f"--prune {args.prune}: {err}") from None
        if args.vocab_size is not None and args.vocab_size < 1:
            raise UserError(f"--vocab-size {args.vocab_size}: keep at least one word")
        options["vocab_size"] = args.vocab_size
    model = None
    if args.model:
        from gru_asr.packaging import load_package

        model = load_package(args.model)
    norm = fast_normalizer(model.normalizer if model else TextNormalizer())
    excluded = {norm(s) for p in dict.fromkeys(args.exclude) for s in iter_sentences(p)}
    read = kept = 0

    def kept_sentences():
        nonlocal read, kept
        for path in args.text:
            for line in iter_sentences(path):
                read += 1
                s = norm(line)
                if s and s not in excluded:
                    kept += 1
                    yield s

    sentences = kept_sentences()
    first = next(sentences, None)  # an input with nothing left is an error before any output
    if first is None:
        raise UserError(f"{', '.join(args.text)}: no sentence is left for the LM "
                        f"({read} read, all of them empty after normalization or excluded)")
    if args.type == "ngram":
        options["order"] = args.order
    builder = get_registry("lm").build(args.type, **options)
    try:
        path = builder.build(chain([first], sentences), args.output)
    except RuntimeError as err:  # an external tool (lmplz) failed
        raise UserError(f"{args.output}: {err}") from None
    print(f"{args.output}: order {args.order}, {kept} sentences ({read - kept} excluded or empty)")
    if args.lexicon:
        _, skipped = build_lexicon(arpa_vocabulary(path), model.tokenizer, args.lexicon)
        print(f"{args.lexicon}: lexicon written ({len(skipped)} words the tokenizer cannot spell left out)")
    return 0


def cmd_data_check(args) -> int:
    from gru_asr.data.check import check_manifest, training_duration_limits, write_cleaned
    from gru_asr.text import TextNormalizer
    from gru_asr.tokenizers import CharTokenizer

    if args.model:
        from gru_asr.packaging import load_package

        m = load_package(args.model)
        norm, tok, sr, frames = m.normalizer, m.tokenizer, m.sample_rate, m.max_output_frames
    else:
        norm, tok, sr, frames = TextNormalizer(), CharTokenizer(), 16000, None
    lo, hi = args.min_duration, args.max_duration
    if lo is None or hi is None:
        config_lo, config_hi = training_duration_limits(args.config)
        lo, hi = config_lo if lo is None else lo, config_hi if hi is None else hi
    report, good = check_manifest(args.manifest, norm, tok, frames, sr, lo, hi)  # bad input: one line (run_command)
    for uid, probs in report.problems.items():
        for p in probs:
            print(f"{uid}\t{p}")
    print(f"{report.total} utterances: {report.ok} ok, {len(report.problems)} with problems "
          + (f"({', '.join(f'{k}={v}' for k, v in sorted(report.kinds.items()))})" if report.kinds else ""))
    if args.write_clean:
        try:
            print(f"cleaned manifest: {write_cleaned(args.manifest, good)}")
        except FileExistsError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    return 1 if report.problems else 0


def cmd_data_import(args) -> int:
    from gru_asr.cli.errors import UserError, refuse_to_overwrite
    from gru_asr.data import write_manifest
    from gru_asr.data.importers import from_kaldi, from_nemo, kaldi_files

    source, output = Path(args.source), Path(args.output)
    if not source.exists():
        raise UserError(f"{source}: not found (give a NeMo manifest file or a Kaldi data directory)")
    kaldi = source.is_dir()
    # Never over what is being imported, --overwrite or not: it is the only copy of
    # the source format (a NeMo manifest, a Kaldi table), and other tools still read it.
    for read in kaldi_files(source) if kaldi else [source]:
        if read.exists() and output.exists() and output.samefile(read):
            raise UserError(f"{output}: is the source being imported ({read}); choose another -o")
    if output.is_dir():
        raise UserError(f"{output}: -o names a folder; give the manifest file to write, e.g. {output / 'train.jsonl'}")
    refuse_to_overwrite(output, args.overwrite, "manifest")
    entries = from_kaldi(source) if kaldi else from_nemo(source)  # read completely before anything is written
    write_manifest(output, entries)  # atomic: a failed write leaves what was there
    print(f"{args.output}: {len(entries)} utterances")
    return 0


def cmd_data_shard(args) -> int:
    from gru_asr.cli.errors import UserError
    from gru_asr.data.manifest import read_manifest
    from gru_asr.data.shards import NoUsableAudio, ShardError, write_shards

    entries = read_manifest(args.manifest)  # missing, not UTF-8, not JSONL: one line (run_command)
    if not entries:
        raise UserError(f"{args.manifest}: the manifest holds no utterances")
    try:
        result = write_shards(
            entries, args.out,
            shard_seconds=None if args.shard_size else args.shard_seconds,
            shard_size=args.shard_size,
            audio_format=args.format,
            shuffle_seed=None if args.keep_order else args.shuffle_seed,
            jobs=args.jobs,
            overwrite=args.overwrite,
            progress=lambda s: print(f"{s.tar}: {s.utterances} utterances, {s.seconds / 3600:.2f} h", file=sys.stderr),
        )
    except NoUsableAudio as err:
        print(err.report.summary(limit=20), file=sys.stderr)
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (FileExistsError, ValueError, ShardError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if len(result.report):
        print(result.report.summary(limit=20), file=sys.stderr)
    print(f"{result.index}: {len(result.shards)} shard(s), {result.utterances} utterances, "
          f"{result.seconds / 3600:.2f} h ({len(result.report)} left out)")
    return 0


def cmd_tokenizer_train(args) -> int:
    """Train a SentencePiece model; write ``NAME.model`` and the config ``NAME.yaml`` that
    names it (a few lines, so ``train --cfg job`` stays readable). Training inlines the
    model into checkpoints and the packaged model, which stay self-contained."""
    import shlex

    import yaml

    from gru_asr.cli.errors import UserError, refuse_to_overwrite
    from gru_asr.utils.atomic_files import atomic_write_bytes
    from gru_asr.text import TextNormalizer
    from gru_asr.tokenizers import SentencePieceTokenizer

    out = Path(args.output)
    if out.suffix not in (".yaml", ".yml"):
        raise UserError(f"{out}: the output is a Hydra config file and must end in .yaml")
    model_path = out.with_suffix(".model")
    for path in (out, model_path):  # checked before the (slow) training
        refuse_to_overwrite(path, args.overwrite)
    norm = TextNormalizer()
    sentences = [t for p in args.text for s in _read_sentences(p) if (t := norm(s)).strip()]
    if not sentences:
        raise UserError(f"{', '.join(args.text)}: no text left after normalization to train a tokenizer on")
    try:
        tok = SentencePieceTokenizer.train(sentences, args.vocab_size, args.model_type)
    except RuntimeError as err:  # SentencePiece refuses the settings for this text
        raise UserError(f"{', '.join(args.text)}: SentencePiece could not train ({str(err).strip().splitlines()[-1]})") from None
    atomic_write_bytes(model_path, tok.model_bytes())
    config = {"name": "sentencepiece", "model_file": str(model_path.resolve())}
    header = (f"# @package tokenizer\n# SentencePiece {args.model_type} tokenizer, {tok.vocab_size - 1} pieces "
              f"(gru-asr tokenizer train). The model is {model_path.name} beside this file; a trained\n"
              "# model package carries it inline, so the package needs neither file.\n")
    atomic_write_bytes(out, (header + yaml.safe_dump(config, sort_keys=False)).encode())
    if out.parent.name == "tokenizer":  # a config group folder: select it by name
        use = f"gru-asr train --config-dir {shlex.quote(str(out.parent.parent.resolve()))} tokenizer={shlex.quote(out.stem)}"
    else:
        use = f"gru-asr train tokenizer.name=sentencepiece +tokenizer.model_file={shlex.quote(str(model_path.resolve()))}"
    print(f"{out}: {args.model_type} tokenizer, {tok.vocab_size - 1} pieces, model {model_path}\ntrain with it: {use}")
    return 0


def cmd_lm_prior(args) -> int:
    import random
    import tempfile

    from gru_asr.cli.errors import UserError, refuse_to_overwrite
    from gru_asr.decoders.beam import decoder_tokens
    from gru_asr.data.manifest import ManifestError
    from gru_asr.decoders.label_prior import estimate_log_prior, write_prior
    from gru_asr.evaluation.tune_lm import cached_emissions
    from gru_asr.inference import Model

    refuse_to_overwrite(args.output, args.overwrite)
    if args.utterances < 1:
        raise UserError(f"--utterances {args.utterances}: must be at least 1")
    try:
        lines = [line for line in Path(args.manifest).read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"{args.manifest}: cannot read the manifest ({err})") from None
    if not lines:
        raise UserError(f"{args.manifest}: the manifest is empty")
    # A fixed-seed sample: the same prior for the same model and manifest. It is written
    # elsewhere, so relative audio paths are made absolute (they are relative to the manifest).
    chosen = random.Random(0).sample(lines, min(args.utterances, len(lines)))
    chosen = [_absolute_audio(line, Path(args.manifest).resolve().parent) for line in chosen]
    model = Model.load(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.jsonl"
        sample.write_text("\n".join(chosen) + "\n", encoding="utf-8")
        try:
            emissions, _ = cached_emissions(model, str(sample))
        except ManifestError as err:  # about the sample: say it of the user's manifest
            raise UserError(str(err).replace(str(sample), args.manifest)) from None
    tokenizer = model.model.tokenizer
    log_prior = estimate_log_prior(emissions)
    frames = sum(e.size(0) for e in emissions)
    write_prior(args.output, decoder_tokens(tokenizer)[: tokenizer.vocab_size], log_prior,
                f"model {Path(args.model).name}, {len(emissions)} utterances of {Path(args.manifest).name}, {frames} frames")
    print(f"{args.output}: label prior from {len(emissions)} utterances ({frames} frames); "
          f"blank {float(log_prior[0].exp()):.3f} of the frames")
    return 0


def _absolute_audio(line: str, base: Path) -> str:
    """A manifest line with its relative ``audio`` path made absolute (others unchanged:
    the manifest reader reports what is wrong with them)."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError:
        return line
    if isinstance(item, dict) and isinstance(item.get("audio"), str) and not Path(item["audio"]).is_absolute():
        item["audio"] = str(base / item["audio"])
    return json.dumps(item)


def cmd_tune_lm(args) -> int:
    from gru_asr.cli.errors import UserError, refuse_to_overwrite
    from gru_asr.evaluation.tune_lm import cached_emissions, check_decoder, grid_search, parse_grid
    from gru_asr.inference import Model

    # The cheap checks first: the acoustic model runs over the whole manifest.
    if args.write:
        refuse_to_overwrite(args.write, args.overwrite)
    weights = parse_grid(args.lm_weights, "--lm-weights")
    scores = parse_grid(args.word_scores, "--word-scores")
    if args.prior_scales is not None and not args.prior:
        raise UserError(f"--prior-scales {args.prior_scales}: needs --prior (a file from `gru-asr lm prior`)")
    prior_scales = parse_grid(args.prior_scales or ("0,0.5,1.0" if args.prior else "0"), "--prior-scales")
    model = Model.load(args.model)
    check_decoder(model, args.lm, args.lexicon, prior=args.prior)
    emissions, refs = cached_emissions(model, args.manifest)
    results = grid_search(model, emissions, refs, args.lm, args.lexicon, weights, scores, args.beam_size,
                          prior=args.prior, prior_scales=prior_scales)
    print(f"{'lm_weight':>9} {'word_score':>10} {'prior_scale':>11} {'WER %':>7} {'CER %':>7}")
    for r in results:
        print(f"{r.lm_weight:>9.2f} {r.word_score:>10.2f} {r.prior_scale:>11.2f} {100 * r.wer:>7.2f} {100 * r.cer:>7.2f}")
    best = results[0]
    if args.write:
        import yaml

        cfg = {"name": "beam_lm", "lm": args.lm, "lexicon": args.lexicon, "lm_weight": best.lm_weight,
               "word_score": best.word_score, "beam_size": args.beam_size}
        if args.prior and best.prior_scale:
            cfg |= {"prior": args.prior, "prior_scale": best.prior_scale}
        Path(args.write).write_text(yaml.safe_dump(cfg, sort_keys=False))
        print(f"best: lm_weight={best.lm_weight} word_score={best.word_score} prior_scale={best.prior_scale} "
              f"-> {args.write}")
    return 0


def cmd_package(args) -> int:
    from gru_asr.cli.errors import UserError, refuse_to_overwrite
    from gru_asr.packaging import PackageError, save_package
    from gru_asr.packaging.checkpoint import model_from_checkpoints

    refuse_to_overwrite(args.output, args.overwrite)
    ckpts = list(args.checkpoints)
    if args.best is not None:
        from gru_asr.packaging.checkpoint import best_checkpoints

        if args.best < 1 or len(ckpts) != 1:
            raise UserError(f"{' '.join(ckpts)}: --best N takes one checkpoints folder and N >= 1")
        ckpts = best_checkpoints(ckpts[0], args.best)
        print("averaging: " + ", ".join(Path(c).name for c in ckpts))
    args.checkpoints = ckpts
    try:
        model = model_from_checkpoints(args.checkpoints)
        if args.mask_above_hz is not None:
            from gru_asr.packaging.checkpoint import mask_bands_above

            model = mask_bands_above(model, args.mask_above_hz)
        path = save_package(model, args.output, extra={"checkpoints": [Path(c).name for c in args.checkpoints]},
                            dtype=args.dtype)
    except (PackageError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    stored = "" if args.dtype == "float32" else f", weights stored as {args.dtype}"
    print(f"packaged {len(args.checkpoints)} input(s) into {path} ({path.stat().st_size / 1e6:.1f} MB{stored})")
    return 0


def cmd_export(args) -> int:
    from gru_asr.export.commands import run_export

    return run_export(args)


def cmd_info(args) -> int:
    from gru_asr.packaging import PackageError, read_package_info

    try:
        if args.model:
            info = read_package_info(args.model)
        else:  # the built-in model: its card (training data, measured WER) first
            from gru_asr.pretrained import builtin_card, builtin_decoder_config, builtin_model_path

            path = builtin_model_path()
            info = {"model": str(path), "model_card": builtin_card(), "decoder": builtin_decoder_config(),
                    **read_package_info(path)}
    except PackageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(info, indent=2))
    return 0


def cmd_plugins(args) -> int:
    from gru_asr.registry import get_registry, kinds
    from gru_asr.schemas import describe_fields, reference_markdown

    if args.action == "reference":
        print(reference_markdown())
        return 0
    for kind in kinds():
        reg = get_registry(kind)
        print(f"{kind}:")
        for name in reg.names():
            info = reg.info(name)
            print(f"  {name:<14} {info.distribution} {info.version}  {info.describe()}")
            if args.verbose:
                for field, ftype, default in describe_fields(info.cls):
                    print(f"      {field:<18} {ftype:<16} {default}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
