"""The glossary: term candidates ranked by C-value and consistency, written as TBX (read back by
translate-toolkit and by OmegaT from a project's glossary/ folder) and as OmegaT's tab-separated glossary;
on unpc-dev, the term list's terms that occur three times or more are among the candidates."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import regex
from conftest import ROOT, SAMPLES, shared

from corpus.store import Store, normalise_text
from corpus.terms import cvalues, extract, sequences, write_tbx
from corpus.terms import write_omegat_glossary as write_tsv

OMEGAT = Path("/usr/share/omegat/OmegaT.jar")
GROOVY = Path("/usr/share/java/groovy-all.jar")


def test_candidates_are_whole_words_without_function_words_at_either_end():
    en = sequences(normalise_text("Reaffirming the importance of the Security Council, and of human rights."), "en")
    assert {"security council", "human rights", "importance", "security"} <= en
    assert not any(c.split()[0] in ("the", "of", "and") or c.split()[-1] in ("the", "of", "and") for c in en)
    zh = sequences(normalise_text("安全理事会重申反腐败的重要性"), "zh")
    assert {"安全理事会", "腐败", "反腐败", "重要性"} <= zh
    assert not any(c.endswith("的") or c.startswith("的") for c in zh)
    assert not {"事会", "全理", "会重", "败的"} & zh  # never across or inside a word


def test_c_value_lowers_what_only_occurs_inside_a_longer_term():
    freq = Counter({"security council": 10, "council": 12, "security": 10, "human rights": 8})
    cv = cvalues(freq, "en")
    assert cv["security council"] > cv["security"]  # "security" occurs only inside "security council"
    assert cv["security"] == 0.0 and cv["council"] > 0  # a fragment; council also occurs alone (12 > 10)


@pytest.fixture(scope="module")
def udhr(tmp_path_factory, use_m3):
    from corpus.build import build

    store = tmp_path_factory.mktemp("terms") / "s"
    build([SAMPLES / "udhr"], store, use_m3)  # Simplified, Traditional and English
    return store


def test_terms_of_the_udhr_with_their_translations(udhr):
    with Store.open(udhr, readonly=True) as s:
        found = extract(s, min_freq=2, limit=60)
    by_term = {normalise_text(c.term): c for c in found}
    assert by_term["权利和自由"].target == "rights and freedoms" and by_term["权利和自由"].consistency == 1.0
    assert by_term["人权"].target.lower() == "human rights" and by_term["人权"].frequency == 14  # both scripts
    scores = [c.score for c in found]
    assert scores == sorted(scores, reverse=True) and all(c.examples for c in found)


def test_tbx_and_tsv_are_read_back(udhr, tmp_path):
    from translate.storage import tbx

    with Store.open(udhr, readonly=True) as s:
        found = extract(s, min_freq=2, limit=30)
        assert write_tbx(found, tmp_path / "g.tbx", s.src_lang, s.tgt_lang) == 30
        assert write_tsv(found, tmp_path / "g.txt", s.src_lang) == 30
    back = tbx.tbxfile((tmp_path / "g.tbx").read_bytes())
    assert [(u.source, u.target) for u in back.units] == [(c.term, c.target) for c in found]
    assert all("in " in u.getnotes() for u in back.units)
    rows = [line.split("\t") for line in (tmp_path / "g.txt").read_text(encoding="utf-8").splitlines()]
    assert [(r[0], r[1]) for r in rows] == [(c.term, c.target) for c in found] and all(len(r) == 3 for r in rows)


def test_the_terms_command(udhr, tmp_path):
    r = subprocess.run([sys.executable, "-m", "corpus", "terms", "--store", str(udhr), "--min-freq", "2",
                        "--limit", "10", "--json", "--no-progress", "--tbx", str(tmp_path / "g.tbx")],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert len(data) == 10 and {"term", "target", "frequency", "consistency", "cvalue", "renderings",
                                "examples"} <= set(data[0])
    assert "wrote 10 term entries" in r.stderr
    r = subprocess.run([sys.executable, "-m", "corpus", "terms", "--store", str(udhr), "--doc", "nothing.html"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1 and "no segments in the documents nothing.html" in r.stderr


OMEGAT_SCRIPT = """import org.omegat.core.Core
import org.omegat.gui.glossary.GlossaryReaderTBX
import org.omegat.gui.glossary.GlossaryReaderTSV
def root = new File(Core.getProject().getProjectProperties().getGlossaryRoot())
root.listFiles().sort { it.name }.each { f ->
  def entries = f.name.endsWith(".tbx") ? GlossaryReaderTBX.read(f, false) : GlossaryReaderTSV.read(f, false)
  entries.each { e -> println("GLOSSARY\\t" + f.name + "\\t" + e.getSrcText() + "\\t" + e.getLocText()) }
}
"""


@pytest.mark.omegat
@pytest.mark.skipif(not OMEGAT.exists() or not GROOVY.exists() or shutil.which("java") is None,
                    reason="OmegaT is not installed (apt-get install omegat)")
def test_omegat_loads_the_glossaries_from_its_project(udhr, tmp_path):
    """A real CAT tool: an OmegaT project (Chinese to English) with our TBX and tab-separated glossaries in
    glossary/, run in console mode with a script that lists what OmegaT's own glossary readers load."""
    from test_transfer import OMEGAT_PROJECT

    proj = tmp_path / "omegat"
    for d in ("source", "target", "tm", "glossary", "dictionary", "omegat"):
        (proj / d).mkdir(parents=True)
    (proj / "omegat.project").write_text(OMEGAT_PROJECT.replace("SENTENCE_SEG", "true"), encoding="utf-8")
    (proj / "source" / "a.txt").write_text("人人有权享有生命、自由和人身安全。\n", encoding="utf-8")
    with Store.open(udhr, readonly=True) as s:
        found = extract(s, min_freq=2, limit=25)
        write_tbx(found, proj / "glossary" / "tmbuild.tbx", s.src_lang, s.tgt_lang)
        write_tsv(found, proj / "glossary" / "tmbuild.txt", s.src_lang)
    (tmp_path / "list.groovy").write_text(OMEGAT_SCRIPT, encoding="utf-8")
    r = subprocess.run(["java", "-jar", str(OMEGAT), str(proj), "--mode=console-translate",
                        f"--script={tmp_path / 'list.groovy'}"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    # the script runs on each project event: every listing is the same
    loaded = list(dict.fromkeys(tuple(line.split("\t")[1:]) for line in r.stdout.splitlines()
                                if line.startswith("GLOSSARY\t")))
    want = [(c.term, c.target) for c in found]
    assert [(t, x) for f, t, x in loaded if f == "tmbuild.tbx"] == want
    assert [(t, x) for f, t, x in loaded if f == "tmbuild.txt"] == want


def test_the_term_list_s_frequent_terms_are_among_the_candidates(use_m3, tmp_path):
    """Every term of scripts/terms.tsv that occurs in 3 segments or more of unpc-dev is a candidate (before
    the limit: the ranked list is what a terminologist pages through), numbers and dates aside."""
    shared("data", "unpc-dev")
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench_lookup import dev_store, load_terms

    from corpus.terms import _frequencies

    s = dev_store(tmp_path / "s", use_m3)
    try:
        missing, total = [], 0
        for lang in ("zh", "en"):
            side = s.query_side("", lang)
            cands = {t for t, f in _frequencies(s, side, lang, ())[0].items() if f >= 3}
            norms = [n for (n,) in s.con.execute(f"SELECT {side}_norm FROM pairs")]
            for lg, term, _ in load_terms():
                t = normalise_text(term)
                if lg == lang and not regex.search(r"\d", t) and sum(t in n for n in norms) >= 3:
                    total += 1
                    if t not in cands:
                        missing.append(term)
    finally:
        s.close()
    # 问责 occurs twice alone and otherwise only inside 问责制, a word jieba does not cut: the aligner's
    # dictionary (CC-CEDICT) has it
    assert total > 250 and missing == [], missing


def test_decisions_are_kept_in_the_store_and_exported(udhr, tmp_path):
    import shutil

    from corpus.terms import accepted, decide, decisions

    store = tmp_path / "s"
    shutil.copytree(udhr, store)
    with Store.open(store) as s:
        found = extract(s, min_freq=2, limit=10)
        decide(s, "zh", found[0].term, found[0].target, "accepted")
        decide(s, "zh", found[1].term, found[1].target, "rejected")
        decide(s, "zh", found[2].term, "the right to", "accepted")  # an edited target
        with pytest.raises(Exception, match="status is one of"):
            decide(s, "zh", found[3].term, found[3].target, "maybe")
        again = {c.term: c for c in extract(s, min_freq=2, limit=10)}
    assert again[found[0].term].status == "accepted" and again[found[1].term].status == "rejected"
    assert again[found[2].term].target == "the right to"
    with Store.open(store, readonly=True) as s:
        assert len(decisions(s, "zh")) == 3
        assert [(c.term, c.target) for c in accepted(s)] == [(found[0].term, found[0].target),
                                                             (found[2].term, "the right to")]
    r = subprocess.run([sys.executable, "-m", "corpus", "terms", "--store", str(store), "--accepted-only",
                        "--tsv", str(tmp_path / "g.txt")], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    rows = [line.split("\t")[:2] for line in (tmp_path / "g.txt").read_text(encoding="utf-8").splitlines()]
    assert rows == [[found[0].term, found[0].target], [found[2].term, "the right to"]]
