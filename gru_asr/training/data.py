"""Data loaders for training: datasets from manifests, bucketed batch samplers."""

from __future__ import annotations

import random

import torch
from torch.utils.data import DataLoader

from gru_asr.data.augment import WaveformAugmentConfig, WaveformAugmenter
from gru_asr.data.dataset import SpeechDataset, collate
from gru_asr.data.manifest import read_manifest
from gru_asr.data.sampler import DurationBatchSampler
from gru_asr.frontends.base import accumulate_stats
from gru_asr.models import CTCModel


def read_manifests(paths) -> list[dict]:
    paths = [paths] if isinstance(paths, str) else list(paths)
    entries = []
    for p in paths:
        entries.extend(read_manifest(p))
    return entries


def build_dataset(model: CTCModel, entries: list[dict], data_cfg: dict, train: bool, seed: int = 0) -> SpeechDataset:
    augmenter = None
    aug = data_cfg.get("waveform_augment") if train else None
    if aug and (aug.get("speeds", [1.0]) != [1.0] or aug.get("gain_db") or aug.get("noise_prob")):
        augmenter = WaveformAugmenter(WaveformAugmentConfig(**aug), model.sample_rate, seed)
    return SpeechDataset(
        entries,
        sample_rate=model.sample_rate,
        normalizer=model.normalizer,
        tokenizer=model.tokenizer,
        max_output_frames=model.max_output_frames,
        min_duration=float(data_cfg.get("min_duration", 0.0)) if train else 0.0,
        max_duration=float(data_cfg.get("max_duration", 1e9)) if train else 1e9,
        augmenter=augmenter,
    )


def build_loader(dataset: SpeechDataset, data_cfg: dict, train: bool, seed: int, world_size: int = 1, rank: int = 0) -> DataLoader:
    sampler = DurationBatchSampler(
        dataset.durations,
        max_seconds=float(data_cfg["batch_seconds"]),
        num_buckets=int(data_cfg.get("num_buckets", 10)),
        shuffle=train,
        seed=seed,
        sortagrad=bool(data_cfg.get("sortagrad", False)) and train,
        max_batch_size=data_cfg.get("max_batch_size"),
        world_size=world_size,
        rank=rank,
    )
    workers = int(data_cfg.get("num_workers", 0))
    return DataLoader(
        dataset,
        batch_sampler=sampler,
        collate_fn=collate,
        num_workers=workers,
        persistent_workers=workers > 0,
        prefetch_factor=4 if workers > 0 else None,
    )


@torch.no_grad()
def compute_normalization_stats(model: CTCModel, dataset: SpeechDataset, max_utterances: int = 500, seed: int = 0) -> None:
    """Global feature mean/std from (a sample of) the training set, stored in the front-end."""
    if model.frontend.normalize != "global":
        return
    idx = list(range(len(dataset)))
    random.Random(seed).shuffle(idx)

    def batches():
        for i in idx[:max_utterances]:
            item = dataset[i]
            if "error" not in item:
                yield item["audio"].unsqueeze(0), torch.tensor([item["audio"].numel()])

    was_training = model.frontend.training
    model.frontend.eval()
    mean, std = accumulate_stats(model.frontend, batches())
    model.frontend.train(was_training)
    model.frontend.set_stats(mean, std)
