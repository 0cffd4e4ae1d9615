"""Stored items rendered before table cells were joined: the hash differs, yet the next crawl is no edit.

The fingerprint keeps spaces inside lines (a space between two Latin words is a word break), so 王利 钿 and
王利钿 hash differently; the store sees that only spaces moved and keeps the item unchanged.
"""

from __future__ import annotations

from sqlmodel import select

from crawler.fingerprint import content_hash, same_but_spacing
from crawler.models import ChangeEvent, Item, ItemVersion
from crawler.store import Content, Store

URL = "http://sthjj.example.gov.cn/zwgk/xzcf/202507/t20250715_1.html"
TITLE = "示范县关于2025年上半年环境违法案件查处情况的公示"
# The table as the extractor stored it before (density path: a space after every inline element of a row).
OLD = (
    "为进一步加强环境监管，强化社会监督，现将我县2025年上半年环境违法案件查处情况公示如下。\n"
    "1\t示范县宏达 石材加工厂\t王利 钿\t活 动 板房内 违规 喷涂作业\t罚款 56 万元\n"
    "3\t示范县 ABC Tech 有限公司\t陈 晨\tVOCs 超标排放\t罚款 20 万元"
)
# The same page as the extractor reads it now.
NEW = (
    "为进一步加强环境监管，强化社会监督，现将我县2025年上半年环境违法案件查处情况公示如下。\n"
    "1\t示范县宏达石材加工厂\t王利钿\t活动板房内违规喷涂作业\t罚款56万元\n"
    "3\t示范县ABC Tech有限公司\t陈晨\tVOCs超标排放\t罚款20万元"
)


def content(text: str) -> Content:
    return Content(text=text, content_hash=content_hash(TITLE, text), title=TITLE, kind="notice")


def record(store: Store, text: str) -> str:
    return store.record_content(source_id="src", canonical_url=URL, url=URL, content=content(text)).change


def test_the_fingerprint_keeps_spaces_so_the_hashes_differ() -> None:
    # Proof that normalization alone would have flagged every stored table as edited.
    assert content_hash(TITLE, OLD) != content_hash(TITLE, NEW)
    assert same_but_spacing(TITLE, OLD, TITLE, NEW)
    assert not same_but_spacing(TITLE, OLD, TITLE, NEW.replace("罚款56万元", "罚款60万元"))
    assert not same_but_spacing(TITLE, OLD, TITLE, NEW.replace("\t陈晨", "陈晨"))  # a cell boundary is no space


def test_stored_old_rendering_then_new_rendering_is_unchanged(store: Store) -> None:
    assert record(store, OLD) == "new"
    assert record(store, NEW) == "unchanged"
    with store.session() as session:
        item = session.exec(select(Item)).one()
        versions = session.exec(select(ItemVersion)).all()
        events = session.exec(select(ChangeEvent)).all()
    assert item.version_count == 1 and [e.change for e in events] == ["new"]
    # The current hash follows the new rendering (next crawl compares like with like); the text stays as fetched.
    assert item.content_hash == content_hash(TITLE, NEW) == versions[0].content_hash
    assert versions[0].text == OLD
    assert record(store, NEW) == "unchanged"


def test_a_real_edit_after_the_new_rendering_is_still_an_edit(store: Store) -> None:
    record(store, OLD)
    assert record(store, NEW.replace("罚款56万元", "罚款60万元")) == "edited"
    assert record(store, NEW.replace("罚款56万元", "罚款60万元")) == "unchanged"
