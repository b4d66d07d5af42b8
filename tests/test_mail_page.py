"""The admin's mail page in a real Chromium, against the real Dovecot of the mail-in tests:
an account added in the form (naming its password's variable, never the password), tested
(it logs in), shown failing with its error and next try, and removed; the rules files shown
read-only with their problems; a read-only token gets neither the link nor the page."""

from __future__ import annotations

from datetime import UTC, datetime

from docintel.store.db import session_scope
from docintel.store.mail import record_poll_failure
from tests import test_mail_in
from tests.apiserver import make_token, serving
from tests.helpers import page_replaced, shot
from tests.mailserver import PASSWORD, Dovecot

dovecot = test_mail_in.dovecot  # the fixture: a Dovecot for this module

BROKEN = "- {name: a, account: office, take: everything}\n"
GOOD = "name: invoices\naccount: office\nset: {tags: [invoice]}\n"


def said_with(browser, wait, words: str) -> str:
    """The page's message once it says ``words``: the page before the click may still be
    shown, with its own message, for a moment."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    def text(d) -> str | bool:  # type: ignore[no-untyped-def]
        try:
            found = [e.text for e in d.find_elements(By.CSS_SELECTOR, ".said")]
        except WebDriverException as exc:
            if not page_replaced(exc):
                raise
            return False
        return next((t for t in found if words in t), False)

    return wait.until(text)


def log_in(browser, url: str, token: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(url + "/login")
    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.CSS_SELECTOR, "#token-form button").click()


def test_accounts_added_tested_failing_and_removed_in_a_real_browser(
    dovecot: Dovecot, api_settings, browser, monkeypatch
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    dovecot.new_user()
    monkeypatch.setenv("DOCINTEL_MAIL_PASSWORD_OFFICE", PASSWORD)
    rules = api_settings.mail_rules_dir
    rules.mkdir(parents=True)
    (rules / "invoices.yaml").write_text(GOOD)
    (rules / "zz-broken.yaml").write_text(BROKEN)
    token = make_token(api_settings, "admin")
    wait = WebDriverWait(browser, 30)
    with serving(api_settings) as served:
        log_in(browser, served.url, token)
        wait.until(lambda d: d.find_elements(By.ID, "drop"))
        browser.find_element(By.LINK_TEXT, "Mail").click()  # linked from the inbox's header
        wait.until(lambda d: d.find_elements(By.ID, "accounts"))

        fill = {"m-name": "office", "m-host": "127.0.0.1", "m-port": str(dovecot.imaps_port),
                "m-user": dovecot.user, "m-secret": "DOCINTEL_MAIL_PASSWORD_OFFICE",
                "m-ca": str(dovecot.cert)}  # fmt: skip
        for field, value in fill.items():
            browser.find_element(By.ID, field).send_keys(value)
        browser.find_element(By.CSS_SELECTOR, ".add-account button").click()
        said_with(browser, wait, "Added office")
        row = browser.find_element(By.CSS_SELECTOR, "tr[data-account=office]").text
        assert "$DOCINTEL_MAIL_PASSWORD_OFFICE" in row
        assert "the rules files have a problem" in row  # a broken file stops fetching

        browser.find_element(By.CSS_SELECTOR, "button[aria-label='Test office']").click()
        said = said_with(browser, wait, f"logged in as {dovecot.user}")
        assert "INBOX" in said

        # a variable outside DOCINTEL_MAIL_PASSWORD_* is refused (it could be any secret)
        for field, value in {**fill, "m-name": "leak", "m-secret": "DOCINTEL_DATABASE_URL"}.items():
            box = browser.find_element(By.ID, field)
            box.clear()
            box.send_keys(value)
        browser.find_element(By.CSS_SELECTOR, ".add-account button").click()
        # the form's own error (role=alert): the page also lists the rules files' problems
        error = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "p.error[role=alert]")).text
        assert "DOCINTEL_MAIL_PASSWORD_" in error
        assert not browser.find_elements(By.CSS_SELECTOR, "tr[data-account=leak]")

        # the rules: each file read-only, the broken one with its problem
        broken = browser.find_element(By.CSS_SELECTOR, "[data-file='zz-broken.yaml']").text
        assert "take: Input should be 'attachments' or 'message'" in broken
        assert "no mail is fetched" in browser.page_source

        (rules / "zz-broken.yaml").unlink()
        browser.get(served.url + "/mail")
        row = browser.find_element(By.CSS_SELECTOR, "tr[data-account=office]").text
        assert "not polled yet" in row and "invoices" in row
        (rules / "zz-broken.yaml").write_text(BROKEN)  # for the screenshot
        with session_scope(api_settings.db_url) as s:
            now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
            record_poll_failure(s, "office", "127.0.0.1:1 refused the login", now, 60, 3600)
        browser.get(served.url + "/mail")
        row = browser.find_element(By.CSS_SELECTOR, "tr[data-account=office]").text
        assert "failing" in row and "rules files have a problem" in row
        (rules / "zz-broken.yaml").unlink()
        browser.get(served.url + "/mail")
        row = browser.find_element(By.CSS_SELECTOR, "tr[data-account=office]").text
        assert "failing" in row and "refused the login" in row
        assert "next try 2026-12-01 12:02:00 UTC" in row
        (rules / "zz-broken.yaml").write_text(BROKEN)
        browser.get(served.url + "/mail")
        assert PASSWORD not in browser.page_source

        problems = browser.execute_script(A11Y)
        assert problems == [], problems
        browser.set_window_size(1280, 1000)
        shot(browser, "mail-accounts")  # the README's copy: DOCINTEL_SCREENSHOTS=docs/screenshots

        browser.find_element(By.CSS_SELECTOR, "button[aria-label='Remove office']").click()
        said_with(browser, wait, "Removed office")
        assert not browser.find_elements(By.CSS_SELECTOR, "tr[data-account=office]")


# A basic accessibility check in the page itself: every form control has a label, every
# button a name, one h1, table headers, and images an alt.
A11Y = """
const out = [];
for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
  const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`))
    || el.closest('label') || el.getAttribute('aria-label');
  if (!labelled) out.push('no label: ' + (el.name || el.outerHTML.slice(0, 60)));
}
for (const b of document.querySelectorAll('button')) {
  if (!(b.textContent.trim() || b.getAttribute('aria-label'))) out.push('unnamed button');
}
if (document.querySelectorAll('h1').length !== 1) out.push('not one h1');
for (const t of document.querySelectorAll('main table')) {
  if (!t.querySelector('th')) out.push('table without headers');
}
for (const i of document.querySelectorAll('img:not([alt])')) out.push('img without alt');
if (!document.documentElement.lang) out.push('no lang');
return out;
"""


def test_a_read_only_token_gets_no_mail_link_and_no_page(api_settings, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    token = make_token(api_settings, "reader", read_only=True)
    with serving(api_settings) as served:
        log_in(browser, served.url, token)
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "drop"))
        assert not browser.find_elements(By.LINK_TEXT, "Mail")
        browser.get(served.url + "/mail")
        assert browser.find_element(By.TAG_NAME, "h1").text == "Not allowed"
        assert "read-only" in browser.page_source
        with served.client(token) as c:
            assert c.get("/mail").status_code == 403
            posted = c.post("/mail/accounts", data={"name": "x", "host": "h", "user": "u"})
            assert posted.status_code == 403
        with served.client() as c:
            assert c.get("/mail", follow_redirects=False).status_code == 303
