#!/usr/bin/env python3
"""Loads every dashboard page of a running `marketgpt serve` in headless Chromium (Selenium), waits for its
data, checks the DOM and the browser console, saves a screenshot per page, and runs a synth upload with live
progress to the download links.

usage: serve_browser_check.py BASE_URL SCREENSHOT_DIR UPLOAD_CSV
Exit 0 when every check passes, 1 on a failed check, 77 when Chromium, its driver or Selenium is missing.
"""
import os
import shutil
import sys
import time

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError as error:
    print(f"skip: selenium not installed ({error})")
    sys.exit(77)

base, shots, upload = sys.argv[1], sys.argv[2], sys.argv[3]
chromium = shutil.which("chromium") or shutil.which("chromium-browser")
driver_path = shutil.which("chromedriver")
if not chromium or not driver_path:
    print("skip: chromium or chromedriver not installed")
    sys.exit(77)

options = Options()
options.binary_location = chromium
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,900"):
    options.add_argument(flag)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service(driver_path), options=options)
driver.set_page_load_timeout(60)
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


def wait(predicate, what, timeout=60):
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: predicate(d))
        return True
    except Exception:
        check(False, f"timed out waiting for {what}")
        return False


def console_errors():
    return [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


def visit(path, name, checks):
    driver.get(base + path)
    wait(lambda d: d.execute_script("return document.readyState") == "complete", f"{path} to load")
    title = driver.title
    check(title.endswith("· MarketGPT"), f"{path}: title {title!r}")
    check(len(driver.find_elements(By.CSS_SELECTOR, "header nav a[href='/']")) == 1, f"{path}: no way back to the overview")
    checks()
    driver.save_screenshot(os.path.join(shots, f"{name}.png"))
    errors = console_errors()
    check(not errors, f"{path}: console errors {errors}")
    print(f"ok {path}: {title}")


def count(selector):
    return len(driver.find_elements(By.CSS_SELECTOR, selector))


try:
    visit("/", "overview", lambda: (check(count(".figure") >= 6, "overview figures"),
                                    check("loaded" in driver.find_element(By.ID, "fig-model").text, "model not loaded")))
    visit("/runs", "runs", lambda: check(count("#runs tbody tr") >= 1, "runs table empty"))
    visit("/runs/t", "run", lambda: (check(count("#loss-chart svg path, #loss-chart svg polyline") >= 1, "no loss curve"),
                                     check(count("#last-step tr") >= 3, "no last-step table")))
    visit("/evaluation/t", "evaluation", lambda: (check(count("#scores-0 tbody tr") >= 2, "no score table vs baselines"),
                                                  check(count(".coverage svg") >= 1, "no coverage chart"),
                                                  check(count(".pit svg") >= 1, "no PIT chart")))

    def signals():
        rows = count("#signals tbody tr")
        check(rows >= 10, f"signals table has {rows} rows")
        # Sorting by confidence (click the header) reorders by the number.
        driver.find_elements(By.CSS_SELECTOR, "#signals th")[3].click()
        values = driver.execute_script(
            "return Array.from(document.querySelectorAll('#signals tbody tr td:nth-child(4)')).map(c => parseFloat(c.dataset.value))")
        check(values == sorted(values), "confidence column not sorted ascending after a click")
        # Filter by category.
        driver.execute_script("const s = document.getElementById('filter-category'); s.value = 'crypto'; s.dispatchEvent(new Event('change'));")
        shown = driver.execute_script("return Array.from(document.querySelectorAll('#signals tbody tr')).filter(r => r.style.display !== 'none').map(r => r.dataset.category)")
        check(len(shown) >= 1 and set(shown) == {"crypto"}, f"category filter shows {set(shown)}")
        driver.execute_script("const s = document.getElementById('filter-category'); s.value = ''; s.dispatchEvent(new Event('change'));")
    visit("/signals", "signals", signals)
    visit("/signals/AAPL", "fan", lambda: (check(count("#fan-chart svg") == 1, "no fan chart"),
                                           check(count("#fan-table tbody tr") >= 1, "no forecast table")))
    visit("/backtest", "backtest", lambda: (check(count("#equity-chart svg") == 1, "no equity chart"),
                                            check(count("#metrics tr") >= 5, "no metrics")))
    visit("/docs", "docs", lambda: wait(lambda d: d.find_element(By.ID, "operations").get_attribute("data-loading") == "0", "the API list")
          and check(int(driver.find_element(By.ID, "operations").get_attribute("data-count") or 0) >= 10, "API operations not listed"))

    def synth():
        wait(lambda d: d.find_element(By.ID, "jobs").get_attribute("data-loaded") == "1", "the job list")
        driver.find_element(By.ID, "synth-file").send_keys(os.path.abspath(upload))
        driver.find_element(By.NAME, "count").clear()
        driver.find_element(By.NAME, "count").send_keys("3")
        driver.find_element(By.NAME, "min_fidelity").clear()
        driver.find_element(By.NAME, "min_fidelity").send_keys("50")
        driver.find_element(By.ID, "synth-submit").click()
        wait(lambda d: d.find_element(By.ID, "job-status").get_attribute("data-state") == "done", "the job to finish", timeout=120)
        check(float(driver.find_element(By.ID, "progress").get_attribute("value")) == 1.0, "progress bar not full")
        check(count("#download-zip") == 1 and count("#download-xlsx") == 1, "no download links")
        wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#jobs-body tr")) >= 1, "the job in the list")
    visit("/synth", "synth", synth)

    # A bad upload shows the server's one-line reason.
    bad = os.path.join(shots, "bad.csv")
    with open(bad, "w") as handle:
        handle.write("Date,Open\n2020-01-01,1\n")
    driver.get(base + "/synth")
    driver.find_element(By.ID, "synth-file").send_keys(bad)
    driver.find_element(By.ID, "synth-submit").click()
    wait(lambda d: d.find_element(By.ID, "job-status").get_attribute("data-state") == "rejected", "the rejection")
    check("missing column" in driver.find_element(By.ID, "job-status").text, "bad CSV reason not shown")
    driver.save_screenshot(os.path.join(shots, "synth-rejected.png"))
    # Errors from the 422 fetch are logged by Chromium as a failed resource load: expected here, so not counted.
    driver.get_log("browser")
finally:
    driver.quit()

print(f"{len(failures)} failed checks; screenshots in {shots}")
sys.exit(1 if failures else 0)
