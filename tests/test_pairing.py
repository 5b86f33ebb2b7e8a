import json

import pytest
from conftest import SAMPLES, shared

from align.embed import get_embedder
from corpus.cli import main
from corpus.pairing import _ContentScorer, _numbers, pair_documents
from corpus.readers import read_document


def test_seeds_and_udhr(use_m3, capsys):
    report = pair_documents([shared("seeds"), SAMPLES / "udhr"], use_m3)
    pairs = {(p.zh.rsplit("/", 1)[-1], p.en.rsplit("/", 1)[-1]): p for p in report.pairs}
    assert set(pairs) == {("cmn_hans.html", "eng.html"), ("cmn_hant.html", "eng.html")}
    assert pairs[("cmn_hans.html", "eng.html")].method == "content"
    assert pairs[("cmn_hant.html", "eng.html")].method == "script-variant"
    unpaired = {u.path.rsplit("/", 1)[-1]: u for u in report.unpaired}
    for name in ("000_a04c2a19411927ff.txt", "001_d0f6716f67551d50.txt", "002_9fe8283bea68d15f.txt",
                 "004_c14364e6898db99a.txt", "003_b79d679517509da1.txt"):
        assert name in unpaired and unpaired[name].reason
    # every input is in the output
    assert len(report.pairs) + len(report.unpaired) >= 9


def test_news_article_is_not_a_translation_even_when_compared(use_m3):
    zh = read_document(shared("seeds", "000_a04c2a19411927ff.txt"))
    news = read_document(shared("seeds", "003_b79d679517509da1.txt"))
    score, _ = _ContentScorer(use_m3).score(zh, news)
    assert score < 0.2


def test_short_unrelated_documents_are_not_translations(use_m3, unpc_pairs):
    """Three paragraphs against three others: whatever the best of them look like, they are not translations
    (a model estimated from the pair itself would take its best unrelated paragraphs for matches)."""
    from align.model import Document, Paragraph

    def doc(rows, side, lang):
        return Document(f"{lang}.txt", lang, tuple(Paragraph(r[side]) for r in rows))

    scorer = _ContentScorer(use_m3)
    for k in range(0, 60, 3):
        zh, en, other = doc(unpc_pairs[k:k + 3], 0, "zh"), doc(unpc_pairs[k:k + 3], 1, "en"), \
            doc(unpc_pairs[k + 300:k + 303], 1, "en")
        assert scorer.score(zh, en)[0] >= 0.9, k
        assert scorer.score(zh, other)[0] < 0.35, k


def test_documents_share_numbers_as_values():
    """Candidates are ranked with the numbers both documents hold, read as the aligner reads them: a date
    and a time in Chinese numerals meet the English ones, and a different time is a different number."""
    from align.model import Document, Paragraph

    def doc(lang, *texts):
        return Document(f"{lang}.txt", lang, tuple(Paragraph(t) for t in texts))

    zh = doc("zh", "会议定于2015年3月6日下午3时举行。", "审议第二十二段。")
    en = doc("en", "The meeting will be held on 6 March 2015 at 3 p.m.", "It will consider paragraph twenty-two.")
    later = doc("en", "The meeting will be held on 6 March 2015 at 3.35 p.m.", "It will consider paragraph 22.")
    assert _numbers(zh) == _numbers(en) == {"2015", "3", "6", "22"}
    assert _numbers(later) - _numbers(zh) == {"35"}
    assert _numbers(doc("zh", "２０１５年第⑵段")) == {"2015", "2"}  # full-width forms, as the aligner reads them


@pytest.fixture()
def un_folder(tmp_path, unpc_pairs):
    """A Chinese document, its English translation, and an English decoy of the same kind and length."""
    doc = unpc_pairs[:40]
    decoy = unpc_pairs[40:80]
    (tmp_path / "zh.txt").write_text("\n\n".join(z for z, _ in doc), encoding="utf-8")
    (tmp_path / "en_right.txt").write_text("\n\n".join(e for _, e in doc), encoding="utf-8")
    (tmp_path / "en_decoy.txt").write_text("\n\n".join(e for _, e in decoy), encoding="utf-8")
    (tmp_path / "notes.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "empty.txt").write_bytes(b"")
    return tmp_path


def test_the_right_english_candidate_wins(un_folder, use_m3):
    report = pair_documents([un_folder], use_m3)
    assert [(p.zh.rsplit("/", 1)[-1], p.en.rsplit("/", 1)[-1], p.method) for p in report.pairs] == [
        ("zh.txt", "en_right.txt", "content")]
    reasons = {u.path.rsplit("/", 1)[-1]: u.reason for u in report.unpaired}
    assert set(reasons) == {"en_decoy.txt", "notes.xlsx", "empty.txt"}
    assert "empty file" in reasons["empty.txt"] and "not a document type" in reasons["notes.xlsx"]


def test_symbol_pairs_first(tmp_path, use_m3):
    from test_un import ENGLISH

    (tmp_path / "en.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "zh.txt").write_bytes(shared("seeds", "000_a04c2a19411927ff.txt").read_bytes())
    report = pair_documents([tmp_path], use_m3)
    assert [(p.method, p.detail) for p in report.pairs] == [("symbol", "A/RES/76/177")]
    assert report.aligned_candidates == 0


def test_cli_json(un_folder, capsys):
    assert main(["pair", str(un_folder), "--json", "--no-progress"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["pairs"]) == 1 and len(out["unpaired"]) == 3
    assert get_embedder("use-m3")  # the CLI used the default embedder


def test_a_10_mb_text_is_read_with_a_warning_and_the_folder_goes_on(un_folder, use_m3, capsys):
    line = "The General Assembly reaffirms its commitment to the purposes of the Charter.\n\n"
    (un_folder / "huge.txt").write_text(line * (10_000_000 // len(line)), encoding="utf-8")
    assert main(["pair", str(un_folder), "--no-progress"]) == 0
    cap = capsys.readouterr()
    assert "huge.txt: large document (10 MB" in cap.err
    assert "paired   " in cap.out and "zh.txt" in cap.out and "unpaired " in cap.out and "huge.txt" in cap.out


def test_name_keys_take_the_language_out_of_a_name():
    from corpus.pairing import name_key

    assert name_key("un_txt/zh/a_ac_105_1039_add_5.txt") == name_key("un_txt/en/a_ac_105_1039_add_5.txt")
    assert name_key("x.zh.txt") == name_key("x.en.docx") == "x"
    assert name_key("Chinese/r1_CHS.txt") == name_key("english/r1_eng.txt")
    assert name_key("zh/a.txt") != name_key("en/b.txt")
    assert name_key("docs/report.txt") is None  # no language in the name: no name evidence


@pytest.fixture(scope="module")
def parallel_folders(tmp_path_factory):
    """unpc-dev's real documents as people keep them: un_txt/zh/NAME.txt and un_txt/en/NAME.txt."""
    ids = [line.split()[0] for line in shared("data", "unpc-dev", "unpc.ids").read_text().splitlines()]
    zh = shared("data", "unpc-dev", "unpc.zh").read_text(encoding="utf-8").splitlines()
    en = shared("data", "unpc-dev", "unpc.en").read_text(encoding="utf-8").splitlines()
    docs: dict[str, list[tuple[str, str]]] = {}
    for doc_id, z, e in zip(ids, zh, en):
        docs.setdefault(doc_id.split("/", 1)[1].replace("/", "_"), []).append((z, e))
    root = tmp_path_factory.mktemp("parallel") / "un_txt"
    for lang in ("zh", "en"):
        (root / lang).mkdir(parents=True)
    chosen = [n for n in docs if n.startswith("a_ac_105_1039")] + list(docs)[:30]
    for name in dict.fromkeys(chosen):
        (root / "zh" / f"{name}.txt").write_text("\n\n".join(z for z, _ in docs[name]), encoding="utf-8")
        (root / "en" / f"{name}.txt").write_text("\n\n".join(e for _, e in docs[name]), encoding="utf-8")
    return root


def test_files_of_the_same_name_in_parallel_folders_pair(parallel_folders, use_m3):
    """The pair a user lost: a_ac_105_1039_add_5 in zh/ and en/ (its content is close to add_4's)."""
    rep = pair_documents([parallel_folders], use_m3)
    got = {(p.zh.split("/")[-2:][1], p.en.split("/")[-2:][1]) for p in rep.pairs}
    names = sorted(f.name for f in (parallel_folders / "zh").iterdir())
    assert {(n, n) for n in names} <= got, sorted(set((n, n) for n in names) - got)
    assert all(p.method == "name" for p in rep.pairs) and not rep.unpaired


def test_an_unpaired_file_names_the_document_that_took_its_candidate(parallel_folders, use_m3, tmp_path):
    """A second Chinese copy of a document under another name: its reason names the pair that won."""
    import shutil

    root = tmp_path / "un_txt"
    shutil.copytree(parallel_folders, root)
    shutil.copy(root / "zh" / "a_ac_105_1039_add_5.txt", root / "zh" / "copy_of_add_5.txt")
    rep = pair_documents([root], use_m3)
    why = {u.path.rsplit("/", 1)[1]: u.reason for u in rep.unpaired}
    assert list(why) == ["copy_of_add_5.txt"]
    assert "was paired with a_ac_105_1039_add_5.txt" in why["copy_of_add_5.txt"], why
