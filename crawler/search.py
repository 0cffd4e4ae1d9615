"""Full-text search over item and attachment text, through each dialect's own index (tables: models.py).

SQLite: FTS5 with the trigram tokenizer (substring matches in Chinese without a word segmenter) for terms
of three characters or more, and a contentless FTS5 index of character bigrams for two-character terms,
which trigrams cannot match. PostgreSQL: ILIKE over a pg_trgm GIN index. One document per item text and per
attachment text; `index_item` replaces an item's documents inside the transaction that stores its version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text

from crawler.models import Item
from crawler.searchtext import TRIGRAM_MIN, Passage, bigram_tokens, check_term, fts_phrase, passage

DEFAULT_LIMIT = 20


@dataclass(frozen=True)
class Document:
    """One searchable text: the item's own (name '') or one attachment's."""

    name: str
    url: str
    body: str


@dataclass(frozen=True)
class Hit:
    """One item that matched, where it matched (its text or an attachment) and the passage."""

    item_id: int
    title: str | None
    url: str
    source_id: str
    kind: str
    last_changed: datetime | None
    attachment: str | None  # the attachment's name, None when the item's own text matched
    attachment_url: str | None
    passage: Passage | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "title": self.title,
            "url": self.url,
            "source_id": self.source_id,
            "kind": self.kind,
            "last_changed": self.last_changed.isoformat() if self.last_changed else None,
            "in": "attachment" if self.attachment is not None else "text",
            "attachment": self.attachment,
            "attachment_url": self.attachment_url,
            "passage": self.passage.marked("<<", ">>") if self.passage else None,
            "before": self.passage.before if self.passage else None,
            "match": self.passage.match if self.passage else None,
            "after": self.passage.after if self.passage else None,
        }


def _dialect(db: Any) -> str:
    bind = db.get_bind() if hasattr(db, "get_bind") else db
    return bind.dialect.name


def item_document(title: str | None, body: str) -> Document:
    return Document("", "", f"{title or ''}\n{body}")


def index_item(db: Any, item_id: int, documents: Iterable[Document]) -> None:
    """Replace the item's search documents (call inside the storing transaction: Session or Connection)."""
    if _dialect(db) == "sqlite":
        # A contentless FTS5 index forgets a row only when told the tokens it was given for it.
        old = db.execute(text("SELECT rowid, body FROM search_doc WHERE item_id = :i"), {"i": item_id}).all()
        for rowid, body in old:
            db.execute(
                text("INSERT INTO search_bigram(search_bigram, rowid, body) VALUES('delete', :r, :b)"),
                {"r": rowid, "b": bigram_tokens(body)},
            )
    db.execute(text("DELETE FROM search_doc WHERE item_id = :i"), {"i": item_id})
    _insert_documents(db, [(item_id, doc) for doc in documents])


def _insert_sqlite(db: Any, rows: Sequence[tuple[int, Document]]) -> None:
    if not rows:
        return
    # Explicit rowids: RETURNING does not report a virtual table's rowid, and both indexes must share it.
    top = db.execute(text("SELECT rowid FROM search_doc ORDER BY rowid DESC LIMIT 1")).scalar() or 0
    numbered = [(top + offset, item_id, doc) for offset, (item_id, doc) in enumerate(rows, start=1)]
    db.execute(
        text("INSERT INTO search_doc (rowid, item_id, name, url, body) VALUES (:r, :i, :n, :u, :b)"),
        [{"r": r, "i": item_id, "n": doc.name, "u": doc.url, "b": doc.body} for r, item_id, doc in numbered],
    )
    db.execute(
        text("INSERT INTO search_bigram (rowid, body) VALUES (:r, :b)"),
        [{"r": r, "b": bigram_tokens(doc.body)} for r, _, doc in numbered],
    )


CURRENT_DOCUMENTS = """
SELECT v.item_id, v.title, v.text, a.name, a.url, f.text
FROM item i
JOIN item_version v ON v.item_id = i.id AND v.version = i.version_count
LEFT JOIN item_attachment a ON a.item_id = i.id AND a.version = i.version_count
LEFT JOIN attachment_file f ON f.sha256 = a.sha256
WHERE i.id > :after AND i.id <= :upto
ORDER BY v.item_id, a.position
"""


def rebuild(connection: Any, batch: int = 2000) -> int:
    """Index every item's current version and attachments from scratch (migration, bench); returns items."""
    connection.execute(text("DELETE FROM search_doc"))
    if _dialect(connection) == "sqlite":
        connection.execute(text("INSERT INTO search_bigram(search_bigram) VALUES('delete-all')"))
    top = connection.execute(text("SELECT COALESCE(MAX(id), 0) FROM item")).scalar_one()
    count = 0
    for after in range(0, top, batch):
        documents: dict[int, list[Document]] = {}
        for item_id, title, body, name, url, file_text in connection.execute(
            text(CURRENT_DOCUMENTS), {"after": after, "upto": after + batch}
        ):
            docs = documents.setdefault(item_id, [item_document(title, body)])
            if name is not None and file_text:
                docs.append(Document(name, url, file_text))
        _insert_documents(connection, [(item_id, doc) for item_id, docs in documents.items() for doc in docs])
        count += len(documents)
    return count


def _insert_documents(db: Any, rows: Sequence[tuple[int, Document]]) -> None:
    """New search documents (empty texts are not indexed)."""
    rows = [(item_id, doc) for item_id, doc in rows if doc.body.strip()]
    if _dialect(db) == "sqlite":
        _insert_sqlite(db, rows)
    elif rows:
        db.execute(
            text("INSERT INTO search_doc (item_id, name, url, body) VALUES (:i, :n, :u, :b)"),
            [{"i": item_id, "n": doc.name, "u": doc.url, "b": doc.body} for item_id, doc in rows],
        )


def search(
    db: Any,
    term: str,
    *,
    source: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[Hit]:
    """Items whose text or attachments contain `term`, most recently indexed first, one hit per item."""
    term = check_term(term)
    filters, params = [], {"n": limit * 4}
    if source:
        filters.append("i.source_id = :source")
        params["source"] = source
    if kind:
        filters.append("i.kind = :kind")
        params["kind"] = kind
    if since is not None:
        filters.append("i.last_changed >= :since")
        params["since"] = since
    where = "".join(f" AND {condition}" for condition in filters)
    columns = "d.item_id, d.name, d.url, d.body, i.title, i.url, i.source_id, i.kind, i.last_changed"
    if _dialect(db) == "sqlite":
        # CROSS JOIN fixes the join order: the full-text index leads, in rowid order, and the items follow.
        if len(term) >= TRIGRAM_MIN:
            sql = (
                f"SELECT {columns} FROM search_doc d CROSS JOIN item i ON i.id = d.item_id "
                f"WHERE search_doc MATCH :q{where} ORDER BY d.rowid DESC LIMIT :n"
            )
            params["q"] = fts_phrase(term)
        else:
            tokens = bigram_tokens(term)
            if not tokens:
                raise ValueError("search for at least 2 characters that are not spaces")
            sql = (
                f"SELECT {columns} FROM search_bigram b CROSS JOIN search_doc d ON d.rowid = b.rowid "
                f"CROSS JOIN item i ON i.id = d.item_id "
                f"WHERE search_bigram MATCH :q{where} ORDER BY b.rowid DESC LIMIT :n"
            )
            params["q"] = tokens
    else:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        sql = (
            f"SELECT {columns} FROM search_doc d JOIN item i ON i.id = d.item_id "
            f"WHERE d.body ILIKE :q{where} ORDER BY d.id DESC LIMIT :n"
        )
        params["q"] = f"%{escaped}%"
    # Typed through the item column, so that SQLite's stored datetimes compare and come back as datetimes.
    moment = Item.__table__.c.last_changed.type
    statement = text(sql).columns(last_changed=moment)
    if since is not None:
        statement = text(sql).bindparams(bindparam("since", type_=moment)).columns(last_changed=moment)
    hits: dict[int, Hit] = {}
    for item_id, name, url, body, title, item_url, source_id, item_kind, changed in db.execute(statement, params):
        if item_id in hits:
            continue
        hits[item_id] = Hit(
            item_id=item_id,
            title=title,
            url=item_url,
            source_id=source_id,
            kind=item_kind,
            last_changed=changed,
            attachment=name or None,
            attachment_url=url or None,
            passage=passage(body, term),
        )
        if len(hits) >= limit:
            break
    return list(hits.values())
