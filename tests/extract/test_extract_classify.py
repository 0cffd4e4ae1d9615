"""Kind rules (meeting, notice, speech, policy, news); meeting stages and facts are in test_extract_meetings.py."""

from __future__ import annotations

import pytest

from crawler.extract.classify import KIND_RULES, classify

MEETING_BODY = "3月23日，示范省生态环境厅党组书记、厅长王示范主持召开厅党组会议。会议指出，要抓好重点工作。副厅长李一出席会议。"


@pytest.mark.parametrize(
    ("title", "text", "doc_number", "kind"),
    [
        ("示范省生态环境厅召开厅党组（扩大）会议", "", None, "meeting"),
        ("省厅党组召开第21次会议", "", None, "meeting"),
        ("市环保局召开党组扩大会安排部署下半年重点工作", "", None, "meeting"),
        ("示范省生态环境厅工作动态", MEETING_BODY, None, "meeting"),  # body cues: 主持召开 + 出席会议
        ("关于开展排污许可证执行报告检查的通知", "", "示环字〔2024〕15号", "notice"),
        ("关于国庆节放假期间值班安排的公告", "", None, "notice"),
        ("关于召开全省生态环境执法工作会议的通知", MEETING_BODY, None, "meeting"),  # an announced meeting
        ("在全区生态环境保护工作推进会议上的讲话", MEETING_BODY, None, "speech"),  # speech although a meeting
        ("示范省建设用地土壤污染风险管控办法", "", "示环规〔2024〕3号", "policy"),
        ("示范省人民政府关于加快推进绿色低碳发展的意见", "", None, "policy"),
        ("示范省突发环境事件应急预案管理规定（试行）", "", None, "policy"),
        ("专家学者对垃圾分类工作提出意见", "", None, "news"),  # mentions opinions, is not a document
        ("示范市人民政府办公室印发实施方案", "", None, "policy"),
        ("示范省生态环境厅党组的决定", "", "示环党〔2024〕2号", "policy"),  # a 文号 makes it a document
        ("示范省生态环境厅一周要闻（4.10-4.16）", MEETING_BODY, None, "news"),  # a digest, not a meeting
        ("全国人民代表大会常务委员会关于批准示范事项的决议", "", None, "policy"),
        ("2024年全省生态环境保护工作要点", "", "示环办〔2024〕1号", "policy"),
        ("一季度全省空气质量持续改善", "今年一季度全省细颗粒物平均浓度同比下降。", None, "news"),
        ("关于公布2026年第3批生态环境科普基地名单的公告", "", None, "notice"),
        ("关于征求《噪声污染防治技术指南（征求意见稿）》意见的函", "", None, "notice"),  # a call for comments
        ("關於徵求《噪聲污染防治技術指南（徵求意見稿）》意見的函", "", None, "notice"),
        ("关于征求示范省排污许可管理办法修订建议的函", "", "示环函〔2024〕9号", "notice"),
    ],
)
def test_kinds(title: str, text: str, doc_number: str | None, kind: str) -> None:
    assert classify(title, text, doc_number) == kind


def test_rules_are_named_data() -> None:
    assert len({rule.name for rule in KIND_RULES}) == len(KIND_RULES)
