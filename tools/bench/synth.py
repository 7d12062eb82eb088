"""Synthetic corpus generation speed: seconds of audio made per wall-clock second.

Target (Foundation issue): at least 50x real time on 2 cores.
Usage: .venv/bin/python tools/bench/synth.py [--full]   (prints `synth_realtime_factor: X` last)
"""

import argparse
import statistics
import tempfile

from gru_asr.synth.corpus import SynthConfig, build_corpus


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="1.5 h corpus (the demo size) instead of 0.1 h")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    hours = 1.5 if args.full else 0.1
    rates = []
    for r in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            s = build_corpus(tmp, SynthConfig(hours=hours, seed=r))
            rates.append(s["realtime_factor"])
            print(f"run {r}: {s['realtime_factor']}x real time ({s['workers']} workers, {hours} h)")
    print(f"synth_realtime_factor: {statistics.median(rates):.1f}")


if __name__ == "__main__":
    main()
