"""Run by test_resume.py: train a tiny model on CPU with a fixed seed, optionally
injuring itself at a chosen point, or resuming from the latest checkpoint.

    python resume_worker.py DATA EXP RESUME          # RESUME: null | last
    GRU_ASR_FAULT=KIND:N python resume_worker.py ...
    GRU_ASR_EMA=0.9 python resume_worker.py ...      # with ema={decay: 0.9}

Fault points (``GRU_ASR_FAULT``):

* ``kill_after_step:N``  SIGKILL right after training step N finished
* ``kill_in_step:N``     SIGKILL inside step N+1, after backward, before the optimizer update
* ``kill_in_val:E``      SIGKILL in the middle of the validation pass of epoch E (0-based)
* ``kill_in_write:K``    SIGKILL while the K-th checkpoint file is being written: the
                         temporary file holds half the bytes, nothing was renamed yet
* ``term_in_step:N``     SIGTERM inside step N+1 (the run must save and exit 143)
* ``term_in_val:E``      SIGTERM in the middle of the validation pass of epoch E

It writes ``progress.txt`` (the global step, after every step) so that a parent
can kill it at a moment of its own choosing, and ``digest.json`` (a SHA-256 of
the final weights, and the step count) when training ends.
"""

import hashlib
import json
import os
import signal
import sys
from pathlib import Path

import lightning as L
import torch
from hydra import compose, initialize_config_dir

ROOT = Path(__file__).resolve().parents[2]


class Fault(L.Callback):
    """Sends the chosen signal to this very process at the chosen point."""

    def __init__(self, kind: str, n: int):
        self.kind, self.n = kind, n
        self.sig = signal.SIGTERM if kind.startswith("term_") else signal.SIGKILL
        self.fired = False

    def _fire(self):
        if not self.fired:
            self.fired = True
            os.kill(os.getpid(), self.sig)

    def on_train_batch_end(self, trainer, module, outputs, batch, idx):
        if self.kind == "kill_after_step" and trainer.global_step == self.n:
            self._fire()

    def on_before_optimizer_step(self, trainer, module, optimizer):
        if self.kind in ("kill_in_step", "term_in_step") and trainer.global_step == self.n:
            self._fire()

    def on_validation_batch_end(self, trainer, module, outputs, batch, idx, dataloader_idx=0):
        if (self.kind in ("kill_in_val", "term_in_val") and not trainer.sanity_checking
                and trainer.current_epoch == self.n and idx == 0):
            self._fire()


def kill_during_checkpoint_write(k: int) -> None:
    """Wrap ``os.fsync``: when the K-th checkpoint temp file is synced, cut it to
    half its length and SIGKILL this process, as a kill in mid-write would."""
    real_fsync, count = os.fsync, [0]

    def fsync(fd):
        target = os.readlink(f"/proc/self/fd/{fd}") if os.path.exists(f"/proc/self/fd/{fd}") else ""
        if ".ckpt." in target and target.endswith(".tmp"):
            count[0] += 1
            if count[0] == k:
                os.ftruncate(fd, os.fstat(fd).st_size // 2)
                os.kill(os.getpid(), signal.SIGKILL)
        return real_fsync(fd)

    os.fsync = fsync


class Progress(L.Callback):
    def __init__(self, exp: Path):
        self.progress = exp / "progress.txt"
        self.digest = exp / "digest.json"

    def on_train_batch_end(self, trainer, module, outputs, batch, idx):
        self.progress.write_text(str(trainer.global_step))

    def on_train_end(self, trainer, module):
        h = hashlib.sha256()
        # With ema the weight average is part of what must resume exactly.
        for k, v in sorted(module.state_dict().items()):
            h.update(k.encode() + v.detach().contiguous().numpy().tobytes())
        self.digest.write_text(json.dumps({"weights": h.hexdigest(), "steps": trainer.global_step}))


def main(data: str, exp: str, resume: str) -> None:
    from gru_asr.training.train import train

    torch.set_num_threads(1)
    overrides = [
        f"exp_dir={exp}", f"data.train={data}/train.jsonl", f"data.dev={data}/dev.jsonl",
        "encoder.hidden_size=16", "encoder.num_layers=2", "encoder.dropout=0.2", "encoder.subsampling.channels=[4,4]",
        "frontend.n_mels=40", "data.batch_seconds=15", "data.num_workers=0", "data.stats_utterances=10",
        "trainer.max_epochs=3", "trainer.enable_progress_bar=false", "trainer.log_every_n_steps=1",
        "checkpoint.every_n_train_steps=2", "optim.scheduler.warmup_steps=3", f"resume_from={resume}",
    ]
    if os.environ.get("GRU_ASR_EMA"):
        overrides.append(f"ema={{decay: {os.environ['GRU_ASR_EMA']}}}")
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    callbacks = [Progress(Path(exp))]
    fault = os.environ.get("GRU_ASR_FAULT")
    if fault:
        kind, n = fault.split(":")
        if kind == "kill_in_write":
            kill_during_checkpoint_write(int(n))
        else:
            callbacks.append(Fault(kind, int(n)))
    train(cfg, extra_callbacks=callbacks)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
