"""Duration-bucketed dynamic batching that knows its rank and can resume mid-epoch.

Each epoch: utterances are sorted by duration and cut into ``num_buckets``
buckets of similar length; each bucket is shuffled (seeded by ``seed + epoch``)
and filled greedily into batches whose *padded* size (longest utterance x count)
stays under ``max_seconds``; then the batch order is shuffled (or sorted
shortest first in the SortaGrad epoch). Every rank computes the same batch list
and takes every ``world_size``-th batch. If the count does not divide evenly,
the largest batches are split in two until it does, so ranks get equally many
batches (no DDP hang at epoch end) and no utterance is dropped or repeated.

The utterances of an epoch come from ``epoch_indices``: every utterance once
here, a seeded weighted draw from several corpora in
:class:`gru_asr.data.mixing.MixedDurationBatchSampler`.

State is ``(epoch, batches already consumed)``: restoring it replays the same
list and skips what was consumed, so a resumed run sees exactly the batches an
uninterrupted run would have.
"""

from __future__ import annotations

import random
from typing import Iterator, Sequence

from torch.utils.data import Sampler


class DurationBatchSampler(Sampler[list[int]]):
    def __init__(
        self,
        durations: Sequence[float],
        max_seconds: float,
        num_buckets: int = 10,
        shuffle: bool = True,
        seed: int = 0,
        sortagrad: bool = False,
        max_batch_size: int | None = None,
        world_size: int = 1,
        rank: int = 0,
    ):
        if max_seconds <= 0:
            raise ValueError("max_seconds must be positive")
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} outside world size {world_size}")
        self.durations = list(durations)
        self.max_seconds = max_seconds
        self.num_buckets = max(1, num_buckets)
        self.shuffle = shuffle
        self.seed = seed
        self.sortagrad = sortagrad
        self.max_batch_size = max_batch_size
        self.world_size = world_size
        self.rank = rank
        self.epoch = 0
        self._skip = 0  # batches of the current epoch already consumed (resume)
        self._consumed = 0

    def set_epoch(self, epoch: int) -> None:
        if epoch != self.epoch:
            self._skip = 0
        self.epoch = epoch

    def epoch_indices(self, epoch: int) -> list[int]:
        """The utterances (dataset indices) an epoch is built from: each one once.
        A subclass may return another multiset (``gru_asr.data.mixing`` draws a
        weighted mixture of corpora); the bucketing below is the same for all."""
        return list(range(len(self.durations)))

    def all_batches(self, epoch: int | None = None) -> list[list[int]]:
        """The global batch list of an epoch (identical on every rank)."""
        epoch = self.epoch if epoch is None else epoch
        rng = random.Random(self.seed * 1_000_003 + epoch)
        order = sorted(self.epoch_indices(epoch), key=lambda i: (self.durations[i], i))
        n = len(order)
        size = -(-n // self.num_buckets) if n else 1
        buckets = [order[i : i + size] for i in range(0, n, size)]
        batches: list[list[int]] = []
        for bucket in buckets:
            if self.shuffle:
                rng.shuffle(bucket)
            batches.extend(self._fill(bucket))
        if self.sortagrad and epoch == 0:
            batches.sort(key=lambda b: max(self.durations[i] for i in b))
        elif self.shuffle:
            rng.shuffle(batches)
        return self._even_out(batches)

    def _fill(self, indices: list[int]) -> list[list[int]]:
        batches, cur, longest = [], [], 0.0
        for i in indices:
            d = self.durations[i]
            longest_new = max(longest, d)
            full = self.max_batch_size is not None and len(cur) >= self.max_batch_size
            if cur and (longest_new * (len(cur) + 1) > self.max_seconds or full):
                batches.append(cur)
                cur, longest_new = [], d
            cur.append(i)
            longest = longest_new
        if cur:
            batches.append(cur)
        return batches

    def _even_out(self, batches: list[list[int]]) -> list[list[int]]:
        if self.world_size == 1:
            return batches
        while len(batches) % self.world_size:
            splittable = [j for j, b in enumerate(batches) if len(b) > 1]
            if not splittable and not self.shuffle and batches:
                # Evaluation on a set smaller than the number of ranks: repeat
                # batches (as DistributedSampler pads) so every rank takes part.
                batches.append(batches[len(batches) % len(batches)])
                continue
            if not splittable:
                raise ValueError(
                    f"{sum(map(len, batches))} utterances cannot make equally many batches for "
                    f"{self.world_size} ranks; use more data or fewer ranks"
                )
            j = max(splittable, key=lambda k: len(batches[k]))
            b = batches.pop(j)
            batches[j:j] = [b[: len(b) // 2], b[len(b) // 2 :]]
        return batches

    def rank_batches(self) -> list[list[int]]:
        return self.all_batches()[self.rank :: self.world_size]

    def __len__(self) -> int:
        return len(self.rank_batches())

    def __iter__(self) -> Iterator[list[int]]:
        batches = self.rank_batches()
        start, self._skip = self._skip, 0
        self._consumed = start
        for batch in batches[start:]:
            self._consumed += 1
            yield batch

    def state_dict(self, batches_consumed: int | None = None) -> dict:
        """``batches_consumed`` is what the training loop actually used; the
        iterator may have run ahead of it when a DataLoader prefetches."""
        done = self._consumed if batches_consumed is None else batches_consumed
        return {"epoch": self.epoch, "batches_consumed": done, "seed": self.seed, "world_size": self.world_size}

    def load_state_dict(self, state: dict) -> None:
        if state.get("world_size", self.world_size) != self.world_size:
            raise ValueError("cannot resume mid-epoch with a different number of ranks")
        self.epoch = int(state["epoch"])
        self.seed = int(state.get("seed", self.seed))
        self._skip = int(state["batches_consumed"])
