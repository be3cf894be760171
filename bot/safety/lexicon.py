"""The safety lexicon (knowledge/safety.yaml): rules, context triggers and word lists, loaded and
validated so that a mistake in the file is reported with its entry and field.

Phrase syntax and matching: bot/safety/phrases.py. Text canonicalisation: bot/safety/words.py.
How the findings become a tier: bot/safety/context.py and bot/safety/triage.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.content import ContentError, Fields, read_yaml
from bot.safety.phrases import Document, PhraseCompiler, PhraseSet
from bot.safety.words import Tokeniser


class Tier(StrEnum):
    URGENT = "urgent"
    EMERGENCY = "emergency"
    CRISIS = "crisis"


@dataclass(frozen=True)
class Scope:
    """Context triggers (NegEx style) that modify a sign within `window` words of them, unless a
    terminator stands between; `needs`, when set, is what else the message must say for them to act."""

    before: PhraseSet
    after: PhraseSet
    window: int
    terminators: PhraseSet
    needs: PhraseSet | None = None


@dataclass(frozen=True)
class Context:
    negation: Scope
    hypothetical: Scope
    historical: Scope
    # someone else's illness, in a message asking whether the writer may take the drug
    family: Scope
    pseudo: PhraseSet  # look like triggers but are not ("not sure if", "not only")


@dataclass(frozen=True)
class Informational:
    """General questions about the drug ("can accutane cause depression?") are not escalations."""

    questions: PhraseSet
    first_person: frozenset[str]
    openers: PhraseSet  # first-person words inside these ("should i", "can i") don't count


@dataclass(frozen=True)
class Speakers:
    """Who a sign is said of: the nearest of these words before it in its sentence decides."""

    me: frozenset[str]  # "i", "myself"
    others: frozenset[str]  # "he", "she", "my son" -> "son"


@dataclass(frozen=True)
class Group:
    upgrades: bool  # takes part in the several-signs and amplifier upgrades to emergency
    risk_cue: bool  # counts as another risk cue next to a negated crisis phrase
    reply: str  # which urgent reply text to use
    checkin: bool  # a soft check-in that leads the answer, not an escalation on its own


@dataclass(frozen=True)
class Rule:
    id: str
    tier: Tier
    group: str | None
    phrases: PhraseSet
    cues: tuple[str, ...]  # named cues that must all occur (and none negated)
    informational: bool  # ignored inside a general question about the drug
    negatable: bool  # false where negation is how it is said ("no way out")
    max_other_words: int | None  # fires only in a message with at most this many other words
    unless: PhraseSet | None  # not in a message that says any of these ("lol" for the safety net)


@dataclass(frozen=True)
class Lexicon:
    tokeniser: Tokeniser
    rules: tuple[Rule, ...]
    cues: Mapping[str, PhraseSet]
    groups: Mapping[str, Group]
    exceptions: PhraseSet
    amplifiers: PhraseSet
    risk_cues: PhraseSet
    filler: PhraseSet  # never context for `max_other_words`: "thanks", "sorry", "guys"
    context: Context
    informational: Informational
    speakers: Speakers

    def read(self, message: str) -> Document:
        words = self.tokeniser.tokens(message)
        return Document(words, [self.tokeniser.options(word) for word in words])


LEXICON_FIELDS = (
    "sources",
    "rewrites",
    "not_typos",
    "real_word_typos",
    "emoji",
    "words",
    "context",
    "informational",
    "exceptions",
    "amplifiers",
    "risk_cues",
    "filler",
    "cues",
    "groups",
    "speakers",
    "rules",
)
RULE_FIELDS = (
    "id",
    "tier",
    "group",
    "informational",
    "negatable",
    "max_other_words",
    "unless",
    "phrases",
    "all",
)
GROUP_FIELDS = ("upgrades", "risk_cue", "reply", "checkin")
SCOPE_FIELDS = ("before", "after", "window", "terminators", "needs")
REAL_WORDS = "safety-real-words.txt"  # real words near lexicon words: never taken for typos
# Ids the triage itself gives to decisions that no single rule makes.
RESERVED_PREFIXES = ("crisis.negated", "emergency.upgrade")


def load_lexicon(path: Path) -> Lexicon:
    fields = Fields(read_yaml(path), path)
    fields.reject_unknown(LEXICON_FIELDS)
    fields.text_list("sources")
    rewrites = _rewrites(fields)
    compiler = _compiler(_section(fields, "words"), rewrites)
    cue_lists = _section(fields, "cues")
    cues = {str(name): compiler.compile_list(cue_lists, str(name)) for name in cue_lists.data}
    groups = _groups(_section(fields, "groups"))
    rules = tuple(_rule(item, path, compiler, cues, groups) for item in fields.items("rules"))
    sets = {
        name: compiler.compile_list(fields, name, fuzzy=name not in ("exceptions", "filler"))
        for name in _PHRASE_LISTS
    }
    context = _context(_section(fields, "context"), compiler)
    informational = _informational(_section(fields, "informational"), compiler)
    every_set = [*sets.values(), *cues.values(), *(rule.phrases for rule in rules)]
    every_set += [rule.unless for rule in rules if rule.unless is not None]
    every_set += _context_sets(context, informational)
    vocabulary = {word for phrases in every_set for word in phrases.words()}
    vocabulary |= {word for canonical in rewrites.values() for word in canonical.split()}
    tokeniser = Tokeniser(
        emoji=_emoji(fields),
        rewrites=rewrites,
        vocabulary=frozenset(vocabulary),
        not_typos=frozenset(fields.text_list("not_typos")) | _real_words(path.parent / REAL_WORDS),
        real_word_typos=_real_word_typos(fields, vocabulary),
    )
    return Lexicon(
        tokeniser=tokeniser,
        rules=rules,
        cues=cues,
        groups=groups,
        exceptions=sets["exceptions"],
        amplifiers=sets["amplifiers"],
        risk_cues=sets["risk_cues"],
        filler=sets["filler"],
        context=context,
        informational=informational,
        speakers=_speakers(_section(fields, "speakers")),
    )


def _speakers(fields: Fields) -> Speakers:
    fields.reject_unknown(("me", "others"))
    return Speakers(
        me=frozenset(fields.text_list("me")), others=frozenset(fields.text_list("others"))
    )


def _compiler(words: Fields, rewrites: Mapping[str, str]) -> PhraseCompiler:
    """A compiler for the `words` classes; the classes' own words are checked like phrase words."""
    classes = {str(name): words.text_list(str(name)) for name in words.data}
    compiler = PhraseCompiler(classes, frozenset(k for k, v in rewrites.items() if k != v))
    for name, items in classes.items():
        for word in (word for item in items for word in item.split()):
            compiler.check_word(word, f"@{name}", words, name)
    return compiler


_PHRASE_LISTS = ("exceptions", "amplifiers", "risk_cues", "filler")


def _real_words(path: Path) -> frozenset[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ContentError(path, "file is missing") from None
    return frozenset(w for line in lines if not line.startswith("#") for w in line.split())


def _real_word_typos(fields: Fields, vocabulary: set[str]) -> dict[str, frozenset[str]]:
    """`real word: [lexicon words it is a common typo of]`."""
    section = _section(fields, "real_word_typos")
    typos: dict[str, frozenset[str]] = {}
    for word in section.data:
        meant = section.text_list(str(word))
        unknown = [target for target in meant if target not in vocabulary]
        if unknown:
            raise section.error(str(word), f"'{unknown[0]}' is not a word of any phrase")
        typos[str(word)] = frozenset(meant)
    return typos


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
            checkin=_flag(group, "checkin", False),
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
    limit = fields.data.get("max_other_words")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
        raise fields.error("max_other_words", "must be a whole number of words, 0 or more")
    if limit is not None and needed:
        raise fields.error("max_other_words", "only for rules with `phrases`, not `all`")
    unless = compiler.compile_list(fields, "unless", fuzzy=False, required=False)
    return Rule(
        id=rule_id,
        tier=tier,
        group=group,
        phrases=phrases,
        cues=needed,
        informational=_flag(fields, "informational", tier is not Tier.CRISIS),
        negatable=_flag(fields, "negatable", True),
        max_other_words=limit,
        unless=unless if unless.phrases else None,
    )


def _scope(
    fields: Fields, compiler: PhraseCompiler, name: str, window: int, terminators: PhraseSet
) -> Scope:
    """A scope; its `window` and `terminators` default to the context's own."""
    scope = Fields(fields.data.get(name), fields.file, entry=f"context.{name}")
    scope.reject_unknown(SCOPE_FIELDS)
    needs = compiler.compile_list(scope, "needs", fuzzy=False, required=False)
    return Scope(
        before=compiler.compile_list(scope, "before", fuzzy=False, required=False),
        after=compiler.compile_list(scope, "after", fuzzy=False, required=False),
        window=_window(scope, window),
        terminators=(
            compiler.compile_list(scope, "terminators", fuzzy=False)
            if "terminators" in scope.data
            else terminators
        ),
        needs=needs if needs.phrases else None,
    )


def _window(fields: Fields, default: int | None = None) -> int:
    window = fields.data.get("window", default)
    if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 10:
        raise fields.error("window", "must be a whole number of words from 1 to 10")
    return window


def _context(fields: Fields, compiler: PhraseCompiler) -> Context:
    window = _window(fields)
    terminators = compiler.compile_list(fields, "terminators", fuzzy=False)
    scopes = {
        name: _scope(fields, compiler, name, window, terminators)
        for name in ("negation", "hypothetical", "historical", "family")
    }
    return Context(**scopes, pseudo=compiler.compile_list(fields, "pseudo", fuzzy=False))


def _informational(fields: Fields, compiler: PhraseCompiler) -> Informational:
    return Informational(
        questions=compiler.compile_list(fields, "questions", fuzzy=False),
        first_person=frozenset(fields.text_list("first_person")),
        openers=compiler.compile_list(fields, "openers", fuzzy=False),
    )


def _context_sets(context: Context, informational: Informational) -> list[PhraseSet]:
    scopes = (context.negation, context.hypothetical, context.historical, context.family)
    parts = [phrases for s in scopes for phrases in (s.before, s.after, s.terminators, s.needs)]
    return [
        *(phrases for phrases in parts if phrases is not None),
        context.pseudo,
        informational.questions,
        informational.openers,
    ]
