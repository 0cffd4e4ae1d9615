"""`govwatch extract` on saved challenge pages: an error object naming the challenge, never an "article"
titled 浏览器安全检查; real pages around them (a Ruishu site's article included) are still extracted."""

from __future__ import annotations

import json
from pathlib import Path

from extract_helpers import PAGES
from typer.testing import CliRunner

from crawler.cli import app
from crawler.cli.extract_cmd import extract_file

CHALLENGES = PAGES / "challenges"
RUISHU_ARTICLE = Path(__file__).resolve().parent.parent / "tools" / "pages" / "ruishu_article_gbk.html"


def test_challenge_pages_are_errors_that_name_the_challenge() -> None:
    panyun = extract_file(str(CHALLENGES / "panyun_browser_check.html"), None)
    assert set(panyun) == {"file", "url", "error"}
    assert "not an article" in panyun["error"] and "panyun" in panyun["error"]
    shell = extract_file(str(CHALLENGES / "ruishu_shell_template.html"), None)
    assert set(shell) == {"file", "url", "error"} and "ruishu" in shell["error"]


def test_the_cli_reports_challenges_per_file_and_goes_on() -> None:
    files = [
        str(CHALLENGES / "panyun_browser_check.html"),
        str(PAGES / "mee_meeting_trs.html"),
        str(CHALLENGES / "ruishu_shell_template.html"),
        str(RUISHU_ARTICLE),
    ]
    result = CliRunner().invoke(app, ["extract", *files, "--jsonl"])
    assert result.exit_code == 0, result.output
    objects = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert [o["file"] for o in objects] == files
    assert [("error" in o) for o in objects] == [True, False, True, False]
    assert all(o.get("title") != "浏览器安全检查" for o in objects)
    assert objects[1]["title"] == "示范省生态环境厅召开厅党组（扩大）会议"
    # A Ruishu site's real article (token meta, r='m' scripts, $_ts) is content, read in its GBK.
    assert objects[3]["title"] == "关于开展2026年度重点排污单位自行监测质量抽查的通知"
    assert "自行监测质量抽查工作" in objects[3]["text"]
