"""The decoders' worker pool: every utterance decoded once, in order; failures surface."""

import functools
import gc
import multiprocessing as mp
import os
import signal

import numpy as np
import pytest

from gru_asr.decoders.worker_pool import WorkerPool, claim_size


def describe(emissions: np.ndarray) -> tuple:
    # What a worker saw: its frames, the first value and the process that decoded it.
    return emissions.shape[0], float(emissions[0, 0]), os.getpid()


_met = False


def describe_after_meeting(barrier, emissions: np.ndarray) -> tuple:
    # A worker's first utterance waits for the other worker's first one: the batch is
    # only decoded if both workers take part.
    global _met
    if not _met:
        barrier.wait()
        _met = True
    return describe(emissions)


def fail_on_seven_frames(emissions: np.ndarray) -> int:
    if emissions.shape[0] == 7:
        raise ValueError("seven frames")
    return emissions.shape[0]


def die_on_seven_frames(emissions: np.ndarray) -> int:
    if emissions.shape[0] == 7:
        os.kill(os.getpid(), signal.SIGKILL)
    return emissions.shape[0]


def failing_init() -> None:
    raise OSError("no such LM")


def test_every_utterance_is_decoded_once_in_order_by_the_same_workers():
    rng = np.random.default_rng(0)
    items = [rng.standard_normal((int(t), 5)).astype(np.float32) for t in rng.integers(1, 40, size=200)]
    pool = WorkerPool(describe, num_workers=2, capacity=sum(x.size for x in items))
    try:
        pids = set()
        for batch in (items, items[:1], items[50:53]):
            got = pool.map(batch)
            assert [(n, v) for n, v, _ in got] == [(x.shape[0], float(x[0, 0])) for x in batch]
            pids |= {pid for _, _, pid in got}
        with pytest.raises(ValueError, match="shared memory holds"):
            pool.map(items + items)
        assert [n for n, _, _ in pool.map(items[:5])] == [x.shape[0] for x in items[:5]]  # still usable
        assert os.getpid() not in pids and pids <= {p.pid for p in pool._procs}
    finally:
        pool.close()
    assert pool.closed


def test_both_workers_take_part_in_a_batch():
    barrier = mp.get_context("fork").Barrier(2, timeout=20)
    items = [np.full((4, 3), i, np.float32) for i in range(60)]
    pool = WorkerPool(functools.partial(describe_after_meeting, barrier), num_workers=2, capacity=1000)
    try:
        got = pool.map(items)
    finally:
        pool.close()
    assert [v for _, v, _ in got] == list(range(60))
    assert len({pid for _, _, pid in got}) == 2


def test_claims_shrink_to_single_utterances():
    sizes, left = [], 843
    while left:
        sizes.append(claim_size(left, 2))
        left -= sizes[-1]
    assert sizes[0] == 843 // 8 and sizes == sorted(sizes, reverse=True) and sizes[-4:] == [1, 1, 1, 1]
    assert len(sizes) < 60  # few trips to the shared counter


def test_a_worker_error_is_raised_with_its_traceback_and_closes_the_pool():
    items = [np.zeros((n, 3), np.float32) for n in (3, 7, 4)]
    pool = WorkerPool(fail_on_seven_frames, num_workers=2, capacity=100)
    with pytest.raises(RuntimeError, match="seven frames"):
        pool.map(items)
    assert pool.closed
    with pytest.raises(RuntimeError, match="closed"):
        pool.map(items)


def test_a_worker_killed_while_decoding_is_reported_not_waited_for():
    pool = WorkerPool(die_on_seven_frames, num_workers=2, capacity=100)
    with pytest.raises(RuntimeError, match="died"):
        pool.map([np.zeros((n, 3), np.float32) for n in (3, 7, 4)])
    assert pool.closed


def test_a_worker_killed_between_batches_is_reported():
    pool = WorkerPool(describe, num_workers=2, capacity=100)
    pool._procs[0].kill()
    pool._procs[0].join()
    with pytest.raises(RuntimeError, match="died"):
        pool.map([np.zeros((2, 3), np.float32)] * 2)
    assert pool.closed


def test_a_worker_that_could_not_start_reports_why():
    pool = WorkerPool(describe, num_workers=2, capacity=100, init=failing_init)
    with pytest.raises(RuntimeError, match="no such LM"):
        pool.map([np.zeros((2, 3), np.float32)] * 2)
    assert pool.closed


def test_a_dropped_pool_stops_its_workers():
    pool = WorkerPool(describe, num_workers=2, capacity=100)
    procs = list(pool._procs)
    del pool
    gc.collect()
    for proc in procs:
        proc.join(timeout=5)
        assert proc.exitcode == 0


def test_a_forked_child_dropping_its_copy_leaves_the_workers_alone():
    pool = WorkerPool(describe, num_workers=2, capacity=100)
    try:
        child = os.fork()
        if child == 0:  # the child's copy of the pool is collected, then it exits normally
            pool.close()
            os._exit(0)
        os.waitpid(child, 0)
        assert [n for n, _, _ in pool.map([np.zeros((2, 3), np.float32)] * 3)] == [2, 2, 2]
    finally:
        pool.close()
