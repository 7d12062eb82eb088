"""Fuzz targets: the readers of untrusted input, each with the one exception
type it documents. Any other exception a target lets escape is a bug.

Every target takes raw bytes (the fuzzer's input) and turns them into what the
reader consumes: a file on disk, a folder of Kaldi tables, a string.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np


@dataclass
class Target:
    name: str
    run: Callable[[bytes], None]
    allowed: tuple[type[BaseException], ...]  # the documented error types
    seeds: Callable[[], list[bytes]]


_SCRATCH = Path(tempfile.mkdtemp(prefix="gru_asr_fuzz_"))


def _audio_seed(fmt: str, subtype: str, seconds: float = 0.25, channels: int = 1) -> bytes:
    import soundfile as sf

    t = np.arange(int(16000 * seconds)) / 16000
    x = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    if channels > 1:
        x = np.stack([x] * channels, axis=1)
    buf = io.BytesIO()
    sf.write(buf, x, 16000, format=fmt, subtype=subtype)
    return buf.getvalue()


# ------------------------------------------------------------------ audio
_AUDIO_EXT = [".wav", ".flac", ".ogg", ".mp3", ".sph", ".aiff"]


def run_audio(data: bytes) -> None:
    from gru_asr.audio import audio_info, load_audio

    # The last byte picks the file name extension (libsndfile mostly sniffs the
    # content, but MPEG and raw formats go by the name).
    ext = _AUDIO_EXT[data[-1] % len(_AUDIO_EXT)] if data else ".wav"
    path = _SCRATCH / f"input{ext}"
    path.write_bytes(data)
    wav = load_audio(path, 16000)
    if wav.ndim != 1 or not bool(wav.isfinite().all()):
        raise AssertionError("load_audio returned something that is not finite mono audio")
    audio_info(path)
    load_audio(path, 16000, offset=0.01, duration=0.05)


def audio_seeds() -> list[bytes]:
    seeds = [_audio_seed("WAV", "PCM_16"), _audio_seed("WAV", "FLOAT", channels=2), _audio_seed("FLAC", "PCM_16"),
             _audio_seed("OGG", "VORBIS"), _audio_seed("AIFF", "PCM_16"), _audio_seed("NIST", "PCM_16")]
    try:
        seeds.append(_audio_seed("MP3", "MPEG_LAYER_III"))
    except Exception:  # noqa: BLE001 - libsndfile builds without MPEG support
        seeds.append(b"ID3\x03\x00\x00\x00\x00\x00\x00")
    return seeds


# ------------------------------------------------------------------ manifests
def run_manifest_jsonl(data: bytes) -> None:
    from gru_asr.data.manifest import read_manifest

    path = _SCRATCH / "manifest.jsonl"
    path.write_bytes(data)
    _check_entries(read_manifest(path))


def run_manifest_nemo(data: bytes) -> None:
    from gru_asr.data.importers import from_nemo

    path = _SCRATCH / "nemo.json"
    path.write_bytes(data)
    _check_entries(from_nemo(path))


_KALDI_FILES = ["wav.scp", "text", "segments", "utt2spk"]


def run_manifest_kaldi(data: bytes) -> None:
    """The input holds up to four tables separated by ``\\n===\\n``."""
    from gru_asr.data.importers import from_kaldi

    folder = _SCRATCH / "kaldi"
    folder.mkdir(exist_ok=True)
    parts = data.split(b"\n===\n")
    for name, part in zip(_KALDI_FILES, parts + [None] * len(_KALDI_FILES)):
        target = folder / name
        if part is None:
            target.unlink(missing_ok=True)
        else:
            target.write_bytes(part)
    _check_entries(from_kaldi(folder))


def _check_entries(entries: list[dict]) -> None:
    import math

    for e in entries:
        if not (isinstance(e["id"], str) and isinstance(e["audio"], str) and isinstance(e["text"], str)):
            raise AssertionError(f"manifest entry with wrong field types: {e!r}"[:300])
        if not (math.isfinite(e["duration"]) and e["duration"] >= 0 and e.get("offset", 0.0) >= 0):
            raise AssertionError(f"manifest entry with an impossible duration: {e!r}"[:300])


def manifest_seeds() -> list[bytes]:
    return [
        b'{"id": "u1", "audio": "a.wav", "duration": 1.5, "text": "hello world"}\n'
        b'{"id": "u2", "audio": "/x/b.flac", "duration": 2, "offset": 0.5, "text": "two", "speaker": "s"}\n',
        b'{"audio": "c.wav", "duration": "3.0"}\n\n{"audio": "c.wav", "duration": 1, "text": null}\n',
    ]


def nemo_seeds() -> list[bytes]:
    return [b'{"audio_filepath": "a.wav", "duration": 1.5, "text": "hello"}\n'
            b'{"audio_filepath": "/abs/b.flac", "duration": 2.0, "text": "world", "offset": 3.0}\n']


def kaldi_seeds() -> list[bytes]:
    return [b"rec1 /nonexistent/rec1.wav\nrec2 x.flac\n===\nutt1 hello there\nutt2 bye\n===\n"
            b"utt1 rec1 0.5 1.0\nutt2 rec2 2.0 2.75\n===\nutt1 spk1\nutt2 spk2\n",
            b"u1 sox in.wav -t wav - |\n===\nu1 piped\n"]


# ------------------------------------------------------------------ text normalizer
def run_normalizer(data: bytes) -> None:
    from gru_asr.text import TextNormalizer

    flags = data[0] if data else 0
    norm = TextNormalizer(lowercase=bool(flags & 1), strip_accents=bool(flags & 2), remove_punctuation=bool(flags & 4),
                          digits=("keep", "drop", "spell")[(flags >> 3) % 3], keep=("'", "", "'-")[(flags >> 5) % 3])
    # invalid UTF-8 becomes U+FFFD or, with the top flag bit, lone surrogates
    out = norm(data[1:].decode("utf-8", "surrogateescape" if flags & 0x80 else "replace"))
    if out != out.strip() or "  " in out:
        raise AssertionError(f"normalizer left stray spaces: {out!r}"[:200])
    if norm.remove_punctuation and not all(c.isalnum() or c == " " or c in norm.keep for c in out):
        raise AssertionError(f"normalizer left punctuation: {out!r}"[:200])


def normalizer_seeds() -> list[bytes]:
    return [bytes([0x1F]) + "Hello, World! It's 1999 \u2014 na\u00efve caf\u00e9 \u00bd 42nd".encode(),
            bytes([0x0F]) + "D\u00e9j\u00e0 vu: 'quoted' \u4f60\u597d 007 \u0663\u0664".encode()]


# ------------------------------------------------------------------ model package
def run_package(data: bytes) -> None:
    from gru_asr.packaging import load_package, read_package_info

    path = _SCRATCH / "model.safetensors"
    path.write_bytes(data)
    read_package_info(path)
    load_package(path, verify=len(data) % 2 == 0)  # half the inputs skip the checksum, to reach the builder


def package_seeds() -> list[bytes]:
    import torch

    from gru_asr.models import CTCModel
    from gru_asr.packaging import save_package

    torch.manual_seed(0)
    config = {
        "sample_rate": 16000, "text": {}, "tokenizer": {"name": "char"},
        "frontend": {"name": "logmel", "n_mels": 20, "dither": 0.0}, "augment": [],
        "encoder": {"name": "bigru", "hidden_size": 8, "num_layers": 1, "dropout": 0.0, "subsampling": {"channels": [2, 2]}},
        "head": {"name": "ctc"}, "decoder": {"name": "greedy"},
    }
    path = save_package(CTCModel(config).eval(), _SCRATCH / "seed.safetensors")
    return [path.read_bytes()]


def preload() -> None:
    """Import the code under test now (under atheris, inside its instrumentation)."""
    import gru_asr.audio  # noqa: F401
    import gru_asr.data.importers  # noqa: F401
    import gru_asr.data.manifest  # noqa: F401
    import gru_asr.models  # noqa: F401
    import gru_asr.packaging  # noqa: F401
    import gru_asr.text  # noqa: F401


def all_targets() -> dict[str, Target]:
    from gru_asr.audio import AudioError
    from gru_asr.data.manifest import ManifestError
    from gru_asr.packaging import PackageError

    return {t.name: t for t in [
        Target("audio", run_audio, (AudioError,), audio_seeds),
        Target("manifest_jsonl", run_manifest_jsonl, (ManifestError,), manifest_seeds),
        Target("manifest_nemo", run_manifest_nemo, (ManifestError,), nemo_seeds),
        Target("manifest_kaldi", run_manifest_kaldi, (ManifestError,), kaldi_seeds),
        Target("normalizer", run_normalizer, (), normalizer_seeds),
        Target("package", run_package, (PackageError,), package_seeds),
    ]}
