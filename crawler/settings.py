"""Scrapy settings of the govwatch crawl: polite defaults for government sites, each a documented constant.

Per-source overrides (`politeness:` in a seed) are applied by the `listing` spider per domain through
`DOWNLOAD_SLOTS` and request meta, because one process crawls several sources at once.
"""

from __future__ import annotations

from crawler.browser import configured_executable

BOT_NAME = "govwatch"

# The one generic spider lives in spiders/listing.py: `scrapy crawl listing -a source=<id>[,<id>...]`.
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- politeness ------------------------------------------------------------------------------------------
# Government sites are small servers run by small teams: ask robots.txt, one request at a time per site,
# a pause between requests, and say who we are and where to complain.
ROBOTSTXT_OBEY = True
USER_AGENT = "govwatch/0.1 (+https://github.com/govwatch/govwatch; policy monitoring)"
CONCURRENT_REQUESTS = 16  # across all sites of one process
CONCURRENT_REQUESTS_PER_DOMAIN = 1
CONCURRENT_REQUESTS_PER_IP = 0  # the limit is per domain (one slot per hostname)
DOWNLOAD_DELAY = 1.0  # seconds between two requests to one site (a seed may lower or raise it)
DOWNLOAD_DELAY_JITTER = 0.5  # ±50% so requests do not beat like a clock
AUTOTHROTTLE_ENABLED = True  # slows down further when a site answers slowly
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False  # we never log in; challenge cookies are exactly what we must not chase
TELNETCONSOLE_ENABLED = False  # no listening ports in an unattended crawler
REMOTE_CONTROL_ENABLED = False  # (Scrapy's HTTP remote control: the same reason)

# --- retries and time limits -----------------------------------------------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 2  # after the first attempt
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Exponential backoff between attempts (spiders/middlewares.py): base * 2**(attempt-1), capped.
GOVWATCH_RETRY_BACKOFF_BASE = 2.0
GOVWATCH_RETRY_BACKOFF_MAX = 60.0
DOWNLOAD_TIMEOUT = 30  # seconds per request
DNS_TIMEOUT = 10
# Names in GOVWATCH_HOSTS ({domain: address}, a domain covers its subdomains) resolve to that address
# without DNS (the simulated web's names → loopback); every other name goes to DNS as usual.
# (Scrapy ≥ 2.16 name; DNS_RESOLVER before it.)
TWISTED_DNS_RESOLVER = "spiders.resolver.HostsResolver"
GOVWATCH_HOSTS: dict[str, str] = {}
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024  # a government article is tens of kB; anything this big is not one
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5

# Answers the spider handles itself instead of Scrapy dropping them: 304 (conditional GET: unchanged),
# 404/410 (an article gone: deletion after confirmation), 403/412/521 (WAF and JS-challenge pages: blocked).
HTTPERROR_ALLOWED_CODES = [304, 403, 404, 410, 412, 521]

# Downloader middlewares, in the order answers pass them (from the downloader up: high numbers first).
#   650 RedirectGuardMiddleware  stops a 3xx that leaves the source's domains or loops (before 600 follows it)
#   600 (Scrapy) RedirectMiddleware  follows the rest, at most REDIRECT_MAX_TIMES
#   585 BrowserMiddleware        a JavaScript challenge → the same request again, through Chromium
#   550 BackoffRetryMiddleware   retries RETRY_HTTP_CODES and network errors with a growing pause
#    50 FixedDelayMiddleware     a site whose seed fixed its delay: AutoThrottle leaves every request's delay
#   540 AnswerMiddleware         the final answer's Verdict (crawler/answers.py) → request.meta["gw_verdict"]
# A component that acts on verdicts (a browser re-fetch of "blocked" answers) goes below 540; one that must
# see raw answers before they are classified goes between 550 and 600.
DOWNLOADER_MIDDLEWARES = {
    "spiders.middlewares.FixedDelayMiddleware": 50,  # a seed's fixed delay holds for every request to its site
    "spiders.middlewares.RedirectGuardMiddleware": 650,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.BackoffRetryMiddleware": 550,  # where RetryMiddleware sits
    # JavaScript challenges → the browser (spiders/browser.py). After HttpCompression (590), so it reads
    # decompressed bodies; closer to the downloader than retries and the answer classification, so those
    # see the browser's answer, not the challenge it passed.
    "spiders.browser.BrowserMiddleware": 585,
    "spiders.middlewares.AnswerMiddleware": 540,
}

# Plain HTTP as Scrapy does it, or Chromium for requests the browser middleware marks (spiders/browser.py).
DOWNLOAD_HANDLERS = {
    "http": "spiders.browser.BrowserDownloadHandler",
    "https": "spiders.browser.BrowserDownloadHandler",
}
# Debian's chromium, driven by Playwright; never a browser build downloaded at run time. Missing → sources
# behind challenges are reported blocked with what to install, and the rest of the crawl goes on.
GOVWATCH_BROWSER_EXECUTABLE = configured_executable()
GOVWATCH_BROWSER_TIMEOUT = 30.0  # seconds for one browser fetch (challenge and reloads); retried once
# Send the cookies the browser earned with the next plain requests to the site (off only to measure the
# browser path alone, in benchmarks/bench_crawl.py): most requests then stay plain HTTP.
GOVWATCH_BROWSER_REUSE_COOKIES = True

# Scrapy's own AutoThrottle stays: every request to a site whose seed fixed its delay is marked
# `autothrottle_dont_adjust_delay`, Scrapy's documented switch (FixedDelayMiddleware above).
EXTENSIONS = {
    # crawl_run rows, health and alert delivery at spider_closed (spiders/runbook.py).
    "spiders.runbook.RunBook": 100,
    # A crawl started by crawler.runner stops itself when that process is gone (no orphan crawls).
    "spiders.runbook.ParentWatch": 200,
}

# --- pipeline: extract → fingerprint → store ----------------------------------------------------------------
ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 300,
    "pipelines.fingerprint.FingerprintPipeline": 400,
    "pipelines.attachments.AttachmentsPipeline": 450,  # fetches and reads attachments before the store decides
    "pipelines.store.StorePipeline": 500,
}

# Outputs of one callback processed in parallel. An article callback yields one or two things, a listing
# page a few dozen; Scrapy's default (100) starts 100 asyncio workers per response for nothing.
CONCURRENT_ITEMS = 8
# Scrapy re-reads each generator callback's source to warn about `return value` in it; our callbacks
# have none (the check misfires on them) and the source scan costs CPU on every response.
WARN_ON_GENERATOR_RETURN_VALUE = False

# --- the rest ----------------------------------------------------------------------------------------------
HTTPCACHE_ENABLED = False  # revisits use conditional GETs against stored validators, not a local cache
FEEDS: dict[str, dict[str, str]] = {}  # items go to the database, never to a feed file
LOG_LEVEL = "INFO"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# Listing pages are requested with a higher priority than articles (spiders/listing.py), so every
# source's listing is read before any source's article backlog.
# Scrapy's broad-crawl queue: the next request comes from the site with the fewest requests in flight.
# The default queue hands out by priority alone, so CONCURRENT_REQUESTS fill up with requests of a few
# sites that wait out their delay while thousands of other sites sit idle (bench-scale: 500 sources' daily
# pass 244 s → see docs/ARCHITECTURE.md).
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"

# --- govwatch --------------------------------------------------------------------------------------------
# Processes that extract articles (pipelines/extract.py). Extraction is CPU work; in the crawl process it
# competes with downloading and storing for one interpreter lock. -1 = one process per spare CPU (at most
# 4; none on a one-CPU machine), N = N processes, 0 = worker threads only (no start-up cost: tests).
GOVWATCH_EXTRACT_PROCESSES = -1
# Store transactions in a writer process of their own instead of a writer thread (pipelines/store.py): the
# ORM's CPU work then leaves the crawl process free to download. Measured on 20 sites × 500 articles with
# two CPUs: 113 pages/s instead of 77, ~100 MB more memory. Still one writer: decisions stay sequential.
GOVWATCH_STORE_PROCESS = True
# Ask one random path per host per run: a 200 answer to it is the host's own not-found page, and an
# article answering with the same page is a soft 404 (spiders/middlewares.AnswerMiddleware).
GOVWATCH_NOT_FOUND_PROBE = True
# Attachments (pipelines/attachments.py), per source unless its seed's `attachments:` says otherwise. A
# notice's attachment is a plan, a list or a table: a few MB at most; a bigger file is skipped with a reason.
GOVWATCH_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
# Attachment files fetched per source and run: a source's first crawl finds hundreds of notices at once,
# and the rest are fetched on later runs (an attachment not fetched yet never reads as an edit).
GOVWATCH_ATTACHMENT_BUDGET = 200
# Send due alert mail when the crawl closes. Scrapyd nodes say False: the scheduler alone delivers, so
# a cluster needs mail settings in one place (each message is claimed once either way).
GOVWATCH_DELIVER_AT_CLOSE = True
# The Scrapyd node name written into this crawl's crawl_run rows (set by the scheduler; empty: local).
GOVWATCH_NODE = ""
# Environment for the crawl process set from settings ({name: value}); Scrapyd jobs get GOVWATCH_NOW so.
GOVWATCH_ENV: dict[str, str] = {}

