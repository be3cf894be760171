"""The second look: a message the lexicon found nothing in, compared by meaning with example messages.

The lexicon (knowledge/safety.yaml) is the floor: deterministic, explainable, and blind to wording it has
never seen. Behind it, each sentence of a message (and the message whole) is compared with crisis
examples and calm ones (knowledge/safety-examples.yaml, plus every question the bot answers); a sentence
that is much nearer a crisis example than anything calm gets the soft check-in, never the answer alone.
It reads the writer's words only, never emoji (an emoji alone never makes a crisis: "day 100!! 💊🎉"), and
stays quiet where the lexicon recognised a look-alike ("dying of laughter") and on sentences too short to
mean much. The sentence model is passed in, so this package imports none.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.content import ContentError, Fields, read_yaml
from bot.safety.lexicon import Lexicon
from bot.safety.phrases import Document
from bot.safety.replies import REPLY_KINDS
from bot.safety.words import PUNCTUATION

CRISIS = "crisis"
CALM = "calm"
SETTINGS_FIELDS = ("reply", "margin", "similarity", "min_words")
# Sentences read, at most: the first and last halves of a longer post (the work stays bounded; a story
# usually opens or closes with what matters).
MAX_SENTENCES = 24

# Texts -> for each text, each group's score (0-100): the cosine of the group's nearest example.
Rank = Callable[[Sequence[str]], list[dict[str, float]]]
MakeIndex = Callable[[Mapping[str, Sequence[str]]], Rank]


@dataclass(frozen=True)
class Examples:
    crisis: tuple[str, ...]
    calm: tuple[str, ...]
    reply: str  # the reply kind a flagged message leads with
    margin: float  # how much nearer a crisis example than any calm one
    similarity: float  # how near a crisis example, at least
    min_words: int  # a sentence with fewer words is not read


def load_examples(path: Path) -> Examples:
    fields = Fields(read_yaml(path), path)
    fields.reject_unknown(("second_look", CRISIS, CALM))
    settings = Fields(fields.data.get("second_look"), path, entry="second_look")
    settings.reject_unknown(SETTINGS_FIELDS)
    reply = settings.text("reply")
    if reply not in REPLY_KINDS:
        raise ContentError(path, f"unknown reply '{reply}'", entry="second_look", field="reply")
    return Examples(
        crisis=fields.text_list(CRISIS),
        calm=fields.text_list(CALM),
        reply=reply,
        margin=settings.score("margin"),
        similarity=settings.score("similarity"),
        min_words=int(settings.score("min_words")),
    )


class SecondLook:
    def __init__(
        self,
        examples: Examples,
        more_calm: Sequence[str],
        lexicon: Lexicon,
        make_index: MakeIndex,
    ) -> None:
        """`more_calm`: the knowledge base's questions and small talk, calm by definition."""
        self._examples = examples
        self._lexicon = lexicon

        def prepared(texts: Sequence[str]) -> list[str]:
            return [_whole(lexicon.read(_without_emoji(text))) for text in texts]

        self._rank = make_index(
            {CRISIS: prepared(examples.crisis), CALM: prepared([*examples.calm, *more_calm])}
        )

    @property
    def reply(self) -> str:
        return self._examples.reply

    def concerned(self, message: str, document: Document) -> bool:
        """Whether a sentence of the message (or the whole) reads as a crisis rather than calm.
        `document` is the message as the lexicon read it; it is read again without its emoji."""
        words_only = _without_emoji(message)
        if words_only != message:
            document = self._lexicon.read(words_only)
        texts = [t for t in _sentences(document) if len(t.split()) >= self._examples.min_words]
        if not texts or self._lexicon.exceptions.spans(document):  # an idiom: the lexicon's call
            return False
        examples = self._examples
        return any(
            scores[CRISIS] >= examples.similarity
            and scores[CRISIS] - scores[CALM] >= examples.margin
            for scores in self._rank(texts)
        )


def _without_emoji(text: str) -> str:
    return "".join(char for char in text if unicodedata.category(char) != "So")


def _whole(document: Document) -> str:
    return " ".join(word for word in document.words if _is_word(word))


def _sentences(document: Document) -> list[str]:
    """The whole message, then each of its sentences when it has several (one pass over the words)."""
    sentences: dict[int, list[str]] = {}
    for word, index in zip(document.words, document.sentence, strict=True):
        if _is_word(word):
            sentences.setdefault(index, []).append(word)
    parts = [" ".join(words) for words in sentences.values()]
    whole = " ".join(parts)
    if len(parts) < 2:
        return [whole]
    if len(parts) > MAX_SENTENCES:
        half = MAX_SENTENCES // 2
        parts = parts[:half] + parts[-half:]
    return list(dict.fromkeys([whole, *parts]))


def _is_word(word: str) -> bool:
    return word not in PUNCTUATION and any(char.isalpha() for char in word)
