"""Settings from environment variables: valid ones are read, mistakes are one clear sentence."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.telegram.config import ConfigError, Settings

TOKEN = "123456:ABC-def_ghi"
WEBHOOK = {
    "TELEGRAM_BOT_TOKEN": TOKEN,
    "WEBHOOK_URL": "https://bot.example.org/telegram/hook",
    "WEBHOOK_SECRET": "s3cret_-value",
}


def test_only_the_token_is_required() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": f"  {TOKEN} "})
    assert settings.token == TOKEN
    assert settings.webhook is None
    assert settings.api_base_url is None
    assert settings.persistence_path == Path("bot-state.sqlite3")
    assert settings.log_level == logging.INFO
    assert settings.flood_limits


def test_everything_can_be_configured() -> None:
    settings = Settings.from_env(
        {
            **WEBHOOK,
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": "8080",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "BOT_PERSISTENCE_PATH": "/data/state.sqlite3",
            "LOG_LEVEL": "debug",
        }
    )
    assert settings.api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.persistence_path == Path("/data/state.sqlite3")
    assert settings.log_level == logging.DEBUG
    webhook = settings.webhook
    assert webhook is not None
    assert (webhook.listen, webhook.port, webhook.path) == ("127.0.0.1", 8080, "telegram/hook")
    assert webhook.secret == "s3cret_-value"


def test_a_webhook_listens_on_all_interfaces_on_8443_by_default() -> None:
    webhook = Settings.from_env(WEBHOOK).webhook
    assert webhook is not None
    assert (webhook.listen, webhook.port) == ("0.0.0.0", 8443)


def test_the_token_and_the_secret_never_show_in_a_repr() -> None:
    settings = Settings.from_env(WEBHOOK)
    shown = repr(settings)
    assert TOKEN not in shown
    assert "ABC-def_ghi" not in shown
    assert "s3cret" not in shown
    assert "bot.example.org" in shown


TOKEN_ONLY = {"TELEGRAM_BOT_TOKEN": TOKEN}


@pytest.mark.parametrize(
    ("env", "sentence_start"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "   "}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "not a token"}, "TELEGRAM_BOT_TOKEN does not look"),
        ({"TELEGRAM_BOT_TOKEN": "abc:def"}, "TELEGRAM_BOT_TOKEN does not look"),
        ({**TOKEN_ONLY, "TELEGRAM_API_BASE_URL": "ftp://x/bot"}, "TELEGRAM_API_BASE_URL must"),
        ({**TOKEN_ONLY, "TELEGRAM_API_BASE_URL": "localhost:8081"}, "TELEGRAM_API_BASE_URL must"),
        (
            {**WEBHOOK, "WEBHOOK_URL": "http://bot.example.org/hook"},
            "WEBHOOK_URL must be an https",
        ),
        ({**TOKEN_ONLY, "WEBHOOK_URL": "https://bot.example.org/"}, "WEBHOOK_SECRET is required"),
        ({**WEBHOOK, "WEBHOOK_SECRET": "has spaces in it"}, "WEBHOOK_SECRET must be"),
        ({**WEBHOOK, "WEBHOOK_SECRET": "x" * 257}, "WEBHOOK_SECRET must be"),
        ({**WEBHOOK, "WEBHOOK_PORT": "eighty"}, "WEBHOOK_PORT must be"),
        ({**WEBHOOK, "WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT must be"),
        ({**TOKEN_ONLY, "LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
    ],
)
def test_a_mistake_is_one_sentence_naming_the_variable(
    env: dict[str, str], sentence_start: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    message = str(caught.value)
    assert message.startswith(sentence_start)
    assert message.endswith(".")
    assert "\n" not in message


def test_a_configuration_error_stops_the_bot_with_one_line_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.telegram import run_bot

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/hook")
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    assert run_bot(None) == 2
    error = capsys.readouterr().err
    assert error == "Configuration error: WEBHOOK_SECRET is required when WEBHOOK_URL is set.\n"
