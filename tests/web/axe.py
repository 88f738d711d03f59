"""axe-core (vendored: tests/web/vendor/axe.min.js, version 4.14.1) run in a Playwright page."""

from __future__ import annotations

from pathlib import Path

AXE_VERSION = "4.14.1"
SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
SEVERE = ("serious", "critical")


def severe_violations(page) -> list[dict]:
    """axe's serious and critical violations on the page as it is now (WCAG 2.1 A/AA rules).

    Injected through the DevTools protocol (page.evaluate), which the page's CSP does not
    govern, so the page's own policy stays as served.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(SOURCE)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in SEVERE]
