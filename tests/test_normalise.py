"""Normalisation: the same words compare equal however a phone typed them."""

from __future__ import annotations

from bot.normalise import Synonyms, fold, normalise, plain_words


def test_curly_quotes_and_invisible_characters_are_folded() -> None:
    assert fold("I CAN\u2019T\u200b sleep") == "i can't sleep"
    assert fold("ﬁne\u00a0now") == "fine now"  # NFKC: ligature and no-break space


def test_plain_words_drop_punctuation_and_emoji_but_keep_apostrophes() -> None:
    assert plain_words("Dry lips?!! 😩 don't... 'help'") == ["dry", "lips", "don't", "help"]


def test_synonyms_rewrite_whole_words_longest_first() -> None:
    synonyms = Synonyms(
        {"tane": "isotretinoin", "round 2": "second course", "derm": "dermatologist"}
    )
    assert normalise("Round 2 of TANE, ask my derm?", synonyms) == (
        "second course of isotretinoin ask my dermatologist"
    )
    assert normalise("octane dermal", synonyms) == "octane dermal"
