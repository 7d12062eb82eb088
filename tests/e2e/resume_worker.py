"""Run by test_resume.py: train a tiny model, optionally dying hard (os._exit)
right after a given step, or resuming from the latest checkpoint."""

import hashlib
import json
import os
import sys
from pathlib import Path

import lightning as L
import torch
from hydra import compose, initialize_config_dir

ROOT = Path(__file__).resolve().parents[2]


class DieAt(L.Callback):
    def __init__(self, step: int):
        self.step = step

    def on_train_batch_end(self, trainer, module, outputs, batch, idx):
        if trainer.global_step == self.step:
            os._exit(17)  # like SIGKILL: no cleanup, no final checkpoint


class Digest(L.Callback):
    def __init__(self, out: Path):
        self.out = out

    def on_train_end(self, trainer, module):
        h = hashlib.sha256()
        for k, v in sorted(module.model.state_dict().items()):
            h.update(k.encode() + v.detach().contiguous().numpy().tobytes())
        self.out.write_text(json.dumps({"weights": h.hexdigest(), "steps": trainer.global_step}))


def main(data: str, exp: str, die_at: int, resume: str) -> None:
    from gru_asr.training.train import train

    torch.set_num_threads(1)
    overrides = [
        f"exp_dir={exp}", f"data.train={data}/train.jsonl", f"data.dev={data}/dev.jsonl",
        "encoder.hidden_size=16", "encoder.num_layers=2", "encoder.dropout=0.2", "encoder.subsampling.channels=[4,4]",
        "frontend.n_mels=40", "data.batch_seconds=15", "data.num_workers=0", "data.stats_utterances=10",
        "trainer.max_epochs=3", "trainer.enable_progress_bar=false", "trainer.log_every_n_steps=1",
        "+trainer.checkpoint.every_n_train_steps=2", "optim.scheduler.warmup_steps=3", f"resume_from={resume}",
    ]
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    callbacks = [Digest(Path(exp) / "digest.json")]
    if die_at > 0:
        callbacks.append(DieAt(die_at))
    train(cfg, extra_callbacks=callbacks)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
