"""The safety lexicon (knowledge/safety.yaml): compiled phrases, and where they occur in a message.

A phrase is a sequence of slots, each matching one whole canonical word (see safety_text):
  word          that word                      a|b|c      any of these words
  @name         any item of the word class     word?      optional slot
  ...           up to three words, within one sentence     #          a number
Every phrase compiles to one regular expression over the message's words joined by single spaces, so
word boundaries come for free ("skilled" never matches "killed").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.content import Fields, read_yaml
from bot.safety_text import PUNCTUATION, Tokeniser

MAX_GAP = 4
_LITERAL = re.compile(r"[a-z0-9]+|[.!?;,]|#")
# A gap word is any word but punctuation: a gap stays within one clause.
_GAP = "(?:[^ " + re.escape("".join(sorted(PUNCTUATION))) + f"]+ ){{0,{MAX_GAP}}}"


class Tier(StrEnum):
    URGENT = "urgent"
    EMERGENCY = "emergency"
    CRISIS = "crisis"


@dataclass(frozen=True)
class Span:
    start: int  # index of the first word
    end: int  # index of the last word (inclusive)

    def overlaps(self, other: Span) -> bool:
        return self.start <= other.end and other.start <= self.end


class Document:
    """A message's canonical words, and the joined text the phrase expressions run on."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self.vocabulary = frozenset(words)
        self.text = " " + " ".join(words) + " "
        self._starts: list[int] = []
        offset = 1
        for word in words:
            self._starts.append(offset)
            offset += len(word) + 1

    def span(self, match: re.Match[str]) -> Span:
        first = bisect_right(self._starts, match.start()) - 1
        last = bisect_right(self._starts, match.end() - 2) - 1  # the match ends with a space
        return Span(first, last)


@dataclass(frozen=True)
class Phrase:
    text: str  # as written in the content, for explanations
    pattern: re.Pattern[str]
    anchors: frozenset[str] | None  # words of which one must occur; None: no cheap pre-check


class PhraseSet:
    """Several phrases that mean one thing; finds every place any of them occurs."""

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        self.phrases = tuple(phrases)

    def spans(self, document: Document) -> list[Span]:
        found: list[Span] = []
        for phrase in self.phrases:
            if phrase.anchors is not None and phrase.anchors.isdisjoint(document.vocabulary):
                continue
            found.extend(document.span(m) for m in phrase.pattern.finditer(document.text))
        return found

    def words(self) -> set[str]:
        return {word for phrase in self.phrases for word in _literal_words(phrase.text)}


class PhraseCompiler:
    """Compiles phrase strings against the lexicon's word classes and rewrites, with located errors."""

    def __init__(self, classes: Mapping[str, tuple[str, ...]], rewritten: frozenset[str]) -> None:
        self.classes = classes
        self.rewritten = rewritten  # words the tokeniser rewrites: they never reach a phrase

    def compile_list(self, fields: Fields, field: str, *, required: bool = True) -> PhraseSet:
        return PhraseSet(
            self.compile(text, fields, field)
            for text in fields.text_list(field, required=required)
        )

    def compile(self, text: str, fields: Fields, field: str) -> Phrase:
        parts = text.split()
        if parts[0] == "..." or parts[-1] == "...":
            raise fields.error(field, f"phrase '{text}' cannot start or end with '...'")
        body = "(?<= )"
        anchors: frozenset[str] | None = None
        for part in parts:
            if part == "...":
                body += _GAP
                continue
            optional = part.endswith("?") and part != "?"
            choices = self._choices(part[:-1] if optional else part, text, fields, field)
            slot = "(?:" + "|".join(_choice_pattern(choice) for choice in choices) + ") "
            body += f"(?:{slot})?" if optional else slot
            firsts = frozenset(choice.split()[0] for choice in choices)
            if anchors is None and not optional and "#" not in firsts:
                anchors = firsts
        return Phrase(text, re.compile(body), anchors)

    def _choices(self, slot: str, phrase: str, fields: Fields, field: str) -> list[str]:
        choices: list[str] = []
        for choice in slot.split("|"):
            if choice.startswith("@"):
                if choice[1:] not in self.classes:
                    raise fields.error(field, f"phrase '{phrase}': unknown word class '{choice}'")
                choices.extend(self.classes[choice[1:]])
            else:
                self.check_word(choice, phrase, fields, field)
                choices.append(choice)
        return choices

    def check_word(self, word: str, phrase: str, fields: Fields, field: str) -> None:
        if not _LITERAL.fullmatch(word):
            raise fields.error(
                field,
                f"phrase '{phrase}': '{word}' must be lower-case letters or digits "
                "(write contractions out: 'can not', 'i am')",
            )
        if word in self.rewritten:
            raise fields.error(
                field,
                f"phrase '{phrase}': '{word}' is rewritten before matching; "
                "use its canonical form from `rewrites`",
            )


def _choice_pattern(choice: str) -> str:
    return " ".join(r"\d+" if word == "#" else re.escape(word) for word in choice.split())


def _literal_words(text: str) -> set[str]:
    return {
        w for part in text.split() for w in part.rstrip("?").split("|") if _LITERAL.fullmatch(w)
    }


@dataclass(frozen=True)
class Scope:
    """Context triggers (NegEx style) that modify a sign within `window` words of them."""

    before: PhraseSet
    after: PhraseSet


@dataclass(frozen=True)
class Context:
    window: int
    negation: Scope
    hypothetical: Scope
    historical: Scope
    pseudo: PhraseSet  # look like triggers but are not ("not sure if", "not only")
    terminators: PhraseSet  # end a trigger's scope ("but", punctuation)


@dataclass(frozen=True)
class Informational:
    """General questions about the drug ("can accutane cause depression?") are not escalations."""

    questions: PhraseSet
    first_person: frozenset[str]
    openers: PhraseSet  # first-person words inside these ("should i", "can i") don't count


@dataclass(frozen=True)
class Group:
    upgrades: bool  # takes part in the several-signs and amplifier upgrades to emergency
    risk_cue: bool  # counts as another risk cue next to a negated crisis phrase
    reply: str  # which urgent reply text to use


@dataclass(frozen=True)
class Rule:
    id: str
    tier: Tier
    group: str | None
    phrases: PhraseSet
    cues: tuple[str, ...]  # named cues that must all occur (and none negated)
    informational: bool  # ignored inside a general question about the drug
    negatable: bool  # false where negation is how the phrase is said ("can't see any reason to go on")


@dataclass(frozen=True)
class Lexicon:
    tokeniser: Tokeniser
    rules: tuple[Rule, ...]
    cues: Mapping[str, PhraseSet]
    groups: Mapping[str, Group]
    exceptions: PhraseSet
    amplifiers: PhraseSet
    risk_cues: PhraseSet
    context: Context
    informational: Informational

    def read(self, message: str) -> Document:
        return Document(self.tokeniser.tokens(message))


LEXICON_FIELDS = (
    "sources",
    "rewrites",
    "not_typos",
    "emoji",
    "words",
    "context",
    "informational",
    "exceptions",
    "amplifiers",
    "risk_cues",
    "cues",
    "groups",
    "rules",
)
RULE_FIELDS = ("id", "tier", "group", "informational", "negatable", "phrases", "all")
GROUP_FIELDS = ("upgrades", "risk_cue", "reply")
# Ids the triage itself gives to decisions that no single rule makes.
RESERVED_PREFIXES = ("crisis.negated", "emergency.upgrade")


def load_lexicon(path: Path) -> Lexicon:
    fields = Fields(read_yaml(path), path)
    fields.reject_unknown(LEXICON_FIELDS)
    fields.text_list("sources")
    rewrites = _rewrites(fields)
    words = _section(fields, "words")
    classes = {str(name): words.text_list(str(name)) for name in words.data}
    compiler = PhraseCompiler(classes, frozenset(k for k, v in rewrites.items() if k != v))
    for name, items in classes.items():
        for word in (w for item in items for w in item.split()):
            compiler.check_word(word, f"@{name}", words, name)
    cue_lists = _section(fields, "cues")
    cues = {str(name): compiler.compile_list(cue_lists, str(name)) for name in cue_lists.data}
    groups = _groups(_section(fields, "groups"))
    rules = tuple(_rule(item, path, compiler, cues, groups) for item in fields.items("rules"))
    sets = {name: compiler.compile_list(fields, name) for name in _PHRASE_LISTS}
    vocabulary = {w for words in classes.values() for item in words for w in item.split()}
    vocabulary |= {w for v in rewrites.values() for w in v.split()}
    for phrase_set in (*sets.values(), *cues.values(), *(r.phrases for r in rules)):
        vocabulary |= phrase_set.words()
    context = _context(_section(fields, "context"), compiler)
    informational = _informational(_section(fields, "informational"), compiler)
    for scope_sets in _context_sets(context, informational):
        vocabulary |= scope_sets.words()
    tokeniser = Tokeniser(
        emoji=_emoji(fields),
        rewrites=rewrites,
        vocabulary=frozenset(vocabulary),
        not_typos=frozenset(fields.text_list("not_typos")),
    )
    return Lexicon(
        tokeniser=tokeniser,
        rules=rules,
        cues=cues,
        groups=groups,
        exceptions=sets["exceptions"],
        amplifiers=sets["amplifiers"],
        risk_cues=sets["risk_cues"],
        context=context,
        informational=informational,
    )


_PHRASE_LISTS = ("exceptions", "amplifiers", "risk_cues")


def _section(fields: Fields, name: str) -> Fields:
    return Fields(fields.data.get(name), fields.file, entry=name)


def _rewrites(fields: Fields) -> dict[str, str]:
    """`canonical: [variants]`, as in synonyms.yaml; returned as variant -> canonical."""
    section = _section(fields, "rewrites")
    result: dict[str, str] = {}
    for canonical in section.data:
        for variant in section.text_list(str(canonical)):
            result[" ".join(variant.casefold().split())] = str(canonical)
    return result


def _emoji(fields: Fields) -> dict[str, str]:
    section = _section(fields, "emoji")
    return {str(symbol): section.text(str(symbol)) for symbol in section.data}


def _flag(fields: Fields, name: str, default: bool) -> bool:
    value = fields.data.get(name, default)
    if not isinstance(value, bool):
        raise fields.error(name, "must be true or false")
    return value


def _groups(fields: Fields) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    for name in fields.data:
        group = Fields(fields.data[name], fields.file, entry=f"groups.{name}")
        group.reject_unknown(GROUP_FIELDS)
        groups[str(name)] = Group(
            upgrades=_flag(group, "upgrades", True),
            risk_cue=_flag(group, "risk_cue", False),
            reply=group.optional_text("reply") or "urgent",
        )
    return groups


def _rule(
    item: object,
    path: Path,
    compiler: PhraseCompiler,
    cues: Mapping[str, PhraseSet],
    groups: Mapping[str, Group],
) -> Rule:
    rule_id = Fields(item, path).text("id")
    fields = Fields(item, path, entry=rule_id)
    fields.reject_unknown(RULE_FIELDS)
    try:
        tier = Tier(fields.text("tier"))
    except ValueError:
        raise fields.error("tier", f"must be one of {', '.join(t.value for t in Tier)}") from None
    if not rule_id.startswith(f"{tier.value}.") or rule_id.startswith(RESERVED_PREFIXES):
        raise fields.error("id", f"must start with '{tier.value}.' and not with a reserved prefix")
    group = fields.optional_text("group")
    if (tier is Tier.URGENT) != (group is not None) or (group and group not in groups):
        raise fields.error("group", "urgent rules need a group from `groups`; others have none")
    needed = fields.text_list("all", required=False)
    for name in needed:
        if name not in cues:
            raise fields.error("all", f"'{name}' is not one of the `cues`")
    phrases = compiler.compile_list(fields, "phrases", required=not needed)
    return Rule(
        id=rule_id,
        tier=tier,
        group=group,
        phrases=phrases,
        cues=needed,
        informational=_flag(fields, "informational", tier is not Tier.CRISIS),
        negatable=_flag(fields, "negatable", True),
    )


def _scope(fields: Fields, compiler: PhraseCompiler, name: str) -> Scope:
    scope = Fields(fields.data.get(name), fields.file, entry=f"context.{name}")
    scope.reject_unknown(("before", "after"))
    return Scope(
        before=compiler.compile_list(scope, "before", required=False),
        after=compiler.compile_list(scope, "after", required=False),
    )


def _context(fields: Fields, compiler: PhraseCompiler) -> Context:
    window = fields.data.get("window")
    if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 10:
        raise fields.error("window", "must be a whole number of words from 1 to 10")
    return Context(
        window=window,
        negation=_scope(fields, compiler, "negation"),
        hypothetical=_scope(fields, compiler, "hypothetical"),
        historical=_scope(fields, compiler, "historical"),
        pseudo=compiler.compile_list(fields, "pseudo"),
        terminators=compiler.compile_list(fields, "terminators"),
    )


def _informational(fields: Fields, compiler: PhraseCompiler) -> Informational:
    return Informational(
        questions=compiler.compile_list(fields, "questions"),
        first_person=frozenset(fields.text_list("first_person")),
        openers=compiler.compile_list(fields, "openers"),
    )


def _context_sets(context: Context, informational: Informational) -> list[PhraseSet]:
    scopes = (context.negation, context.hypothetical, context.historical)
    return [
        *(s.before for s in scopes),
        *(s.after for s in scopes),
        context.pseudo,
        context.terminators,
        informational.questions,
        informational.openers,
    ]
