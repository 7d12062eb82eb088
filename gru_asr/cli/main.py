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
    if argv and argv[0] != "train":
        # --plugin MODULE (any command): import a local module that registers
        # components, e.g. to transcribe with a model that uses an unpackaged encoder.
        from gru_asr.registry import import_local_plugin

        while "--plugin" in argv:
            i = argv.index("--plugin")
            if i + 1 >= len(argv):
                print("error: --plugin needs a module name", file=sys.stderr)
                return 2
            import_local_plugin(argv[i + 1])
            del argv[i : i + 2]
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
    return 2


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
    s.add_argument("--lm-sentences", type=int, default=0, help="also write lm_text.txt: train text + N generated sentences (no dev/test ones)")
    s.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    s.set_defaults(func=cmd_synth)

    sub.add_parser("train", help="train a model (Hydra overrides; see `gru-asr train --help`)")
    sub.add_parser("doctor", help="check that torch, torchaudio, flashlight-text, soundfile and espeak-ng work together")

    pr = sub.add_parser("prepare", help="corpus layout -> JSONL manifests")
    from gru_asr.corpora import PREPARERS  # the registered corpora are the choices

    pr.add_argument("corpus", choices=sorted(PREPARERS))
    pr.add_argument("--root", required=True, help="the corpus folder as it ships")
    pr.add_argument("--out", required=True, help="folder for <split>.jsonl manifests")
    pr.add_argument("--locale", help="commonvoice: locale folder (e.g. en)")
    pr.add_argument("--synth-sentences", type=int, default=4000,
                    help="an4: AN4-style sentences generated into synth_text.txt (about 3,000 per hour of `gru-asr synth`)")
    pr.set_defaults(func=cmd_prepare)

    e = sub.add_parser("evaluate", help="WER/CER of a model on a manifest")
    e.add_argument("--model", required=True, help="packaged model file")
    e.add_argument("manifest", help="JSONL manifest with audio, duration, text")
    add_decoder_args(e)
    e.add_argument("--batch-size", type=int, default=16)
    e.add_argument("--device", default="cpu")
    e.add_argument("--out-dir", help="write results.json and utterances.jsonl here")
    e.add_argument("--json", action="store_true", help="print the summary as JSON")
    e.set_defaults(func=cmd_evaluate)

    t = sub.add_parser("transcribe", help="transcribe audio files")
    t.add_argument("--model", required=True, help="packaged model file")
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
    t.set_defaults(func=cmd_transcribe)

    ex = sub.add_parser("export", help="export front-end + encoder + CTC head to ONNX or TorchScript, checked against PyTorch")
    ex.add_argument("model", help="packaged model file")
    ex.add_argument("--format", choices=["onnx", "torchscript"], default="onnx",
                    help="onnx (default; decoding metadata in metadata_props) or torchscript (traced)")
    ex.add_argument("-o", "--output", required=True, help="file to write (e.g. model.onnx, model.pt)")
    ex.add_argument("--opset", type=int, default=17, help="ONNX opset, 12-20 (default: 17)")
    ex.add_argument("--tolerance", type=float, default=1e-3,
                    help="largest allowed |log-prob difference| vs PyTorch; above it the exit status is 1 (default: 1e-3)")
    ex.set_defaults(func=cmd_export)

    lm = sub.add_parser("lm", help="n-gram language models and lexicons")
    lm_sub = lm.add_subparsers(metavar="ACTION")
    b = lm_sub.add_parser("build", help="modified Kneser-Ney ARPA LM from text files (one sentence per line)")
    b.add_argument("text", nargs="+", help="text files, or JSONL manifests (their 'text' fields)")
    b.add_argument("-o", "--output", required=True, help="ARPA file to write")
    b.add_argument("--order", type=int, default=3, choices=[1, 2, 3, 4, 5, 6])
    b.add_argument("--type", default="ngram", help="registered LM builder (default: ngram)")
    b.add_argument("--model", help="normalize text with this model's normalizer and write a lexicon for its tokenizer")
    b.add_argument("--lexicon", help="lexicon file to write (needs --model)")
    b.add_argument("--exclude", nargs="*", default=[], help="files whose sentences must not enter the LM (e.g. dev/test)")
    b.set_defaults(func=cmd_lm_build)

    dc = sub.add_parser("data", help="manifest tools")
    dc_sub = dc.add_subparsers(metavar="ACTION")
    ck = dc_sub.add_parser("check", help="report problems in a manifest (nothing is changed)")
    ck.add_argument("manifest")
    ck.add_argument("--model", help="check characters and CTC feasibility against this model's tokenizer")
    ck.add_argument("--min-duration", type=float, default=0.1)
    ck.add_argument("--max-duration", type=float, default=30.0)
    ck.add_argument("--write-clean", action="store_true", help="write NAME.clean.jsonl with the entries that passed")
    ck.set_defaults(func=cmd_data_check)

    im = dc_sub.add_parser("import", help="convert a NeMo manifest or a Kaldi data dir to a gru_asr manifest")
    im.add_argument("source", help="NeMo .json/.jsonl manifest, or a Kaldi data directory")
    im.add_argument("-o", "--output", required=True)
    im.set_defaults(func=cmd_data_import)

    sh = dc_sub.add_parser(
        "shard", help="write a manifest as tar shards for streaming training (data.train=DIR; docs/custom_data.md)",
        description="Write the utterances of MANIFEST as WebDataset-style tar shards (shard-000000.tar, ...) "
                    "with a sidecar index per shard and DIR/shards.jsonl listing them. Segments (entries with an "
                    "offset) are cut out and stored as their own audio. Unreadable audio is left out and listed "
                    "by id. The same manifest and options always give the same bytes.")
    sh.add_argument("manifest")
    sh.add_argument("--out", required=True, metavar="DIR", help="an empty or new folder")
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
    sh.set_defaults(func=cmd_data_shard)

    tk = sub.add_parser("tokenizer", help="tokenizer tools")
    tk_sub = tk.add_subparsers(metavar="ACTION")
    tt = tk_sub.add_parser("train", help="train a SentencePiece tokenizer; writes a config YAML for tokenizer=")
    tt.add_argument("text", nargs="+", help="text files or JSONL manifests")
    tt.add_argument("-o", "--output", required=True, help="YAML file (e.g. conf/tokenizer/bpe256.yaml)")
    tt.add_argument("--vocab-size", type=int, default=256)
    tt.add_argument("--model-type", choices=["bpe", "unigram"], default="unigram")
    tt.set_defaults(func=cmd_tokenizer_train)

    tl = sub.add_parser("tune-lm", help="grid-search lm_weight/word_score on a dev manifest")
    tl.add_argument("--model", required=True)
    tl.add_argument("manifest")
    tl.add_argument("--lm", required=True)
    tl.add_argument("--lexicon")
    tl.add_argument("--lm-weights", default="0.25,0.5,0.75,1.0,1.5,2.0")
    tl.add_argument("--word-scores", default="-1.0,0.0,1.0")
    tl.add_argument("--beam-size", type=int, default=50)
    tl.add_argument("--write", help="write the best decoder config (YAML) here")
    tl.set_defaults(func=cmd_tune_lm)

    pk = sub.add_parser("package", help="package training checkpoint(s) into one model file")
    pk.add_argument("checkpoints", nargs="+", help="Lightning checkpoints (several are averaged), or a checkpoints folder with --best")
    pk.add_argument("-o", "--output", required=True, help="model file to write")
    pk.add_argument("--best", type=int, default=None, help="average the N checkpoints with the lowest dev WER in the given folder")
    pk.set_defaults(func=cmd_package)

    i = sub.add_parser("info", help="show what a packaged model contains")
    i.add_argument("model")
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


def decoder_config(args) -> dict | None:
    """The decoder config from command-line flags (None: the model's own)."""
    if args.decoder is None and not args.lm:
        return None
    if args.decoder and args.decoder.endswith((".yaml", ".yml")):
        import yaml

        cfg = yaml.safe_load(Path(args.decoder).read_text())  # e.g. written by `gru-asr tune-lm --write`
    else:
        cfg = {"name": args.decoder or "beam_lm"}
    for key in ("lm", "lexicon", "lm_weight", "word_score", "beam_size"):
        if getattr(args, key, None) is not None:
            cfg[key] = getattr(args, key)
    if args.decode_workers:
        cfg["num_workers"] = args.decode_workers
    return cfg


def cmd_synth(args) -> int:
    from gru_asr.synth.corpus import SynthConfig, build_corpus

    sentences = None
    if args.text:
        from gru_asr.synth.text_generator import normalize_spoken

        lines = Path(args.text).read_text(encoding="utf-8").splitlines()
        sentences = [s for s in (normalize_spoken(x) for x in lines) if s]
    cfg = SynthConfig(hours=args.hours, seed=args.seed, noise_prob=args.noise_prob, lm_sentences=args.lm_sentences)
    summary = build_corpus(args.out, cfg, sentences=sentences, workers=args.workers)
    for split, st in summary["splits"].items():
        print(f"{split:5s}  {st['utterances']:6d} utterances  {st['hours']:.3f} h  -> {Path(args.out) / (split + '.jsonl')}")
    print(f"synthesized at {summary['realtime_factor']}x real time with {summary['workers']} workers")
    return 0


def cmd_prepare(args) -> int:
    from gru_asr.corpora import PREPARERS
    from gru_asr.data import read_manifest

    kwargs = {"locale": args.locale} if args.corpus == "commonvoice" else {}
    if args.corpus == "an4":
        kwargs["synth_sentences"] = args.synth_sentences
    try:
        manifests = PREPARERS[args.corpus](args.root, args.out, **kwargs)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for split, path in manifests.items():
        entries = read_manifest(path)
        hours = sum(e["duration"] for e in entries) / 3600
        print(f"{split:16s} {len(entries):7d} utterances {hours:8.2f} h  -> {path}")
    return 0


def cmd_evaluate(args) -> int:
    from gru_asr.evaluation import evaluate_manifest
    from gru_asr.inference import Model

    model = Model.load(args.model, device=args.device, decoder=decoder_config(args))
    report = evaluate_manifest(model, args.manifest, batch_size=args.batch_size)
    if args.out_dir:
        report.write(args.out_dir)
    print(json.dumps(report.summary()) if args.json else report.table())
    return 0


def cmd_transcribe(args) -> int:
    if getattr(args, "runtime", "torch") == "onnx":
        from gru_asr.export.commands import transcribe_onnx

        return transcribe_onnx(args)
    if getattr(args, "stream", False):
        return cmd_transcribe_stream(args)
    from gru_asr.inference import Model
    from gru_asr.packaging import PackageError

    try:
        model = Model.load(args.model, device=args.device, decoder=decoder_config(args))
    except (PackageError, FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    from gru_asr.inference.formats import write_transcripts
    from gru_asr.inference.inputs import expand_inputs

    paths = expand_inputs(args.audio)
    if not paths:
        print("error: no audio files found in the given inputs", file=sys.stderr)
        return 1
    show = args.progress == "on" or (args.progress == "auto" and len(paths) > 1 and sys.stderr.isatty())
    results = model.transcribe(paths, batch_size=args.batch_size, progress=show)
    return 1 if write_transcripts(results, paths, args.format, args.output_dir) else 0


def cmd_transcribe_stream(args) -> int:
    """``transcribe --stream``: each input fed chunk by chunk through a StreamingTranscriber."""
    from gru_asr.audio import AudioError
    from gru_asr.encoders import StreamingNotSupportedError
    from gru_asr.inference import Model, TranscriptionResult
    from gru_asr.inference.formats import write_transcripts
    from gru_asr.inference.inputs import expand_inputs
    from gru_asr.inference.streaming import iter_file_chunks, iter_raw_pcm
    from gru_asr.packaging import PackageError

    decoder = decoder_config(args)
    if decoder is not None and decoder.get("name") != "greedy":
        print(f"error: --stream decodes greedily (the CTC collapse state is carried across chunks); "
              f"decoder {decoder.get('name')!r} needs the whole utterance", file=sys.stderr)
        return 2
    try:
        model = Model.load(args.model, device=args.device)
        streamer = model.stream()
    except StreamingNotSupportedError as err:
        print(f"error: {args.model}: cannot stream: {err}", file=sys.stderr)
        return 2
    except (PackageError, FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.chunk_ms <= 0:
        print("error: --chunk-ms must be positive", file=sys.stderr)
        return 2
    if args.raw and args.audio != ["-"]:
        print("error: --raw reads PCM from stdin; give - as the only input", file=sys.stderr)
        return 2
    raw = args.raw
    paths = ["-"] if raw else expand_inputs(args.audio)
    if not paths:
        print("error: no audio files found in the given inputs", file=sys.stderr)
        return 1

    def streamed():
        for path in paths:
            if raw:
                chunks = iter_raw_pcm(sys.stdin.buffer, model.sample_rate, args.chunk_ms / 1000)
            else:
                chunks = iter_file_chunks(path, model.sample_rate, args.chunk_ms / 1000)
            streamer.reset()
            shown = ""
            try:
                for chunk in chunks:
                    partial = streamer.accept_waveform(chunk)
                    if partial.text != shown:  # greedy partials only grow: print when they do
                        shown = partial.text
                        print(f"partial: {path} [{partial.audio_seconds:.2f} s]: {shown}", file=sys.stderr, flush=True)
            except AudioError as err:
                yield TranscriptionResult(audio=path, text="", duration=0.0, error=err.reason)
                continue
            final = streamer.finalize()
            yield TranscriptionResult(audio=path, text=final.text, duration=final.duration, words=final.words, score=final.score)

    return 1 if write_transcripts(streamed(), paths, args.format, args.output_dir) else 0


def _read_sentences(path: str) -> list[str]:
    if path.endswith(".jsonl"):
        from gru_asr.data import read_manifest

        return [e["text"] for e in read_manifest(path, resolve_paths=False)]
    return Path(path).read_text(encoding="utf-8").splitlines()


def cmd_lm_build(args) -> int:
    from gru_asr.lm.lexicon import arpa_vocabulary, build_lexicon
    from gru_asr.registry import get_registry
    from gru_asr.text import TextNormalizer

    model = None
    if args.model:
        from gru_asr.packaging import load_package

        model = load_package(args.model)
    norm = model.normalizer if model else TextNormalizer()
    excluded = {norm(s) for p in args.exclude for s in _read_sentences(p)}
    sentences = [norm(s) for p in args.text for s in _read_sentences(p)]
    kept = [s for s in sentences if s and s not in excluded]
    builder = get_registry("lm").build(args.type, **({"order": args.order} if args.type == "ngram" else {}))
    path = builder.build(kept, args.output)
    print(f"{args.output}: order {args.order}, {len(kept)} sentences ({len(sentences) - len(kept)} excluded or empty)")
    if args.lexicon:
        if model is None:
            print("error: --lexicon needs --model (the tokenizer spells the words)", file=sys.stderr)
            return 2
        _, skipped = build_lexicon(arpa_vocabulary(path), model.tokenizer, args.lexicon)
        print(f"{args.lexicon}: lexicon written ({len(skipped)} words the tokenizer cannot spell left out)")
    return 0


def cmd_data_check(args) -> int:
    from gru_asr.data.check import check_manifest, write_cleaned
    from gru_asr.data.manifest import ManifestError
    from gru_asr.text import TextNormalizer
    from gru_asr.tokenizers import CharTokenizer

    if args.model:
        from gru_asr.packaging import load_package

        m = load_package(args.model)
        norm, tok, sr, frames = m.normalizer, m.tokenizer, m.sample_rate, m.max_output_frames
    else:
        norm, tok, sr, frames = TextNormalizer(), CharTokenizer(), 16000, None
    try:
        report, good = check_manifest(args.manifest, norm, tok, frames, sr, args.min_duration, args.max_duration)
    except ManifestError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
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
    from gru_asr.data import write_manifest
    from gru_asr.data.importers import from_kaldi, from_nemo
    from gru_asr.data.manifest import ManifestError

    try:
        entries = from_kaldi(args.source) if Path(args.source).is_dir() else from_nemo(args.source)
    except ManifestError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    write_manifest(args.output, entries)
    print(f"{args.output}: {len(entries)} utterances")
    return 0


def cmd_data_shard(args) -> int:
    from gru_asr.data.manifest import ManifestError, read_manifest
    from gru_asr.data.shards import write_shards

    try:
        entries = read_manifest(args.manifest)
    except ManifestError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        result = write_shards(
            entries, args.out,
            shard_seconds=None if args.shard_size else args.shard_seconds,
            shard_size=args.shard_size,
            audio_format=args.format,
            shuffle_seed=None if args.keep_order else args.shuffle_seed,
            jobs=args.jobs,
            progress=lambda s: print(f"{s.tar}: {s.utterances} utterances, {s.seconds / 3600:.2f} h", file=sys.stderr),
        )
    except (FileExistsError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if len(result.report):
        print(result.report.summary(limit=20), file=sys.stderr)
    print(f"{result.index}: {len(result.shards)} shard(s), {result.utterances} utterances, "
          f"{result.seconds / 3600:.2f} h ({len(result.report)} left out)")
    return 0


def cmd_tokenizer_train(args) -> int:
    import yaml

    from gru_asr.text import TextNormalizer
    from gru_asr.tokenizers import SentencePieceTokenizer

    norm = TextNormalizer()
    sentences = [norm(s) for p in args.text for s in _read_sentences(p)]
    tok = SentencePieceTokenizer.train(sentences, args.vocab_size, args.model_type)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# @package tokenizer\n" + yaml.safe_dump(tok.to_config()))
    print(f"{out}: {args.model_type} tokenizer, {tok.vocab_size - 1} pieces (use tokenizer={out.stem} with --config-dir)")
    return 0


def cmd_tune_lm(args) -> int:
    from gru_asr.evaluation.tune_lm import cached_emissions, grid_search
    from gru_asr.inference import Model

    model = Model.load(args.model)
    emissions, refs = cached_emissions(model, args.manifest)
    weights = [float(x) for x in args.lm_weights.split(",")]
    scores = [float(x) for x in args.word_scores.split(",")]
    results = grid_search(model, emissions, refs, args.lm, args.lexicon, weights, scores, args.beam_size)
    print(f"{'lm_weight':>9} {'word_score':>10} {'WER %':>7} {'CER %':>7}")
    for r in results:
        print(f"{r.lm_weight:>9.2f} {r.word_score:>10.2f} {100 * r.wer:>7.2f} {100 * r.cer:>7.2f}")
    best = results[0]
    if args.write:
        import yaml

        cfg = {"name": "beam_lm", "lm": args.lm, "lexicon": args.lexicon, "lm_weight": best.lm_weight,
               "word_score": best.word_score, "beam_size": args.beam_size}
        Path(args.write).write_text(yaml.safe_dump(cfg, sort_keys=False))
        print(f"best: lm_weight={best.lm_weight} word_score={best.word_score} -> {args.write}")
    return 0


def cmd_package(args) -> int:
    from gru_asr.packaging import PackageError, save_package
    from gru_asr.packaging.checkpoint import model_from_checkpoints

    ckpts = list(args.checkpoints)
    if args.best:
        from gru_asr.packaging.checkpoint import best_checkpoints

        ckpts = best_checkpoints(ckpts[0], args.best)
        print("averaging: " + ", ".join(Path(c).name for c in ckpts))
    args.checkpoints = ckpts
    try:
        model = model_from_checkpoints(args.checkpoints)
        path = save_package(model, args.output, extra={"checkpoints": [Path(c).name for c in args.checkpoints]})
    except (PackageError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"packaged {len(args.checkpoints)} checkpoint(s) into {path}")
    return 0


def cmd_export(args) -> int:
    from gru_asr.export.commands import run_export

    return run_export(args)


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
