"""What goes into the wheel. Everything else about the project is in pyproject.toml.

The repository keeps Hydra's configs in the top-level ``conf/`` that users know from the
layout; the wheel carries the same folder as package data ``gru_asr/conf`` so that an
installed (non-editable) gru_asr trains with no checkout and no environment variable.
``gru_asr/pretrained/english_small`` is the built-in model, which `gru-asr transcribe` uses
when no --model is given.
``hydra_plugins/`` is a namespace package Hydra scans for search-path plugins.
"""

from setuptools import find_namespace_packages, find_packages, setup

setup(
    packages=[
        *find_packages(include=["gru_asr", "gru_asr.*"]),
        "gru_asr.conf",
        *find_namespace_packages(include=["hydra_plugins", "hydra_plugins.*"]),
    ],
    package_dir={"gru_asr.conf": "conf"},
    package_data={
        "gru_asr.conf": ["*.yaml", "*/*.yaml"],
        "gru_asr.synth": ["data/*.md", "data/*.txt", "data/*/*.txt"],
        # The built-in English model (gru_asr/pretrained/__init__.py): about 38 MB.
        "gru_asr.pretrained": ["english_small/*"],
    },
)
