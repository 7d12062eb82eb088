"""Run by test_shards_training.py: gru_asr's own training entry on a shard folder.

``shard_train_worker.py SHARDS DEV EXP DEVICES EPOCHS [OVERRIDE...]``. With
DEVICES=2 Lightning's DDP launcher re-runs this script for rank 1. Each rank
writes ``rank<N>.json``: per epoch the ids it trained on, the ids reported as
skipped and its number of batches, and a digest of its final weights.
"""

import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

import lightning as L
import torch
from hydra import compose, initialize_config_dir

ROOT = Path(__file__).resolve().parents[2]


class Record(L.Callback):
    def __init__(self, out: Path):
        self.out = out
        self.epochs = defaultdict(lambda: {"ids": [], "skipped": [], "batches": 0})

    def on_train_batch_start(self, trainer, module, batch, idx):
        e = self.epochs[trainer.current_epoch]
        e["ids"] += batch["ids"]
        e["skipped"] += [u for u, _ in batch["skipped"]]
        e["batches"] += 1

    def on_train_end(self, trainer, module):
        h = hashlib.sha256()
        for k, v in sorted(module.model.state_dict().items()):
            h.update(k.encode() + v.detach().cpu().contiguous().numpy().tobytes())
        out = {"world": trainer.world_size, "epochs": dict(self.epochs), "weights": h.hexdigest(),
               "length": len(trainer.train_dataloader)}
        (self.out / f"rank{trainer.global_rank}.json").write_text(json.dumps(out))


def main(shards: str, dev: str, exp: str, devices: str, epochs: str, *extra: str) -> None:
    from gru_asr.training.train import train

    overrides = [
        f"exp_dir={exp}", f"data.train={shards}", f"data.dev={dev}",
        "encoder.hidden_size=16", "encoder.num_layers=1", "encoder.subsampling.channels=[4,4]", "frontend.n_mels=40",
        "data.batch_seconds=8", "data.stats_utterances=10", "augment=none",
        f"trainer.devices={devices}", f"trainer.max_epochs={epochs}", "trainer.enable_progress_bar=false",
        "trainer.log_every_n_steps=1", *extra,
    ]
    if devices != "1":
        overrides.append("+trainer.strategy=ddp")
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    Path(exp).mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    train(cfg, extra_callbacks=[Record(Path(exp))])


if __name__ == "__main__":
    main(*sys.argv[1:])
