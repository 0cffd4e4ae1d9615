"""Attachment text: every format the simulator writes reads back; bad files keep an error, never silently empty."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from crawler.attachments.text import NO_ANTIWORD, NO_TEXT_LAYER, OLE_MAGIC, UNSUPPORTED, read_text, sniff
from crawler.simulator import files

LINES = ["附件1：检查要点及评分表", "附件编号42-1，适用于临湖市大气污染防治工作。", "二、白沙河周边点位按月开展监测并报送结果。"]


@pytest.mark.parametrize("file_type", files.FILE_TYPES)
def test_every_simulated_format_round_trips(file_type: str) -> None:
    data = files.write_file(file_type, LINES, "检查要点及评分表")
    found = read_text(data, f"W042_1.{file_type}")
    assert found.file_type == file_type and found.error is None
    for line in LINES:
        assert line in found.text


def test_spreadsheets_keep_sheet_names_and_one_line_per_row() -> None:
    for file_type in ("xlsx", "xls"):
        text = read_text(files.write_file(file_type, LINES, "名单汇总表"), f"a.{file_type}").text.splitlines()
        assert text[0] == "== 名单汇总表 ==" and text[1] == "序号\t内容\t数量"
        assert text[3] == f"2\t{LINES[1]}\t20"  # counts as integers, not 20.0


def test_a_zip_reads_member_by_member() -> None:
    found = read_text(files.write_file("zip", LINES, "清单"), "a.zip")
    assert "== 清单.docx ==" in found.text and "== 清单表.xlsx ==" in found.text


def test_a_scanned_pdf_is_marked_without_text_layer() -> None:
    found = read_text(files.scanned_pdf_bytes(7), "scan.pdf")
    assert (found.file_type, found.text, found.error) == ("pdf", "", NO_TEXT_LAYER)


def test_broken_files_keep_their_reason() -> None:
    found = read_text(b"%PDF-1.4\nthis is no pdf at all", "a.pdf")
    assert found.file_type == "pdf" and found.text == "" and found.error and "cannot read pdf" in found.error
    truncated = files.write_file("docx", LINES, "x")[:2000]
    broken = read_text(truncated, "a.docx")
    assert broken.error and broken.text == ""


def test_ofd_and_unknown_files_are_unsupported() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as ofd:
        ofd.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
    assert read_text(archive.getvalue(), "a.ofd") == read_text(archive.getvalue(), "a.ofd")
    assert read_text(archive.getvalue(), "a.ofd").error == UNSUPPORTED
    assert read_text(b"\x00\x01binary", "a.bin").error == UNSUPPORTED


def test_word_97_files_go_through_antiword_with_its_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # No Python library writes Word 97 files; an OLE file that is not a Word document must fail with
    # antiword's own reason, and a machine without antiword must say so.
    not_word = OLE_MAGIC + b"\x00" * 600
    assert sniff(not_word, "a.doc") == "doc" and sniff(not_word, "a.wps") == "wps" and sniff(not_word, "a.xls") == "xls"
    found = read_text(not_word, "a.wps")
    assert found.file_type == "wps" and found.text == "" and found.error
    monkeypatch.setenv("PATH", str(tmp_path))
    assert NO_ANTIWORD in (read_text(not_word, "a.doc").error or "")
