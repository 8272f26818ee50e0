"""The playground's HTML sanitizer: whatever a message carries, only Telegram's tags reach the
page, with no event attributes and no javascript: (or data:) links."""

import re

import pytest

from groupbot.sandbox.playground.safe_html import render, safe_url
from groupbot.sandbox.text import parse_html

TAGS = {"b", "i", "u", "s", "code", "pre", "a", "tg-spoiler", "blockquote"}


def tags(html: str) -> set[str]:
    return {m.lower() for m in re.findall(r"</?([a-zA-Z][\w-]*)", html)}


def from_html(source: str) -> str:
    """As the bot sends it with parse_mode=HTML: the sandbox parses like Telegram, we render."""
    text, entities = parse_html(source, lambda user_id: {"id": user_id, "is_bot": False,
                                                         "first_name": "X"})
    return render(text, entities)


def test_telegram_formatting_is_kept():
    html = from_html('<b>bold</b> <i>it</i> <u>u</u> <s>s</s> <code>c</code> '
                     '<tg-spoiler>sp</tg-spoiler> <a href="https://example.com/?a=1&amp;b=2">l</a>'
                     '<blockquote>q</blockquote><pre><code class="language-py">x = 1</code></pre>')
    assert html == (
        '<b>bold</b> <i>it</i> <u>u</u> <s>s</s> <code>c</code> <tg-spoiler>sp</tg-spoiler> '
        '<a href="https://example.com/?a=1&amp;b=2">l</a><blockquote>q</blockquote>'
        '<pre data-language="py">x = 1</pre>')


def test_script_tags_in_the_text_are_shown_as_text():
    html = render("<script>alert(1)</script><img src=x onerror=alert(2)>", [])
    assert html == "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
    assert tags(html) == set()


def test_entity_over_markup_text_still_escapes_it():
    html = render("<script>x</script>", [{"type": "bold", "offset": 0, "length": 18}])
    assert html == "<b>&lt;script&gt;x&lt;/script&gt;</b>"


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,<b>x",
    "vbscript:msgbox(1)", "java\tscript:alert(1)", "https://ok.example/\" onclick=\"alert(1)",
    "https://ok.example/<script>", "file:///etc/passwd", "//evil.example",
])
def test_links_that_could_run_code_lose_their_link_but_keep_their_text(url):
    html = render("click", [{"type": "text_link", "offset": 0, "length": 5, "url": url}])
    assert html == "click"


def test_event_attributes_cannot_be_smuggled_in_through_entity_fields():
    html = render("code", [{"type": "pre", "offset": 0, "length": 4,
                            "language": 'x" onmouseover="alert(1)'}])
    assert html == "<pre>code</pre>"
    html = render("me", [{"type": "text_mention", "offset": 0, "length": 2,
                          "user": {"id": '1" onclick="alert(1)'}}])
    assert html == "me"
    html = render("x", [{"type": "bold onclick", "offset": 0, "length": 1}])
    assert html == "x"
    assert "on" not in "".join(re.findall(r"<[^>]*>", from_html(
        '<a href="https://a.example" onclick="alert(1)">a</a><b onclick=alert(1)>b</b>')))


def test_the_bots_unusable_links_are_dropped_as_telegram_drops_them():
    assert from_html('<a href="javascript:alert(1)">x</a>') == "x"


def test_safe_links_mentions_and_commands():
    assert safe_url("tg://user?id=5") == "tg://user?id=5"
    assert safe_url("mailto:a@b.example") == "mailto:a@b.example"
    html = render("/start @ming_1 https://t.me/bot?start=o1", [
        {"type": "bot_command", "offset": 0, "length": 6},
        {"type": "mention", "offset": 7, "length": 7},
        {"type": "url", "offset": 15, "length": 25},
    ])
    assert html == ('<a class="command">/start</a> '
                    '<a class="mention" href="tg://resolve?domain=ming_1">@ming_1</a> '
                    '<a href="https://t.me/bot?start=o1">https://t.me/bot?start=o1</a>')
    assert from_html('<a href="tg://user?id=42">小明</a>') == (
        '<a class="mention" href="tg://user?id=42">小明</a>')


def test_offsets_count_utf16_units_and_overlaps_stay_well_formed():
    assert render("🍊 ok", [{"type": "bold", "offset": 3, "length": 2}]) == "🍊 <b>ok</b>"
    html = render("abcdef", [{"type": "bold", "offset": 0, "length": 4},
                             {"type": "italic", "offset": 2, "length": 4}])
    assert html == "<b>ab<i>cd</i></b><i>ef</i>"
    assert render("ab", [{"type": "bold", "offset": 1, "length": 9}]) == "ab"  # out of range
    assert render("a\nb", [{"type": "blockquote", "offset": 0, "length": 3}]) == (
        "<blockquote>a\nb</blockquote>")


def test_only_telegram_tags_ever_come_out():
    every = ["bold", "italic", "underline", "strikethrough", "code", "pre", "spoiler",
             "blockquote", "expandable_blockquote", "text_link", "url", "email", "mention",
             "text_mention", "bot_command", "hashtag", "cashtag", "custom_emoji", "phone_number"]
    entities = [{"type": kind, "offset": 0, "length": 12, "url": "https://a.example",
                 "user": {"id": 1}, "custom_emoji_id": "1"} for kind in every]
    assert tags(render("@abc_def.org", entities)) <= TAGS
