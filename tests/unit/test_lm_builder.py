"""The numpy n-gram builder (gru_asr/lm): the same estimate as the former pure-Python one
(tests/unit/lm_reference.py), lmplz-style pruning that keeps a valid, normalized ARPA
that KenLM loads, a vocabulary limit, streamed .xz/.gz sources, the fast normalizer and
``gru-asr lm build`` with several sources."""

from __future__ import annotations

import gzip
import json
import lzma
import math
import random
from collections import Counter
from pathlib import Path

import pytest

from gru_asr.cli.errors import UserError
from gru_asr.cli.main import main
from gru_asr.lm import build_arpa, train_ngram
from gru_asr.lm.kneser_ney import parse_prune
from gru_asr.lm.sources import fast_normalizer, iter_sentences, iter_text_lines
from gru_asr.text import TextNormalizer
from tests.unit.lm_reference import reference_ngram


def zipf_sentences(n: int, seed: int, vocab: int = 80, max_len: int = 14) -> list[str]:
    """Random sentences with a Zipf-like word distribution, so that every count of 1-4
    occurs (real discounts, not the fallback) and some n-grams repeat."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(vocab)]
    weights = [1 / (i + 1) for i in range(vocab)]
    return [" ".join(rng.choices(words, weights, k=rng.randint(1, max_len))) for _ in range(n)]


def read_arpa(path: Path) -> dict[int, dict[tuple[str, ...], tuple[float, float | None]]]:
    model: dict[int, dict] = {}
    order = 0
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("\\") and line.endswith("-grams:"):
            order = int(line[1:].split("-")[0])
            model[order] = {}
        elif line and order and not line.startswith("\\"):
            parts = line.split("\t")
            model[order][tuple(parts[1].split())] = (float(parts[0]), float(parts[2]) if len(parts) > 2 else None)
    return model


def log10_prob(model, word: str, context: tuple[str, ...]) -> float:
    """ARPA back-off query: log10 p(word | context)."""
    for start in range(len(context) + 1):
        ctx = context[start:]
        gram = ctx + (word,)
        if gram in model.get(len(gram), {}):
            backoff = 0.0
            for s in range(start):  # the contexts backed off from
                entry = model.get(len(context) - s, {}).get(context[s:])
                backoff += (entry[1] or 0.0) if entry else 0.0
            return backoff + model[len(gram)][gram][0]
    raise AssertionError(f"{word} is not in the vocabulary")


def vocabulary(model) -> list[str]:
    return [g[0] for g in model[1] if g[0] != "<s>"]


def assert_same_model(new, ref, tol=1e-4):
    assert new.keys() == ref.keys()
    for n in ref:
        assert new[n].keys() == ref[n].keys(), (n, sorted(set(new[n]) ^ set(ref[n]))[:5])
        for gram, (p, b) in ref[n].items():
            q, c = new[n][gram]
            assert abs(p - q) < tol, (gram, p, q)
            assert (b is None) == (c is None), gram
            if b is not None:
                assert abs(b - c) < tol, (gram, b, c)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_agrees_with_the_reference_estimator_in_every_probability_and_backoff(tmp_path, order):
    sentences = zipf_sentences(300, seed=order) + ["", "   "]
    ref = reference_ngram(sentences, order)
    arpa = build_arpa(sentences, tmp_path / "lm.arpa", order=order, use_lmplz=False)
    assert_same_model(read_arpa(arpa), ref)  # through the ARPA writer
    assert_same_model(train_ngram(sentences, order), ref, tol=1e-9)
    header = arpa.read_text().split("\n\n")[0].splitlines()
    assert header == ["\\data\\"] + [f"ngram {n}={len(ref[n])}" for n in range(1, order + 1)]


def test_agrees_on_tiny_text_with_the_fallback_discounts(tmp_path):
    sentences = ["the cat sat", "the cat ran", "a dog sat"]  # some counts of 1-4 never occur
    for order in (2, 3):
        assert_same_model(read_arpa(build_arpa(sentences, tmp_path / f"{order}.arpa", order=order, use_lmplz=False)),
                          reference_ngram(sentences, order))


def raw_counts(sentences: list[str], n: int) -> Counter:
    counts = Counter()
    for s in sentences:
        toks = ["<s>", *s.split(), "</s>"]
        counts.update(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))
    return counts


def assert_normalized(model, contexts, tol=2e-5):  # the ARPA has 6 decimals
    vocab = vocabulary(model)
    for ctx in contexts:
        total = sum(10 ** log10_prob(model, w, ctx) for w in vocab)
        assert abs(total - 1.0) < tol, (ctx, total)


def kenlm_scores(arpa: Path, sentences: list[str], vocab: list[str]) -> list[float]:
    from flashlight.lib.text.decoder.kenlm import KenLM
    from flashlight.lib.text.dictionary import create_word_dict

    words = create_word_dict({w: [[w]] for w in vocab})
    lm = KenLM(str(arpa), words)
    scores = []
    for s in sentences:
        state, total = lm.start(False), 0.0
        for w in s.split():
            state, score = lm.score(state, words.get_index(w))
            total += score
        total += lm.finish(state)[1]
        scores.append(total)
    return scores


def our_score(model, sentence: str, order: int) -> float:
    toks = ["<s>", *sentence.split(), "</s>"]
    return sum(log10_prob(model, toks[i], tuple(toks[max(0, i - order + 1) : i])) for i in range(1, len(toks)))


def test_pruning_drops_rare_ngrams_keeps_a_valid_normalized_arpa_and_kenlm_loads_it(tmp_path):
    sentences = zipf_sentences(400, seed=7, vocab=40)
    order, prune = 4, "0,1,1,2"
    arpa = build_arpa(sentences, tmp_path / "pruned.arpa", order=order, prune=prune, use_lmplz=False)
    model = read_arpa(arpa)
    full = read_arpa(build_arpa(sentences, tmp_path / "full.arpa", order=order, use_lmplz=False))
    for n, threshold in zip(range(2, order + 1), parse_prune(prune, order)[1:]):
        counts = raw_counts(sentences, n)
        # exactly the n-grams seen more often than the threshold (no kept n-gram needs a
        # pruned one: a context or suffix is seen at least as often as the n-gram)
        assert set(model[n]) == {g for g, c in counts.items() if c > threshold}, n
        assert len(model[n]) < len(full[n])
        for gram in model[n]:
            assert gram[:-1] in model[n - 1] and gram[1:] in model[n - 1], gram
    # the pruned n-grams' mass is in the backoffs: every distribution still sums to one
    contexts = [(), ("<s>",), ("w0",), ("w0", "w1"), ("<s>", "w0", "w0"), ("w1", "w0", "w2"), ("w39", "w38", "w37")]
    contexts += [g for g in list(model[3])[:5]] + [g for g in list(model[2])[-3:]]
    assert_normalized(model, contexts)
    assert any(model[3][g][1] > full[3][g][1] + 1e-3 for g in model[3] if g in full[3])  # bigger backoffs
    # KenLM (flashlight's) loads the pruned ARPA and scores sentences as the ARPA says
    test = ["w0 w1 w2 w3", "w5 w0 w0 w1 w39", sentences[0]]
    for ours, kenlm in zip([our_score(model, s, order) for s in test], kenlm_scores(arpa, test, vocabulary(model))):
        assert abs(ours - kenlm) < 1e-3, (ours, kenlm)


def test_unpruned_model_sums_to_one_at_every_order(tmp_path):
    sentences = zipf_sentences(200, seed=3, vocab=30)
    model = train_ngram(sentences, 3)
    assert_normalized(model, [(), ("<s>",), ("w0",), ("w0", "w1"), ("<s>", "w0"), ("zebra",)])


@pytest.mark.parametrize("text, order, expected", [
    (None, 3, [0, 0, 0]), ("0,0,1,1", 4, [0, 0, 1, 1]), ("0,0,1", 5, [0, 0, 1, 1, 1]), ("0 1 2", 3, [0, 1, 2]),
    ([0, 1], 3, [0, 1, 1]),
])
def test_prune_thresholds_follow_lmplz(text, order, expected):
    assert parse_prune(text, order) == expected


@pytest.mark.parametrize("text, cause", [("1,1", "unigrams"), ("0,2,1", "decrease"), ("0,x", "whole numbers"),
                                         ("0,0,1,1,1", "at most one per order"), ("0,-1", "counts >= 0")])
def test_bad_prune_thresholds_are_refused(text, cause):
    with pytest.raises(ValueError, match=cause):
        parse_prune(text, 4)


def test_vocabulary_limit_maps_rare_words_to_unk(tmp_path):
    sentences = zipf_sentences(300, seed=11, vocab=50)
    counts = Counter(w for s in sentences for w in s.split())
    top = {w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]}
    arpa = build_arpa(sentences, tmp_path / "small.arpa", order=3, vocab_size=10, use_lmplz=False)
    model = read_arpa(arpa)
    assert set(vocabulary(model)) == top | {"<unk>", "</s>"}
    floor = train_ngram(sentences, 3)[1][("<unk>",)][0]  # <unk> never seen: the uniform share only
    assert model[1][("<unk>",)][0] > floor + 1  # now the 40 rare words' occurrences
    assert any("<unk>" in g for g in model[3])  # <unk> is a word of the n-grams now
    assert_normalized(model, [(), ("<s>",), ("<unk>",), ("w0", "<unk>")])
    rare = sorted(set(counts) - top)[:2]
    # a rare word scores as <unk> in KenLM, which maps unknown words to it
    assert kenlm_scores(arpa, [f"w0 {rare[0]}"], vocabulary(model)) == kenlm_scores(arpa, ["w0 <unk>"], vocabulary(model))


def write_compressed(tmp_path: Path, lines: list[str]) -> list[Path]:
    text = "\n".join(lines) + "\n"
    plain = tmp_path / "text.txt"
    plain.write_text(text, encoding="utf-8")
    xz = tmp_path / "text.txt.xz"
    xz.write_bytes(lzma.compress(text.encode()))
    gz = tmp_path / "text.txt.gz"
    gz.write_bytes(gzip.compress(text.encode()))
    return [plain, xz, gz]


def test_xz_and_gz_sources_read_like_plain_text_in_blocks(tmp_path, monkeypatch):
    import gru_asr.cli.errors as sources  # the streaming reader lives there

    monkeypatch.setattr(sources, "_BLOCK", 7)  # many blocks, lines and a UTF-8 character cut across them
    lines = zipf_sentences(50, seed=1) + ["", "café déjà vu", "last line without newline"]
    paths = write_compressed(tmp_path, lines)
    for path in paths:
        assert list(iter_sentences(path)) == lines, path
    arpas = [build_arpa(iter_sentences(p), tmp_path / f"{p.name}.arpa", order=3, use_lmplz=False) for p in paths]
    assert arpas[0].read_bytes() == arpas[1].read_bytes() == arpas[2].read_bytes()


def test_bad_sources_are_one_line_errors_naming_the_file(tmp_path, monkeypatch):
    import gru_asr.cli.errors as sources  # the streaming reader lives there

    monkeypatch.setattr(sources, "_BLOCK", 16)
    bad_utf8 = tmp_path / "latin1.txt"
    bad_utf8.write_bytes(b"first line is fine\nsecond one too\ncaf\xe9\n")
    with pytest.raises(UserError, match=r"latin1.txt: the text file is not UTF-8 text \(byte 37\)"):
        list(iter_text_lines(bad_utf8))
    corrupt = tmp_path / "broken.txt.xz"
    corrupt.write_bytes(lzma.compress(b"hello world\n" * 100)[:-20])
    with pytest.raises(UserError, match=r"broken.txt.xz: the compressed text file is corrupt"):
        list(iter_text_lines(corrupt))
    not_gz = tmp_path / "plain.txt.gz"
    not_gz.write_text("hello\n")
    with pytest.raises(UserError, match=r"plain.txt.gz: the compressed text file is corrupt"):
        list(iter_text_lines(not_gz))
    empty = tmp_path / "empty.txt.gz"
    empty.write_bytes(gzip.compress(b"\n  \n"))
    with pytest.raises(UserError, match=r"empty.txt.gz: the file holds no text"):
        list(iter_sentences(empty))
    with pytest.raises(UserError, match=r"missing.txt.xz: cannot read the text file"):
        list(iter_text_lines(tmp_path / "missing.txt.xz"))


def random_line(rng: random.Random) -> str:
    pieces = ["HELLO", "World", "don't", "'tis", "rock'n'roll", "O'BRIEN'S", "1995", "3rd", "007", "12,500", "A-B",
              "x.y", "--", "'", "''", "`quoted`", "it`s", "caf\u00e9", "na\u00efve", "\u2019twas", "\u00bd", "stra\u00dfe",
              "\u00c6sop", "\u0131", "\u03a3\u0399\u03a3", "e\u0301", "<unk>", "tab\there", "a\x1cb", "\u00a0nbsp",
              "ALL CAPS", "x'", "'y", "''z''", "1'2", "q'1"]
    sep = [" ", "  ", "\t", " \u2003 ", ""]
    return "".join(rng.choice(pieces) + rng.choice(sep) for _ in range(rng.randint(0, 8)))


@pytest.mark.parametrize("config", [{}, {"lowercase": False}, {"digits": "keep"}, {"digits": "drop"},
                                    {"keep": ""}, {"remove_punctuation": False}, {"strip_accents": False}])
def test_fast_normalizer_gives_what_the_normalizer_gives(config):
    rng = random.Random(5)
    lines = [random_line(rng) for _ in range(3000)] + ["THE EARLY BIRD GETS THE WORM", "DON'T GO", "", " "]
    norm = TextNormalizer(**config)
    fast = fast_normalizer(TextNormalizer(**config), cache_size=50)  # a full cache must not matter
    for line in lines + lines:  # the second time from the cache
        assert fast(line) == norm(line), repr(line)


def write_cli_inputs(tmp_path: Path) -> tuple[Path, Path, Path]:
    text = tmp_path / "books.txt.xz"
    text.write_bytes(lzma.compress(("\n".join(s.upper() for s in zipf_sentences(300, seed=2)) + "\nDEV SENTENCE ONE\n").encode()))
    manifest = tmp_path / "train.jsonl"
    manifest.write_text("".join(json.dumps({"id": f"u{i}", "audio": f"u{i}.wav", "duration": 1.0, "text": t}) + "\n"
                                for i, t in enumerate(["Zulu yankee xray.", "Dev sentence one", "w0 zulu w1"])))
    dev = tmp_path / "dev.jsonl"
    dev.write_text(json.dumps({"id": "d", "audio": "d.wav", "duration": 1.0, "text": "dev SENTENCE one!"}) + "\n")
    return text, manifest, dev


def test_cli_builds_from_two_sources_with_pruning_and_the_same_exclude_file_twice(tmp_path, capsys):
    text, manifest, dev = write_cli_inputs(tmp_path)
    arpa = tmp_path / "lm.arpa"
    rc = main(["lm", "build", str(text), str(manifest), "--order", "3", "--prune", "0,0,1",
               "--exclude", str(dev), str(dev), "-o", str(arpa)])
    assert rc == 0, capsys.readouterr().err
    assert f"{arpa}: order 3, 302 sentences (2 excluded or empty)" in capsys.readouterr().out
    model = read_arpa(arpa)
    words = set(vocabulary(model))
    assert {"zulu", "yankee", "xray", "w", "zero"} <= words  # both sources, normalized ("w0" is "w zero")
    assert not {"dev", "sentence"} & words  # the excluded sentence, in either source
    norm = TextNormalizer()
    counts = raw_counts([norm(s) for s in zipf_sentences(300, seed=2)] + ["zulu yankee xray", "w zero zulu w one"], 3)
    assert set(model[3]) == {g for g, c in counts.items() if c > 1}
    # the same build without pruning has more trigrams; --overwrite replaces the file
    rc = main(["lm", "build", str(text), str(manifest), "--order", "3", "--exclude", str(dev), "-o", str(arpa),
               "--overwrite"])
    assert rc == 0 and len(read_arpa(arpa)[3]) > len(model[3])


def test_cli_vocab_size_and_bad_prune(tmp_path, capsys):
    text, manifest, dev = write_cli_inputs(tmp_path)
    arpa = tmp_path / "lm.arpa"
    assert main(["lm", "build", str(text), "--order", "2", "--vocab-size", "5", "-o", str(arpa)]) == 0
    assert len(vocabulary(read_arpa(arpa))) == 5 + 2  # and <unk>, </s>
    capsys.readouterr()
    for bad in ("0,2,1", "1", "zero"):
        out = tmp_path / f"bad{bad}.arpa"
        assert main(["lm", "build", str(text), "--order", "3", "--prune", bad, "-o", str(out)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"error: --prune {bad}: ") and "\n" not in err and not out.exists()
    corrupt = tmp_path / "cut.txt.xz"
    corrupt.write_bytes(text.read_bytes()[:-30])
    assert main(["lm", "build", str(manifest), str(corrupt), "-o", str(tmp_path / "cut.arpa")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {corrupt}: ") and "\n" not in err and not (tmp_path / "cut.arpa").exists()
    assert not list(tmp_path.glob(".*partial"))


def test_arpa_numbers_are_written_like_printf(tmp_path):
    import numpy as np

    from gru_asr.lm.arpa import _assemble, fixed6

    values = np.array([0.0, -0.0000004, -0.0000006, -1.5, -12.3456789, -99.0, -1234.5, 0.25, -0.1234565])
    text = _assemble([fixed6(values), b"\n"], len(values)).decode()
    assert [float(v) for v in text.split()] == pytest.approx(values.tolist(), abs=1e-6)
    assert text.split() == [f"{v:.6f}".replace("-0.000000", "0.000000") for v in np.rint(values * 1e6) / 1e6]
    assert math.isclose(float(text.split()[5]), -99.0)


FAKE_LMPLZ = r"""
import sys
from pathlib import Path
here = Path(__file__).parent
(here / "args.txt").write_text(" ".join(sys.argv[1:]))
(here / "stdin.txt").write_bytes(sys.stdin.buffer.read())
if FAIL:
    sys.stderr.write("=== 1/5 Counting ===\nlmplz: out of memory\n")
    sys.exit(1)
sys.stdout.write("\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0\t<unk>\n\n\\end\\\n")
"""


def fake_lmplz(folder: Path, fail: bool = False) -> Path:
    """An ``lmplz`` that records its arguments and input and writes a fixed ARPA."""
    import sys

    script = folder / "lmplz"
    script.write_text(f"#!{sys.executable}\nFAIL = {fail}" + FAKE_LMPLZ)
    script.chmod(0o755)
    return script


def test_lmplz_on_path_gets_the_sentences_and_the_pruning(tmp_path, monkeypatch, capsys):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_lmplz(bin_dir)
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    sentences = [f"sentence {i}" for i in range(25_000)] + ["", "last one"]
    arpa = build_arpa(iter(sentences), tmp_path / "lm.arpa", order=4, prune="0,0,1")
    assert arpa.read_text().startswith("\\data\\\n")
    args = (bin_dir / "args.txt").read_text().split()
    assert args[:3] == ["-o", "4", "--discount_fallback"] and args[-5:] == ["--prune", "0", "0", "1", "1"]
    assert (bin_dir / "stdin.txt").read_text().splitlines() == [s for s in sentences if s]
    # lm.arpa.gz: lmplz's plain output, compressed, and no partial file left beside it
    packed = build_arpa(iter(sentences), tmp_path / "lm.arpa.gz", order=4, prune="0,0,1")
    assert __import__("gzip").decompress(packed.read_bytes()) == arpa.read_bytes()
    assert not list(tmp_path.glob(".*partial"))
    # a vocabulary limit is the built-in builder's (lmplz would drop, not map, the other words)
    small = build_arpa(sentences, tmp_path / "small.arpa", order=2, vocab_size=3)
    assert "<unk>" in small.read_text() and "\\2-grams:" in small.read_text()
    # lmplz failing: one line naming the output, no ARPA left behind
    fake_lmplz(bin_dir, fail=True)
    text = tmp_path / "text.txt"
    text.write_text("hello world\n")
    assert main(["lm", "build", str(text), "-o", str(tmp_path / "failed.arpa")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {tmp_path / 'failed.arpa'}: lmplz failed (exit 1): lmplz: out of memory"
    assert not (tmp_path / "failed.arpa").exists() and not list(tmp_path.glob(".*partial"))
