"""CPU training step with the fused GRU recurrence (gru_asr/encoders/gru_recurrence.py)
against nn.GRU, side by side in one process on the same model, batch and optimizer.

Three recurrences per layer, all on the same parameters:
- fused: both directions in one batched loop (what CPU training runs by default);
- native: the layer's nn.GRU path, two unidirectional calls with the backward input
  reversed within each utterance's length (padding-exact; what fused replaces);
- one bidirectional nn.GRU call per layer (`nn.GRU(bidirectional=True)` sharing the same
  weights): PyTorch's own kernel, the speed a skeptic compares with. It is NOT
  padding-exact (the backward direction starts in the padding), so it is a reference for
  time only, never used for training.

A step is the whole model (log-mel front-end, SpecAugment-free, conv subsampling,
the recurrent stack, CTC head), CTC loss, backward and an AdamW update, on a batch
shaped like the AN4 recipe's: 60 s of audio, 24 utterances of 1.25-2.5 s.
Rounds alternate the two paths; the ratio of the medians is reported.

Usage: .venv/bin/python tools/bench/gru_recurrence.py [--full] [--encoder bigru_medium]
Prints `fused_vs_native_train_step: R` (native seconds / fused seconds; > 1 is faster), then
last `fused_vs_bidirectional_nn_gru_train_step: R` (one-call seconds / fused seconds).
"""

from __future__ import annotations

import argparse
import statistics
import time
import types

import torch
import torch.nn.functional as F
from torch import nn
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
    plain_forward = {id(layer): layer.forward for layer in layers}
    for layer in layers:
        attach_one_call_bidirectional_gru(layer)

    def step(path: str) -> float:
        for layer in layers:
            layer.fused_cpu_training = path == "fused"
            layer.forward = layer.one_call_forward if path == "one_call" else plain_forward[id(layer)]
        start = time.perf_counter()
        log_probs, out_lengths = model(waves, lengths)
        loss = F.ctc_loss(log_probs.transpose(0, 1), targets, out_lengths, target_lengths, zero_infinity=True)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return time.perf_counter() - start

    paths = ("native", "fused", "one_call")
    for path in paths:  # warm-up
        step(path)
    times: dict[str, list[float]] = {path: [] for path in paths}
    for _ in range(15 if args.full else 5):
        for path in paths:  # alternating rounds: drifts in machine load hit all three alike
            times[path].append(step(path))
    native, fused, one_call = (statistics.median(times[path]) for path in paths)
    audio_seconds = float(lengths.sum()) / 16000
    params = sum(p.numel() for p in model.parameters()) / 1e6
    print(f"encoder {args.encoder} ({params:.1f} M parameters), batch {args.batch} x <= {args.seconds} s, "
          f"{torch.get_num_threads()} threads")
    print(f"nn.GRU (two directions) step {native:.3f} s ({audio_seconds / native:.0f} audio-s/s), "
          f"fused step {fused:.3f} s, one bidirectional nn.GRU call {one_call:.3f} s (medians of {len(times['fused'])})")
    print(f"fused_vs_native_train_step: {native / fused:.2f}")
    print(f"fused_vs_bidirectional_nn_gru_train_step: {one_call / fused:.2f}")


def attach_one_call_bidirectional_gru(layer: nn.Module) -> None:
    """Give ``layer`` a ``one_call_forward``: its norm, then one ``nn.GRU(bidirectional=True)``
    whose parameters ARE the layer's fwd/bwd parameters (shared, so the optimizer steps them)."""
    fwd, bwd = layer.fwd, layer.bwd
    bi = nn.GRU(fwd.input_size, fwd.hidden_size, batch_first=True, bidirectional=True)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        setattr(bi, f"{name}_l0", getattr(fwd, f"{name}_l0"))
        setattr(bi, f"{name}_l0_reverse", getattr(bwd, f"{name}_l0"))
    layer.one_call_gru = [bi]  # a list: not registered as a submodule, no duplicate parameters

    def one_call_forward(self, x, lengths, mask):
        if self.norm_kind == "batch":
            x = self.norm(x, mask)
        elif self.norm is not None:
            x = self.norm(x)
        out, _ = self.one_call_gru[0](x)
        if self.merge == "sum":
            half = out.shape[-1] // 2
            return out[..., :half] + out[..., half:]
        return out

    layer.one_call_forward = types.MethodType(one_call_forward, layer)


if __name__ == "__main__":
    main()
