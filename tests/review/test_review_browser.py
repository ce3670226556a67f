"""The review page in a real headless browser (Debian chromium + chromedriver via selenium).

Checks: no console errors, the known lab row is present, clicking it lights its evidence span.
Leaves a screenshot under $CASEMINER_ARTIFACTS (default <tmp>/artifacts) and prints its path.
Skips with the reason when selenium, chromium or chromedriver is absent.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from test_review import TEXT, make_report

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="needs Debian chromium and chromium-driver (apt-get install chromium chromium-driver)",
)
ARTIFACTS = Path(os.environ.get("CASEMINER_ARTIFACTS", Path(tempfile.gettempdir()) / "artifacts"))


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        opts.add_argument(arg)
    opts.add_argument("--window-size=1400,900")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    except Exception as exc:  # noqa: BLE001 - a broken browser install is a skip, not a failure
        pytest.skip(f"chromium did not start: {exc}")
    yield driver
    driver.quit()


def test_page_loads_and_clicking_a_lab_lights_its_evidence(browser, tmp_path):
    from selenium.webdriver.common.by import By

    from caseminer.review import render_html

    page = tmp_path / "report.html"
    page.write_text(render_html(make_report()), encoding="utf-8")
    browser.get(page.as_uri())

    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []

    row = browser.find_element(By.CSS_SELECTOR, 'tr.item[data-target="lab-0"]')
    assert row.find_element(By.CSS_SELECTOR, "td").text == "Calcium"
    evidence = browser.find_element(By.ID, "ev-lab-0")
    assert "active" not in evidence.get_attribute("class").split()
    row.click()
    assert "active" in evidence.get_attribute("class").split()
    assert "selected" in row.get_attribute("class").split()
    lit = browser.find_elements(By.CSS_SELECTOR, ".hl.active")
    assert "".join(e.text for e in lit) == "11.9 mg/dL"
    lab = make_report().labs[0]
    assert TEXT[lab.start : lab.end] == "11.9 mg/dL"

    # Clicking another row moves the highlight.
    browser.find_element(By.CSS_SELECTOR, 'tr.item[data-target="dx-0"]').click()
    assert "active" not in evidence.get_attribute("class").split()
    assert [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".hl.active")] == ["fracture"]

    row.click()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "review-page.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 1000
    print(f"screenshot: {shot}")
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []


def test_pdf_page_clicking_a_lab_row_draws_its_box_on_the_page(browser, tmp_path, nlp):
    """On a PDF the pages are shown with boxes; a lab row's click lights its box, which lies
    on the page image, and the switch leads to the text view with the evidence lit."""
    pytest.importorskip("reportlab", reason="reportlab generates the PDF fixture")
    from pdf_fixtures import make_journal_pdf
    from selenium.webdriver.common.by import By

    import caseminer
    from caseminer.review import render_html

    pdf = tmp_path / "case.pdf"
    make_journal_pdf(pdf, pages=3, seed=2, hard=True)
    report = caseminer.extract_file(pdf, nlp=nlp, include_text=True)
    table = next(i for i, lab in enumerate(report.labs) if lab.source == "table")
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    browser.get(page.as_uri())
    assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")] == []

    row = browser.find_element(By.CSS_SELECTOR, f'tr.item[data-target="lab-{table}"]')
    box = browser.find_element(By.ID, f"box-lab-{table}")
    assert "active" not in box.get_attribute("class").split()
    row.click()
    assert "active" in box.get_attribute("class").split()
    assert box.is_displayed() and box.size["width"] > 2 and box.size["height"] > 2
    sheet = browser.find_element(
        By.CSS_SELECTOR, f'.pdfpage[data-page="{report.labs[table].boxes[0].page}"]'
    )
    inside = browser.execute_script(
        "var b=arguments[0].getBoundingClientRect(), p=arguments[1].getBoundingClientRect();"
        "return b.left>=p.left && b.right<=p.right && b.top>=p.top && b.bottom<=p.bottom;",
        box,
        sheet,
    )
    assert inside
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "review-pdf-page.png"
    assert browser.save_screenshot(str(shot))
    print(f"screenshot: {shot}")

    browser.find_element(By.CSS_SELECTOR, '.views button[data-view="text"]').click()
    assert browser.find_element(By.ID, "text").is_displayed()
    assert not browser.find_element(By.ID, "pages").is_displayed()
    row.click()
    lit = browser.find_elements(By.CSS_SELECTOR, ".hl.active")
    assert "".join(e.text for e in lit) == report.labs[table].text
    assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")] == []
