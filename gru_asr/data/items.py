"""Utterance -> training item: the one path every data source takes.

A source (a manifest entry read from disk, a shard member read from a tar)
supplies an id, a raw transcript and a way to read its audio; :class:`ItemMaker`
does the rest, the same for every source: normalize the transcript, check the
tokenizer can encode it, decode the audio, augment it, encode the labels and
check that CTC can align them. What fails becomes ``{"id", "error"}``, which the
collate function lists as skipped: bad data never stops training.

The transcript check is split out (:meth:`ItemMaker.transcript`) because a source
that holds its transcripts in memory runs it once, when the dataset is built, to
leave bad utterances out of batch planning; a streamed source runs it per item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch

from gru_asr.audio import AudioError

AudioReader = Callable[[int], torch.Tensor]  # sample rate -> mono float32 samples; raises AudioError


def duration_outside(duration: float, min_duration: float, max_duration: float) -> str | None:
    """Why an utterance of ``duration`` seconds is left out of training, or None."""
    if min_duration <= duration <= max_duration:
        return None
    return f"duration {duration:.2f}s outside [{min_duration}, {max_duration}]"


@dataclass
class ItemMaker:
    sample_rate: int
    normalizer: Callable[[str], str]
    tokenizer: Any  # None: evaluation references, which need no labels (their tokens are empty)
    max_output_frames: Callable[[int], int] | None = None
    augmenter: Callable | None = None

    def transcript(self, raw: str) -> tuple[str, str | None]:
        """The normalized transcript, and why it cannot be trained on (None: it can)."""
        text = self.normalizer(raw)
        if not text:
            return text, "empty transcript"
        if self.tokenizer is not None and (bad := self.tokenizer.unknown_chars(text)):
            return text, f"characters not in the tokenizer: {''.join(sorted(bad))!r}"
        return text, None

    def make_item(self, utt_id: str, text: str, read_audio: AudioReader) -> dict[str, Any]:
        """The item of a transcript that passed :meth:`transcript`, or ``{"id", "error"}``."""
        try:
            wav = read_audio(self.sample_rate)
        except AudioError as err:
            return {"id": utt_id, "error": err.reason}
        if self.augmenter is not None:
            wav = self.augmenter(wav)
        tokens = self.tokenizer.encode(text) if self.tokenizer is not None else []
        if self.max_output_frames is not None:
            # CTC needs a frame per label plus a blank between repeated labels.
            need = len(tokens) + sum(a == b for a, b in zip(tokens, tokens[1:]))
            have = self.max_output_frames(wav.numel())
            if need > have:
                return {"id": utt_id, "error": f"too short for its transcript ({need} labels > {have} frames)"}
        return {"id": utt_id, "audio": wav, "tokens": torch.tensor(tokens, dtype=torch.long), "text": text}
