"""Known article containers of government CMSs, as data: the first present and non-trivial one is the body."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Container:
    """A named XPath to a CMS's article body; `min_chars` below which it is not trusted (empty shells)."""

    name: str
    xpath: str
    min_chars: int = 20


def _cls(name: str) -> str:
    """XPath test for an element carrying CSS class `name` (class lists, any position)."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# Ordered from most to least specific. Inner containers come before outer wrappers, so that a TRS_Editor
# inside neiright_JPZ_GK_CP wins over the wrapper with its share bar.
CONTAINERS: tuple[Container, ...] = (
    Container("hanweb_zoom", "//div[@id='zoom']"),
    Container("trs_editor", f"//div[{_cls('TRS_Editor')}]"),
    Container("trs_custom_unionstyle", f"//div[{_cls('Custom_UnionStyle')}]"),
    Container("trs_preappend", f"//div[{_cls('TRS_PreAppend')}]"),
    Container("mee_content_body_box", f"//div[{_cls('content_body_box')}]"),
    Container("hunan_main_con_zw", f"//div[{_cls('main_con_zw')}]"),
    Container("hlj_content", f"//div[{_cls('mainbox')}]//div[{_cls('content')}]"),
    Container("jiangxi_bt_article", f"//div[{_cls('bt-article-y')}]//div[{_cls('bt-article-02')}]"),
    Container("epoint_article", f"//div[{_cls('ewb-article-p')}]"),
    Container("zoomcon", "//div[@id='zoomcon' or @id='Zoom' or @id='ZoomContent' or @id='zoomContent']"),
    Container("gov_pages_content", f"//div[{_cls('pages_content')}]"),
    Container("article_content", f"//div[{_cls('article-content') } or {_cls('article_content')}]"),
)
# Elements that sit inside article containers but are never article text.
NOISE_XPATH = (
    "//script|//style|//noscript|//template|//iframe|//object|//embed|//select|//button|//input|//textarea"
    "|//svg|//canvas|//form[not(.//p)]"
)
