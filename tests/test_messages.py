import pytest

import messages


def test_every_key_exists_in_every_locale_with_the_same_placeholders():
    base = messages.catalog(messages.DEFAULT_LOCALE)
    for locale in messages.LOCALES:
        other = messages.catalog(locale)
        assert set(other) == set(base), f"{locale}: keys differ: {set(other) ^ set(base)}"
        for key, template in base.items():
            assert messages.placeholders(other[key]) == messages.placeholders(template), (
                f"{locale}:{key} has different placeholders"
            )


def test_every_template_renders_with_its_placeholders():
    for locale in messages.LOCALES:
        for key, template in messages.catalog(locale).items():
            values = {name: "x" for name in messages.placeholders(template)}
            assert messages.t(locale, key, **values)


def test_values_are_html_escaped():
    out = messages.t("en", "start.welcome", name="<b>Bob & co</b>")
    assert "&lt;b&gt;Bob &amp; co&lt;/b&gt;" in out


def test_mention_is_a_text_mention_with_an_escaped_name():
    assert messages.mention(42, "<小明>") == '<a href="tg://user?id=42">&lt;小明&gt;</a>'


@pytest.mark.parametrize(
    ("code", "group", "expected"),
    [("zh-hans", None, "zh-Hans"), ("zh-TW", None, "zh-Hans"), ("en-GB", None, "en"),
     ("de", None, "zh-Hans"), ("en", "zh-Hans", "zh-Hans"), (None, None, "zh-Hans")],
)
def test_locale_choice(code, group, expected):
    assert messages.pick_locale(code, group) == expected
