"""The `params` each listing profile accepts in a seed, as strict pydantic models (a typo is an error).

Pure pydantic: `crawler/config.py` validates a listing's `params` against `PARAMS_MODELS[profile]` without
importing the profiles themselves. Names are shared across profiles where the meaning is shared
(`per_page`, `assume_pages`, `page_url`, `first_number`); each profile class names its model as
`params_model`.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ProfileParams(BaseModel):
    """Base of every profile's params: frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NumberedPagerParams(ProfileParams):
    """A pager of numbered pages without a 下一页 link (`index_N.html`, `list_N.shtml`, `?pageNum=N` …).

    Both are detected from the pager's links and the listing URL; state them only where detection fails.
    """

    # Page N's URL relative to the listing URL, `{n}` the number it carries: "index_{n}.shtml",
    # "common_list_{n}.shtml", "?uid=380055&pageNum={n}".
    page_url: str | None = None
    # The number page 2 carries: 1 where index_1 is page 2 (TRS), 2 where index_2 is page 2.
    first_number: int | None = Field(default=None, ge=0, le=2)
    per_page: int | None = Field(default=None, ge=1, le=1000)  # turns a record count into pages
    assume_pages: int | None = Field(default=None, ge=1, le=1000)  # when the page states no count

    @field_validator("page_url")
    @classmethod
    def _has_number(cls, value: str | None) -> str | None:
        if value is not None and "{n}" not in value:
            raise ValueError("page_url must contain {n}, the number of the page")
        return value


class TrsParams(NumberedPagerParams):
    """TRS WCM: the pager is read from `countPage`, `createPageHTML`, `pageControl` or numbered links."""


class HtmlParams(NumberedPagerParams):
    """Plain HTML lists: a 下一页 link (`selectors.next`), else a numbered pager."""


class HanwebParams(ProfileParams):
    """Hanweb JCMS: the dataproxy.jsp form fields the page does not announce, or a 信息公开 search form."""

    columnid: str | None = None
    unitid: str | None = None
    webid: str | None = None
    col: str | None = None
    appid: str | None = None
    path: str | None = None
    sourceContentType: str | None = None  # noqa: N815 - the form field's own name
    permissiontype: str | None = None
    per_page: int | None = Field(default=None, ge=1, le=1000)
    group_size: int | None = Field(default=None, ge=1, le=100)  # pages per dataproxy call
    proxy_url: str | None = None
    method: Literal["GET", "POST"] = "POST"
    # 信息公开 lists: POST /module/xxgk/search.jsp with these fields (infotypeId, jdid, divid …).
    xxgk: dict[str, str] | None = None
    assume_pages: int | None = Field(default=None, ge=1, le=1000)

    @field_validator("columnid", "unitid", "webid", mode="before")
    @classmethod
    def _as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    def form_fields(self) -> dict[str, str]:
        """The dataproxy.jsp form fields this seed states."""
        keys = ("col", "appid", "webid", "path", "columnid", "unitid", "sourceContentType", "permissiontype")
        return {key: str(value) for key in keys if (value := getattr(self, key)) is not None}


class JsonApiParams(ProfileParams):
    """A GET or POST JSON list API. Templates (`api`, `query`, `form` values) may hold `{page}` (1-based,
    plus `page_offset`), `{start}` (first record, 0-based), `{per_page}`, `{channel_id}` and any named
    group of `channel_id_pattern` (`(?P<webId>…)` fills `{webId}`)."""

    api: str | None = None  # the URL template; default: the listing URL
    method: Literal["GET", "POST"] = "GET"
    query: dict[str, str] | None = None  # query fields added to the URL
    form: dict[str, str] | None = None  # form fields of a POST (fixed filters included)
    page_offset: int = Field(default=0, ge=-1, le=1)  # -1 for APIs that count pages from 0
    per_page: int | None = Field(default=None, ge=1, le=1000)
    channel_id: str | None = None
    # A regex whose group `id` (or group 1) is the channel id, applied to the column page, or to the
    # answer of `channel_id_url` (Heilongjiang's /common/getChannelList?channelCode=…); its other named
    # groups fill the templates' placeholders of the same name (jpaas: webId, tplSetId).
    channel_id_pattern: str | None = None
    channel_id_url: str | None = None
    results: str = "data.results"  # dotted path to the list of records
    title: str = "title"  # dotted paths inside one record
    url: str = "url"
    date: str = "publishedTimeStr"
    url_template: str | None = None  # builds the article URL from record fields: "/c/{id}.shtml"
    base: str | None = None  # what relative article URLs resolve against (default: the listing URL)
    total: str | None = None  # path to the record count (with per_page, else the page length)
    pages: str | None = None  # path to the page count
    assume_pages: int | None = Field(default=None, ge=1, le=1000)  # when the answer states no count
    # Jpaas-style answers carry an HTML fragment, not records: its path, read with selectors.item.
    html: str | None = None

    @field_validator("channel_id_pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"channel_id_pattern is not a regular expression: {exc}") from exc
        return value


PARAMS_MODELS: dict[str, type[ProfileParams]] = {
    "trs": TrsParams,
    "html": HtmlParams,
    "hanweb": HanwebParams,
    "json_api": JsonApiParams,
}
