"""Time to accuracy: minutes of training until the dev WER first reaches a target.

Reads a finished (or running) training run's ``logs/version_*/metrics.csv``, where every
validation logs ``val_wer`` beside ``train_seconds`` (gru_asr/training/training_clock.py),
and prints the first validation at or under each target.

    .venv/bin/python tools/bench/time_to_accuracy.py                        # exp/an4_medium, 10 %
    .venv/bin/python tools/bench/time_to_accuracy.py --run exp/an4_x --target 0.10 0.08

Runs trained before train_seconds was logged (2026-12-04) cannot be read: it says so.
The headline (last line) is ``minutes_to_<target>_wer`` for the first target, ``n/a`` when
the run never reached it or there is no run.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def validations(run: Path) -> list[dict[str, float]]:
    """``{epoch, train_seconds, val_wer}`` per validation of the run's latest training.

    A resumed run logs into a new version folder and its clock counts on; a run started
    over in the same folder (``overwrite=true``) also gets a new version folder, but its
    clock starts again near 0: the curve restarts there, so an old run's rows never mix in."""
    rows: list[dict[str, float]] = []
    for metrics in sorted(run.glob("logs/version_*/metrics.csv"), key=lambda p: int(p.parent.name.split("_")[1])):
        version = []
        with open(metrics, newline="") as f:
            for row in csv.DictReader(f):
                if row.get("val_wer") and row.get("train_seconds"):
                    version.append({"epoch": float(row.get("epoch") or "nan"),
                                    "train_seconds": float(row["train_seconds"]),
                                    "val_wer": float(row["val_wer"])})
        if version and rows and version[0]["train_seconds"] < rows[-1]["train_seconds"]:
            rows = []  # a new run, not a resume: start the curve over
        rows += version
    return rows


def first_reaching(rows: list[dict[str, float]], target: float) -> dict[str, float] | None:
    return next((r for r in rows if r["val_wer"] <= target), None)


def headline_name(target: float) -> str:
    return f"minutes_to_{target * 100:g}pct_wer".replace(".", "_")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=ROOT / "exp" / "an4_medium", help="a training run's exp_dir")
    parser.add_argument("--target", type=float, nargs="+", default=[0.10], help="dev WER targets, as fractions")
    args = parser.parse_args(argv)
    rows = validations(args.run)
    if not rows:
        have_logs = any(args.run.glob("logs/version_*/metrics.csv"))
        why = ("its metrics.csv has no train_seconds (trained before it was logged)" if have_logs
               else "no logs/version_*/metrics.csv (train one: bash recipes/an4/run.sh)")
        print(f"{args.run}: {why}")
        print(f"{headline_name(args.target[0])}: n/a")
        return 0
    best = min(rows, key=lambda r: r["val_wer"])
    print(f"{args.run}: {len(rows)} validations over {rows[-1]['train_seconds'] / 60:.1f} min of training; "
          f"best dev WER {100 * best['val_wer']:.2f} % at {best['train_seconds'] / 60:.1f} min (epoch {best['epoch']:.0f})")
    figures = []
    for target in args.target:
        hit = first_reaching(rows, target)
        if hit is None:
            print(f"dev WER <= {100 * target:g} %: not reached")
            figures.append("n/a")
        else:
            minutes = hit["train_seconds"] / 60
            print(f"dev WER <= {100 * target:g} %: {minutes:.1f} min of training (epoch {hit['epoch']:.0f}, "
                  f"{100 * hit['val_wer']:.2f} %)")
            figures.append(f"{minutes:.1f}")
    print(f"{headline_name(args.target[0])}: {figures[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
