#!/usr/bin/env python3
"""The web pages in a real browser: Debian's Chromium driven by Selenium, against a live pipeline.

What a citizen and a 137 operator do, end to end, with every page screenshot to --shots and checked with
axe-core (no serious or critical violations):

- a citizen reports a broken swing in Persian on a phone-sized window: a bad phone and an address without
  district come back beside their fields; the report gets a tracking code and secret; tracking shows the
  unit and the deadline once routed (Solar Hijri dates, Persian digits);
- the same in English (the switch, remembered);
- after the unit resolves it, reopen without the secret and with a wrong one is refused, with it accepted;
- an operator: wrong password refused, repeated wrong passwords lock (slow down); signs in, takes a call
  with the keyboard only (live suggestion, Ctrl+Enter), reads the code back, sees it in today's list,
  signs out — timed (the goal is under a minute);
- the logs of the run never hold the citizens' phone numbers or the descriptions' canary words.

Run by infra/local/browser-test.sh (which starts the pipeline and makes the accounts).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait
from selenium_axe_python import Axe

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
CANARY_PHONE = "09127770101"
CANARY_PHONE_E164 = "+989127770101"
CANARY_WORD = "zanbaqcanary"
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


def gone(element):
    """Whether `element` left the document: stale, or (chromedriver, when a page is replaced quickly) a node
    the inspector no longer knows."""
    try:
        element.is_enabled()
        return False
    except WebDriverException:
        return True


def browser(width, height):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", f"--window-size={width},{height}",
                     "--lang=fa", "--disable-dev-shm-usage"]:
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "fa"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    return driver


class Pages:
    def __init__(self, args):
        self.args = args
        self.base = args.base.rstrip("/")
        os.makedirs(args.shots, exist_ok=True)
        self.shot_count = 0

    def shot(self, driver, name):
        self.shot_count += 1
        path = os.path.join(self.args.shots, f"{self.shot_count:02d}-{name}.png")
        # The whole page, not just the window: resize to the document's height for the picture.
        width = driver.get_window_size()["width"]
        height = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
        original = driver.get_window_size()["height"]
        driver.set_window_size(width, min(max(height + 120, original), 6000))
        driver.save_screenshot(path)
        driver.set_window_size(width, original)
        self.axe(driver, name)

    def axe(self, driver, name):
        axe = Axe(driver)
        axe.inject()
        results = axe.run()
        serious = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
        for violation in serious:
            print(f"     axe {violation['impact']}: {violation['id']} — {violation['help']} ({len(violation['nodes'])} nodes)")
        check(not serious, f"axe: no serious violations on {name} ({len(results['violations'])} minor or moderate)")

    def wait(self, driver, condition, seconds=15):
        return WebDriverWait(driver, seconds).until(condition)

    def submit(self, driver, button_id):
        """Clicks a form's button and waits for the next page (an element of the old page may otherwise
        be found, then go stale)."""
        old = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.ID, button_id).click()
        self.wait(driver, lambda _: gone(old))

    # MARK: the citizen

    def citizen_persian(self):
        driver = browser(412, 900)
        try:
            driver.get(self.base + "/")
            html = driver.find_element(By.TAG_NAME, "html")
            check(html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "fa", "the report page is Persian, right to left")
            self.shot(driver, "report-fa")
            driver.find_element(By.ID, "service-CFC-PLAY").click()
            driver.find_element(By.ID, "description").send_keys(f"تاب پارک لاله شکسته است و بچه‌ها هنوز سوار می‌شوند {CANARY_WORD}")
            driver.find_element(By.ID, "address").send_keys("پارک لاله، ضلع شمالی")
            driver.find_element(By.ID, "phone").send_keys("12345")
            self.submit(driver, "submit-report")
            self.wait(driver, EC.presence_of_element_located((By.ID, "error-summary")))
            phone_error = driver.find_element(By.ID, "phone-error").text
            district_error = driver.find_element(By.ID, "district-error").text
            check("شمارهٔ همراه" in phone_error, f"a bad phone is explained beside the field in Persian: {phone_error}")
            check("منطقه" in district_error, f"an address without district is explained beside the field: {district_error}")
            check("تاب پارک لاله" in driver.find_element(By.ID, "description").get_attribute("value"), "what was typed is kept")
            self.shot(driver, "report-fa-errors")
            Select(driver.find_element(By.ID, "district")).select_by_value("6")
            phone = driver.find_element(By.ID, "phone")
            phone.clear()
            phone.send_keys("۰۹۱۲ ۷۷۷ ۰۱۰۱")
            self.submit(driver, "submit-report")
            code_element = self.wait(driver, EC.presence_of_element_located((By.ID, "tracking-code")))
            code = code_element.get_attribute("data-value")
            shown = code_element.text
            secret = driver.find_element(By.ID, "reopen-secret").text
            check(re.fullmatch(r"\d{10}", code or "") is not None, f"the receipt shows a tracking code ({code})")
            check(all(c in PERSIAN_DIGITS for c in shown), f"the code is shown in Persian digits ({shown})")
            check(len(secret) == 8, "the receipt shows the reopen secret")
            self.shot(driver, "receipt-fa")
            return code, secret
        finally:
            driver.quit()

    def citizen_english(self):
        driver = browser(412, 900)
        try:
            driver.get(self.base + "/")
            driver.find_element(By.ID, "language-switch").click()
            self.wait(driver, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
            check(driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == "ltr", "English is left to right")
            driver.get(self.base + "/track")
            check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "the language switch is remembered")
            driver.get(self.base + "/")
            driver.find_element(By.ID, "service-CFC-SCHOOL").click()
            driver.find_element(By.ID, "description").send_keys(f"The zebra crossing in front of the primary school has faded {CANARY_WORD}")
            Select(driver.find_element(By.ID, "district")).select_by_value("3")
            driver.find_element(By.ID, "address").send_keys("Shariati St, by the school gate")
            driver.find_element(By.ID, "phone").send_keys("+1 555 0100")
            self.submit(driver, "submit-report")
            error = self.wait(driver, EC.presence_of_element_located((By.ID, "phone-error"))).text
            check("Iranian mobile number" in error, f"the phone error is in English: {error}")
            self.shot(driver, "report-en-errors")
            phone = driver.find_element(By.ID, "phone")
            phone.clear()
            phone.send_keys("0912 777 0102")
            self.submit(driver, "submit-report")
            code = self.wait(driver, EC.presence_of_element_located((By.ID, "tracking-code"))).get_attribute("data-value")
            check(re.fullmatch(r"\d{10}", code or "") is not None, f"the English report gets its code ({code})")
            self.shot(driver, "receipt-en")
            return code
        finally:
            driver.quit()

    def track_until_routed(self, code):
        driver = browser(412, 900)
        try:
            deadline = time.time() + 90
            while time.time() < deadline:
                driver.get(f"{self.base}/track/{code}")
                if driver.find_elements(By.ID, "unit") and driver.find_elements(By.ID, "deadline"):
                    break
                time.sleep(1)
            units = driver.find_elements(By.ID, "unit")
            check(bool(units), "tracking shows the unit once routed")
            check(bool(driver.find_elements(By.ID, "deadline")), "tracking shows the deadline once routed")
            if units:
                check("بوستان" in units[0].text, f"the unit is named in Persian: {units[0].text}")
            deadline_text = driver.find_element(By.ID, "deadline").text if driver.find_elements(By.ID, "deadline") else ""
            check(any(c in PERSIAN_DIGITS for c in deadline_text) and re.search(r"۱۴۰[۰-۹]", deadline_text) is not None,
                  f"the deadline is a Solar Hijri date in Persian digits: {deadline_text}")
            history = driver.find_elements(By.CSS_SELECTOR, "#history li")
            check(len(history) >= 2, f"the history lists the steps ({len(history)})")
            self.shot(driver, "track-fa-routed")
        finally:
            driver.quit()

    def resolve(self, code):
        """The unit acknowledges, works on and resolves the report (its API, with its own key)."""
        report_id = subprocess.run(["psql", self.args.database_url, "-Atc",
                                    f"SELECT report_id FROM intake.reports WHERE tracking_code = '{code}'"],
                                   check=True, capture_output=True, text=True).stdout.strip()
        for status in ["acknowledged", "in_progress", "resolved"]:
            body = json.dumps({"status": status, "note": "تاب تعمیر شد" if status == "resolved" else None}).encode()
            request = urllib.request.Request(f"{self.base}/api/v1/reports/{report_id}/status", data=body, method="POST",
                                             headers={"Authorization": f"Bearer {self.args.unit_key}", "Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=10) as response:
                check(response.status == 202, f"the unit's {status} was accepted")
            time.sleep(1.5)  # the router applies them in order; the next one waits for this one

    def reopen(self, code, secret):
        driver = browser(412, 900)
        try:
            deadline = time.time() + 60
            while time.time() < deadline:
                driver.get(f"{self.base}/track/{code}")
                if driver.find_elements(By.ID, "reopen-form"):
                    break
                time.sleep(1)
            check(bool(driver.find_elements(By.ID, "reopen-form")), "a resolved report offers the reopen form")
            self.submit(driver, "reopen-submit")
            error = self.wait(driver, EC.presence_of_element_located((By.ID, "reopen-error"))).text
            check("رمز" in error, f"reopen without the secret is refused: {error}")
            driver.find_element(By.ID, "secret").send_keys("12345678")
            self.submit(driver, "reopen-submit")
            error = self.wait(driver, EC.presence_of_element_located((By.ID, "reopen-error"))).text
            check("نیست" in error, f"a wrong secret is refused: {error}")
            self.shot(driver, "reopen-refused")
            driver.find_element(By.ID, "secret").send_keys(secret)
            driver.find_element(By.ID, "note").send_keys("هنوز شکسته است")
            self.submit(driver, "reopen-submit")
            notice = self.wait(driver, EC.presence_of_element_located((By.ID, "reopen-notice"))).text
            check("ثبت شد" in notice, f"reopen with the secret is accepted: {notice}")
            self.shot(driver, "reopen-accepted")
        finally:
            driver.quit()

    # MARK: the operator

    def sign_in(self, driver, username, password):
        driver.get(self.base + "/staff/sign-in")
        driver.find_element(By.ID, "username").send_keys(username)
        driver.find_element(By.ID, "password").send_keys(password + Keys.ENTER)

    def operator(self):
        driver = browser(1280, 900)
        try:
            driver.get(self.base + "/staff/call")
            check("/staff/sign-in" in driver.current_url, "the call screen sends an anonymous visitor to sign in")
            self.shot(driver, "sign-in")
            self.sign_in(driver, self.args.operator, "not-the-password")
            error = self.wait(driver, EC.presence_of_element_located((By.ID, "form-error"))).text
            check("درست نیست" in error, f"a wrong password is refused: {error}")
            self.shot(driver, "sign-in-refused")

            # Repeated wrong passwords on another account: from the fifth, the account locks, longer each time.
            outcomes = []
            for _ in range(6):
                started = time.time()
                self.sign_in(driver, self.args.victim, "guessing-password")
                text = self.wait(driver, EC.presence_of_element_located((By.ID, "form-error"))).text
                outcomes.append((text, time.time() - started))
            locked = [text for text, _ in outcomes if "ثانیه" in text]
            check(len(locked) >= 2, f"repeated wrong passwords lock the account ({len(locked)} of 6 answered locked)")
            print("     " + " | ".join(f"{text[:40]} ({seconds:.2f}s)" for text, seconds in outcomes))

            started = time.time()
            self.sign_in(driver, self.args.operator, self.args.password)
            self.wait(driver, EC.presence_of_element_located((By.ID, "call-form")))
            check(driver.switch_to.active_element.get_attribute("id") == "phone", "the call screen starts in the caller's number")
            active = driver.switch_to.active_element
            active.send_keys("0912 777 0103")
            active.send_keys(Keys.TAB)
            driver.switch_to.active_element.send_keys(f"سرسره پارک ملت شکسته و یک کودک زخمی شده {CANARY_WORD}")
            suggestion = self.wait(driver, EC.visibility_of_element_located((By.ID, "suggestion")))
            self.wait(driver, lambda d: "CFC-PLAY" in d.find_element(By.ID, "suggested-service").text)
            check("CFC-PLAY" in suggestion.text, f"the live suggestion shows the service code: {suggestion.text}")
            check(driver.find_element(By.ID, "service_code").get_attribute("value") == "CFC-PLAY", "the suggestion preselects the service")
            self.shot(driver, "call-screen")
            # Keyboard only: Tab through service, district (typed), address, then Ctrl+Enter.
            driver.switch_to.active_element.send_keys(Keys.TAB)  # to the service select
            driver.switch_to.active_element.send_keys(Keys.TAB)  # to the district
            check(driver.switch_to.active_element.get_attribute("id") == "district", "Tab reaches the district")
            driver.switch_to.active_element.send_keys("3")
            driver.switch_to.active_element.send_keys(Keys.TAB)
            driver.switch_to.active_element.send_keys("پارک ملت، ورودی غربی")
            driver.switch_to.active_element.send_keys(Keys.CONTROL, Keys.ENTER)
            code = self.wait(driver, EC.presence_of_element_located((By.ID, "tracking-code"))).get_attribute("data-value")
            elapsed = time.time() - started
            check(re.fullmatch(r"\d{10}", code or "") is not None, f"the call is stored with a tracking code to read back ({code})")
            check(elapsed < 60, f"sign-in to stored report with the keyboard alone: {elapsed:.1f} s (under a minute)")
            self.shot(driver, "call-receipt")
            driver.get(self.base + "/staff/today")
            check(code in driver.page_source, "today's list shows the call")
            self.shot(driver, "today")
            driver.get(self.base + "/staff/call")
            driver.find_element(By.ID, "phone").send_keys("09127770103")
            self.wait(driver, EC.visibility_of_element_located((By.ID, "recent-box")))
            check(code in driver.find_element(By.ID, "recent-reports").text.translate(str.maketrans(PERSIAN_DIGITS, "0123456789")),
                  "the caller's earlier report is shown as they call again")
            self.shot(driver, "call-screen-recent")
            driver.find_element(By.ID, "sign-out").click()
            self.wait(driver, EC.presence_of_element_located((By.ID, "username")))
            driver.get(self.base + "/staff/call")
            check("/staff/sign-in" in driver.current_url, "after sign-out the call screen needs a sign-in again")
        finally:
            driver.quit()

    def logs(self):
        found = []
        for root in self.args.logs:
            paths = [root] if os.path.isfile(root) else [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
            for path in paths:
                try:
                    text = open(path, encoding="utf-8", errors="replace").read()
                except OSError:
                    continue
                for secret in [CANARY_WORD, CANARY_PHONE, CANARY_PHONE_E164, "9127770101", "9127770103"]:
                    if secret in text:
                        found.append(f"{secret} in {path}")
        check(not found, "no phone number or description reached a log" + (f": {found}" if found else ""))


def parse_arguments(required, **optional):
    """The script's arguments: each of `required` a string that must be given (`--unit-key`), each of
    `optional` with its argparse options (`first_shot=dict(type=int, default=50)` is `--first-shot`)."""
    parser = argparse.ArgumentParser()
    for name in required:
        parser.add_argument(f"--{name}", required=True)
    for name, options in optional.items():
        parser.add_argument("--" + name.replace("_", "-"), **options)
    return parser.parse_args()


def main():
    args = parse_arguments(["base", "shots", "operator", "victim", "password", "unit-key", "database-url"],
                           logs=dict(nargs="*", default=[]))
    pages = Pages(args)
    code, secret = pages.citizen_persian()
    pages.citizen_english()
    pages.track_until_routed(code)
    pages.resolve(code)
    pages.reopen(code, secret)
    pages.operator()
    pages.logs()
    print(f"{len(failures)} failures; screenshots in {args.shots}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
