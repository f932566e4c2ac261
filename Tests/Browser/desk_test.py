#!/usr/bin/env python3
"""The units' desk in a real browser: Debian's Chromium driven by Selenium, against a live pipeline.

What a park department's staff do with a child report, every page screenshot to --shots and checked with
axe-core (no serious or critical violations):

- a citizen reports a broken swing on intake's page; the desk sends an anonymous visitor to sign in;
- a parks staff member signs in on a phone-sized window and lands on the parks desk (Persian, right to
  left), where the case is listed (child-friendly marked, the deadline counting down);
- a colleague keeps the list open on a desktop window; the first acknowledges the case, and the colleague's
  list shows it without reloading;
- in progress, then "resolved" without a note (refused beside the field), then with one; the page follows
  the router's confirmations by itself;
- the citizen's tracking page shows the resolution and the unit's note, the council's API the steps;
- the English case page.

Run by infra/local/browser-test.sh after the pages' and the dashboard's scripts.
"""
import json
import subprocess
import sys
import time
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from pages_test import Pages, browser, check, failures, parse_arguments

SEEN_FA = "واحد مسئول آن را دید"
RESOLVED_FA = "رسیدگی شد"
NOTE = "تاب عوض شد و زنجیرها بازرسی شدند"


class Desk(Pages):
    def citizen_report(self):
        """A child report on intake's page, as a citizen makes it; its tracking code."""
        driver = browser(412, 900)
        try:
            driver.get(self.args.intake + "/")
            driver.find_element(By.ID, "service-CFC-PLAY").click()
            driver.find_element(By.ID, "description").send_keys("زنجیر تاب پارک نسترن پاره شده است")
            Select(driver.find_element(By.ID, "district")).select_by_value("6")
            driver.find_element(By.ID, "address").send_keys("پارک نسترن")
            self.submit(driver, "submit-report")
            code = self.wait(driver, EC.presence_of_element_located((By.ID, "tracking-code"))).get_attribute("data-value")
            check(bool(code), f"a citizen's report has a tracking code ({code})")
            return code
        finally:
            driver.quit()

    def case_row(self, driver, code):
        """The list row of `code`, reloading until the case has arrived (deliveries take a moment)."""
        deadline = time.time() + 60
        while time.time() < deadline:
            rows = [row for row in driver.find_elements(By.CSS_SELECTOR, "#cases tbody tr") if code_in(row, code)]
            if rows:
                return rows[0]
            time.sleep(1)
            driver.get(driver.current_url)
        return None

    def act(self, driver, action, note=None):
        driver.find_element(By.ID, f"action-{action}").click()
        if note is not None:
            field = driver.find_element(By.ID, "note")
            field.clear()
            field.send_keys(note)
        self.submit(driver, "action-submit")

    def run(self, code):
        staff = browser(412, 900)
        colleague = browser(1280, 900)
        try:
            staff.get(self.base + "/desk")
            check("/staff/sign-in" in staff.current_url, "the desk sends an anonymous visitor to sign in")
            self.sign_in(staff, self.args.staff, self.args.password)
            self.wait(staff, lambda d: d.current_url.rstrip("/").endswith("/desk/parks"))
            html = staff.find_element(By.TAG_NAME, "html")
            check(html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "fa", "the desk is Persian, right to left")
            row = self.case_row(staff, code)
            check(row is not None, "the citizen's report is on the parks desk")
            if row is None:
                return
            check("کودک" in row.text, f"a child-friendly case is marked: {row.text}")
            check(bool(row.find_elements(By.CSS_SELECTOR, "[data-deadline]")), "its deadline counts down")
            check("باز" in staff.find_element(By.ID, "open-count").text, "the open cases are counted at the top")
            self.shot(staff, "desk-list-fa")

            colleague.get(self.base + "/desk/parks")
            self.sign_in(colleague, self.args.colleague, self.args.password)
            self.wait(colleague, lambda d: d.current_url.rstrip("/").endswith("/desk/parks"))
            check(self.case_row(colleague, code) is not None, "a colleague sees the case on the same desk")

            row.find_element(By.CSS_SELECTOR, "a.case-link").click()
            self.wait(staff, EC.presence_of_element_located((By.ID, "action-form")))
            check("زنجیر تاب" in staff.find_element(By.ID, "description").text, "the case shows the report's description")
            check(not staff.find_elements(By.ID, "action-resolve"), "resolving is not offered before the work began")
            self.shot(staff, "desk-case-fa")
            started = time.time()
            self.act(staff, "acknowledge")
            self.wait(staff, EC.presence_of_element_located((By.ID, "action-start")), seconds=30)
            print(f"     acknowledged and confirmed by the router in {time.time() - started:.1f} s (the page followed by itself)")
            check(SEEN_FA in staff.find_element(By.ID, "case-status").text, "the case says the unit has seen it")
            try:
                self.wait(colleague, lambda d: SEEN_FA in d.find_element(By.ID, "cases").text, seconds=20)
                check(True, "the colleague's list shows the change without reloading")
            except Exception:
                check(False, "the colleague's list shows the change without reloading")
            self.shot(colleague, "desk-list-colleague")

            self.act(staff, "start")
            self.wait(staff, EC.presence_of_element_located((By.ID, "action-resolve")), seconds=30)
            self.act(staff, "resolve", note="")
            error = self.wait(staff, EC.presence_of_element_located((By.ID, "note-error"))).text
            check(bool(error), f"resolving without a note is refused beside the field: {error}")
            self.shot(staff, "desk-resolve-needs-note")
            self.act(staff, "resolve", note=NOTE)
            self.wait(staff, EC.presence_of_element_located((By.ID, "no-actions")), seconds=30)
            self.wait(staff, lambda d: not d.find_elements(By.ID, "pending"), seconds=30)
            check(RESOLVED_FA in staff.find_element(By.ID, "case-status").text, "the case is resolved")
            check(NOTE in staff.find_element(By.ID, "history").text, "the history keeps the unit's note")
            self.shot(staff, "desk-case-resolved")
            staff.get(staff.current_url.split("?")[0] + "?lang=en")
            check("Resolved" in staff.find_element(By.ID, "case-status").text, "the case page in English")
            self.shot(staff, "desk-case-en")
        finally:
            staff.quit()
            colleague.quit()

    def citizen_sees(self, code):
        driver = browser(412, 900)
        try:
            deadline = time.time() + 60
            while time.time() < deadline:
                driver.get(f"{self.args.intake}/track/{code}")
                if RESOLVED_FA in driver.find_element(By.ID, "status").text:
                    break
                time.sleep(1)
            check(RESOLVED_FA in driver.find_element(By.ID, "status").text, "the citizen's tracking page shows the resolution")
            check(NOTE in driver.find_element(By.TAG_NAME, "main").text, "and the unit's note")
            self.shot(driver, "track-resolved-by-desk")
        finally:
            driver.quit()

    def council_sees(self, code):
        report_id = subprocess.run(["psql", self.args.database_url, "-Atc", f"SELECT report_id FROM intake.reports WHERE tracking_code = '{code}'"],
                                   check=True, capture_output=True, text=True).stdout.strip()
        request = urllib.request.Request(f"{self.args.council}/api/v1/council/reports/{report_id}/timeline",
                                         headers={"Authorization": f"Bearer {self.args.council_key}", "Accept": "application/json"})
        deadline, statuses = time.time() + 30, []
        while time.time() < deadline:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
            statuses = [s for s in ["acknowledged", "in_progress", "resolved"] if f'"{s}"' in text]
            if len(statuses) == 3:
                break
            time.sleep(1)
        check(len(statuses) == 3, f"the council's API shows each step: {statuses}")


def code_in(row, code):
    digits = "".join(str("۰۱۲۳۴۵۶۷۸۹".index(c)) if c in "۰۱۲۳۴۵۶۷۸۹" else c for c in row.find_element(By.CSS_SELECTOR, "a.case-link").text)
    return digits == code


def main():
    args = parse_arguments(["base", "intake", "council", "council-key", "shots", "staff", "colleague", "password", "database-url"],
                           first_shot=dict(type=int, default=70))
    desk = Desk(args)
    desk.shot_count = args.first_shot
    code = desk.citizen_report()
    if code:
        desk.run(code)
        desk.citizen_sees(code)
        desk.council_sees(code)
    print(f"{len(failures)} failures; screenshots in {args.shots}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
