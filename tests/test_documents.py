"""Documents of a store listed and removed: tmbuild documents, tmbuild remove, build --prune; every index
follows, nothing else is touched, and bad names change nothing."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import SAMPLES

from corpus import cli
from corpus.store import Store


@pytest.fixture()
def two(tmp_path):
    """A folder with the UDHR in Simplified, Traditional and English, built: two document pairs."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("cmn_hans.html", "cmn_hant.html", "eng.html"):
        shutil.copy(SAMPLES / "udhr" / name, docs / name)
    assert cli.main(["build", str(docs), "--store", str(tmp_path / "s"), "--no-progress"]) == 0
    return docs, tmp_path / "s"


def _documents(store, capsys) -> list[dict]:
    capsys.readouterr()
    assert cli.main(["documents", "--store", str(store), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_documents_are_listed_with_their_files_pairs_and_dates(two, capsys):
    docs = _documents(two[1], capsys)
    assert [d["name"] for d in docs] == ["cmn_hans.html", "cmn_hant.html"]
    assert [d["pairs"] for d in docs] == [99, 100] and all(d["added"] and d["tgt_path"].endswith("eng.html")
                                                            for d in docs)
    assert cli.main(["documents", "--store", str(two[1])]) == 0
    assert "cmn_hant.html  100 pairs" in capsys.readouterr().out


def test_remove_takes_a_document_and_its_pairs_out_of_every_index(two, capsys):
    store = two[1]
    assert cli.main(["remove", "--store", str(store), "2"]) == 0
    assert "removed 1 documents, 100 pairs (0 reviewed)" in capsys.readouterr().err
    with Store.open(store, readonly=True) as s:
        assert s.stats().pairs == 99 and s.check() == []
        hits = s.lookup("人人有權享有生命、自由和人身安全。", k=5).hits  # the Traditional text is gone ...
        assert hits[0].kind == "exact" and hits[0].count == 1 and "權" not in hits[0].text  # ... its twin stays
    for bad, message in ((["99"], "no document '99'"), (["1", "nothing.html"], "no document 'nothing.html'")):
        assert cli.main(["remove", "--store", str(store), *bad]) == 1
        err = capsys.readouterr().err
        assert message in err and "nothing was removed" in err
    assert [d["pairs"] for d in _documents(store, capsys)] == [99]


def test_a_name_two_documents_share_is_refused(two, capsys):
    assert cli.main(["remove", "--store", str(two[1]), "1", str(two[0] / "eng.html")]) == 1
    err = capsys.readouterr().err
    assert "names 2 documents (numbers 1, 2)" in err and "nothing was removed" in err
    assert len(_documents(two[1], capsys)) == 2


def test_build_prune_removes_documents_whose_files_are_gone(two, capsys):
    docs, store = two
    (docs / "cmn_hant.html").unlink()
    capsys.readouterr()
    assert cli.main(["build", str(docs), "--store", str(store), "--no-progress"]) == 0
    assert "1 stored documents are not among these inputs (tmbuild build --prune" in capsys.readouterr().err
    assert len(_documents(store, capsys)) == 2  # without --prune nothing goes
    assert cli.main(["build", str(docs), "--store", str(store), "--no-progress", "--prune"]) == 0
    err = capsys.readouterr().err
    assert "1 documents whose files are no longer among the inputs removed (100 pairs, 0 of them reviewed)" in err
    assert [d["name"] for d in _documents(store, capsys)] == ["cmn_hans.html"]
    with Store.open(store, readonly=True) as s:
        assert s.check() == [] and s.stats().pairs == 99
