import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

# Keep tests quick and deterministic on a 2-core machine.
torch.set_num_threads(min(2, os.cpu_count() or 1))

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def tone_wav(tmp_path):
    """A 1 s, 16 kHz, 440 Hz mono tone."""

    def make(name="tone.wav", seconds=1.0, sr=16000, channels=1, freq=440.0, subtype="PCM_16", fmt=None):
        t = np.arange(int(seconds * sr)) / sr
        x = 0.3 * np.sin(2 * np.pi * freq * t).astype(np.float32)
        if channels > 1:
            x = np.stack([x * (c + 1) / channels for c in range(channels)], axis=1)
        path = tmp_path / name
        sf.write(path, x, sr, subtype=subtype, format=fmt)
        return path

    return make


def small_model_config(vocab=None, encoder="bigru", **enc):
    cfg = {
        "sample_rate": 16000,
        "text": {},
        "tokenizer": {"name": "char"},
        "frontend": {"name": "logmel", "n_mels": 40, "dither": 0.0},
        "augment": [],
        "encoder": {"name": encoder, "hidden_size": 16, "num_layers": 2, "dropout": 0.0,
                    "subsampling": {"channels": [4, 4]}, **enc},
        "head": {"name": "ctc"},
        "decoder": {"name": "greedy"},
    }
    return cfg
