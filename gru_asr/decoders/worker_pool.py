"""Worker processes that run a decoder's ``decode_one`` over a batch of utterances.

flashlight decodes one utterance at a time in one thread and holds the GIL, so a
batch is spread over processes. They are forked once and kept: forking again, and
reloading the LM, for every batch would cost more than decoding a small one.

How a batch travels, and why:
- **Emissions** go through anonymous shared memory mapped before the fork, never
  through a pipe. Pickled emissions (~800 kB per 100 utterances) filled the pipe,
  and a worker waiting for its next task waited for the main process to be
  scheduled on cores the workers kept busy.
- **Work is claimed, not handed out.** A batch is announced to each worker with one
  message (the utterances' row offsets); workers then take runs of utterances from a
  counter in shared memory, each run a share of what is left, so runs shrink to
  single utterances at the end and no worker idles while another finishes a long
  run. Each worker sends all its results back in one message. With
  ``multiprocessing.Pool`` every task was a round trip through the pool's handler
  threads, and fewer, larger tasks left a worker idle at the end.
"""

from __future__ import annotations

import mmap
import multiprocessing as mp
import multiprocessing.connection
import os
import pickle
import signal
import time
import traceback
import weakref
from typing import Callable

import numpy as np

# What a worker runs per utterance: (T, V) float32 emissions in, a picklable value out
# (the decoders return their n-best as tuples).
DecodeFn = Callable[[np.ndarray], object]

_SHARES_PER_WORKER = 4  # a claim takes 1/(4 x workers) of what is left: few claims, short tails


def claim_size(remaining: int, num_workers: int) -> int:
    """Utterances a worker takes at once: a share of what is left, so early claims are
    long (few trips to the counter) and the last ones single utterances (short tails)."""
    return max(1, remaining // (_SHARES_PER_WORKER * num_workers))


class WorkerPool:
    """``num_workers`` forked processes, each calling ``decode(emissions)`` on the
    utterances it claims. ``capacity`` is the number of float32 values the shared memory
    holds. One batch at a time: ``map`` is not safe to call from two threads at once."""

    def __init__(self, decode: DecodeFn, num_workers: int, capacity: int, init: Callable[[], None] | None = None):
        if num_workers < 1:
            raise ValueError(f"a worker pool needs at least one worker, not {num_workers}")
        ctx = mp.get_context("fork")
        self.capacity = capacity
        self.num_workers = num_workers
        self._shared = mmap.mmap(-1, capacity * 4)
        self._next_unclaimed = ctx.Value("q", 0)  # index of the next utterance to claim (with its own lock)
        self._conns: list[mp.connection.Connection] = []
        self._procs: list[mp.process.BaseProcess] = []
        for _ in range(num_workers):
            parent, child = ctx.Pipe()
            # fork: the decoder, the shared memory and the counter are inherited, not pickled.
            proc = ctx.Process(target=_worker_main, daemon=True,
                               args=(decode, init, self._shared, self._next_unclaimed, child, num_workers))
            proc.start()
            child.close()
            self._conns.append(parent)
            self._procs.append(proc)
        # A pool dropped without close() still stops its workers (and unmaps its memory).
        self._finalizer = weakref.finalize(self, _shut_down, os.getpid(), self._conns, self._procs, self._shared)

    def map(self, items: list[np.ndarray]) -> list:
        """``decode(x)`` for every (T, V) float32 array, in order."""
        if self.closed:
            raise RuntimeError("this worker pool is closed")
        vocab = items[0].shape[1]
        offsets = np.cumsum([0] + [x.shape[0] for x in items]).tolist()
        if offsets[-1] * vocab > self.capacity:
            raise ValueError(f"batch needs {offsets[-1] * vocab} values, the shared memory holds {self.capacity}")
        joined = np.frombuffer(self._shared, dtype=np.float32, count=offsets[-1] * vocab).reshape(-1, vocab)
        np.concatenate(items, out=joined)
        del joined  # no view may outlive the map when it is closed
        with self._next_unclaimed.get_lock():
            self._next_unclaimed.value = 0
        try:
            for conn in self._conns:
                conn.send((vocab, offsets))
            results: list = [None] * len(items)
            received = 0
            waiting = list(self._conns)
            while waiting:
                ready = mp.connection.wait(waiting, timeout=1.0)
                if not ready and any(not p.is_alive() for p in self._procs):
                    raise RuntimeError(self._death_message())  # killed while decoding: no reply will come
                for conn in ready:
                    waiting.remove(conn)
                    status, payload = pickle.loads(conn.recv_bytes())
                    if status == "error":
                        raise RuntimeError(f"decoding worker failed:\n{payload}")
                    for index, value in payload:
                        results[index] = value
                    received += len(payload)
            if received != len(items):
                raise RuntimeError(f"workers decoded {received} utterances of {len(items)}")
            return results
        except (EOFError, OSError) as e:  # a pipe to a worker that is gone
            message = self._death_message()
            self.close()
            raise RuntimeError(message) from e
        except BaseException:
            # Workers may still hold work or unsent results: this pool cannot be reused.
            self.close()
            raise

    def _death_message(self) -> str:
        codes = [p.exitcode for p in self._procs if p.exitcode is not None]
        return f"a decoding worker died (exit codes {codes})"

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def close(self) -> None:
        self._finalizer()


def _shut_down(owner_pid: int, conns: list, procs: list, shared: mmap.mmap) -> None:
    if os.getpid() != owner_pid:
        return  # a forked child's copy of the pool: the workers are not its own
    for conn in conns:
        try:
            conn.send(None)
        except OSError:
            pass  # that worker is already gone; it is joined (or found dead) below
    deadline = time.monotonic() + 1.0  # one deadline for all: busy workers are then terminated
    for proc in procs:
        proc.join(timeout=max(0.0, deadline - time.monotonic()))
        if proc.is_alive():
            proc.terminate()
            proc.join()
    for conn in conns:
        conn.close()
    shared.close()


def _worker_main(decode: DecodeFn, init, shared: mmap.mmap, next_unclaimed, conn, num_workers: int) -> None:
    # Ctrl-C is the main process's to handle: it closes the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    init_error = None
    try:
        if init is not None:
            init()
    except Exception:
        init_error = traceback.format_exc()  # reported for every batch (e.g. an LM that does not load)
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            if init_error is not None:
                raise RuntimeError(f"the worker did not start:\n{init_error}")
            vocab, offsets = job
            n = len(offsets) - 1
            out = []
            joined = np.frombuffer(shared, dtype=np.float32, count=offsets[-1] * vocab).reshape(-1, vocab)
            while True:
                with next_unclaimed.get_lock():
                    start = next_unclaimed.value
                    stop = min(n, start + claim_size(n - start, num_workers))
                    next_unclaimed.value = stop
                if start >= n:
                    break
                for i in range(start, stop):
                    out.append((i, decode(joined[offsets[i] : offsets[i + 1]])))
            del joined
            reply = pickle.dumps(("ok", out), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            reply = pickle.dumps(("error", traceback.format_exc()))
        conn.send_bytes(reply)
