"""The web page in a real headless Chromium (Debian's chromium + chromium-driver, through
selenium): log in, upload a scanned page and a recording, watch both reach done without a
reload, open each (page image beside its text; a transcript line seeks the player), ask a
question and follow a citation. Screenshots go to build/screenshots/ (or
$DOCINTEL_SCREENSHOTS) for a person to look at."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from docintel.testkit.audio_samples import RATE, speak, write_wav
from docintel.testkit.page_samples import scanned, text_page
from tests.apiserver import make_token, serving
from tests.helpers import shot

ROOT = Path(__file__).resolve().parent.parent
SPOKEN = [
    "The warehouse in Rotterdam received forty pallets of copper wire on Monday.",
    "Please send the signed delivery note to the finance team before Friday.",
]


def make_files(folder: Path) -> tuple[Path, str, Path]:
    rng = random.Random(11)
    image, truth = text_page(rng, dpi=200)
    scan = folder / "scanned-letter.jpg"
    scanned(image, rng, quality=80).save(scan, quality=85)
    # a silence over DOCINTEL_AUDIO_MIN_SILENCE_S: two transcript lines, the second at ~9 s
    silence = np.zeros(int(RATE * 4.0), dtype=np.float32)
    voice = np.concatenate([speak(SPOKEN[0]), silence, speak(SPOKEN[1]), silence[:RATE]])
    recording = write_wav(folder / "warehouse-call.wav", voice)
    return scan, truth.text, recording


def test_upload_watch_open_seek_and_ask_in_a_real_browser(api_settings, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    scan, scan_text, recording = make_files(tmp_path)
    token = make_token(api_settings, "browser")
    wait = WebDriverWait(browser, 120, poll_frequency=0.2)
    with serving(api_settings) as served:
        browser.get(served.url + "/")
        assert browser.current_url.endswith("/login")
        browser.find_element(By.NAME, "token").send_keys(token)
        browser.find_element(By.CSS_SELECTOR, "#token-form button").click()
        wait.until(lambda d: d.find_elements(By.ID, "drop"))
        browser.execute_script("window.__not_reloaded = true")

        browser.find_element(By.ID, "file-input").send_keys(f"{scan}\n{recording}")
        statuses = (
            "return [...document.querySelectorAll('#docs tbody tr[data-id]')]"
            ".map(r => r.querySelector('.status').textContent)"
        )
        wait.until(lambda d: d.execute_script(statuses) == ["done", "done"])
        assert browser.execute_script("return window.__not_reloaded === true"), "the page reloaded"
        shot(browser, "inbox")
        rows = {
            r.find_element(By.CSS_SELECTOR, "a").text: r.get_attribute("data-id")
            for r in browser.find_elements(By.CSS_SELECTOR, "#docs tbody tr[data-id]")
        }
        assert set(rows) == {"scanned-letter.jpg", "warehouse-call.wav"}

        # the scan: its page image and its text, side by side
        browser.find_element(By.LINK_TEXT, "scanned-letter.jpg").click()
        image = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "img.page-image"))
        wait.until(lambda d: d.execute_script("return arguments[0].naturalWidth", image) > 500)
        text = browser.find_element(By.CSS_SELECTOR, "#page-1 .text").text
        title = scan_text.splitlines()[0]
        assert title.lower() in text.lower()
        assert (
            image.location["x"]
            < browser.find_element(By.CSS_SELECTOR, "#page-1 .text").location["x"]
        )
        shot(browser, "document-scan")

        # the recording: a transcript line moves the player to its time
        browser.get(f"{served.url}/documents/{rows['warehouse-call.wav']}")
        player = wait.until(lambda d: d.find_element(By.ID, "player"))
        wait.until(lambda d: d.execute_script("return arguments[0].readyState", player) >= 1)
        segments = browser.find_elements(By.CSS_SELECTOR, "button.segment")
        lines = browser.find_elements(By.CSS_SELECTOR, ".transcript li")
        assert len(segments) == 2 and "delivery note" in lines[1].text.lower()
        target = segments[-1]
        start = float(target.get_attribute("data-start"))
        assert start > 4
        assert browser.execute_script("return arguments[0].currentTime", player) == 0
        target.click()
        wait.until(
            lambda d: d.execute_script("return arguments[0].currentTime", player) >= start - 0.01
        )
        shot(browser, "document-recording")

        # ask, then follow a citation to its page or second
        browser.get(served.url + "/ask")
        browser.find_element(By.ID, "question").send_keys(
            "Where did the pallets of copper wire arrive?"
        )
        browser.find_element(By.CSS_SELECTOR, "#ask-form button").click()
        link = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#citations a.citation"))[0]
        assert browser.find_element(By.ID, "answer-text").text.strip()
        shot(browser, "ask")
        href = link.get_attribute("href")
        assert f"/documents/{rows['warehouse-call.wav']}#t=" in href, href
        link.click()
        wait.until(lambda d: "/documents/" in d.current_url)
        player = wait.until(lambda d: d.find_element(By.ID, "player"))
        wanted = float(href.split("#t=")[1])
        wait.until(
            lambda d: (
                abs(d.execute_script("return arguments[0].currentTime", player) - wanted) < 0.5
            )
        )


def test_a_field_said_in_the_recording_s_first_second_links_there(api_settings):
    """A field found at 0.0 s made the document page a 500 (`f.seconds[0]` on a float) and
    a field at 0 s got no link: the page opens, and the link seeks to 0."""
    from sqlalchemy import update

    from docintel.store.db import session_scope
    from docintel.store.schema import ProfileField
    from tests.helpers import wait_for
    from tests.test_api import SAMPLES, upload

    token = make_token(api_settings, "writer")
    with serving(api_settings) as served, served.client(token) as c:
        doc = upload(c, SAMPLES / "invoice.pdf").json()
        assert wait_for(
            lambda: c.get(f"/v1/documents/{doc['id']}").json()["document"]["status"] == "done"
        )
        for at, shown in ((12.5, "00:12"), (0.0, "00:00")):
            with session_scope(api_settings.db_url) as s:
                s.execute(
                    update(ProfileField)
                    .where(ProfileField.document_id == doc["id"], ProfileField.row == 0)
                    .values(page=None, seconds=at)
                )
            page = c.get(f"/documents/{doc['id']}")
            assert page.status_code == 200, page.text[-500:]
            assert f'class="seek" data-start="{at}">{shown}</a>' in page.text


def test_labels_headings_keyboard_upload_and_a_human_404(api_settings, browser):
    """What a person with a screen reader or a keyboard meets: the login input has a label,
    the inbox a heading, the file picker is reached with Tab, links are underlined (not told
    apart by colour alone), and a missing document is a page in words, not JSON."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    # one who may upload: a viewer's inbox has no file picker (it says why instead)
    token = make_token(api_settings, "uploader")
    wait = WebDriverWait(browser, 30)
    with serving(api_settings) as served:
        browser.get(served.url + "/login")
        label = browser.find_element(By.CSS_SELECTOR, "label[for=token]")
        assert label.text == "API token"
        browser.find_element(By.ID, "token").send_keys(token)
        browser.find_element(By.CSS_SELECTOR, "#token-form button").click()
        wait.until(lambda d: d.find_elements(By.ID, "drop"))
        assert browser.find_element(By.TAG_NAME, "h1").get_attribute("textContent") == "Inbox"
        assert browser.find_elements(By.CSS_SELECTOR, "link[rel=icon]")
        keys = ActionChains(browser)
        reached = False
        for _ in range(25):  # Tab from the top of the page, as a keyboard user does
            keys.send_keys(Keys.TAB).perform()
            if browser.execute_script("return document.activeElement.id") == "file-input":
                reached = True
                break
        assert reached, "the file picker cannot be reached with Tab"
        browser.get(served.url + "/documents/999999")
        assert "No such document" in browser.find_element(By.TAG_NAME, "h1").text
        underline = browser.execute_script(
            "return getComputedStyle(document.querySelector('main a')).textDecorationLine"
        )
        assert "underline" in underline
        assert "detail" not in browser.page_source
        shot(browser, "not-found")
        with served.client(token) as c:
            assert c.get("/documents/999999").status_code == 404


def test_the_inbox_fits_a_phone_without_scrolling_sideways(api_settings, browser):
    """At 390 px the inbox was 724 px wide (filter bar and table): now nothing is wider than
    the screen, and each document's name, type and status stay."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    token = make_token(api_settings, "phone")
    with serving(api_settings) as served:
        with served.client(token) as c:
            name = "supplier-statement-" + "x" * 40 + ".csv"
            c.post("/v1/documents", files={"file": (name, b"date,amount\n2026-01-02,10.00\n")})
        browser.set_window_size(390, 844)
        browser.get(served.url + "/login")
        browser.find_element(By.ID, "token").send_keys(token)
        browser.find_element(By.CSS_SELECTOR, "#token-form button").click()
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#docs a"))
        wide, screen = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert wide <= screen, f"the inbox is {wide} px wide on a {screen} px screen"
        row = browser.find_element(By.CSS_SELECTOR, "#docs tbody tr").text
        assert "supplier-statement" in row
        assert any(s in row for s in ("queued", "processing", "done"))  # the status stays
        shot(browser, "inbox-390")


def test_the_audit_trail_shows_each_attempt_apart_after_a_retry(api_settings, tmp_path):
    """After a retry by hand the page showed the old error on top of the new attempt's
    events and the first route event overwritten: each attempt is its own section now, the
    latest first and open."""
    from docintel.testkit.samples import write_encrypted_pdf
    from tests.helpers import wait_for
    from tests.test_api import upload

    token = make_token(api_settings, "writer")
    with serving(api_settings) as served, served.client(token) as c:
        doc = upload(c, write_encrypted_pdf(tmp_path / "locked.pdf")).json()

        def status() -> str:
            return c.get(f"/v1/documents/{doc['id']}").json()["document"]["status"]

        def audit() -> list[dict]:
            return c.get(f"/v1/documents/{doc['id']}/audit").json()

        assert wait_for(lambda: status() == "failed")
        assert c.post(f"/v1/documents/{doc['id']}/retry").status_code == 200
        assert wait_for(lambda: len({e["attempt"] for e in audit()}) == 2 and status() == "failed")
        page = c.get(f"/documents/{doc['id']}").text
    latest, earlier = page.index("Attempt 2 (the latest)"), page.index("Attempt 1 (before a")
    assert latest < earlier and page.count("password-protected") >= 2
    assert '<details class="attempt" open>' in page


def test_a_table_is_shown_once_rendered_and_a_workbook_summary_is_words(api_settings):
    """A workbook's tables were shown three times (the summary as flattened pipes, the
    rendered table, the text pane's Markdown) and a PDF page's table twice."""
    from tests.helpers import wait_for
    from tests.test_api import SAMPLES, upload

    token = make_token(api_settings, "writer")
    with serving(api_settings) as served, served.client(token) as c:
        ids = [upload(c, SAMPLES / name).json()["id"] for name in ("budget.xlsx", "invoice.pdf")]
        for i in ids:
            assert wait_for(
                lambda i=i: c.get(f"/v1/documents/{i}").json()["document"]["status"] == "done", 60
            )
        sheet, invoice = (c.get(f"/documents/{i}").text for i in ids)
        summary = c.get(f"/v1/documents/{ids[0]}").json()["extraction"]["summary"]
    assert summary == "2 tables: cost centre, budget, spent (2 rows); owner, comment (1 row)."
    assert "|" not in sheet and sheet.count("<table") == 2
    page = invoice[invoice.index('<section class="page" id="page-1">') :]
    page = page[: page.index("</section>")]
    assert "| Steel bolts" not in page and page.count("Steel bolts M8, box of 200") == 1


def test_threads_drawing_the_same_page_at_once_all_get_it(embedded, tmp_path):
    """The API draws page images on threads; the temporary file was named by process, so
    two threads drawing one page at once shared it and one's rename failed (a 500)."""
    import threading

    from sqlalchemy import select

    from docintel.api.media import page_png, thumbnail_png
    from docintel.store.db import session_scope
    from docintel.store.schema import Document
    from tests.helpers import process
    from tests.test_api import SAMPLES

    doc_id = process(SAMPLES / "invoice.pdf", embedded)["document"]["id"]
    with session_scope(embedded.db_url) as s:
        doc = s.scalar(select(Document).where(Document.id == doc_id))
        s.expunge(doc)
    errors: list[BaseException] = []
    for draw in (lambda: page_png(embedded, doc, 1), lambda: thumbnail_png(embedded, doc)):
        for _ in range(3):
            start = threading.Barrier(6)

            def run(draw=draw, start=start) -> None:
                start.wait()
                try:
                    draw().unlink(missing_ok=True)  # the next thread draws it again
                except BaseException as exc:  # noqa: BLE001 (collected, asserted below)
                    errors.append(exc)

            threads = [threading.Thread(target=run) for _ in range(6)]
            [t.start() for t in threads]
            [t.join() for t in threads]
    assert errors == []
    assert not list((tmp_path).rglob("*.tmp"))
