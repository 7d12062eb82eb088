"""Crash-safe training checkpoints: atomic writes, and choosing a checkpoint to
resume from that is known to be complete.

Lightning's own writer streams the checkpoint through fsspec into a temporary
file in the system temp folder and then moves it, without fsync; when that
folder is on another filesystem the move is a copy into the destination, so a
kill during it leaves a truncated ``last.ckpt``. :class:`AtomicCheckpointIO`
writes the temporary file beside the target instead, fsyncs it and renames it
over the target: ``last.ckpt`` is always either the previous or the new
checkpoint.
"""

from __future__ import annotations

import contextlib
import logging
import zipfile
from pathlib import Path
from typing import Any

import torch
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.plugins.io import TorchCheckpointIO

from gru_asr.utils.atomic_files import atomic_write

log = logging.getLogger(__name__)


class AtomicCheckpointIO(TorchCheckpointIO):
    """``TorchCheckpointIO`` whose local writes are atomic (temp + fsync + rename).

    Remote paths (``s3://`` ...) keep Lightning's writer: object stores publish
    an upload only when it completes.
    """

    def save_checkpoint(self, checkpoint: dict[str, Any], path, storage_options: Any | None = None) -> None:
        if "://" in str(path):
            return super().save_checkpoint(checkpoint, path, storage_options)
        if storage_options is not None:
            raise TypeError("AtomicCheckpointIO.save_checkpoint does not take storage_options")
        atomic_write(Path(path), lambda f: torch.save(checkpoint, f))
        return None


def is_complete_checkpoint(path: str | Path) -> bool:
    """True if ``path`` is a whole ``torch.save`` archive: a zip whose every
    member is present and passes its CRC check. Cheap next to loading it, and
    it catches truncation and bit rot; what is inside is checked again when it
    is loaded with ``weights_only=True``."""
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if not any(n.endswith("/data.pkl") or n == "data.pkl" for n in names):
                return False
            return z.testzip() is None
    except Exception:  # noqa: BLE001 - truncated, not a zip, encrypted, unknown compression: all "not complete"
        return False


def latest_complete_checkpoint(folder: str | Path) -> Path | None:
    """The checkpoint ``resume_from=last`` resumes from: ``last.ckpt`` if it is
    complete, else the newest complete ``*.ckpt`` in ``folder`` (a damaged file
    is logged and passed over, never chosen); ``None`` if there is none."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    last = folder / "last.ckpt"
    others = sorted((p for p in folder.glob("*.ckpt") if p.name != "last.ckpt" and p.is_file()),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for candidate in ([last] if last.is_file() else []) + others:
        if is_complete_checkpoint(candidate):
            return candidate
        log.warning("skipping damaged checkpoint %s (incomplete or corrupt archive)", candidate)
    return None


def remove_unfinished_writes(folder: str | Path) -> list[Path]:
    """Delete temporary files left by checkpoint writes that were killed midway
    (``.NAME.ckpt.XXXX.tmp``); they are never read, only wasted space."""
    removed = []
    folder = Path(folder)
    if folder.is_dir():
        for tmp in folder.glob(".*.ckpt.*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()
                removed.append(tmp)
    return removed


class MidEpochCheckpoint(ModelCheckpoint):
    """``ModelCheckpoint(every_n_train_steps=N)`` that skips an epoch's last batch.

    Lightning 2.6 restores a checkpoint written at the end of an epoch's last
    training batch (before that epoch's validation) by marking the epoch done:
    its validation is skipped and the next epoch starts on the already
    exhausted sampler position, so a whole epoch of training is silently lost.
    The epoch-end checkpoint written right after validation covers that step.
    """

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.fit_loop.epoch_loop.batch_progress.is_last_batch:
            return
        super().on_train_batch_end(trainer, pl_module, outputs, batch, batch_idx)
