"""The store's lexical index: SQLite FTS5 over each pair's normalised text, in the same database and
transactions as the pairs (triggers keep it), so it can neither lag nor lead them.

* ``lex``: the trigram tokenizer over ``pairs.src_norm`` / ``pairs.tgt_norm`` (external content: the text
  is not stored twice). A phrase query finds every segment that contains a string of 3 or more characters,
  in either language: concordance, and how often a span occurs (the renderings of a phrase).
* ``lex_short``: Chinese (and Japanese kana) text as one token per character position, the character and
  the next one when that is one too, else the character alone (contentless). Trigrams cannot answer the
  1- and 2-character queries that are common Chinese terms (人权, 难民); this table does: a 2-character
  query is one token, a 1-character query a token prefix.

Shorter queries in other scripts (``UN``, ``EU``) are found by a scan of the side's normalised text. The
text indexed is :func:`corpus.store.database.normalise_text`'s (NFKC, case-folded, white space collapsed),
so matching is case-insensitive and exact on that form.
"""

from __future__ import annotations

import sqlite3

import regex

PREFIX = "lex"
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]+")
_COLUMNS = {"src": "src_norm", "tgt": "tgt_norm"}

_TABLES = (
    "CREATE VIRTUAL TABLE lex USING fts5(src_norm, tgt_norm, content='pairs', content_rowid='id', "
    "tokenize='trigram case_sensitive 1')",
    "CREATE VIRTUAL TABLE lex_short USING fts5(src_norm, tgt_norm, content='', "
    "tokenize='unicode61 remove_diacritics 0')",
)
_ADD = """
    INSERT INTO lex(rowid, src_norm, tgt_norm) VALUES (new.id, new.src_norm, new.tgt_norm);
    INSERT INTO lex_short(rowid, src_norm, tgt_norm)
        VALUES (new.id, tm_short_tokens(new.src_norm), tm_short_tokens(new.tgt_norm));"""
_REMOVE = """
    INSERT INTO lex(lex, rowid, src_norm, tgt_norm) VALUES ('delete', old.id, old.src_norm, old.tgt_norm);
    INSERT INTO lex_short(lex_short, rowid, src_norm, tgt_norm)
        VALUES ('delete', old.id, tm_short_tokens(old.src_norm), tm_short_tokens(old.tgt_norm));"""
_TRIGGERS = (
    f"CREATE TRIGGER lex_insert AFTER INSERT ON pairs BEGIN{_ADD}\nEND",
    f"CREATE TRIGGER lex_delete AFTER DELETE ON pairs BEGIN{_REMOVE}\nEND",
    f"CREATE TRIGGER lex_update AFTER UPDATE OF src_norm, tgt_norm ON pairs BEGIN{_REMOVE}{_ADD}\nEND",
)


def short_tokens(norm: str) -> str:
    """``lex_short``'s tokens of a normalised text, space-separated: 人权理事会 -> 人权 权理 理事 事会 会."""
    out = []
    for run in _CJK.findall(norm):
        out.extend(run[i:i + 2] for i in range(len(run)))
    return " ".join(out)


def register(con: sqlite3.Connection) -> None:
    """The SQL function the triggers call; every connection to a store registers it."""
    con.create_function("tm_short_tokens", 1, lambda s: short_tokens(s or ""), deterministic=True)


def present(con: sqlite3.Connection) -> bool:
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE name IN ('lex', 'lex_short', "
                                       "'lex_insert', 'lex_delete', 'lex_update')")}
    return len(names) == 5


def create(con: sqlite3.Connection) -> None:
    """Create the index (empty) and its triggers, inside the caller's transaction; the caller fills it with
    :func:`rebuild` when pairs exist."""
    for sql in (*_TABLES, *_TRIGGERS):
        con.execute(sql)


def rebuild(con: sqlite3.Connection) -> None:
    """Refill both tables from the pairs (the repair path); inside the caller's transaction."""
    con.execute("INSERT INTO lex(lex) VALUES ('rebuild')")
    con.execute("INSERT INTO lex_short(lex_short) VALUES ('delete-all')")
    con.execute("INSERT INTO lex_short(rowid, src_norm, tgt_norm) "
                "SELECT id, tm_short_tokens(src_norm), tm_short_tokens(tgt_norm) FROM pairs")


def integrity_problem(con: sqlite3.Connection) -> str | None:
    """What is wrong with the trigram index against the pairs (FTS5's own check, which reads every row), or
    None. FTS5 runs its check as a write, so it runs in a transaction that is rolled back."""
    try:
        con.execute("SAVEPOINT lex_check")
        try:
            con.execute("INSERT INTO lex(lex, rank) VALUES ('integrity-check', 1)")
        finally:
            con.execute("ROLLBACK TO lex_check")
            con.execute("RELEASE lex_check")
    except sqlite3.DatabaseError as e:
        return str(e)
    return None


def phrase(text: str) -> str:
    """An FTS5 phrase literal."""
    return '"' + text.replace('"', '""') + '"'


def substring_plan(norm: str) -> tuple[str, str] | None:
    """(table, FTS5 query) that finds every segment containing ``norm``, or None when only a scan can."""
    if len(norm) >= 3:
        return "lex", phrase(norm)
    if _CJK.fullmatch(norm):
        return "lex_short", phrase(norm) + ("*" if len(norm) == 1 else "")
    return None


def _matching(side: str, norm: str, indexed: bool = True) -> tuple[str, str, list[str], str]:
    """(table, condition, arguments, id column) selecting the segments of ``side`` that contain ``norm``: the
    index where it can answer, else a scan of the normalised text."""
    col = _COLUMNS[side]
    plan = substring_plan(norm) if indexed else None
    if plan is None:
        return "pairs", f"instr({col}, ?) > 0", [norm], "id"
    table, query = plan
    return table, f"{table} MATCH ?", [f"{{{col}}} : {query}"], "rowid"


def count(con: sqlite3.Connection, side: str, norm: str, cap: int | None = None, indexed: bool = True) -> int:
    """How many segments of ``side`` contain ``norm``, counted up to ``cap`` when given."""
    source, where, args, _ = _matching(side, norm, indexed)
    capped = f" LIMIT {int(cap)}" if cap else ""
    return con.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {source} WHERE {where}{capped})", args).fetchone()[0]


def containing(con: sqlite3.Connection, side: str, norm: str, limit: int | None = None,
               count_cap: int | None = None, indexed: bool = True) -> tuple[int, list[int]]:
    """How many segments of ``side`` contain ``norm`` (counted up to ``count_cap`` when given), and the ids of
    the newest ``limit`` of them (all when None), newest first. Reads the index alone: ordering a large
    match set by anything but row id would read every matching row. ``indexed=False`` scans (a store
    without the index)."""
    source, where, args, key = _matching(side, norm, indexed)
    sql = f"SELECT {key} FROM {source} WHERE {where} ORDER BY {key} DESC"
    if limit is not None and count_cap is not None:  # one pass: the newest ids, as many as the count needs
        ids = [r[0] for r in con.execute(f"{sql} LIMIT {max(int(limit), int(count_cap))}", args)]
        return min(len(ids), count_cap), ids[:limit]
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return count(con, side, norm, count_cap, indexed), [r[0] for r in con.execute(sql, args)]


def sample_agrees(con: sqlite3.Connection, sample: int = 8) -> bool:
    """Whether the index finds a sample of stored segments by a piece of their own text (a few page reads:
    the cheap check an open runs; :func:`integrity_problem` is the full one)."""
    import random

    from .database import sample_pairs  # here, not at the top: the database module imports this one

    rng = random.Random()
    for row in sample_pairs(con, "id, src_norm, tgt_norm", sample):
        for col, text in (("src_norm", row[1]), ("tgt_norm", row[2])):
            if len(text) >= 3:
                at = rng.randrange(len(text) - 2)
                hit = con.execute("SELECT rowid FROM lex WHERE lex MATCH ? AND rowid = ?",
                                  (f"{{{col}}} : {phrase(text[at:at + 3])}", row[0])).fetchone()
                if hit is None:
                    return False
            cjk = short_tokens(text).split()
            if cjk:
                token = rng.choice(cjk)
                hit = con.execute("SELECT rowid FROM lex_short WHERE lex_short MATCH ? AND rowid = ?",
                                  (f"{{{col}}} : {phrase(token)}", row[0])).fetchone()
                if hit is None:
                    return False
    return True
