"""`groupbot sandbox`: the sandbox Bot API and the real bot on loopback, for trying by hand.

It creates an organizer, two members and a group with the bot in it, then prints the curl
commands of the sandbox's control API to act as them and read the bot's answers.
"""

from __future__ import annotations

import asyncio
import contextlib

from telegram import Update

import messages
from groupbot.app import build_application
from groupbot.sandbox import Sandbox
from groupbot.settings import Settings


async def serve(settings: Settings, *, port: int, locale: str | None) -> int:
    locale = locale or settings.default_locale
    sb = Sandbox(port=port)
    await sb.start()
    lang = "zh-hans" if locale == "zh-Hans" else "en"
    t = lambda key, **v: messages.t(locale, f"demo.{key}", **v)  # noqa: E731
    organizer = sb.add_user(t("cast.organizer"), language_code=lang)
    member = sb.add_user(t("cast.member1"), language_code=lang)
    group = sb.add_group(t("cast.group"), members=[organizer, member], admins=[organizer])
    bot_settings = settings.replace(
        bot_token=sb.token, base_url=sb.base_url, base_file_url=sb.base_file_url,
        default_locale=locale,
        database_url=settings.database_url.replace("groupbot.db", "sandbox.db"),
    )
    app = build_application(bot_settings)
    await app.initialize()
    await app.post_init(app)
    await app.updater.start_polling(poll_interval=0, allowed_updates=Update.ALL_TYPES)
    await app.start()
    await sb.add_bot_to_group(group, by=organizer)
    print(t("manual.intro", url=sb.url, organizer=organizer.id, member=member.id,
            group=group.id))
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.Event().wait()
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)
        await sb.stop()
    return 0
