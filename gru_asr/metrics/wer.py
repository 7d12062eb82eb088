"""Word and character error counts with jiwer.

Corpus WER is summed edits over summed reference words (as sclite computes it),
never an average of per-utterance ratios; counts are kept as integers so they
can be summed across batches and DDP ranks before dividing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import jiwer


@dataclass
class ErrorCounts:
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0
    ref_words: int = 0
    char_errors: int = 0
    ref_chars: int = 0
    utterances: int = 0

    @property
    def word_errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def wer(self) -> float:
        return self.word_errors / max(self.ref_words, 1)

    @property
    def cer(self) -> float:
        return self.char_errors / max(self.ref_chars, 1)

    def __add__(self, other: "ErrorCounts") -> "ErrorCounts":
        return ErrorCounts(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple())))

    def as_tuple(self) -> tuple[int, ...]:
        return tuple(asdict(self).values())

    def to_dict(self) -> dict:
        return asdict(self) | {"wer": self.wer, "cer": self.cer}


def count_errors(refs: list[str], hyps: list[str]) -> ErrorCounts:
    if len(refs) != len(hyps):
        raise ValueError("refs and hyps must have the same length")
    if not refs:
        return ErrorCounts()
    w = jiwer.process_words(list(refs), list(hyps))
    c = jiwer.process_characters(refs, hyps)
    return ErrorCounts(
        substitutions=w.substitutions,
        deletions=w.deletions,
        insertions=w.insertions,
        ref_words=sum(len(r.split()) for r in refs),
        char_errors=c.substitutions + c.deletions + c.insertions,
        ref_chars=sum(len(r) for r in refs),
        utterances=len(refs),
    )
