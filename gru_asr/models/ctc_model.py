"""The model owns its whole pipeline: waveform -> front-end -> augmentation ->
encoder -> CTC head, plus the text normalizer and tokenizer that define its
labels. One plain config dict (every component named by its registered name)
rebuilds it exactly; that dict is what the model package stores.
"""

from __future__ import annotations

import copy
from typing import Any, Sequence

import torch
from torch import nn

from gru_asr.augment import build_augmentations
from gru_asr.encoders import build_encoder
from gru_asr.encoders.base import IntermediateOutputEncoder
from gru_asr.frontends import build_frontend
from gru_asr.heads import build_head
from gru_asr.text import TextNormalizer
from gru_asr.tokenizers import build_tokenizer

# Config keys that name one registered component each, and their registry kind.
COMPONENT_KEYS = {
    "tokenizer": "tokenizer",
    "frontend": "frontend",
    "encoder": "encoder",
    "head": "head",
    "decoder": "decoder",
}


class CTCModel(nn.Module):
    def __init__(self, config: dict[str, Any]):
        super().__init__()
        config = copy.deepcopy(_plain(config))
        self.config = config
        self.sample_rate = int(config.get("sample_rate", 16000))
        self.normalizer = TextNormalizer(**config.get("text", {}))
        self.tokenizer = build_tokenizer(config["tokenizer"])
        self.frontend = build_frontend({**config["frontend"], "sample_rate": self.sample_rate})
        self.augment = build_augmentations(config.get("augment"))
        self.encoder = build_encoder(config["encoder"], input_dim=self.frontend.feature_dim)
        self.head = build_head(
            config.get("head", {"name": "ctc"}), self.encoder.output_dim, self.tokenizer.vocab_size
        )

    @property
    def frame_shift(self) -> float:
        """Seconds between two output (log-prob) frames."""
        return self.frontend.frame_shift * self.encoder.subsampling_factor

    def forward(self, waveforms: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feats, feat_lens = self.frontend(waveforms, lengths)
        for aug in self.augment:
            feats = aug(feats, feat_lens)
        states, out_lens = self.encoder(feats, feat_lens)
        return self.head(states), out_lens

    def forward_with_intermediates(
        self, waveforms: torch.Tensor, lengths: torch.Tensor, layers: Sequence[int]
    ) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
        """``forward``, plus log-probs read by the same head from the encoder's states
        after each of ``layers`` (intermediate CTC; the encoder must implement
        :class:`~gru_asr.encoders.base.IntermediateOutputEncoder`)."""
        if not isinstance(self.encoder, IntermediateOutputEncoder):
            raise TypeError(f"encoder {type(self.encoder).__name__} does not expose intermediate layers "
                            "(forward_with_intermediates, see gru_asr.encoders.base): intermediate CTC needs them")
        feats, feat_lens = self.frontend(waveforms, lengths)
        for aug in self.augment:
            feats = aug(feats, feat_lens)
        states, out_lens, intermediates = self.encoder.forward_with_intermediates(feats, feat_lens, layers)
        return self.head(states), out_lens, [self.head(h) for h in intermediates]

    def max_output_frames(self, num_samples: int) -> int:
        """Upper estimate of output frames for an utterance of ``num_samples``."""
        frames = int(self.frontend.num_frames(torch.tensor([num_samples]))[0])
        return -(-frames // self.encoder.subsampling_factor)

    def component_names(self) -> dict[str, str]:
        names = {key: self.config[key]["name"] for key in COMPONENT_KEYS if key in self.config}
        names.setdefault("head", "ctc")
        for i, aug in enumerate(self.config.get("augment") or []):
            names[f"augment.{i}"] = aug["name"]
        return names


def _plain(config: Any) -> Any:
    """OmegaConf containers -> plain dicts/lists, so the config is JSON-ready."""
    from omegaconf import DictConfig, ListConfig, OmegaConf

    if isinstance(config, (DictConfig, ListConfig)):
        return OmegaConf.to_container(config, resolve=True)
    return config
