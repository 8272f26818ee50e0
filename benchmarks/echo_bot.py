"""A bare python-telegram-bot bot that answers /help with a fixed text: the baseline that
benchmarks/overhead.py compares groupbot with (same sandbox, same polling, same machine).

    python benchmarks/echo_bot.py PORT TOKEN
"""

from __future__ import annotations

import sys

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

HELP = "Commands: /help"


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(HELP)


def main() -> None:
    port, token = sys.argv[1], sys.argv[2]
    app = (Application.builder().token(token)
           .base_url(f"http://127.0.0.1:{port}/bot")
           .base_file_url(f"http://127.0.0.1:{port}/file/bot")
           .concurrent_updates(True).build())
    app.add_handler(CommandHandler("help", help_command))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
