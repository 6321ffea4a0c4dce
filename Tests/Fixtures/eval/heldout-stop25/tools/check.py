#!/usr/bin/env python3
"""Verify the held-out Folio eval sets against the corpus PDFs.

Usage:
    python3 /work/eval-sets/tools/check.py            # check sets a and b
    python3 /work/eval-sets/tools/check.py --dev      # also run the same item checks on shared/eval (sanity)
    python3 /work/eval-sets/tools/check.py -v         # list every item

For each answerable item (question or conversation turn) it runs
`pdftotext -f P -l P` (reading order, and also `-layout`) on every listed page,
normalises page text and evidence the same way (NFKC for ligatures, quote/dash
variants, soft hyphens, whitespace runs; a word split by a hyphen at a line
break is tried both joined and kept), and requires
  * the evidence to occur verbatim (after normalisation) in the listed pages,
  * the answer or one of its aliases to occur in the evidence or on the pages.
It also checks field names, order and types against shared/eval/dev.jsonl,
unanswerable-item conventions, unique ids, counts, and that no question or
evidence span is shared by set a, set b and the shared dev sets.
Exit status 0 only if everything passes.
"""
import json
import os
import re
import subprocess
import sys
import unicodedata
from functools import lru_cache

ROOT = os.environ.get("EVAL_SETS_ROOT", "/work/eval-sets")
CORPUS = "/work/shared/corpus"
DEV = "/work/shared/eval/dev.jsonl"
CDEV = "/work/shared/eval/conversations-dev.jsonl"

N_QUESTIONS, N_ANSWERABLE, N_UNANSWERABLE = 48, 40, 8
N_CONV = 12
TURNS_MIN, TURNS_MAX = 3, 5
CONV_UNANSWERABLE = 4
SWITCH_MIN, SWITCH_MAX = 4, 5

errors = []
verbose = "-v" in sys.argv


def err(msg):
    errors.append(msg)


def load(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                err(f"{path}:{n}: blank line")
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                err(f"{path}:{n}: bad JSON: {e}")
    return out


DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), "-")
QUOTES = {ord("\u2018"): "'", ord("\u2019"): "'", ord("\u201c"): '"', ord("\u201d"): '"'}


def norm_chars(s):
    s = unicodedata.normalize("NFKC", s)
    s = s.replace("\u00ad", "").replace("\u00a0", " ").replace("\f", "\n")
    return s.translate(DASHES).translate(QUOTES)


def collapse(s):
    return re.sub(r"\s+", " ", s).strip()


@lru_cache(maxsize=None)
def page_text(doc, page, layout):
    cmd = ["pdftotext", "-f", str(page), "-l", str(page)]
    if layout:
        cmd.append("-layout")
    cmd += [os.path.join(CORPUS, doc), "-"]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


@lru_cache(maxsize=None)
def page_count(doc):
    out = subprocess.run(["pdfinfo", os.path.join(CORPUS, doc)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def variants(raw):
    """Normalised forms of a page text: line-break hyphens joined, and kept."""
    t = norm_chars(raw)
    joined = collapse(re.sub(r"(\w)-[ \t]*\n\s*(\w)", r"\1\2", t))
    kept = collapse(re.sub(r"(\w)-[ \t]*\n\s*(\w)", r"\1-\2", t))
    return joined, kept


def pages_variants(doc, pages):
    out = []
    for layout in (False, True):
        raw = "\n".join(page_text(doc, p, layout) for p in pages)
        out.extend(variants(raw))
    return out


def norm_ev(s):
    return collapse(norm_chars(s))


def check_answerable(item, where):
    doc, pages = item["document"], item["pages"]
    if not os.path.exists(os.path.join(CORPUS, doc)):
        err(f"{where}: unknown document {doc!r}")
        return
    if not pages or any(not isinstance(p, int) or p < 1 or p > page_count(doc) for p in pages):
        err(f"{where}: bad pages {pages} for {doc} ({page_count(doc)} pages)")
        return
    if pages != sorted(set(pages)):
        err(f"{where}: pages must be sorted and unique: {pages}")
    texts = pages_variants(doc, pages)
    ev = norm_ev(item["evidence"])
    if len(ev) < 15:
        err(f"{where}: evidence too short: {item['evidence']!r}")
    if not any(ev in t for t in texts):
        err(f"{where}: evidence not found on {doc} p{pages}: {item['evidence']!r}")
        return
    cands = [item["answer"]] + list(item["aliases"])
    # pages = the pages that answer: besides holding the evidence (checked above, on the
    # listed pages taken together), every listed page must state the answer or an alias.
    if len(pages) > 1 and not where.startswith(("dev:", "cdev:")):  # shared dev sets list some context pages
        for p in pages:
            tp = [t.lower() for t in pages_variants(doc, [p])]
            if not any(norm_ev(c).lower() in t for c in cands for t in tp):
                err(f"{where}: listed page {p} does not state the answer or an alias")
    ev_l = ev.lower()
    texts_l = [t.lower() for t in texts]
    if not any(norm_ev(c).lower() in ev_l for c in cands):
        if not any(norm_ev(c).lower() in t for c in cands for t in texts_l):
            err(f"{where}: neither answer nor alias occurs in evidence or page: {cands}")
        elif not where.startswith(("dev:", "cdev:")):
            # Stricter than "on the page" for our own sets: a short wrong number (e.g. a
            # neighbouring table cell) would otherwise pass just by appearing somewhere on the page.
            err(f"{where}: answer/alias occurs on the page but not inside the evidence span: {cands}")


def schema_from_dev():
    dev = load(DEV)
    keys = list(dev[0].keys())
    for d in dev:
        if list(d.keys()) != keys:
            err(f"dev.jsonl itself has inconsistent keys at {d.get('id')}")
    types = {d["type"] for d in dev}
    conv_types = {t["type"] for c in load(CDEV) for t in c["turns"]}
    return keys, types | conv_types


def check_item(item, where, keys, types, qtypes=None):
    if list(item.keys()) != keys:
        err(f"{where}: keys {list(item.keys())} != dev keys {keys}")
        return False
    if not isinstance(item["id"], str) or not isinstance(item["question"], str) or not item["question"].strip():
        err(f"{where}: id/question must be non-empty strings")
    if item["type"] not in (qtypes or types):
        err(f"{where}: type {item['type']!r} not among {sorted(qtypes or types)}")
    if not isinstance(item["aliases"], list) or not all(isinstance(a, str) and a.strip() for a in item["aliases"]):
        err(f"{where}: aliases must be a list of non-empty strings")
    if item["type"] == "unanswerable" or item["document"] is None:
        if not (item["type"] == "unanswerable" and item["document"] is None and item["pages"] == []
                and item["answer"] is None and item["aliases"] == [] and item["evidence"] is None):
            err(f"{where}: unanswerable items must be document=null, pages=[], answer=null, aliases=[], evidence=null, type=unanswerable")
        return False
    if not isinstance(item["document"], str) or not item["document"].endswith(".pdf"):
        err(f"{where}: document must be the PDF file name as in dev.jsonl")
        return False
    if not isinstance(item["answer"], str) or not item["answer"].strip():
        err(f"{where}: answer must be a non-empty string")
        return False
    if not isinstance(item["evidence"], str) or not isinstance(item["pages"], list):
        err(f"{where}: evidence must be a string and pages a list")
        return False
    check_answerable(item, where)
    return True


def words(q):
    return set(re.findall(r"[a-z0-9]+", q.lower())) - {"the", "a", "an", "of", "in", "to", "what", "is", "did", "does", "how", "for", "and", "on", "it", "its", "they", "their", "was", "by", "with", "do", "that", "this", "which"}


def jacc(a, b):
    return len(a & b) / max(1, len(a | b))


def main():
    keys, types = schema_from_dev()
    dev_qtypes = {d["type"] for d in load(DEV)}
    registry = []  # (set, id, question, evidence)

    if "--dev" in sys.argv:
        for d in load(DEV):
            check_item(d, f"dev:{d['id']}", keys, types)
        for c in load(CDEV):
            for t in c["turns"]:
                check_item(t, f"cdev:{t['id']}", keys, types)
    for d in load(DEV):
        registry.append(("dev", d["id"], d["question"], d["evidence"]))
    for c in load(CDEV):
        for t in c["turns"]:
            registry.append(("dev", t["id"], t["question"], t["evidence"]))

    summary = {}
    for s in ("a", "b"):
        qpath = os.path.join(ROOT, s, "questions.jsonl")
        cpath = os.path.join(ROOT, s, "conversations.jsonl")
        qs = load(qpath)
        ids = [q.get("id") for q in qs]
        if len(set(ids)) != len(ids):
            err(f"{s}: duplicate question ids")
        for i, q in enumerate(qs, 1):
            if q.get("id") != f"{s}{i:03d}":
                err(f"{s}: question {i} has id {q.get('id')!r}, expected {s}{i:03d}")
            check_item(q, f"{s}:{q.get('id')}", keys, types, dev_qtypes)
            registry.append((s, q.get("id"), q.get("question", ""), q.get("evidence")))
        n_un = sum(q.get("type") == "unanswerable" for q in qs)
        if len(qs) != N_QUESTIONS or n_un != N_UNANSWERABLE:
            err(f"{s}: {len(qs)} questions with {n_un} unanswerable; want {N_QUESTIONS} with {N_UNANSWERABLE}")
        docs = {}
        for q in qs:
            if q.get("document"):
                docs[q["document"]] = docs.get(q["document"], 0) + 1
        missing = {f for f in os.listdir(CORPUS) if f.endswith(".pdf")} - set(docs)
        if missing:
            err(f"{s}: no questions on {sorted(missing)}")

        convs = load(cpath)
        if len(convs) != N_CONV:
            err(f"{s}: {len(convs)} conversations, want {N_CONV}")
        n_turns = n_switch = n_cun = 0
        for i, c in enumerate(convs, 1):
            cid = f"c{s}{i:02d}"
            if list(c.keys()) != ["id", "turns"]:
                err(f"{s}: conversation keys {list(c.keys())}")
                continue
            if c["id"] != cid:
                err(f"{s}: conversation {i} has id {c['id']!r}, expected {cid}")
            turns = c["turns"]
            if not (TURNS_MIN <= len(turns) <= TURNS_MAX):
                err(f"{cid}: {len(turns)} turns")
            last_doc = None
            for j, t in enumerate(turns, 1):
                if t.get("id") != f"{cid}.{j}":
                    err(f"{cid}: turn {j} id {t.get('id')!r}")
                ok = check_item(t, f"{s}:{t.get('id')}", keys, types)
                registry.append((s, t.get("id"), t.get("question", ""), t.get("evidence")))
                n_turns += 1
                if t.get("document") is None:
                    if j == 1:
                        err(f"{cid}: first turn is unanswerable")
                    n_cun += 1
                    continue
                if last_doc is not None and t["document"] != last_doc:
                    n_switch += 1
                last_doc = t["document"]
                if j == 1 and t.get("document") is None:
                    err(f"{cid}: first turn must be answerable")
        if n_cun != CONV_UNANSWERABLE:
            err(f"{s}: {n_cun} unanswerable follow-ups, want {CONV_UNANSWERABLE}")
        if not (SWITCH_MIN <= n_switch <= SWITCH_MAX):
            err(f"{s}: {n_switch} topic switches, want {SWITCH_MIN}-{SWITCH_MAX}")
        summary[s] = dict(questions=len(qs), answerable=len(qs) - n_un, unanswerable=n_un,
                          conversations=len(convs), turns=n_turns, followups=n_turns - len(convs),
                          topic_switches=n_switch, unanswerable_followups=n_cun,
                          docs=dict(sorted(docs.items())),
                          types=dict(sorted({t: sum(q.get('type') == t for q in qs) for t in {q.get('type') for q in qs}}.items())))

    # overlap: identical/near-identical questions, shared evidence spans
    for i in range(len(registry)):
        si, ii, qi, ei = registry[i]
        wi = words(qi)
        for j in range(i + 1, len(registry)):
            sj, ij, qj, ej = registry[j]
            if si == "dev" and sj == "dev":
                continue
            if jacc(wi, words(qj)) >= 0.6:
                err(f"near-duplicate questions {si}:{ii} / {sj}:{ij}: {qi!r} ~ {qj!r}")
            if ei and ej:
                a, b = norm_ev(ei), norm_ev(ej)
                if a in b or b in a:
                    err(f"shared evidence {si}:{ii} / {sj}:{ij}: {ei!r}")

    for s, v in summary.items():
        print(f"set {s}: " + json.dumps(v))
    if errors:
        print(f"\nFAIL: {len(errors)} problem(s)")
        for e in errors:
            print("  - " + e)
        sys.exit(1)
    print("\nOK: all items pass")


if __name__ == "__main__":
    main()
