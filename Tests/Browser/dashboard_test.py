#!/usr/bin/env python3
"""The council's dashboard in a real browser: Debian's Chromium driven by Selenium, against a live pipeline.

What a member of the child-friendly committee does, with every page screenshot to --shots and checked with
axe-core (no serious or critical violations), on a tablet-sized window:

- the dashboard sends an anonymous visitor to sign in; a council account signs in and lands on the
  overview of the current quarter (Persian, right to left, Persian digits, charts drawn as SVG with their
  tables);
- the period changes to the previous quarter with the form, and back with the "next period" link;
- a report's timeline opens from its tracking code (or the overdue list), and "verify" says verified;
- the quarterly page prints to PDF (Chromium's print to PDF, A4) and its first page becomes a PNG
  (pdftoppm); the English dashboard is screenshot too.

Run by infra/local/browser-test.sh after pages_test.py (whose reports this reads).
"""
import base64
import os
import subprocess
import sys
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.print_page_options import PrintOptions
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from pages_test import PERSIAN_DIGITS, Pages, browser, check, failures, parse_arguments


class Dashboard(Pages):
    def latest_child_report(self):
        """The newest child-friendly report's tracking code, once council-audit has it."""
        deadline = time.time() + 60
        while time.time() < deadline:
            code = subprocess.run(["psql", self.args.database_url, "-Atc",
                                   "SELECT tracking_code FROM council_audit.reports WHERE child_friendly AND tracking_code IS NOT NULL "
                                   "ORDER BY received_at DESC LIMIT 1"],
                                  check=True, capture_output=True, text=True).stdout.strip()
            if code:
                return code
            time.sleep(1)
        return None

    def run(self):
        driver = browser(1024, 1366)
        try:
            driver.get(self.base + "/dashboard")
            check("/staff/sign-in" in driver.current_url, "the dashboard sends an anonymous visitor to sign in")
            self.sign_in(driver, self.args.council, self.args.password)
            self.wait(driver, EC.presence_of_element_located((By.ID, "overview")))
            html = driver.find_element(By.TAG_NAME, "html")
            check(html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "fa", "the dashboard is Persian, right to left")
            period = driver.find_element(By.ID, "period-name").text
            check(any(c in PERSIAN_DIGITS for c in period), f"the period is named with Persian digits: {period}")
            received = driver.find_element(By.CSS_SELECTOR, "#metric-received td.num")
            check(int(received.get_attribute("data-value") or "0") >= 1, f"this quarter's child reports are counted ({received.text})")
            check(len(driver.find_elements(By.CSS_SELECTOR, "figure svg.chart")) == 4, "four charts, drawn as SVG")
            check(len(driver.find_elements(By.CSS_SELECTOR, "figure table.chart-table")) == 4, "each chart has its table")
            started = time.time()
            driver.get(driver.current_url)
            self.wait(driver, EC.presence_of_element_located((By.ID, "overview")))
            print(f"     the overview loads in {time.time() - started:.2f} s")
            self.shot(driver, "dashboard-fa")

            current = Select(driver.find_element(By.ID, "period")).first_selected_option.get_attribute("value")
            year, quarter = current.split("-Q")
            earlier = f"{year}-Q{int(quarter) - 1}" if quarter != "1" else f"{int(year) - 1}-Q4"
            Select(driver.find_element(By.ID, "period")).select_by_value(earlier)
            driver.find_element(By.ID, "apply-filters").click()
            self.wait(driver, lambda d: f"period={earlier}" in d.current_url)
            changed = driver.find_element(By.ID, "period-name").text
            check(changed != period, f"the period changes with the form: {period} → {changed}")
            self.shot(driver, "dashboard-previous-quarter")
            driver.find_element(By.ID, "next-period").click()
            self.wait(driver, lambda d: f"period={current}" in d.current_url)
            check(driver.find_element(By.ID, "period-name").text == period, "the next-period link comes back")

            overdue = driver.find_elements(By.CSS_SELECTOR, "#overdue-list a")
            if overdue:
                overdue[0].click()
            else:
                code = self.latest_child_report()
                check(code is not None, f"a child report reached council-audit ({code})")
                driver.find_element(By.ID, "report-code").send_keys(code or "")
                driver.find_element(By.ID, "open-report").click()
            self.wait(driver, EC.presence_of_element_located((By.ID, "timeline")))
            rows = driver.find_elements(By.CSS_SELECTOR, "#timeline tbody tr")
            check(len(rows) >= 2, f"the timeline lists the report's audit entries ({len(rows)})")
            driver.find_element(By.ID, "verify").click()
            result = self.wait(driver, EC.presence_of_element_located((By.ID, "verify-result")))
            check(result.get_attribute("data-verified") == "true", f"verify says verified: {result.text}")
            self.shot(driver, "timeline-verified")

            driver.get(self.base + "/dashboard/print")
            self.wait(driver, EC.presence_of_element_located((By.ID, "overview")))
            check(not driver.find_elements(By.ID, "filters"), "the printable page has no forms")
            self.shot(driver, "quarterly-print-page")
            options = PrintOptions()
            options.page_width = 21.0
            options.page_height = 29.7
            options.background = True
            pdf = base64.b64decode(driver.print_page(options))
            self.shot_count += 1
            path = os.path.join(self.args.shots, f"{self.shot_count:02d}-quarterly.pdf")
            with open(path, "wb") as file:
                file.write(pdf)
            check(pdf.startswith(b"%PDF") and len(pdf) > 10_000, f"the quarterly report prints to PDF ({len(pdf)} bytes)")
            prefix = path[:-4]
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", path, prefix], check=True)
            pngs = [f for f in os.listdir(self.args.shots) if f.startswith(os.path.basename(prefix)) and f.endswith(".png")]
            check(bool(pngs), f"the PDF's first page is a PNG ({pngs})")
            pages = subprocess.run(["pdfinfo", path], capture_output=True, text=True).stdout
            print("     " + " ".join(line for line in pages.splitlines() if line.startswith(("Pages", "Page size"))))

            driver.get(self.base + "/dashboard?lang=en")
            self.wait(driver, EC.presence_of_element_located((By.ID, "overview")))
            check(driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == "ltr", "the English dashboard is left to right")
            self.shot(driver, "dashboard-en")
        finally:
            driver.quit()


def main():
    args = parse_arguments(["base", "shots", "council", "password", "database-url"], first_shot=dict(type=int, default=50))
    dashboard = Dashboard(args)
    dashboard.shot_count = args.first_shot
    dashboard.run()
    print(f"{len(failures)} failures; screenshots in {args.shots}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
