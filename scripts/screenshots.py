"""Save a screenshot of each view of the app under screenshots/ (git-ignored), on the embedded defaults."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import browser_page, fill, served_app  # noqa: E402

OUT = ROOT / "screenshots"


def wait_text(page, selector: str, text: str) -> None:
    page.wait_for_function(
        "([s, t]) => (document.querySelector(s)?.innerText || '').includes(t)", arg=[selector, text]
    )


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with served_app() as (url, _svc), browser_page() as page:
        page.goto(url)
        fill(page, "profile", "demo")
        page.locator("#length input[type=number]").fill("2")
        page.locator("#length input[type=number]").press("Enter")
        fill(
            page,
            "jd",
            "NLP engineer: build retrieval-augmented generation with vector search and evaluation.",
        )
        page.click("#start")
        wait_text(page, "#status", "active")
        fill(
            page,
            "answer",
            "I would chunk the documents, embed them, retrieve the top passages and check faithfulness.",
        )
        page.click("#send")
        wait_text(page, "#chat", "Feedback")
        page.screenshot(path=str(OUT / "1-interview.png"), full_page=True)
        page.click("#end")
        wait_text(page, "#status", "finished")
        page.get_by_role("tab", name="Scorecard").click()
        page.screenshot(path=str(OUT / "2-scorecard.png"), full_page=True)
        page.get_by_role("tab", name="History").click()
        page.click("#history-refresh")
        page.wait_for_timeout(1500)
        page.screenshot(path=str(OUT / "3-history.png"), full_page=True)
        page.get_by_role("tab", name="My data").click()
        page.screenshot(path=str(OUT / "4-my-data.png"), full_page=True)
        page.get_by_role("tab", name="Recruiter").click()
        fill(page, "rec-user", "rec")
        fill(page, "rec-password", "recruiter-pass")
        page.click("#rec-login")
        wait_text(page, "#rec-status", "Signed in")
        page.locator("#rec-file input").click()
        page.get_by_role("option", name="rubrics/scale.yaml").click()
        page.click("#rec-open")
        page.locator("#rec-editor .cm-content").wait_for()
        page.screenshot(path=str(OUT / "5-recruiter-editor.png"), full_page=True)
        page.get_by_role("tab", name="Item analysis").click()
        page.click("#rec-items")
        page.wait_for_timeout(1500)
        page.screenshot(path=str(OUT / "6-item-analysis.png"), full_page=True)
    print(f"screenshots saved in {OUT}")


if __name__ == "__main__":
    main()
