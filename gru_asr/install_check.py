"""Post-install smoke check: do the compiled dependencies load and work together?

    python -m gru_asr.install_check      (make runs it after every install)
    gru-asr doctor                       (the same, from the command line)

torch and torchaudio are a binary pair (libtorchaudio.so links against torch's C++
symbols), and flashlight-text, soundfile (libsndfile) and espeak-ng are native libraries
too. A broken pair otherwise shows up as dozens of import tracebacks in the test suite;
here it is one line that names the pair and the fix. Each check runs a small real
operation, not just an import, because an extension can import and still fail on first use.

Stdlib-only at module level, like ``gru_asr/__init__``: it must run when torch is broken.
"""

from __future__ import annotations

import importlib.metadata as metadata
import io
import re
import sys
from typing import Callable

FIX = "reinstall from the lock: `make venv` (or `pip install --require-hashes -r requirements/dev.txt`), see docs/install.md"


def pinned_versions() -> dict[str, str]:
    """The exact versions gru_asr's metadata pins (``name==version``), by normalized name."""
    pins = {}
    try:
        requires = metadata.requires("gru_asr") or []
    except metadata.PackageNotFoundError:
        return pins
    for req in requires:
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;,]+)\s*(;.*)?$", req)
        if match and not (match.group(3) and "extra" in match.group(3)):
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def installed(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _check_torch() -> None:
    import torch

    gru = torch.nn.GRU(4, 3, bidirectional=True, batch_first=True)
    out, _ = gru(torch.randn(2, 5, 4))
    out.sum().backward()


def _check_torchaudio() -> None:
    import torch
    import torchaudio
    import torchaudio.compliance.kaldi as kaldi
    import torchaudio.functional as F

    wave = torch.randn(1, 1600)
    kaldi.fbank(wave, num_mel_bins=23, sample_frequency=16000)
    torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_mels=23)(wave)
    F.resample(wave, 16000, 8000)
    # forced_align lives in libtorchaudio.so: this is the call that fails on a broken pair.
    log_probs = torch.randn(1, 10, 5).log_softmax(-1)
    F.forced_align(log_probs, torch.tensor([[1, 2, 3]], dtype=torch.int32), blank=0)


def _check_flashlight() -> None:
    from flashlight.lib.text.decoder import CriterionType, LexiconFreeDecoder, LexiconFreeDecoderOptions, ZeroLM

    options = LexiconFreeDecoderOptions(
        beam_size=2, beam_size_token=2, beam_threshold=10.0, lm_weight=0.0, sil_score=0.0,
        log_add=False, criterion_type=CriterionType.CTC,
    )
    LexiconFreeDecoder(options, ZeroLM(), 0, 0, [])
    from flashlight.lib.text.decoder.kenlm import KenLM  # noqa: F401  (the bundled KenLM binding)


def _check_soundfile() -> None:
    import numpy as np
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, np.zeros(160, dtype=np.float32), 16000, format="WAV")
    buffer.seek(0)
    data, rate = sf.read(buffer)
    if rate != 16000 or len(data) != 160:
        raise RuntimeError("soundfile read back the wrong audio")
    if "OGG" not in sf.available_formats():
        raise RuntimeError("this libsndfile cannot read Ogg (Opus/Vorbis) audio")


def _check_espeak() -> None:
    from gru_asr.synth.espeak import EspeakSynthesizer

    samples = EspeakSynthesizer().synthesize("test", "en-us")
    if len(samples) == 0:
        raise RuntimeError("espeak-ng produced no audio")


CHECKS: list[tuple[str, tuple[str, ...], Callable[[], None]]] = [
    ("torch", ("torch",), _check_torch),
    ("torchaudio", ("torch", "torchaudio"), _check_torchaudio),
    ("flashlight-text", ("flashlight-text",), _check_flashlight),
    ("soundfile", ("soundfile",), _check_soundfile),
    ("espeak-ng", ("espeakng-loader",), _check_espeak),
]


def _describe(packages: tuple[str, ...], pins: dict[str, str]) -> str:
    parts = []
    for name in packages:
        have = installed(name)
        want = pins.get(name)
        parts.append(f"{name} {have}" + (f" (lock: {want})" if want and not have.startswith(want) else ""))
    return " + ".join(parts)


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"[:300]


def run_checks() -> list[str]:
    """One line per failed check; empty when all pass."""
    pins = pinned_versions()
    failures = []
    for label, packages, check in CHECKS:
        try:
            check()
        except Exception as err:  # noqa: BLE001 - each failure becomes one line, by design
            failures.append(f"install check: {label} does not work ({_describe(packages, pins)}): "
                            f"{_first_line(err)}; {FIX}")
    return failures


def main(argv: list[str] | None = None) -> int:
    failures = run_checks()
    if failures:
        for line in failures:
            print(line, file=sys.stderr)
        return 1
    pins = pinned_versions()
    print("install check: ok (" + ", ".join(
        f"{name} {installed(name)}" for name in ("torch", "torchaudio", "flashlight-text", "soundfile", "espeakng-loader")
    ) + (")" if pins else "; gru_asr metadata not found)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
