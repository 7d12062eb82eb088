"""Does the data loader starve training? Measured the way a user trains: concurrently.

The user's case first. A training loop in the main process (the shipped model's
forward, CTC loss, backward, clipping, AdamW) consumes batches from the DataLoader
with the shipped worker setting (``data.num_workers`` of `make demo`'s config, as
gru_asr/training/data.py resolves it on this machine), reading real audio that is not
in the page cache: before each round every file is dropped from the cache with
``posix_fadvise(POSIX_FADV_DONTNEED)`` (no root needed). The same loop on the same
batches already in memory gives the reference rate. Headline: training audio-s/s with
the real loader / with pre-loaded batches (>= 0.9: the loader does not starve training).

Real audio: Mini LibriSpeech train-clean-5 (Ogg Opus) or AN4 (WAV) from ../shared/data
(``--corpus``); where that folder is missing, synthetic speech written to a temp folder
(the script says so).

For reference, after it: the old figure ``loader_vs_training``, the loader alone
(decode, waveform augmentation, collation, then the model's log-mel and SpecAugment on
the delivered batches; files in the page cache) against training alone on pre-loaded
batches, measured in turn. Every figure is a median over rounds; each round measures
its pair back to back.
Usage: .venv/bin/python tools/bench/dataloader.py [--full] [--corpus mini_librispeech|an4|synth]
       [--workers N] [--experiment demo --config-dir recipes/synth/conf]
Last line: `training_with_loader_vs_preloaded: R`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import soundfile as sf
import torch
import torch.nn.functional as F
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
CORPORA = {"mini_librispeech": "mini-librispeech", "an4": "an4"}


def librispeech_utterances(root: Path) -> list[tuple[str, Path, str]]:
    found = []
    for trans in sorted(root.glob("LibriSpeech/train-clean-5/*/*/*.trans.txt")):
        for line in trans.read_text().splitlines():
            uid, _, text = line.partition(" ")
            found.extend((uid, p, text) for p in trans.parent.glob(f"{uid}.*") if p.suffix != ".txt")
    return found


def an4_utterances(root: Path) -> list[tuple[str, Path, str]]:
    found = []
    for line in (root / "etc/an4_train.transcription").read_text().splitlines():
        text, _, uid = line.rpartition("(")
        uid = uid.strip(" )")
        text = text.replace("<s>", "").replace("</s>", "").strip()
        found.append((uid, root / "wav/an4_clstk" / uid.split("-")[1] / f"{uid}.wav", text))
    return found


def real_entries(corpus: str, seconds: float, max_duration: float) -> list[dict]:
    """Utterances drawn at random (fixed seed) from many speakers until ``seconds``."""
    root = SHARED / CORPORA[corpus]
    utts = librispeech_utterances(root) if corpus == "mini_librispeech" else an4_utterances(root)
    random.Random(0).shuffle(utts)
    entries, total = [], 0.0
    for uid, path, text in utts:
        if total >= seconds:
            break
        duration = sf.info(str(path)).duration
        if duration <= max_duration:
            entries.append({"id": uid, "audio": str(path), "text": text, "duration": duration})
            total += duration
    return entries


def synthetic_entries(seconds: float) -> list[dict]:
    from gru_asr.data.manifest import read_manifest
    from gru_asr.synth.corpus import SynthConfig, build_corpus

    tmp = Path(tempfile.mkdtemp())
    build_corpus(tmp, SynthConfig(hours=seconds / 3600 * 1.15, seed=0))  # ~85 % of it is train
    return read_manifest(str(tmp / "train.jsonl"))


def drop_from_page_cache(paths: list[str]) -> None:
    """Evict the files' pages, so that the next read comes from the disk as in a real
    epoch over a corpus larger than memory."""
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="about 15 minutes of audio a round and 5 rounds")
    ap.add_argument("--corpus", choices=[*CORPORA, "synth"], default="mini_librispeech")
    ap.add_argument("--workers", type=int, default=None, help="loader processes (default: the shipped data.num_workers, resolved here)")
    ap.add_argument("--experiment", default="demo", help="the recipe experiment whose model and data settings are used")
    ap.add_argument("--config-dir", type=Path, default=ROOT / "recipes/synth/conf")
    args = ap.parse_args()
    rounds, seconds = (5, 900.0) if args.full else (3, 240.0)

    from gru_asr.training.data import build_dataset, build_loader, resolve_num_workers
    from gru_asr.training.module import CTCTrainingModule
    from gru_asr.training.train import model_config_from

    torch.manual_seed(0)
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train", overrides=[f"hydra.searchpath=[file://{args.config_dir.resolve()}]", f"experiment={args.experiment}"])
    data_cfg = OmegaConf.to_container(cfg.data, resolve=True)
    if args.workers is None:
        workers, why = resolve_num_workers(data_cfg.get("num_workers"))
        setting = f"data.num_workers={data_cfg.get('num_workers')} -> {workers} (shipped)"
    else:
        workers, why, setting = args.workers, None, f"data.num_workers={args.workers} (--workers)"
    model = CTCTrainingModule(model_config_from(cfg), {"name": "adamw", "lr": 1e-3}).model

    corpus = args.corpus
    if corpus != "synth" and not (SHARED / CORPORA[corpus]).is_dir():
        print(f"{SHARED / CORPORA[corpus]} is missing: falling back to synthetic speech in a temp folder (page cache dropped the same way)")
        corpus = "synth"
    entries = synthetic_entries(seconds) if corpus == "synth" else real_entries(corpus, seconds, float(data_cfg.get("max_duration", 1e9)))
    files = sorted({e["audio"] for e in entries})
    dataset = build_dataset(model, entries, data_cfg, train=True)
    loader = build_loader(dataset, {**data_cfg, "num_workers": workers}, train=True, seed=0)  # one for the run, as in training

    # Epoch 1 (shuffled) for every pass: epoch 0 is SortaGrad's shortest-first.
    EPOCH = 1
    preload = build_loader(dataset, {**data_cfg, "num_workers": 0}, train=True, seed=0)
    preload.batch_sampler.set_epoch(EPOCH)
    batches = [b for b in preload if b["size"]]
    audio_s = sum(float(b["audio_lens"].sum()) for b in batches) / model.sample_rate
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    clip = float(cfg.trainer.get("gradient_clip_val") or 5.0)
    model.train()

    def step(b) -> None:
        lp, ol = model(b["audio"], b["audio_lens"])
        loss = F.ctc_loss(lp.transpose(0, 1), b["tokens"], ol, b["token_lens"], zero_infinity=True, reduction="sum") / b["size"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()

    def train_with_loader() -> float:
        """The user's case: training pulls each batch from the loader, files uncached."""
        drop_from_page_cache(files)
        loader.batch_sampler.set_epoch(EPOCH)
        t0, secs = time.perf_counter(), 0.0
        for b in loader:
            if b["size"]:
                step(b)
                secs += float(b["audio_lens"].sum()) / model.sample_rate
        return secs / (time.perf_counter() - t0)

    def train_preloaded() -> float:
        t0 = time.perf_counter()
        for b in batches:
            step(b)
        return audio_s / (time.perf_counter() - t0)

    def loader_alone() -> float:
        """The old figure's loader side: batches and features only, files cached."""
        loader.batch_sampler.set_epoch(EPOCH)
        t0, secs = time.perf_counter(), 0.0
        with torch.no_grad():
            for b in loader:
                if b["size"]:
                    feats, lens = model.frontend(b["audio"], b["audio_lens"])
                    for aug in model.augment:
                        feats = aug(feats, lens)
                    secs += float(b["audio_lens"].sum()) / model.sample_rate
        return secs / (time.perf_counter() - t0)

    train_preloaded()  # warm-up: allocator, kernels, (with workers) the worker's start
    with_loader, preloaded, alone, ratios, old_ratios = [], [], [], [], []
    for r in range(rounds):
        a, b = train_with_loader(), train_preloaded()
        x = loader_alone()  # train_with_loader() has read the files back into the page cache
        with_loader.append(a), preloaded.append(b), alone.append(x), ratios.append(a / b), old_ratios.append(x / b)
        print(f"round {r + 1}: training with the loader {a:6.1f} audio-s/s, pre-loaded {b:6.1f} ({a / b:.3f}); loader alone {x:7.1f}", flush=True)

    label = {"mini_librispeech": "Mini LibriSpeech train-clean-5 (Ogg Opus)", "an4": "AN4 train (16-bit WAV)",
             "synth": "synthetic speech (WAV, temp folder)"}[corpus]
    print(f"corpus: {label}, {len(files)} files, {audio_s:.0f} s of audio in {len(batches)} batches a round, "
          f"page cache dropped before every round; medians of {rounds} rounds")
    print(f"model and data settings: experiment={args.experiment}, encoder {cfg.encoder.name} (hidden {cfg.encoder.get('hidden_size')}), "
          f"batch_seconds {data_cfg['batch_seconds']}, speeds {data_cfg.get('waveform_augment', {}).get('speeds')}, "
          f"{setting}; {torch.get_num_threads()} training threads")
    if why:
        print(why)
    print(f"training with the real loader: {statistics.median(with_loader):.1f} audio-s/s; "
          f"on pre-loaded batches: {statistics.median(preloaded):.1f} audio-s/s")
    print(f"reference (the old figure, measured in turn, files cached): loader alone {statistics.median(alone):.1f} audio-s/s")
    print(f"loader_vs_training: {statistics.median(old_ratios):.1f}")
    print(f"training_with_loader_vs_preloaded: {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
