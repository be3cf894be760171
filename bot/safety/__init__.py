"""Safety triage: recognise serious symptoms and crises before any answer is looked up.

One public function, `triage(message, safety, second_look=None)`. The package's files:
- triage.py     the decision: tiers, negated crisis phrases, upgrades, who the message is about
- lexicon.py    loading and validating knowledge/safety.yaml
- phrases.py    the lexicon's phrase language and its matcher
- words.py      a message as canonical words (emoji, slang, contractions, accents, typos)
- context.py    what surrounds a sign: negation, idioms, hypotheticals, history, general questions
- replies.py    regional resources and the escalation texts
- second_look.py when the lexicon finds nothing: a check-in for a message nearer crisis examples than calm
- real_words.py regenerates the real-words list that typo tolerance must respect
"""

from bot.safety.lexicon import Tier
from bot.safety.replies import Region
from bot.safety.second_look import SecondLook
from bot.safety.triage import SafetyContent, Triage, escalation_text, load_safety, triage

__all__ = [
    "Region",
    "SafetyContent",
    "SecondLook",
    "Tier",
    "Triage",
    "escalation_text",
    "load_safety",
    "triage",
]
