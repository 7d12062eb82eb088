"""CMU AN4 (census): ``etc/an4_{train,test}.transcription`` lines ``<s> TEXT </s> (utt-id)``,
audio in ``wav/an4_clstk/<spk>/<utt>.wav`` and ``wav/an4test_clstk/<spk>/<utt>.wav``
(``.sph`` NIST SPHERE files are read as well).

AN4 has no dev set: a speaker-disjoint dev split is carved from the training
speakers (``dev_speakers`` of them, chosen by a seeded draw).

Preparation also writes ``synth_text.txt``: AN4-style sentences for the built-in
synthesizer (``gru-asr synth --text``), which recipes/an4 mixes into training.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from gru_asr.corpora.common import (
    NOT_FOUND,
    CorpusError,
    Skipped,
    check_out_dir,
    manifest_names,
    with_durations,
    write_splits,
)
from gru_asr.text.numbers import ONES, number_to_words

_LINE = re.compile(r"^\s*(?:<s>)?\s*(?P<text>.*?)\s*(?:</s>)?\s*\((?P<id>[^()]+)\)\s*$")


def read_transcription(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = _LINE.match(line)
        if m:
            out[m.group("id")] = m.group("text").strip()
    return out


def _audio_for(root: Path, wav_dir: str, utt: str) -> Path | None:
    # utt ids look like an251-fash-b: speaker is the middle field
    parts = utt.split("-")
    spk = parts[1] if len(parts) >= 3 else ""
    for ext in (".wav", ".sph", ".flac"):
        p = root / "wav" / wav_dir / spk / f"{utt}{ext}"
        if p.is_file():
            return p
    return None


def _entries(root: Path, part: str, wav_dir: str) -> tuple[list[dict], Skipped]:
    """The utterances of ``etc/an4_{part}.transcription`` that have readable audio, and
    ``(where, listed, [(id, reason)])`` for the others."""
    trans = root / "etc" / f"an4_{part}.transcription"
    if not trans.is_file():
        return [], (str(trans), 0, [])
    listed = read_transcription(trans)
    entries, missing = [], []
    for utt, text in listed.items():
        audio = _audio_for(root, wav_dir, utt)
        if audio is None:
            missing.append((utt, NOT_FOUND))
            continue
        entries.append({"id": utt, "audio": str(audio), "text": text, "speaker": utt.split("-")[1]})
    good, bad = with_durations(entries)
    return good, (f"{trans} (audio in {root / 'wav' / wav_dir})", len(listed), missing + bad)


def prepare_an4(
    root: str | Path, out_dir: str | Path, dev_speakers: int = 8, seed: int = 0, synth_sentences: int = 4000,
    overwrite: bool = False,
) -> dict[str, Path]:
    """Manifests for train, dev (``dev_speakers`` training speakers held out) and test,
    plus ``synth_text.txt``: the training transcripts and ``synth_sentences`` generated
    AN4-style sentences. About 3,000 sentences make an hour of synthetic speech; with
    fewer, ``gru-asr synth`` runs out of sentences before it reaches its hours.

    Utterances listed without audio are left out with one warning per partition; none
    with audio at all is an error (:class:`CorpusError`), as is an existing output
    file unless ``overwrite``."""
    root = Path(root)
    if not (root / "etc" / "an4_train.transcription").is_file():
        raise FileNotFoundError(f"{root}: not an AN4 folder (no etc/an4_train.transcription)")
    check_out_dir(out_dir, [*manifest_names(("train", "dev", "test")), "synth_text.txt"], overwrite)
    train, train_skipped = _entries(root, "train", "an4_clstk")
    listed = train_skipped[1]
    if not listed:
        raise CorpusError(f"{root / 'etc' / 'an4_train.transcription'}: no '<s> TEXT </s> (utt-id)' lines (nothing written)")
    if not train:
        raise CorpusError(
            f"{root}: none of the {listed} utterances of etc/an4_train.transcription has readable audio "
            f"under {root / 'wav' / 'an4_clstk'}/<speaker>/ (nothing written)"
        )
    test, test_skipped = _entries(root, "test", "an4test_clstk")
    speakers = sorted({e["speaker"] for e in train})
    dev_set = set(random.Random(seed).sample(speakers, min(dev_speakers, max(len(speakers) - 1, 0))))
    splits = {
        "train": [e for e in train if e["speaker"] not in dev_set],
        "dev": [e for e in train if e["speaker"] in dev_set],
    }
    if test_skipped[1]:  # the test partition is optional (the shared slice has none)
        splits["test"] = test
    manifests = write_splits(out_dir, splits, overwrite=overwrite, source=root, skipped=[train_skipped, test_skipped])
    # Text for AN4-style synthetic speech (recipes/an4, --synth-weight): training
    # transcripts only, so no dev sentence reaches the synthetic training data.
    if "train" in manifests:
        write_an4_style_text(manifests["train"], Path(out_dir) / "synth_text.txt", count=synth_sentences)
    return manifests


# AN4's own kind of sentence, for synthetic speech that widens its 66 training
# speakers (espeak-ng voices reading what AN4 speakers read: spelled names and
# words, digit strings, numbers, the command words).
_DIGITS = ONES[:10]
_PREFIXES = ("enter ", "rubout ", "erase ", "")
_SUFFIXES = (" enter", " stop", "")


def an4_style_sentences(transcripts: list[str], count: int = 4000, seed: int = 1) -> list[str]:
    """The distinct training ``transcripts`` (lowercased, sorted) followed by ``count``
    generated sentences in AN4's style.

    Mix: 30 % spelled first names, 20 % random letter strings, 20 % digit strings
    (with "oh" for zero), 15 % numbers read as numbers, 15 % letters then digits;
    one in ten is framed by AN4's command words ("rubout ... enter"). Names come
    from the synthetic corpus's word list (gru_asr/synth/data/words/people.txt) and
    numbers from its number spelling, so every word is one espeak-ng reads plainly.
    """
    from gru_asr.synth.grammar_data import word_list

    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    names = word_list("name")  # the female names, then the male ones

    def spell(word: str) -> str:
        return " ".join(word)

    def random_letters(lo: int, hi: int) -> str:
        return "".join(rng.choice(letters) for _ in range(rng.randint(lo, hi)))

    out = sorted({t.lower() for t in transcripts if t.strip()})
    for _ in range(count):
        r = rng.random()
        if r < 0.30:
            s = spell(rng.choice(names))
        elif r < 0.50:
            s = spell(random_letters(2, 7))
        elif r < 0.70:
            s = " ".join(rng.choice(_DIGITS + ("oh",)) for _ in range(rng.randint(3, 7)))
        elif r < 0.85:
            s = number_to_words(rng.randint(1, 9999))
        else:
            s = spell(random_letters(1, 3)) + " " + " ".join(rng.choice(_DIGITS) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.1:
            s = rng.choice(_PREFIXES) + s + rng.choice(_SUFFIXES)
        out.append(s)
    return out


def write_an4_style_text(train_manifest: str | Path, out_path: str | Path, count: int = 4000, seed: int = 1) -> Path:
    """One sentence per line for ``gru-asr synth --text``, from the training transcripts."""
    from gru_asr.data import read_manifest

    transcripts = [e["text"] for e in read_manifest(train_manifest, resolve_paths=False)]
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text("\n".join(an4_style_sentences(transcripts, count, seed)) + "\n", encoding="utf-8")
    return out_path
