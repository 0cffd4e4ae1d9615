"""JavaScript challenges in front of simulated sites: a 加速乐-style two-stage 521, a Ruishu-style 412 and a
two-stage WAF that sends the client through a verification page and back.

Written by us after the structures real regulators put in front of their pages (docs in ../shared): only a
client that runs the pages' scripts earns the cookie, so plain HTTP keeps getting the challenge while a real
browser passes it. A gate wraps an ordinary simulated site; once a request carries a valid cookie the site
answers as it always does, so the crawl's new / edited / deleted guarantees are checked behind a gate too.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote

from crawler.simulator import templates as t
from crawler.simulator.server import Request, Response, Site
from crawler.simulator.world import Column, SiteSpec

FNV_OFFSET = 2166136261
FNV_PRIME = 16777619
# How many answers one Ruishu clearance is good for before the site asks again (real ones expire by time and
# by count; a count makes re-solving happen within one short crawl).
RUISHU_USES = 5
TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"
# How many answers one clearance of the two-stage WAF is good for: fewer than a listing and its articles, so
# a crawl must earn it again in the middle of its articles.
TWOSTAGE_USES = 4


def fnv1a(text: str, seed: int = FNV_OFFSET) -> int:
    """32-bit FNV-1a, exactly as the challenge scripts compute it with Math.imul."""
    value = seed & 0xFFFFFFFF
    for char in text:
        value = ((value ^ ord(char)) * FNV_PRIME) & 0xFFFFFFFF
    return value


def ruishu_digest(token: str, nsd: int, cd: str) -> int:
    """What the Ruishu-style external script computes from the meta token and the inline $_ts values."""
    value = nsd & 0xFFFFFFFF
    for index, char in enumerate(token):
        value = (((value ^ ord(char)) * FNV_PRIME) + ord(cd[index % len(cd)])) & 0xFFFFFFFF
    return value


def cookies_of(request: Request) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(request.headers.get("cookie", ""))
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


class ChallengeGate:
    """Base of the gates: robots.txt and the challenge's own scripts pass, everything else needs the cookie."""

    def __init__(self, site: Site, secret: str) -> None:
        self.site = site
        self.secret = secret.encode("utf-8")
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.challenges_served = 0  # challenge pages answered (tests and the benchmark read these)
        self.passed = 0  # requests let through to the site

    def _sign(self, *parts: object) -> str:
        message = "|".join(str(part) for part in parts).encode("utf-8")
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def _token(self, length: int, *parts: object) -> str:
        """An opaque token of `length` characters, derived from the secret (so nothing needs storing)."""
        digest = b""
        counter = 0
        while len(digest) < length:
            digest += hashlib.sha256(self._sign(counter, *parts).encode()).digest()
            counter += 1
        return "".join(TOKEN_ALPHABET[byte % len(TOKEN_ALPHABET)] for byte in digest[:length])

    def _next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def respond(self, request: Request) -> Response:
        if request.path == "/robots.txt":
            return self.site.respond(request)
        own = self.own_resource(request)
        if own is not None:
            return own
        if self.cleared(request):
            with self._lock:
                self.passed += 1
            return self.site.respond(request)
        with self._lock:
            self.challenges_served += 1
        return self.challenge(request)

    def own_resource(self, request: Request) -> Response | None:
        """The challenge's own script files, served without the cookie (a browser must load them)."""
        return None

    def cleared(self, request: Request) -> bool:
        raise NotImplementedError

    def challenge(self, request: Request) -> Response:
        raise NotImplementedError


class SaltedClearance(ChallengeGate):
    """A clearance a second-stage script computes: FNV-1a of a salt only that script carries and the
    first-stage token, both derived from the session; the gates differ only in the tokens' lengths."""

    STAGE1_LENGTH = 0
    SALT_LENGTH = 0

    def _stage1(self, session: str) -> str:
        return self._token(self.STAGE1_LENGTH, "stage1", session)

    def _salt(self, session: str) -> str:
        return self._token(self.SALT_LENGTH, "salt", session)

    def expected_clearance(self, session: str) -> str:
        return format(fnv1a(self._salt(session) + self._stage1(session)), "x")


# ================================================================ 加速乐-style: 521, two stages
class JslGate(SaltedClearance):
    """HTTP 521: an inline script decodes the first-stage cookie and loads the second stage, a script that
    computes `__jsl_clearance` from the first stage and a salt only it carries, then reloads the page."""

    UID = "__jsluid_h"
    STAGE1 = "__jsl_clearance_s"
    CLEARANCE = "__jsl_clearance"
    STAGE2_PATH = "/_guard/jsl_stage2.js"
    STAGE1_LENGTH = 24
    SALT_LENGTH = 16

    def cleared(self, request: Request) -> bool:
        jar = cookies_of(request)
        uid = jar.get(self.UID)
        clearance = jar.get(self.CLEARANCE, "")
        return bool(uid) and clearance.rsplit("|", 1)[-1] == self.expected_clearance(uid or "")

    def own_resource(self, request: Request) -> Response | None:
        if request.path != self.STAGE2_PATH:
            return None
        jar = cookies_of(request)
        uid = jar.get(self.UID, "")
        if not uid or jar.get(self.STAGE1) != self._stage1(uid):
            # Asked without the first stage: a client that did not run the page's script.
            return Response(521, b"/* stage 1 missing */", "application/javascript")
        script = t.render(JSL_STAGE2, salt=self._salt(uid), stamp=1790000000 + self._next_id())
        return Response(200, script.encode("utf-8"), "application/javascript", {"Cache-Control": "no-store"})

    def challenge(self, request: Request) -> Response:
        uid = cookies_of(request).get(self.UID) or self._token(32, "uid", self._next_id()).lower()
        key = int(self._sign("key", uid)[:2], 16) | 1
        codes = ",".join(str(ord(char) ^ key) for char in self._stage1(uid))
        page = t.render(JSL_STAGE1, key=key, codes=codes, stage2=self.STAGE2_PATH)
        return Response(
            521,
            page.encode("utf-8"),
            headers={"Set-Cookie": f"{self.UID}={uid}; max-age=31536000; path=/; HttpOnly"},
        )


JSL_STAGE1 = (
    "<html><head><meta charset=\"utf-8\"></head><body><script>(function(){var k={{key}},a=[{{codes}}],s='';"
    "for(var i=0;i<a.length;i++){s+=String.fromCharCode(a[i]^k);}"
    "document.cookie='__jsl_clearance_s='+s+';max-age=3600;path=/';"
    "var e=document.createElement('script');e.src='{{stage2}}';"
    "document.getElementsByTagName('head')[0].appendChild(e);})();</script></body></html>"
)
JSL_STAGE2 = (
    "(function(){var m=document.cookie.match(/__jsl_clearance_s=([^;]+)/);var p='{{salt}}'+(m?m[1]:'');"
    "var h=2166136261;for(var i=0;i<p.length;i++){h=Math.imul(h^p.charCodeAt(i),16777619)>>>0;}"
    "document.cookie='__jsl_clearance={{stamp}}|0|'+h.toString(16)+';max-age=3600;path=/';"
    "location.replace(location.href);})();"
)


# ================================================================ Ruishu-style: 412, meta + inline + external
class ExpiringClearanceGate(ChallengeGate):
    """A gate whose clearance cookie (bound to a session cookie) is good for `uses` answers; then the site
    asks again with a new session, so a crawler must be able to pass it more than once."""

    SESSION = ""
    CLEARANCE = ""

    def __init__(self, site: Site, secret: str, uses: int) -> None:
        super().__init__(site, secret)
        self.uses = uses
        self._used: dict[str, int] = {}

    def expected_clearance(self, session: str) -> str:
        raise NotImplementedError

    def cleared(self, request: Request) -> bool:
        jar = cookies_of(request)
        session = jar.get(self.SESSION)
        if not session or jar.get(self.CLEARANCE) != self.expected_clearance(session):
            return False
        with self._lock:
            used = self._used.get(session, 0)
            if used >= self.uses:
                return False  # spent: the client must pass the challenge again
            self._used[session] = used + 1
        return True


class RuishuGate(ExpiringClearanceGate):
    """HTTP 412: a meta token, an external script defining `$_ts.lcd`, and an inline script that sets
    `$_ts.nsd` / `$_ts.cd` and calls it; the cookie it computes is good for `uses` answers, then the site
    asks again (with a new session cookie), so a crawler must be able to solve it more than once."""

    SESSION = "SIMrs80S"
    CLEARANCE = "SIMrs80T"
    SCRIPT_PATH = "/Qx4vTm8RkP2/c.Hb7Yw2Ls.7e1d3a9.js"

    def __init__(self, site: Site, secret: str, uses: int = RUISHU_USES) -> None:
        super().__init__(site, secret, uses)

    def parts(self, session: str) -> tuple[str, int, str]:
        """The meta token, $_ts.nsd and $_ts.cd of a session (derived, so the server stores none)."""
        token = "{qt" + self._token(300, "token", session) + "}" + self._token(60, "tail", session)
        nsd = int(self._sign("nsd", session)[:5], 16) % 90000 + 10000
        return token, nsd, self._token(120, "cd", session)

    def expected_clearance(self, session: str) -> str:
        return format(ruishu_digest(*self.parts(session)), "x")

    def own_resource(self, request: Request) -> Response | None:
        if request.path != self.SCRIPT_PATH:
            return None
        return Response(200, RUISHU_SCRIPT.encode("utf-8"), "application/javascript")

    def challenge(self, request: Request) -> Response:
        session = self._token(48, "session", self._next_id())
        token, nsd, cd = self.parts(session)
        page = t.render(RUISHU_PAGE, token=token, script_src=self.SCRIPT_PATH, nsd=nsd, cd=cd)
        return Response(412, page.encode("utf-8"), headers={"Set-Cookie": f"{self.SESSION}={session}; Path=/; HttpOnly"})


# The external file defines the solver; the inline script only hands it its inputs (as the real ones do).
RUISHU_SCRIPT = (
    "window.$_ts=window.$_ts||{};$_ts.lcd=function(){"
    "var m=document.querySelector('meta[r=\"m\"]').getAttribute('content'),c=$_ts.cd,h=$_ts.nsd>>>0;"
    "for(var i=0;i<m.length;i++){h=(Math.imul(h^m.charCodeAt(i),16777619)+c.charCodeAt(i%c.length))>>>0;}"
    "document.cookie='SIMrs80T='+h.toString(16)+'; path=/';location.replace(location.href);};"
)
RUISHU_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta content="{{token}}" r='m'>
<script type="text/javascript" charset="iso-8859-1" src="{{script_src}}" r='m'></script>
<script type="text/javascript" r='m'>(function(){$_ts=window['$_ts'];if(!$_ts){$_ts={};window['$_ts']=$_ts;}$_ts.nsd={{nsd}};$_ts.cd="{{cd}}";if($_ts.lcd){$_ts.lcd();}})();</script>
</head>
<body></body>
</html>
"""

# ================================================================ two-stage WAF: redirect, verify, back
class TwoStageGate(SaltedClearance, ExpiringClearanceGate):
    """Stage 1 answers every page (listings and articles alike) with HTTP 200 and a script that stores a
    first-stage cookie and sends the browser to a verification page; stage 2, served only with that cookie,
    computes the clearance from it and a salt only stage 2 carries, sets it with `document.cookie` and goes
    back to the page first asked for. A clearance is good for `uses` answers, then stage 1 starts over with a
    new session, so replaying it over plain HTTP works for a while and then fails."""

    SESSION = "simwaf_sid"
    STAGE1 = "simwaf_s1"
    CLEARANCE = "simwaf_clr"
    VERIFY_PATH = "/_waf/verify.html"
    STAGE1_LENGTH = 20
    SALT_LENGTH = 12

    def __init__(self, site: Site, secret: str, uses: int = TWOSTAGE_USES) -> None:
        super().__init__(site, secret, uses)
        self.verifications = 0  # stage-2 pages served (a client that ran stage 1's script)

    def own_resource(self, request: Request) -> Response | None:
        if request.path != self.VERIFY_PATH:
            return None
        back = request.query.get("u", "/")
        if not back.startswith("/") or back.startswith("//"):
            back = "/"  # only back to this site
        jar = cookies_of(request)
        session = jar.get(self.SESSION, "")
        if not session or jar.get(self.STAGE1) != self._stage1(session):
            # Asked without the first stage's cookie (a client that did not run its script): start over.
            return self._stage_one(back)
        with self._lock:
            self.verifications += 1
        page = t.render(
            TWOSTAGE_VERIFY,
            salt=self._salt(session),
            back=_js_string(back),
        )
        return Response(200, page.encode("utf-8"), headers={"Cache-Control": "no-store"})

    def challenge(self, request: Request) -> Response:
        query = "&".join(f"{name}={quote(value)}" for name, value in request.query.items())
        return self._stage_one(request.path + (f"?{query}" if query else ""))

    def _stage_one(self, asked: str) -> Response:
        session = self._token(32, "session", self._next_id()).lower()
        key = int(self._sign("key", session)[:2], 16) | 1
        codes = ",".join(str(ord(char) ^ key) for char in self._stage1(session))
        page = t.render(TWOSTAGE_PAGE, key=key, codes=codes, verify=self.VERIFY_PATH, asked=_js_string(asked))
        return Response(
            200,
            page.encode("utf-8"),
            headers={"Set-Cookie": f"{self.SESSION}={session}; path=/; HttpOnly", "Cache-Control": "no-store"},
        )


def _js_string(text: str) -> str:
    """A JavaScript string literal that cannot end the inline script it is written into."""
    return json.dumps(text).replace("</", "<\\/")


# Neither page carries 加速乐's or Ruishu's names: what they share with every cookie challenge is a script
# that writes document.cookie and moves on, on a page with next to nothing to read.
TWOSTAGE_PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>安全验证</title></head><body>'
    "<noscript>请开启JavaScript后访问</noscript><script>(function(){var k={{key}},a=[{{codes}}],s='';"
    "for(var i=0;i<a.length;i++){s+=String.fromCharCode(a[i]^k);}"
    "document.cookie='simwaf_s1='+s+';path=/';"
    "location.href='{{verify}}?u='+encodeURIComponent({{asked}});})();</script></body></html>"
)
TWOSTAGE_VERIFY = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>安全验证</title></head><body>'
    "<p>正在验证，请稍候…</p><script>(function(){var m=document.cookie.match(/simwaf_s1=([^;]+)/);"
    "var p='{{salt}}'+(m?m[1]:''),h=2166136261;"
    "for(var i=0;i<p.length;i++){h=Math.imul(h^p.charCodeAt(i),16777619)>>>0;}"
    "document.cookie='simwaf_clr='+h.toString(16)+';path=/';"
    "setTimeout(function(){location.replace({{back}});},50);})();</script></body></html>"
)

# A TRS-style site behind the two-stage WAF (not in the default world: tests add it, as DRIFT_SPEC): twelve
# articles over two listing pages on day 1, with ETag and Last-Modified, so day 2 sends conditional GETs.
TWOSTAGE_SPEC = SiteSpec(
    key="twostage",
    cms="trs",
    name="东岚省生态环境厅",
    org="东岚省生态环境厅",
    abbr="东环发",
    site_code="sim3500000017",
    columns=(Column("gzdt", "工作动态", "/xwzx/gzdt/", ("news", "meeting"), 12, 6, "countpage", code=31201),),
    gate="twostage",
)

GATES: dict[str, Callable[[Site, str], ChallengeGate]] = {
    "jsl": JslGate,
    "ruishu": RuishuGate,
    "twostage": TwoStageGate,
}


def gate(kind: str, site: Site, secret: str) -> ChallengeGate:
    """The gate of `kind` (a SiteSpec's `gate`) in front of `site`."""
    if kind not in GATES:
        raise ValueError(f"unknown challenge gate {kind!r} (known: {', '.join(GATES)})")
    return GATES[kind](site, secret)
