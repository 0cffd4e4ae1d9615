"""Crawl tests: settings, spider, pipelines, runner, end-to-end against the simulated web."""
