"""The one batch planner: which utterances form which batch, on which rank, in what order.

Pure functions of durations, options, seed and epoch: every rank and every
loader worker computes the same plan, so nobody needs to talk to anybody, and a
resumed run replays an epoch exactly. Its users are thin:
:class:`~gru_asr.data.sampler.DurationBatchSampler` (a manifest in memory),
:class:`~gru_asr.data.mixing.MixedDurationBatchSampler` (a weighted draw from
several corpora, planned like one manifest) and
:class:`~gru_asr.data.shard_reader.ShardBatchStream` (tar shards, streamed).

Shared by all of them:

* **Cutting** (:func:`cut_batches`): utterances in a given order are filled
  greedily into batches whose *padded* size (longest x count) stays within
  ``max_seconds`` (and within ``max_batch_size``); a longer utterance goes alone.
* **Rank evening** (:func:`split_largest`): DDP waits at every step for all
  ranks, so every rank must get equally many batches. Batches are split in two,
  the largest first, until the count is reached; nothing is dropped or repeated.
* **Resume state** (:func:`position_state`, :func:`read_position`), saved with
  every checkpoint under ``sampler``::

      {"epoch": 3,                # the epoch being trained
       "batches_consumed": 120,   # batches of it this rank trained
       "seed": 0, "world_size": 2,  # what the plan depends on besides the epoch
       "num_workers": 2,          # streamed shards only (workers split the shards)
       "mixture": {...}}          # weighted corpora only (names, weights, epoch_seconds)

  Restoring it replays the same plan and leaves out the consumed batches. If
  what the plan depends on changed (another number of ranks, say), the
  interrupted epoch restarts from its first batch, with a warning. Checkpoints of
  sharded runs written before the planner was shared name the count ``batches``;
  they load.

**A manifest in memory** (:func:`plan_in_memory`): the epoch's utterances are
sorted by duration and cut into ``num_buckets`` buckets of equal count; each
bucket is shuffled (seeded by seed and epoch) and cut into batches; the batch
order is shuffled (sorted shortest first in the SortaGrad epoch 0). The global
list is made a multiple of the number of ranks and rank ``r`` takes batches
``r, r + world_size, ...``. An evaluation set too small to split (no shuffling)
repeats its first batch instead, as ``DistributedSampler`` pads.

**Streamed shards** (:func:`plan_epoch`): nothing is held in memory but durations.

1. **Shard order**: all shards, shuffled per epoch.
2. **Shards to ranks, then to workers**: in that order, each shard goes to the
   rank with the fewest seconds so far, and within the rank to the worker with
   the fewest seconds so far. Every shard is read by exactly one worker of one
   rank, so every utterance is read exactly once per epoch.
3. **Batches per worker**: its utterances, shard after shard, pass a shuffle
   buffer (a random one of ``shuffle_buffer`` leaves as each new one arrives)
   into a bucketing pool; when the pool holds ``bucket_buffer`` utterances they
   are sorted by duration, cut into batches, and those leave in random order.
   This is dynamic bucketing over a sliding window, as lhotse's streaming
   ``DynamicBucketingSampler`` does.
4. **Equal counts per rank**: each rank knows every rank's count; one that is
   short of the largest splits its biggest batches and, only if no batch is left
   to split, adds empty batches, which train as a zero-gradient step.
5. **The same count every epoch**: Lightning reads the length once, so every
   epoch is padded (as in 4) to one length, fixed before epoch 0 with a margin
   for the epoch-to-epoch variation (:func:`epoch_length`). An epoch that
   would still come out longer is drawn again; only if eight draws all do are
   its surplus batches left out, with a warning.

The reader executes the plan while streaming: it keeps an utterance's bytes from
the moment it is read until its batch is complete, which the two buffers bound.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import random
from dataclasses import dataclass
from typing import Hashable, Iterable, Iterator, Sequence, TypeVar

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)  # what a batch holds: dataset indices, or (shard, position) keys
Key = tuple[int, int]  # (shard number, position of the utterance in the shard)


@dataclass(frozen=True)
class BatchingConfig:
    max_seconds: float  # padded seconds per batch (longest utterance x count)
    max_batch_size: int | None = None
    shuffle: bool = True  # False: a fixed order, no shuffling (evaluation)
    sortagrad: bool = False  # in memory: epoch 0 shortest batches first
    num_buckets: int = 10  # in memory: equal-count duration buckets
    shuffle_buffer: int = 500  # streamed: utterances; 0 or 1 turns the buffer off
    bucket_buffer: int = 500  # streamed: utterances sorted together before cutting into batches

    def __post_init__(self) -> None:
        if self.max_seconds <= 0:
            raise ValueError("max_seconds must be positive")
        if self.bucket_buffer < 1:
            raise ValueError("bucket_buffer must be at least 1")


# --------------------------------------------------------------------------- shared steps


def cut_batches(items: Iterable[tuple[K, float]], max_seconds: float, max_batch_size: int | None) -> list[list[K]]:
    """Greedy batches of ``(key, duration)`` in the order given, padded size within ``max_seconds``."""
    batches, cur, longest = [], [], 0.0
    for key, dur in items:
        grown = max(longest, dur)
        full = max_batch_size is not None and len(cur) >= max_batch_size
        if cur and (grown * (len(cur) + 1) > max_seconds or full):
            batches.append(cur)
            cur, grown = [], dur
        cur.append(key)
        longest = grown
    if cur:
        batches.append(cur)
    return batches


def split_largest(per_worker: list[list[list[K]]], count: int) -> list[list[list[K]]]:
    """Split the largest batch in two, its halves taking its place, until the lists
    hold ``count`` batches in all or no batch has two utterances left. Of equally
    large batches the first (in worker, then list order) is split first."""
    deficit = count - sum(map(len, per_worker))
    if deficit <= 0:
        return per_worker
    # A batch's place is (worker, path): the path of a half extends its parent's
    # with 0 or 1, so sorting paths gives the order in-place splitting would.
    pieces = {(w, (j,)): b for w, bs in enumerate(per_worker) for j, b in enumerate(bs)}
    heap = [(-len(b), place) for place, b in pieces.items() if len(b) > 1]
    heapq.heapify(heap)
    for _ in range(deficit):
        if not heap:
            break
        _, (w, path) = heapq.heappop(heap)
        b = pieces.pop((w, path))
        for half, part in enumerate((b[: len(b) // 2], b[len(b) // 2 :])):
            place = (w, path + (half,))
            pieces[place] = part
            if len(part) > 1:
                heapq.heappush(heap, (-len(part), place))
    out: list[list[list[K]]] = [[] for _ in per_worker]
    for (w, _), b in sorted(pieces.items(), key=lambda kv: kv[0]):
        out[w].append(b)
    return out


def position_state(epoch: int, batches_consumed: int, layout: dict) -> dict:
    """The resume state of every source (see the module docstring)."""
    return {"epoch": int(epoch), "batches_consumed": int(batches_consumed), **layout}


def read_position(state: dict, layout: dict) -> tuple[int, int]:
    """``(epoch, batches to leave out)`` from a saved state, for a source whose
    plan now depends on ``layout``; a plan that changed restarts the epoch."""
    epoch = int(state["epoch"])
    done = int(state["batches_consumed"] if "batches_consumed" in state else state["batches"])
    changed = {k: (state[k], v) for k, v in layout.items() if k in state and state[k] != v}
    if changed and done:
        log.warning("resuming with other %s than the checkpoint: epoch %d restarts from its first batch", changed, epoch)
        done = 0
    return epoch, done


# --------------------------------------------------------------------------- in memory


def plan_in_memory(indices: Sequence[int], durations: Sequence[float], cfg: BatchingConfig, *, seed: int, epoch: int, world_size: int = 1) -> list[list[int]]:
    """The global batch list of an epoch of utterances held in memory (identical on
    every rank; rank ``r`` takes every ``world_size``-th batch from ``r``)."""
    rng = random.Random(seed * 1_000_003 + epoch)
    order = sorted(indices, key=lambda i: (durations[i], i))
    n = len(order)
    size = -(-n // max(1, cfg.num_buckets)) if n else 1
    batches: list[list[int]] = []
    for start in range(0, n, size):
        bucket = order[start : start + size]
        if cfg.shuffle:
            rng.shuffle(bucket)
        batches.extend(cut_batches(((i, durations[i]) for i in bucket), cfg.max_seconds, cfg.max_batch_size))
    if cfg.sortagrad and epoch == 0:
        batches.sort(key=lambda b: max(durations[i] for i in b))
    elif cfg.shuffle:
        rng.shuffle(batches)
    if world_size == 1 or not batches:
        return batches
    batches = split_largest([batches], -(-len(batches) // world_size) * world_size)[0]
    short = -len(batches) % world_size
    if short and cfg.shuffle:
        raise ValueError(
            f"{sum(map(len, batches))} utterances cannot make equally many batches for "
            f"{world_size} ranks; use more data or fewer ranks"
        )
    # Evaluation on a set smaller than the number of ranks: every rank takes part.
    return batches + [batches[0]] * short


# --------------------------------------------------------------------------- streamed shards


@dataclass
class EpochPlan:
    """One rank's share of an epoch."""

    epoch: int
    batches_per_rank: int  # the same on every rank
    shards: list[list[int]]  # per worker: shard numbers in reading order
    batches: list[list[list[Key]]]  # per worker: its batches in order, after equalizing
    dropped: int = 0  # batches left out to keep the length (see plan_epoch)

    @property
    def worker_counts(self) -> list[int]:
        return [len(b) for b in self.batches]

    def resume_point(self, consumed: int) -> tuple[list[int], int]:
        """Where the rank's stream stands after ``consumed`` batches: how many
        of each worker's batches were among them, and which worker's turn is next."""
        skips, last = [0] * len(self.batches), -1
        for w in itertools.islice(round_robin(self.worker_counts), consumed):
            skips[w] += 1
            last = w
        return skips, (last + 1) % len(self.batches)


def round_robin(counts: Sequence[int]) -> Iterator[int]:
    """The worker of each batch in the order a DataLoader yields them: one from
    each worker in turn, worker 0 first; a worker that has run out drops out."""
    round_ = 0
    while any(round_ < c for c in counts):
        yield from (w for w, c in enumerate(counts) if round_ < c)
        round_ += 1


def rng_for(seed: int, epoch: int, *scope: object) -> random.Random:
    """A generator that depends only on its arguments (string seeds hash with
    SHA-512, the same in every process, unlike ``hash()``)."""
    return random.Random(":".join(map(str, (seed, epoch, *scope))))


def shard_order(num_shards: int, seed: int, epoch: int, shuffle: bool, attempt: int = 0) -> list[int]:
    order = list(range(num_shards))
    if shuffle:
        rng_for(seed, epoch, attempt, "shards").shuffle(order)
    return order


def least_loaded(items: Sequence[int], seconds: Sequence[float], bins: int) -> list[list[int]]:
    """Deal ``items`` (in order) into ``bins``, each to the bin with the fewest seconds so far."""
    out: list[list[int]] = [[] for _ in range(bins)]
    load = [0.0] * bins
    for s in items:
        b = min(range(bins), key=lambda i: (load[i], i))
        out[b].append(s)
        load[b] += seconds[s]
    return out


def stream_batches(items: Iterable[tuple[Key, float]], cfg: BatchingConfig, rng: random.Random) -> list[list[Key]]:
    """Batches of one worker's utterance stream (streamed step 3 of the module docstring)."""
    batches: list[list[Key]] = []
    pool: list[tuple[Key, float]] = []

    def flush() -> None:
        pool.sort(key=lambda kd: (kd[1], kd[0]))
        cut = cut_batches(pool, cfg.max_seconds, cfg.max_batch_size)
        if cfg.shuffle:
            rng.shuffle(cut)
        batches.extend(cut)
        pool.clear()

    def to_pool(item: tuple[Key, float]) -> None:
        pool.append(item)
        if len(pool) >= cfg.bucket_buffer:
            flush()

    buffer: list[tuple[Key, float]] = []
    use_buffer = cfg.shuffle and cfg.shuffle_buffer > 1
    for item in items:
        if not use_buffer:
            to_pool(item)
            continue
        buffer.append(item)
        if len(buffer) >= cfg.shuffle_buffer:
            j = rng.randrange(len(buffer))
            buffer[j], buffer[-1] = buffer[-1], buffer[j]
            to_pool(buffer.pop())
    rng.shuffle(buffer)
    for item in buffer:
        to_pool(item)
    if pool:
        flush()
    return batches


def equalize(per_worker: list[list[list[Key]]], target: int) -> list[list[list[Key]]]:
    """Raise one rank's batch count to ``target`` (streamed step 4): split its largest
    batches (:func:`split_largest`), then add empty batches to the workers with the fewest."""
    out = split_largest(per_worker, target)
    for _ in range(target - sum(map(len, out))):
        min(out, key=len).append([])
    return out


def epoch_length(
    shard_items: Sequence[Sequence[tuple[int, float]]],
    cfg: BatchingConfig,
    *,
    seed: int,
    world_size: int = 1,
    num_workers: int = 1,
) -> int:
    """The number of batches every epoch has on every rank (step 5).

    Lightning reads a loader's length once and validates after that many
    batches, so an epoch must neither be shorter (no validation that epoch) nor
    longer (its last batches cut off). The natural count moves by a few batches
    from epoch to epoch as the pools fill differently, by roughly the square
    root of the number of pools a rank fills. So the length is epoch 0's count
    plus that margin; :func:`plan_epoch` pads every epoch up to it.
    """
    natural = plan_epoch(shard_items, cfg, seed=seed, epoch=0, world_size=world_size, num_workers=num_workers).batches_per_rank
    if not cfg.shuffle:
        return natural  # the same plan every epoch
    utterances = sum(len(items) for items in shard_items)
    pools = math.ceil(utterances / world_size / cfg.bucket_buffer) + max(1, num_workers)
    return natural + math.ceil(math.sqrt(pools)) + 1


def plan_epoch(
    shard_items: Sequence[Sequence[tuple[int, float]]],
    cfg: BatchingConfig,
    *,
    seed: int,
    epoch: int,
    world_size: int = 1,
    rank: int = 0,
    num_workers: int = 1,
    length: int | None = None,
    attempts: int = 8,
) -> EpochPlan:
    """Plan an epoch for ``rank``. ``shard_items[s]`` lists ``(position, duration)``
    of the utterances of shard ``s`` that take part (in tar order).

    ``length``: the batch count the epoch must have (from :func:`epoch_length`);
    ``None`` takes the largest rank's natural count. An epoch whose natural
    count exceeds ``length`` is drawn again with other random choices, up to
    ``attempts`` times; if every draw is too long, the rank's last batches
    beyond ``length`` are left out of this epoch (``EpochPlan.dropped``).
    """
    if not 0 <= rank < world_size:
        raise ValueError(f"rank {rank} outside world size {world_size}")
    num_workers = max(1, num_workers)
    seconds = [sum(d for _, d in items) for items in shard_items]
    used = [s for s in range(len(shard_items)) if shard_items[s]]
    if len(used) < world_size:
        raise ValueError(
            f"{len(used)} shard(s) with usable utterances cannot feed {world_size} ranks; "
            "write smaller shards (gru-asr data shard --shard-seconds/--shard-size)"
        )
    for attempt in range(max(1, attempts) if length is not None else 1):
        used = [s for s in shard_order(len(shard_items), seed, epoch, cfg.shuffle, attempt) if shard_items[s]]
        totals, mine_shards, mine_batches = [], None, None
        for r, rank_shards in enumerate(least_loaded(used, seconds, world_size)):
            worker_shards = least_loaded(rank_shards, seconds, num_workers)
            per_worker = [
                stream_batches((((s, p), d) for s in shards for p, d in shard_items[s]), cfg, rng_for(seed, epoch, attempt, r, w))
                for w, shards in enumerate(worker_shards)
            ]
            totals.append(sum(map(len, per_worker)))
            if r == rank:
                mine_shards, mine_batches = worker_shards, per_worker
        if length is None or max(totals) <= length:
            break
    target = max(totals) if length is None else length
    batches = equalize(mine_batches, target)
    dropped = 0
    while sum(map(len, batches)) > target:  # every draw too long: the last resort
        max(batches, key=len).pop()
        dropped += 1
    return EpochPlan(epoch, target, mine_shards, batches, dropped)
