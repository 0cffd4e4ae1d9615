"""`alerts.yaml`: subscriptions, admin recipients and delivery settings, validated like the seeds."""

from __future__ import annotations

import os
import re
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crawler.vocabulary import SHANGHAI, STAGES, Change, Kind, Stage
from crawler.yamlfile import ConfigFileError, read_yaml, validate

ALERTS_ENV = "GOVWATCH_ALERTS"
DEFAULT_ALERTS_PATH = Path("alerts.yaml")
# A deliberately loose check: the SMTP server is the authority, this only catches typos like a missing '@'.
EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class _Strict(BaseModel):
    """Base for alert models: unknown keys are errors, so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_emails(values: list[str]) -> list[str]:
    for value in values:
        if not EMAIL.match(value):
            raise ValueError(f"not an email address: {value!r}")
    return values


class Webhook(_Strict):
    """Where to POST change events as JSON, and the shared secret that signs them (HMAC-SHA256)."""

    url: str
    secret: str | None = None
    secret_env: str | None = None  # name of an environment variable holding the secret instead
    timeout: float = Field(default=10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value

    @model_validator(mode="after")
    def _one_secret(self) -> Webhook:
        if (self.secret is None) == (self.secret_env is None):
            raise ValueError("give exactly one of 'secret' or 'secret_env'")
        return self

    def resolved_secret(self) -> str:
        """The signing secret, read from the environment when configured that way."""
        if self.secret is not None:
            return self.secret
        value = os.environ.get(self.secret_env or "")
        if not value:
            raise LookupError(f"environment variable {self.secret_env} (webhook secret) is not set")
        return value


class Filters(_Strict):
    """Which change events a subscription wants; every given filter must match."""

    sources: list[str] = Field(default_factory=list)  # source ids; empty means every source
    kinds: list[Kind] = Field(default_factory=lambda: ["meeting"])
    keywords: list[str] = Field(default_factory=list)  # any of them, case-insensitive
    regex: str | None = None
    # attachments: the text of the version's attachments (附件), e.g. a list of penalized companies.
    match_in: list[Literal["title", "text", "attachments"]] = Field(default_factory=lambda: ["title", "text"])
    changes: list[Change] = Field(default_factory=lambda: ["new", "edited"])
    # Meetings only: announced (a notice of a meeting to come) and/or held (a report); other kinds pass.
    stages: list[Stage] = Field(default_factory=lambda: list(STAGES))

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from exc
        return value

    @field_validator("kinds", "changes", "match_in", "stages")
    @classmethod
    def _not_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must list at least one value (leave the key out for the default)")
        return value


class Subscription(_Strict):
    """Who hears about which changes, by email and/or webhook, immediately or in a daily digest."""

    name: str
    recipients: list[str] = Field(default_factory=list)
    webhook: Webhook | None = None
    filters: Filters = Field(default_factory=Filters)
    mode: Literal["immediate", "digest"] = "immediate"
    digest_at: str = "08:00"  # HH:MM, Asia/Shanghai; used when mode is digest
    include_baseline: bool = False  # also alert what a source's very first crawl finds
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError("name must be letters, digits, '_', '.', '-' (at most 64)")
        return value

    @field_validator("recipients")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        return _check_emails(value)

    @field_validator("digest_at")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not HHMM.match(value):
            raise ValueError(f"digest_at must be HH:MM (24 h, Asia/Shanghai), got {value!r}")
        return value

    @model_validator(mode="after")
    def _has_target(self) -> Subscription:
        if not self.recipients and self.webhook is None:
            raise ValueError("a subscription needs recipients, a webhook, or both")
        return self

    def next_digest_time(self, after: datetime) -> datetime:
        """The first digest time (Asia/Shanghai wall clock) at or after `after`, as aware UTC."""
        hour, minute = (int(part) for part in self.digest_at.split(":"))
        local = after.astimezone(SHANGHAI)
        candidate = datetime.combine(local.date(), time(hour, minute), tzinfo=SHANGHAI)
        if candidate < local:
            candidate = datetime.combine(
                local.date() + timedelta(days=1), time(hour, minute), tzinfo=SHANGHAI
            )
        return candidate.astimezone(after.tzinfo or SHANGHAI)


class Admin(_Strict):
    """Who hears about broken sources, and after how many bad runs in a row."""

    recipients: list[str] = Field(default_factory=list)
    bad_runs_before_alert: int = Field(default=3, ge=1)

    @field_validator("recipients")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        return _check_emails(value)


class Delivery(_Strict):
    """Retry policy of the outbox: exponential backoff with a cap, then 'failed'."""

    max_attempts: int = Field(default=30, ge=1)
    backoff_seconds: float = Field(default=60.0, gt=0)  # first retry after this, doubling each time
    backoff_cap_seconds: float = Field(default=3600.0, gt=0)
    lease_seconds: float = Field(default=300.0, gt=0)  # a 'sending' row older than this is retried
    batch: int = Field(default=200, ge=1)  # rows claimed per deliver_due call

    def backoff(self, attempts: int) -> timedelta:
        """Delay before the next attempt after `attempts` failed ones (1, 2, 4 … × base, capped)."""
        seconds = self.backoff_seconds * (2 ** max(attempts - 1, 0))
        return timedelta(seconds=min(seconds, self.backoff_cap_seconds))


class AlertsConfig(_Strict):
    """The whole `alerts.yaml`."""

    subscriptions: list[Subscription] = Field(default_factory=list)
    admin: Admin = Field(default_factory=Admin)
    delivery: Delivery = Field(default_factory=Delivery)

    @field_validator("subscriptions")
    @classmethod
    def _unique_names(cls, value: list[Subscription]) -> list[Subscription]:
        names = [sub.name for sub in value]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"subscription names must be unique: {', '.join(duplicates)}")
        return value

    def subscription(self, name: str) -> Subscription | None:
        return next((sub for sub in self.subscriptions if sub.name == name), None)


class AlertsConfigError(ConfigFileError):
    """An alerts file that could not be loaded; names the file and the offending key."""


def alerts_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The explicit path, else $GOVWATCH_ALERTS, else ./alerts.yaml."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ALERTS_ENV):
        return Path(os.environ[ALERTS_ENV])
    return DEFAULT_ALERTS_PATH


def parse_alerts(raw: Any, path: Path) -> AlertsConfig:
    """Validate already-parsed YAML; raise AlertsConfigError naming the file and key."""
    if raw is None:
        return AlertsConfig()
    return validate(AlertsConfig, raw, path, AlertsConfigError)


def load_alerts(path: str | os.PathLike[str] | None = None, *, required: bool = False) -> AlertsConfig:
    """Load `alerts.yaml`; a missing file means no subscriptions (unless `required`)."""
    file = alerts_path(path)
    if not file.exists():
        if required or path is not None:
            raise AlertsConfigError(file, "(file)", "alerts file does not exist")
        return AlertsConfig()
    return parse_alerts(read_yaml(file, AlertsConfigError), file)
