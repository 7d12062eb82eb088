"""Duration-bucketed dynamic batches of a dataset held in memory, rank-aware and
resumable mid-epoch: a ``torch`` batch sampler over :func:`plan_in_memory`
(:mod:`gru_asr.data.batch_plan` says how batches are bucketed, cut, evened
out over ranks and resumed).

The utterances of an epoch come from ``epoch_indices``: every utterance once
here, a seeded weighted draw from several corpora in
:class:`gru_asr.data.mixing.MixedDurationBatchSampler`.
"""

from __future__ import annotations

from typing import Iterator, Sequence

from torch.utils.data import Sampler

from gru_asr.data.batch_plan import BatchingConfig, plan_in_memory, position_state, read_position


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
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} outside world size {world_size}")
        self.durations = list(durations)
        self.batching = BatchingConfig(
            max_seconds=max_seconds, max_batch_size=max_batch_size, shuffle=shuffle, sortagrad=sortagrad, num_buckets=max(1, num_buckets)
        )
        self.seed = seed
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
        weighted mixture of corpora); the planning is the same for all."""
        return list(range(len(self.durations)))

    def all_batches(self, epoch: int | None = None) -> list[list[int]]:
        """The global batch list of an epoch (identical on every rank)."""
        epoch = self.epoch if epoch is None else epoch
        return plan_in_memory(self.epoch_indices(epoch), self.durations, self.batching, seed=self.seed, epoch=epoch, world_size=self.world_size)

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
        return position_state(self.epoch, done, {"seed": self.seed, "world_size": self.world_size})

    def load_state_dict(self, state: dict) -> None:
        # The plan in memory is cheap to replay under the checkpoint's seed.
        self.seed = int(state.get("seed", self.seed))
        self.epoch, self._skip = read_position(state, {"world_size": self.world_size})
