"""Reading a sharded corpus (:mod:`gru_asr.data.shards`) for training.

Three pieces:

* :class:`ShardedSpeechDataset` - the corpus as training sees it: which
  utterances take part (durations from ``shards.jsonl``; those outside the
  duration limits are reported by id), and random access by number for the few
  utterances the normalization statistics sample.
* :class:`ShardBatchStream` - an ``IterableDataset`` that reads the shards of
  one rank front to back and yields collated batches, planned by
  :mod:`gru_asr.data.batch_plan`: shards split over ranks and DataLoader
  workers (``torch.utils.data.get_worker_info()``), shard order shuffled per
  epoch, a shuffle buffer, dynamic bucketing bounded by padded seconds, and the
  same number of batches on every rank.
* :class:`ShardLoader` - the DataLoader over it. It tells the stream which
  epoch it is (also to persistent worker processes, through shared memory) and
  keeps the resume position (``set_epoch``, ``state_dict``, ``load_state_dict``:
  the interface :class:`~gru_asr.training.callbacks.TrainingDataStream` saves and restores).

Bad data never stops training: an utterance whose audio bytes do not decode,
whose JSON metadata does not parse, whose transcript is empty or untokenizable,
or that is missing from a damaged tar becomes an ``error`` item; the collate
function lists it in the batch's ``skipped`` and training counts and reports it
by id (:class:`gru_asr.data.dataset.SkipReport`).

Resume guarantee: the state is (epoch, batches trained in it; keys in
:mod:`gru_asr.data.batch_plan`), saved with each
checkpoint by :class:`~gru_asr.training.callbacks.TrainingDataStream`. Restoring it
replays the same epoch plan and leaves out that many batches (without decoding
them), so the resumed run trains exactly the batches, in the same order, that
the uninterrupted run would have. With another number of ranks, workers or
another seed the plan differs; the interrupted epoch then restarts from its
first batch.
"""

from __future__ import annotations

import bisect
import io
import json
import logging
import tarfile
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import soundfile as sf
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info

from gru_asr.audio import AudioError
from gru_asr.audio.resample import resample
from gru_asr.data.batch_plan import BatchingConfig, EpochPlan, Key, epoch_length, plan_epoch, position_state, read_position
from gru_asr.data.config import DataConfig
from gru_asr.data.dataset import SkipReport, collate
from gru_asr.data.items import ItemMaker, duration_outside
from gru_asr.data.shards import ShardIndex, ShardMember, read_shard_members

log = logging.getLogger(__name__)


@lru_cache(maxsize=64)
def _members(sidecar: str) -> tuple[ShardMember, ...]:
    return tuple(read_shard_members(sidecar))


@dataclass
class Payload:
    """The raw members of one utterance, or why they could not be read."""

    id: str
    meta: bytes | None = None
    audio: bytes | None = None
    source: str = ""  # "shard-000003.tar:utt1.flac", for messages
    error: str | None = None


def decode_audio_bytes(data: bytes, source: str, sample_rate: int) -> torch.Tensor:
    """Mono float32 samples at ``sample_rate`` from the bytes of an audio file."""
    if not data:
        raise AudioError(source, "audio member is empty (0 bytes)")
    try:
        samples, sr = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception as err:  # noqa: BLE001 - libsndfile raises several types
        msg = str(err).strip().splitlines()
        raise AudioError(source, f"not a readable audio file ({msg[-1] if msg else type(err).__name__})") from None
    samples = samples.mean(axis=1) if samples.shape[1] > 1 else samples[:, 0]
    if samples.size == 0:
        raise AudioError(source, "contains no audio samples")
    if not np.isfinite(samples).all():
        raise AudioError(source, "contains NaN or infinite samples")
    wav = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))
    return resample(wav, sr, sample_rate) if sr != sample_rate else wav


class ShardUtterances:
    """The utterances of one shard that take part: positions and durations,
    kept as two arrays (a 10,000-hour corpus has millions)."""

    def __init__(self, positions: Sequence[int], durations: Sequence[float]):
        self.positions = np.asarray(positions, dtype=np.int32)
        self.durations = np.asarray(durations, dtype=np.float64)

    def __len__(self) -> int:
        return len(self.positions)

    def __iter__(self) -> Iterator[tuple[int, float]]:
        return zip(self.positions.tolist(), self.durations.tolist())


class ShardedSpeechDataset(Dataset):
    """A sharded corpus: counts, skip report, random access (see module docstring)."""

    def __init__(
        self,
        index: ShardIndex,
        sample_rate: int,
        normalizer: Callable[[str], str],
        tokenizer,
        max_output_frames: Callable[[int], int] | None = None,
        min_duration: float = 0.0,
        max_duration: float = float("inf"),
        augmenter: Callable | None = None,
    ):
        self.shards = list(index)
        self.items = ItemMaker(sample_rate, normalizer, tokenizer, max_output_frames, augmenter)
        self.report = SkipReport()
        self.utterances: list[ShardUtterances] = []
        for info in self.shards:
            # The durations of shards.jsonl: no sidecar is opened here unless
            # a shard has utterances to report.
            durations = info.durations
            if durations is None:
                durations = np.array([m.duration for m in _members(str(info.index))])
            keep = (durations >= min_duration) & (durations <= max_duration)
            positions = np.flatnonzero(keep)
            if not keep.all():
                members = _members(str(info.index))
                for pos in np.flatnonzero(~keep).tolist():
                    self.report.add(members[pos].id, duration_outside(float(durations[pos]), min_duration, max_duration))
            self.utterances.append(ShardUtterances(positions, durations[positions]))
        self._starts = np.cumsum([0] + [len(u) for u in self.utterances]).tolist()

    def __len__(self) -> int:
        return self._starts[-1]

    def __getitem__(self, index: int) -> dict[str, Any]:
        """Random access (seek into the tar): for sampling, not for training."""
        if not 0 <= index < len(self):
            raise IndexError(index)
        s = bisect.bisect_right(self._starts, index) - 1
        pos = int(self.utterances[s].positions[index - self._starts[s]])
        return self.make_item(self._read_at(s, pos))

    def _read_at(self, shard: int, pos: int) -> Payload:
        info = self.shards[shard]
        m = _members(str(info.index))[pos]
        payload = Payload(m.id, source=f"{info.tar.name}:{m.audio[0]}")
        try:
            with open(info.tar, "rb") as f:
                parts = []
                for _, offset, size in (m.meta, m.audio):
                    f.seek(offset)
                    parts.append(f.read(size))
        except OSError as err:
            payload.error = f"shard {info.tar.name} unreadable ({err.strerror})"
            return payload
        if any(len(p) != size for p, (_, _, size) in zip(parts, (m.meta, m.audio))):
            payload.error = f"member(s) missing from {info.tar.name} (file shorter than its index)"
            return payload
        payload.meta, payload.audio = parts
        return payload

    def read_shard(self, shard: int, wanted: set[int]) -> Iterator[tuple[int, Payload]]:
        """Stream one tar front to back; yield ``(position, payload)`` exactly
        once for every wanted position, in tar order, an error payload for
        those a damaged tar no longer holds."""
        info = self.shards[shard]
        members = _members(str(info.index))
        part_of: dict[str, tuple[int, str]] = {}
        for pos in wanted:
            part_of[members[pos].meta[0]] = (pos, "meta")
            part_of[members[pos].audio[0]] = (pos, "audio")
        parts: dict[int, dict[str, bytes]] = defaultdict(dict)
        done: set[int] = set()
        failure = None
        try:
            # Mode "r:" reads the headers and seeks over the data of members
            # nobody asked for (utterances of batches already trained, on resume).
            with tarfile.open(info.tar, "r:") as tar:
                for ti in tar:
                    hit = part_of.get(ti.name)
                    if hit is None or not ti.isfile():
                        continue
                    pos, part = hit
                    parts[pos][part] = tar.extractfile(ti).read()
                    if len(parts[pos]) == 2:
                        got = parts.pop(pos)
                        done.add(pos)
                        yield pos, Payload(members[pos].id, got["meta"], got["audio"], f"{info.tar.name}:{members[pos].audio[0]}")
        except (tarfile.TarError, OSError, EOFError) as err:
            failure = f"shard {info.tar.name} unreadable ({err})"
        for pos in sorted(wanted - done):
            yield pos, Payload(members[pos].id, error=failure or f"member(s) missing from {info.tar.name}")

    def make_item(self, payload: Payload) -> dict[str, Any]:
        """The item of a shard member, made as every source's is (:class:`ItemMaker`);
        the transcript is only known once the member is read, so it is checked here."""
        if payload.error:
            return {"id": payload.id, "error": payload.error}
        try:
            meta = json.loads(payload.meta.decode("utf-8"))
            if not isinstance(meta, dict):
                raise ValueError("not an object")
        except (ValueError, UnicodeDecodeError):
            return {"id": payload.id, "error": "metadata is not valid JSON"}
        text, reason = self.items.transcript(str(meta.get("text", "")))
        if reason:
            return {"id": payload.id, "error": reason}
        return self.items.make_item(payload.id, text, partial(decode_audio_bytes, payload.audio, payload.source))


class ShardBatchStream(IterableDataset):
    """Collated batches of one rank, read shard by shard (see module docstring).

    Iterated in the main process it reads everything of the rank; in DataLoader
    workers each reads its own shards. ``num_workers`` must be the loader's.
    """

    def __init__(
        self,
        corpus: ShardedSpeechDataset,
        batching: BatchingConfig,
        seed: int = 0,
        world_size: int = 1,
        rank: int = 0,
        num_workers: int = 0,
    ):
        self.corpus = corpus
        self.batching = batching
        self.seed = seed
        self.world_size = world_size
        self.rank = rank
        self.num_workers = num_workers
        # (epoch, batches to leave out): written by the loader in the main
        # process, read by persistent worker processes at each new epoch.
        self._position = torch.zeros(2, dtype=torch.int64).share_memory_()
        self._plans: dict[int, EpochPlan] = {}
        # Every epoch has this many batches on every rank (fails here, not in
        # a worker, if the shards cannot feed every rank).
        self.length = epoch_length(corpus.utterances, batching, seed=seed, world_size=world_size, num_workers=max(1, num_workers))

    @property
    def layout(self) -> dict[str, int]:
        """What the plan depends on besides the epoch (a resumed run must match)."""
        return {"seed": self.seed, "world_size": self.world_size, "num_workers": self.num_workers}

    @property
    def epoch(self) -> int:
        return int(self._position[0])

    def set_epoch(self, epoch: int, skip_batches: int = 0) -> None:
        self._position[0] = epoch
        self._position[1] = skip_batches

    def plan(self, epoch: int) -> EpochPlan:
        if epoch not in self._plans:
            self._plans = {e: p for e, p in self._plans.items() if e == epoch - 1}  # keep memory flat
            plan = plan_epoch(
                self.corpus.utterances, self.batching, seed=self.seed, epoch=epoch,
                world_size=self.world_size, rank=self.rank, num_workers=max(1, self.num_workers), length=self.length,
            )
            if plan.dropped and get_worker_info() is None:
                log.warning("epoch %d: %d batch(es) of rank %d left out to keep %d batches per epoch", epoch, plan.dropped, self.rank, self.length)
            self._plans[epoch] = plan
        return self._plans[epoch]

    def __len__(self) -> int:
        """Batches per epoch of this rank (the same on every rank, every epoch)."""
        return self.length

    def __iter__(self) -> Iterator[dict[str, Any]]:
        info = get_worker_info()
        worker, workers = (0, 1) if info is None else (info.id, info.num_workers)
        return self.iter_worker(worker, workers)

    def iter_worker(self, worker: int, workers: int) -> Iterator[dict[str, Any]]:
        """The batches of one loader worker (``worker`` of ``workers``) for the
        current epoch, after the batches to leave out."""
        if workers != max(1, self.num_workers):
            raise RuntimeError(f"the shard plan is for {max(1, self.num_workers)} loader worker(s), read by {workers}")
        epoch, skip = int(self._position[0]), int(self._position[1])
        plan = self.plan(epoch)
        # After a resume mid-round the DataLoader starts its round at worker 0
        # again; handing worker 0 the plan of the worker whose turn it is (and
        # so on, cyclically) keeps the uninterrupted run's batch order.
        skips, first = plan.resume_point(skip)
        worker = (first + worker) % len(plan.batches)
        batches = plan.batches[worker][skips[worker]:]
        augmenter = self.corpus.items.augmenter
        if augmenter is not None and hasattr(augmenter, "rng"):
            # Each worker copy would otherwise draw the same augmentations.
            augmenter.rng.seed(f"{self.seed}:{epoch}:{self.rank}:{worker}")
        return self._execute(plan.shards[worker], batches)

    def _execute(self, shards: list[int], batches: list[list[Key]]) -> Iterator[dict[str, Any]]:
        """Read the shards in order; emit each batch, in plan order, once all of
        its utterances have been read (the plan bounds how many wait)."""
        batch_of: dict[Key, int] = {k: j for j, b in enumerate(batches) for k in b}
        wanted: dict[int, set[int]] = defaultdict(set)
        for s, pos in batch_of:
            wanted[s].add(pos)
        missing = [len(b) for b in batches]
        got: dict[Key, Payload] = {}
        next_batch = 0

        def complete() -> Iterator[dict[str, Any]]:
            nonlocal next_batch
            while next_batch < len(batches) and missing[next_batch] == 0:
                batch = batches[next_batch]
                next_batch += 1
                yield collate([self.corpus.make_item(got.pop(k)) for k in batch])

        yield from complete()
        for s in shards:
            if s not in wanted:
                continue
            for pos, payload in self.corpus.read_shard(s, wanted[s]):
                got[(s, pos)] = payload
                missing[batch_of[(s, pos)]] -= 1
                yield from complete()
        yield from complete()


def _unchanged(batch: dict[str, Any]) -> dict[str, Any]:
    """The stream yields collated batches already (a module-level function so
    that worker processes can unpickle it)."""
    return batch


class ShardLoader(DataLoader):
    """The DataLoader of a :class:`ShardBatchStream`: each iteration is the
    next epoch; keeps the resume position.

    It offers the interface :class:`~gru_asr.training.callbacks.TrainingDataStream` uses
    (``set_epoch``, ``state_dict(batches_consumed)``, ``load_state_dict``),
    which saves the position with each checkpoint and restores it before the
    first batch is read. Lightning also stores it with the loop state
    (resumable-loader protocol), but restores that only into a loader set up
    after the checkpoint is loaded, which never happens in gru_asr's training:
    the learning-rate schedule asks for the loader's length first.
    """

    def __init__(self, stream: ShardBatchStream):
        workers = stream.num_workers
        super().__init__(
            stream,
            batch_size=None,
            collate_fn=_unchanged,
            num_workers=workers,
            persistent_workers=workers > 0,
            prefetch_factor=4 if workers > 0 else None,
        )
        self._next_epoch, self._skip = stream.epoch, 0
        self._current: int | None = None  # the epoch being iterated
        self._handed_out = 0

    def set_epoch(self, epoch: int) -> None:
        """The epoch the next iteration reads (from its first batch)."""
        self._next_epoch, self._skip = epoch, 0

    def __len__(self) -> int:
        return len(self.dataset)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self._epoch()

    def _epoch(self) -> Iterator[dict[str, Any]]:
        # A generator: nothing happens until the first batch is asked for.
        # Lightning creates the iterator of the first (or resumed) epoch before
        # it restores a checkpoint, so the epoch and the batches to leave out
        # are read only now; the stream learns them before the DataLoader
        # starts (or resumes) its workers, which read them then.
        epoch, skip = self._next_epoch, self._skip
        self.dataset.set_epoch(epoch, skip)
        self._next_epoch, self._skip = epoch + 1, 0
        self._current, self._handed_out = epoch, skip
        for batch in super().__iter__():
            self._handed_out += 1
            yield batch

    def state_dict(self, batches_consumed: int | None = None) -> dict[str, int]:
        """``batches_consumed``: what the training loop actually trained on in
        the current epoch, if it knows (default: the batches handed out)."""
        if self._current is None:
            epoch, done = self._next_epoch, self._skip
        else:
            epoch, done = self._current, self._handed_out if batches_consumed is None else batches_consumed
        return position_state(epoch, done, self.dataset.layout)

    def load_state_dict(self, state: dict[str, int]) -> None:
        epoch, done = read_position(state, self.dataset.layout)
        if done >= len(self.dataset):
            epoch, done = epoch + 1, 0
        self._next_epoch, self._skip, self._current = epoch, done, None


def build_shard_loader(dataset: ShardedSpeechDataset, cfg: DataConfig, train: bool, seed: int, world_size: int = 1, rank: int = 0) -> ShardLoader:
    """The loader for a sharded ``data.train``; ``cfg.num_workers`` is a resolved count."""
    batching = BatchingConfig(
        max_seconds=cfg.batch_seconds,
        max_batch_size=cfg.max_batch_size,
        shuffle_buffer=cfg.shard_shuffle_buffer,
        bucket_buffer=cfg.shard_bucket_buffer,
        shuffle=train,
    )
    if train and cfg.sortagrad:
        log.info("data.sortagrad does not apply to sharded data (batches stream in shard order)")
    stream = ShardBatchStream(dataset, batching, seed=seed, world_size=world_size, rank=rank, num_workers=int(cfg.num_workers))
    return ShardLoader(stream)
