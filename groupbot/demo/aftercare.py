"""The aftercare act of the demo: 小红's return visit (the day after delivery, 10:00), two stars
with "有两个坏的，不想申请了" → a complaint case in her desk topic; the agent apologises there and
gives a 5 ¥ coupon; 小红 answers that it is solved and the case closes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import messages

if TYPE_CHECKING:
    from groupbot.demo import Demo


async def aftercare_act(d: Demo) -> None:
    def label(key: str) -> str:
        return messages.t(d.locale, f"aftercare.{key}")

    await d.act(d.m("aftercare.step.visit"))
    await d.tap(d.hong, d.hong, label("stars.2"))
    await d.act(d.m("aftercare.step.two_stars"))
    await d.say(d.hong, d.hong, d.m("aftercare.member_comment"))
    await d.act(d.m("aftercare.step.case"))
    thread = d.sb.topics(d.desk)[-1].thread_id  # 小红's topic, opened for the case
    await d.sb.send_text_in_topic(d.agent1, d.desk, thread, d.m("aftercare.agent_apology"))
    await d.act(d.m("aftercare.step.apology"))
    await d.sb.send_text_in_topic(d.agent1, d.desk, thread, "/coupon 5")
    await d.act(d.m("aftercare.step.coupon"))
    await d.tap(d.hong, d.hong, label("case.yes_button"))
    await d.act(d.m("aftercare.step.closed"))
