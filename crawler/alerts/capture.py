"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, parsed: for the demo and the tests."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml
from aiosmtpd.controller import Controller

from crawler.alerts.email import ITEMS_HEADER, KINDS_HEADER, SUBSCRIPTION_HEADER, TYPE_HEADER
from crawler.alerts.smtp import MAIL_FROM_ENV, SMTP_URL_ENV, SmtpSettings

LOOPBACK = "127.0.0.1"
LOOPBACK_SENDER = "govwatch@localhost.localdomain"


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the server received it: envelope, decoded subject, both parts, and all headers."""

    mail_from: str
    to: tuple[str, ...]
    subject: str
    text: str | None
    html: str | None
    headers: dict[str, str]
    raw: bytes

    @property
    def item_ids(self) -> list[int]:
        value = self.headers.get(ITEMS_HEADER, "")
        return [int(part) for part in value.split(",") if part.strip().isdigit()]

    @property
    def kinds(self) -> list[str]:
        return [part for part in self.headers.get(KINDS_HEADER, "").split(",") if part]

    @property
    def type(self) -> str:
        return self.headers.get(TYPE_HEADER, "")

    @property
    def subscription(self) -> str:
        return self.headers.get(SUBSCRIPTION_HEADER, "")

    def summary(self) -> dict[str, Any]:
        """The demo's view of a message: {"to", "subject", "item_ids", "kinds"}."""
        return {"to": list(self.to), "subject": self.subject, "item_ids": self.item_ids, "kinds": self.kinds}


def parse_message(raw: bytes, mail_from: str, rcpt_tos: list[str]) -> ReceivedMail:
    """Parse raw message bytes the way a mail client would (RFC 2047 subject, MIME parts, charsets)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    return ReceivedMail(
        mail_from=mail_from,
        to=tuple(rcpt_tos),
        subject=str(message.get("Subject", "")),
        text=text_part.get_content() if text_part is not None else None,  # type: ignore[union-attr]
        html=html_part.get_content() if html_part is not None else None,  # type: ignore[union-attr]
        headers={key: str(value) for key, value in message.items()},
        raw=raw,
    )


class _Handler:
    """aiosmtpd handler: keeps each message, or answers a temporary failure while told to."""

    def __init__(self, owner: LoopbackSMTP) -> None:
        self.owner = owner

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        return self.owner._received(envelope)


class LoopbackSMTP:
    """Context manager around aiosmtpd's Controller on 127.0.0.1 (a free port unless given).

    `stop()` and `start()` take the server down and up again on the same port (SMTP outage in tests);
    `refuse(n)` answers the next n messages with a temporary 451 error.
    """

    def __init__(self, port: int | None = None, sender: str = LOOPBACK_SENDER) -> None:
        self.host = LOOPBACK
        self.port = port or _free_port()
        self.sender = sender
        self._messages: list[ReceivedMail] = []
        self._lock = threading.Condition()
        self._refuse = 0
        self._controller: Controller | None = None

    # --- life cycle ---------------------------------------------------------------------------------

    def start(self) -> LoopbackSMTP:
        if self._controller is None:
            controller = Controller(_Handler(self), hostname=self.host, port=self.port, ready_timeout=10)
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> LoopbackSMTP:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- how clients reach it -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def env(self) -> dict[str, str]:
        """Environment variables that point govwatch (and crawl subprocesses) at this server."""
        return {SMTP_URL_ENV: self.url, MAIL_FROM_ENV: self.sender}

    def settings(self) -> SmtpSettings:
        return SmtpSettings(host=self.host, port=self.port, mail_from=self.sender, timeout=10.0)

    # --- what it received ---------------------------------------------------------------------------

    def refuse(self, count: int) -> None:
        """Answer the next `count` messages with '451 try again later' (a transient server failure)."""
        with self._lock:
            self._refuse = count

    def _received(self, envelope: Any) -> str:
        with self._lock:
            if self._refuse > 0:
                self._refuse -= 1
                return "451 4.3.0 Temporary failure, try again later"
            raw = envelope.original_content or envelope.content
            if isinstance(raw, str):
                raw = raw.encode("utf-8")
            self._messages.append(parse_message(raw, envelope.mail_from, list(envelope.rcpt_tos)))
            self._lock.notify_all()
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._messages)

    def summaries(self) -> list[dict[str, Any]]:
        """[{"to", "subject", "item_ids", "kinds"}] for every change or digest email received."""
        return [mail.summary() for mail in self.messages if mail.type in ("change", "digest")]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """Block until at least `count` messages arrived (or the timeout passed); returns them all."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._lock.wait(remaining)
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def write_meeting_alerts(
    path: str | Path, recipients: Sequence[str] = ("demo@localhost.localdomain",), admin: Sequence[str] = ()
) -> Path:
    """An alerts.yaml with one immediate subscription to meeting notices (the demo's); returns its path.

    Point $GOVWATCH_ALERTS at it (crawl subprocesses inherit it) together with LoopbackSMTP.env().
    """
    document = {
        "subscriptions": [
            {"name": "meetings", "recipients": list(recipients),
             "filters": {"kinds": ["meeting"], "changes": ["new", "edited", "deleted"]}}
        ],
        "admin": {"recipients": list(admin)},
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target
