"""LibriSpeech: ``<root>/LibriSpeech/<split>/<spk>/<chapter>/<spk>-<chapter>.trans.txt``
(lines ``UTT-ID TEXT``) next to ``UTT-ID.flac`` (or another audio extension, for
re-encoded copies). Every split folder found is
prepared (train-clean-100, dev-clean, test-other, ...)."""

from __future__ import annotations

from pathlib import Path

from gru_asr.corpora.common import CorpusError, check_out_dir, manifest_names, with_durations, write_splits
from gru_asr.data.manifest import read_text_lines

SPLITS = ("train-clean-100", "train-clean-360", "train-other-500", "dev-clean", "dev-other", "test-clean", "test-other")
# Audio next to the transcripts: FLAC as LibriSpeech ships; other extensions for
# re-encoded copies (the shared mini LibriSpeech is Ogg Opus).
AUDIO_EXTENSIONS = (".flac", ".wav", ".opus", ".ogg", ".mp3")


def _base(root: Path) -> Path:
    return root / "LibriSpeech" if (root / "LibriSpeech").is_dir() else root


def _audio_for(chapter_dir: Path, utt: str) -> Path:
    for ext in AUDIO_EXTENSIONS:
        p = chapter_dir / f"{utt}{ext}"
        if p.is_file():
            return p
    return chapter_dir / f"{utt}.flac"  # reported as missing


def prepare_librispeech(
    root: str | Path, out_dir: str | Path, splits: list[str] | None = None, overwrite: bool = False
) -> dict[str, Path]:
    """``<split>.jsonl`` for every split folder found. A split folder without
    transcripts, or whose listed utterances have no audio, is reported and skipped;
    nothing at all to prepare is an error (:class:`CorpusError`)."""
    base = _base(Path(root))
    found = [s for s in (splits or SPLITS) if (base / s).is_dir()]
    if not found:
        raise FileNotFoundError(f"{root}: no LibriSpeech split folders ({', '.join(SPLITS)})")
    check_out_dir(out_dir, manifest_names(found), overwrite)
    prepared: dict[str, list[dict]] = {}
    skipped = []
    for split in found:
        entries = []
        transcripts = sorted((base / split).glob("*/*/*.trans.txt"))
        for trans in transcripts:
            spk = trans.parent.parent.name
            for line in read_text_lines(trans, "LibriSpeech transcript"):
                if not line.strip():
                    continue
                utt, _, text = line.strip().partition(" ")
                entries.append({"id": utt, "audio": str(_audio_for(trans.parent, utt)), "text": text.strip(), "speaker": spk})
        good, bad = with_durations(entries)
        skipped.append((str(base / split), len(entries), bad))
        prepared[split] = good  # empty (no transcripts, or no audio): reported by write_splits
    if not any(prepared.values()):
        raise CorpusError(
            f"{base}: no utterance with readable audio in {', '.join(found)} "
            "(expected <split>/<speaker>/<chapter>/<speaker>-<chapter>.trans.txt next to the audio; nothing written)"
        )
    return write_splits(out_dir, prepared, overwrite=overwrite, skipped=skipped)
