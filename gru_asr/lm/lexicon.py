"""Lexicons for lexicon-constrained beam search: each word spelled in tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from gru_asr.decoders.beam import SIL, has_space_token


def build_lexicon(words: Iterable[str], tokenizer, path: str | Path) -> tuple[Path, list[str]]:
    """Write ``word t o k e n s |`` lines; returns the path and the words left out
    because the tokenizer cannot spell them.

    With a space token (characters) a spelling ends with it (``|``), so that the
    search needs a space between words. Word pieces carry the boundary themselves
    (``▁word``) and the model has no space token: their spellings end with the
    last piece."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    skipped = []
    lines = []
    end = f" {SIL}" if has_space_token(tokenizer) else ""
    for word in sorted(set(words)):
        if word.startswith("<") or not word:
            continue
        try:
            ids = tokenizer.encode(word)
        except ValueError:
            skipped.append(word)
            continue
        lines.append(f"{word}\t{' '.join(tokenizer.token_string(i) for i in ids)}{end}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, skipped
