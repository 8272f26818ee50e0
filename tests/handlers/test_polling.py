"""Polling loses no update at a crash: what was fetched (and so confirmed to Telegram by the
next getUpdates) is kept until handled, and a restart handles it — once."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from telegram import Update

import messages
from groupbot.app import build_application
from groupbot.models import Deal
from groupbot.models.scale import UPDATE_DONE, UPDATE_RECEIVED, TakenUpdate
from groupbot.scale.updates import REFEED_AT_MOST, wall_now
from handlers.ticks import tick_now
from handlers.unit import Out
from tests.conftest import engine_for
from tests.factories import community_with_bot
from tests.harness import BotHarness
from tests.scale.helpers import wait_until

DEAL = "/deal 阳山水蜜桃 25.8/斤 20:00 限购5 库存6"


async def usual_start_reply(bot: BotHarness, name: str) -> str:
    """What any member called ``name`` is answered to /start (said by someone else first)."""
    other = bot.sb.add_user("小红", language_code="zh-hans")
    await bot.say(other, "/start")
    [reply] = bot.texts(other)
    assert reply.startswith(messages.t("zh-Hans", "start.welcome", name="小红"))
    return reply.replace("小红", name)


async def kept(bot: BotHarness) -> dict[int, str]:
    async with bot.rt.tx() as s:
        return dict((await s.execute(select(TakenUpdate.update_id, TakenUpdate.status))).all())


async def polls_but_never_handles(bot: BotHarness) -> BotHarness:
    """A process that fetches updates and dies before handling them: its Updater polls (so
    Telegram is told they arrived), its Application never takes them off the queue."""
    dying = BotHarness(bot.sb, bot.settings, engine_for(bot.settings.database_url), bot.clock)
    dying.rt = bot.rt
    dying.app = build_application(dying.settings, runtime=bot.rt)
    await dying.app.initialize()
    await dying.app.post_init(dying.app)
    await dying.app.updater.start_polling(poll_interval=0.0, timeout=1,
                                          allowed_updates=Update.ALL_TYPES)
    return dying


async def die(dying: BotHarness) -> None:
    """SIGKILL, as far as the queue is concerned: nothing left in it is handled."""
    await dying.app.updater.stop()
    await dying.app.shutdown()


async def test_a_start_fetched_just_before_a_crash_is_answered_after_the_restart(bot):
    await bot.stop()
    ming = bot.sb.add_user("小明", language_code="zh-hans")
    dying = await polls_but_never_handles(bot)
    sent = await bot.sb.send_text(ming, ming, "/start")
    # Fetched and confirmed: Telegram would not send it again.
    await wait_until(lambda: not bot.sb.state.updates and bot.sb.state.fetched_upto > 0)
    assert list((await kept(bot)).values()) == [UPDATE_RECEIVED]
    await die(dying)
    assert bot.texts(ming) == []

    await bot.start()
    await bot.settle()
    assert bot.texts(ming) == [await usual_start_reply(bot, "小明")]
    assert set((await kept(bot)).values()) == {UPDATE_DONE}
    await bot.restart()  # handled and marked done: a second restart says nothing again
    await bot.settle()
    assert bot.texts(ming) == []
    assert sent["text"] == "/start"


async def test_an_update_kept_and_sent_again_by_telegram_is_handled_once(bot):
    """The process kept the batch and died before its next getUpdates confirmed it: the
    restart takes it from the database and Telegram delivers it again; one answer."""
    await bot.stop()
    ming = bot.sb.add_user("小明", language_code="zh-hans")
    await bot.sb.send_text(ming, ming, "/start")
    payload = dict(bot.sb.state.updates[-1])
    update_id = payload["update_id"]
    async with bot.rt.tx() as s:  # what the dead process's keep wrote
        s.add(TakenUpdate(update_id=update_id, chat_key=ming.id, status=UPDATE_RECEIVED,
                          holder="dead:1:x", taken_at=wall_now(), payload=payload, refed=0))
    assert bot.sb.state.updates  # not confirmed: Telegram still has it for the next poll

    await bot.start()
    await bot.settle()
    await wait_until(lambda: not bot.sb.state.updates)
    await bot.settle()
    assert bot.texts(ming) == [await usual_start_reply(bot, "小明")]
    assert (await kept(bot))[update_id] == UPDATE_DONE


async def test_an_update_in_the_queue_at_every_crash_is_left_after_three_restarts(bot):
    await bot.stop()
    ming = bot.sb.add_user("小明", language_code="zh-hans")
    await bot.sb.send_text(ming, ming, "/start")
    payload = dict(bot.sb.state.updates[-1])
    bot.sb.state.confirm(payload["update_id"] + 1)
    async with bot.rt.tx() as s:  # re-fed at each of the last three starts, never finished
        s.add(TakenUpdate(update_id=payload["update_id"], chat_key=ming.id,
                          status=UPDATE_RECEIVED, holder="dead:1:x", taken_at=wall_now(),
                          payload=payload, refed=REFEED_AT_MOST))
    await bot.start()
    await bot.settle()
    assert bot.texts(ming) == []
    assert (await kept(bot))[payload["update_id"]] == UPDATE_DONE


class Killed(BaseException):
    """SIGKILL, as far as the dying code can tell: nothing after it runs."""


async def test_a_deal_decided_just_before_a_crash_is_not_decided_again_after_the_restart(
        bot, monkeypatch):
    """The /deal's transaction committed (the deal, its card's intent, and the update marked
    done), then the process died before it spoke. After the restart the card is posted once
    from its intent, and the /deal is not handled a second time."""
    c = await community_with_bot(bot, "小明")

    async def dies_before_speaking(self, update, context):
        raise Killed

    monkeypatch.setattr(Out, "flush", dies_before_speaking)
    await bot.sb.send_text(c.organizer, c.group, DEAL)
    await bot.settle()
    assert bot.replies(c.group) == []
    async with bot.rt.tx() as s:
        assert await s.scalar(select(func.count()).select_from(Deal)) == 1
    await bot.stop()
    monkeypatch.undo()

    await bot.start()
    await tick_now(bot.app)
    await bot.settle()
    [card] = bot.replies(c.group)
    assert card["text"] == ("🛒 接龙：阳山水蜜桃\n单价：¥25.80/斤\n"
                            "生鲜商品：收货后请立即检查，有问题48小时内拍照申请售后\n每人限购 5斤\n"
                            "剩余库存：6斤\n截止：11-20 20:00\n\n已接龙 0 人，共 0斤")
    assert [label for label, _ in bot.sb.buttons(card)] == [
        "接龙 1斤", "接龙 2斤", "其他数量", "取消我的"]
    assert set((await kept(bot)).values()) == {UPDATE_DONE}
    async with bot.rt.tx() as s:
        assert await s.scalar(select(func.count()).select_from(Deal)) == 1


async def test_a_batch_handled_before_the_next_poll_is_not_written_before_it_is_done(
        bot, monkeypatch):
    """When the bot is not busy a /help is answered before the next getUpdates: it is only
    marked done, never kept (one write fewer per update); one that is not handled in time is
    kept as before (the crash tests above)."""
    from groupbot.scale.updates import PolledUpdates
    from handlers import polling

    kept_batches: list[list[int]] = []
    real_keep = PolledUpdates.keep

    async def keep(self, updates):
        kept_batches.append([u for u, _, _ in updates])
        await real_keep(self, updates)

    monkeypatch.setattr(PolledUpdates, "keep", keep)
    # However slow this machine is, the answer comes before the next poll gives up waiting.
    monkeypatch.setattr(polling, "HANDLED_WAIT", 10.0)
    ming = bot.sb.add_user("小明", language_code="zh-hans")
    await bot.say(ming, "/help")
    [help_text] = bot.texts(ming)
    assert help_text.startswith(messages.t("zh-Hans", "start.role.member"))
    await bot.say(ming, "/help")  # its getUpdates confirmed the first one
    assert bot.texts(ming) == [help_text]
    await bot.settle()
    assert kept_batches == []
    async def both_done() -> bool:
        return list((await kept(bot)).values()) == [UPDATE_DONE, UPDATE_DONE]

    done = False
    for _ in range(40):  # the done marks go in one batch within half a second
        if done := await both_done():
            break
        await asyncio.sleep(0.05)
    assert done
