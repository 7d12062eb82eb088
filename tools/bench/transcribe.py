"""Transcription speed and accuracy on 2 CPU cores, the user's case first: the trained
AN4 recipe model on real AN4 speech.

Model: ``--model``, else the AN4 recipe's ``exp/an4_medium/final.safetensors`` when it
exists (after `bash recipes/an4/run.sh`), else an untrained medium model (said so: its
WER means nothing, its speed still does). Audio: ``--manifest``, else
``data/an4/dev.jsonl`` when present, else a few minutes of synthetic speech. Decoders:
greedy, and beam_lm with the recipe's tuned ``exp/an4_medium/lm/decoder.yaml`` when
present (else a 3-gram LM built from the manifest's own transcripts, said so). For each:
the real-time factor of `Model.transcribe` over all files (reading the audio included;
processing time / audio duration, median of 3 rounds) and the corpus WER/CER.

``--full`` adds the long-file figures: RTF on a 1-hour recording, and the peak RSS of
transcribing it next to a 1-minute file (each in a fresh process).
Targets (issue 6): greedy RTF <= 0.05; peak RSS for 1 hour within 1.5x of 1 minute.
Usage: .venv/bin/python tools/bench/transcribe.py [--full] [--model MODEL] [--manifest JSONL] [--decoder-config YAML]
Last line: `greedy_rtf: X`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import soundfile as sf
import yaml

ROOT = Path(__file__).resolve().parents[2]
AN4_MODEL = ROOT / "exp/an4_medium/final.safetensors"
AN4_DECODER = ROOT / "exp/an4_medium/lm/decoder.yaml"
AN4_DEV = ROOT / "data/an4/dev.jsonl"

_CHILD = """
import resource, sys, time, gru_asr
m = gru_asr.load_model(sys.argv[1])
t0 = time.perf_counter()
r = m.transcribe([sys.argv[2]])[0]
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter() - t0, len(r.words))
"""


def medium_model(path: Path) -> Path:
    from hydra import compose, initialize_config_dir

    from gru_asr.models import CTCModel
    from gru_asr.packaging import save_package
    from gru_asr.training.train import model_config_from

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train", overrides=["encoder=bigru_medium"])
    return save_package(CTCModel(model_config_from(cfg)).eval(), path)


def long_file(path: Path, seconds: int, clips: list[Path]) -> Path:
    """A long recording made by repeating real speech, written in blocks."""
    import numpy as np

    audio = [sf.read(c, dtype="float32") for c in clips]
    sr = audio[0][1]
    speech = np.concatenate([a for a, r in audio if r == sr])
    with sf.SoundFile(path, "w", samplerate=sr, channels=1, subtype="PCM_16") as f:
        written = 0
        while written < seconds * sr:
            n = min(len(speech), seconds * sr - written)
            f.write(speech[:n])
            written += n
    return path


def decoder_from_yaml(path: Path) -> dict:
    """A `gru-asr tune-lm --write` file; its relative lm/lexicon/prior paths are the recipe's
    (relative to the checkout, where run.sh runs)."""
    cfg = yaml.safe_load(path.read_text())
    for key in ("lm", "lexicon", "prior"):
        if cfg.get(key) and not Path(cfg[key]).is_absolute():
            cfg[key] = str(ROOT / cfg[key])
    return cfg


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="also a 1-hour file: its RTF and peak RSS next to a 1-minute file")
    ap.add_argument("--model", type=Path, help=f"a packaged model (default: {AN4_MODEL.relative_to(ROOT)} when it exists)")
    ap.add_argument("--manifest", type=Path, help=f"a JSONL manifest with transcripts (default: {AN4_DEV.relative_to(ROOT)} when present)")
    ap.add_argument("--decoder-config", type=Path, help=f"the beam_lm decoder YAML (default: {AN4_DECODER.relative_to(ROOT)} when present)")
    args = ap.parse_args()

    import gru_asr
    from gru_asr.data.manifest import read_manifest
    from gru_asr.lm import build_arpa
    from gru_asr.lm.arpa_text import arpa_vocabulary
    from gru_asr.lm.lexicon import build_lexicon
    from gru_asr.metrics import count_errors

    tmp = Path(tempfile.mkdtemp())
    if args.model:
        model_path, model_note = args.model, f"model: {args.model}"
    elif AN4_MODEL.is_file():
        model_path, model_note = AN4_MODEL, f"model: {AN4_MODEL.relative_to(ROOT)} (the trained AN4 recipe model)"
    else:
        model_path = medium_model(tmp / "medium.safetensors")
        model_note = (f"model: an UNTRAINED medium model ({AN4_MODEL.relative_to(ROOT)} is missing: run bash recipes/an4/run.sh); "
                      "its speed is representative, its WER is not")
    print(model_note, flush=True)
    model = gru_asr.load_model(model_path)

    if args.manifest or AN4_DEV.is_file():
        manifest = args.manifest or AN4_DEV
        audio_note = f"audio: {manifest.relative_to(ROOT) if manifest.resolve().is_relative_to(ROOT) else manifest}"
    else:
        from gru_asr.synth.corpus import SynthConfig, build_corpus

        build_corpus(tmp / "data", SynthConfig(hours=0.03, seed=1))
        manifest = tmp / "data/train.jsonl"
        audio_note = f"audio: synthetic speech ({AN4_DEV.relative_to(ROOT)} is missing: run bash recipes/an4/run.sh)"
    entries = read_manifest(str(manifest))  # audio paths resolved against the manifest's folder
    wavs = [e["audio"] for e in entries]
    audio = sum(sf.info(w).duration for w in wavs)
    refs = [model.model.normalizer(e.get("text", "")) for e in entries]
    print(f"{audio_note}, {len(wavs)} files, {audio:.0f} s", flush=True)

    decoder_yaml = args.decoder_config or (AN4_DECODER if AN4_DECODER.is_file() and model_path == AN4_MODEL else None)
    if decoder_yaml:
        beam_lm = decoder_from_yaml(decoder_yaml)
        print(f"beam_lm: {decoder_yaml.relative_to(ROOT) if decoder_yaml.resolve().is_relative_to(ROOT) else decoder_yaml} "
              f"(lm_weight {beam_lm.get('lm_weight')}, word_score {beam_lm.get('word_score')}, beam {beam_lm.get('beam_size')})")
    else:
        # The manifest's own transcripts as LM text: an optimistic LM, a speed figure only.
        arpa = build_arpa([e["text"] for e in entries] * 3, tmp / "lm.arpa", order=3)
        lexicon, _ = build_lexicon(arpa_vocabulary(arpa), model.model.tokenizer, tmp / "lexicon.txt")
        beam_lm = {"name": "beam_lm", "lm": str(arpa), "lexicon": str(lexicon), "lm_weight": 1.0}
        print("beam_lm: a 3-gram LM of the manifest's own transcripts (no tuned decoder.yaml for this model): "
              "its WER is optimistic, its speed representative")

    rtf = {}
    for name, dec in [("greedy", "greedy"), ("beam_lm", beam_lm)]:
        m = gru_asr.inference.Model(model.model, decoder=dec)
        m.transcribe(wavs[:4])  # warm-up: decoder workers, LM loading
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            results = m.transcribe(wavs)
            runs.append((time.perf_counter() - t0) / audio)
        failed = [r.audio for r in results if not r.ok]
        counts = count_errors(refs, [r.text for r in results])
        rtf[name] = statistics.median(runs)
        print(f"{name:8s} RTF {rtf[name]:.4f} (median of 3)   WER {100 * counts.wer:.2f} %   CER {100 * counts.cer:.2f} %"
              + (f"   ({len(failed)} files failed)" if failed else ""), flush=True)

    if args.full:
        clips = [Path(w) for w in wavs[:20]]
        one_min, one_hour = long_file(tmp / "1min.wav", 60, clips), long_file(tmp / "1h.wav", 3600, clips)
        rss = {}
        for label, f, seconds in [("1 min", one_min, 60), ("60 min", one_hour, 3600)]:
            out = subprocess.run([sys.executable, "-c", _CHILD, str(model_path), str(f)], capture_output=True, text=True,
                                 check=True, timeout=1800)
            kb, secs, _ = out.stdout.split()
            rss[label] = int(kb) / 1024
            print(f"long file {label:6s}: greedy RTF {float(secs) / seconds:.4f}, peak RSS {rss[label]:.0f} MiB", flush=True)
        print(f"peak RSS ratio (60 min / 1 min): {rss['60 min'] / rss['1 min']:.2f}")
    print(f"beam_lm_rtf: {rtf['beam_lm']:.4f}")
    print(f"greedy_rtf: {rtf['greedy']:.4f}")


if __name__ == "__main__":
    main()
