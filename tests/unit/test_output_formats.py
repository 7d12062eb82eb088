import json
import re

from gru_asr.decoders import WordTiming
from gru_asr.inference import TranscriptionResult
from gru_asr.inference.formats import format_result
from gru_asr.inference.inputs import expand_inputs


def result():
    words = [WordTiming(w, s, s + 0.4, 0.9) for w, s in zip("one two three four five".split(), [0.1, 0.6, 1.1, 4.0, 4.5])]
    return TranscriptionResult(audio="dir/a.wav", text="one two three four five", duration=5.5, words=words)


def _times(block_line, sep):
    a, b = block_line.split(" --> ")
    def sec(x):
        h, m, rest = x.split(":")
        s, ms = rest.split(sep)
        return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000
    return sec(a), sec(b)


def test_srt_cues_are_numbered_ordered_and_split_at_pauses():
    srt = format_result(result(), "srt")
    blocks = [b.splitlines() for b in srt.strip().split("\n\n")]
    assert [b[0] for b in blocks] == ["1", "2"]  # the 2.5 s pause starts a new cue
    spans = [_times(b[1], ",") for b in blocks]
    assert all(s < e for s, e in spans) and spans[0][1] <= spans[1][0]
    assert [b[2] for b in blocks] == ["one two three", "four five"]


def test_vtt_header_and_timing():
    vtt = format_result(result(), "vtt")
    assert vtt.startswith("WEBVTT\n\n")
    lines = [x for x in vtt.splitlines() if "-->" in x]
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}", lines[0])
    assert _times(lines[0], ".") == (0.1, 1.5)


def test_ctm_has_six_columns_per_word():
    rows = [r.split() for r in format_result(result(), "ctm").splitlines()]
    assert len(rows) == 5 and all(len(r) == 6 for r in rows)
    assert rows[0] == ["a", "1", "0.100", "0.400", "one", "0.9000"]


def test_jsonl_round_trips():
    d = json.loads(format_result(result(), "jsonl"))
    assert d["audio"] == "dir/a.wav" and d["words"][2]["word"] == "three" and "error" not in d


def test_expand_inputs_folders_globs_and_manifests(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    for name in ["b.wav", "a.flac", "sub/c.mp3", "notes.txt"]:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "m.jsonl").write_text(json.dumps({"audio": "a.flac", "duration": 1}) + "\n")
    assert expand_inputs([str(tmp_path)]) == [str(tmp_path / "a.flac"), str(tmp_path / "b.wav"), str(tmp_path / "sub/c.mp3")]
    assert expand_inputs([str(tmp_path / "*.wav")]) == [str(tmp_path / "b.wav")]
    assert expand_inputs([str(tmp_path / "m.jsonl")]) == [str(tmp_path / "a.flac")]
    assert expand_inputs(["missing.wav"]) == ["missing.wav"]  # reported later, per file
