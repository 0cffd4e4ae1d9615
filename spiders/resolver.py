"""A DNS resolver that answers some names from settings (the simulated web's hosts), the rest from DNS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scrapy.crawler import Crawler
from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer


def fixed_address(name: str, hosts: Mapping[str, str]) -> str | None:
    """The configured address of `name`: an exact entry, else the entry of its nearest parent domain."""
    labels = name.lower().rstrip(".").split(".")
    for start in range(len(labels)):
        address = hosts.get(".".join(labels[start:]))
        if address is not None:
            return address
    return None


class HostsResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, except for the domains in GOVWATCH_HOSTS (a domain covers its subdomains).

    The simulated web at scale serves 10,000 names on loopback; the crawl reaches them through this table
    instead of /etc/hosts, which it must never touch. Empty by default: real names go to DNS as before.
    """

    def __init__(self, reactor: Any, cache_size: int, timeout: float, hosts: Mapping[str, str]) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.hosts = {domain.lower().rstrip("."): address for domain, address in hosts.items()}

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> HostsResolver:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        hosts = settings.getdict("GOVWATCH_HOSTS")
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), hosts)

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:  # noqa: N802 - Twisted's name
        address = fixed_address(name, self.hosts) if self.hosts else None
        if address is not None:
            return defer.succeed(address)
        return super().getHostByName(name, timeout)
