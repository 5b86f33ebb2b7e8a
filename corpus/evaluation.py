"""Score a folder of predicted bead files against a folder of gold files."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from align.errors import InputError
from align.evaluate import Counts, Scores, count, parse_beads, scores


def list_bead_files(d: Path) -> dict[str, Path]:
    """Document stem -> file, ``.gold`` taking precedence over ``.align``."""
    if not d.is_dir():
        raise InputError(f"{d}: not a folder; give a folder of DOC.gold / DOC.align files")
    found: dict[str, Path] = {}
    for ext in (".align", ".gold"):
        for p in sorted(d.iterdir()):
            if p.is_file() and p.name.endswith(ext):
                found[p.name[: -len(ext)]] = p
    return found


@dataclass(frozen=True, slots=True)
class DocResult:
    """One document's gold and predicted beads counted, and their scores."""
    doc: str
    gold: int
    pred: int
    scores: Scores
    missing: bool = False


@dataclass(frozen=True, slots=True)
class EvalReport:
    """``tmbuild eval``'s answer: every document's scores and the total."""
    docs: tuple[DocResult, ...]
    total: Scores
    counts: Counts
    ignored: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"documents": [dict(doc=d.doc, gold=d.gold, pred=d.pred, missing=d.missing, **asdict(d.scores))
                              for d in self.docs],
                "overall": asdict(self.total), "ignored_predictions": list(self.ignored)}

    def table(self) -> str:
        head = "%-12s %6s %6s | %7s %7s %7s | %7s %7s %7s" % (
            "doc", "gold", "pred", "P_str", "R_str", "F1_str", "P_lax", "R_lax", "F1_lax")
        lines = [head, "-" * len(head)]
        for d in self.docs:
            s = d.scores
            lines.append("%-12s %6d %6d | %7.3f %7.3f %7.3f | %7.3f %7.3f %7.3f%s" % (
                d.doc, d.gold, d.pred, s.p_strict, s.r_strict, s.f_strict, s.p_lax, s.r_lax, s.f_lax,
                "  (missing)" if d.missing else ""))
        s = self.total
        lines.append("-" * len(head))
        lines.append("%-12s %6d %6d | %7.3f %7.3f %7.3f | %7.3f %7.3f %7.3f" % (
            "ALL", sum(d.gold for d in self.docs), sum(d.pred for d in self.docs),
            s.p_strict, s.r_strict, s.f_strict, s.p_lax, s.r_lax, s.f_lax))
        if self.ignored:
            lines.append(f"ignored predictions without gold: {', '.join(self.ignored)}")
        lines.append("strict_f1=%.4f lax_f1=%.4f" % (s.f_strict, s.f_lax))
        return "\n".join(lines)


def evaluate_dirs(gold_dir: Path, pred_dir: Path, allow_missing: bool = False) -> EvalReport:
    gold_files = list_bead_files(gold_dir)
    pred_files = list_bead_files(pred_dir)
    if not gold_files:
        raise InputError(f"{gold_dir}: no .gold or .align files")
    missing = sorted(set(gold_files) - set(pred_files))
    if missing and not allow_missing:
        raise InputError(f"{pred_dir}: no prediction for {', '.join(missing[:5])}"
                         f"{' ...' if len(missing) > 5 else ''}; use --allow-missing to score them as empty")
    total = Counts()
    docs = []
    for name in sorted(gold_files):
        gold = parse_beads(gold_files[name].read_text(encoding="utf-8-sig").splitlines(), str(gold_files[name]))
        pred = (parse_beads(pred_files[name].read_text(encoding="utf-8-sig").splitlines(), str(pred_files[name]))
                if name in pred_files else [])
        c = count(gold, pred)
        total = total + c
        docs.append(DocResult(name, len(gold), len(pred), scores(c), name not in pred_files))
    return EvalReport(tuple(docs), scores(total), total, tuple(sorted(set(pred_files) - set(gold_files))))
