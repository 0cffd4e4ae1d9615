"""The simulated world's state: sites, columns, articles and what changes on each day (deterministic)."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from crawler.simulator import files, phrases

# The simulator's own kind for a notice announcing a meeting: the extractor calls it `meeting`, stage
# `announced`; a simulated `meeting` is a report of a meeting held.
ANNOUNCEMENT = "announcement"
TRUTH_KIND = {ANNOUNCEMENT: "meeting"}
STAGES = {ANNOUNCEMENT: "announced", "meeting": "held"}
DOCUMENT_KINDS = ("notice", "policy", ANNOUNCEMENT)  # they carry a 文号
FIRST_UID = 1_000_101
DIGEST_MORE = ">>>更多内容，点击阅读"  # the link text that ends each digest entry
DIGEST_LEAD = {
    ANNOUNCEMENT: 2,
    "meeting": 0,
    "news": 0,
    "notice": 2,
    "policy": 2,
    "speech": 3,
}  # the body line a digest quotes
DIGEST_WEEKDAY = 6  # Sunday: digests of the past week appear on Sundays


@dataclass(frozen=True)
class Column:
    """One listing of a site (a TRS column, a Hanweb col, a JSON channel, an old site's news list)."""

    key: str  # short slug used in seed ids
    name: str  # 栏目名
    path: str  # listing path on the site, ends with "/" (or the index page for Hanweb/JSON shells)
    kinds: tuple[str, ...]  # kinds of item this column publishes, cycled on day 1 and drawn later
    initial: int = 5  # articles already published on day 1
    page_size: int = 6
    pagination: str = "countpage"  # TRS only: countpage | createpage4 | createpage6 | pagediv | pagecontrol
    layout: str = "article"  # TRS only: article | policy
    code: int = 0  # Hanweb columnid / JSON column number / TRS catalog id
    channel: str = ""  # JSON API channelId
    digest: bool = False  # publishes a weekly digest (一周要闻) of its site's other columns every Sunday


@dataclass(frozen=True)
class SiteSpec:
    """A simulated site: which CMS it imitates, who runs it, and its columns."""

    key: str
    cms: str  # trs | mirror | hanweb | jsonapi | gbk | blocked
    name: str  # the site's name (SiteName)
    org: str  # the organisation named in articles
    abbr: str  # prefix of its document numbers (文号)
    columns: tuple[Column, ...] = ()
    mirror_of: str | None = None  # mirror sites: key of the site they convert
    site_code: str = "sim0000001"
    unit_id: int = 0  # Hanweb unitid
    web_id: int = 1  # Hanweb webid
    gate: str = ""  # a JavaScript challenge in front of the site: "jsl" | "ruishu" | "twostage" (challenges.py)

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(f"{self.key} has no column {key!r}")

    @property
    def publishes(self) -> bool:
        """Mirrors copy another site and challenge pages hide theirs: neither has articles of its own."""
        return self.cms not in ("mirror", "blocked")


@dataclass(eq=False)
class Article:
    """One article over its life: created on a day, maybe edited, maybe deleted. Text is generated lazily."""

    uid: int
    site: str
    column: str
    kind: str
    published: datetime
    seed: int
    title: str
    created_day: int
    deleted_day: int | None = None
    edits: list[tuple[int, str]] = field(default_factory=list)  # (day, new wording of the fact sentence)
    file_edits: list[int] = field(default_factory=list)  # days its first attachment was replaced (files.py)
    site_org: str = ""
    abbr: str = ""
    # Weekly digests (一周要闻) are written once from other items: their text is fixed, with links out.
    digest: tuple[tuple[str, str, int], ...] = ()  # (heading, summary, uid of the full item)
    path: str | None = field(default=None, repr=False)  # set once by the site that serves it

    def live_on(self, day: int) -> bool:
        return self.created_day <= day and (self.deleted_day is None or day < self.deleted_day)

    def fact_on(self, day: int) -> str:
        if self.kind == ANNOUNCEMENT:  # the meeting's time, printed under 一、会议时间
            fact = meeting_time(random.Random(self.seed ^ 0x7135), self.published.date())
        else:
            fact = _fields(self.seed, self.site_org)["fact"]
        for edit_day, wording in self.edits:
            if edit_day <= day:
                fact = wording
        return fact

    @property
    def doc_number(self) -> str | None:
        """Notices and policy documents carry a 文号 like 环办〔2026〕12号."""
        if self.kind not in DOCUMENT_KINDS:
            return None
        return f"{self.abbr}〔{self.published.year}〕{self.seed % 97 + 3}号"

    @property
    def stage(self) -> str | None:
        """The meeting stage the extractor should find: announced, held, or None (not a meeting)."""
        return STAGES.get(self.kind)

    @property
    def source(self) -> str:
        return _fields(self.seed, self.site_org)["source"]

    def paragraphs(self, day: int) -> list[str]:
        """The body as it reads on `day` (the fact sentence carries the latest edit)."""
        if self.digest:
            return [line for heading, summary, _ in self.digest for line in (heading, summary + DIGEST_MORE)]
        values = dict(_fields(self.seed, self.site_org))
        values["fact"] = self.fact_on(day)
        values["doc"] = self.doc_number or ""
        values["date_cn"] = f"{self.published.year}年{self.published.month}月{self.published.day}日"
        values["month"], values["day"] = str(self.published.month), str(self.published.day)
        values["year"] = str(self.published.year)
        deadline = self.published + timedelta(days=20)
        values["deadline"] = f"{deadline.year}年{deadline.month}月{deadline.day}日"
        reply_by = self.published + timedelta(days=MEETING_REPLY_DAYS)
        values["reply_by"] = f"{reply_by.month}月{reply_by.day}日"
        values["venue"] = values["venue"].format(org=self.site_org, place=values["place"])
        return [_fill(line, values) for line in phrases.BODIES[self.kind]]


def _fill(template: str, values: dict[str, str]) -> str:
    return template.format_map(values)


@lru_cache(maxsize=4096)
def _fields(seed: int, org: str) -> dict[str, str]:
    """The made-up particulars of one article, drawn from its own seed (so nothing big is stored)."""
    rng = random.Random(seed)
    people = rng.sample(phrases.PEOPLE + phrases.RARE_PEOPLE, 3)
    topic, topic2 = rng.sample(phrases.TOPICS, 2)
    place = rng.choice(phrases.PLACES)
    values = {
        "org": org,
        "leader": people[0],
        "leader2": people[1],
        "leader3": people[2],
        "topic": topic,
        "topic2": topic2,
        "place": place,
        "water": rng.choice(phrases.WATERS),
        "thing": rng.choice(phrases.THINGS),
        "spirit": rng.choice(phrases.SPIRITS),
        "meeting": rng.choice(phrases.MEETING_NAMES),
        "n": str(rng.randint(2, 40)),
        "tel": f"{rng.randint(10, 99)}-{rng.randint(80000000, 89999999)}",
        "venue": rng.choice(phrases.VENUES),
    }
    values["source"] = rng.choice(phrases.SOURCES).format(org=org, place=place)
    values["fact"] = make_fact(rng, month=rng.randint(1, 10))
    return values


def make_fact(rng: random.Random, month: int) -> str:
    """One numeric sentence; edits draw a new one, so the change is a real change of wording."""
    template = rng.choice(phrases.FACTS)
    return template.format(
        month=month,
        a=rng.randint(12, 980),
        b=rng.randint(5, 300),
        c=rng.randint(1, 60),
        pct=f"{rng.randint(50, 99)}.{rng.randint(0, 9)}",
        pct2=f"{rng.randint(80, 96)}.{rng.randint(0, 9)}",
        year2=rng.choice((2027, 2028, 2030)),
    )


# An announced meeting is 8 to 25 days after its notice; replies are due 5 days after the notice.
MEETING_AHEAD_DAYS = (8, 25)
MEETING_REPLY_DAYS = 5


def meeting_time(rng: random.Random, published: date, shift: int = 0) -> str:
    """When an announced meeting takes place, as notices print it: 11月26日上午9:00 or 11月26日至27日."""
    start = published + timedelta(days=rng.randint(*MEETING_AHEAD_DAYS) + shift)
    if rng.random() < 0.3:
        end = start + timedelta(days=rng.randint(1, 2))
        end_text = f"{end.day}日" if end.month == start.month else f"{end.month}月{end.day}日"
        return f"{start.month}月{start.day}日至{end_text}，请于开会前一日报到。"
    return f"{start.month}月{start.day}日{rng.choice(phrases.STARTS)}，会期1天。"


def make_title(rng: random.Random, kind: str, org: str, year: int) -> str:
    template = rng.choice(phrases.TITLES[kind])
    return template.format(
        org=org,
        spirit=rng.choice(phrases.SPIRITS),
        n=rng.randint(2, 40),
        topic=rng.choice(phrases.TOPICS),
        year=year,
        place=rng.choice(phrases.PLACES),
        thing=rng.choice(phrases.THINGS),
        leader=rng.choice(phrases.PEOPLE),
        water=rng.choice(phrases.WATERS),
    )


@dataclass
class DayEvents:
    """What one day changed, as article uids."""

    new: list[int] = field(default_factory=list)
    edited: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)


class World:
    """All articles of all sites and the day-by-day timeline; a pure function of (sites, start, seed, day)."""

    def __init__(
        self,
        sites: tuple[SiteSpec, ...],
        start: date,
        seed: int,
        new_per_day: tuple[int, int] = (3, 4),
        backdate_days: int = 30,
    ) -> None:
        self.sites = {site.key: site for site in sites}
        self.start = start
        self.seed = seed
        self.new_per_day = new_per_day
        self.backdate_days = backdate_days
        self.articles: dict[int, Article] = {}
        self.by_column: dict[tuple[str, str], list[Article]] = {}
        self.events: dict[int, DayEvents] = {}
        self.day = 1
        self._next_uid = FIRST_UID
        self._lock = threading.RLock()
        self._listing_cache: dict[tuple[str, str, int], list[Article]] = {}
        self._build_day_one()

    # --- time ---------------------------------------------------------------------------------
    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=day - 1)

    def advance_to(self, day: int) -> None:
        """Move the world to `day` (forward builds the missing days; backward only changes the view)."""
        if day < 1:
            raise ValueError("days start at 1")
        with self._lock:
            for next_day in range(max(self.events) + 1, day + 1):
                self._build_day(next_day)
            self.day = day

    # --- queries ------------------------------------------------------------------------------
    def listing(self, site: str, column: str, day: int | None = None) -> list[Article]:
        """Live articles of a column on `day`, newest first (what its listing pages show)."""
        day = self.day if day is None else day
        key = (site, column, day)
        with self._lock:
            cached = self._listing_cache.get(key)
            if cached is None:
                live = [a for a in self.by_column.get((site, column), ()) if a.live_on(day)]
                cached = sorted(live, key=lambda a: (a.published, a.uid), reverse=True)
                if len(self._listing_cache) > 512:
                    self._listing_cache.clear()
                self._listing_cache[key] = cached
            return cached

    def live(self, day: int | None = None) -> list[Article]:
        day = self.day if day is None else day
        return [a for a in self.articles.values() if a.live_on(day)]

    def get(self, uid: int) -> Article | None:
        return self.articles.get(uid)

    # --- building -----------------------------------------------------------------------------
    def _new_article(
        self, site: SiteSpec, column: Column, kind: str, published: datetime, day: int
    ) -> Article:
        uid = self._next_uid
        self._next_uid += 1
        seed = random.Random(f"{self.seed}:article:{uid}").getrandbits(48)
        title = make_title(random.Random(seed ^ 0x5EED), kind, site.org, published.year)
        article = Article(
            uid=uid,
            site=site.key,
            column=column.key,
            kind=kind,
            published=published,
            seed=seed,
            title=title,
            created_day=day,
            site_org=site.org,
            abbr=site.abbr,
        )
        self.articles[uid] = article
        self.by_column.setdefault((site.key, column.key), []).append(article)
        return article

    def _columns(self) -> list[tuple[SiteSpec, Column]]:
        return [(site, column) for site in self.sites.values() if site.publishes for column in site.columns]

    def _build_day_one(self) -> None:
        rng = random.Random(f"{self.seed}:day:1")
        events = DayEvents()
        for site, column in self._columns():
            count = column.initial
            span = max(self.backdate_days, count // 3)
            for index in range(count):
                # Spread the back catalogue over the weeks before the start, oldest first.
                days_back = span - (index * span) // max(count, 1)
                moment = datetime.combine(self.start - timedelta(days=days_back), time(9, 0))
                moment += timedelta(minutes=rng.randint(0, 480))
                kind = column.kinds[index % len(column.kinds)]
                events.new.append(self._new_article(site, column, kind, moment, 1).uid)
        self.events[1] = events
        events.new.extend(self._digests(1))

    def _build_day(self, day: int) -> None:
        rng = random.Random(f"{self.seed}:day:{day}")
        events = DayEvents()
        columns = self._columns()
        today = self.date_of(day)
        publishers = [site for site in self.sites.values() if site.publishes and site.columns]
        rng.shuffle(publishers)
        announcing = [(site, column) for site, column in columns if ANNOUNCEMENT in column.kinds]
        for index in range(rng.randint(*self.new_per_day)):
            if index == 0 and day == 2:
                # Day 2 always brings a meeting report on the first column (the demo relies on it).
                site, column = columns[0]
                kind = "meeting"
            elif index == 1 and day == 2 and announcing:
                # …and an announced meeting, mailed with its time and place in the demo.
                site, column = announcing[0]
                kind = ANNOUNCEMENT
            else:
                # Spread the day's news over the sites first, then over each site's columns.
                site = publishers[index % len(publishers)]
                column = rng.choice(site.columns)
                kind = rng.choice(column.kinds)
            moment = datetime.combine(today, time(8, 30)) + timedelta(minutes=rng.randint(0, 540))
            events.new.append(self._new_article(site, column, kind, moment, day).uid)
        older = sorted(
            (a for a in self.articles.values() if a.created_day < day and a.live_on(day)), key=lambda a: a.uid
        )
        # Digests are written once and never revised, so only ordinary items get edited.
        editable = [a for a in older if not a.digest]
        if editable:
            # Day 2 moves the meeting announced last (still ahead), as regulators do: the demo shows the
            # changed date flagged and mailed.
            announced = [a for a in editable if a.kind == ANNOUNCEMENT] if day == 2 else []
            moved = [max(announced, key=lambda a: (a.published, a.uid))] if announced else []
            edited = rng.choice(moved or editable)
            old_fact = edited.fact_on(day)
            wording = old_fact
            while wording == old_fact:
                if edited.kind == ANNOUNCEMENT:
                    wording = meeting_time(random.Random(edited.seed ^ 0x7135), edited.published.date(),
                                           shift=rng.randint(1, 5))
                else:
                    wording = make_fact(rng, month=today.month)
            edited.edits.append((day, wording))
            events.edited.append(edited.uid)
            remaining = [a for a in older if a is not edited]
            if remaining:
                gone = rng.choice(remaining)
                gone.deleted_day = day
                events.deleted.append(gone.uid)
            # An attachment replaced under the same URL, the page itself unchanged: an edit all the same.
            trs = {key for key, spec in self.sites.items() if spec.cms == "trs"}
            untouched = (a for a in editable if a.uid not in events.edited and a.uid not in events.deleted)
            replaced = files.choose_replaced(untouched, trs, day)
            if replaced is not None:
                events.edited.append(replaced.uid)
        events.new.extend(self._digests(day))
        self.events[day] = events
        self._listing_cache.clear()

    def _digests(self, day: int) -> list[int]:
        """On Sundays, columns with `digest` publish 一周要闻 of their site's items of the past seven days."""
        today = self.date_of(day)
        if today.weekday() != DIGEST_WEEKDAY:
            return []
        made = []
        for site, column in self._columns():
            if not column.digest:
                continue
            week = [
                a
                for a in self.articles.values()
                if a.site == site.key
                and not a.digest
                and a.live_on(day)
                and today - timedelta(days=7) <= a.published.date() < today
            ]
            week.sort(key=lambda a: (a.published, a.uid))
            if not week:
                continue
            first, last = today - timedelta(days=7), today - timedelta(days=1)
            moment = datetime.combine(today, time(16, 30))
            digest = self._new_article(site, column, "news", moment, day)
            digest.title = f"{site.org}一周要闻（{first.month}.{first.day}-{last.month}.{last.day}）"
            digest.digest = tuple(
                (f"{index}.{a.title}", a.paragraphs(day)[DIGEST_LEAD[a.kind]], a.uid)
                for index, a in enumerate(week[:10], start=1)
            )
            made.append(digest.uid)
        return made
