"""`python -m bot run`: read the settings, build the bot, and run it until SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path

from telegram.error import InvalidToken, NetworkError

from bot.reply import load_responder
from bot.telegram.app import ALLOWED_UPDATES, BotApplication, build_application
from bot.telegram.config import PERSISTENCE_ENV, ConfigError, Settings
from bot.telegram.webhook import run_webhook

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def run_bot(knowledge_dir: Path | None) -> int:
    """Long polling by default, a webhook when WEBHOOK_URL is set; 0 after a clean shutdown."""
    try:
        settings = Settings.from_env(os.environ)
        _prepare_state_directory(settings.persistence_path)
    except ConfigError as error:
        return _fail(f"Configuration error: {error}", 2)
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    logging.getLogger("telegram.ext").addFilter(_without_startup_traceback)
    try:
        application = build_application(settings, load_responder(knowledge_dir))
    except ConfigError as error:  # the state store cannot be used
        return _fail(f"Configuration error: {error}", 2)
    try:
        _serve(application, settings)
    except InvalidToken:
        return _fail("Telegram did not accept TELEGRAM_BOT_TOKEN: check it with @BotFather.", 2)
    except NetworkError as error:
        return _fail(
            f"Could not reach the Telegram Bot API ({type(error).__name__}): "
            "check the network, or TELEGRAM_API_BASE_URL if you set it.",
            1,
        )
    except OSError as error:
        return _fail(f"Could not start the webhook server: {error.strerror or error}.", 1)
    return 0


def _serve(application: BotApplication, settings: Settings) -> None:
    webhook = settings.webhook
    if webhook is None:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=STOP_SIGNALS)
        return
    run_webhook(application, webhook, ALLOWED_UPDATES, STOP_SIGNALS)


def _prepare_state_directory(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(
            f"{PERSISTENCE_ENV} points into {path.parent}, which cannot be created ({error.strerror})."
        ) from None


def _fail(sentence: str, status: int) -> int:
    sys.stderr.write(sentence + "\n")
    return status


def _without_startup_traceback(record: logging.LogRecord) -> bool:
    """PTB logs a traceback when the start-up getMe fails; `run_bot` says what failed in a sentence."""
    return not record.getMessage().startswith("Network Retry Loop (Bootstrap")
