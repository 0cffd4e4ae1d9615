"""`govwatch alerts test|list|deliver`: check the SMTP settings, see the outbox, send what is due."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import col, func, select

from crawler import clock
from crawler.alerts.config import AlertsConfigError, load_alerts
from crawler.cli.app import DbOption, app
from crawler.models import Outbox

alerts_app = typer.Typer(
    help="Alert emails and webhooks: test the SMTP settings, list and deliver the outbox."
)
app.add_typer(alerts_app, name="alerts")
console = Console()
errors = Console(stderr=True)


def _iso(value: Any) -> str | None:
    shown = clock.to_shanghai(value)
    return shown.isoformat(timespec="seconds") if shown else None


@alerts_app.command("test")
def test_command(
    to: Annotated[list[str], typer.Option("--to", help="Recipient address (repeatable)")],
) -> None:
    """Send a test email with the SMTP settings from the environment (GOVWATCH_SMTP_URL or GOVWATCH_SMTP_HOST…)."""
    from crawler.alerts.email import sample_message
    from crawler.alerts.smtp import SmtpNotConfigured, send_message, settings_from_env

    try:
        settings = settings_from_env()
        send_message(settings, sample_message(to=to, sender=settings.mail_from))
    except SmtpNotConfigured as exc:
        errors.print(f"{exc}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    except Exception as exc:  # noqa: BLE001  (show the server's or the network's answer as it is)
        errors.print(
            f"sending failed: {type(exc).__name__}: {exc}", style="red", markup=False, soft_wrap=True
        )
        raise typer.Exit(1) from exc
    console.print(f"test email sent to {', '.join(to)} via {settings.describe()}")


@alerts_app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option("--status", help="pending, sending, sent or failed")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Newest N rows")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON: counts per status and the rows")] = False,
    db: DbOption = None,
) -> None:
    """The outbox: what is queued, retrying (attempts, next try, last error), sent and failed."""
    from crawler.store import Store

    store = Store(db)
    with store.session() as session:
        counts = dict(session.exec(select(Outbox.status, func.count()).group_by(Outbox.status)).all())
        query = select(Outbox).order_by(col(Outbox.id).desc()).limit(limit)
        if status:
            query = query.where(Outbox.status == status)
        rows = session.exec(query).all()
    data = [
        {
            "id": row.id,
            "channel": row.channel,
            "subscription": row.subscription,
            "target": row.target,
            "status": row.status,
            "attempts": row.attempts,
            "next_attempt_at": _iso(row.next_attempt_at),
            "sent_at": _iso(row.sent_at),
            "created_at": _iso(row.created_at),
            "last_error": row.last_error,
            "item_id": (row.payload.get("event") or {}).get("item_id"),
            "change": (row.payload.get("event") or {}).get("change"),
            "title": (row.payload.get("event") or {}).get("title")
            or (row.payload.get("health") or {}).get("source_id"),
            "mode": row.payload.get("mode"),
        }
        for row in rows
    ]
    if as_json:
        typer.echo(json.dumps({"counts": counts, "rows": data}, ensure_ascii=False, indent=2))
        return
    console.print(
        "outbox: " + (", ".join(f"{key} {value}" for key, value in sorted(counts.items())) or "empty")
    )
    table = Table(
        "id", "channel", "subscription", "status", "tries", "next try / sent", "title", "last error"
    )
    for row in data:
        when = row["sent_at"] if row["status"] == "sent" else row["next_attempt_at"]
        table.add_row(
            str(row["id"]),
            row["channel"],
            row["subscription"],
            row["status"],
            str(row["attempts"]),
            when or "",
            (row["title"] or "")[:40],
            (row["last_error"] or "")[:60],
        )
    console.print(table)


@alerts_app.command("deliver")
def deliver_command(db: DbOption = None) -> None:
    """Send every due outbox row now (what `govwatch run` does every minute)."""
    from crawler.alerts.deliver import deliver
    from crawler.store import Store

    try:
        config = load_alerts()
    except AlertsConfigError as exc:
        errors.print(f"alerts file: {exc}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    report = deliver(Store(db), config=config)
    console.print(
        f"sent {report.messages_sent} message(s) ({report.rows_sent} row(s)); "
        f"{report.rows_retrying} retrying, {report.rows_failed} failed"
    )
    for error in dict.fromkeys(report.errors):
        errors.print(error, style="yellow", markup=False, soft_wrap=True)
    if report.rows_retrying or report.rows_failed:
        raise typer.Exit(1)
