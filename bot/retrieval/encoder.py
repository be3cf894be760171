"""Sentence embeddings from a small model that ships inside a registry package, behind one interface.

The model is WordLlama (`wordllama` on PyPI): static token embeddings taken from a large language model
and average-pooled, 16 MB of weights inside the wheel, under a millisecond a sentence on one core. It is
loaded from the installed package only; nothing is ever downloaded, and the weight file is checked
against the sha256 published for it in the pinned wheel's RECORD before it is used.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

# wordllama 0.4.0.post1's RECORD: wordllama/weights/l2_supercat_256.safetensors
# sha256=ZLR6LcSTy46FlEB2YBGJc5hS17ZODh7tyxk3olHNn9U (the same digest, in hex).
WORDLLAMA_WEIGHTS = "weights/l2_supercat_256.safetensors"
WORDLLAMA_SHA256 = "64b47a2dc493cb8e85944076601189739852d7b64e0e1eedcb1937a251cd9fd5"
WORDLLAMA_DIM = 256


class Encoder(Protocol):
    """Turns sentences into unit-length vectors whose dot product says how alike they mean."""

    name: str

    def encode(self, texts: Sequence[str]) -> Vectors: ...


class ModelError(RuntimeError):
    """The model is missing or its weights are not the published ones."""


class WordLlamaEncoder:
    def __init__(self, dimensions: int = WORDLLAMA_DIM) -> None:
        # Belt and braces: the hub client must not even try the network.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        # A message is a handful of short texts: the tokenizer's thread pool only adds latency.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        package = _package_dir("wordllama")
        verify_sha256(package / WORDLLAMA_WEIGHTS, WORDLLAMA_SHA256)
        from wordllama import WordLlama  # imported only once verified

        truncate = dimensions if dimensions < WORDLLAMA_DIM else None
        self._model = WordLlama.load(
            cache_dir=package, dim=WORDLLAMA_DIM, trunc_dim=truncate, disable_download=True
        )
        self.name = f"wordllama-{dimensions}"

    def encode(self, texts: Sequence[str]) -> Vectors:
        # An empty text pools to a zero vector, which its normalisation turns into NaN: make it zero,
        # alike to nothing.
        with np.errstate(invalid="ignore", divide="ignore"):
            vectors = self._model.embed(list(texts), norm=True)
        return np.nan_to_num(np.asarray(vectors, dtype=np.float32))


def verify_sha256(path: Path, expected: str) -> None:
    if not path.is_file():
        raise ModelError(f"model weights not found: {path}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != expected:
        raise ModelError(f"model weights {path.name} have sha256 {digest}, expected {expected}")


def _package_dir(name: str) -> Path:
    spec = find_spec(name)
    if spec is None or spec.origin is None:
        raise ModelError(f"the '{name}' package is not installed (pip install -e .)")
    return Path(spec.origin).parent
