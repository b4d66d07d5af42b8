"""Screenshots of every view of the web page, for the README and for a person to look at:
the app on a new SQLite database in a temporary home (CPU engine, no broker) with a few
sample documents, a saved view and three users, photographed in headless Chromium at 1280
and 390 px.

    python bench/screenshots.py [--out docs/screenshots]

Writes {login,inbox,document,ask,users,mail,not-found}-{1280,390}.png and prints each
file with the page's width against the window's (a page wider than the window scrolls
sideways). Needs chromium and chromedriver (apt-get install chromium chromium-driver).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # after the installed docintel: only for tests.apiserver

SAMPLES = ROOT / "samples"
DOCUMENTS = ("invoice.pdf", "shipments.csv", "contract.docx", "mail-with-invoice.eml")
PASSWORD = "correct horse"
SIZES = ((1280, 900), (390, 844))


def environment(home: Path) -> None:
    os.environ.update(
        {
            "DOCINTEL_HOME": str(home),
            "DOCINTEL_DATABASE_URL": "",
            "DOCINTEL_BROKER_URL": "",
            "DOCINTEL_ENGINE": "cpu",
            "DOCINTEL_EMBEDDING_MODEL": "hashing",
        }
    )


def people(settings) -> str:
    """Three users (an admin, an editor, a viewer) and a token for the samples' upload."""
    from docintel.store.db import session_scope
    from docintel.store.tokens import create_token
    from docintel.store.users import add_user

    with session_scope(settings.db_url) as s:
        add_user(s, "ada", "admin", PASSWORD)
        add_user(s, "ed", "editor", PASSWORD)
        add_user(s, "vera", "viewer", None)
        create_token(s, "vera-phone", read_only=True, user="vera")
        return create_token(s, "ada-scripts", user="ada")


def documents(client) -> list[int]:
    """The samples uploaded and worked to the end, tagged; a saved view of the tagged."""
    ids = []
    for name in DOCUMENTS:
        with (SAMPLES / name).open("rb") as f:
            ids.append(client.post("/v1/documents", files={"file": (name, f)}).json()["id"])
    deadline = time.monotonic() + 300
    for doc_id in ids:
        while client.get(f"/v1/documents/{doc_id}").json()["document"]["status"] not in (
            "done",
            "failed",
        ):
            if time.monotonic() > deadline:
                raise SystemExit(f"document {doc_id} did not finish in 5 minutes")
            time.sleep(0.5)
    client.put(f"/v1/documents/{ids[0]}/tags/to pay")
    client.put(f"/v1/documents/{ids[0]}/tags/Q4 2026")
    client.put(f"/v1/documents/{ids[1]}/tags/logistics")
    client.put("/v1/views/To pay", json={"filters": {"tag": "to pay"}})
    client.put("/v1/views/Tables", json={"filters": {"type": "table"}})
    client.put("/v1/views/Failed", json={"filters": {"status": "failed"}})
    return ids


def chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--hide-scrollbars"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def sign_in(browser, url: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(url + "/login")
    browser.find_element(By.ID, "name").send_keys("ada")
    browser.find_element(By.ID, "password").send_keys(PASSWORD + "\n")
    for _ in range(100):
        if browser.find_elements(By.ID, "drop"):
            return
        time.sleep(0.1)
    raise SystemExit("could not sign in")


def ask(browser) -> None:
    """A question asked, so the page shows an answer and its sources."""
    from selenium.webdriver.common.by import By

    browser.find_element(By.ID, "question").send_keys("What is the invoice total?")
    browser.find_element(By.CSS_SELECTOR, "#ask-form button").click()
    for _ in range(300):
        if browser.find_element(By.ID, "answer-text").text:
            return
        time.sleep(0.1)


def snap(browser, out: Path, name: str, width: int) -> None:
    wide, screen = browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]"
    )
    target = out / f"{name}-{width}.png"
    browser.save_screenshot(str(target))
    print(f"{target}  page {wide} px in a {screen} px window")


def photograph(browser, url: str, ids: list[int], out: Path) -> None:
    views = [
        ("inbox", "/", None),
        ("document", f"/documents/{ids[0]}", None),
        ("ask", "/ask", ask),
        ("users", "/users", None),
        ("mail", "/mail", None),
        ("not-found", "/documents/999999", None),
    ]
    for width, height in SIZES:
        browser.set_window_size(width, height)
        browser.delete_all_cookies()
        browser.get(url + "/login")  # as a person not signed in sees it
        snap(browser, out, "login", width)
        sign_in(browser, url)
        for name, path, then in views:
            browser.get(url + path)
            if then is not None:
                then(browser)
            snap(browser, out, name, width)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        environment(Path(folder) / "home")
        from docintel import migrations
        from docintel.config import get_settings
        from tests.apiserver import serving

        get_settings.cache_clear()
        settings = get_settings()
        migrations.upgrade(settings.db_url)
        token = people(settings)
        with serving(settings) as served, served.client(token) as client:
            ids = documents(client)
            browser = chromium()
            try:
                photograph(browser, served.url, ids, args.out)
            finally:
                browser.quit()


if __name__ == "__main__":
    main()
