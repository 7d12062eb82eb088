"""Corpus preparation: each corpus's own on-disk layout -> JSONL manifests.

``PREPARERS`` maps a corpus name to ``prepare(root, out_dir, **options) -> {split: manifest path}``;
``gru-asr prepare <corpus>`` offers exactly these names.
"""

from gru_asr.corpora.an4 import prepare_an4
from gru_asr.corpora.commonvoice import prepare_commonvoice
from gru_asr.corpora.librispeech import prepare_librispeech
from gru_asr.corpora.ljspeech import prepare_ljspeech
from gru_asr.corpora.tedlium import prepare_tedlium3

PREPARERS = {
    "an4": prepare_an4,
    "librispeech": prepare_librispeech,
    "commonvoice": prepare_commonvoice,
    "ljspeech": prepare_ljspeech,
    "tedlium3": prepare_tedlium3,
}

__all__ = ["PREPARERS", "prepare_an4", "prepare_commonvoice", "prepare_librispeech", "prepare_ljspeech", "prepare_tedlium3"]
