"""Telegram updates in, core calls, messages out. Every answer comes from `Responder`; the rules here are
only about Telegram: who is addressed in a group, buttons, admins, flood manners.

Policies (tested end to end in tests/test_telegram_*.py):
- Private chats: every text is answered; commands show menus; non-text gets "I can only read text".
- Groups: only /commands, @mentions and replies to the bot are answered, within a per-group cooldown.
  Unaddressed messages get nothing, except a crisis or emergency while the group's safety watch is on.
  Escalations are never held back by the cooldown.
- Edited messages are not answered again, except when the edit now escalates (same rule as chatter).
- Every message the bot sends ends with the disclaimer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any

from telegram import (
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.conversation import MemoryStore, Turn
from bot.conversation.chat import conversation_for
from bot.insight import Insight, report_lines
from bot.render import escape
from bot.reply import ChatSettings, Kind, Reply, Responder
from bot.safety import Tier
from bot.telegram.keyboards import (
    SECTION_PAYLOAD_PREFIX,
    TOPICS_PAYLOAD,
    Action,
    Press,
    SettingsLabels,
    area_keyboard,
    areas_keyboard,
    card_keyboard,
    parse_press,
    private_chat_keyboard,
    regions_keyboard,
    settings_keyboard,
    topics_keyboard,
    url_keyboard,
    without_feedback,
)
from bot.telegram.state import CheckinMemory, Cooldown, PrefsStore, Verdict

logger = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

# What the safety watch answers in a group even when nobody addressed the bot.
WATCHED_TIERS = frozenset({Tier.CRISIS, Tier.EMERGENCY})
INLINE_CACHE_SECONDS = 300
ALERT_WINDOW_SECONDS = 300.0
INLINE_PREVIEW_LENGTH = 100


@dataclass(frozen=True)
class Outcome:
    """What a handler did, for the one log line per update (never the text of a message)."""

    action: str  # a reply kind ("answer", ...), the UI text sent ("help", ...), or "ignored", ...
    entry: str | None = None
    escalation: Tier | None = None

    @classmethod
    def of(cls, reply: Reply) -> Outcome:
        return cls(reply.kind.value, reply.entry, reply.escalation)


IGNORED = Outcome("ignored")
MENU = Outcome("menu")
EXPIRED = Outcome("expired")
REFUSED = Outcome("refused")
COOLDOWN = Outcome("cooldown")
FORGOTTEN = Outcome("forgotten")

Handler = Callable[[Update, Context], Awaitable[Outcome]]


def logged(name: str, handler: Handler) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """Wrap a handler so that each update leaves one log line: ids, kinds and timing only."""

    async def run(update: Update, context: Context) -> None:
        started = time.perf_counter()
        outcome = await handler(update, context)
        chat = update.effective_chat
        logger.info(
            "update %s %s chat=%s outcome=%s entry=%s escalation=%s %.1f ms",
            update.update_id,
            name,
            chat.type if chat else "none",
            outcome.action,
            outcome.entry or "-",
            outcome.escalation or "-",
            (time.perf_counter() - started) * 1000,
        )

    return run


async def log_unhandled(update: Update, context: Context) -> None:
    """The last handler: an update no other handler took (a channel post, a sticker in a group, a
    kind the bot does not ask for) still leaves its line, so that no update passes unrecorded."""
    chat = update.effective_chat
    logger.info(
        "update %s %s chat=%s outcome=ignored",
        update.update_id,
        update_kind(update),
        chat.type if chat else "none",
    )


def update_kind(update: Update) -> str:
    """The Bot API field the update carries: "message", "my_chat_member", ... or "unknown"."""
    present = (kind for kind in Update.ALL_TYPES if getattr(update, kind, None) is not None)
    return next(present, "unknown")


def is_group(chat: Chat) -> bool:
    return chat.type in (Chat.GROUP, Chat.SUPERGROUP)


def addressed_question(message: Message, bot_id: int, bot_username: str) -> str | None:
    """The question in a group message that mentions or replies to the bot; None for chatter."""
    own_mention = f"@{bot_username}".casefold()
    mentions = [
        part
        for entity, part in message.parse_entities(
            [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
        ).items()
        if part.casefold() == own_mention or (entity.user is not None and entity.user.id == bot_id)
    ]
    replied = message.reply_to_message
    replies_to_bot = (
        replied is not None and replied.from_user is not None and (replied.from_user.id == bot_id)
    )
    if not mentions and not replies_to_bot:
        return None
    text = message.text or ""
    for part in mentions:
        text = text.replace(part, " ")
    return " ".join(text.split())


class Frontend:
    """The bot's behaviour on Telegram; `bot.telegram.app` registers these methods as handlers."""

    def __init__(
        self,
        responder: Responder,
        cooldown: Cooldown | None = None,
        memory: MemoryStore | None = None,
    ) -> None:
        self.responder = responder
        self.conversation = conversation_for(responder, memory)
        self.knowledge = responder.knowledge
        self.safety = responder.knowledge.safety
        self.cooldown = cooldown or Cooldown()
        self.checkins = CheckinMemory()
        # One moderator alert per group per window: a crisis storm must not become an alert storm.
        self.alert_pace = Cooldown(replies=1, window=ALERT_WINDOW_SECONDS)

    def escalates(self, update: object) -> bool:
        """Whether the core escalates the text this update brings; the update processor lets such
        updates go before all others (triage alone: cheap enough to ask on arrival)."""
        if not isinstance(update, Update):
            return False
        message = update.message or update.edited_message
        if message is None or not message.text:
            return False
        return self.responder.escalates(message.text)

    # -- texts -----------------------------------------------------------------------------------

    def text(self, key: str, **fields: str) -> str:
        """A plain UI text from knowledge/texts/telegram.yaml."""
        return self.knowledge.texts(f"telegram.{key}", **fields)

    def html(self, key: str, **fields: str) -> str:
        """A UI text as a message: escaped, ending with the disclaimer."""
        return self.responder.with_disclaimer(escape(self.text(key, **fields)))

    def region_name(self, code: str | None) -> str:
        region = self.safety.regions.get(code or self.safety.default_region)
        return region.name if region else self.safety.regions[self.safety.default_region].name

    def stored_region(self, context: Context, chat_id: int) -> str | None:
        """The region a chat chose, while the content still has it (a reviewer may remove one)."""
        region = PrefsStore(context.application).get(chat_id).region
        return region if region in self.safety.regions else None

    def chat_settings(self, context: Context, chat: Chat) -> ChatSettings:
        """Private chats without a chosen region get none (the core then hints at /region); groups
        use the default region, international unless an admin chose another."""
        region = self.stored_region(context, chat.id)
        if region is None and is_group(chat):
            region = self.safety.default_region
        # In a group, check-ins come from different people: risk only builds within one person's chat.
        earlier = 0 if is_group(chat) else self.checkins.recent(chat.id)
        return ChatSettings(region=region, earlier_checkins=earlier, in_group=is_group(chat))

    # -- sending ---------------------------------------------------------------------------------

    async def send(
        self,
        message: Message,
        parts: list[str],
        keyboard: InlineKeyboardMarkup | None = None,
        *,
        urgent: bool = False,
    ) -> bool:
        """Reply to `message` (the keyboard goes under the last part). In a group, unless `urgent`,
        only within the cooldown; the first time over it, say so once. True when sent."""
        if is_group(message.chat) and not urgent:
            verdict = self.cooldown.check(message.chat.id)
            if verdict is Verdict.NOTIFY:
                link = private_chat_keyboard(
                    message.get_bot().username, self.text("button_private_chat")
                )
                await message.reply_text(self.html("cooldown"), reply_markup=link)
            if verdict is not Verdict.REPLY:
                return False
        await _reply_in_parts(message, parts, keyboard, quote=None)  # None: quote only in groups
        return True

    async def send_reply(
        self, message: Message, reply: Reply, context: Context, *, browse: bool = False
    ) -> Outcome:
        if reply.checkin and not is_group(message.chat):
            self.checkins.note(message.chat.id)
        keyboard = self.reply_keyboard(message, reply, browse)
        urgent = reply.kind is Kind.ESCALATION
        sent = await self.send(message, reply.parts(), keyboard, urgent=urgent)
        if not sent:
            return COOLDOWN
        self.count(context, message.chat, reply)
        if is_group(message.chat) and reply.escalation in WATCHED_TIERS:
            await self.alert_moderators(message, context)
        return Outcome.of(reply)

    async def send_turn(self, message: Message, turn: Turn, context: Context) -> Outcome:
        return await self.send_reply(message, turn.reply, context, browse=turn.browse)

    def reply_keyboard(
        self, message: Message, reply: Reply, browse: bool
    ) -> InlineKeyboardMarkup | None:
        """A group escalation: a button into a private chat. "None of these": the areas. An answer:
        👍/👎 and its related topics. Otherwise the topics offered, if any."""
        if reply.kind is Kind.ESCALATION and is_group(message.chat):
            return private_chat_keyboard(
                message.get_bot().username, self.text("button_private_chat")
            )
        if browse:
            return areas_keyboard(self.knowledge)
        rated = reply.entry if reply.kind is Kind.ANSWER else None
        return topics_keyboard(self.knowledge, reply.suggestions, rated)

    def count(self, context: Context, chat: Chat, reply: Reply) -> None:
        """Insight counts: the reply's kind and, for an answer, its entry; never text or users."""
        entry = reply.entry if reply.kind is Kind.ANSWER else None
        group = chat.id if is_group(chat) else None
        Insight(context.bot_data).count_reply(reply.kind.value, entry, group)

    async def alert_moderators(self, message: Message, context: Context) -> None:
        """With the group's moderator alerts on, each human admin who has started the bot privately
        gets a note and a link to the message, never its text. Telegram refuses a private message
        to anyone who never started the bot, so no list of users is needed (or kept)."""
        chat = message.chat
        if not PrefsStore(context.application).get(chat.id).moderator_alerts:
            return
        if self.alert_pace.check(chat.id) is not Verdict.REPLY:
            return
        link = message.link
        key = "moderator_alert" if link else "moderator_alert_no_link"
        text = self.html(key, group=chat.title or "")
        keyboard = url_keyboard(self.text("button_open_message"), link) if link else None
        notified = 0
        for admin in await context.bot.get_chat_administrators(chat.id):
            if admin.user.is_bot:
                continue
            try:
                await context.bot.send_message(admin.user.id, text, reply_markup=keyboard)
                notified += 1
            except Forbidden:  # never started the bot privately, or blocked it
                continue
            except TelegramError as error:
                logger.warning("moderator alert not sent (%s)", _kind(error))
        logger.info("moderator alert: %s admin(s) notified", notified)

    async def send_text(
        self,
        message: Message,
        key: str,
        keyboard: InlineKeyboardMarkup | None = None,
        **fields: str,
    ) -> Outcome:
        sent = await self.send(message, [self.html(key, **fields)], keyboard)
        return Outcome(key) if sent else COOLDOWN

    # -- commands --------------------------------------------------------------------------------

    async def start(self, update: Update, context: Context) -> Outcome:
        message = _message(update)
        if is_group(message.chat):
            return await self.send_text(message, "help_group", bot=context.bot.username)
        payload = context.args[0] if context.args else ""
        talker = _talker(message.chat, message.from_user)
        reply = self.conversation.choose(talker, payload) if payload else None
        if reply is not None:
            return await self.send_reply(message, reply, context)
        if payload == TOPICS_PAYLOAD:
            return await self.topics(update, context)
        section = payload.removeprefix(SECTION_PAYLOAD_PREFIX)
        if payload.startswith(SECTION_PAYLOAD_PREFIX) and section in self.knowledge.sections:
            return await self.send_area(message, section)
        return await self.send_text(message, "welcome", areas_keyboard(self.knowledge))

    async def help(self, update: Update, context: Context) -> Outcome:
        message = _message(update)
        if is_group(message.chat):
            return await self.send_text(message, "help_group", bot=context.bot.username)
        return await self.send_text(message, "help")

    async def about(self, update: Update, context: Context) -> Outcome:
        return await self.send_text(_message(update), "about")

    async def disclaimer(self, update: Update, context: Context) -> Outcome:
        return await self.send_text(_message(update), "disclaimer_details")

    async def privacy(self, update: Update, context: Context) -> Outcome:
        return await self.send_text(_message(update), "privacy")

    async def forget(self, update: Update, context: Context) -> Outcome:
        message = _message(update)
        settings = await PrefsStore(context.application).forget(message.chat.id)
        talk = self.conversation.forget(_talker(message.chat, message.from_user))
        forgotten = settings or talk
        return await self.send_text(message, "forget_done" if forgotten else "forget_nothing")

    async def topics(self, update: Update, context: Context) -> Outcome:
        message = _message(update)
        return await self.send_text(message, "topics_prompt", areas_keyboard(self.knowledge))

    async def send_area(self, message: Message, section: str) -> Outcome:
        keyboard = area_keyboard(self.knowledge, section, self.text("button_back"))
        title = self.knowledge.sections[section]
        return await self.send_text(message, "section_prompt", keyboard, section=title)

    async def card(self, update: Update, context: Context) -> Outcome:
        username = context.bot.username
        keyboard = card_keyboard(
            self.knowledge, username, self.text("button_browse"), self.text("button_private_chat")
        )
        return await self.send_text(_message(update), "card", keyboard, bot=username)

    async def region(self, update: Update, context: Context) -> Outcome:
        message = _message(update)
        if is_group(message.chat):
            return await self.settings(update, context)
        code = (context.args[0] if context.args else "").casefold()
        if code in self.safety.regions:  # "/region gb": chosen by code, as in the console
            store = PrefsStore(context.application)
            await store.set(message.chat.id, replace(store.get(message.chat.id), region=code))
            await message.reply_text(self.html("region_set", region=self.region_name(code)))
            return Outcome("settings")
        current = self.stored_region(context, message.chat.id)
        keyboard = InlineKeyboardMarkup(
            regions_keyboard(
                self.safety.regions.values(), current, self.text("button_region_current")
            )
        )
        codes = ", ".join(f"{c} ({r.name})" for c, r in self.safety.regions.items())
        prompt = f"{self.text('region_prompt')} {self.text('region_codes', codes=codes)}"
        if current is not None:
            prompt += " " + self.text("region_current", region=self.region_name(current))
        await message.reply_text(
            self.responder.with_disclaimer(escape(prompt)), reply_markup=keyboard
        )
        return MENU

    async def settings(self, update: Update, context: Context) -> Outcome:
        message = _message(update)
        if not is_group(message.chat):
            return await self.send_text(message, "settings_private")
        if not await self.sent_by_admin(message, context):
            return await self.send_text(message, "settings_admins_only")  # within the cooldown
        text, keyboard = self.settings_view(context, message.chat.id)
        await message.reply_text(text, reply_markup=keyboard)
        return MENU

    async def stats(self, update: Update, context: Context) -> Outcome:
        """A group's own counts, for its admins: kinds of replies and answers with their 👍/👎."""
        message = _message(update)
        if not is_group(message.chat):
            return await self.send_text(message, "stats_private")
        if not await self.sent_by_admin(message, context):
            return await self.send_text(message, "stats_admins_only")
        summary = Insight(context.bot_data).summary(message.chat.id)
        titles = {entry.id: entry.title for entry in self.knowledge.entries.values()}
        labels = {key: self.text(f"stats_{key}") for key in ("empty", "title", "kinds", "entries")}
        body = escape("\n".join(report_lines(summary, titles, labels)))
        await message.reply_text(self.responder.with_disclaimer(body))
        return MENU

    async def sent_by_admin(self, message: Message, context: Context) -> bool:
        """Sent by one of the group's admins (an anonymous admin writes as the group itself)."""
        if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
            return True
        return await self.is_admin(context, message.chat, message.from_user)

    def settings_view(self, context: Context, chat_id: int) -> tuple[str, InlineKeyboardMarkup]:
        prefs = PrefsStore(context.application).get(chat_id)
        region = self.stored_region(context, chat_id) or self.safety.default_region
        watch = self.text("settings_watch_on" if prefs.safety_watch else "settings_watch_off")
        alerts = self.text(
            "settings_alerts_on" if prefs.moderator_alerts else "settings_alerts_off"
        )
        text = self.html(
            "settings_summary", watch=watch, alerts=alerts, region=self.region_name(region)
        )
        labels = SettingsLabels(
            switches={
                (Action.WATCH, True): self.text("button_watch_on"),
                (Action.WATCH, False): self.text("button_watch_off"),
                (Action.ALERTS, True): self.text("button_alerts_on"),
                (Action.ALERTS, False): self.text("button_alerts_off"),
            },
            current_region=self.text("button_region_current"),
        )
        switches = [(Action.WATCH, prefs.safety_watch), (Action.ALERTS, prefs.moderator_alerts)]
        keyboard = settings_keyboard(self.safety.regions.values(), region, switches, labels)
        return text, keyboard

    async def is_admin(self, context: Context, chat: Chat, user: User | None) -> bool:
        if user is None:
            return False
        member = await context.bot.get_chat_member(chat.id, user.id)
        return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)

    # -- questions -------------------------------------------------------------------------------

    async def ask(self, update: Update, context: Context) -> Outcome:
        message = _message(update)
        _command, _, question = (message.text or "").partition(" ")
        if not question.strip():
            return await self.send_text(message, "ask_usage")
        return await self.converse(message, question, context)

    async def converse(self, message: Message, text: str, context: Context) -> Outcome:
        """A message addressed to the bot, read as part of the conversation with its sender."""
        settings = self.chat_settings(context, message.chat)
        turn = self.conversation.reply(_talker(message.chat, message.from_user), text, settings)
        return await self.send_turn(message, turn, context)

    async def private_text(self, update: Update, context: Context) -> Outcome:
        message = _message(update)
        return await self.converse(message, message.text or "", context)

    async def group_text(self, update: Update, context: Context) -> Outcome:
        message = _message(update)
        question = addressed_question(message, context.bot.id, context.bot.username)
        if question is None:
            return await self.watch(message, context)
        return await self.converse(message, question, context)

    async def edited(self, update: Update, context: Context) -> Outcome:
        """An edit is not answered again, unless it now escalates (the safety watch's rule)."""
        message = update.edited_message
        if message is None or not message.text:
            return IGNORED
        return await self.watch(message, context)

    async def watch(self, message: Message, context: Context) -> Outcome:
        """Messages not addressed to the bot: answered only when the core escalates them; in a group,
        only a crisis or an emergency, and only while the safety watch is on."""
        chat = message.chat
        if is_group(chat) and not PrefsStore(context.application).get(chat.id).safety_watch:
            return IGNORED
        reply = self.responder.reply(message.text or "", self.chat_settings(context, chat))
        if reply.escalation is None or (is_group(chat) and reply.escalation not in WATCHED_TIERS):
            return IGNORED
        return await self.send_reply(message, reply, context)

    async def non_text(self, update: Update, context: Context) -> Outcome:
        return await self.send_text(_message(update), "only_text")

    async def migrate(self, update: Update, context: Context) -> Outcome:
        message = _message(update)
        if message.migrate_to_chat_id is not None:
            await PrefsStore(context.application).move(message.chat.id, message.migrate_to_chat_id)
            Insight(context.bot_data).move_group(message.chat.id, message.migrate_to_chat_id)
        return IGNORED

    async def membership(self, update: Update, context: Context) -> Outcome:
        """The bot was removed from a group, or blocked in a private chat: forget that chat's
        settings, as /privacy promises to keep nothing it no longer needs."""
        change = update.my_chat_member
        assert change is not None  # guaranteed by ChatMemberHandler.MY_CHAT_MEMBER
        if change.new_chat_member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
            await PrefsStore(context.application).forget(change.chat.id)
            Insight(context.bot_data).forget_group(change.chat.id)
            return FORGOTTEN
        return IGNORED

    # -- buttons ---------------------------------------------------------------------------------

    async def button(self, update: Update, context: Context) -> Outcome:
        query = update.callback_query
        assert query is not None  # guaranteed by CallbackQueryHandler
        press = parse_press(query.data)
        message = query.message
        # PTB 22 reads an inaccessible message (deleted, or too old: date 0) as a Message too.
        if not isinstance(message, Message) or not message.is_accessible:
            message = None
        if press is None or message is None:
            return await self.expired(query)
        if press.action is Action.TOPIC:
            return await self.press_topic(query, message, press.value, context)
        if press.action is Action.FEEDBACK:
            return await self.press_feedback(query, message, press.value, context)
        if press.action is Action.SECTION:
            return await self.press_section(query, message, press.value)
        return await self.press_setting(query, message, press, context)

    async def expired(self, query: CallbackQuery) -> Outcome:
        await query.answer(self.text("button_expired"), show_alert=True)
        return EXPIRED

    async def press_topic(
        self, query: CallbackQuery, message: Message, entry_id: str, context: Context
    ) -> Outcome:
        if entry_id not in self.knowledge.entries:
            return await self.expired(query)
        if await self.cooling_down(query, message):
            return COOLDOWN
        reply = self.conversation.choose(_talker(message.chat, query.from_user), entry_id)
        assert reply is not None  # checked above: the entry exists
        await query.answer()
        keyboard = self.reply_keyboard(message, reply, browse=False)
        await _reply_in_parts(message, reply.parts(), keyboard, quote=False)
        self.count(context, message.chat, reply)
        return Outcome.of(reply)

    async def press_feedback(
        self, query: CallbackQuery, message: Message, value: str, context: Context
    ) -> Outcome:
        """👍/👎 under an answer: counted for the entry (and the group), then the row goes."""
        sign, entry_id = value[:1], value[1:]
        if sign not in ("+", "-") or entry_id not in self.knowledge.entries:
            return await self.expired(query)
        group = message.chat.id if is_group(message.chat) else None
        Insight(context.bot_data).count_feedback(entry_id, sign == "+", group)
        await query.answer(self.text("feedback_thanks"))
        try:
            await message.edit_reply_markup(without_feedback(message.reply_markup))
        except BadRequest as error:  # pressed twice before the first edit arrived
            if "not modified" not in str(error).lower():
                raise
        return Outcome("feedback", entry_id)

    async def cooling_down(self, query: CallbackQuery, message: Message) -> bool:
        """A button in a group (an answer, or an edit while browsing) counts against the group's
        cooldown like any other reply; over it, the presser gets a toast, the group nothing."""
        if is_group(message.chat) and self.cooldown.check(message.chat.id) is not Verdict.REPLY:
            await query.answer(self.text("cooldown_toast"))
            return True
        return False

    async def press_section(self, query: CallbackQuery, message: Message, section: str) -> Outcome:
        if section == "":
            text, keyboard = self.html("topics_prompt"), areas_keyboard(self.knowledge)
        elif section in self.knowledge.sections:
            title = self.knowledge.sections[section]
            text = self.html("section_prompt", section=title)
            keyboard = area_keyboard(self.knowledge, section, self.text("button_back"))
        else:
            return await self.expired(query)
        if await self.cooling_down(query, message):
            return COOLDOWN
        await query.answer()
        await _edit(message, text, keyboard)
        return MENU

    async def press_setting(
        self, query: CallbackQuery, message: Message, press: Press, context: Context
    ) -> Outcome:
        chat = message.chat
        valid = (
            press.value in self.safety.regions
            if press.action is Action.REGION
            else is_group(chat) and press.value in ("on", "off")
        )
        if not valid:
            return await self.expired(query)
        if is_group(chat) and not await self.is_admin(context, chat, query.from_user):
            await query.answer(self.text("settings_admins_only"), show_alert=True)
            return REFUSED
        store = PrefsStore(context.application)
        prefs = store.get(chat.id)
        on = press.value == "on"
        if press.action is Action.REGION:
            await store.set(chat.id, replace(prefs, region=press.value))
        elif press.action is Action.ALERTS:
            await store.set(chat.id, replace(prefs, moderator_alerts=on))
        else:
            await store.set(chat.id, replace(prefs, safety_watch=on))
        await query.answer(self.text("settings_saved"))
        if is_group(chat):
            await _edit(message, *self.settings_view(context, chat.id))
        else:
            await _edit(message, self.html("region_set", region=self.region_name(press.value)))
        return Outcome("settings")

    # -- inline mode -----------------------------------------------------------------------------

    async def inline(self, update: Update, context: Context) -> Outcome:
        query = update.inline_query
        assert query is not None  # guaranteed by InlineQueryHandler
        button = InlineQueryResultsButton(
            self.text("inline_button"), start_parameter=TOPICS_PAYLOAD
        )
        if not query.query.strip():
            await query.answer([], button=button, cache_time=INLINE_CACHE_SECONDS)
            return IGNORED
        region = self.stored_region(context, query.from_user.id) or self.safety.default_region
        reply = self.responder.reply(query.query, ChatSettings(region=region))
        results = self.inline_results(reply)
        await query.answer(
            results, button=button, cache_time=INLINE_CACHE_SECONDS, is_personal=True
        )
        return Outcome.of(reply)

    def inline_results(self, reply: Reply) -> list[InlineQueryResultArticle]:
        """An escalation alone; else the answer and its related topics, or the "did you mean"
        candidates; nothing for small talk and fallbacks (the button offers a private chat)."""
        if reply.kind is Kind.ESCALATION:
            title = self.text("inline_escalation_title")
            description = self.text("inline_escalation_description")
            return [_article("escalation", title, description, reply.text)]
        if reply.kind is Kind.ANSWER and reply.entry is not None:
            entry_ids = [reply.entry, *reply.suggestions]
        elif reply.kind is Kind.CLARIFY:
            entry_ids = list(reply.suggestions)
        else:
            entry_ids = []
        articles = []
        for entry_id in entry_ids:
            entry_reply = self.responder.entry_reply(entry_id)
            entry = self.knowledge.entries[entry_id]
            if entry_reply is not None and len(entry_reply.parts()) == 1:
                preview = _preview(entry.answer)
                articles.append(_article(entry_id, entry.title, preview, entry_reply.text))
        return articles

    # -- errors ----------------------------------------------------------------------------------

    async def on_error(self, update: object, context: Context) -> None:
        """Log ids and the error's kind (never a message's text); apologise where it helps."""
        error = context.error
        if update is None and isinstance(error, TelegramError):  # run_polling's getUpdates errors
            logger.warning("getUpdates failed (%s); polling again", _kind(error))
            return
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(error, Forbidden):
            logger.warning("update %s: Telegram refused the reply (blocked or removed)", update_id)
            return
        if isinstance(error, NetworkError):
            logger.warning("update %s: reply failed after retries (%s)", update_id, _kind(error))
        else:
            logger.error("update %s: %s", update_id, _kind(error), exc_info=error)
        if isinstance(update, Update):
            await self.apologise(update)

    async def apologise(self, update: Update) -> None:
        """A button gets a short note; a private chat a message; a group nothing (no noise)."""
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(self.text("error_apology"))
            elif update.effective_chat is not None and update.effective_chat.type == Chat.PRIVATE:
                await update.effective_chat.send_message(self.html("error_apology"))
        except TelegramError as error:
            logger.warning("update %s: apology not sent (%s)", update.update_id, _kind(error))


def _talker(chat: Chat, sender: User | None) -> tuple[int, int]:
    """Whose conversation a message belongs to: a private chat's, or one member's within a group
    (members of a group don't continue each other's questions)."""
    return (chat.id, sender.id if sender is not None and is_group(chat) else 0)


def _message(update: Update) -> Message:
    assert update.message is not None  # the handlers are registered for messages only
    return update.message


async def _reply_in_parts(
    message: Message,
    parts: list[str],
    keyboard: InlineKeyboardMarkup | None,
    *,
    quote: bool | None,
) -> None:
    """Send a (split) reply; only the first part may quote, only the last carries the keyboard."""
    for number, part in enumerate(parts, start=1):
        await message.reply_text(
            part,
            reply_markup=keyboard if number == len(parts) else None,
            do_quote=quote if number == 1 else False,
        )


async def _edit(message: Message, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    try:
        await message.edit_text(text, reply_markup=keyboard)
    except BadRequest as error:
        if "not modified" not in str(error).lower():  # pressing the same button twice is fine
            raise


def _article(
    result_id: str, title: str, description: str, html_text: str
) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=result_id,
        title=title,
        description=description,
        input_message_content=InputTextMessageContent(html_text, parse_mode=ParseMode.HTML),
    )


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= INLINE_PREVIEW_LENGTH:
        return flat
    return flat[:INLINE_PREVIEW_LENGTH].rsplit(" ", 1)[0] + "…"


def _kind(error: BaseException | None) -> str:
    return type(error).__name__ if error is not None else "unknown error"
