"""Finding things, in the API and in a real headless Chromium: a search's passage with the
words searched for marked (escaped first: a document's text never becomes markup), paging
through 120 results to the last; a search by meaning that stops where the documents stop
being related; attachments and archive members under their parent; thumbnails; a
recording's words that each seek the player. Screenshots go to build/screenshots/
($DOCINTEL_SCREENSHOTS)."""

from __future__ import annotations

from pathlib import Path

from docintel.config import Settings
from docintel.embedded import process_file
from docintel.worker.listing import Filters, document_listing
from tests.apiserver import make_token, serving
from tests.helpers import page_replaced, shot
from tests.test_api import SAMPLES, upload
from tests.test_web_workspace import finished, log_in

COPPER = "Shipment {n}: the copper wires arrived at dock {dock} and the night shift checked them."
UNRELATED = [
    "The cafeteria serves lunch from noon until two.",
    "Our Lisbon office hired three new engineers for the mobile team.",
    "The board approved the budget for the next financial year on Thursday.",
    "Drivers must wear safety gloves and helmets in the loading area.",
]


def notes(settings: Settings, folder: Path, count: int) -> list[int]:
    """``count`` small text and CSV documents about copper, and the unrelated ones, read
    through the embedded pipeline; the copper ones' ids."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for n in range(count):
        if n % 2:
            path = folder / f"shipment-{n:03d}.csv"
            path.write_text(f"shipment,item,dock\n{n},copper wires,{n % 5}\n")
        else:
            path = folder / f"shipment-{n:03d}.txt"
            path.write_text(COPPER.format(n=n, dock=n % 5) + "\n")
        ids.append(process_file(path, settings)["document"]["id"])
    for n, text in enumerate(UNRELATED):
        (folder / f"other-{n}.txt").write_text(text + "\n")
        process_file(folder / f"other-{n}.txt", settings)
    return ids


def test_a_search_match_carries_its_passage_and_the_spans_to_mark(api_settings, tmp_path):
    """The API's match is the passage around the words searched for, with [start, end)
    spans of each (another ending of a word too: "wire" marks "wires"); the inbox marks
    them with <mark> and shows a document's own markup as text."""
    token = make_token(api_settings, "finder")
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(
        "Delivery report " + "filler words here " * 30 + "<script>alert('x')</script> "
        "<b>Copper</b> wires for dock 4.\n"
    )
    with serving(api_settings) as served, served.client(token) as c:
        doc_id = upload(c, hostile).json()["id"]
        finished(c, doc_id)
        found = c.get("/v1/documents", params={"search": "copper wire"}).json()["documents"]
        assert [d["id"] for d in found] == [doc_id]
        match = found[0]["match"]
        marked = [match["text"][a:b] for a, b in match["highlights"]]
        assert marked == ["Copper", "wires"]
        # the passage is cut around the words, not the chunk's first 300 characters
        assert match["text"].startswith("…") and "Delivery report" not in match["text"]
        assert len(match["text"]) <= 302
        page = c.get("/", params={"q": "copper wire"}).text
        assert "<mark>Copper</mark>" in page and "<mark>wires</mark>" in page
        assert "&lt;script&gt;alert(" in page and "<script>alert" not in page
        assert "&lt;b&gt;<mark>Copper</mark>&lt;/b&gt;" in page


def test_a_search_by_meaning_stops_where_the_documents_stop_being_related(api_settings, tmp_path):
    """With the hashing embedder, 'similar' listed every document, the unrelated ones last;
    now it lists the copper notes only. DOCINTEL_SIMILAR_MIN_SCORE=-1 with
    DOCINTEL_SIMILAR_RELATIVE=0 (no cut) lists every one again."""
    copper = notes(api_settings, tmp_path / "notes", 6)
    token = make_token(api_settings, "meaning")
    with serving(api_settings) as served, served.client(token) as c:
        for query in ("copper wires", "copper wires shipment at the dock"):
            params = {"similar": query, "limit": 50}
            found = c.get("/v1/documents", params=params).json()
            assert sorted(d["id"] for d in found["documents"]) == sorted(copper), query
            assert found["next_cursor"] is None
            assert all(d["match"]["score"] >= 0.15 for d in found["documents"])
            # one at a time, the pages end at the same cut
            ids, paging = [], {**params, "limit": 4}
            while True:
                page = c.get("/v1/documents", params=paging).json()
                ids += [d["id"] for d in page["documents"]]
                if page["next_cursor"] is None:
                    break
                paging["cursor"] = page["next_cursor"]
            assert ids == [d["id"] for d in found["documents"]]
    uncut = api_settings.model_copy(update={"similar_min_score": -1.0, "similar_relative": 0.0})
    every, _ = document_listing(uncut, Filters(similar=params["similar"]), 50)
    assert len(every) == len(copper) + len(UNRELATED)


def test_page_through_120_search_results_in_the_browser(api_settings, browser, tmp_path):
    """120 matching text and CSV documents (and 4 others): the inbox's search pages with
    'More results' to the last match, each listed once, every one listed, each row with the
    words searched for marked in its passage."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    copper = notes(api_settings, tmp_path / "notes", 120)
    token = make_token(api_settings, "pager", read_only=True)
    with serving(api_settings) as served:
        log_in(browser, served, token)
        wait = WebDriverWait(browser, 30, poll_frequency=0.2)
        browser.find_element(By.NAME, "q").send_keys("copper\n")
        wait.until(lambda d: "q=copper" in d.current_url)
        seen: list[int] = []
        pages = 0
        while True:
            pages += 1
            rows = browser.find_elements(By.CSS_SELECTOR, "#docs tbody tr[data-id]")
            assert rows, f"page {pages} is empty"
            for r in rows:
                seen.append(int(r.get_attribute("data-id")))
                marks = r.find_elements(By.CSS_SELECTOR, ".match mark")
                assert [m.text.lower() for m in marks] == ["copper"], r.text
            if pages == 1:
                shot(browser, "inbox-search-marked")
            more = browser.find_elements(By.PARTIAL_LINK_TEXT, "More results")
            if not more:
                break
            first = rows[0]
            more[0].click()
            wait.until(
                lambda d, first=first: (
                    _gone(first) and d.execute_script("return document.readyState") == "complete"
                )
            )
            assert pages < 10, "the paging does not end"
        assert pages == 3  # 50 + 50 + 20 at DOCINTEL_API_PAGE_SIZE's default
        assert len(seen) == len(set(seen)), "a result was listed twice"
        assert sorted(seen) == sorted(copper), "a result is missing (or an unrelated one listed)"


def _gone(element) -> bool:
    from selenium.common.exceptions import WebDriverException

    try:
        element.is_displayed()
    except WebDriverException as exc:
        if not page_replaced(exc):
            raise
        return True
    return False


def test_attachments_and_members_are_listed_under_their_parent(api_settings, browser):
    """An archive's members and an e-mail's attachment were rows of their own at the top of
    the inbox, apart from what they came in: now each is indented right under its parent
    and names it, the API lists only what came in on its own with top_level=true, a
    child's page links its parent and the parent's page lists its children."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    token = make_token(api_settings, "family")
    with serving(api_settings) as served, served.client(token) as c:
        parents = {
            name: upload(c, SAMPLES / name).json()["id"]
            for name in ("archive.zip", "mail-with-invoice.eml")
        }
        for doc_id in parents.values():
            finished(c, doc_id)
        children = {
            name: [
                d["id"] for d in c.get("/v1/documents", params={"parent": p}).json()["documents"]
            ]
            for name, p in parents.items()
        }
        assert len(children["archive.zip"]) == 2 and len(children["mail-with-invoice.eml"]) == 1
        for ids in children.values():
            for doc_id in ids:
                finished(c, doc_id)
        listed = c.get("/v1/documents", params={"top_level": True}).json()["documents"]
        assert sorted(d["id"] for d in listed) == sorted(parents.values())
        every = c.get("/v1/documents").json()["documents"]
        named = {d["id"]: d["parent_name"] for d in every}
        for name, ids in children.items():
            assert all(named[i] == name for i in ids)
        assert all(named[p] is None for p in parents.values())

        log_in(browser, served, token)
        rows = browser.execute_script(
            "return [...document.querySelectorAll('#docs tbody tr[data-id]')].map(r => "
            "[Number(r.dataset.id), r.classList.contains('child'), "
            "r.querySelector('.in-parent')?.textContent.trim() || '', "
            "r.querySelector('td.name').getBoundingClientRect().left + "
            "parseFloat(getComputedStyle(r.querySelector('td.name')).paddingLeft)])"
        )
        order = [r[0] for r in rows]
        for name, p in parents.items():
            at = order.index(p)
            under = rows[at + 1 : at + 1 + len(children[name])]
            assert sorted(r[0] for r in under) == sorted(children[name]), (name, rows)
            for _, child, label, left in under:
                assert child and label == f"in {name}"
                assert left > rows[at][3] + 20  # indented
            assert not rows[at][1] and rows[at][2] == ""
        assert len(rows) == 2 + 3  # no child also listed as a row of its own
        shot(browser, "inbox-children")
        browser.set_window_size(390, 844)  # on a phone: indented, and no wider than the screen
        browser.refresh()
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "tr.child"))
        wide, screen = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert wide <= screen, f"the inbox is {wide} px wide on a {screen} px screen"
        shot(browser, "inbox-children-390")
        browser.set_window_size(1400, 1000)

        attachment = children["mail-with-invoice.eml"][0]
        browser.get(f"{served.url}/documents/{attachment}")
        link = browser.find_element(By.CSS_SELECTOR, "#parent a")
        assert link.text == "mail-with-invoice.eml"
        link.click()
        WebDriverWait(browser, 30).until(
            lambda d: d.current_url.endswith(f"/documents/{parents['mail-with-invoice.eml']}")
        )
        listed = browser.find_elements(By.CSS_SELECTOR, "#children li a")
        assert [a.get_attribute("href").rsplit("/", 1)[1] for a in listed] == [str(attachment)]
        assert "invoice.pdf" in listed[0].text

        # a search lists the attachment as the match, and names the e-mail it came in
        browser.get(served.url + "/?q=invoice")
        row = browser.find_element(By.CSS_SELECTOR, f'#docs tr[data-id="{attachment}"]')
        assert "in mail-with-invoice.eml" in row.text


def test_thumbnails_are_made_once_cached_and_lazy(api_settings, browser):
    """Each inbox row has a small picture: a PDF's first page as PNG (made once under the
    home's cache, served with a week's max-age), an icon for a table, loaded lazily, with
    alt text."""
    from selenium.webdriver.support.ui import WebDriverWait

    token = make_token(api_settings, "pictures")
    with serving(api_settings) as served, served.client(token) as c:
        pdf = upload(c, SAMPLES / "invoice.pdf").json()["id"]
        csv = upload(c, SAMPLES / "shipments.csv").json()["id"]
        sha = finished(c, pdf)["document"]["sha256"]
        finished(c, csv)
        first = c.get(f"/v1/documents/{pdf}/thumbnail")
        assert first.status_code == 200 and first.headers["content-type"] == "image/png"
        assert "max-age=604800" in first.headers["cache-control"]
        cached = api_settings.home / "cache" / "thumbs" / f"{sha}.png"
        made = cached.stat().st_mtime_ns
        from PIL import Image

        with Image.open(cached) as image:
            assert max(image.size) == 96 and image.getextrema() != ((255, 255),) * 3
        again = c.get(f"/v1/documents/{pdf}/thumbnail")
        assert again.content == first.content and cached.stat().st_mtime_ns == made
        icon = c.get(f"/v1/documents/{csv}/thumbnail")
        assert icon.headers["content-type"].startswith("image/svg+xml")
        assert "<title>table</title>" in icon.text
        same = c.get(
            f"/v1/documents/{csv}/thumbnail", headers={"If-None-Match": icon.headers["etag"]}
        )
        assert same.status_code == 304

        log_in(browser, served, token)
        thumbs = (
            "return [...document.querySelectorAll('#docs img.thumb')].map(i => [i.closest("
            "'tr').dataset.id, i.getAttribute('loading'), i.alt, i.complete, i.naturalWidth])"
        )
        WebDriverWait(browser, 30).until(
            lambda d: all(done and w > 0 for *_, done, w in d.execute_script(thumbs))
        )
        shown = {int(i): (lazy, alt) for i, lazy, alt, *_ in browser.execute_script(thumbs)}
        assert shown == {
            pdf: ("lazy", "first page of invoice.pdf"),
            csv: ("lazy", "table file"),
        }
        shot(browser, "inbox-thumbnails")


def test_each_word_of_a_transcript_seeks_the_player(api_settings, browser, tmp_path):
    """A line of the transcript seeked the player to the line's start only: now each word
    with a time is a button that moves the player to that word, from the mouse and from
    the keyboard (Tab to it, Enter)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.test_web import make_files

    _, _, recording = make_files(tmp_path)
    token = make_token(api_settings, "listener")
    with serving(api_settings) as served, served.client(token) as c:
        doc_id = upload(c, recording).json()["id"]
        segments = finished(c, doc_id, 300)["segments"]
        timed = [w for s in segments if not s["skipped"] for w in s["words"]]
        assert len(timed) > 10, "faster-whisper gave no word times"
        log_in(browser, served, token)
        wait = WebDriverWait(browser, 30, poll_frequency=0.2)
        browser.get(f"{served.url}/documents/{doc_id}")
        player = wait.until(lambda d: d.find_element(By.ID, "player"))
        wait.until(lambda d: d.execute_script("return arguments[0].readyState", player) >= 1)
        words = browser.find_elements(By.CSS_SELECTOR, ".transcript button.word")
        assert [w.text for w in words] == [w[0] for w in timed]
        assert [float(w.get_attribute("data-start")) for w in words] == [w[1] for w in timed]
        now = "return arguments[0].currentTime"

        # a word of the second line, by mouse: the player is at that word, not the line
        late = words[-3]
        at = float(late.get_attribute("data-start"))
        line = float(
            late.find_element(
                By.XPATH, "ancestor::li//button[@class='segment seek']"
            ).get_attribute("data-start")
        )
        assert at > line + 1
        late.click()
        wait.until(lambda d: abs(d.execute_script(now, player) - at) < 0.05)
        assert "playing" in late.get_attribute("class")
        browser.execute_script("arguments[0].pause()", player)

        # a word of the first line, from the keyboard: focus, then Enter
        early = words[3]
        at = float(early.get_attribute("data-start"))
        browser.execute_script("arguments[0].focus()", words[2])
        browser.switch_to.active_element.send_keys(Keys.TAB)
        assert browser.switch_to.active_element == early
        early.send_keys(Keys.ENTER)
        wait.until(lambda d: abs(d.execute_script(now, player) - at) < 0.05)
        shot(browser, "document-word-times")


def test_a_big_archive_shows_its_first_members_and_how_many_more(api_settings, tmp_path):
    """An archive of 13 members lists 10 under it in the inbox and a row that says 3 more
    are on its page (a 5,000-member ZIP is not 5,000 rows of the inbox)."""
    import re
    import zipfile

    bundle = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        for n in range(13):
            z.writestr(f"notes/note-{n:02d}.txt", f"Note {n} about the copper delivery.\n")
    token = make_token(api_settings, "bundler")
    with serving(api_settings) as served, served.client(token) as c:
        zip_id = upload(c, bundle).json()["id"]
        finished(c, zip_id)
        page = c.get("/").text
        under = re.findall(rf'<tr data-id="(\d+)" data-parent="{zip_id}"', page)
        assert len(under) == 10
        assert f'href="/documents/{zip_id}#children">3 more in bundle.zip' in page
        members = c.get("/v1/documents", params={"parent": zip_id, "limit": 50}).json()
        assert len(members["documents"]) == 13
        for member in members["documents"]:  # no work left running on a dropped database
            finished(c, member["id"])


def test_marking_escapes_first_and_skips_spans_that_do_not_fit():
    from docintel.api.finding import marked

    assert (
        str(marked("a<b> & c", [[0, 1], [7, 8]])) == "<mark>a</mark>&lt;b&gt; &amp; <mark>c</mark>"
    )
    # overlapping, empty or past the end: that span is left unmarked, the text stays whole
    assert str(marked("copper", [[0, 3], [2, 5], [4, 4], [3, 99]])) == "<mark>cop</mark>per"
    assert str(marked(None, None)) == ""
