"""Streaming equals offline on unidirectional models (issue #6)."""

import json

import numpy as np
import pytest
import soundfile as sf
import torch

from gru_asr.encoders import StreamingNotSupportedError, build_encoder
from gru_asr.inference import Model
from gru_asr.inference.streaming import FinalResult, PartialResult, StreamingTranscriber, iter_file_chunks
from gru_asr.models import CTCModel
from tests.conftest import small_model_config

SR = 16000
NUM_SAMPLES = 21_013  # 1.3 s, not a multiple of the hop or of the subsampling


def randomized(model: CTCModel, seed: int = 0) -> CTCModel:
    """Random weights *and* non-trivial normalization statistics, so that every
    buffer the streaming path uses makes a difference."""
    g = torch.Generator().manual_seed(seed)
    model.frontend.set_stats(torch.randn(model.frontend.feature_dim, generator=g), torch.rand(model.frontend.feature_dim, generator=g) + 0.5)
    for m in model.modules():
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.5)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
    with torch.no_grad():  # a larger head spreads the argmax over many labels
        model.head.proj.weight.mul_(4.0)
    return model.eval()


def make_model(encoder="bigru", seed=0, **enc) -> CTCModel:
    torch.manual_seed(seed)
    return randomized(CTCModel(small_model_config(encoder=encoder, bidirectional=False, **enc)), seed)


def waveform(seed=1, n=NUM_SAMPLES) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(n) / SR
    return 0.1 * torch.randn(n, generator=g) + 0.2 * torch.sin(2 * torch.pi * 300 * t * (1 + t))


def split(wav: torch.Tensor, sizes) -> list[torch.Tensor]:
    chunks, i, k = [], 0, 0
    while i < wav.numel():
        size = sizes[k % len(sizes)]
        chunks.append(wav[i : i + size])
        i, k = i + size, k + 1
    return chunks


def streamed_log_probs(model: CTCModel, chunks) -> torch.Tensor:
    streamer = StreamingTranscriber(model)
    parts = [streamer.advance(c) for c in chunks]
    parts.append(streamer.advance(torch.zeros(0), final=True))
    return torch.cat(parts)


def offline_log_probs(model: CTCModel, wav: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        lp, lens = model(wav.unsqueeze(0), torch.tensor([wav.numel()]))
    return lp[0, : lens[0]]


ENCODERS = {
    "gru": ("bigru", {}),
    "gru_lookahead": ("bigru", {"lookahead": 3}),
    "gru_batchnorm_residual": ("bigru", {"norm": "batch", "residual": True, "projection_size": 16, "lookahead": 2}),
    "gru_odd_subsampling": ("bigru", {"lookahead": 1, "subsampling": {"channels": [4, 3], "kernel_size": 5, "time_strides": [3, 2], "freq_strides": [2, 2]}}),
    "lstm_lookahead": ("lstm", {"lookahead": 2, "num_layers": 3}),
}
CHUNKS = {
    "hop_plus_one_sample": [161],
    "37ms": [592],
    "320ms": [5120],
    "whole_file": [NUM_SAMPLES],
    "irregular": [1, 0, 700, 3, 4999, 159, 0, 2048],
}


@pytest.mark.parametrize("chunking", list(CHUNKS), ids=list(CHUNKS))
@pytest.mark.parametrize("encoder", list(ENCODERS), ids=list(ENCODERS))
def test_streamed_log_probs_equal_offline(encoder, chunking):
    name, opts = ENCODERS[encoder]
    model = make_model(name, **opts)
    wav = waveform()
    offline = offline_log_probs(model, wav)
    streamed = streamed_log_probs(model, split(wav, CHUNKS[chunking]))
    assert streamed.shape == offline.shape
    torch.testing.assert_close(streamed, offline, atol=1e-4, rtol=0)


@pytest.mark.parametrize("num_samples", [300, 512, 700, 1100])
def test_streams_shorter_than_the_receptive_field_match_offline(num_samples):
    """Audio shorter than one window (zero-padded to one frame offline) and streams
    whose few frames all come out of the final flush."""
    model = make_model("bigru", lookahead=3)
    wav = waveform(n=num_samples)
    offline = offline_log_probs(model, wav)
    streamed = streamed_log_probs(model, split(wav, [97]))
    assert streamed.shape == offline.shape and offline.size(0) >= 1
    torch.testing.assert_close(streamed, offline, atol=1e-4, rtol=0)


def test_final_streamed_text_equals_offline_text_and_partials_grow():
    model = Model(make_model("bigru", lookahead=2))
    wav = waveform(n=3 * SR)
    offline = model.decode_waveforms([wav])[0][0]
    assert len(offline.tokens) >= 5, "the test needs a non-trivial transcript"
    results = list(model.transcribe_stream(split(wav, [5120])))
    partials, final = results[:-1], results[-1]
    assert all(isinstance(r, PartialResult) for r in partials) and isinstance(final, FinalResult)
    assert len(partials) == -(-wav.numel() // 5120)
    assert final.text == offline.text and final.tokens == offline.tokens
    assert [(w.word, w.start, w.end) for w in final.words] == [(w.word, w.start, w.end) for w in offline.words]
    assert final.score == pytest.approx(offline.score, rel=1e-4)
    assert final.duration == pytest.approx(3.0)
    texts = [p.text for p in partials]
    assert all(final.text.startswith(t) for t in texts)  # greedy partials only grow
    assert len(set(texts)) > 2, "partials should appear before the stream ends"
    # Decoding trails the audio by the receptive field's right context, never more.
    assert all(0 <= p.audio_seconds - p.decoded_seconds < 0.2 for p in partials)


def test_repeated_label_across_a_chunk_boundary_is_emitted_once():
    """The greedy collapse state crosses chunks: force every frame to the same label."""
    model = make_model("bigru")
    with torch.no_grad():
        model.head.proj.weight.zero_()
        model.head.proj.bias.zero_()
        model.head.proj.bias[5] = 10.0
    results = list(Model(model).transcribe_stream(split(waveform(), [161])))
    assert results[-1].tokens == [5]


def test_stream_can_be_reset_and_reused():
    model = make_model("bigru", lookahead=1)
    wav = waveform()
    streamer = StreamingTranscriber(model)
    for chunk in split(wav, [1000]):
        streamer.accept_waveform(chunk)
    first = streamer.finalize()
    with pytest.raises(ValueError, match="finalized"):
        streamer.accept_waveform(wav[:100])
    streamer.reset()
    for chunk in split(wav, [3333]):
        streamer.accept_waveform(chunk)
    assert streamer.finalize().text == first.text


@pytest.mark.parametrize("encoder", ["bigru", "lstm"])
def test_bidirectional_model_refuses_to_stream_with_the_reason(encoder):
    torch.manual_seed(0)
    model = Model(CTCModel(small_model_config(encoder=encoder)))
    with pytest.raises(StreamingNotSupportedError, match="bidirectional.*whole|bidirectional.*end"):
        model.stream()
    with pytest.raises(StreamingNotSupportedError, match="bidirectional"):
        next(iter(model.transcribe_stream([torch.zeros(1600)])))


def test_utterance_normalization_refuses_to_stream():
    torch.manual_seed(0)
    cfg = small_model_config(bidirectional=False)
    cfg["frontend"]["normalize"] = "utterance"
    with pytest.raises(StreamingNotSupportedError, match="utterance"):
        StreamingTranscriber(CTCModel(cfg).eval())


def test_carried_state_does_not_grow_with_the_stream():
    model = make_model("bigru", lookahead=3, norm="batch")
    streamer = StreamingTranscriber(model)
    sizes = []
    for chunk in split(waveform(n=20 * SR), [4000]):
        streamer.accept_waveform(chunk)
        sizes.append(streamer.carried_elements())
    # Bounded by the geometry: < n_fft samples, < kernel frames per conv layer,
    # one hidden state per layer, `lookahead` frames.
    enc = model.encoder
    conv_in = [1 * 40, 4 * 20]  # (channels x frequency bins) into each conv layer
    bound = 512 + sum((3 - 1) * c for c in conv_in) + 2 * 16 + 3 * enc.output_dim
    assert max(sizes) <= bound
    half = len(sizes) // 2
    assert max(sizes[half:]) <= max(sizes[:half])


def test_encoder_forward_chunk_matches_forward_and_leaves_state_untouched():
    torch.manual_seed(0)
    enc = build_encoder({"name": "lstm", "hidden_size": 8, "num_layers": 2, "bidirectional": False, "lookahead": 2,
                         "subsampling": {"channels": [2, 2]}}, input_dim=12).eval()
    feats = torch.randn(2, 57, 12)  # two streams in lockstep
    offline, _ = enc(feats, torch.tensor([57, 57]))
    state = enc.initial_state()
    outs = []
    with torch.no_grad():
        for a, b in [(0, 5), (5, 6), (6, 30), (30, 57)]:
            before = state
            out, state = enc.forward_chunk(feats[:, a:b], state)
            assert before is not state and before.hidden is not state.hidden
            outs.append(out)
        out, state = enc.forward_chunk(feats[:, :0], state, final=True)
    outs.append(out)
    torch.testing.assert_close(torch.cat(outs, 1), offline, atol=1e-5, rtol=1e-4)


def test_file_chunks_are_the_samples_load_audio_reads(tmp_path):
    from gru_asr.audio import load_audio

    path = tmp_path / "a.wav"
    stereo = np.stack([waveform(seed=2).numpy(), waveform(seed=3).numpy()], axis=1) * 0.5
    sf.write(path, stereo, SR, subtype="PCM_16")
    chunks = list(iter_file_chunks(path, SR, 0.037))
    assert all(c.numel() == 592 for c in chunks[:-1])
    torch.testing.assert_close(torch.cat(chunks), load_audio(path, SR), atol=0, rtol=0)


def test_cli_stream_prints_partials_and_the_offline_text(tmp_path, capsys):
    from gru_asr.cli.main import main
    from gru_asr.packaging import save_package

    model_path = save_package(make_model("bigru", lookahead=2), tmp_path / "m.safetensors")
    wav_path = tmp_path / "utt.wav"
    sf.write(wav_path, waveform(n=2 * SR).numpy(), SR, subtype="FLOAT")
    assert main(["transcribe", "--model", str(model_path), "--format", "jsonl", str(wav_path)]) == 0
    offline = json.loads(capsys.readouterr().out)
    offline_text = offline["text"]
    assert offline_text and offline["words"]
    assert main(["transcribe", "--model", str(model_path), "--stream", "--chunk-ms", "37", "--format", "jsonl",
                 str(wav_path)]) == 0
    out, err = capsys.readouterr()
    streamed = json.loads(out)  # the same writer as the offline runtime: same fields, same words
    assert streamed.keys() == offline.keys() and (streamed["audio"], streamed["text"]) == (offline["audio"], offline_text)
    assert [(w["word"], w["start"], w["end"]) for w in streamed["words"]] == [(w["word"], w["start"], w["end"]) for w in offline["words"]]
    assert "partial" in err
    missing = tmp_path / "missing.wav"
    assert main(["transcribe", "--model", str(model_path), "--stream", str(missing), str(wav_path)]) == 1
    out, err = capsys.readouterr()
    assert f"error: {missing}" in err and out.strip().endswith(offline_text)


def test_cli_stream_refuses_a_bidirectional_model(tmp_path, capsys):
    from gru_asr.cli.main import main
    from gru_asr.packaging import save_package

    torch.manual_seed(0)
    model_path = save_package(CTCModel(small_model_config()).eval(), tmp_path / "bi.safetensors")
    wav_path = tmp_path / "utt.wav"
    sf.write(wav_path, waveform(n=SR).numpy(), SR)
    assert main(["transcribe", "--model", str(model_path), "--stream", str(wav_path)]) == 2
    assert "bidirectional" in capsys.readouterr().err


def test_cli_stream_reads_raw_pcm_from_stdin(tmp_path, capsys, monkeypatch):
    import io
    import sys

    from gru_asr.cli.main import main
    from gru_asr.packaging import save_package

    model = make_model("bigru", lookahead=1)
    model_path = save_package(model, tmp_path / "m.safetensors")
    pcm = (waveform(n=SR).clamp(-1, 1) * 32767).to(torch.int16)
    expected = Model(model).decode_waveforms([pcm.float() / 32768.0])[0][0].text
    assert expected
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(pcm.numpy().astype("<i2").tobytes() + b"\x01")))
    assert main(["transcribe", "--model", str(model_path), "--stream", "--raw", "--chunk-ms", "50", "-"]) == 0
    assert capsys.readouterr().out.strip() == expected
