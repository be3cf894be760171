"""What the bot's logs may hold: update ids, kinds and timings; never a message's text, never the token.

Two guards, because libraries log more than the bot does:
- library loggers that would record payloads or URLs are held at INFO or above (`protect_logs`);
- every log record the process makes, whichever library makes it, is scrubbed as it is made: the
  token's secret is replaced (a proxy's error page quoting the URL ends up in PTB's error messages,
  and their tracebacks), and PTB's few messages that quote the data Telegram sent are withheld.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

REDACTED = "<redacted>"
WITHHELD = "<withheld>"

# Library loggers that would log message payloads (PTB at DEBUG), the token in URLs (httpx at INFO), or
# the webhook's path, which some deployments make secret (tornado's access log at INFO).
_CHATTY_LOGGERS = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "tornado.access": logging.WARNING,
}
# PTB messages (at ERROR and CRITICAL) whose arguments are what Telegram or a proxy sent: updates
# with their text, or a response body.
_PAYLOAD_MESSAGES = ("Received data was", "invalid JSON data")

_secrets: set[str] = set()


def protect_logs(level: int, token: str) -> None:
    """Keep library loggers from recording payloads, whatever LOG_LEVEL says, and the token out of
    every log record from now on."""
    for name, floor in _CHATTY_LOGGERS.items():
        logging.getLogger(name).setLevel(max(level, floor))
    secret = token.partition(":")[2] or token  # the bot id before the colon is public
    if not _secrets:
        logging.setLogRecordFactory(_scrubbing(logging.getLogRecordFactory()))
    _secrets.add(secret)


def _scrubbing(make_record: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make_scrubbed_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        _scrub(record)
        return record

    return make_scrubbed_record


def _scrub(record: logging.LogRecord) -> None:
    if _quotes_payload(record) and record.args:
        # One dict argument (an update) is what logging keeps as `args` itself, for %(name)s styles.
        payloads = record.args if isinstance(record.args, tuple) else (record.args,)
        record.args = tuple(map(_withheld, payloads))
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # arguments that do not fit: logging reports it when emitting
        return
    if _holds_secret(message):
        record.msg, record.args = _without_secrets(message), ()
    if record.exc_info and not record.exc_text:
        trace = logging.Formatter().formatException(record.exc_info)
        if _holds_secret(trace):
            record.exc_text = _without_secrets(trace)  # what formatters print instead
    if record.stack_info and _holds_secret(record.stack_info):
        record.stack_info = _without_secrets(record.stack_info)


def _quotes_payload(record: logging.LogRecord) -> bool:
    message = str(record.msg)
    return record.name.startswith("telegram") and any(m in message for m in _PAYLOAD_MESSAGES)


def _withheld(payload: object) -> str:
    """What a payload becomes in a log: the ids of the updates it held, nothing else."""
    updates = payload if isinstance(payload, list) else [payload]
    ids = [str(u.get("update_id")) for u in updates if isinstance(u, dict) and "update_id" in u]
    return f"<withheld: update {', '.join(ids)}>" if ids else WITHHELD


def _holds_secret(text: str) -> bool:
    return any(secret in text for secret in _secrets)


def _without_secrets(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, REDACTED)
    return text
