"""Run by test_preemption_ddp.py: 2-process CPU DDP (gloo) training that sends
SIGTERM to rank 0 only, inside step 2, the way ``kill PID`` would.

Rank 1 never receives the signal: it must learn of it from rank 0 (one
all-reduce per step), write the checkpoint with it at the same step and stop.
"""

import json
import os
import signal
import sys
from pathlib import Path

import lightning as L
import torch
from hydra import compose, initialize_config_dir

ROOT = Path(__file__).resolve().parents[2]


class TermRankZero(L.Callback):
    def on_before_optimizer_step(self, trainer, module, optimizer):
        if trainer.global_rank == 0 and trainer.global_step == 1 and os.environ.get("TERM_RANK0") == "1":
            os.kill(os.getpid(), signal.SIGTERM)


class Done(L.Callback):
    def __init__(self, out: Path):
        self.out = out

    def on_train_end(self, trainer, module):
        (self.out / f"done{trainer.global_rank}.json").write_text(json.dumps({"steps": trainer.global_step}))


def main(data: str, exp: str, resume: str) -> None:
    from gru_asr.training.train import train

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train", overrides=[
            f"exp_dir={exp}", f"data.train={data}/train.jsonl", f"data.dev={data}/dev.jsonl",
            "encoder.hidden_size=16", "encoder.num_layers=1", "encoder.subsampling.channels=[4,4]", "frontend.n_mels=40",
            "data.batch_seconds=10", "data.num_workers=0", "data.stats_utterances=10",
            "trainer.devices=2", "+trainer.strategy=ddp", "trainer.max_epochs=2", "trainer.enable_progress_bar=false",
            "augment=none", f"resume_from={resume}",
        ])
    Path(exp).mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    train(cfg, extra_callbacks=[TermRankZero(), Done(Path(exp))])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
