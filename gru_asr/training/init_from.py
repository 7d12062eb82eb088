"""Start a run from another model's weights: fine-tuning on new data, or a warm
restart with a fresh optimizer and schedule (ESPnet's ``--init_param``, NeMo's
``init_from_nemo_model``). Unlike ``resume_from``, nothing but the weights is taken:
the new run has its own optimizer, schedule, data order and clock."""

from __future__ import annotations

from pathlib import Path

from gru_asr.models import CTCModel


def load_initial_weights(model: CTCModel, path: str | Path) -> str:
    """Copy the weights of ``path`` into ``model`` (which must have the same shapes:
    the same front-end, encoder sizes and tokenizer vocabulary) and say what was taken.

    ``path`` is a packaged model (``model.safetensors``) or a training checkpoint
    (``.ckpt``; its weight average when the run kept one). The front-end's normalization
    statistics come with the weights: the encoder learned on them. Raises ``ConfigError``
    naming ``init_from`` when the file cannot be read or does not fit."""
    from gru_asr.packaging import load_package
    from gru_asr.packaging.checkpoint import model_from_checkpoints
    from gru_asr.packaging.package import PackageError
    from gru_asr.schemas import ConfigError

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"init_from={path}: no such file (a model.safetensors package or a .ckpt checkpoint)")
    try:
        source = model_from_checkpoints([path]) if path.suffix == ".ckpt" else load_package(path)
    except (PackageError, ValueError) as err:
        raise ConfigError(f"init_from={path}: {err}") from None
    if source.tokenizer.to_config() != model.tokenizer.to_config():
        raise ConfigError(f"init_from={path}: its tokenizer ({source.tokenizer.vocab_size} tokens) is not this "
                          f"model's ({model.tokenizer.vocab_size} tokens); its output layer would mean other tokens")
    mine, theirs = model.state_dict(), source.state_dict()
    missing = sorted(set(mine) - set(theirs))
    unexpected = sorted(set(theirs) - set(mine))
    wrong = [k for k in mine if k in theirs and mine[k].shape != theirs[k].shape]
    if missing or unexpected or wrong:
        what = (f"shape of {wrong[0]}: {tuple(theirs[wrong[0]].shape)} there, {tuple(mine[wrong[0]].shape)} here" if wrong
                else f"{'missing ' + missing[0] if missing else 'unexpected ' + unexpected[0]}")
        raise ConfigError(f"init_from={path}: its weights do not fit this model ({what}); "
                          "the encoder, front-end and tokenizer must have the same sizes")
    model.load_state_dict(theirs, strict=True)
    return f"initial weights from {path} ({sum(t.numel() for t in theirs.values()):,} values)"

