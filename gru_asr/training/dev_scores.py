"""Validation scores per dev set: edit counts, loss and utterances summed on each rank,
then over ranks, then divided (a ratio of sums, not a mean of ratios).

Validation may run over several dev sets (one loader each): WER, CER and loss are kept
per set and logged as ``val/<name>/wer`` (``cer``, ``loss``); the monitored set is also
logged as ``val_wer``/``val_cer``/``val_loss``, the keys checkpointing and early stopping
watch. With a weight average the trained weights are measured beside it and logged as
``val_raw_wer``/``val_raw_loss`` (monitored set only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

from gru_asr.metrics import ErrorCounts, count_errors


class DevSetScores:
    def __init__(self) -> None:
        self.names: list[str] | None = None  # None: one unnamed dev set
        self.monitor_index = 0
        self._totals: dict[int, _Totals] = {}

    def set_names(self, names: list[str] | None, monitor: str | None = None) -> None:
        """Name the validation loaders, in order. ``monitor`` is the set also logged
        under the ``val_*`` keys (default: the first)."""
        if names is not None and len(set(names)) != len(names):
            raise ValueError(f"dev set names must be distinct: {names}")
        if monitor is not None and monitor not in (names or []):
            raise ValueError(f"monitored dev set {monitor!r} is not among {names}")
        self.names = list(names) if names is not None else None
        self.monitor_index = names.index(monitor) if monitor is not None else 0

    def check_loaders(self, loaders: int) -> int:
        if self.names is not None and len(self.names) != loaders:
            raise ValueError(f"{len(self.names)} dev set names for {loaders} validation loaders")
        return loaders

    def add(self, key: int, references: list[str], hypotheses: list[str], mean_loss: float, utterances: int) -> None:
        """Key 0..n-1: the monitored model on dev set i; n + i: the trained weights beside their average."""
        totals = self._totals.setdefault(key, _Totals())
        totals.counts = totals.counts + count_errors(references, hypotheses)
        totals.loss_sum += mean_loss * utterances
        totals.utterances += utterances

    def reduce(self, sets: int, raw_beside: bool, sum_over_ranks: Callable[[torch.Tensor], torch.Tensor],
               device) -> Iterator[tuple[str, float, bool]]:
        """(key, value, show in the progress bar) to log; the totals start again.
        One all-reduce of a (keys x 6) table, with a row for every set even where this
        rank saw no batch of it, so all ranks reduce alike."""
        keys = 2 * sets if raw_beside else sets
        rows = [self._totals.get(i, _Totals()).as_row() for i in range(keys)]
        self._totals = {}
        table = sum_over_ranks(torch.tensor(rows, dtype=torch.float64, device=device))
        for i, (we, rw, ce, rc, ls, n) in enumerate(table.tolist()):
            metrics = {"wer": we / max(rw, 1), "cer": ce / max(rc, 1), "loss": ls / max(n, 1)}
            if i >= sets:
                if i - sets == self.monitor_index:
                    yield "val_raw_wer", metrics["wer"], False
                    yield "val_raw_loss", metrics["loss"], False
                continue
            if self.names is not None:
                for key, value in metrics.items():
                    yield f"val/{self.names[i]}/{key}", value, False
            if i == self.monitor_index:
                yield "val_wer", metrics["wer"], True
                yield "val_cer", metrics["cer"], False
                yield "val_loss", metrics["loss"], True


class _Totals:
    """Edit counts, summed loss and utterances of one dev set on this rank."""

    def __init__(self) -> None:
        self.counts = ErrorCounts()
        self.loss_sum = 0.0
        self.utterances = 0

    def as_row(self) -> list[float]:
        c = self.counts
        return [c.word_errors, c.ref_words, c.char_errors, c.ref_chars, self.loss_sum, self.utterances]
