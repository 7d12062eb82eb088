"""Training throughput at the shipped settings: the full Lightning step fed by the real
data loader versus a bare PyTorch loop over the same model, loss and optimizer with
the batches already in memory, on the same batches, side by side in one run.

The user's case first: the model, batch size and loader of what `make demo` runs
(recipes/synth/conf/experiment/demo.yaml over conf/), with ``data.num_workers`` as
that config resolves it on this machine (``auto``: gru_asr/training/data.py). Loader
worker counts 0 and 1 are reported after it for reference (one measurement is reused
where a reference equals the shipped count).

Each round times one Lightning epoch per setting and one bare-loop pass, back to back;
ratios are taken within a round, and the figures are medians over rounds. A setting's
loader is built once and kept across rounds, as in training (persistent workers start
once per run, not once per epoch).
Target (issue 24): >= 0.90 on 2 CPU cores at the shipped settings.
Usage: .venv/bin/python tools/bench/train_throughput.py [--full] [--workers 0 1 ...]
       [--experiment demo --config-dir recipes/synth/conf] [--encoder NAME] [--device cuda --precision bf16-mixed]
Last line: `train_step_vs_bare_loop: R` (shipped settings); the line before names them.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

import lightning as L
import torch
import torch.nn.functional as F
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

ROOT = Path(__file__).resolve().parents[2]


class _Timer(L.Callback):
    """Wall time of the training epoch: steps *and* data loading between them."""

    def __init__(self):
        self.times = []

    def on_train_epoch_start(self, trainer, module):
        self.t0 = time.perf_counter()

    def on_train_epoch_end(self, trainer, module):
        self.times.append(time.perf_counter() - self.t0)


def shipped_config(experiment: str, config_dir: Path, encoder: str | None):
    """The train config a recipe run composes: conf/ plus the recipe's experiment file."""
    overrides = [f"hydra.searchpath=[file://{config_dir.resolve()}]", f"experiment={experiment}"]
    if encoder:
        overrides.append(f"encoder={encoder}")
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return compose("train", overrides=overrides)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="a bigger corpus (longer epochs) and 5 rounds")
    ap.add_argument("--experiment", default="demo", help="the recipe experiment whose settings are measured (default: make demo's)")
    ap.add_argument("--config-dir", type=Path, default=ROOT / "recipes/synth/conf", help="the recipe's config folder")
    ap.add_argument("--encoder", default=None, help="another encoder config (default: the experiment's)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precision", default="32-true")
    ap.add_argument("--rounds", type=int, default=None, help="rounds (default 3, 5 with --full)")
    ap.add_argument("--workers", type=int, nargs="*", default=[0, 1], help="loader worker counts reported for reference")
    args = ap.parse_args()
    rounds = args.rounds or (5 if args.full else 3)
    logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)  # no "GPU available" lines at every fit

    from gru_asr.synth.corpus import SynthConfig, build_corpus
    from gru_asr.training.data import build_dataset, build_loader, read_manifests, resolve_num_workers
    from gru_asr.training.module import CTCTrainingModule
    from gru_asr.training.train import model_config_from

    torch.manual_seed(0)
    cfg = shipped_config(args.experiment, args.config_dir, args.encoder)
    data_cfg = OmegaConf.to_container(cfg.data, resolve=True)
    shipped, why = resolve_num_workers(data_cfg.get("num_workers"))
    shipped_label = f"data.num_workers={data_cfg.get('num_workers')} -> {shipped}"

    tmp = Path(tempfile.mkdtemp())
    # About 7 (default) or 23 (--full) batches at the demo's batch_seconds (90 padded seconds, ~31 s of speech).
    build_corpus(tmp, SynthConfig(hours=0.2 if args.full else 0.06, seed=0))
    # Constant learning rate: the bare loop has no scheduler (a scheduler step costs nothing measurable).
    optim_cfg = {"name": "adamw", "lr": 1e-3, "scheduler": {"name": "constant"}}
    module = CTCTrainingModule(model_config_from(cfg), optim_cfg)
    dataset = build_dataset(module.model, read_manifests(str(tmp / "train.jsonl")), data_cfg, train=True)
    batches = [b for b in build_loader(dataset, {**data_cfg, "num_workers": 0}, train=True, seed=0) if b["size"]]
    audio_s = sum(float(b["audio_lens"].sum()) / module.model.sample_rate for b in batches)
    device = torch.device(args.device)
    clip = float(cfg.trainer.get("gradient_clip_val") or 5.0)

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
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            if device.type == "cuda":
                torch.cuda.synchronize()
            t += time.perf_counter() - t0
        return audio_s / t

    # (a) Lightning with the real loader (built once per worker count, as in training)
    loaders = {n: build_loader(dataset, {**data_cfg, "num_workers": n}, train=True, seed=0) for n in dict.fromkeys([shipped, *args.workers])}

    def lightning_run(workers: int) -> float:
        timer = _Timer()
        trainer = L.Trainer(max_epochs=1, accelerator="gpu" if device.type == "cuda" else "cpu", devices=1,
                            precision=args.precision, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                            enable_model_summary=False, limit_val_batches=0, gradient_clip_val=clip, callbacks=[timer],
                            use_distributed_sampler=False)
        trainer.fit(module, loaders[workers])
        return audio_s / sum(timer.times)

    rates: dict[int, list[float]] = {n: [] for n in loaders}
    ratios: dict[int, list[float]] = {n: [] for n in loaders}
    bare_rates = []
    bare()  # warm-up
    for r in range(rounds):
        b = bare()
        bare_rates.append(b)
        line = [f"round {r + 1}: bare loop {b:6.1f} audio-s/s"]
        for n in loaders:
            a = lightning_run(n)
            rates[n].append(a), ratios[n].append(a / b)
            line.append(f"{n} workers {a:6.1f} ({a / b:.3f})")
        print("   ".join(line), flush=True)

    enc = cfg.encoder
    print(f"device: {torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu'} x{torch.get_num_threads()} threads, "
          f"{len(batches)} batches, {audio_s:.0f} s of audio per epoch, medians of {rounds} rounds; "
          f"bare loop {statistics.median(bare_rates):.1f} audio-s/s")
    for n in args.workers:
        reused = " (the shipped setting's measurement)" if n == shipped else ""
        print(f"reference, data.num_workers={n}: Lightning+loader {statistics.median(rates[n]):.1f} audio-s/s, "
              f"train_step_vs_bare_loop {statistics.median(ratios[n]):.3f}{reused}")
    if why:
        print(why)
    print(f"shipped settings: experiment={args.experiment} ({args.config_dir.resolve().relative_to(ROOT) if args.config_dir.resolve().is_relative_to(ROOT) else args.config_dir}), "
          f"encoder {enc.name} (hidden {enc.get('hidden_size')}), batch_seconds {data_cfg['batch_seconds']}, {shipped_label}; "
          f"Lightning+loader {statistics.median(rates[shipped]):.1f} audio-s/s")
    print(f"train_step_vs_bare_loop: {statistics.median(ratios[shipped]):.3f}")


if __name__ == "__main__":
    main()
