"""`python -m ledger.web.screenshots OUTDIR`: the worked example served, each page as a PNG.

Needs Chromium at /usr/bin/chromium (Debian's `chromium` package) and the repository's tests/
folder (the worked example and its replay driver); run it from the repository root.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ledger.web.serving import served

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
A, B = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG"
PUBLIC = [("standings-current", "/standings?month=2022-01&basis=current"),
          ("standings-published", "/standings?month=2022-01&basis=published"),
          ("standings-english", "/standings?month=2022-02&lang=en"),
          ("sign-in", "/sign-in?lang=zh")]
BUREAU = [("agency", f"/agencies/{A}?year=2022"), ("agency-caps", f"/agencies/{B}?year=2022"),
          ("month-trail", f"/agencies/{B}/months/2022-01"),
          ("month-as-of", f"/agencies/{B}/months/2022-01?as_of_position=6"),
          ("queues", "/bureau?year=2022"), ("import", "/import")]


def demo_app(folder: Path):
    """An app on a fresh SQLite file with the worked example recorded."""
    sys.path.insert(0, str(ROOT))
    import json

    from ledger.api import create_app
    from tests.scenario import replay

    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
                      "SECRET_KEY": "screenshots", "WEB_PLAIN_HTTP": True})
    scenario = json.loads((ROOT / "tests" / "examples" / "sample-scenario.json").read_text())
    replay(app.extensions["ledger"].ledger, scenario)
    app.extensions["ledger"].read_side.refresh()
    return app


def sign_in(page, base: str, token: str) -> None:
    page.goto(f"{base}/sign-in")
    page.fill("#token", token)
    page.click("#sign-in")


def take(out: Path) -> list[Path]:
    """Write one PNG per page into `out`; returns their paths."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as folder:
        app = demo_app(Path(folder))
        tokens = app.extensions["ledger"].tokens
        regulator = tokens.create("regulator", "li.regulator")
        agency = tokens.create("agency", f"agency-{A}", A)
        with served(app) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            shots = [(name, path, None) for name, path in PUBLIC]
            shots += [(name, path, regulator) for name, path in BUREAU]
            shots += [("forbidden-403", f"/agencies/{B}?lang=zh", agency)]
            signed = None
            for name, path, token in shots:
                if token != signed and token is not None:
                    page.context.clear_cookies()
                    sign_in(page, base, token)
                    signed = token
                page.goto(base + path)
                target = out / f"{name}.png"
                page.screenshot(path=str(target), full_page=True)
                written.append(target)
            browser.close()
        app.extensions["ledger"].close()
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m ledger.web.screenshots OUTDIR")
    for path in take(Path(sys.argv[1])):
        print(path)
