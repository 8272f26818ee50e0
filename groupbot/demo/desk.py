"""The service desk act of the demo: a member asks for a person before opening time, an agent
takes it at 09:05, they talk (a photo included), the member goes silent and the conversation
closes after 4 minutes; in the afternoon the member writes again, another agent answers with
the history and the summary card in the topic, and the member rates the conversation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from groupbot.demo import Demo


def add_desk_chat(d: Demo) -> Any:
    """The staff forum and its two agents; called before the bot is built (its id is a setting)."""
    lang = "zh-hans" if d.locale == "zh-Hans" else "en"
    d.agent1 = d.sb.add_user(d.m("desk.agent1_account"), language_code=lang)
    d.agent2 = d.sb.add_user(d.m("desk.agent2_account"), language_code=lang)
    d.desk = d.sb.add_forum(d.m("desk.chat"), members=[d.agent2], admins=[d.agent1])
    return d.desk


def _at(d: Demo, hour: int, minute: int) -> datetime:
    """The next day at hour:minute in the community's time zone."""
    local = d.clock.now().astimezone(d.settings.tz) + timedelta(days=1)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


async def desk_act(d: Demo) -> None:
    from groupbot.demo import demo_photo

    d.tr.watch(d.desk, d.desk.title)
    for agent in (d.agent1, d.agent2):
        d.tr.watch(agent, d.m("label.private", name=agent.first_name))
    await d.sb.add_bot_to_group(d.desk, by=d.agent1, as_admin=True)
    await d.act(d.m("desk.step.desk_added"))
    d.clock.set(_at(d, 8, 30))
    await d.say(d.ming, d.ming, "/service")
    await d.say(d.ming, d.ming, d.m("desk.member_problem"))
    await d.act(d.m("desk.step.before_opening"))

    d.clock.set(d.clock.now() + timedelta(minutes=35))  # 09:05
    thread = d.sb.topics(d.desk)[0].thread_id
    await d.say(d.agent1, d.desk, d.m("desk.agent1_deskname"))
    await d.act(d.m("desk.step.opening"))
    await d.sb.send_text_in_topic(d.agent1, d.desk, thread, d.m("desk.agent1_hello"))
    await d.act(d.m("desk.step.taken"))
    await d.sb.send_photo(d.ming, d.ming, demo_photo(seed=3), caption=d.m("desk.member_photo"))
    await d.act(d.m("desk.step.member_photo"))
    await d.sb.send_text_in_topic(d.agent1, d.desk, thread, "/r sorry")
    await d.sb.send_photo_in_topic(d.agent1, d.desk, thread, demo_photo(seed=4),
                                   d.m("desk.agent1_photo"))
    await d.act(d.m("desk.step.agent_photo"))
    await d.later(d.m("desk.step.warning"), minutes=3)
    await d.later(d.m("desk.step.idle_closed"), minutes=1)

    d.clock.set(d.clock.now().astimezone(d.settings.tz).replace(hour=14, minute=30))
    await d.say(d.ming, d.ming, d.m("desk.member_again"))
    await d.act(d.m("desk.step.reopened"))
    await d.say(d.agent2, d.desk, d.m("desk.agent2_deskname"))
    await d.sb.send_text_in_topic(d.agent2, d.desk, thread, d.m("desk.agent2_hello"))
    await d.act(d.m("desk.step.second_agent"))
    await d.sb.send_text_in_topic(d.agent2, d.desk, thread, "/close")
    await d.act(d.m("desk.step.closed"))
    await d.tap(d.ming, d.ming, "5")
    await d.act(d.m("desk.step.rated"))
