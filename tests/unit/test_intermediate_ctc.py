"""Intermediate CTC (``interctc``, gru_asr/training/intermediate_ctc.py)."""

import lightning as L
import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from gru_asr.encoders import build_encoder
from gru_asr.encoders.base import ENCODERS, Encoder
from gru_asr.models import CTCModel
from gru_asr.training.intermediate_ctc import IntermediateCTC, parse_intermediate_ctc
from gru_asr.training.module import CTCTrainingModule
from tests.conftest import small_model_config
from tests.unit.test_training_module import batch, optim_cfg


@pytest.mark.parametrize("options", [{}, {"projection_size": 12, "residual": True}, {"merge_directions": "sum"}])
def test_encoder_hands_out_what_the_next_layer_reads(options):
    """The state after layer k is exactly the input of layer k + 1, and the outputs are
    forward's own."""
    torch.manual_seed(0)
    enc = build_encoder({"name": "bigru", "hidden_size": 8, "num_layers": 3, "dropout": 0.0,
                         "subsampling": {"channels": [2], "time_strides": [2], "freq_strides": [2]}, **options},
                        input_dim=10).eval()
    seen = {}
    for k, layer in enumerate(enc.layers):
        layer.register_forward_hook(lambda m, args, out, k=k: seen.__setitem__(k, args[0].detach().clone()))
    feats, lengths = torch.randn(2, 30, 10), torch.tensor([30, 17])
    out, out_lens, (after1, after2) = enc.forward_with_intermediates(feats, lengths, [1, 2])
    torch.testing.assert_close(after1, seen[1], rtol=0, atol=0)
    torch.testing.assert_close(after2, seen[2], rtol=0, atol=0)
    assert after1.size(-1) == enc.output_dim
    assert not after1[1, int(out_lens[1]):].any()  # padding zeroed
    ref, ref_lens = enc(feats, lengths)
    torch.testing.assert_close(out, ref, rtol=0, atol=0)
    assert torch.equal(out_lens, ref_lens)
    # the order asked for is the order returned
    _, _, (again2, again1) = enc.forward_with_intermediates(feats, lengths, [2, 1])
    torch.testing.assert_close(again2, after2, rtol=0, atol=0)
    torch.testing.assert_close(again1, after1, rtol=0, atol=0)


@pytest.mark.parametrize("layers", [[0], [3], [4], [-1]])
def test_encoder_refuses_layers_outside_its_stack(layers):
    enc = build_encoder({"name": "bigru", "hidden_size": 8, "num_layers": 3,
                         "subsampling": {"channels": [2], "time_strides": [2], "freq_strides": [2]}}, input_dim=10)
    with pytest.raises(ValueError, match=r"among 1\.\.2"):
        enc.forward_with_intermediates(torch.randn(1, 20, 10), torch.tensor([20]), layers)


def test_training_objective_mixes_the_final_and_intermediate_losses():
    torch.manual_seed(1)
    cfg = small_model_config(num_layers=3)
    module = CTCTrainingModule(cfg, optim_cfg(), interctc_config={"layers": [1, 2], "weight": 0.3})
    module.eval()  # no dropout or SpecAugment: the by-hand forward below sees the same numbers
    b = batch(torch.randn(1, 16000) * 0.1, "abc")
    objective, final = module.training_loss(b)

    model = module.model
    feats, feat_lens = model.frontend(b["audio"], b["audio_lens"])
    states, out_lens, inter = model.encoder.forward_with_intermediates(feats, feat_lens, [1, 2])

    def ctc(states):
        lp = model.head(states)
        return F.ctc_loss(lp.transpose(0, 1), b["tokens"], out_lens, b["token_lens"], blank=0, reduction="sum",
                          zero_infinity=True)

    torch.testing.assert_close(final, ctc(states))
    torch.testing.assert_close(final, module.ctc_loss(b)[0])  # the final loss is the plain CTC loss
    torch.testing.assert_close(objective, 0.7 * ctc(states) + 0.3 * (ctc(inter[0]) + ctc(inter[1])) / 2)
    assert not torch.allclose(objective, final)
    # No parameter is added: the head is shared.
    plain = CTCTrainingModule(cfg, optim_cfg())
    assert [n for n, _ in module.named_parameters()] == [n for n, _ in plain.named_parameters()]


def test_without_it_the_objective_is_the_ctc_loss():
    torch.manual_seed(2)
    module = CTCTrainingModule(small_model_config(), optim_cfg()).eval()
    b = batch(torch.randn(1, 16000) * 0.1, "abc")
    objective, final = module.training_loss(b)
    assert objective is final
    torch.testing.assert_close(objective, module.ctc_loss(b)[0])


def test_training_logs_both_losses_and_validation_measures_the_final_layer():
    torch.manual_seed(3)
    module = CTCTrainingModule(small_model_config(num_layers=3), optim_cfg(),
                               interctc_config={"layers": [1], "weight": 0.5})
    b = batch(torch.randn(1, 16000) * 0.1, "abc")
    trainer = L.Trainer(max_steps=2, accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0)
    loader = DataLoader([b] * 2, batch_size=None, collate_fn=lambda x: x)
    trainer.fit(module, loader, loader)
    logged = trainer.callback_metrics
    assert "train_ctc_loss_step" in logged and "train_loss_step" in logged
    assert float(logged["train_ctc_loss_step"]) != float(logged["train_loss_step"])
    module.eval()
    with torch.no_grad():
        final_only = float(module.ctc_loss(b)[0])
    assert float(logged["val_loss"]) == pytest.approx(final_only, rel=1e-5)


@pytest.mark.parametrize("config, message", [
    ({"layers": [2]}, "mapping like"),
    ({"layers": [2], "weight": 0.3, "wieght": 0.3}, "mapping like"),
    (0.3, "mapping like"),
    ({"layers": 2, "weight": 0.3}, "list of layer numbers"),
    ({"layers": [], "weight": 0.3}, "list of layer numbers"),
    ({"layers": [1.5], "weight": 0.3}, "list of layer numbers"),
    ({"layers": [1, 1], "weight": 0.3}, "repeats"),
    ({"layers": [1], "weight": 0.0}, "between 0 and 1"),
    ({"layers": [1], "weight": 1.0}, "between 0 and 1"),
])
def test_unclear_settings_are_refused(config, message):
    with pytest.raises(ValueError, match=message):
        parse_intermediate_ctc(config)


def test_layers_outside_the_stack_are_refused_when_the_module_is_built():
    with pytest.raises(ValueError, match=r"among 1\.\.2"):
        CTCTrainingModule(small_model_config(num_layers=3), optim_cfg(), interctc_config={"layers": [3], "weight": 0.3})


def test_the_up_front_check_changes_nothing():
    """Building the module with intermediate CTC leaves the model as without it: same
    weights, same buffers, same random state."""
    torch.manual_seed(6)
    plain = CTCTrainingModule(small_model_config(norm="batch"), optim_cfg())
    rng = torch.get_rng_state()
    torch.manual_seed(6)
    checked = CTCTrainingModule(small_model_config(norm="batch"), optim_cfg(), interctc_config={"layers": [1], "weight": 0.3})
    assert torch.equal(torch.get_rng_state(), rng)
    assert checked.model.training
    for (name, a), (_, b) in zip(plain.state_dict().items(), checked.state_dict().items()):
        assert torch.equal(a, b), name


def test_settings_parse():
    assert parse_intermediate_ctc(None) is None
    assert parse_intermediate_ctc({"layers": [2, 1], "weight": 0.25}) == IntermediateCTC((2, 1), 0.25)


def test_an_encoder_without_intermediate_outputs_is_refused_up_front():
    @ENCODERS.register("test_flat_encoder_no_taps")
    class Flat(Encoder):
        def __init__(self, input_dim):
            super().__init__()
            self.proj = torch.nn.Linear(input_dim, 8)
            self.output_dim, self.subsampling_factor = 8, 1

        def forward(self, features, lengths):
            return self.proj(features), lengths

    try:
        cfg = small_model_config()
        cfg["encoder"] = {"name": "test_flat_encoder_no_taps"}
        CTCTrainingModule(cfg, optim_cfg())  # fine without intermediate CTC
        with pytest.raises(TypeError, match="does not expose intermediate"):
            CTCTrainingModule(cfg, optim_cfg(), interctc_config={"layers": [1], "weight": 0.3})
        with pytest.raises(TypeError, match="does not expose intermediate"):
            CTCModel(cfg).forward_with_intermediates(torch.zeros(1, 1600), torch.tensor([1600]), [1])
    finally:
        ENCODERS._entries.pop("test_flat_encoder_no_taps", None)
