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
- the English case page;
- one hazard, one case: two more citizens report the same swing in other words (one in English); the router
  links both to the case — the list says 3 reports, the case page lists them — and the staff member splits the
  English one off (a reason is required beside its field); it arrives as a case of its own, while the other
  follows the case to its resolution and its reporter sees it on the tracking page.

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

from pages_test import Pages, browser, check, failures, gone, parse_arguments

SEEN_FA = "واحد مسئول آن را دید"
RESOLVED_FA = "رسیدگی شد"
NOTE = "تاب عوض شد و زنجیرها بازرسی شدند"


class Desk(Pages):
    def citizen_report(self, description="زنجیر تاب پارک نسترن پاره شده است", lang=""):
        """A child report on intake's page, as a citizen makes it; its tracking code."""
        driver = browser(412, 900)
        try:
            driver.get(self.args.intake + "/" + lang)
            driver.find_element(By.ID, "service-CFC-PLAY").click()
            driver.find_element(By.ID, "description").send_keys(description)
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

    def case_row_now(self, driver, code):
        """The list row of `code` on the page as it is, or None."""
        rows = [row for row in driver.find_elements(By.CSS_SELECTOR, "#cases tbody tr") if code_in(row, code)]
        return rows[0] if rows else None

    def act(self, driver, action, note=None):
        driver.find_element(By.ID, f"action-{action}").click()
        if note is not None:
            field = driver.find_element(By.ID, "note")
            field.clear()
            field.send_keys(note)
        self.submit(driver, "action-submit")

    def linked_block(self, driver, code):
        """The case page's block of the linked report `code`, or None."""
        for block in driver.find_elements(By.CSS_SELECTOR, "#linked-reports .linked-report"):
            if code in to_latin(block.text):
                return block
        return None

    def split(self, staff, case_url, code):
        """Splits the linked report `code` off the case: refused without a reason, then confirmed."""
        block = self.linked_block(staff, code)
        check(block is not None, f"the case page lists the linked report {code}")
        if block is None:
            return
        block_id = block.get_attribute("id")
        # The split form is folded away until asked for (a case may list many reports).
        check(not block.find_element(By.CSS_SELECTOR, "button.split-submit").is_displayed(), "the split form is folded until asked for")
        block.find_element(By.TAG_NAME, "summary").click()
        block.find_element(By.CSS_SELECTOR, "button.split-submit").click()
        error = self.wait(staff, lambda d: d.find_element(By.CSS_SELECTOR, f"#{block_id} .error")).text
        check(bool(error), f"splitting without a reason is refused beside its field: {error}")
        self.shot(staff, "desk-split-needs-reason")
        block = staff.find_element(By.ID, block_id)
        block.find_element(By.TAG_NAME, "textarea").send_keys("این تاب دیگری است، کنار آب‌نما")
        old = staff.find_element(By.TAG_NAME, "html")
        block.find_element(By.CSS_SELECTOR, "button.split-submit").click()
        self.wait(staff, lambda _: gone(old))
        self.wait(staff, lambda d: not d.find_elements(By.ID, block_id) and not d.find_elements(By.ID, "pending"), seconds=30)
        check("جدا شد" in staff.find_element(By.ID, "history").text, "the history says the report was split off")
        self.shot(staff, "desk-case-after-split")

    def run(self, code, linked=(), split_off=None):
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
            if linked:
                # The reports of the same hazard reach the desk as links: the list counts them, no rows of their own.
                deadline = time.time() + 60
                while time.time() < deadline and f"{len(linked) + 1} گزارش" not in to_latin(row.text):
                    time.sleep(1)
                    staff.get(staff.current_url)
                    row = self.case_row(staff, code)
                check(f"{len(linked) + 1} گزارش" in to_latin(row.text), f"the list counts the case's reports: {row.text}")
                check(all(self.case_row_now(staff, other) is None for other in linked), "the linked reports are not cases of their own")
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
            if linked:
                check(all(self.linked_block(staff, other) is not None for other in linked), "the case page lists the reports linked to it")
                if split_off:
                    self.split(staff, staff.current_url, split_off)
                    # The split-off report arrives as a case of its own.
                    staff.get(self.base + "/desk/parks")
                    check(self.case_row(staff, split_off) is not None, "the split-off report is a case of its own on the desk")
                    staff.back()
                    self.wait(staff, EC.presence_of_element_located((By.ID, "action-form")))
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

    def citizen_sees(self, code, shot="track-resolved-by-desk", linked=False):
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
            if linked:
                check("پیوست" in driver.find_element(By.ID, "case").text, "a linked report's page says it joined a case of the same hazard")
            self.shot(driver, shot)
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


def to_latin(text):
    return "".join(str("۰۱۲۳۴۵۶۷۸۹".index(c)) if c in "۰۱۲۳۴۵۶۷۸۹" else c for c in text)


def code_in(row, code):
    return to_latin(row.find_element(By.CSS_SELECTOR, "a.case-link").text) == code


def main():
    args = parse_arguments(["base", "intake", "council", "council-key", "shots", "staff", "colleague", "password", "database-url"],
                           first_shot=dict(type=int, default=70))
    desk = Desk(args)
    desk.shot_count = args.first_shot
    code = desk.citizen_report()
    # The same swing, reported again by two other citizens in other words: the router links both to the case.
    second = desk.citizen_report("تاب پارک نسترن زنجیرش پاره است") if code else None
    third = desk.citizen_report("The swing chain in Nastaran park is broken", lang="?lang=en") if code else None
    if code:
        desk.run(code, linked=[c for c in (second, third) if c], split_off=third)
        desk.citizen_sees(code)
        if second:
            desk.citizen_sees(second, shot="track-linked-resolved", linked=True)
        desk.council_sees(code)
    print(f"{len(failures)} failures; screenshots in {args.shots}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
