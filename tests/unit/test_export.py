"""ONNX and TorchScript export: parity with PyTorch, the DFT front-end, and the
onnxruntime transcription path."""

import json

import numpy as np
import pytest
import soundfile as sf
import torch

from gru_asr.export.dft_frontend import DFTFrontend
from gru_asr.audio.resample import resample_array
from gru_asr.inference.core import GreedyCTC
from gru_asr.inference.onnx_runtime import OnnxModel, Vocabulary
from gru_asr.export.verify import compare, onnx_runner, parity_batches, torchscript_runner
from gru_asr.models import CTCModel
from tests.conftest import small_model_config

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

TOLERANCE = 1e-4


def randomized(model: CTCModel, seed: int = 0, head_scale: float = 1.0, space_bias: float = 0.0) -> CTCModel:
    """Non-trivial normalization statistics and batch-norm running stats (fresh
    ones are 0/1 and would hide a mistake in copying them), and optionally
    sharper log-probs (so a greedy path does not hinge on float rounding) and
    more spaces (so transcripts have several words)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                mod.running_mean.copy_(torch.rand(mod.running_mean.shape, generator=gen) - 0.5)
                mod.running_var.copy_(0.5 + torch.rand(mod.running_var.shape, generator=gen))
        dim = model.frontend.feature_dim
        model.frontend.set_stats(-4 + torch.rand(dim, generator=gen), 1 + 2 * torch.rand(dim, generator=gen))
        model.head.proj.weight.mul_(head_scale)
        model.head.proj.bias[model.tokenizer.space_id] += space_bias
    return model.eval()


def make_model(encoder="bigru", frontend=None, seed=0, head_scale=1.0, space_bias=0.0, **enc) -> CTCModel:
    torch.manual_seed(seed)
    cfg = small_model_config(encoder=encoder, **enc)
    if frontend:
        cfg["frontend"] = {"name": frontend, "dither": 0.0}
    return randomized(CTCModel(cfg), seed, head_scale, space_bias)


def padded_batch(lengths, seed=0):
    gen = torch.Generator().manual_seed(seed)
    lens = torch.tensor(lengths, dtype=torch.int64)
    wavs = 0.1 * torch.randn(len(lengths), int(lens.max()), generator=gen)
    return wavs * (torch.arange(wavs.size(1)) < lens.unsqueeze(1)), lens


@pytest.mark.parametrize("frontend", ["logmel", "mfcc", "spectrogram"])
def test_dft_frontend_matches_torchaudio_on_a_padded_batch(frontend):
    model = make_model(frontend=frontend)
    wavs, lens = padded_batch([16000, 7001, 300])  # the last is shorter than one window
    with torch.no_grad():
        ref, ref_lens = model.frontend(wavs, lens)
        out, out_lens = DFTFrontend(model.frontend)(wavs, lens)
    assert out.shape == ref.shape and torch.equal(out_lens, ref_lens)
    assert (out - ref).abs().max().item() < 1e-4
    assert out[1, ref_lens[1]:].abs().max() == 0  # padded frames stay exactly zero


def test_dft_frontend_masks_the_bands_the_logmel_front_end_masks():
    model = make_model(frontend="logmel")
    cfg = dict(model.config, frontend={"name": "logmel", "dither": 0.0, "mask_above_hz": 6000.0})
    masked = CTCModel(cfg).eval()
    masked.load_state_dict(model.state_dict())
    wavs, lens = padded_batch([16000, 7001])
    with torch.no_grad():
        ref, _ = masked.frontend(wavs, lens)
        out, _ = DFTFrontend(masked.frontend)(wavs, lens)
    first = masked.frontend.first_masked_band
    assert first < ref.size(-1) and out[..., first:].abs().max() == 0
    assert (out - ref).abs().max().item() < 1e-4


def test_dft_frontend_refuses_front_ends_it_cannot_reproduce():
    from gru_asr.export.dft_frontend import ExportUnsupportedError
    from gru_asr.frontends import LogMelFrontend

    class LouderLogMel(LogMelFrontend):  # a subclass may compute features its own way
        def extract(self, waveforms, lengths):
            return super().extract(2 * waveforms, lengths)

    with pytest.raises(ExportUnsupportedError, match="LouderLogMel"):
        DFTFrontend(LouderLogMel(n_mels=40))


ENCODERS = {
    "bigru": dict(encoder="bigru"),
    "gru_unidirectional_lookahead": dict(encoder="bigru", bidirectional=False, lookahead=2),
    "lstm_batchnorm_residual": dict(encoder="lstm", norm="batch", residual=True),
}


@pytest.mark.parametrize("name", list(ENCODERS))
def test_onnx_export_matches_pytorch_on_padded_batches(name, tmp_path):
    from gru_asr.export import export_onnx

    model = make_model(**ENCODERS[name])
    path = export_onnx(model, tmp_path / "m.onnx")
    # Lengths other than the traced example's, one shorter than a window, two batch sizes.
    batches = [padded_batch([20000, 7001, 100], seed=1), padded_batch([9000], seed=2)]
    report = compare(model, onnx_runner(path), batches)
    assert report.lengths_match and report.utterances == 4
    assert report.max_abs_diff < TOLERANCE


@pytest.fixture(scope="module")
def onnx_bigru(tmp_path_factory):
    from gru_asr.export import export_onnx

    model = make_model(head_scale=40.0, space_bias=10.0)
    return model, export_onnx(model, tmp_path_factory.mktemp("onnx") / "bigru.onnx")


def test_onnx_graph_is_batch_invariant(onnx_bigru):
    """Each utterance's log-probs are the same alone as padded in a batch: the
    exported graph keeps the masking and the reversal within lengths."""
    _, path = onnx_bigru
    run = onnx_runner(path)
    wavs, lens = padded_batch([24000, 11000, 5000], seed=3)
    batch_lp, batch_lens = run(wavs.numpy(), lens.numpy())
    for i, n in enumerate(lens.tolist()):
        alone_lp, alone_lens = run(wavs[i : i + 1, :n].numpy(), lens[i : i + 1].numpy())
        assert alone_lens[0] == batch_lens[i]
        t = int(alone_lens[0])
        # float32 rounding only (log-probs reach -40 with the sharpened head)
        assert np.abs(alone_lp[0, :t] - batch_lp[i, :t]).max() < 1e-4


def test_onnx_file_carries_the_decoding_metadata(onnx_bigru):
    import onnx

    model, path = onnx_bigru
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert int(meta["gru_asr.sample_rate"]) == model.sample_rate
    assert float(meta["gru_asr.frame_shift"]) == pytest.approx(model.frame_shift)
    tokens = json.loads(meta["gru_asr.tokens"])
    assert len(tokens) == model.tokenizer.vocab_size and tokens[0] == ""
    assert json.loads(meta["gru_asr.space_ids"]) == [model.tokenizer.space_id]
    assert json.loads(meta["gru_asr.config"])["encoder"]["name"] == "bigru"


def test_torchscript_export_matches_pytorch_and_keeps_metadata(tmp_path):
    from gru_asr.export import export_torchscript, load_torchscript

    model = make_model(encoder="bigru", norm="batch")
    path = export_torchscript(model, tmp_path / "m.pt")
    report = compare(model, torchscript_runner(path), parity_batches(model.sample_rate, seed=2))
    assert report.lengths_match and report.max_abs_diff < TOLERANCE
    _, meta = load_torchscript(path)
    assert Vocabulary.from_metadata(meta).decode([8, 5, 1, 9]) == model.tokenizer.decode([8, 5, 1, 9])


def test_vocabulary_decodes_like_the_tokenizers():
    from gru_asr.export.exportable import vocabulary_of
    from gru_asr.synth.text_generator import SentenceGenerator
    from gru_asr.tokenizers import CharTokenizer, SentencePieceTokenizer

    sentences = SentenceGenerator(seed=0).sentences(300)
    for tok in (CharTokenizer(), SentencePieceTokenizer.train(sentences, vocab_size=100)):
        vocab = vocabulary_of(tok)
        for text in sentences[:50]:
            ids = tok.encode(text)
            assert vocab.decode(ids) == tok.decode(ids) == text


def test_numpy_resampler_matches_torchaudio():
    from gru_asr.audio.resample import resample as torch_resample

    x = np.random.default_rng(0).standard_normal(22050).astype(np.float32) * 0.1
    for orig, new in ((22050, 16000), (44100, 16000), (8000, 16000)):
        ref = torch_resample(torch.from_numpy(x[: orig // 2]), orig, new).numpy()
        out = resample_array(x[: orig // 2], orig, new)
        assert out.shape == ref.shape
        assert np.abs(out - ref).max() < 1e-5


def best_path(log_probs: np.ndarray, blank: int) -> tuple[list[int], list[int]]:
    """Best-path CTC written out frame by frame: the reference the decoders are checked against."""
    tokens, frames, prev = [], [], blank
    for t, row in enumerate(log_probs):
        label = int(np.argmax(row))
        if label != blank and label != prev:
            tokens.append(label)
            frames.append(t)
        prev = label
    return tokens, frames


def test_greedy_decoding_is_best_path_whole_or_chunked():
    from gru_asr.decoders import build_decoder
    from gru_asr.export.exportable import vocabulary_of
    from gru_asr.tokenizers import CharTokenizer

    tok = CharTokenizer()
    log_probs = torch.log_softmax(5 * torch.randn(2, 60, tok.vocab_size, generator=torch.Generator().manual_seed(0)), -1)
    lengths = torch.tensor([60, 41])
    decoded = build_decoder("greedy", tok, 0.04).decode(log_probs, lengths)
    for b in range(2):
        frames = log_probs[b, : int(lengths[b])].numpy()
        tokens, token_frames = best_path(frames, tok.blank_id)
        hyp = decoded[b][0]
        assert len(tokens) > 10 and hyp.tokens == tokens and hyp.text == tok.decode(tokens)
        assert hyp.score == pytest.approx(float(frames.max(axis=-1).sum()), abs=1e-3)
        assert [w.start for w in hyp.words][0] == pytest.approx(token_frames[0] * 0.04)
        whole = GreedyCTC(vocabulary_of(tok), 0.04).accept(frames)  # the ONNX export's vocabulary
        assert (whole.text, whole.words()) == (hyp.text, hyp.words)
        chunked = GreedyCTC(vocabulary_of(tok), 0.04)  # as the streaming runtime feeds it
        for part in np.array_split(frames, 7):
            chunked.accept(part)
        assert (chunked.text, chunked.words(), chunked.score) == (whole.text, whole.words(), pytest.approx(whole.score))


def tone_sequence(seconds: float, sr: int, seed: int) -> np.ndarray:
    """80 ms tones of random pitch and loudness: varied enough input that the
    random model's best path changes label often (noise alone gives a few labels)."""
    rng = np.random.default_rng(seed)
    n, seg = int(seconds * sr), int(0.08 * sr)
    freqs = np.repeat(rng.uniform(100, 3000, n // seg + 1), seg)[:n]
    amps = np.repeat(rng.uniform(0.0, 0.5, n // seg + 1), seg)[:n]
    return (amps * np.sin(2 * np.pi * np.cumsum(freqs) / sr) + 0.01 * rng.standard_normal(n)).astype(np.float32)


def write_inputs(tmp_path):
    """Two 16 kHz files of different lengths, one 22.05 kHz stereo file, one missing."""
    paths = []
    for i, (name, seconds, sr, channels) in enumerate((("a.wav", 1.3, 16000, 1), ("b.flac", 2.1, 16000, 1),
                                                         ("c.wav", 0.9, 22050, 2))):
        x = np.stack([tone_sequence(seconds, sr, i)] * channels, axis=1)
        sf.write(tmp_path / name, x, sr)
        paths.append(str(tmp_path / name))
    return paths + [str(tmp_path / "missing.wav")]


def test_onnx_and_torch_runtimes_give_the_same_results_through_one_interface(onnx_bigru, tmp_path):
    from gru_asr.inference import Model
    from gru_asr.inference.transcriber import Transcriber

    model, path = onnx_bigru
    paths = write_inputs(tmp_path)
    torch_runtime, onnx_runtime = Model(model, decoder="greedy"), OnnxModel(path)
    assert isinstance(torch_runtime, Transcriber) and isinstance(onnx_runtime, Transcriber)
    reference = list(torch_runtime.iter_transcribe(paths))
    results = list(onnx_runtime.iter_transcribe(paths, batch_size=2, group_size=2))
    assert [r.audio for r in results] == paths
    assert sum(len(r.words) for r in reference) >= 6  # the sharpened random model emits words
    for ref, res in zip(reference, results):
        assert (res.ok, res.error) == (ref.ok, ref.error)
        assert res.text == ref.text and res.duration == ref.duration
        assert [(w.word, w.start, w.end) for w in res.words] == [(w.word, w.start, w.end) for w in ref.words]
        assert [w.confidence for w in res.words] == pytest.approx([w.confidence for w in ref.words], abs=1e-3)


def test_onnx_model_refuses_a_foreign_onnx_file(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    from gru_asr.inference.onnx_runtime import OnnxModelError

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.save(proto, str(tmp_path / "other.onnx"))
    with pytest.raises(OnnxModelError, match="not exported by gru_asr"):
        OnnxModel(tmp_path / "other.onnx")
    with pytest.raises(OnnxModelError, match="not found"):
        OnnxModel(tmp_path / "nothing.onnx")


@pytest.fixture(scope="module")
def packaged(tmp_path_factory):
    from gru_asr.packaging import save_package

    model = make_model(head_scale=40.0, space_bias=10.0, seed=1)
    return model, save_package(model, tmp_path_factory.mktemp("pkg") / "model.safetensors")


def test_cli_export_checks_parity_and_sets_the_exit_status(packaged, tmp_path, capsys):
    from gru_asr.cli.main import main

    _, pkg = packaged
    out = tmp_path / "model.onnx"
    assert main(["export", str(pkg), "--format", "onnx", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert out.is_file() and "max |log-prob difference| = " in printed
    diff = float(printed.split("max |log-prob difference| = ")[1].split()[0])
    assert 0 <= diff < 1e-3
    # A tolerance below the measured difference fails the check.
    assert main(["export", str(pkg), "--format", "torchscript", "-o", str(tmp_path / "m.pt"), "--tolerance", "-1"]) == 1
    assert "does not reproduce" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "absent.safetensors"), "-o", str(tmp_path / "x.onnx")]) == 2
    assert main(["export", str(pkg), "-o", str(tmp_path / "x.onnx"), "--opset", "9"]) == 2


def test_cli_transcribe_runtime_onnx_prints_what_the_torch_runtime_prints(packaged, tmp_path, capsys):
    from gru_asr.cli.main import main
    from gru_asr.export import export_onnx

    model, pkg = packaged
    onnx_path = export_onnx(model, tmp_path / "model.onnx")
    paths = write_inputs(tmp_path)
    assert main(["transcribe", "--model", str(pkg), "--format", "jsonl", *paths]) == 1  # one input is missing
    torch_run = capsys.readouterr()
    assert main(["transcribe", "--runtime", "onnx", "--model", str(onnx_path), "--format", "jsonl", *paths]) == 1
    onnx_run = capsys.readouterr()
    assert onnx_run.err == torch_run.err and "missing.wav" in onnx_run.err
    torch_rows = [json.loads(line) for line in torch_run.out.splitlines()]
    onnx_rows = [json.loads(line) for line in onnx_run.out.splitlines()]
    assert len(onnx_rows) == 3
    for a, b in zip(torch_rows, onnx_rows):
        assert (a["audio"], a["text"], a["duration"]) == (b["audio"], b["text"], b["duration"])
        assert [w["word"] for w in a["words"]] == [w["word"] for w in b["words"]]
    assert main(["transcribe", "--runtime", "onnx", "--model", str(pkg), *paths[:1]]) == 2  # not an .onnx file
