"""Table cells: a cell's runs (<span>王利</span><span>钿</span>, 罚款<span>56</span>万元) read as one word on every path.

The rule (crawler/extract/render.py): inline elements add nothing between their texts; a line break in the
source between two CJK characters inside a cell is layout and goes; a space typed in the text, a line break
next to a Latin letter or digit, a block (<p>) or a <br> inside a cell stays one space; cells stay apart.
"""

from __future__ import annotations

import lxml.html
import pytest
import trafilatura
from extract_helpers import page_bytes

from crawler.extract import extract
from crawler.extract.core import _parse, _trafilatura_text
from crawler.extract.render import element_text


def cell(html: str) -> str:
    return element_text(lxml.html.fragment_fromstring(f"<table><tr>{html}</tr></table>"))


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<td><span>王利</span><span>钿</span></td>", "王利钿"),
        ("<td><font>活</font><font>动</font></td>", "活动"),
        ("<td>罚款<span>56</span>万元</td>", "罚款56万元"),
        ("<td><span>王利</span>\n    <span>钿</span></td>", "王利钿"),  # Word wrapped the source between runs
        ("<td><p><span>行政</span>\n<span>处罚</span></p></td>", "行政处罚"),  # runs inside a paragraph
        ("<td>给予其他利益\n；编制虚假资料</td>", "给予其他利益；编制虚假资料"),  # full-width punctuation is wide
        ("<td><span>PM2.5</span> <span>浓度</span></td>", "PM2.5 浓度"),  # a typed space stays
        ("<td><span>PM2.5</span>\n<span>浓度</span></td>", "PM2.5 浓度"),  # a break next to Latin is a space
        ("<td>2024\n年</td>", "2024 年"),
        ("<td><span>ABC</span> <span>Tech</span></td>", "ABC Tech"),
        ("<td>来源：某局&nbsp;&nbsp;发布时间：2024-01-02</td>", "来源：某局 发布时间：2024-01-02"),  # typed spaces
        ("<td><p>责令改正</p><p>罚款3万元</p></td>", "责令改正 罚款3万元"),  # two paragraphs stay apart
        ("<td>张三<br>李四</td>", "张三 李四"),
        ("<td><span>王利</span><span>钿</span></td><td><span>活</span>\n<span>动</span></td>", "王利钿\t活动"),
    ],
)
def test_cell_rule(markup: str, expected: str) -> None:
    assert cell(markup) == expected


def test_outside_tables_a_source_line_break_stays_a_space() -> None:
    # Paragraph text keeps today's reading: spaces between names in a byline (记者 张三 李四) are real there.
    assert element_text(lxml.html.fragment_fromstring("<p>记者\n张三\n李四</p>")) == "记者 张三 李四"


def test_container_path_penalty_table_with_merged_cells() -> None:
    result = extract(page_bytes("penalty_table_trs_runs.html"), url="http://www.example.gov.cn/zwgk/xzcf/index.html")
    assert result.method == "trs_editor"
    rows = [line for line in result.text.splitlines() if "\t" in line]
    assert rows == [
        "序号\t当事人\t法定代表人\t违法行为\t处罚决定",
        "1\t示范市金河纸业有限公司\t王利钿\t超标排放PM2.5 浓度超过35微克/立方米\t罚款56万元\t示环罚〔2025〕31号",
        "未按规定开展自行监测\t责令改正， 罚款3.5万元",
        "2\t示范县东岭建材厂\t李梅\t未落实扬尘污染防治措施\t罚款8万元",
    ]
    # The byline cell's typed spaces still separate its fields: the source is read alone.
    assert result.source == "示范市生态环境局"


def test_density_path_penalty_table() -> None:
    result = extract(page_bytes("penalty_table_hanweb_density.html"), url="http://www.example.gov.cn/col/col2/art_1.html")
    assert result.method == "density"
    rows = [line for line in result.text.splitlines() if "\t" in line]
    assert rows == [
        "序号\t被处罚单位\t负责人\t违法事实\t处罚结果",
        "1\t示范县宏达石材加工厂\t王利钿\t活动板房内违规喷涂作业\t罚款56万元",
        "2\t示范县兴旺养殖场\t赵一鸣\t畜禽粪污直排 未建设配套设施\t罚款12.5万元",
        "3\t示范县ABC Tech有限公司\t陈晨\tVOCs超标排放\t罚款20万元",
    ]
    assert result.source == "示范县生态环境分局"


@pytest.mark.parametrize("name", ["penalty_table_trs_runs.html", "penalty_table_hanweb_density.html"])
def test_trafilatura_path_gets_joined_cells(name: str) -> None:
    html = page_bytes(name).decode("utf-8")
    text = _trafilatura_text(html, _parse(html))
    assert "王利钿" in text and "罚款56万元" in text
    assert "王利\n钿" not in text and "罚款\n56" not in text
    # What trafilatura does with the page as it came: each run on a line of its own (the reason for the merge).
    raw = trafilatura.extract(html, include_tables=True, favor_recall=True, deduplicate=False) or ""
    assert "王利\n钿" in raw or "王利 钿" in raw
