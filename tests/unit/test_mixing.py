"""Weighted mixing of training corpora, and validation on several dev sets."""

import json
import logging
import random
from collections import Counter

import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader

from gru_asr.data.mixing import MixedDurationBatchSampler, corpus_targets
from gru_asr.data.sampler import DurationBatchSampler
from gru_asr.decoders.base import Hypothesis
from gru_asr.models import CTCModel
from gru_asr.schemas import ConfigError
from gru_asr.training.callbacks.data_stream import FollowEpochLength, TrainingDataStream
from gru_asr.training.data import (
    SpeechDataModule,
    build_dataset,
    build_dev_loaders,
    build_dev_sets,
    build_loader,
    dev_manifests,
    read_manifests,
    train_corpora,
)
from gru_asr.training.module import CTCTrainingModule
from tests.conftest import small_model_config

MAX_DUR = 8.0


def corpus_durations(sizes=(200, 600, 40), seed=0):
    """Durations of three corpora laid out one after the other, and each utterance's corpus."""
    rng = random.Random(seed)
    durations, corpus_of = [], []
    for k, n in enumerate(sizes):
        durations += [round(rng.uniform(0.5, MAX_DUR), 2) for _ in range(n)]
        corpus_of += [k] * n
    return durations, corpus_of


def mixed(weights=(1.0, 0.3, 2.0), seed=4, **kw):
    d, c = corpus_durations()
    return d, c, MixedDurationBatchSampler(d, c, weights, 40.0, names=["a", "b", "c"], seed=seed, **kw)


def seconds_by_corpus(batches, durations, corpus_of, corpora=3):
    out = [0.0] * corpora
    for b in batches:
        for i in b:
            out[corpus_of[i]] += durations[i]
    return out


# -- seconds per corpus ---------------------------------------------------------------


@pytest.mark.parametrize("epoch", [0, 1, 7])
def test_seconds_per_corpus_follow_the_weights_anchored_on_the_first_corpus(epoch):
    d, c, s = mixed()
    s.set_epoch(epoch)
    got = seconds_by_corpus(list(s), d, c)
    anchor = sum(x for x, k in zip(d, c) if k == 0)
    assert got[0] == pytest.approx(anchor)  # the first corpus exactly once
    # within half of the longest utterance of the target
    assert abs(got[1] - 0.3 * anchor) <= MAX_DUR / 2
    assert abs(got[2] - 2.0 * anchor) <= MAX_DUR / 2


def test_epoch_seconds_fixes_the_epoch_length_and_keeps_the_ratios():
    d, c, s = mixed(weights=(2.0, 1.0, 1.0), epoch_seconds=1200.0)
    got = seconds_by_corpus(list(s), d, c)
    assert abs(got[0] - 600.0) <= MAX_DUR / 2  # 2/4 of 1200 s: the first corpus is subsampled here
    assert abs(got[1] - 300.0) <= MAX_DUR / 2
    assert abs(got[2] - 300.0) <= MAX_DUR / 2
    assert [x.seconds for x in s.composition()] == pytest.approx(got)


def test_targets_reject_nonpositive_weights():
    assert corpus_targets([100.0, 50.0], [1.0, 0.5]) == [100.0, 50.0]
    with pytest.raises(ValueError, match="positive"):
        corpus_targets([100.0, 50.0], [1.0, 0.0])


# -- repetition ----------------------------------------------------------------------


def test_no_utterance_twice_in_an_epoch_unless_the_weight_oversamples():
    d, c, s = mixed()
    for epoch in range(3):
        s.set_epoch(epoch)
        counts = Counter(i for b in s for i in b)
        a = [counts[i] for i in range(len(d)) if c[i] == 0]
        b = [counts[i] for i in range(len(d)) if c[i] == 1]
        cc = [counts[i] for i in range(len(d)) if c[i] == 2]
        assert set(a) == {1}  # weight 1 on the anchor: every utterance exactly once
        assert max(b) == 1  # subsampled: never twice
        total_a, total_c = (sum(x for x, k in zip(d, c) if k == j) for j in (0, 2))
        passes = int(2.0 * total_a / total_c)
        assert passes >= 2 and set(cc) <= {passes, passes + 1}  # oversampled: k or k+1 times


def test_subsample_is_a_fresh_seeded_draw_each_epoch():
    d, c, s = mixed()
    _, _, same_seed = mixed()
    picked = []
    for epoch in range(2):
        s.set_epoch(epoch)
        same_seed.set_epoch(epoch)
        batches = list(s)
        assert batches == list(same_seed)
        picked.append({i for b in batches for i in b if c[i] == 1})
    assert picked[0] != picked[1]
    _, _, other_seed = mixed(seed=5)
    assert {i for b in other_seed for i in b if c[i] == 1} != picked[0]


# -- ranks and resume ----------------------------------------------------------------


@pytest.mark.parametrize("world", [2, 3])
def test_ranks_get_disjoint_equal_batches_of_the_mixture(world):
    d, c = corpus_durations()
    ranks = [MixedDurationBatchSampler(d, c, (1.0, 0.3, 2.0), 37.0, seed=2, world_size=world, rank=r) for r in range(world)]
    per_rank = [list(s) for s in ranks]
    assert len({len(b) for b in per_rank}) == 1  # equally many: no rank waits at the epoch end
    everything = Counter(ranks[0].epoch_indices(0))
    assert Counter(i for batches in per_rank for b in batches for i in b) == everything  # nothing lost or added
    once = [{i for b in batches for i in b if c[i] in (0, 1)} for batches in per_rank]
    for r in range(world):
        for q in range(r + 1, world):
            assert not once[r] & once[q]  # utterances drawn once are on one rank only


def test_mid_epoch_resume_replays_the_mixture_exactly():
    d, c = corpus_durations()

    def make(seed, rank=1):
        return MixedDurationBatchSampler(d, c, (1.0, 0.3, 2.0), 40.0, names=["a", "b", "c"], seed=seed, world_size=2, rank=rank)

    ref = make(9)
    ref.set_epoch(3)
    full = list(ref)
    run = make(9)
    run.set_epoch(3)
    it = iter(run)
    seen = [next(it) for _ in range(6)]
    state = run.state_dict(batches_consumed=6)
    assert state["mixture"] == {"names": ["a", "b", "c"], "weights": [1.0, 0.3, 2.0], "epoch_seconds": None}
    resumed = make(0)  # the seed comes back from the state
    resumed.load_state_dict(json.loads(json.dumps(state)))  # as stored in a checkpoint
    assert seen + list(resumed) == full
    resumed.set_epoch(4)
    ref.set_epoch(4)
    assert list(resumed) == list(ref)


def test_resume_under_other_weights_warns_and_keeps_the_position(caplog):
    d, c = corpus_durations()
    run = MixedDurationBatchSampler(d, c, (1.0, 0.3, 2.0), 40.0, seed=1)
    state = run.state_dict(batches_consumed=4)
    changed = MixedDurationBatchSampler(d, c, (1.0, 0.5, 2.0), 40.0, seed=1)
    with caplog.at_level(logging.WARNING, logger="gru_asr.data.mixing"):
        changed.load_state_dict(state)
    assert "corpus mixture changed" in caplog.text
    assert list(changed) == changed.rank_batches()[4:]


# -- the single-corpus path is unchanged -----------------------------------------------


def old_rank_batches(durations, max_seconds, num_buckets=10, shuffle=True, seed=0, sortagrad=False,
                     max_batch_size=None, world_size=1, rank=0, epoch=0):
    """The sampler's batch list as the code computed it before corpus mixing (frozen copy)."""
    rng = random.Random(seed * 1_000_003 + epoch)
    order = sorted(range(len(durations)), key=lambda i: (durations[i], i))
    n = len(order)
    size = -(-n // num_buckets) if n else 1
    batches = []
    for bucket in [order[i : i + size] for i in range(0, n, size)]:
        if shuffle:
            rng.shuffle(bucket)
        cur, longest = [], 0.0
        for i in bucket:
            new = max(longest, durations[i])
            full = max_batch_size is not None and len(cur) >= max_batch_size
            if cur and (new * (len(cur) + 1) > max_seconds or full):
                batches.append(cur)
                cur, new = [], durations[i]
            cur.append(i)
            longest = new
        if cur:
            batches.append(cur)
    if sortagrad and epoch == 0:
        batches.sort(key=lambda b: max(durations[i] for i in b))
    elif shuffle:
        rng.shuffle(batches)
    while world_size > 1 and len(batches) % world_size:
        j = max((k for k, b in enumerate(batches) if len(b) > 1), key=lambda k: len(batches[k]))
        b = batches.pop(j)
        batches[j:j] = [b[: len(b) // 2], b[len(b) // 2 :]]
    return batches[rank::world_size]


@pytest.mark.parametrize("world,sortagrad,max_batch", [(1, False, None), (1, True, 7), (3, True, None)])
def test_single_corpus_batches_are_those_of_the_old_code(world, sortagrad, max_batch):
    d, _ = corpus_durations()
    for rank in range(world):
        s = DurationBatchSampler(d, 40.0, num_buckets=6, seed=11, sortagrad=sortagrad, max_batch_size=max_batch, world_size=world, rank=rank)
        for epoch in (0, 1, 5):
            s.set_epoch(epoch)
            assert list(s) == old_rank_batches(d, 40.0, 6, True, 11, sortagrad, max_batch, world, rank, epoch)


def test_one_corpus_mixture_at_its_own_size_equals_the_plain_sampler():
    d, _ = corpus_durations()
    plain = DurationBatchSampler(d, 40.0, seed=3, world_size=2, rank=1)
    mix = MixedDurationBatchSampler(d, [0] * len(d), [0.7], 40.0, seed=3, world_size=2, rank=1)
    for epoch in (0, 2):
        plain.set_epoch(epoch)
        mix.set_epoch(epoch)
        assert list(mix) == list(plain)


# -- config forms, datasets and loaders --------------------------------------------------


def write_manifest(path, n, text="abc", seed=0):
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [{"id": f"{path.parent.name}{i}", "audio": f"{i}.wav", "duration": round(rng.uniform(0.5, 4.0), 2), "text": text} for i in range(n)]
    lines[0]["text"] = ""  # dropped by the dataset: corpus labels must stay aligned
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return str(path)


@pytest.fixture
def corpora(tmp_path):
    return {
        "a_train": write_manifest(tmp_path / "a" / "train.jsonl", 120, seed=1),
        "b_train": write_manifest(tmp_path / "b" / "train.jsonl", 300, seed=2),
        "a_dev": write_manifest(tmp_path / "a" / "dev.jsonl", 6, seed=3),
        "b_dev": write_manifest(tmp_path / "b" / "dev.jsonl", 9, seed=4),
    }


def data_cfg(train, dev, **kw):
    return {"train": train, "dev": dev, "batch_seconds": 20, "num_buckets": 4, "sortagrad": False, "num_workers": 0, **kw}


def test_config_forms_are_parsed(corpora):
    assert train_corpora(corpora["a_train"]) is None
    assert train_corpora([corpora["a_train"], corpora["b_train"]]) is None  # plain list: one corpus, as before
    groups = train_corpora([{"manifest": corpora["a_train"]}, {"manifest": corpora["b_train"], "weight": 0.25, "name": "extra"}])
    assert [(g.name, g.weight) for g in groups] == [("a", 1.0), ("extra", 0.25)]
    with pytest.raises(ConfigError, match="distinct"):
        train_corpora([{"manifest": corpora["a_train"]}, {"manifest": corpora["a_dev"]}])
    with pytest.raises(ConfigError, match="positive"):
        train_corpora([{"manifest": corpora["a_train"], "weight": -1}])
    with pytest.raises(ConfigError, match="unknown field"):
        train_corpora([{"manifest": corpora["a_train"], "wieght": 2}])
    with pytest.raises(ConfigError, match="as a list"):
        train_corpora({"a": corpora["a_train"]})
    assert dev_manifests(corpora["a_dev"])[1] is False
    named, is_named = dev_manifests({"x": corpora["a_dev"], "y": [corpora["b_dev"], corpora["a_dev"]]})
    assert is_named and [(g.name, len(g.manifests)) for g in named] == [("x", 1), ("y", 2)]
    assert [g.name for g in dev_manifests([corpora["a_dev"], {"name": "z", "manifest": corpora["b_dev"]}])[0]] == ["a", "z"]


def test_train_loader_mixes_the_configured_corpora(corpora):
    model = CTCModel(small_model_config())
    cfg = data_cfg([{"manifest": corpora["a_train"], "weight": 1.0}, {"manifest": corpora["b_train"], "weight": 0.5}], corpora["a_dev"])
    data = SpeechDataModule(model, cfg)
    dataset = data.train_set
    assert data.source == "manifest" and len(dataset) == 120 + 300 - 2  # the empty transcripts were dropped
    loader = data.train_dataloader()
    assert isinstance(loader.batch_sampler, MixedDurationBatchSampler)
    assert data.train_dataloader() is loader  # one loader per run: it keeps the resume position
    seconds = Counter()
    for b in loader.batch_sampler:
        for i in b:
            seconds[dataset.entries[i]["corpus"]] += dataset.entries[i]["duration"]
    a_total = sum(e["duration"] for e in dataset.entries if e["corpus"] == "a")
    assert seconds["a"] == pytest.approx(a_total)
    assert abs(seconds["b"] - 0.5 * a_total) <= 2.0
    # dev loaders are never mixed
    assert type(data.val_dataloader().batch_sampler) is DurationBatchSampler


def test_single_manifest_config_builds_the_old_sampler(corpora):
    model = CTCModel(small_model_config())
    for train in (corpora["a_train"], [corpora["a_train"], corpora["b_train"]]):
        cfg = data_cfg(train, corpora["a_dev"], max_batch_size=6)
        dataset = build_dataset(model, read_manifests(train), cfg, train=True)
        assert "corpus" not in dataset.entries[0]
        loader = build_loader(dataset, cfg, train=True, seed=5, world_size=2, rank=0)
        assert type(loader.batch_sampler) is DurationBatchSampler
        assert list(loader.batch_sampler) == old_rank_batches(dataset.durations, 20.0, 4, True, 5, False, 6, 2, 0, 0)


def test_dev_sets_are_built_per_name_with_a_monitor(corpora, tmp_path):
    model = CTCModel(small_model_config())
    single = build_dev_sets(model, data_cfg(corpora["a_train"], corpora["a_dev"]))
    assert not single.named and single.log_names is None and single.monitor is None
    assert isinstance(build_dev_loaders(single, data_cfg(None, None), seed=0), DataLoader)
    both = build_dev_sets(model, data_cfg(None, {"a": corpora["a_dev"], "b": corpora["b_dev"]}, monitor_dev="b"))
    assert both.log_names == ["a", "b"] and both.monitor == "b"
    assert [len(ds) for ds in both.datasets.values()] == [5, 8]
    loaders = build_dev_loaders(both, data_cfg(None, None), seed=0)
    assert [sum(len(b) for b in dl.batch_sampler) for dl in loaders] == [5, 8]
    with pytest.raises(ConfigError, match="not a dev set"):
        build_dev_sets(model, data_cfg(None, {"a": corpora["a_dev"]}, monitor_dev="c"))
    empty = write_manifest(tmp_path / "empty" / "dev.jsonl", 1)  # its one transcript is empty
    with pytest.raises(ConfigError, match="no usable utterances"):
        build_dev_sets(model, data_cfg(None, {"a": corpora["a_dev"], "empty": empty}))


# -- validation metrics per dev set --------------------------------------------------------


class SaysABC:
    """A decoder double that always hypothesizes "abc", so each set's WER is known."""

    def decode(self, log_probs, lengths):
        return [[Hypothesis("abc", 0.0)] for _ in range(log_probs.size(0))]


def dev_batch(texts, seconds=0.5, seed=0):
    g = torch.Generator().manual_seed(seed)
    audio = torch.randn(len(texts), int(16000 * seconds), generator=g) * 0.1
    tokens = [[ord(ch) - ord("a") + 3 if ch != " " else 2 for ch in t] for t in texts]
    longest = max(map(len, tokens))
    return {"ids": [f"u{i}" for i in range(len(texts))], "texts": list(texts), "audio": audio,
            "audio_lens": torch.full((len(texts),), audio.size(1)), "size": len(texts), "skipped": [],
            "tokens": torch.tensor([t + [0] * (longest - len(t)) for t in tokens]),
            "token_lens": torch.tensor([len(t) for t in tokens])}


def validate(module, loaders, reduce=None):
    trainer = L.Trainer(accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    if reduce is not None:
        trainer.strategy.reduce = reduce
    trainer.validate(module, loaders, verbose=False)
    return {k: float(v) for k, v in trainer.callback_metrics.items()}


def loader_of(batches):
    return DataLoader(batches, batch_size=None, collate_fn=lambda x: x)


def test_each_dev_set_gets_its_own_metrics_and_the_monitored_one_is_val_wer():
    torch.manual_seed(0)
    module = CTCTrainingModule(small_model_config(), {"name": "adamw", "lr": 1e-3, "scheduler": {"name": "constant"}})
    module.decoder = SaysABC()
    perfect = [dev_batch(["abc"], seed=1), dev_batch(["abc", "abc"], seed=2)]
    half = [dev_batch(["abc def"], seed=3)]  # one deletion in two words
    module.set_dev_sets(["clean", "other"], monitor="other")
    m = validate(module, [loader_of(perfect), loader_of(half)])
    assert m["val/clean/wer"] == 0.0 and m["val/clean/cer"] == 0.0
    assert m["val/other/wer"] == pytest.approx(0.5) and m["val/other/cer"] == pytest.approx(4 / 7)
    assert m["val_wer"] == m["val/other/wer"] and m["val_cer"] == m["val/other/cer"]
    module.eval()
    with torch.no_grad():
        clean_loss = sum(float(module.ctc_loss(b)[0]) * b["size"] for b in perfect) / 3
        other_loss = float(module.ctc_loss(half[0])[0])
    assert m["val/clean/loss"] == pytest.approx(clean_loss, rel=1e-5)
    assert m["val/other/loss"] == pytest.approx(other_loss, rel=1e-5)
    assert m["val_loss"] == m["val/other/loss"] and clean_loss != pytest.approx(other_loss)


def test_dev_set_metrics_are_ratios_of_edits_summed_over_ranks():
    module = CTCTrainingModule(small_model_config(), {"name": "adamw", "lr": 1e-3, "scheduler": {"name": "constant"}})
    module.decoder = SaysABC()
    module.set_dev_sets(["clean", "other"])
    # Another rank's totals per set: word errors, words, char errors, chars, loss sum, utterances.
    other_rank = torch.tensor([[3.0, 4.0, 6.0, 20.0, 10.0, 2.0], [0.0, 8.0, 0.0, 30.0, 5.0, 4.0]], dtype=torch.float64)
    calls = []

    def all_reduce_sum(t, reduce_op=None, group=None):
        if t.dim() < 2:  # Lightning's own reductions (loader lengths)
            return t
        calls.append((tuple(t.shape), reduce_op))
        return t + other_rank

    m = validate(module, [loader_of([dev_batch(["abc"] * 2)]), loader_of([dev_batch(["abc def"])])], reduce=all_reduce_sum)
    assert calls == [((2, 6), "sum")]  # one all-reduce of every set's totals
    assert m["val/clean/wer"] == pytest.approx((0 + 3) / (2 + 4))  # not the mean of 0 and 3/4
    assert m["val/other/wer"] == pytest.approx((1 + 0) / (2 + 8))
    assert m["val/other/cer"] == pytest.approx((4 + 0) / (7 + 30))
    assert m["val_wer"] == m["val/clean/wer"]  # the first set is monitored by default


def test_a_single_unnamed_dev_set_logs_as_before():
    module = CTCTrainingModule(small_model_config(), {"name": "adamw", "lr": 1e-3, "scheduler": {"name": "constant"}})
    module.decoder = SaysABC()
    m = validate(module, loader_of([dev_batch(["abc", "abc def"])]))
    assert set(m) == {"val_wer", "val_cer", "val_loss"}
    assert m["val_wer"] == pytest.approx(1 / 3)


class EpochLengths:
    """A batch sampler whose epochs have different batch counts, as mixture epochs do."""

    def __init__(self, lengths):
        self.lengths, self.epoch, self.served = lengths, 0, []

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return self.lengths[self.epoch]

    def __iter__(self):
        self.served.append(self.lengths[self.epoch])
        return iter([[i] for i in range(self.lengths[self.epoch])])


def test_every_epoch_is_validated_and_run_in_full_when_its_batch_count_changes(tmp_path):
    torch.manual_seed(0)
    module = CTCTrainingModule(small_model_config(), {"name": "adamw", "lr": 1e-3, "scheduler": {"name": "constant"}})
    module.decoder = SaysABC()
    batches = [dev_batch(["abc"], seed=s) for s in range(6)]
    sampler = EpochLengths([4, 2, 6])  # Lightning counts 4 at setup
    stream = TrainingDataStream()
    train = stream.follow(DataLoader(batches, batch_sampler=sampler, collate_fn=lambda items: items[0]))
    steps, validations = [], []

    class Count(L.Callback):
        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            steps.append(trainer.current_epoch)

        def on_validation_end(self, trainer, pl_module):
            if not trainer.sanity_checking:
                validations.append(trainer.current_epoch)

    trainer = L.Trainer(accelerator="cpu", max_epochs=3, logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                        callbacks=[stream, FollowEpochLength(stream), Count()])
    trainer.fit(module, train, loader_of([dev_batch(["abc"])]))
    assert validations == [0, 1, 2]  # without the fix: epoch 1 (2 < 4 batches) was not validated
    assert [steps.count(e) for e in range(3)] == [4, 2, 6]  # and epoch 2 was cut at 4
