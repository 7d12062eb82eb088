"""PocketSphinx 5 next to our packaged model on the LibriSpeech dev-clean slice, in one run.

Issue #22: a peer baseline measured side by side, with the same references, the same text
normalization and the same WER/CER code as ``gru-asr evaluate``.

Systems:

* ``pocketsphinx``: PocketSphinx 5's default ``Decoder()`` (its bundled en-us acoustic
  model, en-us LM and CMU dictionary), one utterance per ``start_utt`` / ``process_raw``
  (whole utterance) / ``end_utt``, fed 16 kHz mono int16 PCM;
* ``ours greedy``: the built-in English model (``gru_asr/pretrained``, what ``gru-asr
  transcribe`` runs with no ``--model``), or ``--model``, with the greedy CTC decoder;
* ``ours <decoder>``: the same model with the built-in model's tuned decoder, or with
  ``--decoder YAML`` (for ``--model``, default: the model's ``lm/decoder.yaml`` from
  ``gru-asr tune-lm --write`` when it exists; ``--no-lm`` skips it).

Both read the same samples: each utterance is read once with the project's reader
(soundfile, resampled to 16 kHz if needed); PocketSphinx gets them as int16. Reading is
not timed for anyone. The systems decode each utterance in turn, in an order that rotates
from one utterance to the next, so they share the machine's load; RTF is summed decoding
seconds over summed audio seconds, and the median per-utterance RTF is shown beside it.

Scoring is the project's: references through the model's text normalizer and
``gru_asr.metrics.count_errors`` (jiwer; corpus WER = summed edits / summed reference
words), exactly as ``gru-asr evaluate`` does. Our hypotheses are scored as decoded, as
``evaluate`` scores them; PocketSphinx's words go through the same normalizer as the
references, so casing or punctuation never counts as an error. Nothing else is mapped
(PocketSphinx writes "mr" where LibriSpeech writes "mister": that is an error here, as
any other spelling difference would be for our model).

PocketSphinx is not a dependency of gru_asr: without it the script prints how to install
it and exits 0.

Usage (from the repository root: the default paths, and those inside a decoder YAML, are
relative to it):
    .venv/bin/python tools/bench/pocketsphinx_vs_ours.py               # first 20 utterances
    .venv/bin/python tools/bench/pocketsphinx_vs_ours.py --full --json pocketsphinx.json

Last line: ``pocketsphinx_wer_over_ours: X`` (PocketSphinx WER / our best system's WER;
above 1 means ours is better).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MANIFEST = Path("data/mini_librispeech/dev.jsonl")
DEV_ROOT = ROOT.parent / "shared" / "data" / "librispeech-subset"  # what `run.sh --dev-root` defaults to
SAMPLE_RATE = 16000  # PocketSphinx's en-us model is 16 kHz
PS_NAME = "pocketsphinx"
HEADLINE = "pocketsphinx_wer_over_ours"
INSTALL_HINT = ("pocketsphinx is not installed ({err}); it is not a gru_asr dependency. "
                "Install it into the project venv to run this comparison: .venv/bin/pip install pocketsphinx")


@dataclass
class Scored:
    """One system's hypotheses and decoding times over the utterances, in manifest order."""

    system: str
    hyps: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def score(run: Scored, refs: list[str], audio_seconds: list[float]) -> dict:
    """A table row: the same counts ``gru-asr evaluate`` reports, plus RTFs."""
    from gru_asr.metrics import count_errors

    c = count_errors(refs, run.hyps)
    per_utt = [s / max(a, 1e-9) for s, a in zip(run.seconds, audio_seconds)]
    return {
        "system": run.system,
        "wer": round(100 * c.wer, 2),
        "cer": round(100 * c.cer, 2),
        "rtf": round(sum(run.seconds) / max(sum(audio_seconds), 1e-9), 4),
        "median_utt_rtf": round(statistics.median(per_utt), 4) if per_utt else 0.0,
        "utterances": c.utterances,
        "words": c.ref_words,
        "substitutions": c.substitutions,
        "deletions": c.deletions,
        "insertions": c.insertions,
        "decode_seconds": round(sum(run.seconds), 2),
        "audio_seconds": round(sum(audio_seconds), 2),
    }


def headline(rows: list[dict]) -> float:
    """PocketSphinx's WER over the best (lowest) WER among our systems, from the table."""
    ps = next(r for r in rows if r["system"] == PS_NAME)
    ours = min(r["wer"] for r in rows if r["system"] != PS_NAME)
    return ps["wer"] / ours if ours > 0 else float("inf")


def format_table(rows: list[dict]) -> str:
    cols = [("system", "system", "{}"), ("WER %", "wer", "{:.2f}"), ("CER %", "cer", "{:.2f}"),
            ("RTF", "rtf", "{:.4f}"), ("median utt RTF", "median_utt_rtf", "{:.4f}"),
            ("utterances", "utterances", "{}"), ("words", "words", "{}"),
            ("sub/del/ins", None, "{substitutions}/{deletions}/{insertions}")]
    cells = [[h for h, _, _ in cols]]
    for r in rows:
        cells.append([fmt.format(**r) if key is None else fmt.format(r[key]) for _, key, fmt in cols])
    widths = [max(len(row[i]) for row in cells) for i in range(len(cols))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in cells]
    return "\n".join(lines)


def report(rows: list[dict], json_path: Path | None = None, meta: dict | None = None) -> float:
    """Print the table and, last, the headline; write the table as JSON when asked."""
    value = headline(rows)
    print(format_table(rows))
    if json_path is not None:
        json_path.write_text(json.dumps({"rows": rows, HEADLINE: round(value, 3), **(meta or {})}, indent=2) + "\n")
        print(f"wrote {json_path}")
    print(f"{HEADLINE}: {value:.3f}")
    return value


class PocketSphinx:
    """PocketSphinx 5 with its default config: bundled en-us acoustic model, LM and dictionary."""

    name = PS_NAME

    def __init__(self):
        from pocketsphinx import Decoder

        self.decoder = Decoder()  # defaults: en-us hmm, en-us.lm.bin, cmudict-en-us.dict, 16 kHz
        self.config = {k: self.decoder.config[k] for k in ("hmm", "lm", "dict", "samprate")}

    def decode(self, utt: "Utterance") -> str:
        d = self.decoder
        d.start_utt()
        d.process_raw(utt.pcm, full_utt=True)  # the whole utterance at once (CMN over all of it)
        d.end_utt()
        hyp = d.hyp()
        return hyp.hypstr if hyp is not None else ""


class Ours:
    """Our packaged model through its public API (``Model.decode_waveforms``, what
    ``gru-asr evaluate`` calls), one utterance per call."""

    def __init__(self, name: str, model):
        self.name, self.model = name, model

    def decode(self, utt: "Utterance") -> str:
        return self.model.decode_waveforms([utt.wav])[0][0].text


@dataclass
class Utterance:
    id: str
    ref: str
    wav: object  # float32 tensor at the model's rate
    pcm: bytes  # int16 16 kHz mono, for PocketSphinx
    seconds: float


def pick_model(given: Path | None) -> Path:
    """``--model``, or the built-in English model (what ``gru-asr transcribe`` runs)."""
    from gru_asr.cli.errors import UserError
    from gru_asr.pretrained import builtin_model_path

    if given is None:
        return builtin_model_path()
    if not given.is_file():
        raise UserError(f"{given}: model not found")
    return given


def pick_decoder(given: str | None, model: Path | None, no_lm: bool) -> Path | dict | None:
    """A decoder YAML, the built-in model's tuned decoder config (``model`` None: the
    built-in model), or None (greedy only)."""
    if no_lm:
        return None
    if given is not None:
        return Path(given)
    if model is None:
        from gru_asr.pretrained import builtin_decoder_config

        return builtin_decoder_config()
    tuned = model.parent / "lm" / "decoder.yaml"  # written by the recipe's tune stage
    return tuned if tuned.is_file() else None


def decoder_from_yaml(path: Path) -> dict:
    """The decoder config the way ``gru-asr evaluate --decoder FILE.yaml`` reads it."""
    from gru_asr.cli.main import decoder_config

    return decoder_config(argparse.Namespace(decoder=str(path), lm=None, lexicon=None, lm_weight=None,
                                             word_score=None, beam_size=None, decode_workers=None))


def dev_manifest(given: Path | None, tmp: Path) -> Path:
    """``--manifest``, or data/mini_librispeech/dev.jsonl, or the same list built from
    the LibriSpeech subset (what ``gru-asr prepare librispeech`` writes) in ``tmp``."""
    if given is not None:
        return given
    if DEFAULT_MANIFEST.is_file():
        return DEFAULT_MANIFEST
    from gru_asr.corpora.librispeech import prepare_librispeech

    print(f"note: {DEFAULT_MANIFEST} not found; listing dev-clean from {DEV_ROOT}")
    return prepare_librispeech(DEV_ROOT, tmp, splits=["dev-clean"])["dev-clean"]


def read_utterances(manifest: Path, limit: int | None, normalizer, model_rate: int) -> tuple[list[Utterance], dict]:
    """The first ``limit`` utterances with a transcript and readable audio; the others
    are skipped and listed, as ``gru-asr evaluate`` does."""
    import torch

    from gru_asr.audio import AudioError, load_audio
    from gru_asr.data.manifest import ManifestError, read_manifest, segment_bounds

    entries = read_manifest(manifest)
    if not entries:
        raise ManifestError(f"{manifest}: no utterances in the manifest")
    utts, skipped = [], {}
    for e in entries:
        if limit is not None and len(utts) >= limit:
            break
        ref = normalizer(e.get("text", ""))
        if not ref:
            skipped[e["id"]] = "empty transcript"
            continue
        try:
            offset, dur = segment_bounds(e)
            wav16 = load_audio(e["audio"], SAMPLE_RATE, offset=offset, duration=dur)
            wav = wav16 if model_rate == SAMPLE_RATE else load_audio(e["audio"], model_rate, offset=offset, duration=dur)
        except AudioError as err:
            skipped[e["id"]] = err.reason
            continue
        pcm = (wav16 * 32768.0).round().clamp(-32768, 32767).to(torch.int16).numpy().tobytes()
        utts.append(Utterance(e["id"], ref, wav, pcm, wav16.numel() / SAMPLE_RATE))
    if not utts:
        raise ManifestError(f"{manifest}: none of its utterances can be evaluated ({skipped})")
    return utts, skipped


def run_side_by_side(systems: list, utts: list[Utterance], progress: bool) -> list[Scored]:
    """Each utterance through every system, the order rotating per utterance so that
    no system always runs first (warm caches) or last."""
    runs = [Scored(s.name, [""] * len(utts), [0.0] * len(utts)) for s in systems]
    for i, u in enumerate(utts):
        for k in range(len(systems)):
            j = (i + k) % len(systems)
            t0 = time.perf_counter()
            runs[j].hyps[i] = systems[j].decode(u)
            runs[j].seconds[i] = time.perf_counter() - t0
        if progress and (i + 1) % 25 == 0:
            print(f"  {i + 1}/{len(utts)} utterances", file=sys.stderr, flush=True)
    return runs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None,
                    help="packaged model (default: the built-in English model, with its tuned LM decoder)")
    ap.add_argument("--decoder", default=None, help="decoder YAML for our second system (default: the built-in "
                    "model's; for --model, <model folder>/lm/decoder.yaml when it exists)")
    ap.add_argument("--no-lm", action="store_true", help="ours greedy only")
    ap.add_argument("--manifest", type=Path, default=None, help=f"default {DEFAULT_MANIFEST}")
    ap.add_argument("--utterances", type=int, default=20,
                    help="first N utterances (default 20: about 150 s of audio, under a minute on 2 quiet cores)")
    ap.add_argument("--full", action="store_true", help="every utterance of the manifest (292 on the dev slice)")
    ap.add_argument("--json", type=Path, default=None, help="write the table here (for RESULTS.md)")
    ap.add_argument("--overwrite", action="store_true", help="replace an existing --json file")
    args = ap.parse_args(argv)
    if args.utterances < 1:
        ap.error("--utterances must be at least 1")
    try:
        import pocketsphinx
    except ImportError as err:
        print(INSTALL_HINT.format(err=err))
        print(f"{HEADLINE}: skipped")
        return 0

    from gru_asr.cli.errors import describe_os_error, user_error_types

    try:
        return compare(args, pocketsphinx)
    except user_error_types() as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # e.g. an LM file named by the decoder YAML that is not there
        print(f"error: {describe_os_error(err)}", file=sys.stderr)
        return 2


def compare(args, pocketsphinx) -> int:
    import torch

    from gru_asr.cli.errors import refuse_to_overwrite
    from gru_asr.inference import Model

    if args.json is not None:
        refuse_to_overwrite(args.json, args.overwrite)
    model_path = pick_model(args.model)
    greedy = Model.load(model_path, decoder={"name": "greedy"})
    systems_ours = [Ours("ours greedy", greedy)]
    decoder = pick_decoder(args.decoder, args.model and model_path, args.no_lm)
    if decoder is not None:
        cfg = decoder if isinstance(decoder, dict) else decoder_from_yaml(decoder)
        systems_ours.append(Ours(f"ours {cfg['name']}", Model(greedy.model, decoder=cfg)))
    ps = PocketSphinx()
    with tempfile.TemporaryDirectory() as tmp:
        manifest = dev_manifest(args.manifest, Path(tmp))
        utts, skipped = read_utterances(manifest, None if args.full else args.utterances,
                                        greedy.model.normalizer, greedy.sample_rate)
    audio = [u.seconds for u in utts]
    meta = {"manifest": str(manifest), "model": str(model_path), "decoder": decoder if isinstance(decoder, dict) or decoder is None else str(decoder),
            "pocketsphinx": getattr(pocketsphinx, "__version__", None) or _version("pocketsphinx"),
            "pocketsphinx_config": ps.config, "torch_threads": torch.get_num_threads(),
            "skipped": skipped}
    print(f"{len(utts)} utterances, {sum(audio) / 3600:.3f} h from {manifest}"
          + (f" ({len(skipped)} skipped)" if skipped else ""))
    described = f"its tuned {decoder['name']}" if isinstance(decoder, dict) else decoder
    print(f"ours: {model_path}" + (f" + {described}" if decoder else " (greedy only)")
          + f", torch {torch.get_num_threads()} threads; pocketsphinx {meta['pocketsphinx']}: "
          f"{Path(ps.config['hmm']).name}, {Path(ps.config['lm']).name}, {Path(ps.config['dict']).name} (single thread)")
    systems = [ps, *systems_ours]
    runs = run_side_by_side(systems, utts, progress=len(utts) > 50)
    refs = [u.ref for u in utts]
    for r in runs:
        if r.system == PS_NAME:  # into the references' text form (see the module docstring)
            r.hyps = [greedy.model.normalizer(h) for h in r.hyps]
    rows = [score(r, refs, audio) for r in runs]
    print()
    report(rows, args.json, meta)
    return 0


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    sys.exit(main())
