import json

import numpy as np
import pytest
import soundfile as sf

from gru_asr.audio import load_audio
from gru_asr.data import read_manifest, write_manifest
from gru_asr.data.importers import from_kaldi, from_nemo
from gru_asr.data.manifest import ManifestError


def test_nemo_round_trip(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"")
    src = tmp_path / "nemo.json"
    src.write_text("\n".join(json.dumps(x) for x in [
        {"audio_filepath": "a.wav", "duration": 1.5, "text": "hello"},
        {"audio_filepath": "/abs/b.flac", "duration": 2.0, "text": "world", "offset": 3.0},
    ]))
    entries = from_nemo(src)
    out = write_manifest(tmp_path / "out.jsonl", entries)
    back = read_manifest(out)
    assert [e["text"] for e in back] == ["hello", "world"]
    assert back[0]["audio"] == str(tmp_path / "a.wav") and back[1]["offset"] == 3.0 and back[1]["duration"] == 2.0


def test_kaldi_dir_with_segments_reads_the_right_slices(tmp_path):
    sr = 16000
    x = np.arange(3 * sr, dtype=np.float32) / (3 * sr)
    sf.write(tmp_path / "rec1.wav", x, sr, subtype="FLOAT")
    d = tmp_path / "data"
    d.mkdir()
    (d / "wav.scp").write_text(f"rec1 {tmp_path / 'rec1.wav'}\n")
    (d / "segments").write_text("utt1 rec1 0.5 1.0\nutt2 rec1 2.0 2.75\n")
    (d / "text").write_text("utt1 first part\nutt2 second part\n")
    (d / "utt2spk").write_text("utt1 spkA\nutt2 spkB\n")
    entries = from_kaldi(d)
    assert [(e["id"], e["offset"], e["duration"], e["speaker"]) for e in entries] == [("utt1", 0.5, 0.5, "spkA"), ("utt2", 2.0, 0.75, "spkB")]
    seg = load_audio(entries[1]["audio"], offset=entries[1]["offset"], duration=entries[1]["duration"])
    assert seg.numel() == 12000 and abs(float(seg[0]) - 2.0 / 3) < 1e-4


def test_kaldi_without_segments_and_piped_commands(tmp_path):
    sf.write(tmp_path / "u.wav", np.zeros(8000, dtype=np.float32), 16000)
    d = tmp_path / "data"
    d.mkdir()
    (d / "wav.scp").write_text(f"u1 {tmp_path / 'u.wav'}\n")
    (d / "text").write_text("u1 some words\n")
    assert from_kaldi(d) == [{"id": "u1", "audio": str(tmp_path / "u.wav"), "duration": 0.5, "text": "some words"}]
    (d / "wav.scp").write_text("u1 sox in.wav -t wav - |\n")
    with pytest.raises(ManifestError, match="piped command"):
        from_kaldi(d)


def test_kaldi_dir_without_transcripts_and_empty_nemo_are_refused(tmp_path):
    sf.write(tmp_path / "u.wav", np.zeros(8000, dtype=np.float32), 16000)
    d = tmp_path / "data"
    d.mkdir()
    (d / "wav.scp").write_text(f"u1 {tmp_path / 'u.wav'}\n")
    with pytest.raises(ManifestError, match="no text file"):  # not every transcript ""
        from_kaldi(d)
    (d / "text").write_text("")
    with pytest.raises(ManifestError, match=r"no transcript for 1 of 1 utterances \(u1\)"):
        from_kaldi(d)
    (tmp_path / "empty.json").write_text("\n")
    with pytest.raises(ManifestError, match="no utterances"):
        from_nemo(tmp_path / "empty.json")
