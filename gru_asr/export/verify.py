"""Parity of an exported model with the PyTorch model it came from.

Both run the same padded batches of random-length noise (lengths other than the
traced example's, one shorter than a single analysis window, so dynamic shapes
and the masking are exercised); the report holds the largest absolute
difference of log-probs over every utterance's valid frames, and whether the
output lengths agree. Frames past an utterance's length are padding and are
not compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

Runner = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass
class ParityReport:
    max_abs_diff: float
    lengths_match: bool
    utterances: int
    batches: int

    def passed(self, tolerance: float) -> bool:
        return self.lengths_match and self.max_abs_diff <= tolerance


def parity_batches(sample_rate: int, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Three padded batches: 3 utterances of 0.3-3 s, a 1.5 s one with one of
    100 samples, and a single utterance."""
    gen = torch.Generator().manual_seed(seed)

    def seconds(lo: float, hi: float) -> int:
        return int((lo + (hi - lo) * torch.rand(1, generator=gen).item()) * sample_rate)

    batches = []
    for lengths in ([seconds(0.3, 3.0) for _ in range(3)], [seconds(1.0, 2.0), 100], [seconds(0.5, 2.5)]):
        lens = torch.tensor(lengths, dtype=torch.int64)
        wavs = 0.1 * torch.randn(len(lengths), int(lens.max()), generator=gen)
        batches.append((wavs * (torch.arange(wavs.size(1)) < lens.unsqueeze(1)), lens))
    return batches


@torch.inference_mode()
def compare(model, runner: Runner, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> ParityReport:
    """Run ``model`` (PyTorch, eval) and ``runner`` on ``batches``; compare valid frames."""
    model = model.eval()
    worst, lengths_match, count = 0.0, True, 0
    for wavs, lens in batches:
        ref, ref_lens = model(wavs, lens)
        out, out_lens = runner(wavs.numpy().astype(np.float32), lens.numpy().astype(np.int64))
        ref, ref_lens = ref.float().numpy(), ref_lens.numpy()
        if out_lens.shape != ref_lens.shape or not np.array_equal(out_lens, ref_lens):
            lengths_match = False
            continue
        for i, n in enumerate(ref_lens.tolist()):
            if out.shape[1] < n:
                lengths_match = False
                continue
            if n:
                worst = max(worst, float(np.abs(out[i, :n] - ref[i, :n]).max()))
            count += 1
    return ParityReport(worst, lengths_match, count, len(batches))


def onnx_runner(path: str | Path) -> Runner:
    import onnxruntime as ort

    from gru_asr.inference.onnx_runtime import INPUT_NAMES, OUTPUT_NAMES

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])

    def run(wavs: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        log_probs, out_lens = session.run(list(OUTPUT_NAMES), {INPUT_NAMES[0]: wavs, INPUT_NAMES[1]: lens})
        return log_probs, out_lens

    return run


def torchscript_runner(path: str | Path) -> Runner:
    from gru_asr.export.torchscript_export import load_torchscript

    module, _ = load_torchscript(path)

    def run(wavs: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with torch.inference_mode():
            log_probs, out_lens = module(torch.from_numpy(wavs), torch.from_numpy(lens))
        return log_probs.numpy(), out_lens.numpy()

    return run


def verify_export(model, path: str | Path, fmt: str, seed: int = 0) -> ParityReport:
    """Parity of the export at ``path`` (``fmt``: onnx or torchscript) with ``model``."""
    runner = onnx_runner(path) if fmt == "onnx" else torchscript_runner(path)
    return compare(model, runner, parity_batches(model.sample_rate, seed))
