"""Run by test_ddp.py: 2-process CPU DDP (gloo) through gru_asr's own training entry.

Lightning's DDP launcher re-runs this script once per extra rank. Each rank
records the utterance ids it trained on and a digest of its final weights.
"""

import hashlib
import json
import sys
from pathlib import Path

import lightning as L
import torch
from hydra import compose, initialize_config_dir

ROOT = Path(__file__).resolve().parents[2]


class Record(L.Callback):
    def __init__(self, out: Path):
        self.out, self.ids, self.skipped, self.batches = out, [], [], 0

    def on_train_batch_start(self, trainer, module, batch, idx):
        self.ids.extend(batch["ids"])
        self.skipped.extend(utt_id for utt_id, _ in batch["skipped"])
        self.batches += 1

    def on_train_end(self, trainer, module):
        h = hashlib.sha256()
        for k, v in sorted(module.model.state_dict().items()):
            h.update(k.encode() + v.detach().cpu().contiguous().numpy().tobytes())
        (self.out / f"rank{trainer.global_rank}.json").write_text(json.dumps({"ids": self.ids, "skipped": self.skipped, "batches": self.batches, "weights": h.hexdigest(), "world": trainer.world_size}))


def main(data: str, exp: str) -> None:
    from gru_asr.training.train import train

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train", overrides=[
            f"exp_dir={exp}", f"data.train={data}/train.jsonl", f"data.dev={data}/dev.jsonl",
            "encoder.hidden_size=16", "encoder.num_layers=1", "encoder.subsampling.channels=[4,4]", "frontend.n_mels=40",
            "data.batch_seconds=20", "data.num_workers=0", "data.stats_utterances=10",
            "trainer.devices=2", "+trainer.strategy=ddp", "trainer.max_epochs=1", "trainer.enable_progress_bar=false",
            "trainer.log_every_n_steps=1", "augment=none",
        ])
    Path(exp).mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    train(cfg, extra_callbacks=[Record(Path(exp))])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
