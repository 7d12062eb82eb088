"""Training throughput: the full Lightning step with the real data loader versus a
bare PyTorch loop over the same model, loss and optimizer with batches already in
memory, on the same batches, in one run.

Target (issue 4): (a)/(b) >= 0.90 on 2 CPU cores.
Usage: .venv/bin/python tools/bench/train_throughput.py [--full] [--encoder bigru_ds2 --device cuda --precision bf16-mixed]
Last line: `train_step_vs_bare_loop: R`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import lightning as L
import torch
import torch.nn.functional as F
from hydra import compose, initialize_config_dir

ROOT = Path(__file__).resolve().parents[2]


class _Timer(L.Callback):
    """Wall time of the training epoch: steps *and* data loading between them."""

    def __init__(self):
        self.times = []

    def on_train_epoch_start(self, trainer, module):
        self.t0 = time.perf_counter()

    def on_train_epoch_end(self, trainer, module):
        self.times.append(time.perf_counter() - self.t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="more batches and a bigger corpus")
    ap.add_argument("--encoder", default="bigru_small")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precision", default="32-true")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", type=int, default=0, help="loader worker processes (the default config uses 0 on CPU)")
    args = ap.parse_args()

    from gru_asr.synth.corpus import SynthConfig, build_corpus
    from gru_asr.training.data import build_dataset, build_loader, read_manifests
    from gru_asr.training.module import CTCTrainingModule
    from gru_asr.training.train import model_config_from

    torch.manual_seed(0)
    tmp = Path(tempfile.mkdtemp())
    build_corpus(tmp, SynthConfig(hours=0.15 if args.full else 0.04, seed=0))
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train", overrides=[f"encoder={args.encoder}", "augment=none", f"data.num_workers={args.workers}", "data.batch_seconds=60"])
    from omegaconf import OmegaConf

    data_cfg = OmegaConf.to_container(cfg.data, resolve=True)
    optim_cfg = {"name": "adamw", "lr": 1e-3, "scheduler": {"name": "constant"}}
    module = CTCTrainingModule(model_config_from(cfg), optim_cfg)
    dataset = build_dataset(module.model, read_manifests(str(tmp / "train.jsonl")), data_cfg, train=True)
    loader = build_loader(dataset, data_cfg, train=True, seed=0)
    batches = [b for b in loader if b["size"]]
    audio_s = [float(b["audio_lens"].sum()) / 16000 for b in batches]
    device = torch.device(args.device)

    # (b) bare loop: same model/loss/optimizer, batches already in memory on the device
    def bare() -> float:
        model = module.model.to(device).train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        dev_batches = [{k: (v.to(device) if torch.is_tensor(v) else v) for k, v in b.items()} for b in batches]
        amp = args.precision.startswith("bf16")
        t = 0.0
        for b in dev_batches:
            t0 = time.perf_counter()
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                lp, ol = model(b["audio"], b["audio_lens"])
            loss = F.ctc_loss(lp.float().transpose(0, 1), b["tokens"], ol, b["token_lens"], zero_infinity=True, reduction="sum") / b["size"]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            if device.type == "cuda":
                torch.cuda.synchronize()
            t += time.perf_counter() - t0
        return sum(audio_s) / t

    # (a) Lightning with the real loader over the same batch list
    def lightning_run() -> float:
        timer = _Timer()
        trainer = L.Trainer(max_epochs=1, accelerator="gpu" if device.type == "cuda" else "cpu", devices=1,
                            precision=args.precision, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                            enable_model_summary=False, limit_val_batches=0, gradient_clip_val=5.0, callbacks=[timer],
                            use_distributed_sampler=False)
        trainer.fit(module, build_loader(dataset, data_cfg, train=True, seed=0))
        return sum(audio_s) / sum(timer.times)

    ratios, a_s, b_s = [], [], []
    bare()  # warm-up
    for _ in range(args.repeats):
        a = lightning_run()
        b = bare()
        a_s.append(a), b_s.append(b), ratios.append(a / b)
        print(f"lightning+loader {a:8.1f} audio-s/s   bare loop {b:8.1f} audio-s/s   ratio {a / b:.3f}")
    print(f"device: {torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu'} x{torch.get_num_threads()} threads, "
          f"encoder {args.encoder}, {len(batches)} batches, {sum(audio_s):.0f} s of audio")
    print(f"median: lightning {statistics.median(a_s):.1f} audio-s/s, bare {statistics.median(b_s):.1f} audio-s/s")
    print(f"train_step_vs_bare_loop: {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
