"""Corpus preparation: each corpus's own on-disk layout -> JSONL manifests.

``PREPARERS`` maps a corpus name to ``prepare(root, out_dir, **options) -> {split: manifest path}``.
"""

from gru_asr.corpora.an4 import prepare_an4
from gru_asr.corpora.commonvoice import prepare_commonvoice
from gru_asr.corpora.librispeech import prepare_librispeech

PREPARERS = {
    "an4": prepare_an4,
    "librispeech": prepare_librispeech,
    "commonvoice": prepare_commonvoice,
}

__all__ = ["PREPARERS", "prepare_an4", "prepare_commonvoice", "prepare_librispeech"]
