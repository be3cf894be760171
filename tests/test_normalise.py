"""Normalisation: the same words compare equal however a phone typed them."""

from __future__ import annotations

import pytest

from bot.normalise import (
    MAX_EXPANSION,
    Synonyms,
    fold,
    normalise,
    plain_words,
)
from bot.testing.adversarial import GENERATORS, MAX_MESSAGE_LENGTH, adversarial_messages


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


def test_nfkc_grows_no_message_more_than_a_few_times() -> None:
    """U+FDFA alone would turn a 4 096-character message into 73 728 characters to match."""
    crafted = "\ufdfa\ufdfb\u2487\u337f" * 1024
    assert len(fold(crafted)) <= MAX_EXPANSION * len(crafted)
    assert fold("\ufb03ne \u2487") == "ffine (20)"  # ligatures and the like still fold


def test_the_crafted_messages_are_as_long_as_telegram_allows_and_no_longer() -> None:
    crafted = adversarial_messages(["lips", "dryness", "course"], per_generator=2)
    assert set(crafted) == set(GENERATORS)
    assert len(set(crafted["distinct typos"])) == 2  # fresh: no cache can hide the cost
    for messages in crafted.values():
        for message in messages:
            assert len(message.encode("utf-16-le")) // 2 <= MAX_MESSAGE_LENGTH


def test_the_character_tables_stay_bounded_whatever_characters_arrive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Messages of ever new code points must not grow folding's remembered tables without bound."""
    from bot import normalise as module

    monkeypatch.setattr(module._CharacterTable, "REMEMBERED", 100)
    table = module._CharacterTable(module._visible)
    text = "".join(chr(code) for code in range(0x4E00, 0x4E00 + 1000))  # 1000 CJK characters
    assert text.translate(table) == text
    assert len(table) == 100
