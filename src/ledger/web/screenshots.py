"""`python -m ledger.web.screenshots OUTDIR`: the worked example served, each page as a PNG,
and every form at desktop width and at 390 px (a phone), named `form-…` and `…-390`.

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


FORMS = [("form-register-agency", "/work/agencies/new"),
         ("form-deregister-agency", "/work/agencies/deregister"),
         ("form-deduction", "/work/deductions/new"),
         ("form-training-session", "/work/training/new"),
         ("form-attendance", "/work/training/attendance"),
         ("form-secondment", "/work/secondments/new"),
         ("form-complete-secondment", "/work/secondments/complete"),
         ("form-rating", "/work/ratings/new"), ("form-provincial", "/work/provincial/new"),
         ("form-publish-month", "/work/months/publish"),
         ("form-withdraw", "/work/deductions/{deduction}/withdraw"),
         ("form-rectification", "/work/deductions/{deduction}/rectification"),
         ("today-regulator", "/today"), ("directory", "/agencies?q=宣城"),
         ("review-queue", "/review"), ("deduction", "/deductions/{deduction}")]
REVIEWER_FORMS = [("form-decision", "/review/{dispute}"), ("today-reviewer", "/today")]
AGENCY_FORMS = [("form-dispute", "/deductions/{deduction}"), ("today-agency", "/today"),
                ("deduction-window-closed", "/deductions/{closed}")]


def open_case(app) -> dict[str, str]:
    """A deduction of today with its dispute open, one of today without, one long closed."""
    from ledger.domain.principals import Principal
    services = app.extensions["ledger"]
    led, today = services.ledger, services.ledger.today()
    regulator = Principal("li.regulator", "regulator")
    disputed = led.record_deduction(regulator, A, "D03", today, "合同未在签订后2个工作日内公告",
                                    project_ref="XC-2026-017",
                                    evidence={"document": "宣财监〔2026〕17号"})
    filed = led.file_dispute(Principal(f"agency-{A}", "agency", A), disputed.id,
                             "合同已于签订次日在省政府采购网公告，见附件截图。")
    fresh = led.record_deduction(regulator, A, "D13", today, "档案未在合同签订后30日内归档")
    services.read_side.wait_for(fresh.position)
    closed = [d for d in services.read_side.deductions(A) if d["dispute_id"] is None][0]
    return {"deduction": fresh.id, "dispute": filed.id, "closed": closed["id"]}


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
        reviewer = tokens.create("reviewer", "wang.reviewer")
        agency = tokens.create("agency", f"agency-{A}", A)
        case = open_case(app)
        with served(app) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            shots = [(name, path, None) for name, path in PUBLIC]
            shots += [(name, path, regulator) for name, path in BUREAU]
            shots += [("forbidden-403", f"/agencies/{B}?lang=zh", agency)]
            forms = [(n, path.format(**case), regulator) for n, path in FORMS]
            forms += [(n, path.format(**case), reviewer) for n, path in REVIEWER_FORMS]
            forms += [(n, path.format(**case), agency) for n, path in AGENCY_FORMS]
            for width, suffix, todo in ((1200, "", shots + forms), (390, "-390", forms)):
                page = browser.new_page(viewport={"width": width, "height": 900}, locale="zh-CN")
                signed = None
                for name, path, token in todo:
                    if token != signed and token is not None:
                        page.context.clear_cookies()
                        sign_in(page, base, token)
                        signed = token
                    page.goto(base + path)
                    target = out / f"{name}{suffix}.png"
                    page.screenshot(path=str(target), full_page=True)
                    written.append(target)
                page.close()
            # a refused form: the field errors in Chinese, the form refilled
            page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="zh-CN")
            sign_in(page, base, regulator)
            page.goto(base + "/work/agencies/new")
            page.fill("#credit_code", "91341800H9EH9J1GRA")
            page.fill("#name", "宣城新设招标代理有限公司")
            page.click("#submit")
            page.wait_for_load_state()
            target = out / "form-refused.png"
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
