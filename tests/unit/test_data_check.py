import numpy as np
import pytest
import soundfile as sf

from gru_asr.data import write_manifest
from gru_asr.data.check import check_manifest, write_cleaned
from gru_asr.text import TextNormalizer
from gru_asr.tokenizers import CharTokenizer


@pytest.fixture
def manifest(tmp_path):
    sr = 16000
    def wav(name, seconds):
        p = tmp_path / name
        sf.write(p, np.zeros(int(seconds * sr), dtype=np.float32) + 0.01, sr)
        return str(p)
    zero = tmp_path / "zero.wav"
    sf.write(zero, np.zeros(0, dtype=np.float32), sr)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"\x00\x01garbage" * 50)
    entries = [
        {"id": "ok", "audio": wav("ok.wav", 1.0), "duration": 1.0, "text": "fine words"},
        {"id": "missing", "audio": str(tmp_path / "gone.wav"), "duration": 1.0, "text": "x"},
        {"id": "corrupt", "audio": str(junk), "duration": 1.0, "text": "x"},
        {"id": "zero", "audio": str(zero), "duration": 0.0, "text": "x"},
        {"id": "mismatch", "audio": wav("m.wav", 2.0), "duration": 1.0, "text": "ok"},
        {"id": "empty", "audio": wav("e.wav", 1.0), "duration": 1.0, "text": " .. "},
        {"id": "chars", "audio": wav("c.wav", 1.0), "duration": 1.0, "text": "\u00e9t\u00e9 \u00fc\u00df \u4f60"},
        {"id": "long", "audio": wav("l.wav", 3.0), "duration": 3.0, "text": "ok"},
        {"id": "ctc", "audio": wav("t.wav", 0.3), "duration": 0.3, "text": "a transcript far too long for point three seconds"},
    ]
    return write_manifest(tmp_path / "train.jsonl", entries)


def test_every_problem_kind_is_reported(manifest):
    report, good = check_manifest(
        manifest, TextNormalizer(), CharTokenizer(), frames_for_samples=lambda n: n // 640, max_duration=2.5
    )
    kinds = {uid: {p.split(":")[0] for p in probs} for uid, probs in report.problems.items()}
    assert kinds["missing"] == {"unreadable_audio"}
    assert kinds["corrupt"] == {"unreadable_audio"}
    assert "unreadable_audio" in kinds["zero"] or "zero_length" in kinds["zero"]
    assert kinds["mismatch"] == {"duration_mismatch"}
    assert kinds["empty"] == {"empty_transcript"}
    assert kinds["chars"] == {"unknown_characters"}
    assert kinds["long"] == {"too_long"}
    assert "ctc_infeasible" in kinds["ctc"]
    assert [e["id"] for e in good] == ["ok"] and report.ok == 1


def test_cleaned_manifest_is_written_beside_and_never_overwrites(manifest):
    original = manifest.read_bytes()
    _, good = check_manifest(manifest, TextNormalizer(), CharTokenizer())
    out = write_cleaned(manifest, good)
    assert out.name == "train.clean.jsonl" and manifest.read_bytes() == original
    with pytest.raises(FileExistsError):
        write_cleaned(manifest, good)
