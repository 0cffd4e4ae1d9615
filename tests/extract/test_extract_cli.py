"""`govwatch extract FILE... --jsonl`: one object per file, errors reported per file, run through typer."""

from __future__ import annotations

import json
from pathlib import Path

from extract_helpers import PAGES
from typer.testing import CliRunner

from crawler.cli import app
from crawler.cli.extract_cmd import OUTPUT_FIELDS


def test_jsonl_one_object_per_file_and_errors_go_on(tmp_path: Path) -> None:
    binary = tmp_path / "scan.pdf"
    binary.write_bytes(b"%PDF-1.4\x00\x01\x02")
    missing = tmp_path / "missing.html"
    files = [str(PAGES / "mee_meeting_trs.html"), str(binary), str(missing), str(PAGES / "hanweb_notice_gbk.html")]
    result = CliRunner().invoke(app, ["extract", *files, "--url", "http://www.example.gov.cn/a/t20240418_1.shtml", "--jsonl"])
    assert result.exit_code == 0, result.output
    objects = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert [o["file"] for o in objects] == files
    first = objects[0]
    assert set(OUTPUT_FIELDS) <= set(first)
    assert first["published"] == "2024-04-17T14:46:00+08:00" and first["kind"] == "meeting"
    assert first["attachments"][0]["url"].endswith("P020240417_001.pdf")
    assert "not HTML" in objects[1]["error"] and "cannot read" in objects[2]["error"]
    assert objects[3]["encoding"] == "gb18030" and objects[3]["doc_number"] == "示环字〔2024〕15号"
