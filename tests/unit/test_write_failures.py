"""Disk full / read-only output: a checkpoint, package or manifest write that
fails leaves the previous file byte-identical, leaves no temporary file behind
and raises AtomicWriteError (an OSError) that names the file and the cause."""

import errno
import os

import pytest
import torch

from gru_asr.data import read_manifest, write_manifest
from gru_asr.models import CTCModel
from gru_asr.packaging import load_package, save_package
from gru_asr.utils import atomic_files as atomic_files_module
from gru_asr.utils.atomic_files import AtomicWriteError
from gru_asr.training.checkpointing import (
    AtomicCheckpointIO,
    is_complete_checkpoint,
    latest_complete_checkpoint,
    remove_unfinished_writes,
)
from tests.conftest import small_model_config


class DiskFillsUp:
    """Patches os.fdopen so that files opened for writing accept ``room``
    bytes and then fail with ENOSPC, as a full filesystem does mid-write."""

    def __init__(self, monkeypatch, room: int):
        real_fdopen = os.fdopen
        self.failures = 0

        def fdopen(fd, mode="r", *args, **kwargs):
            f = real_fdopen(fd, mode, *args, **kwargs)
            if "w" not in mode:
                return f
            return _FillingFile(f, room, self)

        monkeypatch.setattr(atomic_files_module.os, "fdopen", fdopen)


class _FillingFile:
    def __init__(self, f, room, owner):
        self.f, self.room, self.owner = f, room, owner

    def write(self, data):
        data = bytes(data)
        if len(data) > self.room:
            self.f.write(data[: self.room])  # a partial write reaches the disk
            self.f.flush()
            self.room = 0
            self.owner.failures += 1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(data)
        return self.f.write(data)

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()


def read_only_folder(monkeypatch):
    """mkstemp fails as it does in a read-only folder (tests may run as root,
    for whom chmod does not make a folder read-only)."""

    def mkstemp(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(atomic_files_module.tempfile, "mkstemp", mkstemp)


def leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.fixture
def model():
    torch.manual_seed(0)
    return CTCModel(small_model_config()).eval()


def test_package_write_on_a_full_disk_keeps_the_previous_package(model, tmp_path, monkeypatch):
    path = save_package(model, tmp_path / "model.safetensors")
    before = path.read_bytes()
    torch.manual_seed(1)
    newer = CTCModel(small_model_config()).eval()
    fill = DiskFillsUp(monkeypatch, room=len(before) // 2)
    with pytest.raises(AtomicWriteError) as err:
        save_package(newer, path)
    assert fill.failures == 1
    assert err.value.errno == errno.ENOSPC
    assert str(path) in str(err.value) and "No space left on device" in str(err.value)
    assert "previous file is unchanged" in str(err.value)
    assert path.read_bytes() == before and leftovers(tmp_path) == []
    monkeypatch.undo()
    load_package(path)  # still a valid package


def test_package_write_into_a_read_only_folder_is_refused_clearly(model, tmp_path, monkeypatch):
    path = save_package(model, tmp_path / "model.safetensors")
    before = path.read_bytes()
    read_only_folder(monkeypatch)
    with pytest.raises(AtomicWriteError, match="Read-only file system") as err:
        save_package(model, path)
    assert err.value.errno == errno.EROFS and isinstance(err.value, OSError)
    assert path.read_bytes() == before


def test_first_write_that_fails_leaves_nothing(model, tmp_path, monkeypatch):
    DiskFillsUp(monkeypatch, room=100)
    with pytest.raises(AtomicWriteError, match="nothing was written"):
        save_package(model, tmp_path / "new.safetensors")
    assert list(tmp_path.iterdir()) == []


def _checkpoint(step: int) -> dict:
    torch.manual_seed(step)
    return {"global_step": step, "state_dict": {"w": torch.randn(2000)}, "loops": {"x": step}}


def test_checkpoint_write_on_a_full_disk_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    io = AtomicCheckpointIO()
    last = tmp_path / "checkpoints" / "last.ckpt"
    io.save_checkpoint(_checkpoint(2), last)
    before = last.read_bytes()
    DiskFillsUp(monkeypatch, room=len(before) // 3)
    with pytest.raises(AtomicWriteError, match="No space left on device"):
        io.save_checkpoint(_checkpoint(4), last)
    monkeypatch.undo()
    assert last.read_bytes() == before and leftovers(last.parent) == []
    assert io.load_checkpoint(last, weights_only=True)["global_step"] == 2
    assert latest_complete_checkpoint(last.parent) == last


def test_checkpoint_write_into_a_read_only_folder(tmp_path, monkeypatch):
    io = AtomicCheckpointIO()
    last = tmp_path / "last.ckpt"
    io.save_checkpoint(_checkpoint(2), last)
    before = last.read_bytes()
    read_only_folder(monkeypatch)
    with pytest.raises(AtomicWriteError, match=f"cannot write {last}: Read-only file system"):
        io.save_checkpoint(_checkpoint(4), last)
    assert last.read_bytes() == before


def test_a_failed_checkpoint_stops_training_with_the_clear_error(tmp_path, monkeypatch):
    """Through Lightning: the error reaches the caller of fit(), and last.ckpt
    is the one written before the disk filled up."""
    import lightning as L
    from lightning.pytorch.callbacks import ModelCheckpoint
    from torch.utils.data import DataLoader

    from gru_asr.training.module import CTCTrainingModule

    module = CTCTrainingModule(small_model_config(), {"name": "adamw", "lr": 1e-3, "scheduler": {"name": "constant"}})
    tokens = torch.tensor([[5, 6, 7]])
    batch = {"ids": ["u"], "texts": ["cde"], "audio": torch.randn(1, 8000) * 0.1, "audio_lens": torch.tensor([8000]),
             "tokens": tokens, "token_lens": torch.tensor([3]), "skipped": [], "size": 1}

    class FillDiskAfterFirstSave(L.Callback):
        def on_train_batch_end(self, trainer, *args):
            # runs before ModelCheckpoint's own hook: step 1 is saved, step 2 is not
            if trainer.global_step == 2:
                DiskFillsUp(monkeypatch, room=1000)

    ckpt = ModelCheckpoint(dirpath=tmp_path, save_last=True, save_top_k=0, every_n_train_steps=1)
    trainer = L.Trainer(max_steps=3, accelerator="cpu", logger=False, enable_progress_bar=False,
                        enable_model_summary=False, limit_val_batches=0, callbacks=[FillDiskAfterFirstSave(), ckpt],
                        plugins=[AtomicCheckpointIO()])
    with pytest.raises(AtomicWriteError, match="No space left on device"):
        trainer.fit(module, DataLoader([batch] * 3, batch_size=None, collate_fn=lambda x: x))
    monkeypatch.undo()
    assert torch.load(tmp_path / "last.ckpt", weights_only=True)["global_step"] == 1
    assert leftovers(tmp_path) == []


def test_manifest_write_on_a_full_disk_keeps_the_previous_manifest(tmp_path, monkeypatch):
    entries = [{"id": f"u{i}", "audio": f"/data/u{i}.wav", "duration": 1.0, "text": "some words " * 20} for i in range(50)]
    path = write_manifest(tmp_path / "train.jsonl", entries[:10])
    before = path.read_bytes()
    DiskFillsUp(monkeypatch, room=len(before))
    with pytest.raises(AtomicWriteError, match="No space left"):
        write_manifest(path, entries)
    monkeypatch.undo()
    assert path.read_bytes() == before and len(read_manifest(path)) == 10


def test_damaged_checkpoints_are_never_chosen(tmp_path):
    io = AtomicCheckpointIO()
    assert latest_complete_checkpoint(tmp_path) is None
    io.save_checkpoint(_checkpoint(8), tmp_path / "epoch000-wer0.5000.ckpt")
    io.save_checkpoint(_checkpoint(10), tmp_path / "last.ckpt")
    assert latest_complete_checkpoint(tmp_path).name == "last.ckpt"
    # a truncated last.ckpt, a file of junk and an unfinished write are passed over
    data = (tmp_path / "last.ckpt").read_bytes()
    (tmp_path / "last.ckpt").write_bytes(data[: len(data) // 2])
    (tmp_path / "junk.ckpt").write_bytes(b"PK\x03\x04" + os.urandom(300))
    (tmp_path / ".last.ckpt.abc123.tmp").write_bytes(data)
    assert not is_complete_checkpoint(tmp_path / "last.ckpt")
    assert not is_complete_checkpoint(tmp_path / "junk.ckpt")
    assert latest_complete_checkpoint(tmp_path).name == "epoch000-wer0.5000.ckpt"
    # a flipped bit inside the archive fails its CRC
    good = bytearray((tmp_path / "epoch000-wer0.5000.ckpt").read_bytes())
    good[len(good) // 2] ^= 0x01
    (tmp_path / "flipped.ckpt").write_bytes(bytes(good))
    assert not is_complete_checkpoint(tmp_path / "flipped.ckpt")
    assert [p.name for p in remove_unfinished_writes(tmp_path)] == [".last.ckpt.abc123.tmp"]


def test_written_files_get_the_usual_permissions(model, tmp_path):
    path = save_package(model, tmp_path / "model.safetensors")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
