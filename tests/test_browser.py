"""`tmbuild serve` in a real browser: Debian's chromium, headless, driven by Selenium through chromedriver
(both installed by .ci/run). The server is the CLI command, started as users start it.

``TMBUILD_UPDATE_SCREENSHOTS=1`` also writes the review page's screenshot to docs/img/review.png (README).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from conftest import ROOT, review_store

from tmx import read_tmx

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; .ci/run does)")]
WAIT = 20.0


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A store served by ``tmbuild serve`` on a free port; its URL."""
    root = tmp_path_factory.mktemp("browser")
    store = review_store(root)
    proc = subprocess.Popen([sys.executable, "-m", "corpus", "serve", "--store", str(store), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # printed once the server answers
    if not line.startswith("tmbuild serve: http://"):
        proc.kill()
        pytest.fail(f"tmbuild serve did not start: {line}{proc.stderr.read()}")
    tokened = line.split()[2]  # http://127.0.0.1:PORT/?token=...: the URL a user opens
    url, token = tokened.split("/?token=")
    assert len(token) >= 20
    TOKENED["url"] = tokened
    # scripts send the token in a header (urllib here); the browser gets it from the URL, then a cookie
    opener = urllib.request.build_opener()
    opener.addheaders = [("Authorization", f"token {token}")]
    urllib.request.install_opener(opener)
    yield url, store
    urllib.request.install_opener(urllib.request.build_opener())
    proc.terminate()
    proc.wait(timeout=30)


TOKENED: dict[str, str] = {}


@pytest.fixture(scope="module")
def browser(served):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1300,860",
                "--lang=en-US", "--force-device-scale-factor=1"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.get(TOKENED["url"])  # as a user opens the printed URL: the page keeps the token in a cookie
    yield driver
    driver.quit()


def wait_for(driver, condition, what: str):
    """Wait until ``condition`` holds; an element the page re-rendered while it was read is read again."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(
        condition, message=f"waited {WAIT:.0f} s for {what}")


def selected(driver):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, ".bead.selected")


def press(driver, keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    for k in keys:
        ActionChains(driver).send_keys(k).perform()
        time.sleep(0.05)


def test_search_as_you_type_shows_highlighted_hits(served, browser):
    from selenium.webdriver.common.by import By

    url, _ = served
    browser.get(url + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys("人权")  # no Enter: the page answers as the user types
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".hit .text mark"), "highlighted hits")
    marks = [m.text for m in browser.find_elements(By.CSS_SELECTOR, ".hit .text mark")]
    assert marks and set(marks) == {"人权"}
    renderings = browser.find_element(By.ID, "renderings").text.lower()
    assert "human rights" in renderings
    assert {m.text.lower() for m in browser.find_elements(By.CSS_SELECTOR, ".hit .translation mark")} == {
        "human rights"}
    box.clear()
    box.send_keys("All human beings are born free")
    # the answers to the partial queries typed on the way are replaced by the whole query's
    wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".hit mark").text == "All human beings are born free",
             "the whole query's answer")
    first = browser.find_element(By.CSS_SELECTOR, ".hit")
    assert "concordance" in first.text and "人人生而自由" in first.text


def test_fix_a_wrong_bead_with_the_keyboard_reload_and_export(served, browser, tmp_path):
    import json

    from selenium.webdriver.common.by import By

    url, store = served
    # a wrong alignment: one right 1-1 bead of article 1 left unaligned (two doubtful beads)
    doc = json.load(urllib.request.urlopen(url + "/api/documents/1"))
    src = next(i for i, s in enumerate(doc["sentences"]["src"]) if s["text"].startswith("人人生而自由"))
    bead = next(b for b in doc["beads"] if src in b["src"])
    req = urllib.request.Request(url + "/api/documents/1/edit", method="POST",
                                 data=json.dumps({"action": "unalign", **bead}).encode(),
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req)

    browser.get(url + "/documents/1")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".bead.selected"), "the review page")
    for _ in range(10):  # from doubtful bead to doubtful bead, to the source sentence left alone
        press(browser, "n")
        if "人人生而自由" in selected(browser).text:
            break
    assert "人人生而自由" in selected(browser).text
    assert "unaligned" in selected(browser).get_attribute("class")
    press(browser, "m")  # merge it with the next bead, its English sentence
    wait_for(browser, lambda d: "corrected" in selected(d).get_attribute("class"), "the corrected bead")
    assert "All human beings are born free" in selected(browser).text

    browser.refresh()  # saved in the store, not in the page
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".bead"), "the review page again")
    fixed = [b for b in browser.find_elements(By.CSS_SELECTOR, ".bead.corrected") if "人人生而自由" in b.text]
    assert len(fixed) == 1 and "All human beings are born free" in fixed[0].text
    if os.environ.get("TMBUILD_UPDATE_SCREENSHOTS") == "1":
        _screenshot(browser, fixed[0])

    out = tmp_path / "reviewed.tmx"
    r = subprocess.run([sys.executable, "-m", "corpus", "export", "--store", str(store), "--tmx", str(out),
                        "--reviewed-only"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr  # a reader: the server holding the store does not block it
    [unit] = read_tmx(out)[1]
    assert unit.prop("x-review") == "corrected"
    assert unit.variants[0][1].startswith("人人生而自由") and unit.variants[1][1].startswith("All human beings")


def test_a_stored_script_element_is_shown_as_text(served, browser):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    url, _ = served
    browser.get(url + "/documents/2")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".bead"), "the review page")
    text = browser.find_element(By.ID, "beads").text
    assert text.count("<script>alert('tmbuild')</script>") == 2  # both sides, as characters
    assert not browser.find_elements(By.CSS_SELECTOR, "#beads script")
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - no script of the segment ran
    browser.get(url + "/?q=" + "script")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".hit"), "search hits")
    assert "<script>" in browser.find_element(By.ID, "hits").text
    assert not browser.find_elements(By.CSS_SELECTOR, "#hits script")


def _screenshot(browser, bead) -> None:
    """The review page for the README: the corrected bead among its neighbours."""
    browser.execute_script("arguments[0].click(); arguments[0].scrollIntoView({block: 'center'});", bead)
    time.sleep(0.3)
    dest = ROOT / "docs" / "img" / "review.png"
    dest.parent.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(dest))


def test_terms_are_accepted_rejected_and_edited_with_the_keyboard(served, browser, tmp_path):
    from selenium.webdriver.common.by import By

    url, store = served
    browser.get(url + "/terms")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "tr.term.selected"), "the term candidates")
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.term")
    first, second, third = (r.find_element(By.CSS_SELECTOR, ".termtext").text for r in rows[:3])
    press(browser, "a")  # accept the first; the selection moves on
    press(browser, "r")  # reject the second
    wait_for(browser, lambda d: "rejected" in d.find_elements(By.CSS_SELECTOR, "tr.term")[1].get_attribute("class"),
             "the rejected term")
    press(browser, "e")  # edit the third's translation
    box = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "input.edit"), "the edit field")[0]
    box.clear()
    box.send_keys("an edited translation\n")
    wait_for(browser, lambda d: "accepted" in d.find_elements(By.CSS_SELECTOR, "tr.term")[2].get_attribute("class"),
             "the edited term")
    browser.refresh()  # kept in the store, not in the page
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "tr.term.selected"), "the candidates again")
    rows = {r.find_element(By.CSS_SELECTOR, ".termtext").text: r for r in browser.find_elements(By.CSS_SELECTOR,
                                                                                                "tr.term")}
    assert "accepted" in rows[first].get_attribute("class") and "rejected" in rows[second].get_attribute("class")
    assert rows[third].find_element(By.CSS_SELECTOR, ".target").text == "an edited translation"
    out = tmp_path / "g.txt"
    r = subprocess.run([sys.executable, "-m", "corpus", "terms", "--store", str(store), "--accepted-only", "--tsv",
                        str(out)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr  # a reader beside the server
    got = [line.split("\t")[:2] for line in out.read_text(encoding="utf-8").splitlines()]
    assert [first, rows[first].find_element(By.CSS_SELECTOR, ".target").text] in got
    assert [third, "an edited translation"] in got and not any(t == second for t, _ in got)


def test_edit_a_sentence_in_the_browser_reload_search_and_export(served, browser, tmp_path):
    import json

    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, store = served
    doc = json.load(urllib.request.urlopen(url + "/api/documents/1"))
    j = next(i for i, s in enumerate(doc["sentences"]["tgt"]) if s["text"].startswith("No one shall be held in"))
    bead = next(b for b in doc["beads"] if j in b["tgt"])
    browser.get(f"{url}/documents/1#pair-{bead['pair']}")
    wait_for(browser, lambda d: "No one shall be held in" in selected(d).text, "the bead of article 4")

    press(browser, "e")  # Esc leaves the text as it was
    box = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".bead.selected textarea.edit"), "a field")
    box[-1].send_keys(" typo")
    box[-1].send_keys(Keys.ESCAPE)
    wait_for(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, "textarea.edit"), "the fields closed")
    assert "typo" not in selected(browser).text

    press(browser, "e")
    fields = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".bead.selected textarea.edit"), "a field")
    english = next(f for f in fields if f.get_attribute("aria-label").startswith("target"))
    english.clear()
    english.send_keys("No one shall be held in slavery or in servitude.\n")
    wait_for(browser, lambda d: "corrected" in selected(d).get_attribute("class")
             and "in servitude." in selected(d).text, "the edited bead")

    browser.refresh()  # saved in the store
    wait_for(browser, lambda d: "in servitude." in selected(d).text, "the edited bead after a reload")
    found = json.load(urllib.request.urlopen(url + "/api/search?q=" + urllib.parse.quote("slavery or in servitude")))
    assert found["hits"][0]["text"] == "No one shall be held in slavery or in servitude."
    out = tmp_path / "edited.tmx"
    r = subprocess.run([sys.executable, "-m", "corpus", "export", "--store", str(store), "--tmx", str(out)],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    units = [u for u in read_tmx(out)[1] if u.variants[1][1] == "No one shall be held in slavery or in servitude."]
    assert len(units) == 1 and units[0].prop("x-review") == "corrected"


def test_the_documents_page_sorts_filters_and_names_both_files(served, browser):
    from selenium.webdriver.common.by import By

    url, _ = served
    browser.get(url + "/documents")
    rows = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#docs tr"), "the documents")
    assert len(rows) == 2 and "2 of 2 document pairs" in browser.find_element(By.ID, "count").text
    assert "cmn_hans.html + eng.html" in rows[0].text and "script_zh.txt + script_en.txt" in rows[1].text
    header = browser.find_element(By.CSS_SELECTOR, "th[data-sort=pairs]")
    header.click()  # fewest pairs first, then most
    assert "script_zh.txt" in browser.find_elements(By.CSS_SELECTOR, "#docs tr")[0].text
    header.click()
    assert "cmn_hans.html" in browser.find_elements(By.CSS_SELECTOR, "#docs tr")[0].text
    box = browser.find_element(By.ID, "filter")
    box.send_keys("script")
    rows = browser.find_elements(By.CSS_SELECTOR, "#docs tr")
    assert len(rows) == 1 and "script_zh.txt" in rows[0].text
    assert "1 of 2 document pairs" in browser.find_element(By.ID, "count").text
    box.clear()
    browser.find_element(By.CSS_SELECTOR, "#which option[value=done]").click()
    assert browser.find_elements(By.CSS_SELECTOR, "#docs tr") == []  # nothing is fully reviewed
    if os.environ.get("TMBUILD_UPDATE_SCREENSHOTS") == "1":
        browser.find_element(By.CSS_SELECTOR, "#which option[value=all]").click()
        browser.set_window_size(1280, 500)
        browser.save_screenshot(str(ROOT / "docs" / "img" / "documents.png"))
