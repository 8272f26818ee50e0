"""The HTML parser and entity detection, against what Telegram does."""

from __future__ import annotations

import pytest

from groupbot.sandbox.errors import ApiError
from groupbot.sandbox.text import auto_entities, finish, parse_html, utf16_len


def users(uid: int) -> dict | None:
    return {"id": uid, "is_bot": False, "first_name": "王芳"} if uid == 7 else None


def html(source: str) -> tuple[str, list[dict]]:
    text, entities = parse_html(source, users)
    return finish(
        text,
        entities,
        limit=4096,
        empty_error="message text is empty",
        too_long="message is too long",
    )


def test_tags_nesting_and_utf16_offsets() -> None:
    text, entities = html("🍑<b>芒果 <i>坏</i></b> <u>u</u><ins>i</ins><s>s</s><del>d</del>")
    assert text == "🍑芒果 坏 uisd"
    assert entities[:2] == [
        {"offset": 2, "type": "bold", "length": 4},
        {"offset": 5, "type": "italic", "length": 1},
    ]
    assert [e["type"] for e in entities[2:]] == ["underline"] * 2 + ["strikethrough"] * 2


def test_links_mentions_code_quotes_spoilers() -> None:
    text, entities = html(
        '<a href="https://x.org/?a=1&amp;b=2">链接</a> <a href="tg://user?id=7">王芳</a> '
        '<a href="tg://user?id=8">陌生</a> <code>c</code> '
        '<pre><code class="language-python">p</code></pre> <blockquote expandable>q</blockquote> '
        '<tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">t</span>'
    )
    kinds = [
        (e["type"], e.get("url") or e.get("language") or e.get("user", {}).get("id"))
        for e in entities
    ]
    assert kinds == [
        ("text_link", "https://x.org/?a=1&b=2"),
        ("text_mention", 7),  # unknown users get no entity
        ("code", None),
        ("pre", "python"),
        ("expandable_blockquote", None),
        ("spoiler", None),
        ("spoiler", None),
    ]
    assert text.startswith("链接 王芳 陌生 c p q s t")


def test_character_references() -> None:
    assert html("&lt;b&gt; &amp; &quot; &#128512; &#x1F600; AT&T &nbsp;")[0] == (
        '<b> & " 😀 😀 AT&T &nbsp;'
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a <br> b", 'Unsupported start tag "br" at byte offset 2'),
        ("价格 < 50", 'Unsupported start tag "" at byte offset 7'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
    ],
)
def test_invalid_html_is_rejected_like_telegram(source: str, message: str) -> None:
    with pytest.raises(ApiError) as err:
        html(source)
    assert err.value.status == 400
    assert err.value.description == f"Bad Request: can't parse entities: {message}"


def test_trimming_and_auto_entities() -> None:
    text, entities = html("  \n<b> 团购 </b> /start@groupbot_bot #芒果 https://a.cn/x, @li_lei \n")
    assert text == "团购  /start@groupbot_bot #芒果 https://a.cn/x, @li_lei"
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bold", 0, 3),
        ("bot_command", 4, 19),
        ("hashtag", 24, 3),
        ("url", 28, 14),
        ("mention", 44, 7),
    ]
    assert auto_entities("email a@b.com /x/y 1/2", []) == []
    assert utf16_len("😀字") == 3
