"""CPU training step with the fused GRU recurrence (gru_asr/encoders/gru_recurrence.py)
against nn.GRU, side by side in one process on the same model, batch and optimizer.

A step is the whole model (log-mel front-end, SpecAugment-free, conv subsampling,
the recurrent stack, CTC head), CTC loss, backward and an AdamW update, on a batch
shaped like the AN4 recipe's: 60 s of audio, 24 utterances of 1.25-2.5 s.
Rounds alternate the two paths; the ratio of the medians is reported.

Usage: .venv/bin/python tools/bench/gru_recurrence.py [--full] [--encoder bigru_medium]
Last line: `fused_vs_native_train_step: R` (native seconds / fused seconds; > 1 is faster).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from an4_step import an4_step_inputs  # tools/bench/an4_step.py (the script's folder is on sys.path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="more rounds")
    ap.add_argument("--encoder", default="bigru_medium", help="a file name under conf/encoder")
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--seconds", type=float, default=2.5, help="the longest utterance")
    args = ap.parse_args()

    inputs = an4_step_inputs(args.encoder, args.batch, args.seconds)
    model, optimizer, waves, lengths = inputs.model, inputs.optimizer, inputs.waves, inputs.lengths
    targets, target_lengths = inputs.targets, inputs.target_lengths
    layers = model.encoder.layers

    def step(fused: bool) -> float:
        for layer in layers:
            layer.fused_cpu_training = fused
        start = time.perf_counter()
        log_probs, out_lengths = model(waves, lengths)
        loss = F.ctc_loss(log_probs.transpose(0, 1), targets, out_lengths, target_lengths, zero_infinity=True)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return time.perf_counter() - start

    for fused in (False, True):  # warm-up
        step(fused)
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(15 if args.full else 5):
        for fused in (False, True):
            times[fused].append(step(fused))
    native, fused = statistics.median(times[False]), statistics.median(times[True])
    audio_seconds = float(lengths.sum()) / 16000
    params = sum(p.numel() for p in model.parameters()) / 1e6
    print(f"encoder {args.encoder} ({params:.1f} M parameters), batch {args.batch} x <= {args.seconds} s, "
          f"{torch.get_num_threads()} threads")
    print(f"nn.GRU step {native:.3f} s ({audio_seconds / native:.0f} audio-s/s), "
          f"fused step {fused:.3f} s (median of {len(times[True])})")
    print(f"fused_vs_native_train_step: {native / fused:.2f}")


if __name__ == "__main__":
    main()
