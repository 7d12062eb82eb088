"""LibriSpeech: ``<root>/LibriSpeech/<split>/<spk>/<chapter>/<spk>-<chapter>.trans.txt``
(lines ``UTT-ID TEXT``) next to ``UTT-ID.flac``. Every split folder found is
prepared (train-clean-100, dev-clean, test-other, ...)."""

from __future__ import annotations

from pathlib import Path

from gru_asr.corpora.common import with_durations, write_splits

SPLITS = ("train-clean-100", "train-clean-360", "train-other-500", "dev-clean", "dev-other", "test-clean", "test-other")


def _base(root: Path) -> Path:
    return root / "LibriSpeech" if (root / "LibriSpeech").is_dir() else root


def prepare_librispeech(root: str | Path, out_dir: str | Path, splits: list[str] | None = None) -> dict[str, Path]:
    base = _base(Path(root))
    found = [s for s in (splits or SPLITS) if (base / s).is_dir()]
    if not found:
        raise FileNotFoundError(f"{root}: no LibriSpeech split folders ({', '.join(SPLITS)})")
    out = {}
    for split in found:
        entries = []
        for trans in sorted((base / split).glob("*/*/*.trans.txt")):
            spk = trans.parent.parent.name
            for line in trans.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                utt, _, text = line.partition(" ")
                entries.append({"id": utt, "audio": str(trans.parent / f"{utt}.flac"), "text": text.strip(), "speaker": spk})
        good, _ = with_durations(entries)
        out.update(write_splits(out_dir, {split: good}))
    return out
