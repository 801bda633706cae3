"""Every page of the built site passes axe-core's WCAG 2 A and AA rules (no serious or critical
violation), in headless Chromium, with the axe-core vendored in ``tests/vendor/axe-core/``.

A failure prints each violation's rule, impact, help text and a few of the elements it found,
so it can be fixed from the test log alone.
"""

from __future__ import annotations

import pytest
import yaml
from site_fixtures import ROOT

AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
VERSION = "4.14.1"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def nav_pages() -> dict[str, str]:
    """Every page of mkdocs.yml's nav, by its title: its address in the built site."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    pages = {}

    def walk(items):
        for item in items:
            for title, target in item.items():
                if isinstance(target, list):
                    walk(target)
                else:
                    address = "" if target == "index.md" else target.removesuffix(".md") + "/"
                    pages[title] = address

    walk(config["nav"])
    return pages


PAGES = nav_pages()


def test_vendored_axe_is_the_stated_version():
    head = AXE.read_text(encoding="utf-8")[:200]
    assert f"axe v{VERSION}" in head
    assert (AXE.parent / "LICENSE").read_text(encoding="utf-8").startswith("Mozilla Public License")


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, node["target"])) for node in v["nodes"][:4]]
        more = f" (+{len(v['nodes']) - 4} more)" if len(v["nodes"]) > 4 else ""
        lines.append(f"{v['id']} [{v['impact']}] {v['help']}: {'; '.join(targets)}{more}")
    return "\n".join(lines)


def run_axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: "
        "['violations']})",
        TAGS,
    )
    return result["violations"]


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_accessibility_violation(name, server, watched):
    page = watched.page
    response = page.goto(server + PAGES[name], wait_until="load")
    assert response is not None and response.ok
    page.wait_for_timeout(200)  # let the theme's and the page's scripts finish
    violations = run_axe(page)
    print(f"\n{name}: axe {VERSION}, {len(violations)} violations\n{describe(violations)}")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{name} ({server + PAGES[name]}):\n{describe(blocking)}"
    assert watched.foreign == []


@pytest.fixture
def phone(browser):
    """A fresh page 375 px wide, as on a small phone."""
    context = browser.new_context(viewport={"width": 375, "height": 740})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("name", ["Timeline", "Downloads", "Data dictionary"])
def test_small_screen_has_no_serious_accessibility_violation(name, server, phone):
    phone.goto(server + PAGES[name], wait_until="load")
    phone.wait_for_timeout(200)
    violations = run_axe(phone)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{name} at 375 px:\n{describe(blocking)}"


def test_tables_that_scroll_are_reached_and_scrolled_from_the_keyboard(server, phone):
    phone.goto(server + PAGES["Data dictionary"], wait_until="load")
    phone.wait_for_timeout(200)
    wraps = phone.evaluate(
        """() => Array.from(document.querySelectorAll('.md-typeset__scrollwrap')).map(w => ({
            scrolls: w.scrollWidth > w.clientWidth + 1, tabindex: w.getAttribute('tabindex'),
            role: w.getAttribute('role'), label: w.getAttribute('aria-label')}))"""
    )
    scrolling = [w for w in wraps if w["scrolls"]]
    assert scrolling, "no table scrolls at 375 px: the test checks nothing"
    for wrap in scrolling:
        assert wrap["tabindex"] == "0" and wrap["role"] == "region" and wrap["label"], wrap
    first = phone.locator(".md-typeset__scrollwrap[tabindex='0']").first
    first.focus()
    phone.keyboard.press("ArrowRight")
    phone.wait_for_function("() => document.activeElement.scrollLeft > 0", timeout=2000)
