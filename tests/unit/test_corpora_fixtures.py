"""LJSpeech and TED-LIUM 3 preparation on fixture trees in each corpus's exact
on-disk layout; corpus statistics; `gru-asr prepare` offers every registered corpus;
every recipe's run.sh parses."""

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from gru_asr.audio import load_audio
from gru_asr.cli.main import main as cli_main
from gru_asr.corpora import PREPARERS, prepare_ljspeech, prepare_tedlium3
from gru_asr.corpora.ljspeech import read_metadata
from gru_asr.corpora.statistics import manifest_statistics
from gru_asr.corpora.tedlium import clean_transcript, parse_stm_line
from gru_asr.data import read_manifest, write_manifest

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ("librispeech", "commonvoice", "ljspeech", "tedlium3")


def write_audio(path, samples, sr, fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, samples, sr, format=fmt, subtype="PCM_16")


def ramp(seconds, sr=16000):
    """Sample value = time / 20: a segment read from the right place starts at offset / 20."""
    return (np.arange(int(seconds * sr)) / sr / 20).astype(np.float32)


# --- LJSpeech ----------------------------------------------------------------

LJ_METADATA = [
    "LJ001-0001|Printing, in the only sense|Printing, in the only sense",
    "LJ001-0002|in being comparatively modern.|in being comparatively modern.",
    "LJ002-0001|In 1850 the prisons|In eighteen fifty the prisons",
    'LJ003-0001|Mr. Smith paid $5 "today"|Mister Smith paid five dollars "today"',
    "LJ003-0002|the raw text only|",
    "LJ050-0001|no audio for this one|no audio for this one",
]


def ljspeech_tree(tmp_path):
    base = tmp_path / "LJSpeech-1.1"
    base.mkdir(parents=True)
    (base / "metadata.csv").write_text("\n".join(LJ_METADATA) + "\n", encoding="utf-8")
    for n, line in enumerate(LJ_METADATA[:-1]):  # LJ050-0001 has no wav
        write_audio(base / "wavs" / f"{line.split('|')[0]}.wav", np.full(int((1.0 + n / 2) * 22050), 0.01, np.float32), 22050)
    return base


def test_ljspeech_metadata_prefers_the_normalized_column_and_keeps_quotes(tmp_path):
    rows = dict(read_metadata(ljspeech_tree(tmp_path) / "metadata.csv"))
    assert rows["LJ002-0001"] == "In eighteen fifty the prisons"
    assert rows["LJ003-0001"] == 'Mister Smith paid five dollars "today"'
    assert rows["LJ003-0002"] == "the raw text only"  # empty normalized column
    assert len(rows) == 6


@pytest.mark.parametrize("root_level", ["parent", "corpus"])
def test_ljspeech_book_disjoint_split(tmp_path, root_level):
    base = ljspeech_tree(tmp_path)
    out = prepare_ljspeech(tmp_path if root_level == "parent" else base, tmp_path / "out")
    train, dev, test = (read_manifest(out[s]) for s in ("train", "dev", "test"))
    assert [e["id"] for e in dev] == ["LJ001-0001", "LJ001-0002"]
    assert [e["id"] for e in test] == ["LJ002-0001"]
    assert [e["id"] for e in train] == ["LJ003-0001", "LJ003-0002"]  # LJ050-0001: no audio, skipped
    assert [e["duration"] for e in dev + test + train] == [1.0, 1.5, 2.0, 2.5, 3.0]
    assert train[0]["text"] == 'Mister Smith paid five dollars "today"' and train[0]["speaker"] == "LJ"
    # 22050 Hz audio is resampled to 16 kHz on load.
    assert load_audio(train[0]["audio"]).numel() == 2.5 * 16000


def test_ljspeech_custom_books_and_errors(tmp_path):
    ljspeech_tree(tmp_path)
    out = prepare_ljspeech(tmp_path, tmp_path / "out", dev_books=("LJ003",), test_books=("LJ001", "LJ002"))
    assert len(read_manifest(out["dev"])) == 2 and len(read_manifest(out["test"])) == 3 and "train" not in out
    with pytest.raises(ValueError):
        prepare_ljspeech(tmp_path, tmp_path / "o2", dev_books=("LJ001",), test_books=("LJ001",))
    with pytest.raises(FileNotFoundError):
        prepare_ljspeech(tmp_path / "out", tmp_path / "o3")


# --- TED-LIUM 3 --------------------------------------------------------------

DEV_STM = """;; CATEGORY "0" "" ""
;; LABEL "o" "Overall" "Overall"
TalkA_2010 1 TalkA_2010 0.0 2.5 <o,f0,male> so it 's {NOISE} a <unk> story(2)
TalkA_2010 1 TalkA_2010 2.5 4.0 <o,f0,male> ignore_time_segment_in_scoring
TalkA_2010 1 TalkA_2010 4.0 6.25 <o,f0,female> we 've seen [laughter] that
TalkA_2010 1 TalkA_2010 6.25 7.0 <o,f0,male> {NOISE}
TalkA_2010 1 TalkA_2010 9.0 10.5 <NA> the end
"""
TEST_STM = "TalkB_2011 1 TalkB_2011 1.0 3.0 <o,f0,male> hello there\n"
TRAIN_STM = """TalkC_2012 1 TalkC_2012 0.5 2.0 <o,f0,female> one two
TalkC_2012 1 TalkC_2012 2.0 2.5 <NA> ignore_time_segment_in_scoring
TalkC_2012 1 TalkC_2012 2.5 5.0 <o,f0,female> three 's four
"""


def tedlium_tree(tmp_path, train_in="data"):
    base = tmp_path / "TEDLIUM_release-3"
    for folder, talk, stm, seconds in [
        ("legacy/dev", "TalkA_2010", DEV_STM, 10.0),
        ("legacy/test", "TalkB_2011", TEST_STM, 4.0),
        ("data", "TalkC_2012", TRAIN_STM, 6.0),
        ("data", "TalkA_2010", DEV_STM, 10.0),  # a dev talk also under data/: must not reach train
    ]:
        (base / folder / "stm").mkdir(parents=True, exist_ok=True)
        (base / folder / "stm" / f"{talk}.stm").write_text(stm)
        write_audio(base / folder / "sph" / f"{talk}.sph", ramp(seconds), 16000, fmt="NIST")
    if train_in == "legacy":  # as extracted with symlinks kept
        for kind in ("stm", "sph"):
            (base / "legacy/train" / kind).mkdir(parents=True)
            (base / "legacy/train" / kind / f"TalkC_2012.{kind}").symlink_to(base / "data" / kind / f"TalkC_2012.{kind}")
    return base


def test_tedlium_transcript_cleaning():
    assert clean_transcript("so it 's {NOISE} a <unk> story(2)") == "so it's a story"
    assert clean_transcript("we 've seen [laughter] that") == "we've seen that"
    assert clean_transcript("'cause it <sil> works (AaronHuey_2010X-0001)") == "'cause it works"
    assert clean_transcript("{NOISE} <unk>") == ""
    seg = parse_stm_line("TalkA 1 TalkA 17.82 28.81 <o,f0,male> i 'm here")
    assert (seg.talk, seg.start, seg.end, seg.text, seg.id) == ("TalkA", 17.82, 28.81, "i'm here", "TalkA-0001782-0002881")
    assert parse_stm_line("TalkA 1 TalkA 1.0 2.0 <NA> ignore_time_segment_in_scoring") is None
    assert parse_stm_line(";; LABEL \"o\"") is None
    assert parse_stm_line("TalkA 1 TalkA 2.0 1.0 <NA> reversed times") is None
    assert parse_stm_line("TalkA 1 TalkA 1.0 2.0 no label field").text == "no label field"


@pytest.mark.parametrize("train_in", ["data", "legacy"])
def test_tedlium3_segments_offsets_and_splits(tmp_path, train_in):
    tedlium_tree(tmp_path, train_in)
    out = prepare_tedlium3(tmp_path, tmp_path / "out")
    assert set(out) == {"train", "dev", "test"}
    dev, test, train = (read_manifest(out[s]) for s in ("dev", "test", "train"))
    # ignore_time_segment_in_scoring and markup-only segments are dropped
    assert [e["id"] for e in dev] == ["TalkA_2010-0000000-0000250", "TalkA_2010-0000400-0000625", "TalkA_2010-0000900-0001050"]
    assert [e["text"] for e in dev] == ["so it's a story", "we've seen that", "the end"]
    # a segment at 0.0 keeps its offset (a segment, not the whole talk);
    # a segment past the end of the recording is clipped to it
    assert [e["offset"] for e in dev] == [0.0, 4.0, 9.0]
    assert [e["duration"] for e in dev] == [2.5, 2.25, 1.0]
    assert all(Path(e["audio"]).name == "TalkA_2010.sph" and e["speaker"] == "TalkA_2010" for e in dev)
    assert [(e["text"], e["offset"], e["duration"]) for e in test] == [("hello there", 1.0, 2.0)]
    assert [e["text"] for e in train] == ["one two", "three's four"]  # the dev talk under data/ is left out
    assert [e["offset"] for e in train] == [0.5, 2.5]
    # the loaders read exactly the segment out of the NIST SPHERE file
    for e in dev + train:
        wav = load_audio(e["audio"], 16000, offset=e["offset"], duration=e["duration"])
        assert wav.numel() == round(e["duration"] * 16000)
        assert abs(float(wav[0]) - e["offset"] / 20) < 1e-3


def test_tedlium3_split_selection_unreadable_talk_and_missing_corpus(tmp_path):
    base = tedlium_tree(tmp_path)
    (base / "legacy/test/sph/TalkB_2011.sph").write_bytes(b"NIST_1A garbage")
    out = prepare_tedlium3(base, tmp_path / "out", splits=["dev", "test"])
    assert set(out) == {"dev"}  # the only test talk cannot be read: no test manifest
    with pytest.raises(FileNotFoundError):
        prepare_tedlium3(tmp_path / "out", tmp_path / "o2")


# --- statistics, CLI, recipes ------------------------------------------------

def test_manifest_statistics(tmp_path):
    entries = [
        {"id": "a", "audio": "a.wav", "duration": 2.0, "text": "Hello, world!", "speaker": "s1"},
        {"id": "b", "audio": "b.wav", "duration": 4.0, "text": "hello again", "speaker": "s2"},
        {"id": "c", "audio": "c.wav", "duration": 6.0, "text": "...", "speaker": "s2"},
    ]
    stats = manifest_statistics(write_manifest(tmp_path / "m.jsonl", entries))
    assert (stats["utterances"], stats["speakers"], stats["words"], stats["vocabulary"]) == (3, 2, 4, 3)
    assert stats["hours"] == round(12 / 3600, 3) and stats["empty_transcripts"] == 1
    assert (stats["min_duration"], stats["median_duration"], stats["max_duration"]) == (2.0, 4.0, 6.0)
    assert stats["chars_per_second_p99"] == round(len("hello world") / 2.0, 2)


def test_prepare_cli_offers_every_registered_corpus(tmp_path, capsys):
    assert {"an4", "librispeech", "commonvoice", "ljspeech", "tedlium3"} <= set(PREPARERS)
    tedlium_tree(tmp_path)
    assert cli_main(["prepare", "tedlium3", "--root", str(tmp_path), "--out", str(tmp_path / "m")]) == 0
    printed = capsys.readouterr().out
    assert "dev" in printed and (tmp_path / "m/dev.jsonl").is_file()
    assert cli_main(["prepare", "ljspeech", "--root", str(tmp_path / "nothing"), "--out", str(tmp_path / "m2")]) == 2


@pytest.mark.parametrize("recipe", RECIPES)
def test_recipe_folder_is_complete_and_run_sh_parses(recipe):
    d = ROOT / "recipes" / recipe
    for name in ("README.md", "RESULTS.md", "run.sh"):
        assert (d / name).is_file(), name
    assert list((d / "conf/experiment").glob("*.yaml"))
    proc = subprocess.run(["bash", "-n", str(d / "run.sh")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    help_text = subprocess.run(["bash", str(d / "run.sh"), "--help"], capture_output=True, text=True, timeout=120)
    assert help_text.returncode == 0 and "--stage" in help_text.stdout


def test_corpus_recipes_share_stages_1_to_8():
    """Only options and stage 0 differ between the corpus recipes: what they derive
    from their options lives in recipes/common/setup.sh, stages 1-8 in
    recipes/common/stages.sh, so a fix to a later stage reaches all of them (the
    end-to-end tests run stages 3-8 of two)."""
    common = ROOT / "recipes/common/stages.sh"
    assert all(f"if run_stage {n}; then" in common.read_text() for n in range(1, 9))
    for r in RECIPES:
        text = (ROOT / "recipes" / r / "run.sh").read_text()
        assert 'source "$recipe_dir/../common/stages.sh"' in text, r
        assert 'source "$(dirname "${BASH_SOURCE[0]}")/../common/setup.sh"' in text, r
        assert "if run_stage 0; then" in text and "if run_stage 1; then" not in text, r
    proc = subprocess.run(["bash", "-n", str(common)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_recipe_options_set_the_recipes_variables_and_reject_unknown_ones(tmp_path):
    """recipes/common/parse_options.sh, which every run.sh sources for its options."""
    parser = ROOT / "recipes/common/parse_options.sh"
    script = tmp_path / "run.sh"
    script.write_text(
        "set -euo pipefail\nusage() { echo 'USAGE --stage N --train-set SET --beam-size N --undeclared X'; }\n"
        "stage=0\ntrain_set=clean100\nbeam_size=50\nexport http_proxy=x\n"
        f'source "{parser}"\n'
        'echo "$stage|$train_set|$beam_size|${#overrides[@]}|${overrides[*]:-}"\n'
    )

    def run(*args):
        return subprocess.run(["bash", str(script), *args], capture_output=True, text=True, timeout=120)

    ok = run("--stage", "3", "--train-set=clean460", "--", "trainer.max_epochs=2", "data.num_workers=0")
    assert ok.returncode == 0 and ok.stdout.strip() == "3|clean460|50|2|trainer.max_epochs=2 data.num_workers=0"
    assert run().stdout.strip() == "0|clean100|50|0|"
    # misspelt; not an option; an environment variable; documented but without a default; not an option at all
    for bad in (["--trian-set", "x"], ["--overrides", "x"], ["--http-proxy", "y"], ["--undeclared", "x"], ["stray"]):
        proc = run(*bad)
        assert proc.returncode == 2 and "USAGE" in proc.stderr, bad
    missing = run("--stage")
    assert missing.returncode == 2 and "needs a value" in missing.stderr
    assert run("--help").stdout.startswith("USAGE")
    for r in (*RECIPES, "synth", "an4"):
        assert 'source "$(dirname "${BASH_SOURCE[0]}")/../common/parse_options.sh"' in (ROOT / "recipes" / r / "run.sh").read_text(), r


def test_recipe_results_do_not_claim_unmeasured_numbers():
    for recipe in RECIPES:
        text = (ROOT / "recipes" / recipe / "RESULTS.md").read_text()
        assert "No result has been measured" in text and "run.sh" in text, recipe

