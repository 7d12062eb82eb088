"""Build the synthetic corpus: varied English sentences spoken by espeak-ng.

Voices are (accent, variant) pairs; whole voices and whole sentences are held
out, so the test split measures recognition of *unseen speakers saying unseen
sentences*. Every random choice is drawn in the parent process from one seeded
generator, so the corpus is identical for a seed whatever the worker count.
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import random
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from gru_asr.data.manifest import write_manifest

log = logging.getLogger(__name__)

# espeak-ng English voices (language + accent).
ACCENTS = ["en-US", "en", "en-GB-x-rp", "en-GB-scotland", "en-GB-x-gbclan", "en-GB-x-gbcwmd", "en-029", "en-US-nyc"]
# Voice variants shipped with espeak-ng that sound like plausible speakers
# (robotic, whispering and croaking variants are left out).
VARIANTS = ["", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5",
            "klatt", "klatt2", "klatt3", "Andy", "Annie", "adam", "david", "edward", "paul",
            "rob", "steph", "belinda", "linda", "travis", "max"]

SPLITS = ("train", "dev", "test")


@dataclass
class Utterance:
    id: str
    split: str
    text: str
    voice: str
    rate: int
    pitch: int
    pitch_range: int
    gain: float
    lead_silence: float
    trail_silence: float
    noise: str  # "", "white", "pink" or "brown"
    snr_db: float
    seed: int


@dataclass
class SynthConfig:
    hours: float = 1.5                  # training audio to generate (dev/test come on top)
    dev_fraction: float = 0.04
    test_fraction: float = 0.04
    test_voices: int = 16               # voices held out for test
    dev_voices: int = 8                 # voices held out for dev
    rate: tuple[int, int] = (140, 195)  # words per minute
    pitch: tuple[int, int] = (25, 75)
    pitch_range: tuple[int, int] = (30, 80)
    noise_prob: float = 0.5
    lm_sentences: int = 0               # extra generated sentences for LM training (never dev/test ones)
    snr_db: tuple[float, float] = (10.0, 35.0)
    sample_rate: int = 16000
    seed: int = 0


def all_voices() -> list[str]:
    return [a + (f"+{v}" if v else "") for a in ACCENTS for v in VARIANTS]


def split_voices(cfg: SynthConfig) -> dict[str, list[str]]:
    voices = all_voices()
    random.Random(cfg.seed + 7919).shuffle(voices)
    test = voices[: cfg.test_voices]
    dev = voices[cfg.test_voices : cfg.test_voices + cfg.dev_voices]
    return {"test": sorted(test), "dev": sorted(dev), "train": sorted(voices[cfg.test_voices + cfg.dev_voices :])}


def plan_corpus(cfg: SynthConfig, sentences: list[str] | None = None) -> list[Utterance]:
    """Decide every utterance (text, voice, prosody, noise) without synthesizing."""
    from gru_asr.synth.text_generator import SentenceGenerator

    rng = random.Random(cfg.seed)
    voices = split_voices(cfg)
    mean_rate = sum(cfg.rate) / 2
    target = {"train": cfg.hours * 3600}
    target["dev"] = target["train"] * cfg.dev_fraction
    target["test"] = target["train"] * cfg.test_fraction
    total_target = sum(target.values())
    if sentences is None:
        # Draw unique sentences until they cover the target with a margin.
        gen = SentenceGenerator(seed=cfg.seed)
        sentences, covered = [], 0.0
        while covered < total_target * 1.2 + 60:
            batch = gen.sentences(1000)
            sentences.extend(batch)
            covered += sum(estimated_seconds(s, mean_rate) for s in batch)
        sentences = list(dict.fromkeys(sentences))
    else:
        sentences = list(dict.fromkeys(s for s in sentences if s.strip()))
        rng.shuffle(sentences)

    plan: list[Utterance] = []
    pos = 0
    # Test and dev first so that their sentences never reach train.
    for split in ("test", "dev", "train"):
        seconds, n = 0.0, 0
        while seconds < target[split]:
            if pos >= len(sentences):
                if split == "train" and sentences:
                    # Each sentence is read once: more hours need more lines in --text.
                    log.warning("ran out of sentences: %.0f of %.0f s of train audio (estimated) from %d sentences; "
                                "give --text more sentences for these hours", seconds, target[split], len(sentences))
                break
            text = sentences[pos]
            pos += 1
            rate = rng.randint(*cfg.rate)
            noise = rng.choice(["white", "pink", "brown"]) if rng.random() < cfg.noise_prob else ""
            utt = Utterance(
                id=f"{split}-{n:06d}",
                split=split,
                text=text,
                voice=rng.choice(voices[split]),
                rate=rate,
                pitch=rng.randint(*cfg.pitch),
                pitch_range=rng.randint(*cfg.pitch_range),
                gain=round(rng.uniform(0.25, 0.95), 3),
                lead_silence=round(rng.uniform(0.05, 0.35), 3),
                trail_silence=round(rng.uniform(0.05, 0.35), 3),
                noise=noise,
                snr_db=round(rng.uniform(*cfg.snr_db), 2),
                seed=rng.randrange(1 << 31),
            )
            plan.append(utt)
            seconds += estimated_seconds(text, rate)
            n += 1
    return plan


def estimated_seconds(text: str, rate: float) -> float:
    """Duration of an utterance before synthesis (fitted on espeak-ng output:
    about 8.5 characters per second at 60 words per minute, plus the silences)."""
    return len(text) * 8.5 / rate + 0.58


_SYNTH = None


def _init_worker() -> None:
    global _SYNTH
    import torch

    from gru_asr.synth.espeak import EspeakSynthesizer

    # One thread per worker: the pool already uses every core, and forked
    # children that inherit a multi-threaded pool oversubscribe badly.
    torch.set_num_threads(1)
    # The parent may have a SIGTERM handler installed (e.g. a training run in the
    # same process): workers must still stop when the pool terminates them.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    _SYNTH = EspeakSynthesizer()


def render(utt: Utterance, sample_rate: int) -> np.ndarray:
    """Synthesize one planned utterance: speech, silence padding, gain, noise."""
    import torch

    from gru_asr.audio.resample import resample

    assert _SYNTH is not None
    wav = _SYNTH.synthesize(utt.text, utt.voice, utt.rate, utt.pitch, utt.pitch_range)
    wav = resample(torch.from_numpy(wav), _SYNTH.sample_rate, sample_rate).numpy()
    peak = float(np.abs(wav).max()) or 1.0
    wav = wav / peak * utt.gain
    rng = np.random.default_rng(utt.seed)
    wav = np.concatenate(
        [np.zeros(int(utt.lead_silence * sample_rate), np.float32), wav, np.zeros(int(utt.trail_silence * sample_rate), np.float32)]
    )
    if utt.noise:
        noise = colored_noise(utt.noise, len(wav), rng)
        speech_power = float(np.mean(wav**2)) + 1e-12
        noise *= np.sqrt(speech_power / (10 ** (utt.snr_db / 10)) / (float(np.mean(noise**2)) + 1e-12))
        wav = wav + noise
    return np.clip(wav, -1.0, 1.0).astype(np.float32)


def colored_noise(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """White, pink (1/f) or brown (1/f^2) noise by shaping a white spectrum."""
    white = rng.standard_normal(n).astype(np.float32)
    if kind == "white":
        return white
    spec = np.fft.rfft(white)
    f = np.arange(len(spec), dtype=np.float64)
    f[0] = 1.0
    spec /= np.sqrt(f) if kind == "pink" else f
    return np.fft.irfft(spec, n).astype(np.float32)


def _render_and_write(args: tuple[Utterance, str, int]) -> tuple[str, float]:
    utt, path, sample_rate = args
    wav = render(utt, sample_rate)
    sf.write(path, wav, sample_rate, subtype="PCM_16")
    return utt.id, len(wav) / sample_rate


def sentences_from_lines(lines: list[str]) -> list[str]:
    """``--text``: one sentence per line, reduced to the transcript alphabet; lines
    left empty by that are dropped."""
    from gru_asr.synth.text_generator import normalize_spoken

    return [s for s in (normalize_spoken(x) for x in lines) if s]


def existing_corpus_file(out_dir: str | Path) -> Path | None:
    """The first file of a corpus that ``out_dir`` already holds (a manifest, the LM
    text or corpus.json), or None: ``gru-asr synth`` replaces them only when asked."""
    out = Path(out_dir)
    for name in ("corpus.json", *(f"{s}.jsonl" for s in SPLITS), "lm_text.txt"):
        if (out / name).exists():
            return out / name
    return None


def build_corpus(
    out_dir: str | Path,
    cfg: SynthConfig | None = None,
    sentences: list[str] | None = None,
    workers: int | None = None,
) -> dict:
    """Synthesize the corpus into ``out_dir``: ``wav/<split>/*.wav`` and
    ``<split>.jsonl`` manifests, plus ``corpus.json`` describing it."""
    cfg = cfg or SynthConfig()
    out = Path(out_dir)
    plan = plan_corpus(cfg, sentences)
    for split in SPLITS:
        (out / "wav" / split).mkdir(parents=True, exist_ok=True)
    jobs = [(u, str(out / "wav" / u.split / f"{u.id}.wav"), cfg.sample_rate) for u in plan]
    workers = workers or min(mp.cpu_count(), 8)
    t0 = time.time()
    if workers > 1:
        pool = mp.get_context("fork").Pool(workers, initializer=_init_worker)
        finished = False
        try:
            durations = dict(pool.imap_unordered(_render_and_write, jobs, chunksize=16))
            finished = True
        finally:
            # After a full run, close() lets the workers exit on their own;
            # terminate() can leave one blocked on the task queue's lock.
            pool.close() if finished else pool.terminate()
            pool.join()
    else:
        _init_worker()
        durations = dict(map(_render_and_write, jobs))
    elapsed = time.time() - t0
    stats = {}
    for split in SPLITS:
        entries = [
            {"id": u.id, "audio": str(out / "wav" / split / f"{u.id}.wav"), "duration": round(durations[u.id], 3),
             "text": u.text, "speaker": u.voice}
            for u in plan if u.split == split
        ]
        write_manifest(out / f"{split}.jsonl", entries)
        stats[split] = {"utterances": len(entries), "hours": round(sum(e["duration"] for e in entries) / 3600, 3)}
    audio_seconds = sum(durations.values())
    summary = {
        "config": asdict(cfg),
        "voices": split_voices(cfg),
        "splits": stats,
        "synthesis_seconds": round(elapsed, 2),
        "realtime_factor": round(audio_seconds / max(elapsed, 1e-9), 1),
        "workers": workers,
    }
    if cfg.lm_sentences > 0:
        summary["lm_text"] = str(write_lm_text(out / "lm_text.txt", plan, cfg))
    (out / "corpus.json").write_text(json.dumps(summary, indent=2))
    return summary


def write_lm_text(path: Path, plan: list[Utterance], cfg: SynthConfig) -> Path:
    """Text for an n-gram LM: the training transcripts plus fresh generated
    sentences, with every dev and test sentence removed."""
    from gru_asr.synth.text_generator import SentenceGenerator

    held_out = {u.text for u in plan if u.split != "train"}
    extra = SentenceGenerator(seed=cfg.seed + 104729).sentences(cfg.lm_sentences)
    lines = [u.text for u in plan if u.split == "train"] + [s for s in extra if s not in held_out]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
