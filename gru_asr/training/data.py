"""The data of a training run: :class:`SpeechDataModule` and the pieces it is made of.

``data`` is a :class:`~gru_asr.data.config.DataConfig` (a plain mapping is read
into one). ``data.source`` chooses the training source:

* ``manifest``: ``data.train`` is one manifest path, a list of paths (read as one
  corpus), or a list of weighted corpora ``{manifest: PATH or [PATHS], weight:
  FLOAT, name: STR}`` mixed per epoch by :mod:`gru_asr.data.mixing`;
* ``shards``: ``data.train`` is a shard folder (or its ``shards.jsonl``, or a list
  of them) written by ``gru-asr data shard``, streamed by :mod:`gru_asr.data.shard_reader`;
* ``auto`` (the default): ``shards`` when ``data.train`` names shard folders.

Either way items are made by :class:`~gru_asr.data.items.ItemMaker` and batches
planned by :mod:`gru_asr.data.batch_plan`. ``data.dev`` is one path, a list (paths
or ``{name, manifest}``) or a mapping ``{name: PATH or [PATHS]}``: one validation
loader per named dev set.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import lightning as L
import torch
from torch.utils.data import DataLoader

from gru_asr.data.augment import WaveformAugmenter
from gru_asr.data.config import DataConfig
from gru_asr.data.dataset import SpeechDataset, collate
from gru_asr.data.manifest import read_manifest
from gru_asr.data.mixing import MixedDurationBatchSampler
from gru_asr.data.sampler import DurationBatchSampler
from gru_asr.data.shard_reader import ShardedSpeechDataset, build_shard_loader
from gru_asr.data.shards import is_shard_index, read_shard_index
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
    """Entries of a manifest ``data.train`` in any of its forms (see the module docstring)."""
    corpora = train_corpora(spec)
    if corpora is not None:
        return read_corpora(corpora)
    paths = [spec] if isinstance(spec, (str, Path)) else list(spec)
    entries = []
    for p in paths:
        entries.extend(read_manifest(p))
    return entries


def train_source(data_cfg: DataConfig | Mapping) -> str:
    """``manifest`` or ``shards``: ``data.source``, or for ``auto`` what ``data.train`` names."""
    cfg = DataConfig.of(data_cfg)
    if cfg.source != "auto":
        return cfg.source
    return "shards" if is_shard_index(cfg.train) else "manifest"


def build_train_set(model: CTCModel, data_cfg: DataConfig | Mapping, seed: int = 0) -> SpeechDataset | ShardedSpeechDataset:
    """The training set of ``data.train``, from the source ``data.source`` chooses."""
    cfg = DataConfig.of(data_cfg)
    if train_source(cfg) == "manifest":
        return build_dataset(model, read_manifests(cfg.train), cfg, train=True, seed=seed)
    return _reported(ShardedSpeechDataset(read_shard_index(cfg.train), **_dataset_options(model, cfg, True, seed)))


def build_dataset(model: CTCModel, entries: list[dict], data_cfg: DataConfig | Mapping, train: bool, seed: int = 0) -> SpeechDataset:
    """A dataset of manifest entries (training limits and augmentation when ``train``)."""
    cfg = DataConfig.of(data_cfg)
    return _reported(SpeechDataset(entries, **_dataset_options(model, cfg, train, seed)))


def _dataset_options(model: CTCModel, cfg: DataConfig, train: bool, seed: int) -> dict:
    """What a dataset of either source makes its items with, and its duration limits."""
    if train:
        # Checked with the training data, before train() writes anything in exp_dir
        # (the loaders that use it are built only after that).
        resolve_num_workers(cfg.num_workers)
    augmenter = None
    if train and cfg.waveform_augment.active:
        augmenter = WaveformAugmenter(cfg.waveform_augment, model.sample_rate, seed)
    return dict(
        sample_rate=model.sample_rate,
        normalizer=model.normalizer,
        tokenizer=model.tokenizer,
        max_output_frames=model.max_output_frames,
        min_duration=cfg.min_duration if train else 0.0,
        max_duration=cfg.max_duration if train else float("inf"),
        augmenter=augmenter,
    )


def _reported(dataset):
    if len(dataset.report):
        log.warning("%s", dataset.report.summary())
    return dataset


def build_loader(dataset: SpeechDataset | ShardedSpeechDataset, data_cfg: DataConfig | Mapping, train: bool, seed: int, world_size: int = 1, rank: int = 0) -> DataLoader:
    """The loader of one dataset; for training with weighted corpora in
    ``data.train`` its batches come from a per-epoch weighted mixture, for a
    sharded source they stream shard by shard.
    ``data.num_workers: auto`` is resolved here (:func:`resolve_num_workers`); the
    training loader of rank 0 prints what it chose."""
    cfg = DataConfig.of(data_cfg)
    workers, why = resolve_num_workers(cfg.num_workers)
    if why and train and rank == 0:
        print(why, flush=True)  # gru-asr train shows no INFO logging; this choice must be visible
    cfg = dataclasses.replace(cfg, num_workers=workers)
    if train and train_source(cfg) == "shards":  # read shard by shard, rank/worker-aware
        return build_shard_loader(dataset, cfg, train, seed, world_size, rank)
    sampler_args = dict(
        max_seconds=cfg.batch_seconds,
        num_buckets=cfg.num_buckets,
        shuffle=train,
        seed=seed,
        sortagrad=cfg.sortagrad and train,
        max_batch_size=cfg.max_batch_size,
        world_size=world_size,
        rank=rank,
    )
    corpora = train_corpora(cfg.train) if train else None
    if corpora is None:
        sampler = DurationBatchSampler(dataset.durations, **sampler_args)
    else:
        sampler = _mixture_sampler(dataset, corpora, cfg.mix_epoch_seconds, sampler_args)
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


def build_dev_sets(model: CTCModel, data_cfg: DataConfig | Mapping) -> DevSets:
    """One dataset per dev set of ``data.dev``; ``data.monitor_dev`` names the
    monitored one (default: the first)."""
    cfg = DataConfig.of(data_cfg)
    groups, named = dev_manifests(cfg.dev)
    monitor = cfg.monitor_dev or groups[0].name
    if monitor not in [g.name for g in groups]:
        raise ConfigError(f"data.monitor_dev={monitor!r} is not a dev set; dev sets: {', '.join(g.name for g in groups)}")
    datasets = {}
    for g in groups:
        entries = [e for p in g.manifests for e in read_manifest(p)]
        datasets[g.name] = build_dataset(model, entries, cfg, train=False)
        if len(datasets[g.name]) == 0:
            raise ConfigError(f"dev set {g.name!r} ({', '.join(g.manifests)}) has no usable utterances")
    return DevSets(datasets, named, monitor)


def build_dev_loaders(dev: DevSets, data_cfg: DataConfig | Mapping, seed: int, world_size: int = 1, rank: int = 0) -> DataLoader | list[DataLoader]:
    """One loader per dev set; a single dev set gets its loader itself rather
    than a list of one, exactly as before dev sets could be named."""
    loaders = [build_loader(ds, data_cfg, train=False, seed=seed, world_size=world_size, rank=rank) for ds in dev.datasets.values()]
    return loaders[0] if len(loaders) == 1 else loaders


class SpeechDataModule(L.LightningDataModule):
    """The data of a training run: the training set from the source ``data.source``
    chooses, the dev sets, and their loaders, rank-aware.

    The datasets are built here, so a bad config or manifest fails before a run
    writes anything. ``train()`` builds the loaders with :meth:`build_loaders` once the
    Trainer knows the ranks and before ``fit``: a resumed run's callbacks restore the
    sampler's position at the start of ``fit``, so the sampler must exist by then.
    Used on its own (``trainer.fit(module, datamodule=...)``), it builds them when
    Lightning first asks, for the attached Trainer's ranks."""

    def __init__(self, model: CTCModel, data_cfg: DataConfig | Mapping, seed: int = 0):
        super().__init__()
        self.cfg = DataConfig.of(data_cfg)
        self.seed = seed
        self.source = train_source(self.cfg)
        self.train_set = build_train_set(model, self.cfg, seed)
        self.dev = build_dev_sets(model, self.cfg)
        self._train_loader = self._dev_loaders = None

    def build_loaders(self, world_size: int, rank: int, follow: Callable | None = None) -> None:
        """The loaders for this rank; ``follow`` wraps the training loader (the
        training data stream, which saves its position in checkpoints)."""
        loader = build_loader(self.train_set, self.cfg, train=True, seed=self.seed, world_size=world_size, rank=rank)
        self._train_loader = follow(loader) if follow is not None else loader  # one per run: it keeps the position
        self._dev_loaders = build_dev_loaders(self.dev, self.cfg, seed=self.seed, world_size=world_size, rank=rank)

    def _ensure_loaders(self) -> None:
        if self._train_loader is None:
            ranks = (self.trainer.world_size, self.trainer.global_rank) if self.trainer is not None else (1, 0)
            self.build_loaders(*ranks)

    def train_dataloader(self):
        self._ensure_loaders()
        return self._train_loader

    def val_dataloader(self) -> DataLoader | list[DataLoader]:
        self._ensure_loaders()
        return self._dev_loaders


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
