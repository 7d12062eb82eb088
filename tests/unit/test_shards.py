"""Sharded corpora: writing tar shards and reading them back rank- and worker-aware."""

import io
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from gru_asr.audio import load_audio
from gru_asr.data.dataset import SpeechDataset
from gru_asr.data.manifest import read_manifest, segment_bounds
from gru_asr.data.batch_plan import BatchingConfig, EpochPlan, equalize, plan_epoch
from gru_asr.data.shard_reader import ShardBatchStream, ShardedSpeechDataset, ShardLoader
from gru_asr.data.shards import is_shard_index, read_shard_index, read_shard_members, write_shards
from gru_asr.text import TextNormalizer
from gru_asr.tokenizers import CharTokenizer

SR = 16000
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
SEGMENTS = {"long-0": (0.0, 0.8), "long-a": (0.5, 1.0), "long-b": (2.25, 1.2)}  # id -> (offset, duration) in long.wav


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> Path:
    """16 short utterances (0.4-1.9 s, 16-bit noise) and three segments of a 4 s file."""
    root = tmp_path_factory.mktemp("corpus")
    (root / "wav").mkdir()
    rng = np.random.default_rng(0)
    lines = []
    for i in range(16):
        seconds = 0.4 + 0.1 * i
        sf.write(root / f"wav/u{i:02d}.wav", rng.uniform(-0.3, 0.3, int(seconds * SR)), SR, subtype="PCM_16")
        text = f"{WORDS[i % 8]} {WORDS[(3 * i) % 8]}"
        lines.append({"id": f"spk{i % 3}/utt.{i:02d}", "audio": f"wav/u{i:02d}.wav", "duration": seconds, "text": text})
    sf.write(root / "wav/long.wav", rng.uniform(-0.3, 0.3, 4 * SR), SR, subtype="PCM_16")
    for utt, (offset, seconds) in SEGMENTS.items():
        lines.append({"id": utt, "audio": "wav/long.wav", "offset": offset, "duration": seconds, "text": "segment text"})
    path = root / "train.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


def corpus(shard_dir, **kw) -> ShardedSpeechDataset:
    return ShardedSpeechDataset(read_shard_index(shard_dir), SR, TextNormalizer(), CharTokenizer(), **kw)


def stream(shard_dir, *, max_seconds=4.0, seed=0, world_size=1, rank=0, num_workers=0, **kw) -> ShardBatchStream:
    cfg = BatchingConfig(max_seconds=max_seconds, shuffle_buffer=kw.pop("shuffle_buffer", 4), bucket_buffer=kw.pop("bucket_buffer", 6))
    return ShardBatchStream(corpus(shard_dir, **kw), cfg, seed=seed, world_size=world_size, rank=rank, num_workers=num_workers)


def rank_batches(s: ShardBatchStream) -> list[dict]:
    """What a DataLoader with ``s.num_workers`` worker processes yields: one
    batch from each worker in turn, a finished worker dropping out."""
    workers = max(1, s.num_workers)
    per_worker = [list(s.iter_worker(w, workers)) for w in range(workers)]
    out, round_ = [], 0
    while any(round_ < len(b) for b in per_worker):
        out += [b[round_] for b in per_worker if round_ < len(b)]
        round_ += 1
    return out


def expected_audio(entry) -> torch.Tensor:
    offset, duration = segment_bounds(entry)
    return load_audio(entry["audio"], SR, offset=offset, duration=duration)


@pytest.mark.parametrize("audio_format", ["flac", "wav", "original"])
def test_round_trip_keeps_ids_texts_and_samples(manifest, tmp_path, audio_format):
    entries = read_manifest(manifest)
    result = write_shards(entries, tmp_path / "shards", shard_size=5, audio_format=audio_format)
    assert len(result.shards) == 4 and result.utterances == 19 and not len(result.report)
    ds = corpus(tmp_path / "shards")
    items = {it["id"]: it for it in (ds[i] for i in range(len(ds)))}
    assert set(items) == {e["id"] for e in entries}
    norm = TextNormalizer()
    for e in entries:
        item = items[e["id"]]
        assert item["text"] == norm(e["text"])
        # 16-bit sources: every format stores the samples exactly
        torch.testing.assert_close(item["audio"], expected_audio(e), atol=1 / 32768, rtol=0)
    # the streaming path reads the same utterances with the same samples
    streamed = [b for b in rank_batches(stream(tmp_path / "shards", max_seconds=100.0))]
    by_id = {u: (b["audio"][k, : b["audio_lens"][k]], b["texts"][k]) for b in streamed for k, u in enumerate(b["ids"])}
    assert set(by_id) == set(items)
    for utt, (audio, text) in by_id.items():
        assert torch.equal(audio, items[utt]["audio"]) and text == items[utt]["text"]


def test_a_manifest_and_its_shards_give_the_same_items(manifest, tmp_path):
    """One item path for every source: same ids, transcripts, labels, samples and skips."""
    entries = read_manifest(manifest)
    write_shards(entries, tmp_path / "shards", shard_size=5, audio_format="wav")
    frames = lambda samples: samples // 1600  # 10 output frames a second: the shortest fail CTC  # noqa: E731
    in_memory = SpeechDataset(entries, SR, TextNormalizer(), CharTokenizer(), max_output_frames=frames)
    sharded = corpus(tmp_path / "shards", max_output_frames=frames)
    from_manifest = {it["id"]: it for it in map(in_memory.__getitem__, range(len(in_memory)))}
    from_shards = {it["id"]: it for it in map(sharded.__getitem__, range(len(sharded)))}
    assert from_manifest.keys() == from_shards.keys() == {e["id"] for e in entries}
    errors = {u for u, it in from_manifest.items() if "error" in it}
    assert errors and errors != set(from_manifest)  # both outcomes are compared
    for utt, item in from_manifest.items():
        other = from_shards[utt]
        assert item.keys() == other.keys()
        if "error" in item:
            assert item["error"] == other["error"]
            continue
        assert item["text"] == other["text"] and torch.equal(item["tokens"], other["tokens"])
        torch.testing.assert_close(item["audio"], other["audio"], atol=0, rtol=0)


def test_segments_are_cut_into_their_own_audio(manifest, tmp_path):
    write_shards(read_manifest(manifest), tmp_path / "shards", shard_size=100)
    info = read_shard_index(tmp_path / "shards").shards[0]
    members = {m.id: m for m in read_shard_members(info.index)}
    whole, _ = sf.read(manifest.parent / "wav/long.wav", dtype="int16")
    blob = info.tar.read_bytes()
    for utt, (offset, seconds) in SEGMENTS.items():
        m = members[utt]
        assert m.duration == pytest.approx(seconds)
        name, at, size = m.audio
        assert name.endswith(".flac")
        stored, sr = sf.read(io.BytesIO(blob[at : at + size]), dtype="int16")
        start = int(round(offset * SR))
        assert sr == SR and np.array_equal(stored, whole[start : start + int(round(seconds * SR))])


def test_every_utterance_once_per_epoch_over_two_ranks_two_workers(manifest, tmp_path):
    write_shards(read_manifest(manifest), tmp_path / "shards", shard_size=3)  # 6 shards
    orders = []
    for epoch in (0, 1):
        seen, counts = Counter(), []
        for rank in (0, 1):
            s = stream(tmp_path / "shards", world_size=2, rank=rank, num_workers=2, seed=7)
            s.set_epoch(epoch)
            batches = rank_batches(s)
            counts.append(len(batches))
            assert len(batches) == len(s)  # what Lightning is told, every epoch
            seen.update(u for b in batches for u in b["ids"])
            assert all(not b["skipped"] for b in batches)
            orders.append([u for b in batches for u in b["ids"]])
        assert counts[0] == counts[1]  # no rank waits for the other at the epoch end
        assert sorted(seen) == sorted(e["id"] for e in read_manifest(manifest))
        assert set(seen.values()) == {1}
    assert orders[0] != orders[2] or orders[1] != orders[3]  # shuffled per epoch


def test_batches_respect_the_seconds_bound(manifest, tmp_path):
    write_shards(read_manifest(manifest), tmp_path / "shards", shard_size=4)
    for max_seconds in (2.5, 4.0, 6.0):
        s = stream(tmp_path / "shards", max_seconds=max_seconds, num_workers=2)
        for b in rank_batches(s):
            if b["size"] > 1:
                assert float(b["audio_lens"].max()) / SR * b["size"] <= max_seconds + 1e-6


def test_corrupt_members_are_skipped_and_reported_by_id(manifest, tmp_path):
    write_shards(read_manifest(manifest), tmp_path / "shards", shard_size=5, shuffle_seed=None)
    index = read_shard_index(tmp_path / "shards")
    first = read_shard_members(index.shards[0].index)
    bad_audio, bad_json = first[1], first[3]
    with open(index.shards[0].tar, "r+b") as f:
        f.seek(bad_audio.audio[1])
        f.write(b"\x00garbage" * (bad_audio.audio[2] // 8))
        f.seek(bad_json.meta[1])
        f.write(b"{" * bad_json.meta[2])
    # a tar cut off in the middle: what it still holds is read, the rest reported
    last = index.shards[-1]
    lost = read_shard_members(last.index)[2:]
    with open(last.tar, "r+b") as f:
        f.truncate(lost[0].meta[1] + 10)
    batches = rank_batches(stream(tmp_path / "shards", max_seconds=100.0))
    skipped = dict(s for b in batches for s in b["skipped"])
    assert "not a readable audio file" in skipped[bad_audio.id]
    assert skipped[bad_json.id] == "metadata is not valid JSON"
    assert {m.id for m in lost} <= set(skipped)
    assert set(skipped) == {bad_audio.id, bad_json.id} | {m.id for m in lost}
    trained = [u for b in batches for u in b["ids"]]
    assert len(trained) + len(skipped) == 19 and not set(trained) & set(skipped)


def test_unreadable_source_audio_is_left_out_when_writing(manifest, tmp_path):
    entries = read_manifest(manifest)
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF....WAVEfmt nothing")
    entries += [{**entries[0], "id": "broken", "audio": str(broken)}, {**entries[0], "id": "gone", "audio": str(tmp_path / "gone.wav")}]
    result = write_shards(entries, tmp_path / "shards", shard_size=7)
    assert set(result.report.skipped) == {"broken", "gone"} and result.utterances == 19


def test_writing_is_deterministic(manifest, tmp_path):
    def files(d):
        return {p.name: p.read_bytes() for p in sorted(d.iterdir())}

    for d in ("a", "b"):
        write_shards(read_manifest(manifest), tmp_path / d, shard_seconds=5.0, shuffle_seed=3)
    a, b = files(tmp_path / "a"), files(tmp_path / "b")
    assert a == b and len(a) >= 5
    write_shards(read_manifest(manifest), tmp_path / "c", shard_seconds=5.0, shuffle_seed=4)
    assert files(tmp_path / "c") != a  # the seed decides the order
    assert all(s.seconds <= 5.0 for s in read_shard_index(tmp_path / "a"))


def test_reading_order_is_deterministic_for_a_seed(manifest, tmp_path):
    write_shards(read_manifest(manifest), tmp_path / "shards", shard_size=3)

    def order(seed):
        return [b["ids"] for b in rank_batches(stream(tmp_path / "shards", seed=seed, num_workers=2))]

    assert order(1) == order(1)
    assert order(1) != order(2)


def test_resume_leaves_out_exactly_the_batches_handed_out(manifest, tmp_path):
    write_shards(read_manifest(manifest), tmp_path / "shards", shard_size=3)
    # in-process loader (num_workers=0): a loader rebuilt from the state goes on where the first stopped
    loader = ShardLoader(stream(tmp_path / "shards", seed=5))
    reference = [b["ids"] for b in loader]
    assert len(reference) == len(loader)
    interrupted = ShardLoader(stream(tmp_path / "shards", seed=5))
    it = iter(interrupted)
    head = [next(it)["ids"] for _ in range(4)]
    resumed = ShardLoader(stream(tmp_path / "shards", seed=5))
    resumed.load_state_dict(interrupted.state_dict())
    assert head + [b["ids"] for b in resumed] == reference
    assert resumed.state_dict()["epoch"] == 0 and [b["ids"] for b in resumed] != reference  # then epoch 1
    # checkpoints written before every source shared the state format call the count "batches"
    legacy = ShardLoader(stream(tmp_path / "shards", seed=5))
    legacy.load_state_dict({"epoch": 0, "batches": 4, "seed": 5, "world_size": 1, "num_workers": 0})
    assert [b["ids"] for b in legacy] == reference[4:]
    # two workers: the skip is spread over them as the DataLoader interleaves them
    s = stream(tmp_path / "shards", seed=5, num_workers=2)
    full = [b["ids"] for b in rank_batches(s)]
    for done in range(len(full) + 1):
        s.set_epoch(0, skip_batches=done)
        assert [b["ids"] for b in rank_batches(s)] == full[done:]


def test_equal_counts_by_splitting_then_empty_batches():
    plan = plan_epoch([[(0, 1.0), (1, 1.0), (2, 1.0)], [(0, 1.0)]], BatchingConfig(max_seconds=10.0), seed=0, epoch=0, world_size=2, rank=1)
    assert plan.batches_per_rank == 1 and sum(map(len, plan.batches)) == 1
    # rank 0 has one batch of 3 and must reach 4: split the largest while one has two
    # utterances (3 -> 1 + 2 -> 1 + 1 + 1), then one empty batch
    per_worker = equalize([[[(0, 0), (0, 1), (0, 2)]]], 4)
    assert list(map(len, per_worker[0])) == [1, 1, 1, 0]
    assert sorted(k for b in per_worker[0] for k in b) == [(0, 0), (0, 1), (0, 2)]
    assert EpochPlan(0, 6, [[], [], []], [[[]] * 3, [[]], [[]] * 2]).resume_point(4) == ([2, 1, 1], 1)


def test_too_few_shards_for_the_ranks_fail_early(manifest, tmp_path):
    write_shards(read_manifest(manifest), tmp_path / "shards", shard_size=100)
    with pytest.raises(ValueError, match="cannot feed 2 ranks"):
        stream(tmp_path / "shards", world_size=2)


def test_duration_limits_are_reported_at_build_time(manifest, tmp_path):
    write_shards(read_manifest(manifest), tmp_path / "shards", shard_size=6)
    ds = corpus(tmp_path / "shards", min_duration=0.6, max_duration=1.5)
    assert len(ds) + len(ds.report) == 19
    assert {"spk0/utt.00", "spk1/utt.01", "spk0/utt.12"} <= set(ds.report.skipped)
    ids = {u for b in rank_batches(ShardBatchStream(ds, BatchingConfig(max_seconds=4.0))) for u in b["ids"]}
    assert not ids & set(ds.report.skipped) and len(ids) == len(ds)


def test_training_uses_the_shard_reader_for_a_shard_folder(manifest, tmp_path):
    from gru_asr.data.manifest import ManifestError
    from gru_asr.models import CTCModel
    from gru_asr.training.data import SpeechDataModule, compute_normalization_stats
    from tests.conftest import small_model_config

    write_shards(read_manifest(manifest), tmp_path / "shards", shard_size=5)
    assert is_shard_index(tmp_path / "shards") and is_shard_index(str(tmp_path / "shards/shards.jsonl"))
    assert is_shard_index([str(tmp_path / "shards")]) and not is_shard_index(str(manifest))
    model = CTCModel(small_model_config())
    data_cfg = {"train": str(tmp_path / "shards"), "dev": str(manifest), "batch_seconds": 4.0, "num_workers": 0, "min_duration": 0.0}
    data = SpeechDataModule(model, data_cfg)  # data.source: auto
    assert data.source == "shards" and isinstance(data.train_set, ShardedSpeechDataset) and len(data.train_set) == 19
    assert SpeechDataModule(model, {**data_cfg, "source": "shards"}).source == "shards"
    with pytest.raises(ManifestError):  # the key decides, not what the path looks like
        SpeechDataModule(model, {**data_cfg, "source": "manifest"})
    compute_normalization_stats(model, data.train_set, max_utterances=5)  # random access into the tars
    loader = data.train_dataloader()
    assert isinstance(loader, ShardLoader)
    batches = list(loader)
    trained = [u for b in batches for u in b["ids"]]
    skipped = dict(s for b in batches for s in b["skipped"])  # the shortest are too short for CTC here
    assert all("too short for its transcript" in why for why in skipped.values())
    assert len(batches) == len(loader) and sorted(trained + list(skipped)) == sorted(e["id"] for e in read_manifest(manifest))
    assert loader.state_dict()["epoch"] == 0 and loader.state_dict()["batches_consumed"] == len(loader)


def test_cli_writes_shards(manifest, tmp_path):
    from gru_asr.cli.main import main

    out = tmp_path / "shards"
    assert main(["data", "shard", str(manifest), "--out", str(out), "--shard-size", "4", "--format", "wav", "--keep-order"]) == 0
    rows = [json.loads(x) for x in (out / "shards.jsonl").read_text().splitlines()]
    assert [r["utterances"] for r in rows] == [4, 4, 4, 4, 3] and all(r["format"] == "wav" for r in rows)
    assert [m.id for m in read_shard_members(out / rows[0]["index"])] == [e["id"] for e in read_manifest(manifest)[:4]]
    assert main(["data", "shard", str(manifest), "--out", str(out)]) == 2  # never over existing shards


def test_an_index_without_durations_reads_them_from_the_sidecars(manifest, tmp_path):
    write_shards(read_manifest(manifest), tmp_path / "shards", shard_size=4)
    index = tmp_path / "shards/shards.jsonl"
    rows = [json.loads(x) for x in index.read_text().splitlines()]
    assert all(len(r["durations"]) == r["utterances"] for r in rows)
    with_durations = [b["ids"] for b in rank_batches(stream(tmp_path / "shards", seed=3, min_duration=0.5))]
    index.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "durations"}) + "\n" for r in rows))
    assert all(s.durations is None for s in read_shard_index(tmp_path / "shards"))
    s = stream(tmp_path / "shards", seed=3, min_duration=0.5)
    assert [b["ids"] for b in rank_batches(s)] == with_durations
    assert set(s.corpus.report.skipped) == {"spk0/utt.00"}
