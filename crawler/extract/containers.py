"""Known article containers of government CMSs, as data: the first present and non-trivial one is the body."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Container:
    """A CMS's article body, named by element id, by CSS class, or (for nested layouts) by XPath.

    `min_chars`: below this much text the container is an empty shell (filled by JS) and not trusted.
    """

    name: str
    element_id: str | None = None
    css_class: str | None = None
    xpath: str | None = None
    min_chars: int = 4


def _cls(name: str) -> str:
    """XPath test for an element carrying CSS class `name` (class lists, any position)."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# Ordered from most to least specific. Inner containers come before outer wrappers, so that a TRS_Editor
# inside neiright_JPZ_GK_CP wins over the wrapper with its share bar.
CONTAINERS: tuple[Container, ...] = (
    Container("hanweb_zoom", element_id="zoom"),
    Container("trs_editor", css_class="TRS_Editor"),
    Container("trs_ueditor", css_class="TRS_UEDITOR"),  # TRS WCM's newer editor: "view TRS_UEDITOR trs_paper_default"
    Container("trs_custom_unionstyle", css_class="Custom_UnionStyle"),
    Container("trs_preappend", css_class="TRS_PreAppend"),
    Container("mee_content_body_box", css_class="content_body_box"),
    Container("hunan_main_con_zw", css_class="main_con_zw"),
    Container("hlj_mainbox_content", xpath=f"//div[{_cls('mainbox')}]//div[{_cls('content')}]"),
    Container("jiangxi_bt_article", xpath=f"//div[{_cls('bt-article-y')}]//div[{_cls('bt-article-02')}]"),
    Container("epoint_article", css_class="ewb-article-p"),
    Container("zoomcon", element_id="zoomcon"),
    Container("zoom_capital", element_id="Zoom"),
    Container("zoom_content", element_id="ZoomContent"),
    Container("gov_pages_content", css_class="pages_content"),
    Container("article_content", css_class="article-content"),
    Container("article_content_underscore", css_class="article_content"),
)
BY_ID: dict[str, Container] = {c.element_id: c for c in CONTAINERS if c.element_id}
BY_CLASS: dict[str, Container] = {c.css_class: c for c in CONTAINERS if c.css_class}
PRIORITY: dict[str, int] = {c.name: i for i, c in enumerate(CONTAINERS)}
