from decimal import Decimal

import pytest

from groupbot.settings import Settings, SettingsError, load_settings


def test_defaults_follow_the_after_sales_policy():
    s = load_settings({})
    assert s.claim_window_hours == 48
    assert s.claim_max_photos == 6
    assert s.nonperishable_return_days == 7
    assert (s.coupon_min, s.coupon_max) == (Decimal("5"), Decimal("10"))
    assert s.default_locale == "zh-Hans" and s.timezone == "Asia/Shanghai" and s.currency == "CNY"
    assert s.database_url.startswith("sqlite+aiosqlite:///./var/")


def test_environment_values_are_parsed():
    s = load_settings(
        {
            "GROUPBOT_ORGANIZER_IDS": "11, 22",
            "GROUPBOT_CLAIM_WINDOW_HOURS": "72",
            "GROUPBOT_COUPON_MAX": "12.50",
            "GROUPBOT_SERVICE_CLOSES": "24:00",
            "GROUPBOT_AUTO_APPROVE_ENABLED": "yes",
        }
    )
    assert s.organizer_ids == frozenset({11, 22})
    assert s.claim_window_hours == 72
    assert s.coupon_max == Decimal("12.50")
    assert s.auto_approve_enabled is True


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("GROUPBOT_CLAIM_WINDOW_HOURS", "two days", "GROUPBOT_CLAIM_WINDOW_HOURS: expected a whole"),
        ("GROUPBOT_TIMEZONE", "Mars/Olympus", "GROUPBOT_TIMEZONE: expected an IANA time zone"),
        ("GROUPBOT_DEFAULT_LOCALE", "fr", "GROUPBOT_DEFAULT_LOCALE: expected one of zh-Hans, en"),
        ("GROUPBOT_REVIEWER_IDS", "alice", "GROUPBOT_REVIEWER_IDS: expected comma-separated"),
        ("GROUPBOT_COUPON_MIN", "-1", "GROUPBOT_COUPON_MIN: expected an amount"),
    ],
)
def test_a_malformed_setting_names_the_variable_in_one_line(var, value, expected):
    with pytest.raises(SettingsError) as err:
        load_settings({var: value})
    message = str(err.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_toml_file_then_environment(tmp_path):
    cfg = tmp_path / "groupbot.toml"
    cfg.write_text('[groupbot]\ncurrency = "HKD"\nclaim_max_photos = 4\n', encoding="utf-8")
    s = load_settings({"GROUPBOT_CLAIM_MAX_PHOTOS": "5"}, config_path=cfg)
    assert s.currency == "HKD" and s.claim_max_photos == 5


def test_unknown_toml_key_is_refused(tmp_path):
    cfg = tmp_path / "groupbot.toml"
    cfg.write_text("claim_window = 3\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="unknown setting 'claim_window'"):
        load_settings({}, config_path=cfg)


def test_settings_are_frozen():
    with pytest.raises(AttributeError):
        Settings().currency = "USD"  # type: ignore[misc]
