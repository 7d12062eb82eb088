"""Model.transcribe over many files: grouped reading, input order, bad files, progress bar."""

import numpy as np
import soundfile as sf
import torch

from gru_asr.inference import Model
from gru_asr.models import CTCModel
from tests.conftest import small_model_config


def write_files(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for i, seconds in enumerate([1.3, 0.4, 2.1, 0.9, 1.7]):
        p = tmp_path / f"f{i}.wav"
        sf.write(p, (0.1 * rng.standard_normal(int(seconds * 16000))).astype("float32"), 16000)
        paths.append(p)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    paths.insert(2, bad)
    return paths


def test_grouped_transcription_keeps_order_and_equals_one_group(tmp_path, capsys):
    torch.manual_seed(0)
    model = Model(CTCModel(small_model_config()).eval())
    paths = write_files(tmp_path)
    one_group = model.transcribe(paths, group_size=1000)
    grouped = model.transcribe(paths, group_size=2, progress=True)
    assert [r.audio for r in grouped] == [str(p) for p in paths]
    assert [r.ok for r in grouped] == [True, True, False, True, True, True]
    assert [(r.text, r.duration) for r in grouped] == [(r.text, r.duration) for r in one_group]
    assert "6/6" in capsys.readouterr().err  # the bar counted every file, the bad one too


def test_progress_bar_is_silent_when_off(tmp_path, capsys):
    torch.manual_seed(0)
    model = Model(CTCModel(small_model_config()).eval())
    model.transcribe(write_files(tmp_path)[:2], progress=False)
    assert "file" not in capsys.readouterr().err
