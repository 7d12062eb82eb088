"""What the training-objective options cost per CPU training step, side by side in one
process on the same model, batch and optimizer:

* ``plain_norm``: the subsampling's batch norm over every step, padding included (what
  ``BatchNorm2d`` did before ``MaskedBatchNorm2d``; emulated by passing no mask);
* ``masked_norm``: statistics over valid steps only (the default);
* ``masked_norm+interctc``: plus intermediate CTC at layer 2, weight 0.3 (``interctc:
  {layers: [2], weight: 0.3}``, the AN4 recipe's default since session 10).

A step is the whole model (log-mel front-end, conv subsampling, the recurrent stack, CTC
head), the loss, backward and an AdamW update, on a batch shaped like the AN4 recipe's:
60 s of audio, 24 utterances of 1.25-2.5 s. Rounds alternate the variants; medians.

Usage: .venv/bin/python tools/bench/train_step_options.py [--full] [--encoder bigru_medium]
Last line: `masked_norm_interctc_vs_plain_train_step: R` (plain seconds / seconds with
both; 1.0 costs nothing, < 1 is slower).
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

    from gru_asr.encoders import subsampling
    from gru_asr.training.intermediate_ctc import IntermediateCTC

    inputs = an4_step_inputs(args.encoder, args.batch, args.seconds)
    model, optimizer, waves, lengths = inputs.model, inputs.optimizer, inputs.waves, inputs.lengths
    targets, target_lengths = inputs.targets, inputs.target_lengths
    interctc = IntermediateCTC((2,), 0.3)
    masked_forward = subsampling.MaskedBatchNorm2d.forward

    def unmasked_forward(self, x, mask=None):
        return masked_forward(self, x, None)

    def ctc(log_probs, out_lengths):
        return F.ctc_loss(log_probs.transpose(0, 1), targets, out_lengths, target_lengths, zero_infinity=True)

    def step(variant: str) -> float:
        subsampling.MaskedBatchNorm2d.forward = unmasked_forward if variant == "plain_norm" else masked_forward
        start = time.perf_counter()
        if variant.endswith("interctc"):
            log_probs, out_lengths, inter = model.forward_with_intermediates(waves, lengths, interctc.layers)
            loss = interctc.mix(ctc(log_probs, out_lengths), [ctc(lp, out_lengths) for lp in inter])
        else:
            loss = ctc(*model(waves, lengths))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return time.perf_counter() - start

    variants = ["plain_norm", "masked_norm", "masked_norm+interctc"]
    for v in variants:  # warm-up
        step(v)
    times: dict[str, list[float]] = {v: [] for v in variants}
    for _ in range(15 if args.full else 5):
        for v in variants:
            times[v].append(step(v))
    subsampling.MaskedBatchNorm2d.forward = masked_forward
    med = {v: statistics.median(t) for v, t in times.items()}
    print(f"encoder {args.encoder}, batch {args.batch} x <= {args.seconds} s, {torch.get_num_threads()} threads, "
          f"median of {len(times['plain_norm'])} alternating rounds")
    for v in variants:
        print(f"{v:22s} {med[v]:.3f} s per step ({med['plain_norm'] / med[v]:.3f} of plain's speed)")
    print(f"masked_norm_vs_plain_train_step: {med['plain_norm'] / med['masked_norm']:.3f}")
    print(f"masked_norm_interctc_vs_plain_train_step: {med['plain_norm'] / med['masked_norm+interctc']:.3f}")


if __name__ == "__main__":
    main()
