"""SimulatedWeb: the default world of eight sites (or a scaled one), its servers, ground truth and seeds."""

from __future__ import annotations

import errno
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from crawler.simulator.challenges import ChallengeGate, gate
from crawler.simulator.drift import DriftSite, drift_seeds
from crawler.simulator.server import LoggedRequest, Site, SiteServer
from crawler.simulator.sites import (
    CHINA,
    BaseSite,
    BlockedSite,
    GbkSite,
    HanwebSite,
    JsonApiSite,
    MirrorSite,
    TrsSite,
    article_path,
)
from crawler.simulator.vhosts import LOOPBACK, SIM_DOMAIN, HostedSite, Latency, VirtualHostServer
from crawler.simulator.world import ANNOUNCEMENT, TRUTH_KIND, Article, Column, SiteSpec, World

DEFAULT_START = date(2026, 11, 1)
DEFAULT_SEED = 20261101
FIRST_HOST = 2  # sites bind 127.0.0.2, 127.0.0.3, … (Linux routes all of 127/8 to lo)
HOSTINGS = ("address", "name")  # one loopback address per site, or Host-header virtual hosting (vhosts.py)
MAX_ADDRESS_SITES = 250
MAX_NAMED_SITES = 100_000

# The default world: one site per CMS family the crawler must handle, modelled on the real ones.
DEFAULT_SITES: tuple[SiteSpec, ...] = (
    SiteSpec(
        key="mee",
        cms="trs",
        name="模拟生态环境部",
        org="模拟生态环境部",
        abbr="环办",
        site_code="sim17000009",
        columns=(
            Column(
                "hjywnews",
                "环境要闻",
                "/ywdt/hjywnews/",
                ("meeting", "news", "meeting", "speech"),
                9,
                6,
                "countpage",
                code=28943,
                digest=True,
            ),
            Column("szyw", "时政要闻", "/ywdt/szyw/", ("meeting", "speech"), 4, 3, "pagecontrol", code=28944),
            Column("dfnews", "地方快讯", "/ywdt/dfnews/", ("news",), 5, 3, "pagediv", code=28945),
            Column("xwfb", "新闻发布", "/ywdt/xwfb/", ("news", "meeting"), 4, 6, "createpage4", code=28946),
            Column("gsgg", "公示公告", "/ywdt/gsgg/", ("notice", ANNOUNCEMENT), 7, 5, "createpage4", code=28947),
            Column(
                "bwj", "部文件", "/zcwj/bwj/", ("policy", "notice"), 5, 4, "createpage6", "policy", code=28950
            ),
        ),
    ),
    SiteSpec(
        key="mee-big5",
        cms="mirror",
        name="模拟生态环境部（繁体）",
        org="模拟生态环境部",
        abbr="",
        mirror_of="mee",
    ),
    SiteSpec(
        key="hanweb",
        cms="hanweb",
        name="江岭省生态环境厅",
        org="江岭省生态环境厅",
        abbr="江环发",
        site_code="sim3300000041",
        unit_id=5678,
        web_id=1,
        columns=(
            Column(
                "gzdt",
                "工作动态",
                "/col/col1234/index.html",
                ("meeting", "news", "notice", "speech"),
                8,
                5,
                code=1234,
            ),
            Column(
                "tzgg", "通知公告", "/col/col1235/index.html", ("notice", "policy", ANNOUNCEMENT), 3, 5, code=1235
            ),
        ),
    ),
    SiteSpec(
        key="jsonapi",
        cms="jsonapi",
        name="北原省生态环境厅",
        org="北原省生态环境厅",
        abbr="北环函",
        site_code="sim2300000012",
        columns=(
            Column(
                "gzdt",
                "工作动态",
                "/sthj/c100233/list.shtml",
                ("meeting", "news", "notice"),
                23,
                20,
                code=100233,
                channel="4f2a9c61b0d84e7e9a3c5b7d1e0f2a68",
            ),
        ),
    ),
    SiteSpec(
        key="gbk",
        cms="gbk",
        name="临湖市生态环境局",
        org="临湖市生态环境局",
        abbr="临环",
        site_code="sim4301000003",
        columns=(Column("news", "工作动态", "/news/", ("news", "meeting", "notice"), 7, 5),),
    ),
    SiteSpec(
        key="blocked",
        cms="blocked",
        name="西岭省生态环境厅",
        org="西岭省生态环境厅",
        abbr="西环",
        columns=(
            Column("tzgg", "通知公告", "/xxgk/tzgg/index.html", ("notice",), 0),
            Column("zwdt", "政务动态", "/zwdt/index.html", ("news",), 0),
        ),
    ),
    # Behind JavaScript challenges that a real browser passes (crawler/simulator/challenges.py): a plain
    # HTML site behind a 加速乐-style 521 (as Beijing), a JSON-API site behind a Ruishu-style 412 (as Gansu).
    SiteSpec(
        key="jsl",
        cms="gbk",
        name="京原市生态环境局",
        org="京原市生态环境局",
        abbr="京原环",
        site_code="sim1100000021",
        columns=(Column("news", "新闻发布", "/xwfb/", ("news", "meeting", "notice"), 6, 5),),
        gate="jsl",
    ),
    SiteSpec(
        key="ruishu",
        cms="jsonapi",
        name="陇川省生态环境厅",
        org="陇川省生态环境厅",
        abbr="陇环发",
        site_code="sim6200000008",
        columns=(
            Column(
                "sthjyw",
                "生态环境要闻",
                "/sthj/c152440/sthjyw.shtml",
                ("news", "meeting", "notice"),
                8,
                20,
                code=152440,
                channel="9b3e5d0c7a214f68b2c4e1a0d9f87c35",
            ),
        ),
        gate="ruishu",
    ),
)

SITE_CLASSES = {
    "trs": TrsSite,
    "hanweb": HanwebSite,
    "jsonapi": JsonApiSite,
    "gbk": GbkSite,
    "blocked": BlockedSite,
    "drift": DriftSite,  # not in the default world: tests add DRIFT_SPEC (crawler/simulator/drift.py)
}


@dataclass(frozen=True)
class DayTruth:
    """Canonical article URLs (simplified-site URLs) that one day made new, edited or deleted."""

    new: set[str]
    edited: set[str]
    deleted: set[str]


@dataclass(frozen=True)
class ArticleTruth:
    """What a live article really is: the facts an extractor should recover."""

    url: str
    source_id: str
    site: str
    column: str
    title: str
    published: datetime
    kind: str  # the extractor's kind (an announced meeting is a `meeting`)
    source: str  # 来源
    doc_number: str | None
    paragraphs: tuple[str, ...]
    created_day: int
    stage: str | None = None  # meetings: announced | held


class SimulatedWeb:
    """A set of simulated government sites on loopback, advancing day by day with known ground truth.

    Use as a context manager (`with SimulatedWeb() as web:`) or call start()/stop(); both are idempotent.
    """

    def __init__(
        self,
        start: date = DEFAULT_START,
        seed: int = DEFAULT_SEED,
        sites: Iterable[str] | None = None,
        specs: tuple[SiteSpec, ...] = DEFAULT_SITES,
        new_per_day: tuple[int, int] = (3, 4),
        backdate_days: int = 30,
        seed_prefix: str = "sim",
        hosting: str = "address",
        sockets: int = 2,
        latency: Latency | None = None,
        download_delay: float = 0.0,
    ) -> None:
        if hosting not in HOSTINGS:
            raise ValueError(f"hosting must be one of {', '.join(HOSTINGS)}, not {hosting!r}")
        self.hosting, self.sockets, self.latency = hosting, sockets, latency
        self.download_delay = download_delay  # written into every seed's politeness
        self.vhosts: VirtualHostServer | None = None
        chosen = _with_dependencies(specs, sites)
        self.specs = tuple(spec for spec in specs if spec.key in chosen)
        self.world = World(self.specs, start, seed, new_per_day=new_per_day, backdate_days=backdate_days)
        self.seed_prefix = seed_prefix
        self.servers: dict[str, SiteServer | HostedSite] = {}
        self.sites: dict[str, BaseSite] = {}
        for spec in self.specs:
            if spec.cms == "mirror":
                continue
            self.sites[spec.key] = SITE_CLASSES[spec.cms](spec, self)
        for spec in self.specs:
            if spec.cms == "mirror":
                original = self.sites[spec.mirror_of or ""]
                assert isinstance(original, TrsSite)
                self.sites[spec.key] = MirrorSite(spec, self, original)
        # What a site's server answers through: the site itself, or a challenge gate in front of it.
        self.gates: dict[str, ChallengeGate] = {
            spec.key: gate(spec.gate, self.sites[spec.key], f"{seed}:{spec.key}") for spec in self.specs if spec.gate
        }

    @classmethod
    def scaled(
        cls,
        sites: int = 20,
        articles_per_site: int = 500,
        page_size: int = 20,
        start: date = DEFAULT_START,
        seed: int = DEFAULT_SEED,
        hosting: str = "address",
        new_per_site: int = 0,
        **options: Any,
    ) -> SimulatedWeb:
        """Many TRS-style sites with many listing pages, for benchmarks (article text is generated lazily).

        `hosting="name"` serves up to 100,000 sites by name on a few sockets; `new_per_site` new items a
        day per site (0: the default world's three or four in all); `options` go to SimulatedWeb().
        """
        limit = MAX_NAMED_SITES if hosting == "name" else MAX_ADDRESS_SITES
        if not 1 <= sites <= limit:
            raise ValueError(f"sites must be between 1 and {limit} with {hosting} hosting")
        styles = ("countpage", "createpage4", "createpage6", "pagediv", "pagecontrol")
        specs = tuple(
            SiteSpec(
                key=f"scale-{index:02d}",
                cms="trs",
                name=f"模拟生态环境局{index:02d}",
                org=f"模拟第{index}生态环境局",
                abbr=f"模环{index}",
                site_code=f"sim{index:08d}",
                columns=(
                    Column(
                        "news",
                        "工作动态",
                        "/ywdt/hjywnews/",
                        ("meeting", "news", "notice", "news", "speech"),
                        articles_per_site,
                        page_size,
                        styles[index % len(styles)],
                        code=30000 + index,
                    ),
                ),
            )
            for index in range(1, sites + 1)
        )
        per_day = (new_per_site * sites, new_per_site * sites) if new_per_site else (3, 4)
        return cls(
            start=start,
            seed=seed,
            specs=specs,
            backdate_days=max(30, articles_per_site // 10),
            new_per_day=per_day,
            hosting=hosting,
            **options,
        )

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> SimulatedWeb:
        if self.servers:
            return self
        if self.hosting == "name":
            self.vhosts = VirtualHostServer(self.sockets, self.latency, seed=self.world.seed)
            for spec in self.specs:
                self.servers[spec.key] = self.vhosts.add(f"{spec.key}.{SIM_DOMAIN}", self.sites[spec.key])
            self.vhosts.start()
            return self
        port = 0
        try:
            for index, spec in enumerate(self.specs):
                host = f"127.0.0.{FIRST_HOST + index}"
                server = _bind(self.gates.get(spec.key) or self.sites[spec.key], host, port)
                # Try to give every site the same port (easier to read); fall back to any free one.
                port = server.port
                self.servers[spec.key] = server
            for server in self.servers.values():
                server.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        servers, self.servers = self.servers, {}
        for server in servers.values():
            server.stop()
        vhosts, self.vhosts = self.vhosts, None
        if vhosts is not None:
            vhosts.stop()

    def __enter__(self) -> SimulatedWeb:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- addresses ----------------------------------------------------------------------------
    def base_url(self, site_key: str) -> str:
        server = self.servers.get(site_key)
        if server is None:
            raise RuntimeError(f"site {site_key!r} is not being served: call start() first")
        return server.base_url

    def url(self, site_key: str, path: str = "/") -> str:
        return self.base_url(site_key) + path

    def mirror_url(self, url: str, mirror_key: str = "mee-big5") -> str:
        """The big5 mirror address of an original URL: http://<mirror>/gate/big5/<host:port>/<path>."""
        mirror = self.sites[mirror_key]
        assert isinstance(mirror, MirrorSite)
        host = mirror.original.host
        prefix = f"http://{host}"
        if not url.startswith(prefix):
            raise ValueError(f"{url} is not on the mirrored site {host}")
        return f"{self.base_url(mirror_key)}/gate/big5/{host}{url[len(prefix) :] or '/'}"

    # --- time and truth -----------------------------------------------------------------------
    @property
    def day(self) -> int:
        return self.world.day

    def date_of(self, day: int) -> date:
        return self.world.date_of(day)

    def now(self, day: int | None = None) -> datetime:
        """A crawl time on `day` (aware, Asia/Shanghai) after that day's publishing; for $GOVWATCH_NOW."""
        day = self.day if day is None else day
        return datetime.combine(self.date_of(day), time(20, 0), CHINA)

    def advance_to(self, day: int) -> None:
        """Move to `day`: new items appear, one item is edited, one deleted (deterministic by seed)."""
        self.world.advance_to(day)

    def article_url(self, article: Article) -> str:
        spec = self.world.sites[article.site]
        return self.base_url(spec.key) + article_path(spec, spec.column(article.column), article)

    def truth(self, day: int | None = None) -> DayTruth:
        """The changes introduced on `day` (day 1: every initial article is new)."""
        day = self.day if day is None else day
        if day > max(self.world.events):
            raise ValueError(f"day {day} has not happened yet (advance_to it first)")
        events = self.world.events[day]

        def urls(uids: list[int]) -> set[str]:
            return {self.article_url(self.world.articles[uid]) for uid in uids}

        return DayTruth(new=urls(events.new), edited=urls(events.edited), deleted=urls(events.deleted))

    def articles(self, day: int | None = None) -> list[ArticleTruth]:
        """Every live article on `day` (default: today) with its true title, date, kind and text."""
        day = self.day if day is None else day
        return [
            ArticleTruth(
                url=self.article_url(a),
                source_id=self.source_id(a.site, a.column),
                site=a.site,
                column=a.column,
                title=a.title,
                published=a.published,
                kind=TRUTH_KIND.get(a.kind, a.kind),
                source=a.source,
                doc_number=a.doc_number,
                paragraphs=tuple(a.paragraphs(day)),
                created_day=a.created_day,
                stage=a.stage,
            )
            for a in sorted(self.world.live(day), key=lambda a: a.uid)
        ]

    def serve_stale_listings(self, site_key: str, day: int | None) -> None:
        """Make a site's listings show the state of an earlier `day` (a stale cache); None ends it.

        Articles stay current: a crawler must not read the missing newer items as deletions.
        """
        site = self.sites[site_key]
        if isinstance(site, MirrorSite):
            site = site.original
        site.stale_listing_day = day

    # --- request logs (politeness checks) ---------------------------------------------------
    def requests(self, site_key: str) -> list[LoggedRequest]:
        server = self.servers.get(site_key)
        return list(server.log) if server else []

    def max_concurrency(self, site_key: str) -> int:
        server = self.servers.get(site_key)
        return server.max_concurrency if server else 0

    def overlaps(self) -> dict[str, list[tuple[str, ...]]]:
        """Per site that ever answered two requests at once, the requests in flight each time (first 20)."""
        servers = self.servers.items()
        return {key: list(server.in_flight.overlaps) for key, server in servers if server.in_flight.overlaps}

    def clear_logs(self) -> None:
        for server in self.servers.values():
            server.clear_log()

    def crawl_settings(self) -> dict[str, Any]:
        """Scrapy settings a crawl of this web needs: with name hosting, its names resolve to loopback."""
        if self.hosting != "name":
            return {}
        return {"GOVWATCH_HOSTS": {SIM_DOMAIN: LOOPBACK}}

    # --- seeds --------------------------------------------------------------------------------
    def source_id(self, site_key: str, column_key: str) -> str:
        """The seed id that crawls a column directly."""
        spec = self.world.sites[site_key]
        if spec.cms in ("trs", "drift"):
            return f"{self.seed_prefix}-{site_key}-{column_key}"
        return f"{self.seed_prefix}-{site_key}"

    def seeds(self) -> list[dict[str, Any]]:
        """One seed (as a dict matching crawler/config.py) per simulated source, pointing at the live servers."""
        result: list[dict[str, Any]] = []
        for spec in self.specs:
            result.extend(self._seeds_of(spec))
        return result

    def write_seeds(self, directory: str | Path) -> list[Path]:
        """Write `<id>.yaml` for every simulated source into `directory` (created if missing)."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for seed in self.seeds():
            path = folder / f"{seed['id']}.yaml"
            # Written aside and renamed, so a reader never sees half a file.
            partial = path.with_suffix(".yaml.part")
            partial.write_text(yaml.safe_dump(seed, allow_unicode=True, sort_keys=False), encoding="utf-8")
            partial.replace(path)
            paths.append(path)
        return paths

    def _seed(
        self, seed_id: str, name: str, org: str, listings: list[dict[str, Any]], max_pages: int, **extra: Any
    ) -> dict[str, Any]:
        seed: dict[str, Any] = {
            "id": seed_id,
            "name": name,
            "org": org,
            "listings": listings,
            "max_pages": max_pages,
            "article": {"body": None, "title": None, "date": None, "source": None, "encoding": None},
            "schedule": "0 8 * * *",
            "enabled": True,
            "tags": ["simulated"],
            "verified": True,
            "politeness": {"download_delay": self.download_delay},
        }
        seed.update(extra)
        return seed

    def _seeds_of(self, spec: SiteSpec) -> list[dict[str, Any]]:
        base = self.base_url(spec.key)
        prefix = self.seed_prefix
        if spec.cms == "trs":
            seeds = []
            for column in spec.columns:
                selectors: dict[str, Any] = {}
                if column.layout == "policy":
                    selectors = {"item": "ul.zcwj_list > li", "date": "span.date"}
                pages = max(1, -(-column.initial // column.page_size)) + 3
                seeds.append(
                    self._seed(
                        self.source_id(spec.key, column.key),
                        f"{spec.name} {column.name}",
                        spec.org,
                        [{"url": base + column.path, "profile": "trs", "params": {}, "selectors": selectors}],
                        min(1000, max(5, pages)),
                        tags=["simulated", spec.cms],
                    )
                )
            return seeds
        if spec.cms == "mirror":
            original = self.world.sites[spec.mirror_of or ""]
            column = original.columns[0]
            return [
                self._seed(
                    f"{prefix}-{spec.key}-{column.key}",
                    f"{spec.name} {column.name}（繁体镜像）",
                    spec.org,
                    [
                        {
                            "url": self.mirror_url(self.base_url(original.key) + column.path, spec.key),
                            "profile": "trs",
                            "params": {},
                            "selectors": {},
                        }
                    ],
                    5,
                    tags=["simulated", "mirror", "big5"],
                )
            ]
        if spec.cms == "hanweb":
            listings = [
                {
                    "url": base + column.path,
                    "profile": "hanweb",
                    "params": {
                        "columnid": column.code,
                        "unitid": spec.unit_id,
                        "webid": spec.web_id,
                        "per_page": column.page_size,
                    },
                    "selectors": {},
                }
                for column in spec.columns
            ]
            return [
                self._seed(
                    f"{prefix}-{spec.key}", spec.name, spec.org, listings, 5, tags=["simulated", "hanweb"]
                )
            ]
        if spec.cms == "jsonapi":
            listings = [
                {
                    "url": base + column.path,
                    "profile": "json_api",
                    "params": {
                        "api": f"{base}/common/search/{column.channel}?_isAgg=true&_isJson=true&_pageSize=20"
                        "&_template=index&page={page}",
                        "per_page": 20,
                        "results": "data.results",
                        "title": "title",
                        "url": "url",
                        "date": "publishedTimeStr",
                        "total": "data.total",
                    },
                    "selectors": {},
                }
                for column in spec.columns
            ]
            return [
                self._seed(
                    f"{prefix}-{spec.key}", spec.name, spec.org, listings, 5, tags=["simulated", "json_api"]
                )
            ]
        if spec.cms == "gbk":
            listings = [
                {
                    "url": base + column.path,
                    "profile": "html",
                    "params": {},
                    "selectors": {"item": "div.newslist li", "date": "span.time", "next": None},
                }
                for column in spec.columns
            ]
            return [
                self._seed(
                    f"{prefix}-{spec.key}", spec.name, spec.org, listings, 5, tags=["simulated", "gbk"]
                )
            ]
        if spec.cms == "drift":
            return drift_seeds(base, spec, self._seed, self.source_id)
        if spec.cms == "blocked":
            listings = [
                {"url": base + column.path, "profile": "html", "params": {}, "selectors": {}}
                for column in spec.columns
            ]
            return [
                self._seed(
                    f"{prefix}-{spec.key}", spec.name, spec.org, listings, 2, tags=["simulated", "blocked"]
                )
            ]
        return []


def _with_dependencies(specs: tuple[SiteSpec, ...], wanted: Iterable[str] | None) -> set[str]:
    """The chosen site keys plus what they need (a mirror needs its original)."""
    known = {spec.key: spec for spec in specs}
    chosen = set(known) if wanted is None else set(wanted)
    unknown = chosen - set(known)
    if unknown:
        raise ValueError(f"unknown simulated sites: {', '.join(sorted(unknown))} (known: {', '.join(known)})")
    for key in list(chosen):
        if known[key].mirror_of:
            chosen.add(known[key].mirror_of or "")
    return chosen


def _bind(site: Site, host: str, port: int) -> SiteServer:
    try:
        return SiteServer(site, host, port)
    except OSError as exc:
        if port and exc.errno in (errno.EADDRINUSE, errno.EACCES):
            return SiteServer(site, host, 0)
        raise
