"""One test per named line rule: a line it must catch, and a line of real text it must leave alone."""

from __future__ import annotations

import pytest

from crawler.extract import apply_rules
from crawler.extract.rules import BLOCK_RULES, LINE_RULES

BODY = "会议强调，要坚持精准治污、科学治污、依法治污，确保年度目标任务按期完成，切实维护群众环境权益。"

# rule name → (lines it catches, lines of article text it must not catch)
CASES: dict[str, tuple[list[str], list[str]]] = {
    "mobile_desktop_switch": (["手机版", "手機版", "手机版 | 电脑版", "切换到电脑版"], ["请使用手机版客户端办理业务，具体流程见附件。"]),
    "breadcrumb": (["当前位置：首页 > 环保新闻", "您所在的位置:首页 > 环保新闻", "您的位置:范文网>>讲话>>正文", "當前位置:首頁 > 政府資訊公開",
                    "您现在的位置：首页 > 通知公告"],
                   ["当前位置偏远的监测站点将在年内完成改造，确保数据稳定可靠。"]),
    "switch_in_nav": (["首页 | 手机版 | English", "网站导航 手機版"], ["请下载政务服务手机版，在线办理业务，方便快捷。"]),
    "breadcrumb_trail": (["首页 > 新闻中心 > 工作动态", "首页>>通知公告"], ["首页改版工作已于上月完成，欢迎提出意见。"]),
    "breadcrumb_正文": (["范文网>>讲话/会议致辞>>正文"], ["以下为正文内容摘要，供参考。全文见附件。"]),
    "share_print_font_bar": (["分享到：微信 微博", "【字体：大 中 小】", "[打印] 字号:[大] [中] [小]", "[列印] 字號:[大] [中] [小]", "【打印】【关闭】"],
                             ["打印材料和会议记录由办公室统一归档保存。"]),
    "share_prefix": (["分享到:", "分享至："], ["分享经验做法，推动工作落实，是这次会议的重要内容之一。"]),
    "copyright_footer": (["版权所有：示范省生态环境厅", "示ICP备00000001号", "网站标识码：0000000001", "京公网安备 11000002000001号",
                          "主办单位：示范市人民政府办公室", "Copyright © 2024 示范网"],
                         ["会议指出，要加强知识产权保护工作，依法打击侵权行为。"]),
    "copyright_statement": (["1.凡本站注明“来源：示范网”的作品，版权属于示范网，转载时必须注明来源。", "本文仅代表作者本人观点，不代表本站观点。",
                             "未经本网授权不得转载、摘编或利用其它方式使用上述作品。"],
                            ["会议指出，要加快推进版权保护立法工作，依法打击侵权盗版行为。"]),
    "legal_db_header": (["北大法宝【法宝引证码】 CLI.16.000001", "法宝引证码：CLI.1.2345"], ["法律数据库建设是本年度的重点任务之一。"]),
    "original_link": (["原文链接：https://www.example.com/chl/1.html"], ["原文件已按程序报送审批，请各单位知悉。"]),
    "paywall_cut": (["……(范文网http://www.example.cn省略653字,正式会员可完整阅读)……", "(未完,全文共2885字,当前仅显示1834字,请阅读下面提示信息。"],
                    ["会议省略了部分议程，全体与会人员按程序进行了表决。"]),
    "tail_related": (["相关文章", "文章搜索", "相关报道：", "延伸阅读", "【相关新闻】"], ["相关文章已在本网站首页发布，请各单位认真学习。"]),
    "tail_comments": (["热门评论", "网友评论", "【我来说两句】"], ["网友评论区中有关噪声扰民的意见已转交属地处理。"]),
    "tail_disclaimer": (["示范网版权与免责声明：", "免责声明"], ["免责条款应当在合同中明确约定，并依法履行告知义务。"]),
    "editor_byline": (["（责任编辑：张三）", "责任编辑：李四", "[编辑：王五]", "编辑：张三 审核：李四"], ["编辑部负责同志介绍了今年的宣传计划和重点选题。"]),
    "punctuation_only": (["】", "）", "……"], ["好。"]),
    "url_only": (["www.example.gov.cn", "http://www.example.com/a/b.html"], ["详见www.example.gov.cn发布的公告。"]),
    "prev_next": (["上一篇：关于开展检查的通知", "下一篇:无"], ["上一篇文章提到的问题，本期继续讨论如何落实整改。"]),
    "prev_next_bare": (["上一篇", "返回顶部", "【关闭窗口】", "[上一篇] [下一篇]", "【 推荐 】", "【 推荐 】 【 关闭 】"], ["返回原籍的人员要做好健康监测，及时报告。"]),
    "qr_scan": (["扫一扫在手机打开当前页", "微信扫描二维码分享"], ["执法人员现场扫一扫企业排污许可证二维码，即可核对许可事项和排放限值等信息。"]),
    "view_counter": (["浏览次数：128", "【阅读次数：56】", "点击数:9"], ["今年浏览次数超过十万的信息公开条目共有十二条，均已归档。"]),
    "source_line": (["来源：示范省生态环境厅", "來源:示範省生態環境廳", "文章来源：新闻网"], ["来源广泛的意见建议，经过梳理后形成了最终方案，报送省政府审定。"]),
    "date_byline": (["2020-03-23 来源:生态环境部", "发布时间:2023.06.02", "01.09.2016  23:06", "发表时间:2023/8/7 17:50:30",
                     "2005-04-27 14:32更新 来源：新闻网 发表评论", "2024年5月6日"],
                    ["2024年5月6日，示范省召开生态环境保护大会，部署下一阶段重点工作。"]),
    "byline_then_date": (["作者：张三 发布时间：2024-05-06", "来源：本站 日期：2024年5月6日"], ["作者在文中回顾了2024-05-06会议的主要内容和成果。"]),
    "byline_with_date": (["作者： 来源：本站 发布日期： 7/5/2005 9:23:57 PM"], ["作者于2024-05-06来到示范市调研，并召开座谈会听取意见。"]),
    "dated_byline": (["http://news.example.com 2005年03月31日03:18 示范日报", "( 2022-04-26)", "示范日报 2024-05-06 08:00"],
                     ["2024年5月6日，示范省召开生态环境保护大会，部署下一阶段重点工作。"]),
    "today_banner": (["今天是：2026年11月3日 星期二", "今天是：2026年11月3日 星期二 08:00:07 网站首页 | 工作动态", "今日：2024-05-06"],
                     ["今天是2024年5月6日，全省生态环境保护大会在示范市召开，会议部署了下一阶段重点工作。"]),
    "font_size_only": (["字号：大 中 小", "字號"], ["字号较小的文件难以阅读，请各单位规范公文格式。"]),
}


def test_every_rule_has_cases() -> None:
    assert {rule.name for rule in LINE_RULES} == set(CASES)


def _rule(name: str):
    return next(rule for rule in LINE_RULES if rule.name == name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_catches_its_lines(name: str) -> None:
    rule = _rule(name)
    for line in CASES[name][0]:
        assert len(line) <= rule.max_len and rule.pattern.search(line), f"{name} misses {line!r}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_keeps_real_text(name: str) -> None:
    rule = _rule(name)
    for line in CASES[name][1]:
        assert not (len(line) <= rule.max_len and rule.pattern.search(line)), f"{name} catches text {line!r}"


def test_real_text_mentioning_print_or_source_stays() -> None:
    text = "\n".join([BODY, "打印材料和会议记录由办公室统一归档保存，来源可靠的数据将纳入考核。"])
    assert apply_rules(text, None).lines == text.splitlines()


def test_date_and_source_lines_move_into_metadata() -> None:
    result = apply_rules("2020-03-23 来源:生态环境部\n2020-03-23 来源:生态环境部\n" + BODY, None)
    assert result.lines == [BODY]
    assert result.date_lines == ["2020-03-23 来源:生态环境部"] * 2


def test_signature_date_at_the_end_is_kept() -> None:
    result = apply_rules(BODY + "\n示范省生态环境厅\n2024年5月6日", None)
    assert result.lines[-1] == "2024年5月6日"


def test_title_printed_twice_is_removed() -> None:
    title = "示范省生态环境厅关于做好春季大气污染防治工作的通知"
    result = apply_rules(f"{title}\n{title}\n{BODY}", title)
    assert result.lines == [BODY]
    assert "duplicate_title" in result.fired


def test_title_printed_over_several_lines_is_removed() -> None:
    # Gazettes and regulations print their heading broken over lines: organ / 关于…的 / 决定.
    title = "示范省人民代表大会常务委员会关于批准2026年省级预算调整方案的决议"
    heading = "示范省人民代表大会常务委员会\n关于批准2026年省级预算\n调整方案的决议"
    result = apply_rules(f"{heading}\n{BODY}", title)
    assert result.lines == [BODY] and "duplicate_title" in result.fired
    # Lines that only begin like the title are text.
    opening = "示范省人民代表大会常务委员会\n第十四次会议审议了预算调整方案。"
    assert apply_rules(f"{opening}\n{BODY}", title).lines == [*opening.splitlines(), BODY]


def test_paywall_sets_truncated_and_keeps_text_around_it() -> None:
    result = apply_rules(f"{BODY}\n……(范文网http://www.example.cn省略653字,正式会员可完整阅读)……\n{BODY}", None)
    assert result.truncated and result.lines == [BODY, BODY]


def test_tail_stops_at_related_articles() -> None:
    result = apply_rules(f"{BODY}\n{BODY}\n相关文章\n在全市环境整治大会上的讲话", None)
    assert result.lines == [BODY, BODY]


def test_tail_rule_does_not_cut_in_the_middle_of_the_text() -> None:
    lines = [BODY] * 2 + ["相关文章"] + [BODY] * 6
    assert len(apply_rules("\n".join(lines), None).lines) == 9


def test_generated_outline_block_is_removed() -> None:
    assert {b.name for b in BLOCK_RULES} == {"generated_outline"}
    text = "\n".join(["目录/提纲:……", "一、统一思想认识", "二、突出工作重点", "……", "同志们:", BODY])
    assert apply_rules(text, None).lines == ["同志们:", BODY]


def test_tail_rule_never_fires_at_the_top() -> None:
    lines = ["相关文章"] + [BODY] * 2
    assert apply_rules("\n".join(lines), None).lines == lines  # a tail marker at the top never wipes the text


def test_bracketed_document_date_under_the_title_stays_in_the_text() -> None:
    """（2026年10月12日） under a speech is printed as part of the document; a byline date above it is not."""
    text = "\n".join(["发布时间：2026-10-12 09:00", "（2026年10月12日）", "同志们：", BODY])
    result = apply_rules(text, None)
    assert result.lines == ["（2026年10月12日）", "同志们：", BODY]
    assert result.date_lines == ["发布时间：2026-10-12 09:00", "（2026年10月12日）"]
    assert apply_rules("（二〇二六年十月十二日）\n" + BODY, None).lines[0] == "（二〇二六年十月十二日）"
    assert apply_rules("( 2022-04-26)\n" + BODY, None).lines == [BODY]  # a bracketed byline still goes
