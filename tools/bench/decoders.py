"""Our beam_lm decoders on a trained model's dev emissions, and lexicon-free beam_lm
against pyctcdecode in the same search space.

Rows, each with its WER and utterances/s (medians over rounds; every decoder runs once
per round, so each ratio compares runs taken moments apart on a shared machine):
  greedy                 the best path, for reference;
  beam_lm shipped        lexicon, the decoder's shipped search defaults (beam 50,
                         threshold 25, every token, no blank skip);
  beam_lm pruned         lexicon, pruned: beam --beam, threshold 10, 5 tokens a frame,
                         runs of frames with blank >= 1 - e^-5 decoded as one frame;
  lexicon-free beam_lm   open vocabulary (characters; the word n-gram scores each word
                         when it ends), at its shipped defaults (beam 32, threshold 10,
                         tokens below log-prob -5 in a frame not tried, at most 3 a frame,
                         blank runs as one frame);
  lexicon-free pruned    (--full) the same at the pruned settings above, every token
                         above 5 tried (this row was the default before issue #24's fix);
  pyctcdecode            open vocabulary with the same word n-gram, beam width and pruning.

Same search space, same settings for the last two: both search over characters and score
whole words with the same ARPA model; the LM weights map exactly (ours add
``lm_weight * log10 P + word_score`` in the acoustic model's natural-log units;
pyctcdecode gets ``alpha = lm_weight / ln 10``, ``beta = word_score``) and so does the
price of unknown words (ours ``unk_score = -10 * lm_weight``, pyctcdecode's default
``unk_score_offset -10``); score pruning ``beam_threshold 10`` is its
``beam_prune_logp -10``, and token pruning ``token_min_logp -5`` its ``token_min_logp -5``
(ours also tries at most 3 tokens a frame, and decodes each run of frames where blank
has probability >= 1 - e^-5, where both try blank alone, as one frame). Both run
--workers processes (ours its pool, pyctcdecode decode_batch(pool)).

Defaults: the AN4 recipe's model, dev manifest, LM and lexicon, with the LM weights of
the recipe's tuned decoder.yaml. Missing files: says so and exits 0.
pyctcdecode: .venv/bin/pip install pyctcdecode kenlm (without it, our decoders only).

Usage: .venv/bin/python tools/bench/decoders.py [--full] [--model M --manifest DEV.jsonl --lm LM.arpa --lexicon LEX.txt]
Last line: `lexicon_free_beam_lm_vs_pyctcdecode: X` (utt/s ratio, medians of per-round
ratios), the line before it both WERs; `lexicon_free_beam_lm_utts_per_s: X` without pyctcdecode.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
AN4 = {"model": "exp/an4_medium/final.safetensors", "manifest": "data/an4/dev.jsonl",
       "lm": "exp/an4_medium/lm/lm.arpa", "lexicon": "exp/an4_medium/lm/lexicon.txt"}
TUNED = "exp/an4_medium/lm/decoder.yaml"  # the recipe's tuned LM weights
BLANK_SKIP = 1 - math.exp(-5)  # pyctcdecode tries no token but blank where blank is this likely


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name, default in AN4.items():
        ap.add_argument(f"--{name}", default=str(ROOT / default))
    ap.add_argument("--lm-weight", type=float, help="default: the recipe's decoder.yaml, else 1.0")
    ap.add_argument("--word-score", type=float, help="default: the recipe's decoder.yaml, else 0.0")
    ap.add_argument("--beam", type=int, default=32, help="beam width of the pruned and open-vocabulary rows")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--rounds", type=int, help="default 3, 7 with --full")
    ap.add_argument("--full", action="store_true", help="more rounds, and lexicon-free at the old pruned settings")
    args = ap.parse_args()
    missing = [f"--{k} {getattr(args, k)}" for k in AN4 if not Path(getattr(args, k)).is_file()]
    if missing:
        print("not found: " + ", ".join(missing) + " (run recipes/an4/run.sh, or pass them); nothing measured")
        return
    weights = tuned_weights(ROOT / TUNED)
    lm_weight = args.lm_weight if args.lm_weight is not None else weights.get("lm_weight", 1.0)
    word_score = args.word_score if args.word_score is not None else weights.get("word_score", 0.0)
    rounds = args.rounds or (7 if args.full else 3)

    import gru_asr
    from gru_asr.decoders import build_decoder
    from gru_asr.evaluation.tune_lm import cached_emissions
    from gru_asr.metrics import count_errors

    model = gru_asr.load_model(args.model)
    emissions, refs = cached_emissions(model, args.manifest)
    lens = torch.tensor([e.size(0) for e in emissions])
    batch = torch.nn.utils.rnn.pad_sequence(emissions, batch_first=True)
    tok, shift = model.model.tokenizer, model.model.frame_shift

    lm = {"lm": args.lm, "lm_weight": lm_weight, "word_score": word_score, "num_workers": args.workers}
    pruned = {"beam_size": args.beam, "beam_threshold": 10.0, "beam_size_token": 5, "blank_skip": BLANK_SKIP}
    unk = {"unk_score": -10.0 * lm_weight}  # explicit: pyctcdecode's unk_score_offset -10
    configs = {
        "greedy": "greedy",
        "beam_lm shipped": {"name": "beam_lm", "lexicon": args.lexicon, **lm},
        "beam_lm pruned": {"name": "beam_lm", "lexicon": args.lexicon, **lm, **pruned},
        "lexicon-free beam_lm": {"name": "beam_lm", **lm, **unk},  # its shipped defaults
    }
    if args.full:
        configs["lexicon-free pruned"] = {"name": "beam_lm", **lm, **unk, **pruned, "token_min_logp": None}
    decoders, closers = {}, []
    for name, cfg in configs.items():
        dec = build_decoder(cfg, tok, shift)
        dec.decode(batch[:4], lens[:4])  # warm-up: pools started, LM loaded
        decoders[name] = lambda dec=dec: [h[0].text for h in dec.decode(batch, lens)]
        closers.append(getattr(dec, "close", lambda: None))
    pool = None
    try:
        from pyctcdecode import build_ctcdecoder
    except ImportError:
        print("pyctcdecode (and kenlm) not installed (.venv/bin/pip install pyctcdecode kenlm): our decoders only")
    else:
        labels = [""] + [(" " if tok.is_space(i) else tok.token_string(i)) for i in range(1, tok.vocab_size)]
        with quiet_stderr():
            ref = build_ctcdecoder(labels, kenlm_model_path=args.lm, alpha=lm_weight / math.log(10), beta=word_score,
                                   unk_score_offset=-10.0)
        logits = [e.numpy() for e in emissions]
        settings = {"beam_width": args.beam, "beam_prune_logp": -10.0, "token_min_logp": -5.0}
        # pyctcdecode's documented batch path: a fork pool made after the decoder.
        pool = mp.get_context("fork").Pool(args.workers)
        ref.decode_batch(pool, logits[:4], **settings)  # warm-up
        decoders["pyctcdecode"] = lambda: [" ".join(h.split()) for h in ref.decode_batch(pool, logits, **settings)]

    rates: dict[str, list[float]] = {name: [] for name in decoders}
    wers = {}
    for _ in range(rounds):
        for name, run in decoders.items():
            t0 = time.perf_counter()
            hyps = run()
            rates[name].append(len(hyps) / (time.perf_counter() - t0))
            wers[name] = count_errors(refs, hyps).wer
    if pool is not None:
        pool.terminate()
    for close in closers:
        close()

    print(f"{len(emissions)} utterances of {args.manifest}, {args.workers} worker process(es) each, "
          f"medians of {rounds} rounds; lm_weight {lm_weight}, word_score {word_score}, pruned beam {args.beam}")
    for name, r in rates.items():
        print(f"{name:22s} {statistics.median(r):9.1f} utt/s   WER {100 * wers[name]:6.2f} %")
    ratio = lambda a, b: statistics.median(x / y for x, y in zip(rates[a], rates[b]))  # noqa: E731
    print(f"beam_lm_pruned_vs_shipped: {ratio('beam_lm pruned', 'beam_lm shipped'):.2f}")
    if "pyctcdecode" in rates:
        print(f"WER lexicon-free beam_lm {100 * wers['lexicon-free beam_lm']:.2f} %, "
              f"pyctcdecode {100 * wers['pyctcdecode']:.2f} %")
        print(f"lexicon_free_beam_lm_vs_pyctcdecode: {ratio('lexicon-free beam_lm', 'pyctcdecode'):.2f}")
    else:
        print(f"WER lexicon-free beam_lm {100 * wers['lexicon-free beam_lm']:.2f} %")
        print(f"lexicon_free_beam_lm_utts_per_s: {statistics.median(rates['lexicon-free beam_lm']):.1f}")


def tuned_weights(path: Path) -> dict:
    """lm_weight and word_score of a decoder.yaml written by tune-lm (two flat keys)."""
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("lm_weight", "word_score"):
            out[key.strip()] = float(value)
    return out


class quiet_stderr:
    """KenLM prints its loading progress bar on the process's stderr (fd 2)."""

    def __enter__(self):
        sys.stderr.flush()
        self.saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)

    def __exit__(self, *exc):
        os.dup2(self.saved, 2)
        os.close(self.saved)


if __name__ == "__main__":
    main()
