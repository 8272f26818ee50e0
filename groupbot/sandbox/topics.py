"""Forum topics and pinned messages: the data, and where a message lands in a forum.

A forum is a supergroup with topics on. Each topic is a thread whose id is the message_id of
its ``forum_topic_created`` service message; every message in it carries ``message_thread_id``
and ``is_topic_message``, and — as Telegram does — a message that replies to nothing else
replies to that service message. A message without a thread goes to the General topic.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import bad_request
from .models import JSON

if TYPE_CHECKING:
    from .state import State

# The colours Telegram accepts for a topic icon (createForumTopic.icon_color).
ICON_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)


@dataclass
class Topic:
    thread_id: int
    name: str
    icon_color: int
    closed: bool = False


@dataclass
class ForumState:
    topics: dict[int, dict[int, Topic]] = field(default_factory=dict)  # chat → thread → topic
    pinned: dict[int, list[int]] = field(default_factory=dict)  # chat → message ids, oldest first


def topic_of(st: State, chat_id: int, thread_id: int) -> Topic:
    group = st.chats.get(chat_id)
    if group is None or not group.is_forum:
        raise bad_request("message thread not found")
    topic = st.forum.topics.get(chat_id, {}).get(thread_id)
    if topic is None:
        raise bad_request("message thread not found")
    return topic


def place_in_topic(
    st: State, chat_id: int, thread_id: int | None, content: JSON, *, may_post_closed: bool = True
) -> None:
    """Put a new message into its topic (content gains message_thread_id & co), or 400.

    The bot is an administrator wherever it manages topics, so it may post in a closed topic;
    people may not (``may_post_closed=False``)."""
    if not thread_id:
        return
    topic = topic_of(st, chat_id, thread_id)
    if topic.closed and not may_post_closed:
        raise bad_request("TOPIC_CLOSED")
    content["message_thread_id"] = thread_id
    content["is_topic_message"] = True
    if "reply_to_message" not in content:
        opening = st.record(chat_id, thread_id)
        if opening is not None:
            quoted = copy.deepcopy(opening.data)
            quoted.pop("reply_to_message", None)
            content["reply_to_message"] = quoted
