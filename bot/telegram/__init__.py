"""The Telegram adapter (python-telegram-bot v22): a thin layer over `bot.reply.Responder`.

`app.build_application` assembles the bot; `handlers.Frontend` is its behaviour; `run.run_bot` runs it.
"""

from bot.telegram.run import run_bot

__all__ = ["run_bot"]
