"""Line rules, as data: named patterns for each boilerplate class of government and reposting pages."""

from __future__ import annotations

import re
from dataclasses import dataclass

# What a rule does with a matching line.
DROP = "drop"  # site chrome: remove the line
TRUNCATED = "truncated"  # the page says its text is cut: remove the line, flag the extraction
STOP = "stop"  # a tail block starts (related articles, search box): remove it and everything after
DATE_LINE = "date"  # a date (and maybe source/author) line: remove, read into metadata
SOURCE_LINE = "source"  # a 来源 line: read into metadata (removed only in the head of the text)

# Zones a rule applies in: the head (before the first real paragraph), the tail (the second half, never the
# head: a tail marker at the top must not wipe the text), anywhere.
ANYWHERE, HEAD, TAIL = "anywhere", "head", "tail"


@dataclass(frozen=True)
class LineRule:
    """One boilerplate class: the pattern a whole stripped line must match, what to do, and where."""

    name: str
    pattern: re.Pattern[str]
    action: str = DROP
    max_len: int = 200  # longer lines are article text that happens to mention the words
    zone: str = ANYWHERE


_DATE = (
    r"(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{4})"
    r"(?:\s*(?:T|\s)?\s*\d{1,2}[:：]\d{1,2}(?:[:：]\d{1,2})?(?:\s*[AaPp][Mm])?)?"
)
_DATE_LABEL = r"(?:发布时间|發佈時間|發布時間|发表时间|發表時間|发布日期|發佈日期|發布日期|更新时间|时间|時間|日期)\s*[:：]?\s*"
# Byline fields printed next to the date: 来源:X 作者:Y 编辑:Z 浏览次数:3 …
_FIELD = (
    r"(?:来源|來源|信息来源|文章来源|作者|编辑|責任編輯|责任编辑|发布机构|发布者|供稿|撰稿|摄影|浏览次数|瀏覽次數|"
    r"阅读次数|阅读|点击数|点击|访问量|字号|字號)\s*[:：]\s*\S*"
)
_BYLINE_TAIL = r"(?:发表评论|我要评论|查看评论|评论|打印|纠错|收藏|分享)"
_TOOLBAR_TOKEN = (
    r"(?:分享到|分享至|分享|[\[【](?:打印|列印|关闭|關閉|收藏|返回顶部|返回)[\]】]|打印本页|打印本頁|打印|列印|"
    r"关闭窗口|關閉窗口|关闭|字号|字號|字体|字體|[\[【(]?[大中小][\]】)]?|收藏本页|收藏|纠错|微信|微博|QQ空间|QQ|朋友圈|"
    r"扫一扫|[:：|｜/\s]|[\[\]【】()（）]|默认|放大|缩小|视力保护色|复制链接|A\+|A-)"
)
_SWITCH = r"(?:手机版|手機版|电脑版|電腦版|移动版|移動版|触屏版|觸屏版|PC版|简体版|簡體版|繁体版|繁體版|简体|繁體|繁体|English)"

# A document's own date line under its title, in brackets: （2026年10月12日） under a speech, （二〇二〇年三月一日）
# under a regulation. It is printed as part of the document, so it stays in the text (and is read as a date).
DOCUMENT_DATE = re.compile(
    r"^[（(]\s*(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|"
    r"[〇○零Ｏ一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,2}\s*月\s*[一二三四五六七八九十]{1,3}\s*日)\s*[)）]$"
)
# The page's clock in the header (今天是：2026年11月3日 星期二): the day of the visit, never a publication date.
TODAY_BANNER = re.compile(
    rf"^(?:今天是|今天|今日是|今日|当前日期|當前日期)\s*[:：]?\s*{_DATE}[^，。；！？,;!?]*$"
)

LINE_RULES: tuple[LineRule, ...] = (
    LineRule("mobile_desktop_switch", re.compile(rf"^(?:切换到|切換到|访问)?{_SWITCH}(?:[\s|｜/·]*{_SWITCH})*$")),
    LineRule(
        "breadcrumb",
        re.compile(r"^(?:当前位置|當前位置|您所在的位置|您所在位置|您的位置|你的位置|你所在的位置|所在位置|当前所在位置|您现在的位置|"
                   r"您現在的位置|现在位置|位置)\s*[:：].*$"),
        max_len=160,
    ),
    LineRule("switch_in_nav", re.compile(r"^(?=.*(?:手机版|手機版|电脑版|電腦版|移动版|触屏版))[^，。；！？,;!?]*$"), max_len=60),
    LineRule("breadcrumb_trail", re.compile(r"^(?:首页|首頁|网站首页)\s*(?:>|>>|＞|»|→|/|\\).{0,120}$"), max_len=160),
    LineRule("breadcrumb_正文", re.compile(r"^.{0,120}(?:>>|>|＞)\s*正文$"), max_len=160),
    LineRule("share_print_font_bar", re.compile(rf"^(?=.*(?:分享|打印|列印|字号|字號|字体|字體|关闭|關閉))(?:{_TOOLBAR_TOKEN})+$"), max_len=120),
    LineRule("share_prefix", re.compile(r"^(?:分享到|分享至)\s*[:：]?.{0,40}$"), max_len=60),
    LineRule(
        "copyright_footer",
        re.compile(
            r"(?:版权所有|版權所有|Copyright|©|ICP备|ICP證|ICP证|网站标识码|網站標識碼|公网安备|公網安備|"
            r"主办单位[:：]|主辦單位[:：]|承办单位[:：]|技术支持[:：]|网站地图|網站地圖|建议使用.{0,30}浏览器|"
            r"分辨率.{0,10}浏览|联系我们|聯繫我們|国内统一刊号|國內統一刊號|邮发代号|郵發代號)",
            re.I,
        ),
        max_len=300,
    ),
    LineRule(
        "copyright_statement",
        re.compile(r"版权(?:均)?(?:属于|归)|版權(?:均)?(?:屬於|歸)|转载.{0,30}(?:须|必须|请)注明|不代表本(?:站|网|網)(?:观点|立场|觀點|立場)|"
                   r"未经.{0,12}(?:授权|许可|同意).{0,8}(?:不得|禁止|严禁)(?:转载|使用|复制|摘编)"),
        max_len=300,
    ),
    LineRule("legal_db_header", re.compile(r"(?:北大法宝|北大法寶|法宝引证码|法寶引證碼|pkulaw)", re.I), max_len=200),
    LineRule("original_link", re.compile(r"^(?:原文链接|原文鏈接|原文地址|本文链接|本文地址)\s*[:：].*$"), max_len=300),
    LineRule(
        "paywall_cut",
        re.compile(r"(?:省略\s*\d+\s*字|正式会员可完整阅读|正式會員可完整閱讀|全文共\s*\d+\s*字|当前仅显示\s*\d+\s*字|當前僅顯示|"
                   r"登录后.{0,6}阅读全文|开通会员.{0,10}阅读|\(未完|（未完)"),
        action=TRUNCATED,
        max_len=400,
    ),
    LineRule("tail_related", re.compile(r"^[【\[]?(?:文章搜索|相关文章|相關文章|相关阅读|相關閱讀|相关新闻|相關新聞|相关链接|相關鏈接|相关推荐|"
                                        r"相关报道|相關報道|相关专题|相关稿件|延伸阅读|热点推荐|推荐阅读|猜你喜欢|精彩推荐|热门文章|"
                                        r"最新文章|更多相关|相关阅读推荐)[】\]]?\s*[:：>»]?$"),
             action=STOP, zone=TAIL),
    LineRule("tail_comments", re.compile(r"^[【\[]?(?:热门评论|最新评论|网友评论|網友評論|精彩评论|我要评论|发表评论|參與評論|参与评论|"
                                         r"评论区|读者评论|我来说两句|网友留言|网友跟帖)[】\]]?\s*[:：>»]?$"), action=STOP, zone=TAIL),
    LineRule("tail_disclaimer", re.compile(r"^.{0,12}(?:版权与免责声明|版權與免責聲明|免责声明|免責聲明|版权声明|版權聲明)\s*[:：]?$"),
             action=STOP, zone=TAIL),
    LineRule("editor_byline", re.compile(r"^[\[【(（]?\s*(?:(?:责任编辑|責任編輯|责编|責編|编辑|編輯|审核|審核|校对|校對|监制|主编)\s*[:：]\s*"
                                         r"\S{0,12}\s*)+[\]】)）]?$"),
             max_len=50),
    LineRule("punctuation_only", re.compile(r"^[\W_]{1,6}$"), max_len=6),
    LineRule("url_only", re.compile(r"^(?:https?://)?(?:www\.)?[\w.-]+\.(?:com|cn|net|org)(?:\.cn)?(?:/\S*)?$", re.I),
             max_len=120),
    LineRule("prev_next", re.compile(r"^(?:上一篇|下一篇|上一條|下一條|上一条|下一条|上一页|下一页)\s*[:：].*$"), max_len=160),
    LineRule("prev_next_bare", re.compile(r"^(?:[\[【]?\s*(?:上一篇|下一篇|上一條|下一條|上一条|下一条|返回顶部|返回頂部|返回首页|返回列表|"
                                          r"关闭窗口|關閉窗口|关闭|關閉|推荐|推薦|打印本稿|打印本页|打印本頁)\s*[\]】]?[\s|｜]*)+$")),
    LineRule("qr_scan", re.compile(r"^[^，。,；;]{0,20}(?:扫一扫|掃一掃|扫描二维码|掃描二維碼|微信扫描|手机扫描)[^，。,；;]{0,30}$"), max_len=60),
    LineRule(
        "view_counter",
        re.compile(r"^[\[【(（]?(?:浏览次数|瀏覽次數|阅读次数|閱讀次數|点击数|點擊數|点击量|访问量|阅读量|浏览量)\s*[:：]?\s*\d*\s*次?[\]】)）]?$"),
    ),
    LineRule("today_banner", TODAY_BANNER, max_len=80),
    LineRule("source_line", re.compile(r"^(?:来源|來源|信息来源|信息來源|文章来源|文章來源|稿件来源)\s*[:：]\s*\S.{0,40}$"),
             action=SOURCE_LINE, max_len=60),
    LineRule(
        "date_byline",
        re.compile(rf"^[\[【(（]?\s*(?:{_DATE_LABEL})?{_DATE}\s*(?:更新|发布|發佈)?(?:\s*(?:{_FIELD}|\||{_BYLINE_TAIL}))*\s*[\]】)）]?$"),
        action=DATE_LINE,
        max_len=120,
    ),
    LineRule(
        "byline_then_date",
        re.compile(rf"^(?:{_FIELD}\s*)+(?:{_DATE_LABEL}){_DATE}(?:\s*(?:{_FIELD}|\|))*\s*$"),
        action=DATE_LINE,
        max_len=120,
    ),
    LineRule(
        "byline_with_date",
        re.compile(rf"^(?=.*{_DATE})(?=.*(?:来源|來源|作者|发布者|编辑|責任編輯)\s*[:：]).*$"),
        action=DATE_LINE,
        max_len=100,
        zone=HEAD,
    ),
    LineRule(
        # "http://house.example.com 2005年03月31日03:18 某某报": a short unpunctuated line with a date, above the text
        "dated_byline",
        re.compile(rf"^(?=.*{_DATE})[^，。；！？,;!?]*$"),
        action=DATE_LINE,
        max_len=60,
        zone=HEAD,
    ),
    LineRule("font_size_only", re.compile(r"^(?:字号|字號)\s*[:：]?.{0,20}$"), max_len=30),
)


@dataclass(frozen=True)
class BlockRule:
    """A multi-line boilerplate block: from a start line to an end line (inclusive), at most `max_lines`."""

    name: str
    start: re.Pattern[str]
    end: re.Pattern[str]
    max_lines: int = 60
    action: str = DROP


BLOCK_RULES: tuple[BlockRule, ...] = (
    # Reposting portals print a generated outline before the text: "目录/提纲:……" … "……".
    BlockRule("generated_outline", re.compile(r"^(?:目录/提纲|目錄/提綱|提纲|提綱)\s*[:：]"), re.compile(r"^[…\.。]{2,}\s*$")),
)

# Runs of asterisks where a reposting site filtered words out.
MASK_RUN = re.compile(r"\*{3,}|＊{3,}|×{3,}")
# Markers of an incomplete text anywhere in a line (paywall notes embedded in a paragraph).
TRUNCATION_MARKERS = re.compile(r"省略\s*\d+\s*字|正式会员可完整阅读|当前仅显示\s*\d+\s*字|\(未完，?全文共|（未完")


_CHROME_RULES = tuple(rule for rule in LINE_RULES if rule.action in (DROP, STOP))
_BYLINE_RULES = tuple(rule for rule in LINE_RULES if rule.action in (DATE_LINE, SOURCE_LINE))


def is_chrome(line: str) -> bool:
    """Whether a line rule removes this line as site chrome (drop or stop; not truncation notes, which sit
    inside the article, nor date/source lines, which are metadata)."""
    line = line.strip()
    return any(len(line) <= rule.max_len and rule.pattern.search(line) for rule in _CHROME_RULES)


def is_byline(line: str) -> bool:
    """Whether a line reads as a date or source byline (发布时间：… 来源：…), which is metadata, not text."""
    line = line.strip()
    return any(len(line) <= rule.max_len and rule.pattern.search(line) for rule in _BYLINE_RULES)
