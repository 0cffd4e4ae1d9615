"""For `setup.py bdist_egg` only: scrapyd-client builds the Scrapyd egg with it; everything is in pyproject.toml."""

from setuptools import setup

setup()
