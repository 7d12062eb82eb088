"""Fuzz the readers of untrusted input for a bounded time.

    .venv/bin/python tools/fuzz/fuzz.py --seconds 60            # every target, 60 s each
    .venv/bin/python tools/fuzz/fuzz.py --seconds 5 --targets audio,package
    .venv/bin/python tools/fuzz/fuzz.py --engine random          # without atheris

Targets (``tools/fuzz/targets.py``): the audio loader, the JSONL/NeMo/Kaldi
manifest readers, the transcript normalizer and the model-package reader. Each
documents one exception type (``AudioError``, ``ManifestError``, none,
``PackageError``); any other exception is *unexpected* and its input is saved
under ``--crashes`` (default ``fuzz_crashes/``) with the traceback.

Engines: ``atheris`` (coverage-guided libFuzzer over the instrumented gru_asr
code; ``pip install -e '.[fuzz]'``, Linux x86-64) or ``random`` (seeded random
mutations of the seed inputs; no coverage feedback, any platform). ``auto``
takes atheris when it is installed. Every target runs in its own process, so a
hard crash or a hang in one (libsndfile, safetensors) is reported, not fatal.

The last lines printed are one ``fuzz <target>: iterations=N unexpected=K`` per
target and ``fuzz_total: iterations=N unexpected=K``; the exit status is 1 if
anything unexpected happened.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TARGETS = ["audio", "manifest_jsonl", "manifest_nemo", "manifest_kaldi", "normalizer", "package"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=30.0, help="fuzzing time per target (default 30)")
    ap.add_argument("--targets", default=",".join(TARGETS), help=f"comma-separated subset of {','.join(TARGETS)}")
    ap.add_argument("--engine", choices=["auto", "atheris", "random"], default="auto")
    ap.add_argument("--crashes", default="fuzz_crashes", help="folder for inputs that raised unexpectedly")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random engine")
    ap.add_argument("--child", help=argparse.SUPPRESS)  # internal: run one target in this process
    ap.add_argument("--stats", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return run_child(args)

    engine = args.engine
    if engine == "auto":
        engine = "atheris" if _has_atheris() else "random"
    names = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(names) - set(TARGETS)
    if unknown:
        ap.error(f"unknown target(s) {sorted(unknown)}; choose from {TARGETS}")
    print(f"engine: {engine}" + ("" if engine == "atheris" else " (seeded random mutation, no coverage feedback)"))
    results = {}
    for name in names:
        results[name] = run_target_process(name, engine, args)
        r = results[name]
        print(f"  {name}: {r['iterations']} inputs in {r['seconds']:.1f} s, {r['expected']} refused with the "
              f"documented error, {r['unexpected']} unexpected{', ' + r['problem'] if r.get('problem') else ''}",
              flush=True)
    total_it = sum(r["iterations"] for r in results.values())
    total_bad = sum(r["unexpected"] + (1 if r.get("problem") else 0) for r in results.values())
    for name, r in results.items():
        print(f"fuzz {name}: iterations={r['iterations']} unexpected={r['unexpected'] + (1 if r.get('problem') else 0)}")
    print(f"fuzz_total: iterations={total_it} unexpected={total_bad}")
    return 1 if total_bad else 0


def run_target_process(name: str, engine: str, args) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        stats = Path(tmp) / "stats.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--engine", engine,
               "--seconds", str(args.seconds), "--crashes", str(args.crashes), "--seed", str(args.seed),
               "--stats", str(stats)]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        try:
            # imports, seeds and instrumentation take a while before the clock starts
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=args.seconds * 2 + 180)
            status, tail = proc.returncode, (proc.stdout + proc.stderr)[-1500:]
        except subprocess.TimeoutExpired:
            status, tail = None, "timed out"
        result = json.loads(stats.read_text()) if stats.is_file() else {"iterations": 0, "expected": 0, "unexpected": 0, "seconds": 0.0}
        if status != 0 or not result.get("finished"):
            result["problem"] = f"the fuzzing process ended abnormally (status {status}): {tail.strip()[-600:]}"
        return result


# --------------------------------------------------------------------------- child
class Stats:
    def __init__(self, path: str, crashes: Path, target):
        self.path, self.crashes, self.target = path, crashes, target
        self.iterations = self.expected = self.unexpected = 0
        self.start = time.monotonic()
        self.last_write = 0.0
        self.saved: dict[str, int] = {}

    def one_input(self, data: bytes) -> None:
        self.iterations += 1
        try:
            self.target.run(data)
        except self.target.allowed:
            self.expected += 1
        except Exception as err:  # noqa: BLE001 - the point: anything undocumented is recorded
            self.unexpected += 1
            self._save_crash(data, err)
        now = time.monotonic()
        if now - self.last_write > 1.0:
            self.write()
            self.last_write = now

    def _save_crash(self, data: bytes, err: Exception) -> None:
        # A few examples of each exception type are enough to reproduce it.
        kind = type(err).__name__
        self.saved[kind] = self.saved.get(kind, 0) + 1
        if self.saved[kind] > 10:
            return
        self.crashes.mkdir(parents=True, exist_ok=True)
        import hashlib

        stem = self.crashes / f"{self.target.name}-{type(err).__name__}-{hashlib.sha1(data).hexdigest()[:12]}"
        stem.with_suffix(".bin").write_bytes(data)
        stem.with_suffix(".txt").write_text("".join(traceback.format_exception(err)))

    def write(self, finished: bool = False) -> None:
        Path(self.path).write_text(json.dumps({
            "iterations": self.iterations, "expected": self.expected, "unexpected": self.unexpected,
            "seconds": round(time.monotonic() - self.start, 2), "finished": finished,
        }))


def run_child(args) -> int:
    sys.path.insert(0, str(HERE))
    if args.engine == "atheris":
        import atheris

        # Coverage feedback from gru_asr's own code (not torch or numpy).
        with atheris.instrument_imports(include=["gru_asr", "targets"]):
            import targets

            targets.preload()
    else:
        import targets
    target = targets.all_targets()[args.child]
    seeds = target.seeds()
    stats = Stats(args.stats, Path(args.crashes), target)
    for seed in seeds:  # the seeds themselves must pass
        stats.one_input(seed)
    deadline = time.monotonic() + args.seconds
    stats.start = time.monotonic()

    if args.engine == "atheris":
        import atheris

        corpus = Path(tempfile.mkdtemp(prefix=f"fuzz_corpus_{target.name}_"))
        for i, seed in enumerate(seeds):
            (corpus / f"seed{i}").write_bytes(seed)

        def test_one_input(data: bytes) -> None:
            if time.monotonic() > deadline:
                stats.write(finished=True)
                os._exit(0)  # libFuzzer has no clean stop; the counts are written
            stats.one_input(data)

        max_len = max(4096, max(len(s) for s in seeds) * 2)
        atheris.Setup([sys.argv[0], f"-max_len={max_len}", "-timeout=30", "-rss_limit_mb=4096",
                       f"-seed={args.seed + 1}", str(corpus)], test_one_input)
        atheris.Fuzz()
        stats.write(finished=True)  # reached only if libFuzzer stops by itself
        return 0

    rng = random.Random(args.seed)
    pool = list(seeds)
    while time.monotonic() < deadline:
        stats.one_input(mutate(rng, rng.choice(pool), pool))
    stats.write(finished=True)
    return 0


def mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    """A few random byte-level edits, like libFuzzer's mutators without coverage."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(7)
        pos = rng.randrange(len(out) + 1)
        if op == 0 and out:  # flip a bit
            out[min(pos, len(out) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:  # delete a run
            del out[pos : pos + rng.randint(1, 256)]
        elif op == 2:  # insert random bytes
            out[pos:pos] = rng.randbytes(rng.randint(1, 32))
        elif op == 3:  # overwrite with an "interesting" integer
            value = rng.choice([0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 2**63 - 1])
            out[pos : pos + 4] = (value & 0xFFFFFFFF).to_bytes(4, "little")
        elif op == 4:  # truncate
            del out[pos:]
        elif op == 5 and pool:  # splice with another input
            other = rng.choice(pool)
            cut = rng.randrange(len(other) + 1)
            out[pos:] = other[cut:]
        else:  # duplicate a chunk
            chunk = out[pos : pos + rng.randint(1, 64)]
            out[pos:pos] = chunk
    return bytes(out)


def _has_atheris() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
