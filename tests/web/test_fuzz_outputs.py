"""Every output parses, whatever code points the stored texts hold (hypothesis over every class of character).

Texts go into the store as a database written before extraction cleaned them would hold them (controls,
noncharacters, marks…; only what no database can store, lone surrogates, and NUL on PostgreSQL, cannot be
there), and through `extract()` as a page carrying them. Each output is then read back with a real parser:
Atom with lxml (strict XML) and xml.etree, JSON with json, CSV with csv, HTML with lxml.html, mail with
email.parser. The readable characters must come through unchanged.
"""

from __future__ import annotations

import csv
import email.parser
import email.policy
import html
import io
import itertools
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import lxml.etree
import lxml.html
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from crawler.alerts.email import change_message
from crawler.alerts.webhook import body_of
from crawler.db import dispose_engines
from crawler.export import ExportOptions, export, record_of_event
from crawler.extract import ExtractionError, extract
from crawler.fingerprint import content_hash
from crawler.models import SourceRow
from crawler.store import Content, Store
from crawler.textsafe import clean, has_unsafe
from crawler.web import create_app

# One or more members of every class of code point that has broken a text format somewhere.
CLASSES: dict[str, tuple[str, ...]] = {
    "c0": tuple(chr(c) for c in range(0x00, 0x20)),
    "del_c1": ("\x7f", *(chr(c) for c in range(0x80, 0xA0))),
    "surrogates": ("\ud800", "\udbff", "\udc80", "\udfff"),  # as `surrogateescape` leaves undecodable bytes
    "noncharacters": ("\ufffe", "\uffff", "\ufdd0", "\ufdef", "\U0001fffe", "\U0010ffff"),
    "private_use": ("\ue000", "\uf8ff", "\U000f0000", "\U00100000"),
    "astral_cjk_ext_b": ("\U00020000", "\U0002a6d6", "\U00020bb7"),
    "bidi": ("\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\u061c"),
    "zero_width": ("\u200b", "\u200c", "\u200d", "\u2060"),
    "combining": ("\u0301", "\u0300", "\u20dd", "\u3099"),
    "bom": ("\ufeff",),
    "markup": ("<", ">", "&", "]]>", '"', "'", "</script>", "<!--", "&amp;", "%s", "{{ x }}"),
    "line_ends": ("\r\n", "\r", "\u2028", "\u2029", "\x85"),
    "cjk": ("生态环境部", "關於", "（）", "〔2026〕"),
}
ALL = tuple(char for members in CLASSES.values() for char in members)
short_piece = st.one_of(st.sampled_from(ALL), st.text(max_size=12))  # any code point, surrogates included
piece = st.one_of(short_piece, st.builds(lambda n: "长" * n, st.integers(min_value=2000, max_value=5000)))
texts = st.lists(piece, min_size=1, max_size=30).map("".join)  # with very long lines
short = st.lists(short_piece, min_size=1, max_size=8).map("".join)

COUNTER = itertools.count(1)
SURROGATE_FREE = str.maketrans({c: None for c in range(0xD800, 0xE000)})
URL = "http://127.0.0.1/xxgk/202611/t20261130_{n}.html"


def storable(text: str) -> str:
    """What a database written by the previous release could hold: everything but lone surrogates."""
    return text.translate(SURROGATE_FREE)


def readable(text: str) -> str:
    """The characters every output must keep: the input without what crawler/textsafe.py removes."""
    return clean(storable(text))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'fuzz.db'}")
    with Session(store.engine) as session:
        session.add(SourceRow(id="fuzz", name="源\x1b名", org="厅", profile="trs", schedule="0 7 * * *"))
        session.commit()
    yield store
    dispose_engines()


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    """One app over the fuzz database for every example (starting one per example is most of the cost)."""
    with TestClient(create_app(str(store.engine.url.render_as_string(hide_password=False)))) as client:
        yield client


def _check_atom(body: bytes) -> ET.Element:
    lxml.etree.fromstring(body)  # strict: an XML 1.0 error raises
    return ET.fromstring(body)


def _all_text(element: ET.Element) -> str:
    return "".join(element.itertext())


FUZZ = settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
ATOM = "{http://www.w3.org/2005/Atom}"


@FUZZ
@given(title=short, text=texts, organ=short)
def test_every_output_parses_on_stored_text_with_any_code_point(
    store: Store, client: TestClient, title: str, text: str, organ: str
) -> None:
    title, text, organ = storable(title), storable(text), storable(organ)
    n = next(COUNTER)
    outcome = store.record_content(
        source_id="fuzz", canonical_url=URL.format(n=n), url=URL.format(n=n),
        content=Content(text=text, content_hash=content_hash(title, text), title=title, organ=organ,
                        source_name=organ, doc_number=organ, kind="meeting", meta={"column": organ}),
    )
    item_id = outcome.item_id
    want_title, want_text = clean(title), clean(text)

    if True:  # one block per output family
        # Atom feeds: strict XML; the entry keeps every readable character of the text.
        for path in ("/feeds/all.atom", "/feeds/meetings.atom", "/feeds/source/fuzz.atom"):
            answer = client.get(path)
            assert answer.status_code == 200, path
            root = _check_atom(answer.content)
        entry = root.find(f"{ATOM}entry")
        assert entry is not None
        content = lxml.html.fragment_fromstring(entry.findtext(f"{ATOM}content") or "", create_parent="div")
        assert all(line.strip() in content.text_content() for line in want_text.splitlines() if line.strip())
        # API JSON.
        for path in (f"/api/items/{item_id}", f"/api/items/{item_id}/versions", "/api/items", "/api/changes",
                     "/api/sources"):
            answer = client.get(path)
            assert answer.status_code == 200, path
            json.loads(answer.content.decode("utf-8", errors="strict"))
        assert client.get(f"/api/items/{item_id}").json()["title"] == (want_title or None) or want_title == ""
        # HTML pages: UTF-8 that lxml's HTML parser reads, with the title among the page's text.
        for path in ("/", f"/items/{item_id}", "/sources"):
            answer = client.get(path)
            assert answer.status_code == 200, path
            page = lxml.html.document_fromstring(answer.content.decode("utf-8", errors="strict"))
            if path != "/sources" and want_title.strip():
                shown = " ".join(page.text_content().split())
                assert " ".join(want_title.split())[:80] in shown

    # `govwatch export` in its three formats.
    written = {}
    for fmt in ("jsonl", "csv", "atom"):
        stream = io.StringIO()
        export(store.engine, stream, ExportOptions(format=fmt))
        written[fmt] = stream.getvalue()
    records = [json.loads(line) for line in written["jsonl"].splitlines()]
    assert records[-1]["text"] == want_text and (records[-1]["title"] or "") == want_title
    rows = list(csv.DictReader(io.StringIO(written["csv"], newline="")))
    assert rows[-1]["text"] == want_text
    root = _check_atom(written["atom"].encode("utf-8"))
    assert _all_text(root.findall(f"{ATOM}entry")[-1].find(f"{ATOM}content")) == want_text

    # The alert mail and the webhook body of this event.
    with store.engine.connect() as connection:
        event_id = connection.exec_driver_sql("SELECT max(id) FROM change_event").scalar()
        record = record_of_event(connection, event_id)
    payload = {**record, "source_name": "源\x1b名", "excerpt": text[:200], "diff": [f"+ {text[:80]}"],
               "meeting": {"host": organ, "attendees": [organ]}}
    message = change_message([payload], to=["a@example.org"], sender="govwatch@example.org", subscription="fuzz")
    parsed = email.parser.BytesParser(policy=email.policy.default).parsebytes(message.as_bytes())
    assert not has_unsafe(str(parsed["Subject"]))
    plain = parsed.get_body(("plain",)).get_content()
    assert not has_unsafe(plain.replace("\r", ""))
    html_part = parsed.get_body(("html",)).get_content()
    lxml.html.document_fromstring(html_part)
    if want_title.strip():
        assert " ".join(want_title.split())[:60] in " ".join(html.unescape(html_part).split())
    webhook = json.loads(body_of([payload], "fuzz", "delivery-1").decode("utf-8", errors="strict"))
    assert webhook["events"][0]["text"] == want_text


@settings(max_examples=40, deadline=None)
@given(title=short, text=texts)
def test_extraction_removes_every_unsafe_character(title: str, text: str) -> None:
    # A page whose title and body carry any code point, literally and as character references.
    referenced = "".join(f"&#{ord(c)};" if has_unsafe(c) and not 0xD800 <= ord(c) < 0xE000 else "" for c in text)
    page = (
        f"<html><head><title>{html.escape(title)}</title></head><body><div id='zoom'><p>{html.escape(text)}</p>"
        f"<p>{referenced}</p><p>关于加强生态环境保护工作的通知，请各单位认真贯彻落实。</p></div></body></html>"
    )
    if page[:4096].count("\x00") > 8:  # NULs by the handful are a binary file's mark: a clear refusal
        with pytest.raises(ExtractionError, match="binary"):
            extract(page, URL.format(n=1))
        return
    result = extract(page, URL.format(n=1))
    for value in (result.title, result.text, result.text_simplified, result.source, result.organ, result.doc_number):
        assert value is None or not has_unsafe(value), repr(value)
    assert "关于加强生态环境保护工作的通知" in result.text
