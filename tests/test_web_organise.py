"""Organising in the page, in a real headless Chromium, as a person does it: a tag rule
added on the organise page tags the invoice that finishes after it (and its audit trail
names the rule); two correspondents merged on the organise page (the inbox then lists both
documents under the one kept); three documents selected in the inbox and tagged at once;
a note added and deleted on a document's page. Screenshots at 1280 px (light mode) go to
$DOCINTEL_SCREENSHOTS."""

from __future__ import annotations

from tests.apiserver import make_token, serving
from tests.helpers import shot
from tests.test_api import SAMPLES, upload
from tests.test_web_workspace import finished, log_in


def ready(browser):
    """Waits for the page loaded; the wait it returns looks again at a page that reloaded
    under it (each edit reloads the page)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    return WebDriverWait(
        browser, 30, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException,)
    )


def test_a_rule_made_in_the_page_tags_a_finishing_invoice(api_settings, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    token = make_token(api_settings, "editor")
    with serving(api_settings) as served, served.client(token) as c:
        log_in(browser, served, token)
        browser.set_window_size(1280, 900)
        browser.get(served.url + "/organise")
        wait = ready(browser)
        form = browser.find_element(By.ID, "rule-form")
        form.find_element(By.NAME, "name").send_keys("large invoices")
        form.find_element(By.NAME, "tag").send_keys("approve")
        Select(form.find_element(By.NAME, "doc_type")).select_by_value("invoice")
        form.find_element(By.NAME, "condition").send_keys("total >")  # unreadable first
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait.until(lambda d: "FIELD OP VALUE" in d.find_element(By.ID, "rule-status").text)
        form.find_element(By.NAME, "condition").send_keys(" 100")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, 'tr[data-rule="large invoices"]'))
        row = browser.find_element(By.CSS_SELECTOR, 'tr[data-rule="large invoices"]')
        assert "total > 100" in row.text and "approve" in row.text
        shot(browser, "organise-rules-1280")

        doc_id = upload(c, SAMPLES / "invoice.pdf").json()["id"]  # finishes after the rule
        csv = upload(c, SAMPLES / "shipments.csv").json()["id"]
        finished(c, doc_id), finished(c, csv)
        browser.get(f"{served.url}/documents/{doc_id}")
        ready(browser)
        assert [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#tags .tag span")] == [
            "approve"
        ]
        audit = browser.find_element(By.CSS_SELECTOR, "section.audit").text
        assert "tag 'approve' added by rule 'large invoices'" in audit
        browser.get(f"{served.url}/documents/{csv}")
        ready(browser)
        assert not browser.find_elements(By.CSS_SELECTOR, "#tags .tag")


def test_merge_two_correspondents_in_the_page(api_settings, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    token = make_token(api_settings, "editor")
    with serving(api_settings) as served, served.client(token) as c:
        invoice = upload(c, SAMPLES / "invoice.pdf").json()["id"]
        receipt = upload(c, SAMPLES / "receipt-scan.pdf").json()["id"]
        finished(c, invoice), finished(c, receipt)
        log_in(browser, served, token)
        browser.set_window_size(1280, 900)
        # the receipt's shop is really Acme's: a person sets it on the page, under a new name
        browser.get(f"{served.url}/documents/{receipt}")
        wait = ready(browser)
        box = browser.find_element(By.ID, "correspondent")
        assert box.get_attribute("value") == "City Hardware"
        box.clear()
        box.send_keys("ACME Hardware Ltd\n")
        wait.until(lambda d: d.find_element(By.ID, "doc-correspondent").text == "ACME Hardware Ltd")
        browser.get(served.url + "/organise")
        ready(browser)
        rows = browser.find_elements(By.CSS_SELECTOR, "table.correspondents tbody tr")
        names = {
            r.find_element(By.CSS_SELECTOR, "th").text: r.get_attribute("data-id") for r in rows
        }
        assert set(names) == {"Acme Industrial GmbH", "ACME Hardware Ltd", "City Hardware"}
        shot(browser, "organise-correspondents-1280")
        merge = browser.find_element(
            By.CSS_SELECTOR, f'form.merge[data-id="{names["ACME Hardware Ltd"]}"]'
        )
        Select(merge.find_element(By.NAME, "into")).select_by_visible_text("Acme Industrial GmbH")
        merge.find_element(By.TAG_NAME, "button").click()
        wait.until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, "table.correspondents tbody tr")) == 2
        )
        kept = browser.find_element(
            By.CSS_SELECTOR, f'tr[data-id="{names["Acme Industrial GmbH"]}"]'
        )
        assert kept.find_element(By.CSS_SELECTOR, ".aliases").text == "ACME Hardware Ltd"
        kept.find_element(By.CSS_SELECTOR, "td a").click()  # its documents, in the inbox
        wait.until(lambda d: "correspondent=" in d.current_url)
        ready(browser)
        listed = [
            int(r.get_attribute("data-id"))
            for r in browser.find_elements(By.CSS_SELECTOR, "#docs tbody tr")
        ]
        assert listed == [receipt, invoice]
        assert {td.text for td in browser.find_elements(By.CSS_SELECTOR, "#docs td.from")} == {
            "Acme Industrial GmbH"
        }
        # the merged name is matched again: a person typing it gets the one kept
        assert c.post("/v1/correspondents", json={"name": "Acme hardware"}).json()["id"] == int(
            names["Acme Industrial GmbH"]
        )


def test_bulk_tag_three_documents_and_a_note(api_settings, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    token = make_token(api_settings, "editor")
    with serving(api_settings) as served, served.client(token) as c:
        names = ("invoice.pdf", "shipments.csv", "contract.docx", "budget.xlsx")
        ids = [upload(c, SAMPLES / n).json()["id"] for n in names]
        for i in ids:
            finished(c, i)
        log_in(browser, served, token)
        browser.set_window_size(1280, 900)
        browser.get(served.url + "/")
        wait = ready(browser)
        apply = browser.find_element(By.ID, "bulk-apply")
        assert not apply.is_enabled()  # nothing selected yet
        for doc_id in ids[:3]:
            browser.find_element(By.CSS_SELECTOR, f'#docs input.pick[value="{doc_id}"]').click()
        assert browser.find_element(By.ID, "bulk-count").text == "3 selected"
        Select(browser.find_element(By.ID, "bulk-action")).select_by_value("tag")
        browser.find_element(By.ID, "bulk-value").send_keys("quarter 3")
        shot(browser, "inbox-bulk-1280")
        apply.click()
        wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#docs input.pick:checked"))
        tags = browser.execute_script(
            "return Object.fromEntries([...document.querySelectorAll('#docs tbody tr')].map(r =>"
            "[r.dataset.id, [...r.querySelectorAll('.tag')].map(t => t.textContent)]))"
        )
        assert {int(k): v for k, v in tags.items()} == {
            ids[0]: ["quarter 3"],
            ids[1]: ["quarter 3"],
            ids[2]: ["quarter 3"],
            ids[3]: [],
        }
        # every shown document selected at once, then moved to the trash
        browser.find_element(By.ID, "pick-all").click()
        assert browser.find_element(By.ID, "bulk-count").text == "4 selected"
        Select(browser.find_element(By.ID, "bulk-action")).select_by_value("delete")
        assert not browser.find_element(By.ID, "bulk-value").is_displayed()
        browser.find_element(By.ID, "bulk-apply").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#docs tr.empty"))
        assert c.get("/v1/documents").json()["documents"] == []
        browser.get(served.url + "/?trash=true")  # and back, from the trash view
        ready(browser)
        browser.find_element(By.ID, "pick-all").click()
        assert Select(browser.find_element(By.ID, "bulk-action")).first_selected_option.text == (
            "Restore"
        )
        browser.find_element(By.ID, "bulk-apply").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#docs tr.empty"))
        assert len(c.get("/v1/documents").json()["documents"]) == 4

        browser.get(f"{served.url}/documents/{ids[0]}")
        ready(browser)
        browser.find_element(By.ID, "note-text").send_keys(
            "Ask Acme about the early-payment discount."
        )
        browser.find_element(By.CSS_SELECTOR, "#note-form button").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".note"))
        note = browser.find_element(By.CSS_SELECTOR, ".note")
        assert "early-payment discount" in note.text and "editor" in note.text
        shot(browser, "document-notes-1280")
        note.find_element(By.CSS_SELECTOR, "button.delete-note").click()
        wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".note"))
        assert c.get(f"/v1/documents/{ids[0]}/notes").json() == []


def test_a_document_trashed_elsewhere_leaves_the_open_inbox(api_settings, browser):
    """Moving a document to the trash changes its row's time, and the live inbox was told
    it again as a change: its row stayed (and came back after a bulk delete reloaded the
    page). The event now says it is in the trash, and the open inbox drops the row."""
    from selenium.webdriver.common.by import By

    token = make_token(api_settings, "editor")
    with serving(api_settings) as served, served.client(token) as c:
        kept, gone = (upload(c, SAMPLES / n).json()["id"] for n in ("invoice.pdf", "budget.xlsx"))
        finished(c, kept), finished(c, gone)
        log_in(browser, served, token)
        browser.get(served.url + "/")
        wait = ready(browser)
        assert browser.find_elements(By.CSS_SELECTOR, f'#docs tr[data-id="{gone}"]')
        assert c.delete(f"/v1/documents/{gone}").status_code == 200
        wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, f'#docs tr[data-id="{gone}"]'))
        assert browser.find_elements(By.CSS_SELECTOR, f'#docs tr[data-id="{kept}"]')
