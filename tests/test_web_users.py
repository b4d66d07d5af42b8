"""Users, saved views and accessibility in a real headless Chromium: an admin adds a viewer
in the Users page, the viewer signs in with a name and password and is refused an edit; a
view saved from the inbox's filters is listed with its count and opened by a click; the
upload is reached and used by keyboard alone; pages fit a 390 px phone; axe-core finds no
serious or critical violation on the login, inbox, document, ask and users pages."""

from __future__ import annotations

from importlib.resources import files

from docintel.store.db import session_scope
from docintel.store.users import add_user
from tests.apiserver import make_token, serving
from tests.helpers import shot
from tests.test_api import SAMPLES, upload
from tests.test_web_workspace import finished, log_in

PASSWORD = "correct horse"


def sign_in(browser, served, name: str, password: str = PASSWORD) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(served.url + "/login")
    browser.find_element(By.ID, "name").send_keys(name)
    browser.find_element(By.ID, "password").send_keys(password + "\n")  # Enter submits
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.ID, "drop") or d.find_elements(By.CSS_SELECTOR, ".error")
    )


def admin_user(settings, name: str = "ada") -> None:
    with session_scope(settings.db_url) as s:
        add_user(s, name, "admin", PASSWORD)


def test_an_admin_adds_a_viewer_who_signs_in_and_is_refused_an_edit(api_settings, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    admin_user(api_settings)
    writer = make_token(api_settings, "writer")
    wait = WebDriverWait(browser, 30, poll_frequency=0.2)
    with serving(api_settings) as served, served.client(writer) as c:
        doc_id = upload(c, SAMPLES / "invoice.pdf").json()["id"]
        finished(c, doc_id)
        sign_in(browser, served, "ada", "not the password")
        assert "do not match" in browser.find_element(By.CSS_SELECTOR, ".error").text
        sign_in(browser, served, "ada")
        assert "ada (admin)" in browser.find_element(By.CSS_SELECTOR, ".bar").text
        browser.find_element(By.LINK_TEXT, "Users").click()
        wait.until(lambda d: d.find_elements(By.ID, "add-user"))
        browser.find_element(By.ID, "new-name").send_keys("vera")
        Select(browser.find_element(By.ID, "new-role")).select_by_value("viewer")
        browser.find_element(By.ID, "new-password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "#add-user button").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, 'tr[data-user="vera"]'))
        assert "Added vera (viewer)." in browser.find_element(By.ID, "users-said").text
        row = browser.find_element(By.CSS_SELECTOR, 'tr[data-user="vera"]')
        row.find_element(By.NAME, "token_name").send_keys("vera-phone\n")
        wait.until(lambda d: d.find_elements(By.ID, "new-secret"))
        secret = browser.find_element(By.ID, "new-secret").text
        with served.client(secret) as v:
            assert v.get("/v1/me").json() == {"name": "vera", "role": "viewer"}
        shot(browser, "users-1280")
        browser.get(served.url + "/logout")

        sign_in(browser, served, "vera")
        assert "vera (viewer)" in browser.find_element(By.CSS_SELECTOR, ".bar").text
        assert not browser.find_elements(By.LINK_TEXT, "Users")
        assert not browser.find_elements(By.ID, "file-input")  # no upload, and why:
        assert "uploading, correcting and organising need an editor" in (
            browser.find_element(By.ID, "read-only").text
        )
        browser.get(f"{served.url}/documents/{doc_id}")
        assert "viewer (read-only)" in browser.find_element(By.ID, "read-only").text
        for control in ("form.fix", "#type-form", "#tag-form", "#delete", "#retry"):
            assert not browser.find_elements(By.CSS_SELECTOR, control), control
        status, detail = browser.execute_async_script(
            "const done = arguments[0];"
            f"fetch('/v1/documents/{doc_id}/fields', {{method: 'PATCH', credentials: "
            "'same-origin', headers: {'Content-Type': 'application/json'}, body: "
            "JSON.stringify({total: '1'})}).then(r => r.json().then(j => done([r.status, "
            "j.detail])));"
        )
        assert status == 403
        assert detail.startswith("'vera' is a viewer (read-only): correcting and organising")
        browser.get(served.url + "/users")
        assert browser.find_element(By.TAG_NAME, "h1").text == "Not allowed"
        assert "managing users and tokens needs an admin" in browser.page_source


def test_a_saved_view_is_listed_with_its_count_and_opened_by_a_click(api_settings, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    token = make_token(api_settings, "organiser")
    wait = WebDriverWait(browser, 30, poll_frequency=0.2)
    rows = (
        "return [...document.querySelectorAll('#docs tbody tr[data-id]')]"
        ".map(r => Number(r.dataset.id))"
    )
    with serving(api_settings) as served, served.client(token) as c:
        ids = [upload(c, SAMPLES / n).json()["id"] for n in ("invoice.pdf", "shipments.csv")]
        for doc_id in ids:
            finished(c, doc_id)
        c.put(f"/v1/documents/{ids[0]}/tags/to pay")
        log_in(browser, served, token)
        assert "None yet" in browser.find_element(By.ID, "saved-views").text
        Select(browser.find_element(By.NAME, "tag")).select_by_value("to pay")
        browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
        wait.until(lambda d: "tag=to+pay" in d.current_url)
        browser.find_element(By.ID, "view-name").send_keys("To pay\n")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#saved-views a.view-link"))
        browser.get(served.url + "/")
        assert sorted(browser.execute_script(rows)) == sorted(ids)
        link = browser.find_element(By.CSS_SELECTOR, "#saved-views a.view-link")
        item = link.find_element(By.XPATH, "..")
        assert link.text == "To pay"
        count = item.find_element(By.CSS_SELECTOR, ".count").get_attribute("textContent")
        assert count == "1 document(s)"  # "1" shown, the rest for a screen reader
        link.click()
        wait.until(lambda d: "tag=to+pay" in d.current_url)
        assert browser.execute_script(rows) == [ids[0]]
        current = browser.find_element(By.CSS_SELECTOR, "#saved-views a[aria-current=page]")
        assert current.text == "To pay"
        assert [v["name"] for v in c.get("/v1/views").json()] == ["To pay"]
        shot(browser, "inbox-saved-view")


def test_upload_by_keyboard_alone(api_settings, browser, tmp_path):
    """Tab from the top of the inbox reaches a labelled, visibly focused file control; the
    file chosen there (what a keyboard user picks in the dialog Enter opens) is uploaded."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    token = make_token(api_settings, "keys")
    with serving(api_settings) as served, served.client(token) as c:
        log_in(browser, served, token)
        browser.find_element(By.TAG_NAME, "body").click()
        for _ in range(30):
            ActionChains(browser).send_keys(Keys.TAB).perform()
            if browser.execute_script("return document.activeElement.id") == "file-input":
                break
        focused = browser.switch_to.active_element
        assert focused.get_attribute("id") == "file-input", "Tab never reached the upload"
        label = browser.find_element(By.CSS_SELECTOR, "label[for=file-input]")
        assert label.is_displayed() and label.text == "Files to upload"
        assert focused.is_displayed() and focused.size["width"] > 40
        ring = browser.execute_script(
            "const s = getComputedStyle(document.activeElement);"
            "return [s.outlineStyle, parseFloat(s.outlineWidth)]"
        )
        assert ring[0] != "none" and ring[1] >= 2, f"no visible focus: {ring}"
        focused.send_keys(str(SAMPLES / "shipments.csv"))
        WebDriverWait(browser, 30).until(
            lambda d: "shipments.csv: document" in d.find_element(By.ID, "uploads").text
        )  # the line says "uploading…" until the upload is answered
        listed = c.get("/v1/documents").json()["documents"]
        assert [d["name"] for d in listed] == ["shipments.csv"]


AXE_RUN = """
const done = arguments[0];
axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => [v.id, v.impact, v.help, v.nodes.slice(0, 4).map(n => n.target.join(' '))])));
"""


def axe_violations(browser) -> list:
    """axe-core's serious and critical violations on the page shown (axe.min.js from the
    axe-core-python wheel, injected: the page itself never loads it)."""
    browser.set_script_timeout(60)
    browser.execute_script((files("axe_core_python") / "axe.min.js").read_text())
    return browser.execute_async_script(AXE_RUN)


def test_axe_finds_no_serious_violation_and_pages_fit_a_phone(api_settings, browser):
    """axe-core on the login, inbox (with a saved view), document, ask, users, organise and
    mail pages, at
    1280 and 390 px; at 390 px no page scrolls sideways."""
    from selenium.webdriver.support.ui import WebDriverWait

    admin_user(api_settings)
    token = make_token(api_settings, "writer")
    with serving(api_settings) as served, served.client(token) as c:
        doc_id = upload(c, SAMPLES / "invoice.pdf").json()["id"]
        finished(c, doc_id)
        c.put(f"/v1/documents/{doc_id}/tags/to pay")
        found: dict[str, list] = {}
        for width, height in ((1280, 900), (390, 844)):
            browser.set_window_size(width, height)
            browser.delete_all_cookies()
            browser.get(served.url + "/login")
            found[f"login {width}"] = axe_violations(browser)
            sign_in(browser, served, "ada")
            with served.client() as me:
                me.cookies.update({k["name"]: k["value"] for k in browser.get_cookies()})
                me.put("/v1/views/To pay", json={"filters": {"tag": "to pay"}})
            for path in ("/", f"/documents/{doc_id}", "/ask", "/users", "/organise", "/mail"):
                browser.get(served.url + path)
                WebDriverWait(browser, 30).until(
                    lambda d: d.execute_script("return document.readyState") == "complete"
                )
                found[f"{path} {width}"] = axe_violations(browser)
                wide, screen = browser.execute_script(
                    "return [document.documentElement.scrollWidth, window.innerWidth]"
                )
                assert wide <= screen, f"{path}: {wide} px wide on a {screen} px screen"
        assert {page: v for page, v in found.items() if v} == {}
