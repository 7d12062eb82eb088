"""Map-style dataset of (waveform, label ids) that never crashes on bad data.

Transcripts that are empty or that the tokenizer cannot encode are dropped when
the dataset is built (cheap, text only); audio that turns out unreadable, or
too short for its transcript under CTC, is reported per item
(:mod:`gru_asr.data.items`) and skipped by the collate function. Both are
counted and reported by id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import Dataset

from gru_asr.audio import load_audio
from gru_asr.data.items import ItemMaker, duration_outside
from gru_asr.data.manifest import segment_bounds


@dataclass
class SkipReport:
    """Utterances left out, by id, with the reason."""

    skipped: dict[str, str] = field(default_factory=dict)

    def add(self, utt_id: str, reason: str) -> None:
        self.skipped[utt_id] = reason

    def __len__(self) -> int:
        return len(self.skipped)

    def summary(self, limit: int = 10) -> str:
        if not self.skipped:
            return "no utterances skipped"
        items = list(self.skipped.items())
        lines = [f"{len(items)} utterance(s) skipped:"]
        lines += [f"  {k}: {v}" for k, v in items[:limit]]
        if len(items) > limit:
            lines.append(f"  ... and {len(items) - limit} more")
        return "\n".join(lines)


class SpeechDataset(Dataset):
    """A manifest's utterances in memory; items made by :class:`ItemMaker`, the one
    path every source takes (:class:`gru_asr.data.shard_reader.ShardedSpeechDataset`
    is the other source)."""

    def __init__(
        self,
        entries: list[dict[str, Any]],
        sample_rate: int,
        normalizer: Callable[[str], str],
        tokenizer,
        max_output_frames: Callable[[int], int] | None = None,
        min_duration: float = 0.0,
        max_duration: float = float("inf"),
        augmenter: Callable | None = None,
    ):
        self.items = ItemMaker(sample_rate, normalizer, tokenizer, max_output_frames, augmenter)
        self.report = SkipReport()
        self.entries = []
        for e in entries:
            # Transcripts are in memory: bad ones are left out before batches are planned.
            text, reason = self.items.transcript(e.get("text", ""))
            reason = reason or duration_outside(e["duration"], min_duration, max_duration)
            if reason:
                self.report.add(e["id"], reason)
                continue
            self.entries.append({**e, "text": text})

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def durations(self) -> list[float]:
        return [e["duration"] for e in self.entries]

    def __getitem__(self, index: int) -> dict[str, Any]:
        e = self.entries[index]
        return self.items.make_item(e["id"], e["text"], partial(read_entry_audio, e))


def read_entry_audio(entry: dict[str, Any], sample_rate: int) -> torch.Tensor:
    """The samples of a manifest entry: the whole file, or its segment."""
    offset, duration = segment_bounds(entry)
    return load_audio(entry["audio"], sample_rate, offset=offset, duration=duration)


def collate(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Pad a list of dataset items; items with an ``error`` are listed in ``skipped``."""
    good = [it for it in items if "error" not in it]
    skipped = [(it["id"], it["error"]) for it in items if "error" in it]
    if not good:
        return {"ids": [], "skipped": skipped, "size": 0}
    wav_lens = torch.tensor([it["audio"].numel() for it in good])
    tok_lens = torch.tensor([it["tokens"].numel() for it in good])
    # pad_sequence copies every item once, in C++, with zero padding (a Python
    # loop of slice assignments costs about 20% more on a 40-utterance batch).
    wavs = pad_sequence([it["audio"].to(torch.float32) for it in good], batch_first=True)
    tokens = pad_sequence([it["tokens"].to(torch.long) for it in good], batch_first=True)
    return {
        "ids": [it["id"] for it in good],
        "texts": [it["text"] for it in good],
        "audio": wavs,
        "audio_lens": wav_lens,
        "tokens": tokens,
        "token_lens": tok_lens,
        "skipped": skipped,
        "size": len(good),
    }
