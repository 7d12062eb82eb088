"""Data loaders for training: datasets from manifests, bucketed batch samplers.

``data.train`` is one manifest path, a list of paths (read as one corpus), or a
list of weighted corpora ``{manifest: PATH or [PATHS], weight: FLOAT, name: STR}``
mixed per epoch by :mod:`gru_asr.data.mixing`. A shard folder (or its
``shards.jsonl``, or a list of them) written by ``gru-asr data shard`` is
streamed by :mod:`gru_asr.data.shard_reader` instead. ``data.dev`` is one path, a list
(paths or ``{name, manifest}``) or a mapping ``{name: PATH or [PATHS]}``: one
validation loader per named dev set.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from gru_asr.data.augment import WaveformAugmentConfig, WaveformAugmenter
from gru_asr.data.dataset import SpeechDataset, collate
from gru_asr.data.manifest import read_manifest
from gru_asr.data.mixing import MixedDurationBatchSampler
from gru_asr.data.sampler import DurationBatchSampler
from gru_asr.data.shard_reader import ShardedSpeechDataset, build_shard_loader
from gru_asr.data.shards import ShardIndex, is_shard_index, read_shard_index
from gru_asr.frontends.base import accumulate_stats
from gru_asr.models import CTCModel
from gru_asr.schemas import ConfigError

log = logging.getLogger(__name__)

CORPUS_FIELD = "corpus"  # the name of its corpus, added to the entries of a mixture
AUTO_WORKERS = "auto"  # data.num_workers: loader processes chosen from the CPUs this process may use
AUTO_MAX_WORKERS = 4  # enough to keep one GPU fed with the shipped loader (decode + waveform augmentation)


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask: a container's or taskset's share,
    not the machine's count, which os.cpu_count() would give)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def resolve_num_workers(value, cpus: int | None = None) -> tuple[int, str | None]:
    """Loader processes for ``data.num_workers``, and for ``auto`` the line that says why.

    ``auto``: none on 2 CPUs or fewer, where a worker process competes with the training
    threads for the same cores (tools/bench/train_throughput.py measured 0.61x of the bare
    loop with one worker on 2 cores, 1.02x without); otherwise half the CPUs, at most
    ``AUTO_MAX_WORKERS``. A whole number >= 0 is taken as it is; a missing value is 0.
    """
    if value is None:
        return 0, None
    if isinstance(value, str) and value.strip().lower() == AUTO_WORKERS:
        cpus = usable_cpus() if cpus is None else int(cpus)
        if cpus <= 2:
            n = 0
            why = f"a worker would compete with the {torch.get_num_threads()} training threads"
        else:
            n = min(AUTO_MAX_WORKERS, cpus // 2)
            why = f"half the CPUs, at most {AUTO_MAX_WORKERS}"
        noun = "process" if n == 1 else "processes"
        return n, f"data.num_workers=auto: {n} loader {noun} on {cpus} CPUs ({why}); set data.num_workers=N to override"
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"data.num_workers: expected {AUTO_WORKERS!r} or a whole number >= 0 (loader processes), got {value!r}")
    return value, None


@dataclass(frozen=True)
class ManifestGroup:
    """A named corpus or dev set: one or more manifests read as one."""

    name: str
    manifests: tuple[str, ...]
    weight: float = 1.0


def _paths(value, where: str) -> tuple[str, ...]:
    paths = (value,) if isinstance(value, (str, Path)) else tuple(value or ())
    if not paths or not all(isinstance(p, (str, Path)) for p in paths):
        raise ConfigError(f"{where}: expected a manifest path or a list of paths, got {value!r}")
    return tuple(str(p) for p in paths)


def _folder_name(path: str) -> str:
    """``data/an4/train.jsonl`` -> ``an4``: corpora are usually one folder each."""
    return Path(path).parent.name or Path(path).stem


def _group(item, where: str, keys: tuple[str, ...]) -> ManifestGroup:
    if isinstance(item, (str, Path)):
        return ManifestGroup(_folder_name(str(item)), (str(item),))
    if not isinstance(item, Mapping) or "manifest" not in item:
        raise ConfigError(f"{where}: each entry needs a 'manifest' (and optionally {', '.join(k for k in keys if k != 'manifest')}), got {item!r}")
    unknown = set(item) - set(keys)
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))} in {dict(item)!r}")
    paths = _paths(item["manifest"], where)
    try:
        weight = float(item.get("weight", 1.0))
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: weight must be a number, got {item.get('weight')!r}") from None
    if weight <= 0:
        raise ConfigError(f"{where}: weight must be positive, got {weight} for {paths[0]}")
    return ManifestGroup(str(item.get("name") or _folder_name(paths[0])), paths, weight)


def _unique(groups: list[ManifestGroup], where: str) -> list[ManifestGroup]:
    names = [g.name for g in groups]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(f"{where}: several entries are named {', '.join(dup)}; give each a distinct 'name'")
    return groups


def train_corpora(spec) -> list[ManifestGroup] | None:
    """The weighted corpora of ``data.train``; ``None`` for the classic forms
    (one path, or a list of plain paths concatenated into one corpus)."""
    if spec is None or isinstance(spec, (str, Path)):
        return None
    if isinstance(spec, Mapping):
        raise ConfigError("data.train: give weighted corpora as a list, [{manifest: PATH, weight: 1.0}, ...]")
    items = list(spec)
    if all(isinstance(x, (str, Path)) for x in items):
        return None
    return _unique([_group(x, "data.train", ("manifest", "weight", "name")) for x in items], "data.train")


def dev_manifests(spec) -> tuple[list[ManifestGroup], bool]:
    """The dev sets of ``data.dev`` in loader order, and whether they are named
    (a list or mapping) rather than the classic single path."""
    if isinstance(spec, (str, Path)):
        return [ManifestGroup("dev", (str(spec),))], False
    if isinstance(spec, Mapping):
        groups = [ManifestGroup(str(name), _paths(paths, f"data.dev.{name}")) for name, paths in spec.items()]
    else:
        groups = [_group(x, "data.dev", ("manifest", "name")) for x in list(spec or ())]
    if not groups:
        raise ConfigError("data.dev: no dev manifest given")
    return _unique(groups, "data.dev"), True


def read_corpora(groups: list[ManifestGroup]) -> list[dict]:
    """Entries of several corpora, each tagged with its corpus name."""
    return [{**e, CORPUS_FIELD: g.name} for g in groups for p in g.manifests for e in read_manifest(p)]


def read_manifests(spec) -> list[dict]:
    """Entries of ``data.train`` in any of its forms (see the module docstring)."""
    if is_shard_index(spec):  # sharded corpus: its shard list; utterances stream (gru_asr.data.shard_reader)
        return read_shard_index(spec)
    corpora = train_corpora(spec)
    if corpora is not None:
        return read_corpora(corpora)
    paths = [spec] if isinstance(spec, (str, Path)) else list(spec)
    entries = []
    for p in paths:
        entries.extend(read_manifest(p))
    return entries


def build_dataset(model: CTCModel, entries: list[dict], data_cfg: dict, train: bool, seed: int = 0) -> SpeechDataset:
    if train:
        # Checked with the training data, before train() writes anything in exp_dir
        # (the loaders that use it are built only after that).
        resolve_num_workers(data_cfg.get("num_workers"))
    augmenter = None
    aug = data_cfg.get("waveform_augment") if train else None
    if aug and (aug.get("speeds", [1.0]) != [1.0] or aug.get("gain_db") or aug.get("noise_prob")):
        augmenter = WaveformAugmenter(WaveformAugmentConfig(**aug), model.sample_rate, seed)
    dataset_class = ShardedSpeechDataset if isinstance(entries, ShardIndex) else SpeechDataset  # sharded data.train
    return dataset_class(
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
    """The loader of one dataset; for training with weighted corpora in
    ``data.train`` its batches come from a per-epoch weighted mixture.
    ``data.num_workers: auto`` is resolved here (:func:`resolve_num_workers`); the
    training loader of rank 0 prints what it chose."""
    workers, why = resolve_num_workers(data_cfg.get("num_workers"))
    if why and train and rank == 0:
        print(why, flush=True)  # gru-asr train shows no INFO logging; this choice must be visible
    data_cfg = {**data_cfg, "num_workers": workers}
    if isinstance(dataset, ShardedSpeechDataset):  # sharded data.train: read shard by shard, rank/worker-aware
        return build_shard_loader(dataset, data_cfg, train, seed, world_size, rank)
    sampler_args = dict(
        max_seconds=float(data_cfg["batch_seconds"]),
        num_buckets=int(data_cfg.get("num_buckets", 10)),
        shuffle=train,
        seed=seed,
        sortagrad=bool(data_cfg.get("sortagrad", False)) and train,
        max_batch_size=data_cfg.get("max_batch_size"),
        world_size=world_size,
        rank=rank,
    )
    corpora = train_corpora(data_cfg.get("train")) if train else None
    if corpora is None:
        sampler = DurationBatchSampler(dataset.durations, **sampler_args)
    else:
        sampler = _mixture_sampler(dataset, corpora, data_cfg.get("mix_epoch_seconds"), sampler_args)
        if rank == 0:
            log.info("%s", sampler.describe())
    return DataLoader(
        dataset,
        batch_sampler=sampler,
        collate_fn=collate,
        num_workers=workers,
        persistent_workers=workers > 0,
        prefetch_factor=4 if workers > 0 else None,
    )


def _mixture_sampler(dataset: SpeechDataset, corpora: list[ManifestGroup], epoch_seconds, sampler_args: dict) -> MixedDurationBatchSampler:
    names = [g.name for g in corpora]
    index = {name: k for k, name in enumerate(names)}
    try:
        corpus_of = [index[e[CORPUS_FIELD]] for e in dataset.entries]
    except KeyError:
        raise ValueError("the training entries carry no corpus names: read them with read_manifests(data.train)") from None
    return MixedDurationBatchSampler(
        dataset.durations,
        corpus_of,
        [g.weight for g in corpora],
        names=names,
        epoch_seconds=None if epoch_seconds is None else float(epoch_seconds),
        **sampler_args,
    )


@dataclass
class DevSets:
    """The validation sets, in the order of their loaders."""

    datasets: dict[str, SpeechDataset]
    named: bool  # False for a single dev path: metrics are logged as val_wer/val_cer/val_loss only
    monitored: str  # the set whose metrics checkpointing and early stopping watch

    @property
    def log_names(self) -> list[str] | None:
        """Names for per-set metrics; None for the classic single dev path."""
        return list(self.datasets) if self.named else None

    @property
    def monitor(self) -> str | None:
        """The monitored set among ``log_names`` (None when those are None)."""
        return self.monitored if self.named else None


def build_dev_sets(model: CTCModel, data_cfg: dict) -> DevSets:
    """One dataset per dev set of ``data.dev``; ``data.monitor_dev`` names the
    monitored one (default: the first)."""
    groups, named = dev_manifests(data_cfg["dev"])
    monitor = data_cfg.get("monitor_dev") or groups[0].name
    if monitor not in [g.name for g in groups]:
        raise ConfigError(f"data.monitor_dev={monitor!r} is not a dev set; dev sets: {', '.join(g.name for g in groups)}")
    datasets = {}
    for g in groups:
        entries = [e for p in g.manifests for e in read_manifest(p)]
        datasets[g.name] = build_dataset(model, entries, data_cfg, train=False)
        if len(datasets[g.name]) == 0:
            raise ConfigError(f"dev set {g.name!r} ({', '.join(g.manifests)}) has no usable utterances")
    return DevSets(datasets, named, monitor)


def build_dev_loaders(dev: DevSets, data_cfg: dict, seed: int, world_size: int = 1, rank: int = 0) -> DataLoader | list[DataLoader]:
    """One loader per dev set; a single dev set gets its loader itself rather
    than a list of one, exactly as before dev sets could be named."""
    loaders = [build_loader(ds, data_cfg, train=False, seed=seed, world_size=world_size, rank=rank) for ds in dev.datasets.values()]
    return loaders[0] if len(loaders) == 1 else loaders


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
