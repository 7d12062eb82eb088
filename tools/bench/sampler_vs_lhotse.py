"""Our DurationBatchSampler next to lhotse's DynamicBucketingSampler, in one run.

Both samplers get the same synthetic manifest of LibriSpeech-like durations (no
audio: samplers only look at durations) and the same settings: padded seconds
per batch (``max_duration``; both bound longest x count), ``num_buckets``,
``world_size`` and ``rank``, shuffling on. Measured for each:

* construct: building the sampler (lhotse estimates its bucket bins here);
* epoch: iterating all of rank 0's batches of one epoch (median of repeats);
* resume: restoring a state saved halfway through the epoch, up to the next batch;
* peak memory: the highest traced Python allocation (tracemalloc) while
  constructing and iterating, on top of the manifest already in memory;
* padding efficiency: sum of durations / (batch size x longest), averaged over batches;
* ranks: batch counts of every rank (must be equal, or DDP hangs at epoch end),
  and utterances dropped or repeated over all ranks.

lhotse runs on an in-memory CutSet (the sampler alone) and, with ``--lazy`` or
``--full``, also on a lazily read JSONL manifest (its recommended setup for
large corpora, JSON decoding included). The headline compares ours with the
fastest lhotse setup measured.

Times are CPU seconds of this process (``time.process_time``): both samplers
are single-threaded Python, CPU time is what the training process pays for
them, and it stays meaningful on a shared, busy machine where wall time does not.
lhotse is optional (``pip install lhotse urllib3``); without it the script says
so and exits 0.

Usage: .venv/bin/python tools/bench/sampler_vs_lhotse.py [--full] [--lazy] [--utterances N]
Last line: ``our_sampler_epoch_speedup_vs_lhotse: X``.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from gru_asr.data.sampler import DurationBatchSampler


def librispeech_like_durations(n: int, seed: int = 0) -> list[float]:
    """Durations (s) shaped like LibriSpeech training segments (cut at pauses,
    mean 12.3 s): 72 % around 14.8 s (sd 1.2), the rest spread evenly over
    1-14 s, clipped to 0.8-24.5 s; mean about 12.7 s, median about 14.2 s."""
    rng = np.random.default_rng(seed)
    long = rng.normal(14.8, 1.2, n)
    short = rng.uniform(1.0, 14.0, n)
    d = np.where(rng.random(n) < 0.72, long, short).clip(0.8, 24.5).round(2)
    return d.tolist()


@dataclass
class Result:
    name: str
    construct_s: float = 0.0
    epoch_s: list[float] = field(default_factory=list)
    resume_s: float = 0.0
    peak_mb: float = 0.0
    batches: int = 0
    padding_efficiency: float = 0.0
    mean_batch_size: float = 0.0
    rank_counts: list[int] = field(default_factory=list)
    dropped: int = 0
    repeated: int = 0


class Ours:
    """Each sampler under test is built, iterated (batches as lists of manifest
    indices), checkpointed and restored through the same four methods."""

    name = "ours: DurationBatchSampler"

    def __init__(self, durations, args):
        self.durations, self.args = durations, args

    def build(self, rank):
        a = self.args
        return DurationBatchSampler(self.durations, max_seconds=a.max_duration, num_buckets=a.num_buckets,
                                    shuffle=True, seed=a.seed, world_size=a.world_size, rank=rank)

    def batches(self, sampler):
        return iter(sampler)

    def state_after(self, sampler, consumed):
        return sampler.state_dict(batches_consumed=consumed)

    def restore(self, state, rank):
        sampler = self.build(rank)
        sampler.load_state_dict(state)
        return sampler


class Lhotse:
    """lhotse's sampler behind the same four methods as :class:`Ours`."""

    def __init__(self, cuts_factory: Callable, label: str, args):
        self.cuts_factory, self.args = cuts_factory, args
        self.name = f"lhotse: DynamicBucketingSampler ({label})"

    def build(self, rank):
        from lhotse.dataset import DynamicBucketingSampler

        a = self.args
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the "eagerly read CutSet" advice: measured on purpose
            return DynamicBucketingSampler(self.cuts_factory(), max_duration=a.max_duration, num_buckets=a.num_buckets,
                                           shuffle=True, seed=a.seed, world_size=a.world_size, rank=rank)

    def batches(self, sampler):
        for cuts in sampler:
            yield [int(c.id) for c in cuts]

    def state_after(self, sampler, consumed):
        return sampler.state_dict()

    def restore(self, state, rank):
        sampler = self.build(rank)
        sampler.load_state_dict(state)  # fast-forwards by drawing the consumed batches again
        return sampler


def measure(s, durations: list[float], repeats: int, rank_check: bool) -> Result:
    r = Result(s.name)
    gc.collect()
    t0 = time.process_time()
    sampler = s.build(rank=0)
    r.construct_s = time.process_time() - t0
    batches = []
    for _ in range(repeats):
        t0 = time.process_time()
        batches = list(s.batches(sampler))
        r.epoch_s.append(time.process_time() - t0)
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(0)  # the same epoch again

    r.batches = len(batches)
    effs = []
    for b in batches:
        ds = [durations[i] for i in b]
        effs.append(sum(ds) / (len(ds) * max(ds)))
    r.padding_efficiency = statistics.fmean(effs)
    r.mean_batch_size = statistics.fmean(len(b) for b in batches)

    # Resume: a state saved halfway through rank 0's epoch, restored in a fresh sampler.
    half = len(batches) // 2
    sampler = s.build(rank=0)
    it = iter(s.batches(sampler))
    for _ in range(half):
        next(it)
    state = s.state_after(sampler, half)
    t0 = time.process_time()
    first = next(iter(s.batches(s.restore(state, rank=0))))
    r.resume_s = time.process_time() - t0
    if first != batches[half]:
        print(f"  note: {s.name} resumed at a different batch than the uninterrupted run", file=sys.stderr)
    del sampler, it

    # Peak memory on a separate pass: tracemalloc slows allocation-heavy code down.
    gc.collect()
    tracemalloc.start()
    for _ in s.batches(s.build(rank=0)):
        continue
    r.peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    if rank_check:
        check_ranks(s, r, len(durations))
    return r


def check_ranks(s, r: Result, n: int) -> None:
    """Batch counts of every rank, and utterances no rank got or got twice."""
    seen = np.zeros(n, dtype=np.int64)
    r.rank_counts = []
    for rank in range(s.args.world_size):
        count = 0
        for b in s.batches(s.build(rank)):
            count += 1
            np.add.at(seen, b, 1)
        r.rank_counts.append(count)
    r.dropped = int((seen == 0).sum())
    r.repeated = int(np.clip(seen - 1, 0, None).sum())


def samplers_under_test(durations: list[float], workdir: Path, lazy: bool, args) -> list:
    """Ours, lhotse on an in-memory CutSet, and (``lazy``) lhotse on a JSONL
    manifest read lazily; cut ids are manifest indices."""
    from lhotse import CutSet, MonoCut

    eager = CutSet.from_cuts(MonoCut(id=str(i), start=0.0, duration=d, channel=0) for i, d in enumerate(durations))
    samplers = [Ours(durations, args), Lhotse(lambda: eager, "in-memory CutSet", args)]
    if lazy:
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / "cuts.jsonl"
        with path.open("w") as f:
            for i, d in enumerate(durations):
                f.write(json.dumps({"id": str(i), "start": 0.0, "duration": d, "channel": 0, "type": "MonoCut"}) + "\n")
        samplers.append(Lhotse(lambda: CutSet.from_jsonl_lazy(path), "lazy JSONL", args))
    return samplers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--full", action="store_true", help="1,200,000 utterances (default 200,000) and --lazy")
    ap.add_argument("--lazy", action="store_true", help="also lhotse on a lazily read JSONL manifest")
    ap.add_argument("--utterances", type=int, default=None)
    ap.add_argument("--max-duration", type=float, default=600.0, help="padded seconds per batch (both samplers)")
    ap.add_argument("--num-buckets", type=int, default=30)
    ap.add_argument("--world-size", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=2, help="epochs timed per sampler (median reported)")
    ap.add_argument("--rank-check-utterances", type=int, default=None,
                    help="manifest size for the all-ranks check (default: 20,000; 200,000 with --full)")
    args = ap.parse_args()
    try:
        import lhotse
    except ImportError as err:
        print(f"lhotse is not installed ({err}); `.venv/bin/pip install lhotse urllib3` to run this comparison.")
        print("our_sampler_epoch_speedup_vs_lhotse: skipped")
        return

    n = args.utterances or (1_200_000 if args.full else 200_000)
    n_check = min(n, args.rank_check_utterances or (200_000 if args.full else 20_000))
    durations = librispeech_like_durations(n, args.seed)
    print(f"manifest: {n:,} utterances, {sum(durations) / 3600:,.0f} h, mean {statistics.fmean(durations):.2f} s, "
          f"max {max(durations):.2f} s; max_duration {args.max_duration:g} s padded, {args.num_buckets} buckets, "
          f"world_size {args.world_size}, rank 0; lhotse {lhotse.__version__}")

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        lazy = args.lazy or args.full
        for s in samplers_under_test(durations, Path(tmp), lazy, args):
            results.append(measure(s, durations, args.repeats, rank_check=(n_check == n)))
        if n_check != n:  # the all-ranks check on a smaller manifest keeps the default run short
            small = durations[:n_check]
            for r, s in zip(results, samplers_under_test(small, Path(tmp) / "small", lazy, args)):
                check_ranks(s, r, n_check)

    print(f"\nCPU seconds; peak MB traced while constructing and iterating one epoch (rank 0)")
    print(f"{'sampler':48s} {'construct':>9s} {'epoch':>7s} {'resume':>7s} {'peak MB':>8s} "
          f"{'batches':>7s} {'utt/batch':>9s} {'padding eff':>11s}  ranks equal (on {n_check:,} utts)")
    for r in results:
        equal = len(set(r.rank_counts)) == 1
        print(f"{r.name:48s} {r.construct_s:9.3f} {statistics.median(r.epoch_s):7.3f} {r.resume_s:7.3f} "
              f"{r.peak_mb:8.1f} {r.batches:7d} {r.mean_batch_size:9.1f} {r.padding_efficiency:11.4f}  "
              f"{'yes' if equal else 'NO'} {min(r.rank_counts)}-{max(r.rank_counts)} batches, "
              f"{r.dropped} dropped, {r.repeated} repeated")
    ours, others = results[0], results[1:]
    best = min(others, key=lambda r: statistics.median(r.epoch_s))
    speedup = statistics.median(best.epoch_s) / statistics.median(ours.epoch_s)
    print(f"\nvs the faster lhotse setup ({best.name.split('(')[1].rstrip(')')}): epoch {speedup:.1f}x, "
          f"construct+epoch {(best.construct_s + statistics.median(best.epoch_s)) / (ours.construct_s + statistics.median(ours.epoch_s)):.1f}x, "
          f"padding efficiency {ours.padding_efficiency:.4f} vs {best.padding_efficiency:.4f}")
    print(f"our_sampler_epoch_speedup_vs_lhotse: {speedup:.1f}")


if __name__ == "__main__":
    main()
