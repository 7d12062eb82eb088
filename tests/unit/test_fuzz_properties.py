"""Property-based tests (hypothesis) over the readers of untrusted input: the
only exceptions that may escape are the documented ones.

* audio loader (``load_audio``, ``audio_info``)      -> ``AudioError``
* manifest readers (JSONL, NeMo, Kaldi)             -> ``ManifestError``
* transcript normalizer                             -> never raises on a string
* model-package reader (``load_package``, info)     -> ``PackageError``

``tools/fuzz/fuzz.py`` runs the same targets coverage-guided (atheris) for as
long as you like.
"""

import io
import json
import string
import tempfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gru_asr.audio import AudioError, audio_info, load_audio
from gru_asr.data.importers import from_kaldi, from_nemo
from gru_asr.data.manifest import ManifestError, read_manifest
from gru_asr.models import CTCModel
from gru_asr.packaging import PackageError, load_package, read_package_info, save_package
from gru_asr.text import TextNormalizer
from tests.conftest import small_model_config

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                derandomize=True)  # the same examples on every run: a failure reproduces


def _scratch() -> Path:
    # hypothesis runs many examples per test; tmp_path would be shared across them
    return Path(tempfile.mkdtemp(prefix="gru_asr_fuzz_"))


def _wav_bytes(fmt: str = "WAV", subtype: str = "PCM_16", seconds: float = 0.2) -> bytes:
    buf = io.BytesIO()
    x = (0.3 * np.sin(np.arange(int(16000 * seconds)) / 7)).astype(np.float32)
    sf.write(buf, x, 16000, format=fmt, subtype=subtype)
    return buf.getvalue()


SEED_AUDIO = [_wav_bytes(), _wav_bytes("FLAC", "PCM_16"), _wav_bytes("WAV", "FLOAT"), _wav_bytes("OGG", "VORBIS")]


@st.composite
def mutated(draw, seeds: list[bytes]):
    """A seed with random byte edits: flips, cuts, insertions, overwrites."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "overwrite"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "cut":
            del data[pos : pos + draw(st.integers(1, 4096))]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        else:
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[pos : pos + len(chunk)] = chunk
    return bytes(data)


# ---------------------------------------------------------------- audio loader
@FUZZ
@given(data=st.one_of(st.binary(max_size=2048), mutated(SEED_AUDIO)),
       ext=st.sampled_from([".wav", ".flac", ".ogg", ".mp3", ".sph", ".aiff"]),
       offset=st.sampled_from([0.0, 0.05]), duration=st.sampled_from([None, 0.1]))
def test_audio_loader_raises_only_audio_error(data, ext, offset, duration):
    path = _scratch() / f"x{ext}"
    path.write_bytes(data)
    try:
        wav = load_audio(path, 16000, offset=offset, duration=duration)
    except AudioError as err:
        assert err.path and err.reason  # names the file and says why
    else:
        assert wav.dtype == torch.float32 and wav.ndim == 1 and wav.numel() > 0
        assert torch.isfinite(wav).all()
    try:
        info = audio_info(path)
    except AudioError:
        return
    assert info.sample_rate > 0 and info.num_frames >= 0


def test_truncated_wav_is_refused_not_read_in_part(tmp_path):
    data = _wav_bytes(seconds=1.0)
    path = tmp_path / "cut.wav"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioError, match="truncated"):
        load_audio(path)
    with pytest.raises(AudioError, match="truncated"):
        audio_info(path)


def test_absurd_sample_rate_in_a_header_is_refused_or_snapped(tmp_path):
    import struct

    data = bytearray(_wav_bytes(seconds=0.5))
    data[24:28] = struct.pack("<I", 44101)  # a rate whose exact resampling kernel would take 2.8 GB
    data[28:32] = struct.pack("<I", 44101 * 2)
    (tmp_path / "odd.wav").write_bytes(bytes(data))
    wav = load_audio(tmp_path / "odd.wav", 16000)  # snapped to 44.1 kHz: quick, small
    assert abs(wav.numel() - round(8000 * 16000 / 44100)) <= 2
    data[24:28] = struct.pack("<I", 7)
    (tmp_path / "slow.wav").write_bytes(bytes(data))
    with pytest.raises(AudioError, match="sample rate"):
        load_audio(tmp_path / "slow.wav", 16000)


# ------------------------------------------------------------ manifest parsers
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
entry_dicts = st.fixed_dictionaries(
    {},
    optional={"id": json_values, "audio": st.one_of(st.text(max_size=30), json_values),
              "duration": st.one_of(st.floats(allow_nan=True, allow_infinity=True), json_values),
              "offset": json_values, "text": json_values, "audio_filepath": st.one_of(st.text(max_size=30), json_values)},
)
manifest_lines = st.one_of(entry_dicts.map(json.dumps), st.text(max_size=60), json_values.map(json.dumps))
manifest_bytes = st.one_of(
    st.lists(manifest_lines, max_size=6).map(lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")),
    st.binary(max_size=300),
    st.integers(1, 3000).map(lambda depth: ("[" * depth + "]" * depth).encode()),  # deep nesting
)


def _check_entries(entries):
    for e in entries:
        assert isinstance(e["id"], str) and isinstance(e["audio"], str) and isinstance(e["text"], str)
        assert e["duration"] >= 0 and np.isfinite(e["duration"])
        assert e.get("offset", 0.0) >= 0 and np.isfinite(e.get("offset", 0.0))


@FUZZ
@given(data=manifest_bytes)
def test_jsonl_manifest_reader_raises_only_manifest_error(data):
    path = _scratch() / "m.jsonl"
    path.write_bytes(data)
    try:
        entries = read_manifest(path)
    except ManifestError as err:
        assert str(path) in str(err)
    else:
        _check_entries(entries)


@FUZZ
@given(data=manifest_bytes)
def test_nemo_manifest_reader_raises_only_manifest_error(data):
    path = _scratch() / "nemo.json"
    path.write_bytes(data)
    try:
        entries = from_nemo(path)
    except ManifestError as err:
        assert str(path) in str(err)
    else:
        _check_entries(entries)


kaldi_token = st.text(alphabet=string.ascii_letters + string.digits + "._-/|\t \x00é", max_size=12)
kaldi_table = st.lists(st.lists(kaldi_token, min_size=0, max_size=5).map(" ".join), max_size=5).map("\n".join)


@FUZZ
@given(files=st.fixed_dictionaries({"wav.scp": st.one_of(kaldi_table, st.binary(max_size=80).map(lambda b: b.decode("latin-1")))},
                                   optional={"text": kaldi_table, "segments": kaldi_table, "utt2spk": kaldi_table}),
       raw=st.booleans())
def test_kaldi_importer_raises_only_manifest_error(files, raw):
    d = _scratch()
    for name, content in files.items():
        (d / name).write_bytes(content.encode("latin-1" if raw else "utf-8", "replace"))
    try:
        entries = from_kaldi(d)
    except ManifestError:
        return
    _check_entries(entries)


# ------------------------------------------------------------ text normalizer
normalizers = st.builds(TextNormalizer, lowercase=st.booleans(), strip_accents=st.booleans(),
                        remove_punctuation=st.booleans(), digits=st.sampled_from(["keep", "drop", "spell"]),
                        keep=st.sampled_from(["'", "", "'-"]))


@FUZZ
@given(norm=normalizers, text=st.text(max_size=80))
def test_normalizer_never_raises_and_output_is_clean(norm, text):
    out = norm(text)
    assert isinstance(out, str)
    assert out == out.strip() and "  " not in out
    if norm.remove_punctuation:
        assert all(c.isalnum() or c == " " or c in norm.keep for c in out)
    if norm.digits == "spell":
        assert not any(c in "0123456789" for c in out)


@FUZZ
@given(text=st.text(max_size=80))
def test_default_normalizer_is_idempotent(text):
    norm = TextNormalizer()
    once = norm(text)
    assert norm(once) == once


# ---------------------------------------------------------- model package reader
def _package_bytes() -> bytes:
    torch.manual_seed(0)
    model = CTCModel(small_model_config()).eval()
    path = save_package(model, _scratch() / "m.safetensors")
    return path.read_bytes()


SEED_PACKAGE = _package_bytes()


@FUZZ
@given(data=st.one_of(st.binary(max_size=512), mutated([SEED_PACKAGE])), verify=st.booleans())
def test_package_reader_raises_only_package_error(data, verify):
    path = _scratch() / "p.safetensors"
    path.write_bytes(data)
    try:
        info = read_package_info(path)
        assert isinstance(info["config"], dict)
    except PackageError as err:
        assert str(path) in str(err)
    try:
        model = load_package(path, verify=verify)
    except PackageError as err:
        assert str(path) in str(err)
    else:
        assert isinstance(model, CTCModel)
