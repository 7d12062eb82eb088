"""Data loader throughput next to training consumption, measured in one run.

(a) audio-seconds per second the loader delivers (decoding, waveform
augmentation, collation, then log-mel features and SpecAugment), and
(b) audio-seconds per second the default model trains at on batches of the
same loader (a shuffled epoch).
Target (issue 3): (a) >= 10 x (b), so the data layer never starves training.

Features are the model's (``CTCModel.frontend``, computed batched in the
training step, on the GPU when there is one), so (a) runs them in the main
process on the batches the workers deliver. The waveform part alone (what the
worker processes do) is printed as well, as ``loader_waveforms_vs_training``.
Each ratio is the median over three rounds of (loader, waveforms, training)
measured in turn, with one persistent loader as in training.
Usage: .venv/bin/python tools/bench/dataloader.py [--full]
Last line: `loader_vs_training: R` (a/b).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

ROOT = Path(__file__).resolve().parents[2]
COPIES = 8


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()

    from gru_asr.synth.corpus import SynthConfig, build_corpus
    from gru_asr.training.data import build_dataset, build_loader, read_manifests
    from gru_asr.training.module import CTCTrainingModule
    from gru_asr.training.train import model_config_from

    tmp = Path(tempfile.mkdtemp())
    build_corpus(tmp, SynthConfig(hours=0.2 if args.full else 0.05, seed=0))
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train", overrides=[f"data.num_workers={args.workers}", "data.waveform_augment.speeds=[0.9,1.0,1.1]"])
    data_cfg = OmegaConf.to_container(cfg.data, resolve=True)
    module = CTCTrainingModule(model_config_from(cfg), {"name": "adamw", "lr": 1e-3})
    model = module.model
    # The corpus listed COPIES times (the same files, new ids), so that batches are
    # as full as on a real corpus (batch_seconds of audio; a 3-minute corpus split
    # into 10 duration buckets gives 18 s batches) and an epoch is long enough
    # that refilling the worker's prefetch queue at each epoch start is amortized,
    # as it is in training. Each copy is decoded and augmented afresh.
    entries = read_manifests(str(tmp / "train.jsonl"))
    entries = [{**e, "id": f"{e['id']}#{c}"} for c in range(COPIES) for e in entries]
    dataset = build_dataset(model, entries, data_cfg, train=True)

    # One loader for the whole run, as in training: its worker starts once
    # (persistent_workers), not once per measured epoch.
    loader = build_loader(dataset, data_cfg, train=True, seed=0)
    next_epoch = iter(range(1_000_000))

    def loader_rate(features: bool, epochs: int = 1) -> float:
        t0, secs, n_batches = time.perf_counter(), 0.0, 0
        model.train()
        for _ in range(epochs):
            loader.batch_sampler.set_epoch(next(next_epoch))
            for b in loader:
                if not b["size"]:
                    continue
                if features:
                    with torch.no_grad():
                        feats, lens = model.frontend(b["audio"], b["audio_lens"])
                        for aug in model.augment:
                            feats = aug(feats, lens)
                secs += float(b["audio_lens"].sum()) / model.sample_rate
                n_batches += 1
        batch_secs.append(secs / max(n_batches, 1) / epochs)
        return secs / (time.perf_counter() - t0)

    batch_secs: list[float] = []
    # Training is timed on 8 batches of a shuffled epoch (epoch 1): epoch 0 is
    # SortaGrad's shortest-first, whose short utterances train faster per second.
    train_loader = build_loader(dataset, {**data_cfg, "num_workers": 0}, train=True, seed=0)
    train_loader.batch_sampler.set_epoch(1)
    batches = [b for b in train_loader if b["size"]][:8]
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def train_rate() -> float:
        t0, secs = time.perf_counter(), 0.0
        for b in batches:
            lp, ol = model(b["audio"], b["audio_lens"])
            loss = F.ctc_loss(lp.transpose(0, 1), b["tokens"], ol, b["token_lens"], zero_infinity=True, reduction="sum") / b["size"]
            opt.zero_grad()
            loss.backward()
            opt.step()
            secs += float(b["audio_lens"].sum()) / model.sample_rate
        return secs / (time.perf_counter() - t0)

    loader_rate(features=True, epochs=1)  # warm-up: worker start, page cache, resampler kernels
    # Loader and training measured in turn, three times: on a shared machine the
    # load drifts, and each ratio compares measurements taken moments apart.
    loader_rates, waveform_rates, train_rates = [], [], []
    for _ in range(3):
        loader_rates.append(loader_rate(features=True))
        waveform_rates.append(loader_rate(features=False))
        train_rates.append(train_rate())
    ratio = statistics.median(x / t for x, t in zip(loader_rates, train_rates))
    waveform_ratio = statistics.median(x / t for x, t in zip(waveform_rates, train_rates))
    a, b = statistics.median(loader_rates), statistics.median(train_rates)
    w = statistics.median(waveform_rates)
    print(f"loader, waveforms only (decode + speed perturb + collate, {args.workers} worker): {w:.1f} audio-s/s")
    print(f"loader (decode + speed perturb + collate + log-mel + SpecAugment, {args.workers} worker): {a:.1f} audio-s/s, "
          f"{statistics.median(batch_secs):.0f} audio-s per batch")
    print(f"training (default model bigru_small, {torch.get_num_threads()} threads): {b:.1f} audio-s/s")
    print(f"loader_waveforms_vs_training: {waveform_ratio:.1f}")
    print(f"loader_vs_training: {ratio:.1f}")


if __name__ == "__main__":
    main()
