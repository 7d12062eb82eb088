"""Sharded data end to end: real DataLoader worker processes, training through
``gru_asr.training.train`` on a shard folder, mid-epoch resume, 2-process DDP."""

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import lightning as L
import numpy as np
import pytest
import soundfile as sf
import torch
from lightning.pytorch.callbacks import ModelCheckpoint

from gru_asr.data.manifest import read_manifest
from gru_asr.data.batch_plan import BatchingConfig
from gru_asr.data.shard_reader import ShardBatchStream, ShardedSpeechDataset, ShardLoader
from gru_asr.data.shards import read_shard_index, write_shards
from gru_asr.text import TextNormalizer
from gru_asr.tokenizers import CharTokenizer

pytestmark = pytest.mark.slow
HERE = Path(__file__).parent
WORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """40 training utterances (1-2.5 s of noise, one or two words) in 8 shards, 6 dev utterances."""
    root = tmp_path_factory.mktemp("shards")
    (root / "wav").mkdir()
    rng = np.random.default_rng(0)

    def manifest(name, n, first):
        lines = []
        for i in range(first, first + n):
            sf.write(root / f"wav/{i}.wav", rng.uniform(-0.2, 0.2, int((1.0 + 0.04 * (i % 40)) * 16000)), 16000, subtype="PCM_16")
            text = " ".join(WORDS[(i + k) % 10] for k in range(1 + i % 2))
            lines.append(json.dumps({"id": f"{name}{i}", "audio": f"wav/{i}.wav", "duration": 1.0 + 0.04 * (i % 40), "text": text}))
        (root / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
        return root / f"{name}.jsonl"

    train, dev = manifest("train", 40, 0), manifest("dev", 6, 100)
    write_shards(read_manifest(train), root / "shards", shard_size=5)
    return root, train, dev


def loader(shards, workers=2, seed=1):
    ds = ShardedSpeechDataset(read_shard_index(shards), 16000, TextNormalizer(), CharTokenizer())
    return ShardLoader(ShardBatchStream(ds, BatchingConfig(max_seconds=6.0, shuffle_buffer=4, bucket_buffer=8), seed=seed, num_workers=workers))


def test_worker_processes_read_every_utterance_once_per_epoch_and_resume_in_order(data):
    root, train, _ = data
    everything = sorted(e["id"] for e in read_manifest(train))
    persistent = loader(root / "shards")
    epochs = []
    for _ in range(3):
        batches = [b["ids"] for b in persistent]
        assert len(batches) == len(persistent)
        assert sorted(u for b in batches for u in b) == everything
        epochs.append(batches)
    assert epochs[0] != epochs[1] != epochs[2]  # the epoch reached the persistent workers
    for done in (3, 4, len(epochs[1]) - 1):
        resumed = loader(root / "shards")
        resumed.load_state_dict({"epoch": 1, "batches": done, "seed": 1, "world_size": 1, "num_workers": 2})
        assert [b["ids"] for b in resumed] == epochs[1][done:]  # the uninterrupted order, worker interleaving included
        assert [b["ids"] for b in resumed] == epochs[2]


def run(data, exp, devices=1, epochs=2, *extra):
    root, _, dev = data
    return subprocess.run([sys.executable, str(HERE / "shard_train_worker.py"), str(root / "shards"), str(dev), str(exp), str(devices), str(epochs), *extra],
                          capture_output=True, text=True, timeout=600)


def test_training_on_shards_covers_every_utterance_each_epoch_and_validates(data, tmp_path):
    proc = run(data, tmp_path, 1, 2, "data.num_workers=2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    rec = json.loads((tmp_path / "rank0.json").read_text())
    everything = sorted(e["id"] for e in read_manifest(data[1]))
    assert set(rec["epochs"]) == {"0", "1"}
    for e in rec["epochs"].values():
        assert e["batches"] == rec["length"]
        assert sorted(e["ids"] + e["skipped"]) == everything
    metrics = (next(tmp_path.glob("logs/version_*/metrics.csv"))).read_text().splitlines()
    header = metrics[0].split(",")
    val = [row.split(",")[header.index("val_wer")] for row in metrics[1:]]
    assert sum(1 for v in val if v) == 2  # validated at the end of both epochs: the length Lightning was told held
    assert json.loads((tmp_path / "train_result.json").read_text())["steps"] == 2 * rec["length"]


class Record(L.Callback):
    def __init__(self):
        self.ids = defaultdict(list)

    def on_train_batch_start(self, trainer, module, batch, idx):
        self.ids[trainer.current_epoch].append(batch["ids"] + [u for u, _ in batch["skipped"]])


def fit(data, exp, max_steps, resume=None):
    """Train as gru_asr.training.train does, the shard loader's position kept by the
    training data stream; returns the batches per epoch."""
    from gru_asr.training.callbacks.data_stream import FollowEpochLength, TrainingDataStream
    from gru_asr.training.data import build_loader, build_train_set
    from gru_asr.training.module import CTCTrainingModule
    from tests.conftest import small_model_config

    torch.manual_seed(0)
    module = CTCTrainingModule(small_model_config(), {"name": "adamw", "lr": 1e-3, "scheduler": {"name": "warmup_cosine", "warmup_steps": 2}})
    data_cfg = {"train": str(data[0] / "shards"), "batch_seconds": 8.0, "num_workers": 2}
    loader = build_loader(build_train_set(module.model, data_cfg), data_cfg, train=True, seed=0)
    stream, record = TrainingDataStream(), Record()
    trainer = L.Trainer(max_epochs=2, max_steps=max_steps, accelerator="cpu", logger=False, enable_progress_bar=False,
                        enable_model_summary=False, limit_val_batches=0, num_sanity_val_steps=0, callbacks=[
                            stream, FollowEpochLength(stream), record,
                            ModelCheckpoint(dirpath=exp, save_last=True, save_top_k=0, every_n_train_steps=1)])
    trainer.fit(module, stream.follow(loader), ckpt_path=resume, weights_only=True)
    return record.ids, len(loader)


def test_resume_mid_epoch_continues_the_epoch_exactly(data, tmp_path):
    reference, length = fit(data, tmp_path / "ref", max_steps=-1)
    assert sorted(reference) == [0, 1] and all(len(b) == length for b in reference.values())
    interrupted, _ = fit(data, tmp_path / "run", max_steps=length + 4)  # stops inside epoch 1
    resumed, _ = fit(data, tmp_path / "run", max_steps=-1, resume=str(tmp_path / "run" / "last.ckpt"))
    assert interrupted[0] == reference[0] and len(interrupted[1]) == 4
    assert interrupted[1] + resumed[1] == reference[1]  # the same batches, in the same order, none twice


def test_two_process_ddp_on_shards(data, tmp_path):
    proc = run(data, tmp_path, 2, 1, "data.num_workers=1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    r0, r1 = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1))
    assert r0["world"] == r1["world"] == 2
    e0, e1 = r0["epochs"]["0"], r1["epochs"]["0"]
    assert e0["batches"] == e1["batches"] == r0["length"] == r1["length"]  # no rank waits at the epoch end
    seen = e0["ids"] + e0["skipped"] + e1["ids"] + e1["skipped"]
    assert sorted(seen) == sorted(e["id"] for e in read_manifest(data[1]))  # each utterance on one rank, once
    assert r0["weights"] == r1["weights"]


def test_parallel_encoding_writes_the_same_shards(data, tmp_path):
    _, train, _ = data
    write_shards(read_manifest(train), tmp_path / "one", shard_size=5)
    write_shards(read_manifest(train), tmp_path / "two", shard_size=5, jobs=2)
    one, two = ({p.name: p.read_bytes() for p in sorted((tmp_path / d).iterdir())} for d in ("one", "two"))
    assert one == two and len(one) == 17
