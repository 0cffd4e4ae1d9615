"""Whole pages we wrote in the style of the seed documents and of real government CMS pages."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from extract_helpers import PAGES, page_bytes

from crawler.extract import Extraction, ExtractOptions, extract
from crawler.extract.dates import SHANGHAI

# Markers of site chrome that must never reach the text (the boilerplate classes of the issue).
CHROME = re.compile(
    r"手机版|手機版|电脑版|当前位置|當前位置|您所在的位置|您的位置|分享到|\[打印\]|\[列印\]|字号[:：]|字號|版权所有|ICP备|"
    r"网站标识码|公网安备|法宝引证码|原文链接|正式会员|当前仅显示|目录/提纲|文章搜索|相关文章|扫一扫|浏览次数|联系我们"
)
URL = "http://www.example.gov.cn/ywdt/hjyw/202404/t20240418_1.shtml"


def run(name: str, url: str | None = URL, **kw) -> Extraction:
    return extract(page_bytes(name), url=url, **kw)


@pytest.mark.parametrize("name", sorted(p.name for p in PAGES.glob("*.html")))
def test_no_chrome_in_text_and_title_not_duplicated(name: str) -> None:
    result = run(name)
    assert result.text, name
    assert not CHROME.search(result.text), [ln for ln in result.text.splitlines() if CHROME.search(ln)]
    assert result.title and result.title not in result.text.splitlines()


def test_trs_meeting_page() -> None:
    r = run("mee_meeting_trs.html")
    assert r.title == "示范省生态环境厅召开厅党组（扩大）会议"
    assert r.published == datetime(2024, 4, 17, 14, 46, tzinfo=SHANGHAI) and not r.published_guessed
    assert (r.source, r.organ, r.column) == ("示范省生态环境厅", "示范省生态环境厅", "环境要闻")
    assert r.kind == "meeting" and r.method == "trs_editor"
    assert r.meeting is not None and r.meeting["stage"] == "held"
    assert {key: r.meeting[key] for key in ("date", "host", "attendees")} == {
        "date": "2024-04-16",
        "host": "示范省生态环境厅党组书记、厅长王示范",
        "attendees": ["厅党组成员、副厅长李一、赵二、孙三出席会议", "厅机关各处室、直属各单位主要负责同志列席会议"],
    }
    assert r.meeting["start"] is None and r.meeting["deadline"] is None  # announcement facts stay empty
    assert r.text.startswith("4月16日上午") and "打印材料和会议记录由办公室统一归档" in r.text  # real text with 打印 stays
    assert [(a.name, a.url) for a in r.attachments] == [
        ("会议纪要.pdf", "http://www.example.gov.cn/ywdt/hjyw/202404/P020240417_001.pdf")
    ]


def test_hanweb_gbk_notice() -> None:
    r = run("hanweb_notice_gbk.html", url="http://www.example.gov.cn/art/2024/6/3/art_1_2.html")
    assert r.encoding == "gb18030" and "朱镕一" in r.text
    assert r.title == "示范省生态环境厅关于开展2024年度排污许可证执行报告检查的通知"
    assert (r.doc_number, r.organ, r.kind, r.column) == ("示环字〔2024〕15号", "示范省生态环境厅", "notice", "通知公告")
    assert r.published == datetime(2024, 6, 3, 10, 20, tzinfo=SHANGHAI)
    assert "1\t东城市\t30家" in r.text.splitlines()  # a table row is a line, cells separated by tabs
    assert r.text.splitlines()[-3:-1] == ["示范省生态环境厅", "2024年5月30日"]  # signature kept
    assert r.attachments[0].url == "http://www.example.gov.cn/module/download/downfile.jsp?filename=abc.docx"


def test_xxgk_policy_page_metadata_table() -> None:
    r = run("xxgk_policy.html", url=None)
    assert r.title == "示范省建设用地土壤污染风险管控办法"
    assert (r.doc_number, r.organ, r.kind) == ("示环规〔2024〕3号", "示范省生态环境厅", "policy")
    assert r.published == datetime(2024, 9, 11, tzinfo=SHANGHAI)
    assert "离开本网站" not in r.text and r.text.startswith("第一条")


def test_legal_database_repost() -> None:
    r = run("legal_db_notice.html", url=None)
    assert r.title == "示范省生态环境厅关于做好春季大气污染防治工作的通知"
    assert r.doc_number == "示环办〔2024〕12号" and r.kind == "notice"
    assert r.published == datetime(2024, 3, 5, tzinfo=SHANGHAI) and not r.published_guessed  # signature date
    assert r.organ == "示范省生态环境厅"
    assert r.text.splitlines()[-2:] == ["示范省生态环境厅", "二〇二四年三月五日"]


def test_writing_portal_speech_with_paywall() -> None:
    r = run("wenmi_speech_paywall.html", url=None)
    assert r.title == "在全区生态环境保护工作推进会议上的讲话" and r.kind == "speech"
    assert r.truncated
    assert r.published == datetime(2024, 3, 5, 9, 30, 12, tzinfo=SHANGHAI)
    lines = r.text.splitlines()
    assert lines[0] == "同志们:" and lines[-1].startswith("要聚焦突出问题")
    assert lines.count("一、统一思想认识") == 1  # the generated outline is gone, the heading stays


def test_portal_repost_masked_and_dotted_date() -> None:
    r = run("portal_repost_masked.html", url=None)
    assert r.masked and r.kind == "meeting"
    assert r.published == datetime(2024, 5, 6, tzinfo=SHANGHAI)
    assert r.source == "示范省生态环境厅官网" and r.column == "环保新闻"
    assert "来源" not in r.text


def test_day_month_year_repost() -> None:
    r = run("dmy_meeting.html", url=None)
    assert r.published == datetime(2016, 9, 1, 23, 6, tzinfo=SHANGHAI)
    assert r.title == "市环保局召开党组扩大会安排部署下半年重点工作" and r.kind == "meeting"
    assert r.meeting and r.meeting["date"] == "2016-08-31" and r.meeting["host"] == "市环保局党组书记周示范"


def test_traditional_mirror() -> None:
    r = run("big5_mirror_meeting.html")
    assert r.script == "traditional"
    assert r.text_simplified.startswith("3月23日，示范省生态环境厅党组书记")
    assert r.published == datetime(2024, 3, 23, tzinfo=SHANGHAI)  # the page's date, not the URL's
    assert r.source == "示範省生態環境廳" and r.kind == "meeting"


def test_short_notice_keeps_navigation_out() -> None:
    r = run("short_notice_nav.html", url=None)
    assert r.text == "国庆节放假期间，我局实行24小时值班制度。如遇突发环境事件，请拨打值班电话，我们将及时处置。"
    assert r.title == "关于国庆节放假期间值班安排的公告" and r.kind == "notice"
    assert r.published == datetime(2024, 9, 29, tzinfo=SHANGHAI)
    assert r.organ == "示范市环境保护局"  # the site named in <title>


def test_url_date_when_the_page_has_none() -> None:
    html = "<html><body><div class='TRS_Editor'><p>" + "会议强调，要抓好重点工作，确保取得实效。" * 3 + "</p></div></body></html>"
    r = extract(html.encode(), url="http://www.example.gov.cn/a/202306/t20230602_9.shtml")
    assert r.published == datetime(2023, 6, 2, tzinfo=SHANGHAI) and not r.published_guessed


def test_unlabelled_date_is_marked_guessed() -> None:
    html = "<html><body><p>" + "会议强调，要抓好重点工作，确保取得实效。" * 3 + "</p><p>据统计，2023年6月2日以来共检查企业三百家。</p></body></html>"
    r = extract(html.encode())
    assert r.published == datetime(2023, 6, 2, tzinfo=SHANGHAI) and r.published_guessed


def test_options_override_selectors_and_encoding() -> None:
    options = ExtractOptions(body_selector="div.text", title_selector="h3", source_selector="div.info")
    r = run("short_notice_nav.html", options=options)
    assert r.method == "selector" and r.title == "通知公告"
    assert r.text.startswith("国庆节放假期间")
    forced = run("hanweb_notice_gbk.html", options=ExtractOptions(encoding="gbk"))
    assert forced.encoding == "gb18030"


def test_to_dict_is_json_ready() -> None:
    import json

    data = run("mee_meeting_trs.html").to_dict()
    assert data["published"] == "2024-04-17T14:46:00+08:00"
    assert json.loads(json.dumps(data, ensure_ascii=False))["attachments"][0]["name"] == "会议纪要.pdf"


def test_short_container_is_trusted_over_navigation() -> None:
    nav = "".join(f"<li><a href='/{i}.html'>关于开展第{i}批环境执法检查工作的通知</a></li>" for i in range(30))
    html = f"<html><body><ul>{nav}</ul><div id='zoom'><p>附件：<a href='a.pdf'>名单.pdf</a></p></div></body></html>"
    r = extract(html.encode(), url="http://www.example.gov.cn/art/2024/1/2/art_1_1.html")
    assert r.text == "附件：名单.pdf" and r.method == "hanweb_zoom"
    assert [a.url for a in r.attachments] == ["http://www.example.gov.cn/art/2024/1/2/a.pdf"]


def test_empty_container_shell_falls_back() -> None:
    body = "<p>" + "会议强调，要抓好重点工作，确保年度目标任务按期完成。" * 3 + "</p>"
    html = f"<html><body><div class='TRS_Editor'></div><div class='main'>{body}</div></body></html>"
    r = extract(html.encode())
    assert r.method == "density" and r.text.startswith("会议强调")


def test_stray_end_tags_do_not_cut_the_page() -> None:
    body = "<p>" + "会议强调，要抓好重点工作，确保年度目标任务按期完成。" * 3 + "</p>"
    html = f"<html><body><div class='header'>首页</div></html><div class='pages_content'>{body}</div></body></html>"
    assert extract(html.encode()).text.startswith("会议强调")


def test_preformatted_text_keeps_lines() -> None:
    lines = ["您的位置:范文网>>讲话>>正文", "在全市环境整治大会上的讲话", "发表时间:2024/3/5 9:30:12",
             "同志们:", "今天召开这次会议，主要是安排部署今年的重点任务，下面我讲三点意见。" * 2]
    html = "<html><body><pre>" + "\n".join(lines) + "</pre></body></html>"
    r = extract(html.encode())
    assert r.text.splitlines() == lines[3:]
    assert r.title == "在全市环境整治大会上的讲话" and r.kind == "speech"


def test_copyright_statement_does_not_win_the_body() -> None:
    rows = "".join(f"<tr><td>{i}</td><td>示范公司</td><td>罚款{i}万元</td></tr>" for i in range(1, 4))
    statement = "<div class='note'><p>1.凡本站注明“来源：示范网”的所有作品，版权属于示范网，其他媒体转载时必须注明来源，违者依法追究责任。</p></div>"
    html = f"<html><body><div class='text'><h1>行政处罚信息公开表</h1><table>{rows}</table></div>{statement}</body></html>"
    r = extract(html.encode())
    assert "版权" not in r.text


def test_table_rows_with_dates_at_the_top_of_a_container_are_kept() -> None:
    rows = "".join(f"<tr><td>{i}</td><td>示范公司{i}</td><td>2024-0{i}-15</td></tr>" for i in range(1, 9))
    html = f"<html><body><div id='zoom'><table>{rows}</table><p>以上企业名单予以公示，公示期五个工作日。</p></div></body></html>"
    lines = extract(html.encode()).text.splitlines()
    assert sum(1 for line in lines if line.startswith(tuple("12345678"))) >= 6


def test_json_cms_article_labelled_spans() -> None:
    r = run("hlj_json_cms_article.html", url="http://sthj.example.gov.cn/sthj/c1/202407/c00_1.shtml")
    assert r.title == "示范省生态环境厅召开全省生态环境执法工作视频会议" and r.kind == "meeting"
    assert r.published == datetime(2024, 7, 8, 16, 20, tzinfo=SHANGHAI)
    assert r.source == "执法局" and r.method == "hlj_mainbox_content"
    assert r.text.startswith("7月8日") and r.meeting and r.meeting["date"] == "2024-07-08"


def test_uppercase_meta_tags_and_site_name_prefix() -> None:
    r = run("baoding_style_uppercase_meta.html", url=None)
    assert r.title == "示范市召开新闻发布会介绍大气污染防治进展"  # 'Site——Title' in ArticleTitle
    assert r.published == datetime(2024, 4, 9, 10, 21, tzinfo=SHANGHAI)
    assert r.source == "示范市生态环境局" and r.method == "density"
    assert r.text.splitlines()[0].startswith("4月8日") and len(r.text.splitlines()) == 3


def test_penalty_table_with_paragraph_cells_is_the_body() -> None:
    nav = "".join(f"<li><a href='/{i}.html'>示范局工作动态第{i}期</a></li>" for i in range(20))
    rows = "".join(
        f"<tr><td><p>{i}</p></td><td><p>示范化工有限公司第{i}分厂</p></td><td><p>示环罚〔2024〕{i}号</p></td>"
        f"<td><p>超标排放水污染物，违反水污染防治法有关规定</p></td><td><p>罚款{i}0万元</p></td></tr>"
        for i in range(1, 4)
    )
    html = f"<html><body><ul>{nav}</ul><div class='box'><h1>行政处罚信息公开表</h1><table>{rows}</table></div></body></html>"
    r = extract(html.encode())
    assert r.method == "density"
    assert len([line for line in r.text.splitlines() if "示范化工有限公司" in line]) == 3
    assert "工作动态" not in r.text


def test_organ_is_an_organ_not_a_newspaper() -> None:
    body = "<p>" + "会议强调，要抓好重点工作，确保年度目标任务按期完成。" * 3 + "</p>"
    news = f"<html><head><meta name='ContentSource' content='示范日报'></head><body>{body}</body></html>"
    assert extract(news.encode()).organ is None
    site = f"<html><head><meta name='ContentSource' content='示范市人民政府网'></head><body>{body}</body></html>"
    assert extract(site.encode()).organ == "示范市人民政府"
    assert run("big5_mirror_meeting.html").organ == "示範省生態環境廳"


NOTICE_PARAGRAPHS = [
    "示环函〔2024〕7号",
    "各市生态环境局：",
    "为切实做好噪声污染防治工作，现将有关事项通知如下。",
    "一、请于2024年6月30日前完成辖区内重点噪声源排查，建立问题清单和整改台账，明确责任人和整改时限。",
    "二、请于2024年7月15日前将工作总结报送我厅，联系人：示范，电话：0000-00000000。",
    "特此通知。",
    "示范省生态环境厅",
    "2024年5月6日",
]


def _page_without_container(paragraphs: list[str]) -> bytes:
    """A page the density method must read: a dated header, a byline, plain <p> paragraphs, a footer."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (
        "<html><head><title>关于做好噪声污染防治工作的通知-示范省生态环境厅</title></head><body>"
        "<div class='top'><span>今天是：2024年11月3日 星期日 08:00:07</span><a href='/'>首页</a></div>"
        "<div class='position'>您现在的位置：<a href='/'>首页</a> &gt; <span>工作动态</span></div>"
        "<div class='box'><h1>关于做好噪声污染防治工作的通知</h1>"
        "<div class='info'><span>发布时间：<b>2024-05-06 10:20:00</b></span> <span>来源：<b>示范省生态环境厅</b></span></div>"
        f"<div class='wz'>{body}</div></div>"
        "<div class='footer'><p>主办：示范省生态环境厅　网站标识码：0000000001</p></div></body></html>"
    )
    return html.encode()


def test_signature_block_of_a_notice_is_article_text() -> None:
    """The closing formula, the signing organ and the date close the document: the density method keeps them."""
    r = extract(_page_without_container(NOTICE_PARAGRAPHS))
    assert r.method == "density"
    assert r.text.splitlines() == NOTICE_PARAGRAPHS
    assert r.kind == "notice" and r.doc_number == "示环函〔2024〕7号" and r.organ == "示范省生态环境厅"


def test_todays_date_in_the_header_is_not_the_publication_date() -> None:
    r = extract(_page_without_container(NOTICE_PARAGRAPHS))
    assert r.published == datetime(2024, 5, 6, 10, 20, tzinfo=SHANGHAI) and not r.published_guessed
    # Even when the page prints no other date, the visit's date is never taken, not even as a guess.
    undated = [p for p in NOTICE_PARAGRAPHS if not re.search(r"\d{4}年", p)]
    bare = _page_without_container(undated).replace(b"2024-05-06 10:20:00", b"")
    assert extract(bare).published is None


def test_speech_keeps_its_bracketed_date_line() -> None:
    paragraphs = [
        "（2024年5月6日）",
        "同志们：",
        "这次会议的主要任务是，总结前一阶段工作，分析面临的形势，安排部署下一步重点任务。",
        "一、充分肯定取得的成绩。全年累计排查点位三百余个，发现问题一百余个，均已整改到位。",
        "二、扎实抓好重点任务落实。要以钉钉子精神推动各项工作落地见效，确保年度目标按期完成。",
    ]
    html = (
        "<html><body><div class='top'><span>今天是：2024年11月3日</span></div><h1>在全省噪声污染防治工作会议上的讲话</h1>"
        "<div class='info'>发布时间：2024-05-07</div><div id='zoom'>"
        + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div></body></html>"
    )
    r = extract(html.encode())
    assert r.text.splitlines() == paragraphs and r.kind == "speech"
    assert r.published == datetime(2024, 5, 7, tzinfo=SHANGHAI)
    density_page = _page_without_container(paragraphs).replace(b"2024-05-06 10:20:00", b"2024-05-07 09:00:00")
    r = extract(density_page)
    assert r.method == "density" and r.text.splitlines() == paragraphs
    assert r.published == datetime(2024, 5, 7, 9, tzinfo=SHANGHAI)


def test_traditional_document_number() -> None:
    paragraphs = ["示環函〔2024〕7號", "各市生態環境局：", "為切實做好噪聲污染防治工作，現將有關事項通知如下，請認真貫徹執行。"]
    r = extract(_page_without_container(paragraphs))
    assert r.doc_number == "示環函〔2024〕7號" and r.script == "traditional"
    assert r.text_simplified.splitlines()[0] == "示环函〔2024〕7号"


def test_a_data_table_is_the_article_even_without_sentences() -> None:
    # A penalty disclosure is a table of names, numbers and amounts: it must outweigh a punctuated
    # "institution functions" blurb elsewhere on the page, and the one-row byline table above it is
    # metadata, not a table row.
    r = run("penalty_table_density.html")
    assert r.method == "density"
    lines = r.text.splitlines()
    assert lines[0] == "序号\t当事人名称\t行政处罚决定书文号\t主要违法行为\t处罚内容\t作出决定机关"
    assert lines[1] == "1\t示范市临江化工有限公司\t示环罚〔2025〕7号\t超过国家规定的排放标准排放水污染物\t罚款四十二万元\t示范省生态环境厅"
    assert len(lines) == 4 and lines[3].startswith("3\t示范县东湖印染有限公司")
    assert r.doc_number == "示环罚〔2025〕7号"
    assert r.published == datetime(2025, 3, 12, 9, 30, tzinfo=SHANGHAI)
    assert r.source == "示范省生态环境厅"
