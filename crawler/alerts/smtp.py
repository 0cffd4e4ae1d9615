"""SMTP settings from the environment only (never from seed files) and sending one message."""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

SMTP_URL_ENV = "GOVWATCH_SMTP_URL"  # smtp://user:pass@host:587?starttls=1 or smtps://user:pass@host:465
SMTP_HOST_ENV = "GOVWATCH_SMTP_HOST"
SMTP_PORT_ENV = "GOVWATCH_SMTP_PORT"
SMTP_USER_ENV = "GOVWATCH_SMTP_USER"
SMTP_PASSWORD_ENV = "GOVWATCH_SMTP_PASSWORD"
SMTP_STARTTLS_ENV = "GOVWATCH_SMTP_STARTTLS"
SMTP_SSL_ENV = "GOVWATCH_SMTP_SSL"
SMTP_TIMEOUT_ENV = "GOVWATCH_SMTP_TIMEOUT"
MAIL_FROM_ENV = "GOVWATCH_MAIL_FROM"
DEFAULT_TIMEOUT = 30.0
TRUE = ("1", "true", "yes", "on")


class SmtpNotConfigured(RuntimeError):
    """Neither GOVWATCH_SMTP_URL nor GOVWATCH_SMTP_HOST is set."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand mail over; the password is never printed (see `describe`)."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    use_ssl: bool = False
    mail_from: str = ""
    timeout: float = DEFAULT_TIMEOUT

    def describe(self) -> str:
        scheme = "smtps" if self.use_ssl else "smtp"
        user = f"{self.username}:***@" if self.username else ""
        tls = "?starttls=1" if self.starttls else ""
        return f"{scheme}://{user}{self.host}:{self.port}{tls} from {self.mail_from}"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE


def _default_from(username: str | None) -> str:
    if username and "@" in username:
        return username
    return f"govwatch@{socket.getfqdn() or 'localhost'}"


def settings_from_env(env: Mapping[str, str] | None = None) -> SmtpSettings:
    """Read the SMTP settings from the environment; raise SmtpNotConfigured when there are none."""
    env = os.environ if env is None else env
    timeout = float(env.get(SMTP_TIMEOUT_ENV) or DEFAULT_TIMEOUT)
    url = env.get(SMTP_URL_ENV)
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                f"{SMTP_URL_ENV} must look like smtp://user:pass@host:port or smtps://…, got scheme {parts.scheme!r}"
            )
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        use_ssl = parts.scheme == "smtps" or _flag(query.get("ssl"))
        starttls = _flag(query.get("starttls")) and not use_ssl
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        port = parts.port or (465 if use_ssl else 587 if starttls else 25)
        sender = query.get("from") or env.get(MAIL_FROM_ENV) or _default_from(username)
        return SmtpSettings(parts.hostname, port, username, password, starttls, use_ssl, sender, timeout)
    host = env.get(SMTP_HOST_ENV)
    if not host:
        raise SmtpNotConfigured(
            f"SMTP is not configured: set {SMTP_URL_ENV} (smtp://user:pass@host:port?starttls=1) "
            f"or {SMTP_HOST_ENV} and friends"
        )
    use_ssl = _flag(env.get(SMTP_SSL_ENV))
    starttls = _flag(env.get(SMTP_STARTTLS_ENV)) and not use_ssl
    port = int(env.get(SMTP_PORT_ENV) or (465 if use_ssl else 587 if starttls else 25))
    username = env.get(SMTP_USER_ENV) or None
    sender = env.get(MAIL_FROM_ENV) or _default_from(username)
    return SmtpSettings(
        host, port, username, env.get(SMTP_PASSWORD_ENV) or None, starttls, use_ssl, sender, timeout
    )


def send_message(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand one message to the SMTP server; any refusal or network error raises."""
    context = ssl.create_default_context()
    if settings.use_ssl:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        client.ehlo()
        if settings.starttls:
            client.starttls(context=context)
            client.ehlo()
        if settings.username:
            client.login(settings.username, settings.password or "")
        refused = client.send_message(message, from_addr=settings.mail_from)
        if refused:
            # Some recipients were refused while others were accepted: report it, but the message went out.
            raise PartialDelivery(refused)


class PartialDelivery(RuntimeError):
    """The server accepted the message for some recipients and refused others."""

    def __init__(self, refused: dict[str, tuple[int, bytes]]) -> None:
        self.refused = refused
        super().__init__(
            "recipients refused: " + ", ".join(f"{addr} ({code})" for addr, (code, _) in refused.items())
        )
