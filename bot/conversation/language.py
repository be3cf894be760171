"""Is a message in a language the bot does not answer in?

py3langid (a maintained fork of langid.py: offline, a small bundled model, deterministic) restricted to
English and the languages the bot has a note for. A short or uncertain message counts as English: a
typo'd "thnaks" must never be told that the bot only speaks English.
"""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from bot.conversation.phrasings import words_of

ENGLISH = "en"
MIN_WORDS = 3  # fewer words say too little about their language
MIN_CONFIDENCE = 0.98  # of the normalised probability


class LanguageNotes:
    """Detects the language of a message among English and the `languages` with a note."""

    def __init__(self, languages: frozenset[str]) -> None:
        self.languages = languages

    def foreign(self, message: str) -> str | None:
        """The code of the other language the message is written in, or None for English."""
        if len(words_of(message).split()) < MIN_WORDS and not _non_latin(message):
            return None
        language, confidence = _identifier(self.languages).classify(message)
        if language == ENGLISH or confidence < MIN_CONFIDENCE:
            return None
        return str(language)


@cache
def _identifier(languages: frozenset[str]) -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(sorted({ENGLISH, *languages}))
    return identifier


def _non_latin(message: str) -> bool:
    """Letters outside the Latin script (Devanagari, ...): a language of its own even in one word."""
    return any(c.isalpha() and ord(c) > 0x24F for c in message)
