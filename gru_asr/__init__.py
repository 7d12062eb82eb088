"""gru_asr: speech recognition with bidirectional GRU encoders and CTC."""

from gru_asr.version import __version__  # noqa: E402

# Light on purpose: the registry is stdlib-only and the built-in components (torch and
# all) are imported on the first registry lookup, so `import gru_asr`, the install check
# and the Hydra search-path plugin do not pay for torch.
from gru_asr.registry import register  # noqa: E402


def load_model(path=None, device: str = "cpu", decoder=None):
    """Load a packaged model file, or with no path the built-in English model with its
    tuned LM decoder (``gru_asr.pretrained``); see :class:`gru_asr.inference.Model`.
    ``decoder``: a decoder name or config (None: the model's own)."""
    if path is None:
        from gru_asr.pretrained import load_builtin

        return load_builtin(device=device, decoder=decoder)
    from gru_asr.inference import Model

    return Model.load(path, device=device, decoder=decoder)


def __getattr__(name: str):
    # The package's errors, importable from the top level without importing torch up front.
    if name == "PackageError":
        from gru_asr.packaging.package import PackageError

        return PackageError
    raise AttributeError(f"module 'gru_asr' has no attribute {name!r}")


__all__ = ["PackageError", "__version__", "load_model", "register"]
