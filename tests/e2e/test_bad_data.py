"""Bad data at scale: a training manifest where 5 % of the entries are broken
(missing, truncated, zero-length or non-audio files, empty or impossible
transcripts) trains to completion, skips exactly those entries and reports
their ids; a corrupt file inside a shard is skipped and reported the same way."""

import json
import random
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hydra import compose, initialize_config_dir

from gru_asr.data import read_manifest, write_manifest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
WORDS = ["yes", "no", "up", "down", "left", "right", "stop", "go", "on", "off"]


def tone(path: Path, seconds: float, rng: random.Random) -> Path:
    t = np.arange(int(16000 * seconds)) / 16000
    x = 0.2 * np.sin(2 * np.pi * rng.uniform(200, 800) * t) + 0.02 * np.random.default_rng(rng.randrange(10**6)).standard_normal(t.size)
    sf.write(path, x.astype(np.float32), 16000)
    return path


def good_entries(folder: Path, n: int, prefix: str, rng: random.Random) -> list[dict]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        seconds = rng.uniform(0.8, 1.2)
        path = tone(folder / f"{prefix}{i:03d}.wav", seconds, rng)
        out.append({"id": f"{prefix}{i:03d}", "audio": str(path), "duration": round(seconds, 3), "text": rng.choice(WORDS)})
    return out


def bad_entries(folder: Path, rng: random.Random) -> dict[str, tuple[dict, str]]:
    """id -> (manifest entry, words expected in the reported reason)."""
    whole = tone(folder / "whole.wav", 1.0, rng).read_bytes()
    (folder / "truncated.wav").write_bytes(whole[: len(whole) // 2])
    (folder / "zero.wav").write_bytes(b"")
    (folder / "not_audio.wav").write_text("this is a text file, not audio\n" * 20)
    tone(folder / "short.wav", 0.35, rng)
    entry = lambda name, file, text="go", dur=1.0: {"id": name, "audio": str(folder / file), "duration": dur, "text": text}  # noqa: E731
    return {
        "bad-missing": (entry("bad-missing", "nowhere.wav"), "file not found"),
        "bad-truncated": (entry("bad-truncated", "truncated.wav"), "truncated"),
        "bad-zero-length": (entry("bad-zero-length", "zero.wav"), "empty (0 bytes)"),
        "bad-not-audio": (entry("bad-not-audio", "not_audio.wav"), "not a readable audio file"),
        "bad-empty-text": (entry("bad-empty-text", "whole.wav", " ?! ... "), "empty transcript"),
        "bad-untokenizable": (entry("bad-untokenizable", "whole.wav", "\u4f60\u597d \u4e16\u754c"), "characters not in the tokenizer"),
        "bad-impossible": (entry("bad-impossible", "short.wav", "a transcript far too long for a third of a second", 0.35),
                           "too short for its transcript"),
    }


def train_tiny(exp: Path, train, dev) -> dict:
    from gru_asr.training.train import train as run_training

    overrides = [
        f"exp_dir={exp}", f"data.train={train}", f"data.dev={dev}",
        "encoder.hidden_size=16", "encoder.num_layers=1", "encoder.subsampling.channels=[4,4]", "frontend.n_mels=40",
        "data.batch_seconds=20", "data.num_workers=0", "data.stats_utterances=20", "trainer.max_epochs=1",
        "trainer.enable_progress_bar=false", "num_threads=1",
    ]
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    return run_training(cfg)


def test_five_percent_bad_entries_are_skipped_exactly_and_reported(tmp_path):
    rng = random.Random(3)
    good = good_entries(tmp_path / "wav", 133, "utt", rng)
    bad = bad_entries(tmp_path / "wav", rng)
    entries = good + [e for e, _ in bad.values()]
    rng.shuffle(entries)
    assert len(bad) / len(entries) == pytest.approx(0.05)
    train = write_manifest(tmp_path / "train.jsonl", entries)
    dev = write_manifest(tmp_path / "dev.jsonl", good_entries(tmp_path / "dev", 6, "dev", rng))

    result = train_tiny(tmp_path / "exp", train, dev)

    assert result["epochs"] == 1 and result["steps"] > 0 and Path(result["package"]).is_file()
    assert set(result["skipped"]) == set(bad), "skipped ids differ from the injected bad ids"
    for utt, (_, reason) in bad.items():
        assert reason in result["skipped"][utt], (utt, result["skipped"][utt])
    saved = json.loads((tmp_path / "exp" / "train_result.json").read_text())
    assert saved["skipped_utterances"] == len(bad) and set(saved["skipped"]) == set(bad)


def test_a_corrupt_file_inside_a_shard_is_skipped_and_reported(tmp_path):
    from gru_asr.data.shards import read_shard_index, read_shard_members, write_shards

    rng = random.Random(5)
    manifest = write_manifest(tmp_path / "all.jsonl", good_entries(tmp_path / "wav", 40, "utt", rng))
    write_shards(read_manifest(manifest), tmp_path / "shards", shard_size=10, shuffle_seed=None)
    index = read_shard_index(tmp_path / "shards")
    victim = read_shard_members(index.shards[1].index)[4]
    with open(index.shards[1].tar, "r+b") as f:  # overwrite the member's audio bytes in place
        f.seek(victim.audio[1])
        f.write(b"\x00garbage" * (victim.audio[2] // 8))
    dev = write_manifest(tmp_path / "dev.jsonl", good_entries(tmp_path / "dev", 4, "dev", rng))

    result = train_tiny(tmp_path / "exp", tmp_path / "shards", dev)

    assert result["epochs"] == 1 and result["steps"] > 0
    assert set(result["skipped"]) == {victim.id}
    assert "not a readable audio file" in result["skipped"][victim.id]
