"""The AN4 recipe's stages end to end on a tiny configuration (a few steps), and
a second invocation that skips every finished stage."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def an4_root(tmp_path):
    if (SHARED_DATA / "an4").is_dir():
        return SHARED_DATA / "an4"
    # No shared data: a small synthetic tree in AN4's layout.
    import numpy as np
    import soundfile as sf

    root = tmp_path / "an4"
    lines = []
    rng = np.random.default_rng(0)
    for s, spk in enumerate(["fash", "fbbh", "fclc", "mabc", "mdef", "mghi", "mjkl", "mmno", "mpqr", "mstu"]):
        for n in range(3):
            utt = f"an{s}{n}-{spk}-b"
            p = root / "wav/an4_clstk" / spk / f"{utt}.wav"
            p.parent.mkdir(parents=True, exist_ok=True)
            sf.write(p, (0.05 * rng.standard_normal(16000)).astype(np.float32), 16000)
            lines.append(f"<s> YES NO </s> ({utt})")
    (root / "etc").mkdir()
    (root / "etc/an4_train.transcription").write_text("\n".join(lines) + "\n")
    return root


def test_an4_recipe_stages_and_resume(tmp_path):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}", LM_WEIGHTS="0.5,1.0", WORD_SCORES="0.0")
    # A few seconds of AN4-style synthetic speech, so the mixture path runs too.
    cmd = ["bash", "recipes/an4/run.sh", "--root", str(an4_root(tmp_path)), "--data", str(tmp_path / "data"),
           "--exp", str(tmp_path / "exp"), "--experiment", "an4_tiny", "--average", "1", "--synth-hours", "0.003"]
    first = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-3000:]
    data, exp = tmp_path / "data", tmp_path / "exp"
    assert (data / "synth_text.txt").is_file() and (data / "synth/train.jsonl").is_file()
    for f in ["final.safetensors", "lm/lm.arpa", "lm/lexicon.txt", "lm/decoder.yaml", "eval_dev_greedy/results.json", "eval_dev_beam_lm/results.json"]:
        assert (exp / f).is_file(), f
    assert json.loads((exp / "eval_dev_greedy/results.json").read_text())["utterances"] > 0
    train_cfg = (exp / "config.yaml").read_text()
    assert "weight: 0.5" in train_cfg and "synth/train.jsonl" in train_cfg  # trained on the mixture
    # an4_tiny trains with intermediate CTC: the objective and the final layer's loss are both logged
    assert "interctc:\n  layers:\n  - 1\n  weight: 0.3" in train_cfg
    header = next((exp / "logs").rglob("metrics.csv")).read_text().splitlines()[0].split(",")
    assert "train_ctc_loss_step" in header and "train_loss_step" in header
    second = subprocess.run(cmd + ["--stop-stage", "7"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)
    assert second.returncode == 0, second.stderr[-2000:]
    # stages 0 (AN4 and synth), 1 and 3-7 are finished; stage 2 has nothing to do for characters
    assert second.stdout.count("skipping") == 8, second.stdout
