"""The batches of one epoch of a sharded corpus, planned from durations alone.

Every rank and every loader worker computes the same plan from the shard
durations (seeded by ``seed`` and the epoch), so nobody needs to talk to anybody:

1. **Shard order**: all shards, shuffled per epoch.
2. **Shards to ranks, then to workers**: in that order, each shard goes to the
   rank with the fewest seconds so far, and within the rank to the worker with
   the fewest seconds so far. Every shard is read by exactly one worker of one
   rank, so every utterance is read exactly once per epoch.
3. **Batches per worker**: its utterances, shard after shard, pass a shuffle
   buffer (a random one of ``shuffle_buffer`` leaves as each new one arrives)
   into a bucketing pool; when the pool holds ``bucket_buffer`` utterances they
   are sorted by duration, cut greedily into batches whose padded size
   (longest x count) stays within ``max_seconds`` (a longer utterance goes
   alone), and those batches leave in random order. This is dynamic bucketing
   over a sliding window, as lhotse's streaming ``DynamicBucketingSampler`` does.
4. **Equal counts per rank** (DDP waits at every step for all ranks, so a rank
   with fewer batches would hang the others at the epoch end): each rank knows
   every rank's count; one that is short of the largest splits its biggest
   batches in two (nothing dropped or repeated) and, only if no batch is left
   to split, adds empty batches, which train as a zero-gradient step.
5. **The same count every epoch**: Lightning reads the length once, so every
   epoch is padded (as in 4) to one length, fixed before epoch 0 with a margin
   for the epoch-to-epoch variation (:func:`epoch_length`). An epoch that
   would still come out longer is drawn again; only if eight draws all do are
   its surplus batches left out, with a warning.

The reader executes the plan while streaming: it keeps an utterance's bytes from
the moment it is read until its batch is complete, which the two buffers bound.
The plan depends on the seed, the epoch, the number of ranks and of workers
and the batching options; changing any of them gives other batches.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

Key = tuple[int, int]  # (shard number, position of the utterance in the shard)


@dataclass(frozen=True)
class BatchingConfig:
    max_seconds: float  # padded seconds per batch (longest utterance x count)
    max_batch_size: int | None = None
    shuffle_buffer: int = 500  # utterances; 0 or 1 turns the buffer off
    bucket_buffer: int = 500  # utterances sorted together before cutting into batches
    shuffle: bool = True  # False: shard order as written, no shuffling (evaluation)

    def __post_init__(self) -> None:
        if self.max_seconds <= 0:
            raise ValueError("max_seconds must be positive")
        if self.bucket_buffer < 1:
            raise ValueError("bucket_buffer must be at least 1")


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


def cut_sorted(items: Sequence[tuple[Key, float]], max_seconds: float, max_batch_size: int | None) -> list[list[tuple[Key, float]]]:
    """Greedy batches of items sorted by duration, padded size within ``max_seconds``."""
    batches, cur, longest = [], [], 0.0
    for key, dur in items:
        grown = max(longest, dur)
        full = max_batch_size is not None and len(cur) >= max_batch_size
        if cur and (grown * (len(cur) + 1) > max_seconds or full):
            batches.append(cur)
            cur, grown = [], dur
        cur.append((key, dur))
        longest = grown
    if cur:
        batches.append(cur)
    return batches


def stream_batches(items: Iterable[tuple[Key, float]], cfg: BatchingConfig, rng: random.Random) -> list[list[Key]]:
    """Batches of one worker's utterance stream (step 3 of the module docstring)."""
    batches: list[list[Key]] = []
    pool: list[tuple[Key, float]] = []

    def flush() -> None:
        pool.sort(key=lambda kd: (kd[1], kd[0]))
        cut = [[k for k, _ in b] for b in cut_sorted(pool, cfg.max_seconds, cfg.max_batch_size)]
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
    """Raise one rank's batch count to ``target`` (step 4): split its largest
    batches in two, then add empty batches to the workers with the fewest."""
    deficit = target - sum(map(len, per_worker))
    if deficit <= 0:
        return per_worker
    candidates = sorted(
        ((len(b), w, j) for w, bs in enumerate(per_worker) for j, b in enumerate(bs) if len(b) > 1),
        key=lambda t: (-t[0], t[1], t[2]),
    )[:deficit]
    split = {(w, j) for _, w, j in candidates}
    out: list[list[list[Key]]] = []
    for w, bs in enumerate(per_worker):
        new: list[list[Key]] = []
        for j, b in enumerate(bs):
            if (w, j) in split:
                new += [b[: len(b) // 2], b[len(b) // 2 :]]
            else:
                new.append(b)
        out.append(new)
    for _ in range(deficit - len(split)):
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
