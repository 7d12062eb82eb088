"""gru_asr: speech recognition with bidirectional GRU encoders and CTC."""

__version__ = "0.1.0"

import gru_asr.components  # noqa: E402,F401  (built-ins register on import)
from gru_asr.registry import register  # noqa: E402


def load_model(path, device: str = "cpu"):
    """Load a packaged model file; see :class:`gru_asr.inference.Model`."""
    from gru_asr.inference import Model

    return Model.load(path, device=device)


__all__ = ["__version__", "load_model", "register"]
