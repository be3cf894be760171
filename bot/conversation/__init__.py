"""A conversation around `Responder`: short per-chat memory, follow-ups, reactions and other languages.

`Conversation.reply` is what the console and the Telegram handlers call; it asks `Responder.reply` first
(so safety triage reads every message on its own) and only then looks at what the chat said before.
"""

from bot.conversation.chat import Conversation, Turn, load_conversation
from bot.conversation.memory import ExpiringMemory, Memory, MemoryStore

__all__ = ["Conversation", "ExpiringMemory", "Memory", "MemoryStore", "Turn", "load_conversation"]
