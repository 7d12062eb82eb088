"""Decoder speed and accuracy on the same emissions and the same ARPA LM:
greedy, beam, beam_lm and, when installed, pyctcdecode at equal beam width.

Target (issue 5): beam_lm >= 5x pyctcdecode's utterances/s at equal or better WER.
Both run with the same number of worker processes (``--workers``, default: all
cores): ours through its own pool, pyctcdecode through ``decode_batch(pool, ...)``.
Usage: .venv/bin/python tools/bench/decoders.py --model MODEL --manifest DEV.jsonl --lm LM.arpa --lexicon LEX.txt
       (without arguments: a small synthetic corpus and an untrained model, for speed only)
Last line: `beam_lm_vs_pyctcdecode: X` (throughput ratio), or `beam_lm_utts_per_s: X`.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import tempfile
import time
from pathlib import Path

import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--manifest")
    ap.add_argument("--lm")
    ap.add_argument("--lexicon")
    ap.add_argument("--beam", type=int, default=32)
    ap.add_argument("--lm-weight", type=float, default=1.0)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--beam-size-token", type=int, default=None, help="tokens tried per frame (default: all)")
    ap.add_argument("--beam-threshold", type=float, default=25.0)
    ap.add_argument("--full", action="store_true")
    args = ap.parse_args()

    import gru_asr
    from gru_asr.decoders import build_decoder
    from gru_asr.evaluation.tune_lm import cached_emissions
    from gru_asr.lm import build_arpa
    from gru_asr.lm.lexicon import arpa_vocabulary, build_lexicon
    from gru_asr.metrics import count_errors

    tmp = Path(tempfile.mkdtemp())
    if not args.model:
        from gru_asr.synth.corpus import SynthConfig, build_corpus
        from transcribe import medium_model  # the sibling benchmark script

        build_corpus(tmp / "data", SynthConfig(hours=0.1 if args.full else 0.03, seed=2))
        args.model = str(medium_model(tmp / "m.safetensors"))
        args.manifest = str(tmp / "data/train.jsonl")
    model = gru_asr.load_model(args.model)
    emissions, refs = cached_emissions(model, args.manifest)
    if not args.lm:
        args.lm = str(build_arpa(refs * 2, tmp / "lm.arpa", order=3))
        args.lexicon = str(build_lexicon(arpa_vocabulary(args.lm), model.model.tokenizer, tmp / "lex.txt")[0])
    lens = torch.tensor([e.size(0) for e in emissions])
    batch = torch.zeros(len(emissions), int(lens.max()), emissions[0].size(1))
    for i, e in enumerate(emissions):
        batch[i, : e.size(0)] = e
    tok, shift = model.model.tokenizer, model.model.frame_shift
    rows = {}
    for name, cfg in [
        ("greedy", "greedy"),
        ("beam", {"name": "beam", "beam_size": args.beam}),
        ("beam_lm", {"name": "beam_lm", "lm": args.lm, "lexicon": args.lexicon, "beam_size": args.beam, "lm_weight": args.lm_weight}),
    ]:
        if isinstance(cfg, dict):
            cfg.update(num_workers=args.workers, beam_size_token=args.beam_size_token, beam_threshold=args.beam_threshold)
        dec = build_decoder(cfg, tok, shift)
        dec.decode(batch[:2], lens[:2])  # warm-up (pools, LM load)
        t0 = time.perf_counter()
        hyps = [h[0].text for h in dec.decode(batch, lens)]
        dt = time.perf_counter() - t0
        rows[name] = (len(hyps) / dt, count_errors(refs, hyps).wer)
        if hasattr(dec, "close"):
            dec.close()
    try:
        from pyctcdecode import build_ctcdecoder

        labels = [""] + [(" " if tok.is_space(i) else tok.token_string(i)) for i in range(1, tok.vocab_size)]
        ref_dec = build_ctcdecoder(labels, kenlm_model_path=args.lm, alpha=args.lm_weight)
        logits = [e.numpy() for e in emissions]
        # pyctcdecode's documented batch path: a fork pool created after the decoder.
        with mp.get_context("fork").Pool(args.workers) as pool:
            ref_dec.decode_batch(pool, logits[:2], beam_width=args.beam)  # warm-up
            t0 = time.perf_counter()
            hyps = ref_dec.decode_batch(pool, logits, beam_width=args.beam)
            dt = time.perf_counter() - t0
        rows["pyctcdecode"] = (len(hyps) / dt, count_errors(refs, [h.strip() for h in hyps]).wer)
    except ImportError:
        print("pyctcdecode (and kenlm) not installed: pip install pyctcdecode kenlm to compare")
    print(f"{len(emissions)} utterances, beam width {args.beam}, {args.workers} worker process(es) each")
    for name, (ups, wer) in rows.items():
        print(f"{name:12s} {ups:9.1f} utt/s   WER {100 * wer:6.2f} %")
    if "pyctcdecode" in rows:
        print(f"beam_lm_vs_pyctcdecode: {rows['beam_lm'][0] / rows['pyctcdecode'][0]:.2f}")
    else:
        print(f"beam_lm_utts_per_s: {rows['beam_lm'][0]:.1f}")


if __name__ == "__main__":
    main()
