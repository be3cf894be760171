"""The one place a PTB Application is put together: handlers, error handler, command menus, limits,
persistence. `run_bot` and the tests both build the bot here, so the tests run the real thing."""

from __future__ import annotations

import logging
import os
from functools import partial
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.conversation import MemoryStore
from bot.reply import Responder
from bot.telegram.config import Settings
from bot.telegram.delivery import (
    DrainingApplication,
    FairUpdateProcessor,
    ReadableUpdates,
    ResilientRateLimiter,
)
from bot.telegram.handlers import Frontend, log_unhandled, logged
from bot.telegram.health import Heartbeat
from bot.telegram.logs import protect_logs
from bot.telegram.persistence import open_persistence
from bot.telegram.state import legacy_records, release_empty_data

logger = logging.getLogger(__name__)

BotApplication = Application[Any, Any, Any, Any, Any, Any]

ALLOWED_UPDATES = (
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
    Update.MY_CHAT_MEMBER,  # removed from a group or blocked: forget that chat (see /privacy)
)
# Updates handled at once. Each takes milliseconds of CPU and waits on one HTTP call to Telegram, so a
# few slots keep up with Telegram's 30 messages/s; more only grow the HTTP connection pool, which
# httpcore scans on every request (measured with `python -m bot bench --telegram`).
MAX_ACTIVE_UPDATES = 8
# Settings are committed as they change (PrefsStore); this loop only saves other bot_data, such as
# counters, and costs little since only records that changed are written.
PERSISTENCE_INTERVAL_SECONDS = 10

# The command menus Telegram shows after "/", per kind of chat.
PRIVATE_COMMANDS = (
    "start",
    "topics",
    "help",
    "region",
    "privacy",
    "forget",
    "about",
    "disclaimer",
)
GROUP_COMMANDS = ("ask", "topics", "help", "card", "privacy", "about")
ADMIN_COMMANDS = (*GROUP_COMMANDS, "settings", "stats")


def build_application(
    settings: Settings,
    responder: Responder,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    memory: MemoryStore | None = None,
) -> BotApplication:
    """The bot, ready for `run_polling`/`run_webhook` (or, in tests, initialize/start by hand).

    Raises ConfigError when the state store at `settings.persistence_path` cannot be used."""
    protect_logs(settings.log_level, settings.token)
    # Opt in to PTB's coming time periods (timedelta, not int seconds), as PTB 22 recommends: without
    # it, every 429 RetryAfter raises a deprecation warning inside the rate limiter.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    frontend = Frontend(responder, memory=memory)
    processor = FairUpdateProcessor(MAX_ACTIVE_UPDATES, is_urgent=frontend.escalates)
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .application_class(DrainingApplication)
        .token(settings.token)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(ResilientRateLimiter(flood_limits=settings.flood_limits))
        .concurrent_updates(processor)
        .persistence(
            open_persistence(
                settings.persistence_path,
                PERSISTENCE_INTERVAL_SECONDS,
                partial(legacy_records, settings.persistence_path),
            )
        )
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url)
    if request is not None:
        builder = builder.request(request)
    # PTB's own default for this connection, wrapped so that one update PTB cannot read is skipped.
    updates_connection = get_updates_request or HTTPXRequest(connection_pool_size=1)
    updates = ReadableUpdates(updates_connection)
    updates.before_fetch = processor.room_to_fetch
    builder = builder.get_updates_request(updates)

    heartbeat = Heartbeat(settings.heartbeat_path) if settings.heartbeat_path else None

    async def post_init(application: BotApplication) -> None:
        await register_commands(application, frontend)
        if heartbeat is not None:
            heartbeat.start()

    async def post_stop(_application: BotApplication) -> None:
        if heartbeat is not None:
            await heartbeat.stop()

    application: BotApplication = builder.post_init(post_init).post_stop(post_stop).build()
    add_handlers(application, frontend)
    updates.on_token_rejected = partial(stop_for_revoked_token, application)
    return application


def stop_for_revoked_token(application: BotApplication) -> None:
    """Telegram no longer accepts the token: stop, so that a supervisor restarts the bot (which then
    fails at start with a clear sentence) instead of it idling without polling."""
    logger.error("Telegram answered 401 Unauthorized: the token was revoked; stopping")
    application.stop_running()


def add_handlers(application: BotApplication, frontend: Frontend) -> None:
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    new = filters.UpdateType.MESSAGE  # edits are handled first, by `frontend.edited`
    commands = {
        "start": frontend.start,
        "help": frontend.help,
        "about": frontend.about,
        "disclaimer": frontend.disclaimer,
        "privacy": frontend.privacy,
        "topics": frontend.topics,
        "card": frontend.card,
        "region": frontend.region,
        "settings": frontend.settings,
        "stats": frontend.stats,
        "ask": frontend.ask,
    }
    application.add_handlers(
        [
            MessageHandler(filters.UpdateType.EDITED_MESSAGE, logged("edited", frontend.edited)),
            MessageHandler(filters.StatusUpdate.MIGRATE, logged("migrate", frontend.migrate)),
            *(
                CommandHandler(name, logged(name, callback), new)
                for name, callback in commands.items()
            ),
            CommandHandler("forget", logged("forget", frontend.forget), new & private),
            MessageHandler(new & private & filters.COMMAND, logged("unknown", frontend.help)),
            MessageHandler(new & private & filters.TEXT, logged("text", frontend.private_text)),
            MessageHandler(new & groups & filters.TEXT, logged("group", frontend.group_text)),
            MessageHandler(
                new & private & ~filters.StatusUpdate.ALL, logged("non-text", frontend.non_text)
            ),
            CallbackQueryHandler(logged("button", frontend.button)),
            ChatMemberHandler(
                logged("membership", frontend.membership), ChatMemberHandler.MY_CHAT_MEMBER
            ),
            InlineQueryHandler(logged("inline", frontend.inline)),
            TypeHandler(Update, log_unhandled),  # last: whatever no other handler took
        ]
    )
    application.add_handler(TypeHandler(Update, release_empty_data), group=1)
    application.add_error_handler(frontend.on_error)


async def register_commands(application: BotApplication, frontend: Frontend) -> None:
    """Command menus per scope, and the bot's descriptions. A failure is logged: the bot runs anyway."""
    menus: list[tuple[BotCommandScope, tuple[str, ...]]] = [
        (BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS),
        (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
        (BotCommandScopeAllChatAdministrators(), ADMIN_COMMANDS),
    ]
    bot = application.bot
    for scope, names in menus:
        commands = [BotCommand(name, frontend.text(f"command_{name}")) for name in names]
        try:
            await bot.set_my_commands(commands, scope=scope)
        except TelegramError as error:
            logger.warning("command menu for %s not set (%s)", scope.type, type(error).__name__)
    try:
        await bot.set_my_description(frontend.text("bot_description"))
        await bot.set_my_short_description(frontend.text("bot_short_description"))
    except TelegramError as error:
        logger.warning("bot description not set (%s)", type(error).__name__)
