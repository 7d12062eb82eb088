import logging
import random

import pytest

from gru_asr.data.sampler import DurationBatchSampler


def durations(n=203, seed=0):
    rng = random.Random(seed)
    return [round(rng.uniform(0.5, 15.0), 2) for _ in range(n)]


def test_batches_respect_padded_seconds_and_cover_everything_once():
    d = durations()
    s = DurationBatchSampler(d, max_seconds=40.0, num_buckets=5, seed=3)
    batches = list(s)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(d)))
    for b in batches:
        assert max(d[i] for i in b) * len(b) <= 40.0 or len(b) == 1


def test_bucketing_reduces_padding_against_random_batches():
    d = durations(1000)
    s = DurationBatchSampler(d, max_seconds=60.0, num_buckets=10, seed=0)
    padded = sum(max(d[i] for i in b) * len(b) for b in s)
    assert padded / sum(d) < 1.25  # little compute goes into padding


def test_epochs_reshuffle_deterministically():
    d = durations()
    a = DurationBatchSampler(d, 40.0, seed=1)
    b = DurationBatchSampler(d, 40.0, seed=1)
    assert list(a) == list(b)
    e0 = list(a)
    a.set_epoch(1)
    assert list(a) != e0


def test_sortagrad_first_epoch_is_shortest_first():
    d = durations()
    s = DurationBatchSampler(d, 40.0, seed=1, sortagrad=True)
    longest = [max(d[i] for i in b) for b in s]
    assert longest == sorted(longest)
    s.set_epoch(1)
    assert [max(d[i] for i in b) for b in s] != sorted(longest)


@pytest.mark.parametrize("world", [2, 3])
def test_ranks_get_disjoint_equal_batches_with_nothing_lost(world):
    d = durations(101)
    ranks = [DurationBatchSampler(d, 37.0, seed=5, world_size=world, rank=r) for r in range(world)]
    per_rank = [list(s) for s in ranks]
    assert len({len(b) for b in per_rank}) == 1
    flat = [i for batches in per_rank for b in batches for i in b]
    assert sorted(flat) == list(range(len(d)))  # disjoint, complete


def test_resume_mid_epoch_gives_identical_remaining_batches():
    d = durations()
    ref = DurationBatchSampler(d, 40.0, seed=9)
    ref.set_epoch(2)
    full = list(ref)
    run = DurationBatchSampler(d, 40.0, seed=9)
    run.set_epoch(2)
    it = iter(run)
    seen = [next(it) for _ in range(5)]
    state = run.state_dict(batches_consumed=5)
    resumed = DurationBatchSampler(d, 40.0, seed=0)
    resumed.load_state_dict(state)
    assert seen + list(resumed) == full
    # the epoch after the resumed one starts from its beginning
    resumed.set_epoch(3)
    ref.set_epoch(3)
    assert list(resumed) == list(ref)


def test_tiny_eval_set_is_padded_so_every_rank_gets_a_batch():
    ranks = [DurationBatchSampler([2.0], 10.0, shuffle=False, world_size=2, rank=r) for r in range(2)]
    assert [list(s) for s in ranks] == [[[0]], [[0]]]
    with pytest.raises(ValueError, match="cannot make equally many batches"):
        list(DurationBatchSampler([2.0], 10.0, shuffle=True, world_size=2, rank=0))


def test_a_resume_with_another_number_of_ranks_restarts_the_epoch(caplog):
    d = durations()
    state = DurationBatchSampler(d, 40.0, seed=9, world_size=2).state_dict(batches_consumed=3)
    assert state == {"epoch": 0, "batches_consumed": 3, "seed": 9, "world_size": 2}  # the format every source saves
    single = DurationBatchSampler(d, 40.0, seed=0)
    with caplog.at_level(logging.WARNING, logger="gru_asr.data.batch_plan"):
        single.load_state_dict(state)
    assert "restarts from its first batch" in caplog.text
    assert list(single) == DurationBatchSampler(d, 40.0, seed=9).rank_batches()
