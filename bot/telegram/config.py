"""The bot's settings, read once from environment variables and validated before anything starts.

A mistake fails the start with one sentence that names the variable, never a traceback. The token is a
secret: it never appears in a repr, so logging or printing the settings cannot leak it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from bot.telegram.health import heartbeat_path

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
API_BASE_URL_ENV = "TELEGRAM_API_BASE_URL"
WEBHOOK_URL_ENV = "WEBHOOK_URL"
WEBHOOK_LISTEN_ENV = "WEBHOOK_LISTEN"
WEBHOOK_PORT_ENV = "WEBHOOK_PORT"
WEBHOOK_SECRET_ENV = "WEBHOOK_SECRET"
PERSISTENCE_ENV = "BOT_PERSISTENCE_PATH"
LOG_LEVEL_ENV = "LOG_LEVEL"

DEFAULT_PERSISTENCE_PATH = Path("bot-state.sqlite3")
DEFAULT_WEBHOOK_LISTEN = "0.0.0.0"  # all interfaces: Telegram must reach the webhook
DEFAULT_WEBHOOK_PORT = 8443
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

# BotFather tokens are "<bot id>:<secret>"; Telegram allows webhook secrets of 1-256 of these characters.
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")

_Lookup = Callable[[str], "str | None"]  # an environment variable's trimmed value, None when unset


class ConfigError(Exception):
    """A missing or malformed setting; the message is one sentence for the person deploying the bot."""


@dataclass(frozen=True)
class Webhook:
    url: str  # the public HTTPS address Telegram posts updates to
    listen: str
    port: int
    secret: str = field(repr=False)  # checked on every request (X-Telegram-Bot-Api-Secret-Token)

    @property
    def path(self) -> str:
        """The path the local server answers on: the public URL's path, without the leading slash."""
        return urlsplit(self.url).path.lstrip("/")


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's flood limits as PTB's AIORateLimiter applies them: at most `overall` messages per
    `overall_period` seconds, and `group` per `group_period` seconds in any one group."""

    overall: int = 30
    overall_period: float = 1.0
    group: int = 20
    group_period: float = 60.0

    def faster(self, overall: float = 1.0, group: float = 1.0) -> FloodLimits:
        """The same limits on clocks running `overall` and `group` times faster: the same bursts,
        refilled sooner. Only a local soak, which cannot wait for Telegram's clock, uses this."""
        return replace(
            self,
            overall_period=self.overall_period / overall,
            group_period=self.group_period / group,
        )


TELEGRAM_FLOOD_LIMITS = FloodLimits()


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)
    api_base_url: str | None = None  # a self-hosted Bot API server, passed to PTB's base_url
    webhook: Webhook | None = None  # None: long polling
    persistence_path: Path = DEFAULT_PERSISTENCE_PATH
    log_level: int = logging.INFO
    heartbeat_path: Path | None = None  # touched while running, for `python -m bot health`
    # Telegram's own flood limits (30 messages/s, 20/min per group). Only the benchmark, which talks to a
    # local fake server, switches them off (None), and the soak speeds them up; retries after 429 and
    # network errors stay on.
    flood_limits: FloodLimits | None = TELEGRAM_FLOOD_LIMITS

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        def value(name: str) -> str | None:
            text = env.get(name, "").strip()
            return text or None

        return cls(
            token=_token(value(TOKEN_ENV)),
            api_base_url=_api_base_url(value(API_BASE_URL_ENV)),
            webhook=_webhook(value),
            persistence_path=Path(value(PERSISTENCE_ENV) or DEFAULT_PERSISTENCE_PATH),
            log_level=_log_level(value(LOG_LEVEL_ENV)),
            heartbeat_path=heartbeat_path(env),
        )


def _token(token: str | None) -> str:
    if token is None:
        raise ConfigError(
            f"{TOKEN_ENV} is not set: create a bot with @BotFather and export its token."
        )
    if not _TOKEN.fullmatch(token):
        raise ConfigError(
            f"{TOKEN_ENV} does not look like a bot token (expected digits, a colon, then letters)."
        )
    return token


def _api_base_url(url: str | None) -> str | None:
    if url is not None and not _is_http_url(url, schemes=("http", "https")):
        raise ConfigError(
            f"{API_BASE_URL_ENV} must be an http(s) URL such as http://127.0.0.1:8081/bot."
        )
    return url


def _webhook(value: _Lookup) -> Webhook | None:
    url = value(WEBHOOK_URL_ENV)
    if url is None:
        return None
    if not _is_http_url(url, schemes=("https",)):
        raise ConfigError(
            f"{WEBHOOK_URL_ENV} must be an https:// URL (Telegram only posts to HTTPS)."
        )
    secret = value(WEBHOOK_SECRET_ENV)
    if secret is None:
        raise ConfigError(f"{WEBHOOK_SECRET_ENV} is required when {WEBHOOK_URL_ENV} is set.")
    if not _SECRET.fullmatch(secret):
        raise ConfigError(
            f"{WEBHOOK_SECRET_ENV} must be 1-256 characters of letters, digits, '_' and '-'."
        )
    return Webhook(
        url=url,
        listen=value(WEBHOOK_LISTEN_ENV) or DEFAULT_WEBHOOK_LISTEN,
        port=_port(value(WEBHOOK_PORT_ENV)),
        secret=secret,
    )


def _port(port: str | None) -> int:
    if port is None:
        return DEFAULT_WEBHOOK_PORT
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{WEBHOOK_PORT_ENV} must be a port number from 1 to 65535.")
    return int(port)


def _log_level(level: str | None) -> int:
    if level is None:
        return logging.INFO
    if level.upper() not in LOG_LEVELS:
        raise ConfigError(f"{LOG_LEVEL_ENV} must be one of {', '.join(LOG_LEVELS)}.")
    return logging.getLevelNamesMapping()[level.upper()]


def _is_http_url(url: str, schemes: tuple[str, ...]) -> bool:
    parts = urlsplit(url)
    return parts.scheme in schemes and bool(parts.hostname)
