import lightning as L
import torch
from torch.utils.data import DataLoader

from gru_asr.training.module import CTCTrainingModule
from tests.conftest import small_model_config


def batch(audio, text="hello"):
    tokens = torch.tensor([[ord(c) - ord("a") + 3 for c in text]])
    return {"ids": ["u"], "texts": [text], "audio": audio, "audio_lens": torch.tensor([audio.size(1)]),
            "tokens": tokens, "token_lens": torch.tensor([tokens.size(1)]), "skipped": [("bad1", "file not found")], "size": 1}


def fit(module, batches, steps):
    trainer = L.Trainer(max_steps=steps, accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, limit_val_batches=0)
    trainer.fit(module, DataLoader(batches, batch_size=None, collate_fn=lambda x: x))
    return trainer


def optim_cfg():
    return {"name": "adamw", "lr": 1e-3, "scheduler": {"name": "constant"}}


def test_nonfinite_loss_is_counted_and_weights_stay_finite():
    torch.manual_seed(0)
    module = CTCTrainingModule(small_model_config(), optim_cfg())
    good = torch.randn(1, 16000) * 0.1
    bad = good.clone()
    bad[0, 100] = float("nan")
    before = {k: v.clone() for k, v in module.state_dict().items()}
    fit(module, [batch(bad)], steps=1)
    assert module.nonfinite_loss_batches == 1 and module.nonfinite_grad_steps == 1
    after = module.state_dict()
    assert all(torch.isfinite(v).all() for v in after.values() if v.is_floating_point())
    # the skipped step changed no weight
    assert all(torch.equal(before[k], after[k]) for k in before if "running" not in k and "num_batches" not in k)
    assert "bad1" in module.skipped.skipped


def test_ctc_loss_falls_on_a_tiny_overfit_set():
    torch.manual_seed(0)
    module = CTCTrainingModule(small_model_config(), {"name": "adamw", "lr": 3e-3, "scheduler": {"name": "constant"}})
    b = batch(torch.randn(1, 16000) * 0.1, "abc")
    with torch.no_grad():
        first = float(module.ctc_loss(b)[0])
    fit(module, [b] * 60, steps=60)
    module.eval()
    with torch.no_grad():
        last = float(module.ctc_loss(b)[0])
    assert last < 0.5 * first
