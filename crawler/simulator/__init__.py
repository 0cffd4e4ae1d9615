"""The simulated government web: loopback HTTP sites modelled on real CMSs, advancing by days, with ground truth."""

from __future__ import annotations

from crawler.simulator.server import LoggedRequest
from crawler.simulator.web import DEFAULT_START, ArticleTruth, DayTruth, SimulatedWeb
from crawler.simulator.world import KINDS

__all__ = ["DEFAULT_START", "KINDS", "ArticleTruth", "DayTruth", "LoggedRequest", "SimulatedWeb"]
