"""The data commands (`prepare`, `data import`, `data shard`, `data check`) with bad
input: one line naming the file and the cause (exit 2, no traceback), nothing the
user already has is replaced without --overwrite, and no exit 0 with wrong output."""

import hashlib
import json
import logging

import numpy as np
import pytest
import soundfile as sf
import yaml

from gru_asr.cli.main import main as cli_main
from gru_asr.corpora import prepare_an4, prepare_commonvoice, prepare_librispeech
from gru_asr.corpora.common import CorpusError
from gru_asr.data import read_manifest, write_manifest
from gru_asr.data.check import check_manifest, training_duration_limits
from gru_asr.data.shards import write_shards

SR = 16000


def tone(path, seconds, sr=SR, fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.full(int(seconds * sr), 0.01, dtype=np.float32), sr, format=fmt, subtype="PCM_16")
    return path


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(capsys, *argv):
    """(exit code, stdout, stderr) of gru-asr ARGV, run in-process."""
    code = cli_main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_one_line_error(code, err, *names):
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for name in names:
        assert str(name) in lines[0], (name, err)
    return lines[0]


def an4_tree(root, speakers=("fash", "fbbh", "fclc", "mabc", "mdef"), per_speaker=2, audio=True):
    lines = []
    for spk in speakers:
        for n in range(per_speaker):
            utt = f"an{n}{len(lines)}-{spk}-b"
            if audio:
                tone(root / "wav/an4_clstk" / spk / f"{utt}.wav", 0.5 + n / 4)
            lines.append(f"<s> YES {n} </s> ({utt})")
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "etc/an4_train.transcription").write_text("\n".join(lines) + "\n")
    return root


# --- data import -------------------------------------------------------------------


def nemo_manifest(tmp_path, name="nemo.json"):
    tone(tmp_path / "a.wav", 1.0)
    src = tmp_path / name
    src.write_text(json.dumps({"audio_filepath": "a.wav", "duration": 1.0, "text": "hello"}) + "\n")
    return src


def test_import_refuses_an_existing_output_unless_overwrite(tmp_path, capsys):
    src = nemo_manifest(tmp_path)
    out = tmp_path / "mine.jsonl"
    out.write_text("hand-edited\n")
    before = digest(out)
    code, _, err = run(capsys, "data", "import", src, "-o", out)
    assert "--overwrite" in assert_one_line_error(code, err, out)
    assert digest(out) == before
    code, stdout, _ = run(capsys, "data", "import", src, "-o", out, "--overwrite")
    assert code == 0 and [e["text"] for e in read_manifest(out)] == ["hello"]


def test_import_never_writes_over_its_own_source(tmp_path, capsys):
    src = nemo_manifest(tmp_path)
    before = digest(src)
    for extra in ([], ["--overwrite"]):
        code, _, err = run(capsys, "data", "import", src, "-o", src, *extra)
        assert "source" in assert_one_line_error(code, err, src)
        assert digest(src) == before
    # a Kaldi dir: none of the tables it reads, even through another spelling of the path
    d = kaldi_dir(tmp_path)
    before = digest(d / "text")
    code, _, err = run(capsys, "data", "import", d, "-o", d / ".." / d.name / "text", "--overwrite")
    assert_one_line_error(code, err, "text")
    assert digest(d / "text") == before


def kaldi_dir(tmp_path, text=True):
    tone(tmp_path / "u1.wav", 0.5)
    tone(tmp_path / "u2.wav", 0.75)
    d = tmp_path / "kaldi"
    d.mkdir(exist_ok=True)
    (d / "wav.scp").write_text(f"u1 {tmp_path / 'u1.wav'}\nu2 {tmp_path / 'u2.wav'}\n")
    if text:
        (d / "text").write_text("u1 some words\nu2 more words\n")
    return d


def test_import_of_a_kaldi_dir_without_transcripts_is_refused(tmp_path, capsys):
    d = kaldi_dir(tmp_path, text=False)
    out = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "data", "import", d, "-o", out)
    assert "no text file" in assert_one_line_error(code, err, d)
    assert not out.exists()
    # some utterances without a line in text: refused too, naming them
    (d / "text").write_text("u1 some words\n")
    code, _, err = run(capsys, "data", "import", d, "-o", out)
    line = assert_one_line_error(code, err, d / "text", "u2")
    assert "1 of 2" in line and not out.exists()
    (d / "text").write_text("u1 some words\nu2 more words\n")
    assert run(capsys, "data", "import", d, "-o", out)[0] == 0
    assert [e["text"] for e in read_manifest(out)] == ["some words", "more words"]


@pytest.mark.parametrize("case", ["missing", "empty", "wrong_format", "latin1", "kaldi_empty_scp", "output_is_dir"])
def test_import_bad_input_is_one_line(tmp_path, capsys, case):
    src = tmp_path / "src.json"
    out = tmp_path / "out.jsonl"
    if case == "empty":
        src.write_text("")
    elif case == "wrong_format":  # a gru_asr manifest is not a NeMo one
        src.write_text(json.dumps({"audio": "a.wav", "duration": 1.0, "text": "x"}) + "\n")
    elif case == "latin1":
        src.write_bytes(json.dumps({"audio_filepath": "a.wav", "duration": 1.0, "text": "caf\u00e9"}, ensure_ascii=False).encode("latin-1"))
    elif case == "kaldi_empty_scp":
        src = kaldi_dir(tmp_path)
        (src / "wav.scp").write_text("")
    elif case == "output_is_dir":
        src = nemo_manifest(tmp_path)
        out = tmp_path / "folder"
        out.mkdir()
    code, _, err = run(capsys, "data", "import", src, "-o", out)
    assert_one_line_error(code, err, src if case != "output_is_dir" else out)
    assert not out.is_file()


# --- prepare -----------------------------------------------------------------------


def test_prepare_refuses_to_replace_existing_manifests(tmp_path, capsys):
    root = an4_tree(tmp_path / "an4")
    out = tmp_path / "data"
    out.mkdir()
    (out / "train.jsonl").write_text('{"hand": "edited"}\n')
    before = digest(out / "train.jsonl")
    code, _, err = run(capsys, "prepare", "an4", "--root", root, "--out", out, "--synth-sentences", "10")
    assert "--overwrite" in assert_one_line_error(code, err, out, "train.jsonl")
    assert digest(out / "train.jsonl") == before and not (out / "dev.jsonl").exists()
    # synth_text.txt is an output as well
    (out / "train.jsonl").unlink()
    (out / "synth_text.txt").write_text("my own sentences\n")
    code, _, err = run(capsys, "prepare", "an4", "--root", root, "--out", out, "--synth-sentences", "10")
    assert_one_line_error(code, err, "synth_text.txt")
    assert (out / "synth_text.txt").read_text() == "my own sentences\n"
    code, stdout, _ = run(capsys, "prepare", "an4", "--root", root, "--out", out, "--synth-sentences", "10", "--overwrite")
    assert code == 0 and "train" in stdout and (out / "dev.jsonl").is_file()
    assert (out / "synth_text.txt").read_text() != "my own sentences\n"


def test_prepare_out_naming_a_file_is_one_line(tmp_path, capsys):
    root = an4_tree(tmp_path / "an4")
    out = tmp_path / "data.jsonl"
    out.write_text("x\n")
    code, _, err = run(capsys, "prepare", "an4", "--root", root, "--out", out)
    assert "is a file" in assert_one_line_error(code, err, out)
    assert out.read_text() == "x\n"


def test_an4_without_audio_fails_and_missing_audio_is_reported(tmp_path, capsys, caplog):
    root = an4_tree(tmp_path / "an4", audio=False)  # etc/ but no wav/
    code, _, err = run(capsys, "prepare", "an4", "--root", root, "--out", tmp_path / "o1")
    assert "none of the 10 utterances" in assert_one_line_error(code, err, root)
    assert not (tmp_path / "o1").exists()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # the one line only

    root = an4_tree(tmp_path / "an4b", per_speaker=3)
    for wav in (root / "wav/an4_clstk/fbbh").iterdir():  # one speaker's recordings are missing
        wav.unlink()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        out = prepare_an4(root, tmp_path / "o2", dev_speakers=1, synth_sentences=10)
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1, warned
    assert "3 of 15 listed utterances left out" in warned[0] and "no audio file" in warned[0]
    assert "an14-fbbh-b" in warned[0] and "an4_train.transcription" in warned[0]
    assert sum(len(read_manifest(p)) for p in out.values()) == 12


def librispeech_tree(tmp_path, splits=("dev-clean",)):
    base = tmp_path / "LibriSpeech"
    for split in splits:
        d = base / split / "84" / "121123"
        texts = []
        for i in range(3):
            utt = f"84-121123-{i:04d}"
            tone(d / f"{utt}.flac", 0.5 + i / 4, fmt="FLAC")
            texts.append(f"{utt} WORDS {i}")
        (d / "84-121123.trans.txt").write_text("\n".join(texts) + "\n")
    return base


def test_librispeech_with_only_empty_splits_fails(tmp_path, capsys, caplog):
    base = tmp_path / "LibriSpeech"
    (base / "dev-clean").mkdir(parents=True)
    code, _, err = run(capsys, "prepare", "librispeech", "--root", tmp_path, "--out", tmp_path / "out")
    assert "dev-clean" in assert_one_line_error(code, err, base)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    # an empty split next to a full one: prepared, and the empty one reported
    librispeech_tree(tmp_path, splits=("test-clean",))
    with caplog.at_level(logging.WARNING):
        out = prepare_librispeech(tmp_path, tmp_path / "out")
    assert set(out) == {"test-clean"}
    assert any("dev-clean" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def test_librispeech_missing_audio_and_non_utf8_transcripts(tmp_path, capsys, caplog):
    base = librispeech_tree(tmp_path)
    (base / "dev-clean/84/121123/84-121123-0001.flac").unlink()
    with caplog.at_level(logging.WARNING):
        out = prepare_librispeech(tmp_path, tmp_path / "o1")
    assert [e["id"] for e in read_manifest(out["dev-clean"])] == ["84-121123-0000", "84-121123-0002"]
    warned = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "1 of 3" in warned and "84-121123-0001" in warned
    trans = base / "dev-clean/84/121123/84-121123.trans.txt"
    trans.write_bytes("84-121123-0000 CAF\u00c9\n".encode("latin-1"))
    code, _, err = run(capsys, "prepare", "librispeech", "--root", tmp_path, "--out", tmp_path / "o2")
    assert "UTF-8" in assert_one_line_error(code, err, trans)


def commonvoice_release(tmp_path, locales=("en",)):
    root = tmp_path / "cv-corpus"
    header = "client_id\tpath\tsentence\tup_votes\tdown_votes\n"
    for loc in locales:
        base = root / loc
        tone(base / f"clips/{loc}_a.wav", 1.0)
        tone(base / f"clips/{loc}_b.wav", 1.5)
        (base / "train.tsv").write_text(header + f"c1\t{loc}_a.wav\t{loc} sentence one\t2\t0\n")
        (base / "test.tsv").write_text(header + f"c2\t{loc}_b.wav\t{loc} sentence two\t2\t0\n")
    return root


def test_commonvoice_locale_is_the_one_asked_for(tmp_path, capsys):
    root = commonvoice_release(tmp_path, locales=("en",))
    # only English in the release: --locale de is an error, never the English clips
    code, _, err = run(capsys, "prepare", "commonvoice", "--root", root, "--locale", "de", "--out", tmp_path / "de")
    line = assert_one_line_error(code, err, root, "'de'")
    assert "found: en" in line and not (tmp_path / "de").exists()
    root = commonvoice_release(tmp_path, locales=("en", "de"))
    out = prepare_commonvoice(root, tmp_path / "de2", locale="de")
    assert [e["text"] for e in read_manifest(out["train"])] == ["de sentence one"]
    assert all("/de/clips/" in e["audio"] for e in read_manifest(out["test"]))
    # the locale folder itself as --root
    out = prepare_commonvoice(root / "de", tmp_path / "de3", locale="de")
    assert [e["text"] for e in read_manifest(out["train"])] == ["de sentence one"]
    # two locales and no --locale: which one is ambiguous
    with pytest.raises(CorpusError, match="pass --locale"):
        prepare_commonvoice(root, tmp_path / "x")


def test_commonvoice_tsv_without_its_columns_is_one_line(tmp_path, capsys):
    root = commonvoice_release(tmp_path)
    (root / "en/train.tsv").write_text("a,b,c\n1,2,3\n")
    code, _, err = run(capsys, "prepare", "commonvoice", "--root", root, "--locale", "en", "--out", tmp_path / "o")
    assert_one_line_error(code, err, root / "en/train.tsv", "path")


# --- data shard --------------------------------------------------------------------


def shard_manifest(tmp_path):
    good = tone(tmp_path / "good.wav", 1.0)
    truncated = tone(tmp_path / "truncated.wav", 2.0)
    truncated.write_bytes(truncated.read_bytes()[: 44 + 16000])  # half the samples are gone
    slow = tmp_path / "slow.wav"
    sf.write(slow, np.full(999, 0.01, dtype=np.float32), 999, subtype="PCM_16")
    entries = [
        {"id": "good", "audio": str(good), "duration": 1.0, "text": "fine"},
        {"id": "truncated", "audio": str(truncated), "duration": 2.0, "text": "cut"},
        {"id": "slow", "audio": str(slow), "duration": 1.0, "text": "odd rate"},
    ]
    return write_manifest(tmp_path / "m.jsonl", entries), truncated, slow


@pytest.mark.parametrize("audio_format", ["flac", "wav", "original"])
def test_shard_leaves_out_audio_that_load_audio_refuses(tmp_path, audio_format):
    from gru_asr.audio import AudioError, load_audio

    manifest, truncated, slow = shard_manifest(tmp_path)
    for bad in (truncated, slow):
        with pytest.raises(AudioError):
            load_audio(bad)
    result = write_shards(read_manifest(manifest), tmp_path / "shards", shard_size=10, audio_format=audio_format)
    assert result.utterances == 1
    reasons = result.report.skipped
    assert set(reasons) == {"truncated", "slow"}
    assert str(truncated) in reasons["truncated"] and "truncated" in reasons["truncated"]
    assert str(slow) in reasons["slow"] and "999 Hz" in reasons["slow"]
    assert not any("BytesIO" in r for r in reasons.values())


def test_shard_cli_reports_and_refuses(tmp_path, capsys):
    manifest, truncated, _ = shard_manifest(tmp_path)
    out = tmp_path / "shards"
    code, stdout, err = run(capsys, "data", "shard", manifest, "--out", out)
    assert code == 0 and "(2 left out)" in stdout
    assert f"truncated: {truncated}: truncated" in err and "BytesIO" not in err
    index = digest(out / "shards.jsonl")
    code, _, err = run(capsys, "data", "shard", manifest, "--out", out)
    assert "--overwrite" in assert_one_line_error(code, err, out)
    assert digest(out / "shards.jsonl") == index
    assert run(capsys, "data", "shard", manifest, "--out", out, "--overwrite", "--keep-order")[0] == 0
    # nothing usable at all: an error, not an empty shard folder
    bad = write_manifest(tmp_path / "bad.jsonl", [e for e in read_manifest(manifest) if e["id"] != "good"])
    code, _, err = run(capsys, "data", "shard", bad, "--out", tmp_path / "s2")
    assert code == 2 and err.strip().splitlines()[-1].startswith("error: ") and "Traceback" not in err
    assert not (tmp_path / "s2/shards.jsonl").exists()


@pytest.mark.parametrize("case", ["missing", "empty", "wrong_format", "latin1", "out_is_file"])
def test_shard_bad_input_is_one_line(tmp_path, capsys, case):
    manifest, _, _ = shard_manifest(tmp_path)
    out = tmp_path / "shards"
    if case == "missing":
        manifest = tmp_path / "nope.jsonl"
    elif case == "empty":
        manifest.write_text("")
    elif case == "wrong_format":
        manifest.write_text("id,audio,duration\nu1,a.wav,1.0\n")
    elif case == "latin1":
        manifest.write_bytes('{"audio": "good.wav", "duration": 1.0, "text": "caf\u00e9"}\n'.encode("latin-1"))
    else:
        out.write_text("x\n")
    code, _, err = run(capsys, "data", "shard", manifest, "--out", out)
    assert_one_line_error(code, err, out if case == "out_is_file" else manifest)


# --- data check --------------------------------------------------------------------


def test_check_limits_are_trainings_own(tmp_path):
    from gru_asr.config_location import config_dir

    conf = config_dir()
    group = next(d["data"] for d in yaml.safe_load((conf / "train.yaml").read_text())["defaults"]
                 if isinstance(d, dict) and "data" in d)
    data = yaml.safe_load((conf / "data" / f"{group}.yaml").read_text())
    lo, hi = training_duration_limits()
    assert (lo, hi) == (data["min_duration"], data["max_duration"])
    # a run's saved config: its own limits
    run_config = tmp_path / "config.yaml"
    run_config.write_text(yaml.safe_dump({"data": {"min_duration": 0.5, "max_duration": 11.0}}))
    assert training_duration_limits(run_config) == (0.5, 11.0)


def test_check_flags_what_training_skips_duplicates_and_empty_manifests(tmp_path, capsys):
    lo, hi = training_duration_limits()
    short, long_ = lo * 2 / 3, hi + 5  # 0.2 s and 25 s with training's 0.3-20 s
    entries = [
        {"id": "ok", "audio": str(tone(tmp_path / "ok.wav", 1.0)), "duration": 1.0, "text": "fine"},
        {"id": "short", "audio": str(tone(tmp_path / "s.wav", short)), "duration": round(short, 3), "text": "a"},
        {"id": "long", "audio": str(tone(tmp_path / "l.wav", long_, sr=1000)), "duration": long_, "text": "long"},
        {"id": "ok", "audio": str(tmp_path / "ok.wav"), "duration": 1.0, "text": "again"},
    ]
    manifest = write_manifest(tmp_path / "m.jsonl", entries)
    report, good = check_manifest(manifest)
    kinds = {uid: {p.split(":")[0] for p in probs} for uid, probs in report.problems.items()}
    assert kinds == {"short": {"too_short"}, "long": {"too_long"}, "ok#4": {"duplicate_id"}}
    assert [e["id"] for e in good] == ["ok"]
    code, stdout, _ = run(capsys, "data", "check", manifest)
    assert code == 1 and "duplicate_id" in stdout and "too_short" in stdout and "too_long" in stdout
    # explicit limits still win
    code, stdout, _ = run(capsys, "data", "check", manifest, "--min-duration", "0.1", "--max-duration", "30")
    assert code == 1 and "too_short" not in stdout and "too_long" not in stdout
    # an empty manifest is an error, not "0 utterances: 0 ok"
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    code, _, err = run(capsys, "data", "check", empty)
    assert "no utterances" in assert_one_line_error(code, err, empty)


@pytest.mark.parametrize("case", ["missing", "wrong_format", "latin1", "bad_config"])
def test_check_bad_input_is_one_line(tmp_path, capsys, case):
    manifest = tmp_path / "m.jsonl"
    extra, name = [], manifest
    if case == "wrong_format":
        manifest.write_text("id\taudio\n")
    elif case == "latin1":
        manifest.write_bytes('{"audio": "a.wav", "duration": 1.0, "text": "caf\u00e9"}\n'.encode("latin-1"))
    elif case == "bad_config":
        manifest.write_text(json.dumps({"audio": "a.wav", "duration": 1.0, "text": "x"}) + "\n")
        name = tmp_path / "config.yaml"
        name.write_text("just a string\n")
        extra = ["--config", name]
    code, _, err = run(capsys, "data", "check", manifest, *extra)
    assert_one_line_error(code, err, name)
