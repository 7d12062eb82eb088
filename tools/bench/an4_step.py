"""Shared by the training-step benches: a model from the repo's encoder config and a
batch shaped like the AN4 recipe's (24 utterances of 1.25-2.5 s, about 60 s of audio)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from omegaconf import OmegaConf

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class StepInputs:
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    waves: torch.Tensor
    lengths: torch.Tensor
    targets: torch.Tensor
    target_lengths: torch.Tensor


def an4_step_inputs(encoder_name: str, batch: int = 24, seconds: float = 2.5) -> StepInputs:
    """The model (training mode, AdamW) and one fixed batch; seeded, so every run is alike."""
    from gru_asr.models.ctc_model import CTCModel

    torch.manual_seed(0)
    encoder = OmegaConf.to_container(OmegaConf.load(ROOT / "conf" / "encoder" / f"{encoder_name}.yaml"))
    frontend = OmegaConf.to_container(OmegaConf.load(ROOT / "conf" / "frontend" / "logmel.yaml"))
    model = CTCModel({"tokenizer": {"name": "char"}, "frontend": frontend, "encoder": encoder}).train()
    samples = int(seconds * 16000)
    lengths = torch.randint(samples // 2, samples + 1, (batch,))
    lengths[0] = samples
    return StepInputs(
        model=model,
        optimizer=torch.optim.AdamW(model.parameters(), lr=1e-4),
        waves=torch.randn(batch, samples) * 0.1,
        lengths=lengths,
        targets=torch.randint(1, model.tokenizer.vocab_size, (batch, 20)),
        target_lengths=torch.full((batch,), 20),
    )
