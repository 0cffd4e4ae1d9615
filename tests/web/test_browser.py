"""The pages in a real headless Chromium (Debian's, driven by Playwright) against a real uvicorn on loopback."""

from __future__ import annotations

import os
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.web import create_app

# Debian's package; the variable only exists to check the skip path on a machine that has it.
CHROMIUM = Path(os.environ.get("GOVWATCH_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture
def server(world) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app on a real uvicorn in a thread, on a free loopback port; yields its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(world.url), log_level="warning", lifespan="off")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        # The warning shows in pytest's summary even without -rs, so a run without the browser never looks green
        # by accident.
        reason = "Debian chromium not installed: apt-get install chromium"
        warnings.warn(pytest.PytestWarning(f"browser tests skipped: {reason}"), stacklevel=1)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


def test_from_the_list_to_an_edited_item_and_its_diff(server, browser, world) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    # Nothing leaves loopback, not even a font or a favicon.
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(server) else None)

    page.goto(f"{server}/")
    rows = page.locator("#items tbody tr")
    assert rows.count() == len(world.items)
    assert page.locator("tr.change-edited").count() == 1
    # The newest changes are listed above the items, the edit among them with its version.
    assert page.locator("#recent li.change-edited a").inner_text() == "省生态环境厅召开党组会议"
    assert page.locator("#recent li.change-edited .badge").inner_text() == "edited v2"
    assert page.locator("#recent li.change-deleted").count() == 1

    # Filter to the edited items with the form, as a reader would.
    page.select_option("select[name=change]", "edited")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/?*change=edited*")
    assert rows.count() == 1
    assert "v2" in rows.first.locator(".badge").inner_text()

    # Open it: metadata, both versions, and the side-by-side diff of the changed sentence.
    rows.first.locator("a.item-link").click()
    page.wait_for_url(f"**/items/{world.items['meeting']}")
    assert page.locator("#item-title").inner_text() == "省生态环境厅召开党组会议"
    assert "湖南省生态环境厅" in page.locator("#item-meta").inner_text()
    assert page.locator("#versions tbody tr").count() == 2
    diff = page.locator("#diff")
    assert diff.get_attribute("data-from") == "1" and diff.get_attribute("data-to") == "2"
    changed = page.locator("#diff tr.row-replace")
    assert changed.count() == 1
    assert changed.locator("td.old del").all_inner_texts() == ["1", "2", "4", "1"]
    assert changed.locator("td.new ins").all_inner_texts() == ["0", "8", "5", "3"]
    assert "31.2微克" in changed.locator("td.old").inner_text()
    assert "30.8微克" in changed.locator("td.new").inner_text()
    # The stylesheet loaded: insertions are highlighted, not just marked up.
    background = changed.locator("td.new ins").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "item-diff.png"), full_page=True)

    # Compare the other way round with the version pickers.
    page.select_option("#from", "2")
    page.select_option("#to", "1")
    page.click("#compare-button")
    page.wait_for_url("**from=2&to=1*")
    assert page.locator("#diff").get_attribute("data-from") == "2"
    assert page.locator("#diff tr.row-replace td.new ins").all_inner_texts() == ["1", "2", "4", "1"]

    # Search, then the sources health page.
    page.goto(f"{server}/")
    page.fill("input[name=q]", "排污许可")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**q=*")
    assert page.locator("#items tbody tr").count() == 1
    assert page.locator("#items .badge").inner_text() == "deleted"
    page.click("text=来源 Sources")
    page.wait_for_url("**/sources")
    assert page.locator("#sources tbody tr").count() == 2
    assert page.locator("tr[data-source-id=hunan] .health").inner_text() == "ok"
    assert page.locator("tr[data-source-id=hunan] .item-count").inner_text() == "4"
    page.screenshot(path=str(ARTIFACTS / "sources.png"), full_page=True)
    assert outside == []
