"""The web app's JSON API without a browser (Starlette's test client): every endpoint, bad input answered
with 4xx and a clear message and nothing changed, the safety rules. The browser tests are test_browser.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import review_store
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
