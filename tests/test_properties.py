"""Whatever a patient sends, the core answers with a message Telegram will accept.

Property-based (hypothesis): any Unicode text, including lone surrogates, control and zero-width
characters, right-to-left scripts, emoji and markup look-alikes, in a chat with any region setting.
The reply never raises, ends with the disclaimer, is valid Telegram HTML and fits the message limit
once split. The runs are derandomised so the suite is deterministic and quick.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.render import MAX_MESSAGE_LENGTH, escape, split_message, visible_length
from bot.reply import ChatSettings, Kind, Reply, Responder
from bot.safety import Tier, triage

# Tags replies may use, with the attributes each may carry (Telegram accepts more; we use these).
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "i": frozenset(),
    "a": frozenset({"href"}),
}

_ENTITY = r"&(?:amp|lt|gt|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});"
_TAG = rf'<(?P<close>/?)(?P<name>[a-z-]+)(?P<attrs>(?:\s+[a-z-]+="(?:[^"<>&]|{_ENTITY})*")*)\s*>'
_MARKUP = re.compile(rf"{_TAG}|(?P<entity>{_ENTITY})|[<>&]")
_ATTRIBUTE_NAME = re.compile(r'([a-z-]+)="')


def telegram_html_errors(markup: str) -> list[str]:
    """Why Telegram's HTML parse mode would reject `markup` (empty when it would accept it).

    Every `<`, `>` and `&` must belong to an allowed tag or an entity (`&amp;`, `&lt;`, `&gt;`,
    `&quot;`, numeric); tags must be properly nested and closed; the text must encode as UTF-8.
    """
    errors: list[str] = []
    open_tags: list[str] = []
    for match in _MARKUP.finditer(markup):
        where = f"at {match.start()}: {markup[max(match.start() - 15, 0) : match.end() + 15]!r}"
        if match.group("entity"):
            errors.extend(_numeric_entity_errors(match.group("entity"), where))
        elif match.group("name") is None:
            errors.append(f"raw {match.group()!r} {where}")
        else:
            errors.extend(_tag_errors(match, open_tags, where))
    errors.extend(f"<{name}> never closed" for name in open_tags)
    try:
        markup.encode("utf-8")
    except UnicodeEncodeError as error:
        errors.append(f"not UTF-8 encodable: {error}")
    return errors


def _numeric_entity_errors(entity: str, where: str) -> list[str]:
    if not entity.startswith("&#"):
        return []
    digits = entity[2:-1]
    value = int(digits[1:], 16) if digits[0] in "xX" else int(digits)
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF or value == 0:
        return [f"entity {entity} is not a character {where}"]
    return []


def _tag_errors(match: re.Match[str], open_tags: list[str], where: str) -> list[str]:
    name, attributes = match.group("name"), _ATTRIBUTE_NAME.findall(match.group("attrs"))
    if name not in ALLOWED_TAGS:
        return [f"tag <{name}> not allowed {where}"]
    if match.group("close"):
        if attributes:
            return [f"closing tag with attributes {where}"]
        if not open_tags or open_tags[-1] != name:
            return [f"</{name}> does not close the innermost open tag {where}"]
        open_tags.pop()
        return []
    unknown = set(attributes) - ALLOWED_TAGS[name]
    open_tags.append(name)
    return [f"attribute(s) {sorted(unknown)} not allowed on <{name}> {where}"] if unknown else []


@pytest.mark.parametrize(
    "markup",
    [
        "plain",
        "<b>bold</b> &amp; <i>it&#233;&#x1F642;</i>",
        '<a href="tel:+441234">call</a> &lt;3 &gt; &quot;',
        "",
    ],
)
def test_validator_accepts_telegram_html(markup: str) -> None:
    assert telegram_html_errors(markup) == []


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        "a & b",
        "1 < 2",
        "3 > 2",
        "<b>open",
        "close</b>",
        "<b><i>crossed</b></i>",
        "&nbsp;",
        "&#xD800;",
        '<b class="x">attr</b>',
        "lone \ud800",
    ],
)
def test_validator_rejects_what_telegram_rejects(markup: str) -> None:
    assert telegram_html_errors(markup)


def _content(markup: str) -> str:
    """What a reader sees, whitespace aside: splitting may cut at spaces and close and reopen tags."""
    return re.sub(r"\s+", "", re.sub(r"<[^>]*>", "", markup))


def assert_sendable(reply: Reply, closings: tuple[str, str]) -> None:
    """Everything the Telegram adapter relies on when it sends `reply`; `closings` are the
    disclaimer and the crisis reply's own closing line."""
    assert isinstance(reply.kind, Kind)
    assert isinstance(reply.text, str)
    assert reply.text.strip()
    assert reply.text.endswith(closings[reply.escalation is Tier.CRISIS])
    assert telegram_html_errors(reply.text) == []
    assert (reply.escalation is not None) == (reply.kind is Kind.ESCALATION)
    parts = reply.parts()
    assert parts
    for part in parts:
        assert _content(part)
        assert len(part) <= MAX_MESSAGE_LENGTH
        assert visible_length(part) <= MAX_MESSAGE_LENGTH
        assert telegram_html_errors(part) == []
    assert _content("".join(parts)) == _content(reply.text)
    json.dumps(reply.as_json(), ensure_ascii=False).encode("utf-8")


def _disclaimer(responder: Responder) -> tuple[str, str]:
    texts = responder.knowledge.texts
    return (
        f"<i>{escape(texts('reply.disclaimer'))}</i>",
        f"<i>{escape(texts('reply.crisis_closing'))}</i>",
    )


# Pieces that have broken chat bots before: markup and Markdown look-alikes, invisible and
# direction-changing characters, lone surrogates, combining emoji, right-to-left words, and real
# questions and alarming phrases so that every kind of reply is reached with the noise around it.
FRAGMENTS = (
    "<script>alert(1)</script>",
    "<b>",
    "</i>",
    '<a href="x">',
    "&",
    "&amp;",
    "&lt;",
    "&#0;",
    "<",
    ">",
    '"',
    "*bold*",
    "_it_",
    "`code`",
    "[link](http://example.com)",
    "\\",
    "\u200b",
    "\u200d",
    "\u200e",
    "\u202e",
    "\ufeff",
    "\x00",
    "\x1b",
    "\r\n",
    "\t",
    " ",
    "\n\n",
    "\ud800",
    "\udfff",
    "\U0010ffff",
    "\ufdfa",
    "🙂",
    "💊💊💊",
    "🔪",
    "👩🏽\u200d⚕️",
    "🏳️\u200d🌈",
    "\u0645\u0631\u062d\u0628\u0627",  # Arabic "hello"
    "\u062c\u0641\u0627\u0641 \u0627\u0644\u0634\u0641\u0627\u0647",  # Arabic "dry lips"
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew "hello"
    "dry lips",
    "blood tests",
    "accutane",
    "hi",
    "thanks!",
    "can i drink alcohol",
    "pain",
    "i want to kill myself",
    "i don't want to die",
    "chest pain",
    "i can't breathe",
    "yellow skin",
)

any_unicode = st.text(st.characters(), max_size=200)  # every category, surrogates included
fragments = st.lists(
    st.sampled_from(FRAGMENTS) | st.text(st.characters(), max_size=4), max_size=25
).map("".join)
whitespace = st.text(st.sampled_from(" \t\n\r\x0b\x0c\u00a0\u1680\u2028\u2029\u3000\u200b"))
emoji = st.text(
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF) | st.sampled_from("\u200d\ufe0f"),
    min_size=1,
    max_size=40,
)
right_to_left = st.text(
    st.characters(min_codepoint=0x0590, max_codepoint=0x06FF) | st.just(" "), max_size=80
)
messages = st.one_of(any_unicode, fragments, whitespace, emoji, right_to_left)

SETTINGS = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@SETTINGS
@given(message=messages, data=st.data())
def test_any_message_gets_a_sendable_reply(
    responder: Responder, message: str, data: st.DataObject
) -> None:
    region = data.draw(st.sampled_from([None, *responder.knowledge.safety.regions]))
    reply = responder.reply(message, ChatSettings(region=region))
    assert_sendable(reply, _disclaimer(responder))
    if triage(message, responder.knowledge.safety) is not None:  # safety comes before all else
        assert reply.kind is Kind.ESCALATION


@pytest.mark.parametrize(
    "message",
    [
        "",
        " \t\n",
        "\ud800",
        "\udfff dry lips \ud800",
        "\u200b\u200d\ufeff",
        "🙂" * 50,
        "<script>alert('x')</script>",
        "& < > &amp; &#0; &#xD800;",
        "\u05d9\u05d5\u05d1\u05e9 \u05d1\u05e9\u05e4\u05ea\u05d9\u05d9\u05dd",
        "\x00\x01\x1b[31mdry lips\x7f",
    ],
)
def test_named_hard_cases_in_every_region(responder: Responder, message: str) -> None:
    for region in [None, *responder.knowledge.safety.regions]:
        reply = responder.reply(message, ChatSettings(region=region))
        assert_sendable(reply, _disclaimer(responder))


LONG = 100_000
MIXED = "dry lips & <b>cracked</b> 🙂 \u0645\u0631\u062d\u0628\u0627 \ud800 \u200d "


@pytest.mark.parametrize(
    "message",
    [
        "a" * LONG,
        (MIXED * LONG)[:LONG],
        ("word " * LONG)[:LONG],
        ("i want to die " * LONG)[:LONG],
        # NFKC expands this character to eighteen: the costliest message Telegram can deliver.
        "\ufdfa" * MAX_MESSAGE_LENGTH,
    ],
    ids=["one-letter", "mixed", "words", "crisis-repeated", "expanding"],
)
def test_very_long_messages_get_a_sendable_reply(responder: Responder, message: str) -> None:
    assert_sendable(responder.reply(message), _disclaimer(responder))


def test_an_emoji_only_crisis_is_not_taken_for_an_empty_message(responder: Responder) -> None:
    """Three pill emoji have no word to answer from, but triage reads emoji: it must go first."""
    assert triage("💊💊💊", responder.knowledge.safety) is not None
    assert responder.reply("💊💊💊").kind is Kind.ESCALATION


def test_a_crisis_at_the_end_of_a_long_message_is_not_missed(responder: Responder) -> None:
    message = "My lips are so dry and my skin is peeling. " * 2000 + "I want to die."
    assert len(message) > LONG / 2
    reply = responder.reply(message)
    assert reply.kind is Kind.ESCALATION
    assert_sendable(reply, _disclaimer(responder))


def test_a_stale_region_setting_still_gets_a_sendable_reply(responder: Responder) -> None:
    """A chat may keep a region code that a later content release removed."""
    chat = ChatSettings(region="no-longer-listed")
    for message in ("dry lips", "i want to kill myself", "i don't want to die", "chest pain"):
        assert_sendable(responder.reply(message, chat), _disclaimer(responder))


# Splitting on its own, with markup far longer than any reply today: the guarantee must not depend
# on the content staying short.
_encodable = st.characters(exclude_categories=["Cs"])
_plain_runs = st.text(_encodable, min_size=1, max_size=120).map(escape)
_blocks = st.one_of(
    _plain_runs,
    _plain_runs.map(lambda text: f"<b>{text}</b>"),
    _plain_runs.map(lambda text: f"<i>{text}</i>"),
    st.tuples(_plain_runs, _plain_runs).map(lambda pair: f"<b>{pair[0]}<i>{pair[1]}</i></b>"),
    _plain_runs.map(lambda text: f'<a href="tel:+44 800 123">{text}</a>'),
)
_markups = st.lists(
    st.tuples(_blocks, st.sampled_from(["", " ", "\n", "\n\n"])), min_size=1, max_size=30
).map(lambda pieces: "".join(block + separator for block, separator in pieces))


@SETTINGS
@given(markup=_markups, limit=st.integers(min_value=64, max_value=400))
def test_split_parts_fit_stay_valid_and_lose_nothing(markup: str, limit: int) -> None:
    assert telegram_html_errors(markup) == []
    parts = split_message(markup, limit)
    for part in parts:
        assert _content(part)
        assert len(part) <= limit
        assert telegram_html_errors(part) == []
    assert _content("".join(parts)) == _content(markup)
