"""The web app's JSON API without a browser (Starlette's test client): every endpoint, bad input answered
with 4xx and a clear message and nothing changed, the safety rules. The browser tests are test_browser.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES, review_store
from starlette.testclient import TestClient

from corpus.store import Store
from corpus.web import create_app

ORIGIN = "http://127.0.0.1:8731"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return review_store(tmp_path_factory.mktemp("web"))


@pytest.fixture()
def app(built, tmp_path):
    shutil.copytree(built, tmp_path / "store")
    store = Store.open(tmp_path / "store")
    with TestClient(create_app(store), base_url=ORIGIN) as client:
        client.store = store
        yield client
    store.close()


def _post(client, path, body, **headers):
    return client.post(path, json=body, headers={"Origin": ORIGIN, **headers})


def test_pages_and_their_files_are_served(app):
    for path in ("/", "/documents", "/documents/1", "/static/app.js", "/static/review.js", "/static/app.css"):
        r = app.get(path)
        assert r.status_code == 200, path
    assert "search.js" in app.get("/").text and "review.js" in app.get("/documents/1").text
    assert app.get("/static/../../store/store.sqlite").status_code == 404


def test_search_answers_with_kinds_spans_documents_and_renderings(app):
    r = app.get("/api/search", params={"q": "人权", "k": 5})
    assert r.status_code == 200
    data = r.json()
    assert data["counts"]["concordance"] >= 5 and data["renderings"][0]["text"].lower() == "human rights"
    h = data["hits"][0]
    assert {"text", "translation", "kind", "similarity", "document", "document_id", "spans"} <= set(h)
    assert h["kind"] == "concordance" and [h["text"][a:b] for a, b in h["spans"]] == ["人权"]
    assert h["document_id"] == 1 and h["document"] == "cmn_hans.html"
    en = app.get("/api/search", params={"q": "All human beings are born free", "mode": "semantic", "k": 3}).json()
    assert all(x["kind"] == "semantic" and x["similarity"] > 0.3 for x in en["hits"]) and en["hits"]
    assert app.get("/api/search", params={"q": "  "}).json()["hits"] == []


@pytest.mark.parametrize("params, message", [
    ({"q": "x", "k": "many"}, "k is a whole number"),
    ({"q": "x", "k": "0"}, "k is between"),
    ({"q": "x", "mode": "telepathy"}, "mode is one of"),
    ({"q": "x", "min_similarity": "high"}, "min_similarity is a number"),
    ({"q": "x" * 3000}, "at most"),
])
def test_bad_search_parameters_are_400_with_a_message(app, params, message):
    r = app.get("/api/search", params=params)
    assert r.status_code == 400 and message in r.json()["error"]


def test_documents_and_a_document(app):
    docs = app.get("/api/documents").json()["documents"]
    assert [d["id"] for d in docs] == [1, 2]
    d = docs[0]
    assert d["pairs"] > 90 and d["reviewed"] == 0 and d["reviewable"] and d["mean_score"] > 0.5
    assert d["unaligned_src"] + d["pairs"] <= d["src_sentences"]
    one = app.get("/api/documents/1").json()
    assert len(one["sentences"]["src"]) == d["src_sentences"] and one["writable"] and one["undo"] == 0
    assert sum(len(b["src"]) for b in one["beads"]) == d["src_sentences"]


@pytest.mark.parametrize("path", ["/api/documents/99", "/api/documents/abc", "/api/documents/-1"])
def test_unknown_documents_are_404(app, path):
    r = app.get(path)
    assert r.status_code == 404 and "no document" in r.json()["error"]
    r = _post(app, path + "/edit", {"action": "confirm", "src": [0], "tgt": [0]})
    assert r.status_code == 404


def test_an_edit_is_saved_and_undone_through_the_api(app):
    doc = app.get("/api/documents/1").json()
    b = [x for x in doc["beads"] if x["src"] and x["tgt"]][10]
    r = _post(app, "/api/documents/1/edit", {"action": "unalign", "src": b["src"], "tgt": b["tgt"]})
    assert r.status_code == 200 and r.json()["unaligned_src"] == doc["unaligned_src"] + len(b["src"])
    r = _post(app, "/api/documents/1/edit", {"action": "merge", "src": b["src"], "tgt": [], "to": "next"})
    fixed = next(x for x in r.json()["beads"] if x["src"] == b["src"])
    assert fixed["tgt"] == b["tgt"] and fixed["review"] == "corrected"
    assert app.get("/api/documents").json()["documents"][0]["reviewed"] == 1
    tmx = app.get("/api/export.tmx", params={"reviewed_only": "1"})
    assert tmx.status_code == 200 and tmx.text.count("<tu ") == 1 and ">corrected</prop>" in tmx.text
    for _ in range(2):
        assert _post(app, "/api/documents/1/undo", {}).status_code == 200
    again = app.get("/api/documents/1").json()
    assert [(x["src"], x["tgt"], x["review"]) for x in again["beads"]] == [
        (x["src"], x["tgt"], x["review"]) for x in doc["beads"]]
    r = _post(app, "/api/documents/1/undo", {})
    assert r.status_code == 400 and "nothing to undo" in r.json()["error"]


@pytest.mark.parametrize("body, status, message", [
    ({"action": "replace", "src": [0], "tgt": [0], "beads": [{"src": [0], "tgt": [0]}, {"src": [0], "tgt": []}]},
     400, "would be in two beads"),
    ({"action": "explode", "src": [0], "tgt": [0]}, 400, "unknown action"),
    ({"action": "merge", "src": [0], "tgt": [0], "to": "sideways"}, 400, "next or previous"),
    ({"action": "split", "src": [0], "tgt": [0]}, 400, "cannot be split"),
    ({"action": "confirm", "src": [0], "tgt": [7]}, 409, "reload"),
    ({"action": "confirm", "src": "zero", "tgt": [0]}, 400, "lists of sentence numbers"),
    (["confirm"], 400, "JSON object"),
])
def test_bad_edits_are_4xx_and_change_nothing(app, body, status, message):
    before = app.get("/api/documents/1").json()
    r = _post(app, "/api/documents/1/edit", body)
    assert r.status_code == status and message in r.json()["error"]
    assert app.get("/api/documents/1").json() == before


def test_malformed_and_foreign_requests_change_nothing(app):
    before = app.get("/api/documents/1").json()
    edit = {"action": "unalign", "src": [0], "tgt": [0]}
    r = app.post("/api/documents/1/edit", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "not JSON" in r.json()["error"]
    r = _post(app, "/api/documents/1/edit", edit, Origin="http://evil.example")
    assert r.status_code == 403 and "evil.example" in r.json()["error"]
    r = app.post("/api/documents/1/edit", data={"action": "unalign"}, headers={"Origin": ORIGIN})  # a form
    assert r.status_code == 403 and "JSON" in r.json()["error"]
    assert app.get("/api/documents/1/edit").status_code == 405  # state changes are POSTs
    r = app.get("/api/documents", headers={"Host": "attacker.example:8731"})  # DNS rebinding
    assert r.status_code == 400
    assert app.get("/api/documents/1").json() == before
    assert app.post("/api/documents/1/edit", json=edit).status_code == 200  # a script, no Origin


def test_segments_are_sent_as_text(app):
    doc = app.get("/api/documents/2").json()
    assert "<script>alert('tmbuild')</script>" in doc["sentences"]["src"][1]["text"]
    assert app.get("/api/search", params={"q": "<script>"}).json()["hits"][0]["text"].count("<script>") == 1
    for page in ("/", "/documents", "/documents/2"):
        assert "<script>alert" not in app.get(page).text  # pages carry no data; their scripts fetch it


def test_a_read_only_store_is_searched_and_shown_and_refuses_edits(built, tmp_path):
    shutil.copytree(built, tmp_path / "store")
    store = Store.open(tmp_path / "store", readonly=True)
    with TestClient(create_app(store), base_url=ORIGIN) as client:
        assert client.get("/api/status").json()["writable"] is False
        assert client.get("/api/search", params={"q": "人权"}).json()["hits"]
        r = _post(client, "/api/documents/1/edit", {"action": "unalign", "src": [0], "tgt": [0]})
        assert r.status_code == 400 and "read-only" in r.json()["error"]
    store.close()


# ------------------------------------------------------------------ hardening: token, limits, malformed input

TOKEN = "test-token-0123456789"


@pytest.fixture()
def guarded(built, tmp_path):
    shutil.copytree(built, tmp_path / "store")
    store = Store.open(tmp_path / "store")
    with TestClient(create_app(store, token=TOKEN, port=8731), base_url=ORIGIN) as client:
        client.store = store
        yield client
    store.close()


def test_every_request_needs_the_token_which_the_first_page_keeps_in_a_cookie(guarded):
    for path in ("/", "/documents/1", "/api/documents", "/api/search?q=x", "/static/app.js", "/api/export.tmx"):
        r = guarded.get(path)
        assert r.status_code == 403 and "token" in r.json()["error"], path
    edit = {"action": "unalign", "src": [0], "tgt": [0]}
    assert guarded.post("/api/documents/1/edit", json=edit).status_code == 403
    assert guarded.get("/api/documents", params={"token": "wrong-token-000"}).status_code == 403
    page = guarded.get("/documents", headers={"Accept": "text/html,*/*"})  # a browser: a page that says why
    assert page.status_code == 403 and "open the URL that tmbuild serve printed" in page.text
    assert page.headers["content-type"].startswith("text/html")
    assert guarded.get("/api/documents", headers={"Authorization": f"token {TOKEN}"}).status_code == 200
    r = guarded.get("/", params={"token": TOKEN})  # the URL tmbuild serve prints
    assert r.status_code == 200 and "tmbuild-token-8731" in r.headers["set-cookie"]
    assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=Strict" in r.headers["set-cookie"]
    assert guarded.get("/api/documents").status_code == 200  # the cookie now
    assert _post(guarded, "/api/documents/1/edit", edit).status_code == 200


def test_responses_carry_the_security_headers(guarded):
    for r in (guarded.get("/", params={"token": TOKEN}), guarded.get("/api/documents"), guarded.get("/nowhere")):
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/api/documents/%C2%B2", "/api/documents/99999999999999999999999",
                                  "/api/documents/%00", "/api/documents/1e3", "/api/documents/-1"])
def test_malformed_document_numbers_are_404(app, path):
    r = app.get(path)
    assert r.status_code == 404 and "documents are numbered" in r.json()["error"]


@pytest.mark.parametrize("raw", [
    b'{"action": "unalign", "src": [1e999], "tgt": [0]}',
    b'{"action": "unalign", "src": [0.5], "tgt": [0]}',
    b'{"action": "unalign", "src": [true], "tgt": [0]}',
    b'{"action": "unalign", "src": [NaN], "tgt": [0]}',
    b'{"action": "unalign", "src": [-1], "tgt": [0]}',
    b'{"action": "replace", "src": [0], "tgt": [0], "beads": [[1]]}',
    b'{"action": "split", "src": [0], "tgt": [0], "src_at": 1e999}',
    b'{"a": ' * 5000 + b'1' + b'}' * 5000,
    b'[' * 4000 + b']' * 4000,
])
def test_malformed_bodies_are_400_and_change_nothing(app, raw):
    before = app.get("/api/documents/1").json()
    r = app.post("/api/documents/1/edit", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 413) and r.json()["error"], raw[:60]
    assert app.get("/api/documents/1").json() == before


def test_an_oversized_body_is_refused_before_it_is_read(app):
    """By its Content-Length here; test_a_streamed_body_is_cut_off_at_the_limit sends one without."""
    r = app.post("/api/documents/1/edit", content=b'{"x": "' + b"a" * 400_000 + b'"}',
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "bytes" in r.json()["error"]
    r = app.post("/api/documents/1/edit", content=b"x" * 200_000, headers={"Content-Type": "text/plain"})
    assert r.status_code in (403, 413)


@pytest.mark.parametrize("bound, good, bad", [
    ("127.0.0.1", ["127.0.0.1:8731", "localhost:8731"], ["evil.example:8731", "127.0.0.2:8731"]),
    ("127.0.0.2", ["127.0.0.2:8731"], ["evil.example", "localhost:8731", "127.0.0.1:8731"]),
    ("::1", ["[::1]:8731", "localhost:8731"], ["evil.example:8731", "[::2]:8731"]),
])
def test_a_loopback_server_answers_only_to_its_own_address(built, tmp_path, bound, good, bad):
    shutil.copytree(built, tmp_path / "store")
    store = Store.open(tmp_path / "store", readonly=True)
    with TestClient(create_app(store, host=bound), base_url=ORIGIN) as client:
        for host in good:
            assert client.get("/api/status", headers={"Host": host}).status_code == 200, host
        for host in bad:
            r = client.get("/api/status", headers={"Host": host})
            assert r.status_code == 400 and "answers to" in r.json()["error"], host
    store.close()


def test_a_streamed_body_is_cut_off_at_the_limit(built, tmp_path):
    """A real server (the test client reads a body whole before the app sees it): a chunked body with no
    Content-Length is answered 413 once the limit is passed; the client never gets to send 4 MB."""
    import select
    import socket
    import subprocess
    import sys

    from conftest import ROOT

    shutil.copytree(built, tmp_path / "store")
    proc = subprocess.Popen([sys.executable, "-m", "corpus", "serve", "--store", str(tmp_path / "store"), "--port",
                             "0", "--no-token"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("tmbuild serve: http://"), line + proc.stderr.read()
        port = int(line.split()[2].rstrip("/").rsplit(":", 1)[1])
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(b"POST /api/documents/1/edit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
                     b"\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n" % 65536 + b" " * 65536 + b"\r\n"
        sent, answer = 0, b""
        while sent < 4_000_000 and not answer:
            try:
                sock.sendall(chunk)
                sent += 65536
            except OSError:
                break  # the server closed the connection: its answer is waiting
            if select.select([sock], [], [], 0.01)[0]:
                answer = sock.recv(65536)
        answer = answer or sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 413"), (sent, answer[:200])
        assert sent < 4_000_000
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_term_decisions_are_answered_fresh_while_the_candidates_are_kept(app):
    first = app.get("/api/terms", params={"lang": "zh", "limit": "5"}).json()["terms"][0]
    assert first["status"] == ""
    # decided before the list of 6 is extracted and kept, then edited and undone: every answer is the store's
    for status, target in (("accepted", first["target"]), ("accepted", "an edited translation"),
                                 ("", first["target"])):
        r = _post(app, "/api/terms/decide", {"lang": "zh", "term": first["term"], "target": target,
                                             "status": status})
        assert r.status_code == 200, r.text
        again = app.get("/api/terms", params={"lang": "zh", "limit": "6"}).json()
        term = next(t for t in again["terms"] if t["term"] == first["term"])
        assert (term["status"], term["target"]) == (status, target) and again["accepted"] == (status == "accepted")
    r = _post(app, "/api/terms/decide", {"lang": "zh", "term": first["term"], "target": "x", "status": "maybe"})
    assert r.status_code == 400 and "status is one of" in r.json()["error"]


def test_accepted_terms_are_downloaded_as_tbx(app):
    first = app.get("/api/terms", params={"lang": "zh", "limit": "5"}).json()["terms"][0]
    assert _post(app, "/api/terms/decide", {"lang": "zh", "term": first["term"], "target": first["target"],
                                            "status": "accepted"}).status_code == 200
    r = app.get("/api/terms.tbx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-tbx+xml")
    assert "terms.tbx" in r.headers["content-disposition"]
    assert f"<term>{first['term']}</term>" in r.text and f"<term>{first['target']}</term>" in r.text


# ------------------------------------------------------------------ a server and a build on one store

def test_a_build_beside_a_running_server_proceeds_and_the_server_serves_its_pairs(built, tmp_path):
    """``tmbuild serve`` holds no lock while it only serves: a build beside it finishes, the server's search
    finds the new pairs without a restart, and an edit sent during the build is answered (saved, or 503 with
    Retry-After and a message naming the build), never left waiting."""
    import json as _json
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    from conftest import ROOT

    shutil.copytree(built, tmp_path / "store")
    store = tmp_path / "store"
    docs = tmp_path / "more"
    docs.mkdir()
    shutil.copy(SAMPLES / "udhr" / "cmn_hant.html", docs)
    shutil.copy(SAMPLES / "udhr" / "eng.html", docs / "eng-copy.html")
    cmd = [sys.executable, "-m", "corpus"]
    server = subprocess.Popen([*cmd, "serve", "--store", str(store), "--port", "0", "--no-token", "--user", "ana"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = server.stdout.readline()
        assert line.startswith("tmbuild serve: http://"), line + server.stderr.read()
        url = line.split()[2]

        def call(path: str, body: dict | None = None) -> tuple[int, dict, dict]:
            req = urllib.request.Request(url.rstrip("/") + path, method="POST" if body is not None else "GET",
                                         data=None if body is None else _json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    return r.status, dict(r.headers), _json.loads(r.read())
            except urllib.error.HTTPError as e:
                return e.code, dict(e.headers), _json.loads(e.read())

        assert call("/api/status")[2]["documents"] == 2
        doc = call("/api/documents/1")[2]
        beads = [b for b in doc["beads"] if b["src"] and b["tgt"]]
        build = subprocess.Popen([*cmd, "build", str(docs), "--store", str(store), "--no-progress", "--wait", "60"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        answers, searches, k = [], [], 0
        while build.poll() is None and k < len(beads):
            start = time.monotonic()
            code, headers, body = call("/api/documents/1/edit", {"action": "confirm", "src": beads[k]["src"],
                                                                  "tgt": beads[k]["tgt"]})
            answers.append((code, time.monotonic() - start, headers.get("Retry-After"), body.get("error", "")))
            start = time.monotonic()
            assert call("/api/search?q=" + urllib.parse.quote("人权"))[0] == 200
            searches.append(time.monotonic() - start)
            k += 1
        out, err = build.communicate(timeout=300)
        assert build.returncode == 0, err
        assert "1 added" in err and answers, (err, answers)
        for code, took, retry, error in answers:  # each edit answered at once, saved or refused
            assert took < 10 and (code == 200 or (code == 503 and retry and "tmbuild build (pid" in error
                                                   and "not saved" in error)), (code, took, error)
        deadline = time.monotonic() + 10
        while call("/api/status")[2]["documents"] != 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert call("/api/status")[2]["documents"] == 3  # the build's document, served without a restart
        names = [d["name"] for d in call("/api/documents")[2]["documents"]]
        assert "cmn_hant.html" in names
        hits = call("/api/search?q=" + urllib.parse.quote("人人生而自由") + "&k=10")[2]["hits"]
        assert {d for h in hits for d in h["documents"]} >= {"cmn_hans.html", "cmn_hant.html"}
        saved = sum(code == 200 for code, *_ in answers)
        code, _, after = call("/api/documents/1/edit", {"action": "confirm", "src": beads[-1]["src"],
                                                         "tgt": beads[-1]["tgt"]})
        assert code == 200 and after["reviewed"] == saved + 1  # edits saved beside the build are all there
    finally:
        server.terminate()
        server.wait(timeout=30)
    with Store.open(store, readonly=True) as s:
        assert {r[0] for r in s.con.execute("SELECT reviewed_by FROM pairs WHERE review = 'confirmed'")} == {"ana"}


def test_an_edit_while_another_process_changes_the_store_is_answered_503_and_changes_nothing(built, tmp_path):
    from corpus.store import WriterLock
    from corpus.store.database import configure
    from corpus.web.served import Served

    shutil.copytree(built, tmp_path / "store")
    served = Served.open(tmp_path / "store")
    configure(holder="tmbuild build")
    try:
        with TestClient(create_app(served), base_url=ORIGIN) as client:
            before = client.get("/api/documents/1").json()
            assert before["writable"] is True  # read between edits, written one edit at a time
            b = next(x for x in before["beads"] if x["src"] and x["tgt"])
            edit = {"action": "confirm", "src": b["src"], "tgt": b["tgt"]}
            held = WriterLock(tmp_path / "store")  # a build, as far as the server can tell
            try:
                r = _post(client, "/api/documents/1/edit", edit)
                assert r.status_code == 503 and r.headers["retry-after"].isdigit()
                assert "being changed by tmbuild build (pid" in r.json()["error"] and "not saved" in r.json()["error"]
                assert client.get("/api/documents/1").json() == before
                assert client.get("/api/search", params={"q": "人权"}).status_code == 200  # reads go on
            finally:
                held.release()
            r = _post(client, "/api/documents/1/edit", edit)
            assert r.status_code == 200 and r.json()["reviewed"] == before["reviewed"] + 1
    finally:
        configure(holder="a tmbuild process")
        served.close()
    with Store.open(tmp_path / "store", readonly=True) as s:  # saved by the writable open, indexes written
        assert s.document(1)["reviewed"] == before["reviewed"] + 1 and not s.check()
