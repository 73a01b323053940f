"""Browser tests: Debian's chromium driven by Playwright against the platform's gateway."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture
def phone(browser):
    """`phone()` → a fresh page 360 px wide, Chinese preferred, like a courier's phone."""
    contexts = []

    def make(locale: str = "zh-CN"):
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale=locale,
                                      device_scale_factor=2, is_mobile=True, has_touch=True)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
