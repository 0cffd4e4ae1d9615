"""alerts.yaml validation (unknown keys, file and key named, defaults) and SMTP settings from the environment."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.alerts.config import AlertsConfigError, load_alerts
from crawler.alerts.smtp import SmtpNotConfigured, settings_from_env

EXAMPLE = Path(__file__).resolve().parents[2] / "alerts.example.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults(tmp_path: Path) -> None:
    config = load_alerts(write(tmp_path, "subscriptions:\n  - name: m\n    recipients: [a@example.org]\n"))
    (sub,) = config.subscriptions
    assert sub.filters.kinds == ["meeting"] and sub.filters.changes == ["new", "edited"]
    assert sub.mode == "immediate" and sub.include_baseline is False
    assert config.admin.bad_runs_before_alert == 3


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        (
            "subscriptions:\n  - name: m\n    recipients: [a@example.org]\n    recipient: [b@example.org]\n",
            "subscriptions.0.recipient",
            "Extra inputs",
        ),
        (
            "subscriptions:\n  - name: m\n    recipients: [not-an-address]\n",
            "subscriptions.0.recipients",
            "not an email",
        ),
        ("subscriptions:\n  - name: m\n", "subscriptions.0", "recipients, a webhook"),
        (
            "subscriptions:\n  - name: m\n    recipients: [a@example.org]\n    filters: {kinds: [meetings]}\n",
            "subscriptions.0.filters.kinds.0",
            "meeting",
        ),
        (
            "subscriptions:\n  - name: m\n    recipients: [a@example.org]\n    filters: {regex: '(['}\n",
            "subscriptions.0.filters.regex",
            "invalid regular",
        ),
        (
            "subscriptions:\n  - name: m\n    recipients: [a@example.org]\n    mode: digest\n    digest_at: '25:00'\n",
            "subscriptions.0.digest_at",
            "HH:MM",
        ),
        (
            "subscriptions:\n  - name: m\n    webhook: {url: 'ftp://x'}\n",
            "subscriptions.0.webhook.url",
            "http",
        ),
        (
            "admin: {recipients: [a@example.org], bad_runs_before_alert: 0}\n",
            "admin.bad_runs_before_alert",
            "greater than",
        ),
        ("smtp: {host: x}\n", "smtp", "Extra inputs"),  # SMTP settings come from the environment only
        ("- just\n- a list\n", "(file)", "mapping"),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path: Path, text: str, key: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(AlertsConfigError) as caught:
        load_alerts(path)
    assert caught.value.path == path and caught.value.key == key
    assert message in caught.value.message
    assert str(path) in str(caught.value)


def test_path_from_the_environment_and_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOVWATCH_ALERTS", raising=False)
    assert load_alerts().subscriptions == []  # no ./alerts.yaml: no subscriptions, no error
    path = write(tmp_path, "admin: {recipients: [root@example.org]}\n")
    monkeypatch.setenv("GOVWATCH_ALERTS", str(path))
    assert load_alerts().admin.recipients == ["root@example.org"]
    with pytest.raises(AlertsConfigError):
        load_alerts(tmp_path / "nope.yaml")


def test_digest_time_is_shanghai_wall_clock() -> None:
    config = load_alerts(EXAMPLE)
    digest = next(sub for sub in config.subscriptions if sub.mode == "digest")
    hour, minute = (int(part) for part in digest.digest_at.split(":"))
    after = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
    due = digest.next_digest_time(after)
    assert due > after and (due - after).total_seconds() <= 86400
    local = due.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert (local.hour, local.minute) == (hour, minute)


def test_the_documented_example_is_valid() -> None:
    config = load_alerts(EXAMPLE)
    assert config.subscriptions and any(sub.webhook for sub in config.subscriptions)


def test_smtp_settings_from_a_url() -> None:
    settings = settings_from_env(
        {"GOVWATCH_SMTP_URL": "smtp://alerts%40example.org:p%40ss@mail.example.org:2525?starttls=1"}
    )
    assert (settings.host, settings.port, settings.starttls, settings.use_ssl) == (
        "mail.example.org",
        2525,
        True,
        False,
    )
    assert (settings.username, settings.password) == ("alerts@example.org", "p@ss")
    assert settings.mail_from == "alerts@example.org"
    assert "p@ss" not in settings.describe()
    secure = settings_from_env(
        {"GOVWATCH_SMTP_URL": "smtps://u:p@mail.example.org", "GOVWATCH_MAIL_FROM": "gw@example.org"}
    )
    assert (secure.port, secure.use_ssl, secure.starttls, secure.mail_from) == (
        465,
        True,
        False,
        "gw@example.org",
    )


def test_smtp_settings_from_separate_variables() -> None:
    settings = settings_from_env(
        {
            "GOVWATCH_SMTP_HOST": "mail.example.org",
            "GOVWATCH_SMTP_STARTTLS": "true",
            "GOVWATCH_SMTP_USER": "u",
            "GOVWATCH_SMTP_PASSWORD": "p",
            "GOVWATCH_MAIL_FROM": "gw@example.org",
        }
    )
    assert (settings.port, settings.starttls, settings.username, settings.password) == (587, True, "u", "p")
    with pytest.raises(SmtpNotConfigured, match="GOVWATCH_SMTP_URL"):
        settings_from_env({})
    with pytest.raises(ValueError, match="smtp://"):
        settings_from_env({"GOVWATCH_SMTP_URL": "http://mail.example.org"})


def test_the_demo_subscription_file(tmp_path: Path) -> None:
    from crawler.alerts.capture import write_meeting_alerts

    config = load_alerts(write_meeting_alerts(tmp_path / "demo" / "alerts.yaml", ["demo@example.org"]))
    (sub,) = config.subscriptions
    assert (sub.recipients, sub.filters.kinds, sub.mode, sub.include_baseline) == (
        ["demo@example.org"],
        ["meeting"],
        "immediate",
        False,
    )
