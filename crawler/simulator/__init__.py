"""The simulated government web: loopback HTTP sites modelled on real CMSs, advancing by days, with ground truth.

    with SimulatedWeb() as web:                  # eight sites on 127.0.0.2 … 127.0.0.9, one free port
        web.write_seeds(folder)                  # sim-*.yaml for crawler/config.py, pointing at the servers
        ... crawl day 1 ...
        web.advance_to(2)                        # new items, one edit, one deletion (seeded, repeatable)
        truth = web.truth(2)                     # DayTruth(new, edited, deleted): canonical article URLs
        web.articles()                           # live articles with true title, date, kind, source, text
        web.requests("mee"), web.max_concurrency("mee")   # what the crawler asked, and how politely

`SimulatedWeb.scaled(sites=20, articles_per_site=500)` builds many TRS sites for benchmarks;
`govwatch simulate serve` runs the web until Ctrl-C. Sites: `mee` (TRS WCM, static pages with ETag and
Last-Modified), `mee-big5` (its traditional-character gateway mirror), `hanweb` (jpage datastore and
dataproxy.jsp), `jsonapi` (JS shell and /common/search JSON), `gbk` (GBK bytes, no charset in the header),
`blocked` (412 Ruishu-style and 521 __jsl_clearance challenges that no client passes), `jsl` (an old-style
HTML site behind a 加速乐-style two-stage 521) and `ruishu` (a JSON-API site behind a Ruishu-style 412 whose
clearance expires after a few answers): those two only a JavaScript engine passes (`challenges.py`).
All names, places and texts are made up.
"""

from __future__ import annotations

from crawler.simulator.server import LoggedRequest
from crawler.simulator.web import DEFAULT_START, ArticleTruth, DayTruth, SimulatedWeb
from crawler.vocabulary import KINDS

__all__ = ["DEFAULT_START", "KINDS", "ArticleTruth", "DayTruth", "LoggedRequest", "SimulatedWeb"]
