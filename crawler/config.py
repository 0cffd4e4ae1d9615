"""Seed files: the schema of a source (`seeds/<slug>.yaml`) and a loader that reports every broken file."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from crawler.cron import cron_trigger
from crawler.profiles.params import PARAMS_MODELS, ProfileParams
from crawler.vocabulary import Kind, is_slug
from crawler.yamlfile import ConfigFileError, read_yaml, validate

SEEDS_ENV = "GOVWATCH_SEEDS"
DEFAULT_SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*$")
PROFILES = tuple(PARAMS_MODELS)
DEFAULT_REVISIT_DAYS = (1, 3, 7, 30)


class _Strict(BaseModel):
    """Base for seed models: unknown keys are errors, so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ListingSelectors(_Strict):
    """CSS selectors overriding a profile's defaults on one listing."""

    item: str | None = None  # the <a> elements (or rows holding one) that link to articles
    date: str | None = None  # relative to the item's row
    next: str | None = None  # a "next page" link, for plain HTML lists


class Listing(_Strict):
    """One listing URL and the CMS profile that knows how to read and paginate it.

    `params` is validated against the chosen profile's model (`crawler/profiles/params.py`), so a key
    that profile does not know is an error naming the key.
    """

    url: str
    profile: Literal["trs", "hanweb", "json_api", "html"]
    params: SerializeAsAny[ProfileParams] = Field(default_factory=dict, validate_default=True)
    selectors: ListingSelectors = Field(default_factory=ListingSelectors)

    @field_validator("params", mode="before")
    @classmethod
    def _params_of_profile(cls, value: Any, info: ValidationInfo) -> Any:
        model = PARAMS_MODELS.get(str(info.data.get("profile")))
        if model is None or isinstance(value, model):
            return value  # the profile itself is invalid and reported on its own key
        if isinstance(value, ProfileParams):
            value = value.model_dump(exclude_unset=True)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise ValueError(f"params must be a mapping of keys, got {type(value).__name__}")
        try:
            return model.model_validate(value)
        except ValidationError as exc:
            raise ValueError(_params_error(exc, model, str(info.data.get("profile")))) from None

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value


def _params_error(exc: ValidationError, model: type[ProfileParams], profile: str) -> str:
    """One readable message for a params error: the key, what is wrong, and the keys the profile knows."""
    first = exc.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(params)"
    known = ", ".join(model.model_fields)
    if first["type"] == "extra_forbidden":
        return f"params.{key}: unknown key for profile {profile!r} (known: {known})"
    return f"params.{key}: {first['msg']}"


class Evidence(_Strict):
    """What confirmed one part of a seed, where it was seen, when, and how sure that makes us."""

    what: str  # the part of the seed: "listing URL and selector", "API fields", "article body"
    source: str  # "public crawler bishengh/lv-xun-eco-news (2026)", "real article URLs", "saved page"
    seen: str  # when: YYYY or YYYY-MM
    # C = code that parses the site, S = real URLs or output seen, I = inference.
    confidence: Literal["C", "S", "I"]

    @field_validator("seen", mode="before")
    @classmethod
    def _year_month(cls, value: object) -> str:
        if not re.match(r"^(?:19|20)\d{2}(?:-(?:0[1-9]|1[0-2]))?$", str(value)):
            raise ValueError(f"seen must be YYYY or YYYY-MM, got {value!r}")
        return str(value)


class ArticleOverrides(_Strict):
    """Per-source hints for article pages, passed to the extractor."""

    body: str | None = None
    title: str | None = None
    date: str | None = None
    source: str | None = None
    encoding: str | None = None
    kind: Kind | None = None  # column default


class Politeness(_Strict):
    """Per-source overrides of the crawl's politeness settings (see crawler/settings.py)."""

    download_delay: float | None = Field(default=None, ge=0)
    obey_robots: bool | None = None
    concurrent_requests_per_domain: int | None = Field(default=None, ge=1, le=4)
    max_response_bytes: int | None = Field(default=None, ge=1024)
    user_agent: str | None = None
    retry_times: int | None = Field(default=None, ge=0, le=10)
    timeout: float | None = Field(default=None, gt=0)


class Revisit(_Strict):
    """When known articles are fetched again to catch silent edits and deletions."""

    days: tuple[int, ...] = DEFAULT_REVISIT_DAYS
    budget: int = Field(default=100, ge=0)  # at most this many revisits per run

    @field_validator("days")
    @classmethod
    def _ascending(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(d <= 0 for d in value) or list(value) != sorted(set(value)):
            raise ValueError("revisit days must be positive, ascending and distinct")
        return value


class Attachments(_Strict):
    """Whether and how much of a source's attachments (附件) to fetch; unset limits take crawler/settings.py's."""

    enabled: bool = True
    max_bytes: int | None = Field(default=None, ge=1024)  # larger files are skipped (GOVWATCH_ATTACHMENT_MAX_BYTES)
    budget: int | None = Field(default=None, ge=0)  # files fetched per run (GOVWATCH_ATTACHMENT_BUDGET)


class Source(_Strict):
    """A watched source: one seed file."""

    id: str
    name: str
    org: str
    listings: list[Listing] = Field(min_length=1)
    max_pages: int = Field(default=3, ge=1, le=1000)
    article: ArticleOverrides = Field(default_factory=ArticleOverrides)
    schedule: str = "0 7 * * *"  # cron, Asia/Shanghai
    enabled: bool = True
    tags: list[str] = Field(default_factory=list)
    verified: bool = False  # true only for structures confirmed by a real page
    evidence: list[Evidence] = Field(default_factory=list)
    politeness: Politeness = Field(default_factory=Politeness)
    revisit: Revisit = Field(default_factory=Revisit)
    # Hosts besides the listings' where redirects may lead (a department that moved between .gov.cn hosts);
    # a redirect anywhere else is an error, and an item's URL never moves off these.
    allowed_domains: list[str] = Field(default_factory=list)
    attachments: Attachments = Field(default_factory=Attachments)
    # How pages are fetched: plain HTTP only; a headless Chromium from the start; or (auto) plain HTTP until the
    # site answers with a JavaScript challenge, then the browser, whose cookies plain HTTP reuses.
    fetch: Literal["http", "browser", "auto"] = "auto"
    notes: str | None = None

    @field_validator("allowed_domains")
    @classmethod
    def _hostnames(cls, value: list[str]) -> list[str]:
        for host in value:
            if not HOSTNAME.match(host):
                raise ValueError(f"not a bare host name (no scheme, port or path): {host!r}")
        return [host.lower() for host in value]

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not is_slug(value):
            raise ValueError("id must be a lowercase slug: letters, digits and '-'")
        return value

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        # The very translation the scheduler runs (crawler/cron.py), so a line loads iff it is scheduled.
        cron_trigger(value)
        return value

    @property
    def domains(self) -> list[str]:
        """Hostnames this source's listings live on."""
        from urllib.parse import urlsplit

        return sorted({urlsplit(listing.url).hostname or "" for listing in self.listings})


class SeedError(ConfigFileError):
    """A seed file that could not be loaded; names the file and the offending key."""


@dataclass
class SeedSet:
    """The sources that loaded and the errors of those that did not."""

    sources: dict[str, Source] = field(default_factory=dict)
    errors: list[SeedError] = field(default_factory=list)

    def get(self, source_id: str) -> Source:
        if source_id not in self.sources:
            known = ", ".join(sorted(self.sources)) or "none"
            raise KeyError(f"unknown source {source_id!r} (known: {known})")
        return self.sources[source_id]

    def enabled(self) -> list[Source]:
        return [source for source in self.sources.values() if source.enabled]

    def select(self, requested: list[str]) -> tuple[list[Source], list[str]]:
        """The sources a crawl asked for ([] or ["all"]: every enabled one) and the ids no seed defines."""
        if not requested or requested == ["all"]:
            return self.enabled(), []
        broken = {error.path.stem for error in self.errors}
        chosen = [self.sources[source_id] for source_id in requested if source_id in self.sources]
        unknown = [source_id for source_id in requested if source_id not in self.sources and source_id not in broken]
        return chosen, unknown


def seeds_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The seeds folder: the explicit one, else $GOVWATCH_SEEDS, else the project's seeds/."""
    if explicit:
        return Path(explicit)
    if os.environ.get(SEEDS_ENV):
        return Path(os.environ[SEEDS_ENV])
    return DEFAULT_SEEDS_DIR


def load_source(path: Path) -> Source:
    """Load and validate one seed file; raise SeedError naming the file and key."""
    source = validate(Source, read_yaml(path, SeedError), path, SeedError)
    if source.id != path.stem:
        raise SeedError(path, "id", f"id {source.id!r} must equal the file name {path.stem!r}")
    return source


def load_seeds(directory: str | os.PathLike[str] | None = None, only: Iterable[str] | None = None) -> SeedSet:
    """Load every `*.yaml` in the folder (or only `<id>.yaml` of the ids in `only`); broken files are
    collected as errors, the rest still load."""
    folder = seeds_dir(directory)
    result = SeedSet()
    if not folder.is_dir():
        result.errors.append(SeedError(folder, "(folder)", "seeds folder does not exist"))
        return result
    if only is None:
        paths = sorted(folder.glob("*.y*ml"))
    else:
        # A seed's file is named after its id (load_source checks it): no need to read the others.
        candidates = (folder / f"{source_id}{suffix}" for source_id in only for suffix in (".yaml", ".yml"))
        paths = [path for path in candidates if path.is_file()]
    for path in paths:
        try:
            source = load_source(path)
        except SeedError as error:
            result.errors.append(error)
            continue
        result.sources[source.id] = source
    return result
