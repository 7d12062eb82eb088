"""Decoder speed and accuracy on the same emissions and the same ARPA LM:
greedy, beam, beam_lm and, when installed, pyctcdecode at equal beam width.

Target (issue 5): beam_lm >= 5x pyctcdecode's utterances/s at equal or better WER.
Both run with the same number of worker processes (``--workers``, default: all
cores): ours through its own pool, pyctcdecode through ``decode_batch(pool, ...)``.

Equal settings: the same beam width; the same LM weights (``--lm-weight`` and
``--word-score`` in natural-log units as flashlight adds them; pyctcdecode scales
KenLM's log10 scores by ln 10 itself, so it gets ``alpha = lm_weight / ln 10`` and
``beta = word_score``); the same score pruning (``--beam-threshold``, pyctcdecode's
``beam_prune_logp = -threshold``). pyctcdecode keeps its default token pruning
(tokens below log-probability -5 in a frame are not tried); ours tries the 5 most
probable tokens of a frame (``--beam-size-token``). In a frame where blank has probability
at least 1 - e^-5 (0.9933) every other token is below pyctcdecode's cutoff, so pyctcdecode
extends its beams by blank alone there; ours decodes each run of such frames as one frame
(``--blank-skip``, the decoders' ``blank_skip``). Our decoders' own defaults are
accuracy-first (threshold 25, every token, no blank skip): pass
``--beam-threshold 25 --beam-size-token 0 --blank-skip 0``.
Usage: .venv/bin/python tools/bench/decoders.py --model MODEL --manifest DEV.jsonl --lm LM.arpa --lexicon LEX.txt
       (without arguments: a small synthetic corpus and an untrained model, for speed only)
Last line: `beam_lm_vs_pyctcdecode: X` (throughput ratio), `beam_lm_vs_pyctcdecode_untrained_model: X`
without arguments (not comparable: flat emissions), or `beam_lm_utts_per_s: X` without pyctcdecode.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import statistics
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
    ap.add_argument("--lm-weight", type=float, default=1.0, help="natural-log units (pyctcdecode alpha = this / ln 10)")
    ap.add_argument("--word-score", type=float, default=0.0, help="pyctcdecode's beta")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--beam-size-token", type=int, default=5, help="tokens tried per frame, like pyctcdecode's token_min_logp -5 (0: all)")
    ap.add_argument("--beam-threshold", type=float, default=10.0, help="pyctcdecode's beam_prune_logp is -this")
    ap.add_argument("--blank-skip", type=float, default=1 - math.exp(-5),
                    help="blank probability above which pyctcdecode tries no other token (0 turns it off)")
    ap.add_argument("--full", action="store_true")
    args = ap.parse_args()

    import gru_asr
    from gru_asr.decoders import build_decoder
    from gru_asr.evaluation.tune_lm import cached_emissions
    from gru_asr.lm import build_arpa
    from gru_asr.lm.lexicon import arpa_vocabulary, build_lexicon
    from gru_asr.metrics import count_errors

    tmp = Path(tempfile.mkdtemp())
    untrained = not args.model
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
    decoders, closers = {}, []
    for name, cfg in [
        ("greedy", "greedy"),
        ("beam", {"name": "beam", "beam_size": args.beam}),
        ("beam_lm", {"name": "beam_lm", "lm": args.lm, "lexicon": args.lexicon, "beam_size": args.beam,
                     "lm_weight": args.lm_weight, "word_score": args.word_score}),
    ]:
        if isinstance(cfg, dict):
            cfg.update(num_workers=args.workers, beam_threshold=args.beam_threshold)
            if args.beam_size_token is not None:
                cfg["beam_size_token"] = args.beam_size_token or None
            if args.blank_skip is not None:
                cfg["blank_skip"] = args.blank_skip or None
        dec = build_decoder(cfg, tok, shift)
        dec.decode(batch[:4], lens[:4])  # warm-up (pools, LM load)
        decoders[name] = lambda dec=dec: [h[0].text for h in dec.decode(batch, lens)]
        closers.append(getattr(dec, "close", lambda: None))
    pool = None
    try:
        from pyctcdecode import build_ctcdecoder

        labels = [""] + [(" " if tok.is_space(i) else tok.token_string(i)) for i in range(1, tok.vocab_size)]
        ref_dec = build_ctcdecoder(labels, kenlm_model_path=args.lm, alpha=args.lm_weight / math.log(10), beta=args.word_score)
        logits = [e.numpy() for e in emissions]
        prune = -args.beam_threshold
        # pyctcdecode's documented batch path: a fork pool created after the decoder.
        pool = mp.get_context("fork").Pool(args.workers)
        ref_dec.decode_batch(pool, logits[:4], beam_width=args.beam, beam_prune_logp=prune)  # warm-up
        decoders["pyctcdecode"] = lambda: [h.strip() for h in ref_dec.decode_batch(pool, logits, beam_width=args.beam, beam_prune_logp=prune)]
    except ImportError:
        print("pyctcdecode (and kenlm) not installed: pip install pyctcdecode kenlm to compare")
    # Three rounds, every decoder once per round: on a shared machine the load drifts,
    # and each ratio compares runs taken moments apart. Medians are reported.
    rates: dict[str, list[float]] = {name: [] for name in decoders}
    wers = {}
    for _ in range(3):
        for name, run in decoders.items():
            t0 = time.perf_counter()
            hyps = run()
            rates[name].append(len(hyps) / (time.perf_counter() - t0))
            wers[name] = count_errors(refs, hyps).wer
    if pool is not None:
        pool.terminate()
    for close in closers:
        close()
    rows = {name: (statistics.median(r), wers[name]) for name, r in rates.items()}
    print(f"{len(emissions)} utterances, beam width {args.beam}, {args.workers} worker process(es) each")
    for name, (ups, wer) in rows.items():
        print(f"{name:12s} {ups:9.1f} utt/s   WER {100 * wer:6.2f} %")
    if "pyctcdecode" in rows:
        ratio = statistics.median(a / b for a, b in zip(rates["beam_lm"], rates["pyctcdecode"]))
        if untrained:
            # Flat emissions defeat pyctcdecode's per-frame token pruning: the ratio says
            # nothing about the target, which is measured on a trained model (--model).
            print("untrained model: flat emissions; measure the target with --model/--manifest/--lm/--lexicon")
            print(f"beam_lm_vs_pyctcdecode_untrained_model: {ratio:.2f}")
        else:
            print(f"beam_lm_vs_pyctcdecode: {ratio:.2f}")
    else:
        print(f"beam_lm_utts_per_s: {rows['beam_lm'][0]:.1f}")


if __name__ == "__main__":
    main()
