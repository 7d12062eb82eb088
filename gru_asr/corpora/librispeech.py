"""LibriSpeech: ``<root>/LibriSpeech/<split>/<spk>/<chapter>/<spk>-<chapter>.trans.txt``
(lines ``UTT-ID TEXT``) next to ``UTT-ID.flac`` (or another audio extension, for
re-encoded copies). Every split folder found is prepared: the official ones
(train-clean-100, dev-clean, test-other, ...) and any other folder in the same layout,
such as Mini LibriSpeech's ``train-clean-5`` and ``dev-clean-2``."""

from __future__ import annotations

from pathlib import Path

from gru_asr.corpora.common import CorpusError, check_out_dir, find_audio, manifest_names, with_durations, write_splits
from gru_asr.data.manifest import read_text_lines

SPLITS = ("train-clean-100", "train-clean-360", "train-other-500", "dev-clean", "dev-other", "test-clean", "test-other")


def _base(root: Path) -> Path:
    return root / "LibriSpeech" if (root / "LibriSpeech").is_dir() else root


def split_folders(base: Path) -> list[str]:
    """The official split folders present (even empty: reported), then any other folder
    in the LibriSpeech layout (subsets such as Mini LibriSpeech's train-clean-5)."""
    if not base.is_dir():
        return []
    known = [s for s in SPLITS if (base / s).is_dir()]
    other = sorted(d.name for d in base.iterdir()
                   if d.is_dir() and d.name not in SPLITS and next(d.glob("*/*/*.trans.txt"), None) is not None)
    return known + other


def prepare_librispeech(
    root: str | Path, out_dir: str | Path, splits: list[str] | None = None, overwrite: bool = False
) -> dict[str, Path]:
    """``<split>.jsonl`` for every split folder found. A split folder without
    transcripts, or whose listed utterances have no audio, is reported and skipped;
    nothing at all to prepare is an error (:class:`CorpusError`)."""
    base = _base(Path(root))
    found = [s for s in splits if (base / s).is_dir()] if splits else split_folders(base)
    if not found:
        raise FileNotFoundError(f"{root}: no LibriSpeech split folders ({', '.join(SPLITS)}, or any folder "
                                "holding <speaker>/<chapter>/<speaker>-<chapter>.trans.txt)")
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
                entries.append({"id": utt, "audio": str(find_audio(trans.parent, utt, ".flac")), "text": text.strip(), "speaker": spk})
        good, bad = with_durations(entries)
        skipped.append((str(base / split), len(entries), bad))
        prepared[split] = good  # empty (no transcripts, or no audio): reported by write_splits
    if not any(prepared.values()):
        raise CorpusError(
            f"{base}: no utterance with readable audio in {', '.join(found)} "
            "(expected <split>/<speaker>/<chapter>/<speaker>-<chapter>.trans.txt next to the audio; nothing written)"
        )
    return write_splits(out_dir, prepared, overwrite=overwrite, skipped=skipped)
