"""Transcription speed and memory on 2 CPU cores.

Prints the real-time factor (processing time / audio duration) of greedy and
beam_lm decoding for the medium model, and the peak RSS of transcribing a long
file next to a 1-minute file (each in a fresh process).
Targets (issue 6): greedy RTF <= 0.05; peak RSS for 1 hour within 1.5x of 1 minute.
Usage: .venv/bin/python tools/bench/transcribe.py [--full] [--model MODEL]
(--full uses a 1-hour file; the default a 10-minute one.)
Last line: `greedy_rtf: X`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import resource, sys, gru_asr
m = gru_asr.load_model(sys.argv[1])
r = m.transcribe([sys.argv[2]])[0]
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(r.words))
"""


def medium_model(path: Path) -> Path:
    from hydra import compose, initialize_config_dir

    from gru_asr.models import CTCModel
    from gru_asr.packaging import save_package
    from gru_asr.training.train import model_config_from

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train", overrides=["encoder=bigru_medium"])
    return save_package(CTCModel(model_config_from(cfg)).eval(), path)


def long_file(path: Path, seconds: int, speech: Path) -> Path:
    """A long recording made by repeating real (synthetic) speech, written in blocks."""
    clip, sr = sf.read(speech, dtype="float32")
    with sf.SoundFile(path, "w", samplerate=sr, channels=1, subtype="PCM_16") as f:
        written = 0
        while written < seconds * sr:
            n = min(len(clip), seconds * sr - written)
            f.write(clip[:n])
            written += n
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--model", help="a packaged model (default: an untrained medium model)")
    args = ap.parse_args()

    import gru_asr
    from gru_asr.lm import build_arpa
    from gru_asr.lm.lexicon import arpa_vocabulary, build_lexicon
    from gru_asr.synth.corpus import SynthConfig, build_corpus

    tmp = Path(tempfile.mkdtemp())
    build_corpus(tmp / "data", SynthConfig(hours=0.03, seed=1))
    model_path = Path(args.model) if args.model else medium_model(tmp / "medium.safetensors")
    model = gru_asr.load_model(model_path)
    test = [json.loads(x) for x in (tmp / "data/train.jsonl").read_text().splitlines()]
    wavs = [str(tmp / "data" / e["audio"]) for e in test]
    audio = sum(e["duration"] for e in test)

    texts = [e["text"] for e in test]
    arpa = build_arpa(texts * 3, tmp / "lm.arpa", order=3)
    lexicon, _ = build_lexicon(arpa_vocabulary(arpa), model.model.tokenizer, tmp / "lexicon.txt")
    rtf = {}
    for name, dec in [("greedy", "greedy"), ("beam_lm", {"name": "beam_lm", "lm": str(arpa), "lexicon": str(lexicon), "lm_weight": 1.0})]:
        m = gru_asr.inference.Model(model.model, decoder=dec)
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            m.transcribe(wavs)
            runs.append((time.perf_counter() - t0) / audio)
        rtf[name] = statistics.median(runs)
        print(f"{name:8s} RTF {rtf[name]:.4f}  ({audio:.0f} s of audio, median of 3)")

    long_s = 3600 if args.full else 600
    one_min = long_file(tmp / "1min.wav", 60, Path(wavs[0]))
    long = long_file(tmp / "long.wav", long_s, Path(wavs[0]))
    rss = {}
    for label, f in [("1 min", one_min), (f"{long_s // 60} min", long)]:
        out = subprocess.run([sys.executable, "-c", _CHILD, str(model_path), str(f)], capture_output=True, text=True, check=True, timeout=900)
        kb, _ = out.stdout.split()
        rss[label] = int(kb) / 1024
        print(f"peak RSS {label:7s}: {rss[label]:.0f} MiB")
    labels = list(rss)
    print(f"peak RSS ratio ({labels[1]} / 1 min): {rss[labels[1]] / rss[labels[0]]:.2f}")
    print(f"greedy_rtf: {rtf['greedy']:.4f}")


if __name__ == "__main__":
    main()
