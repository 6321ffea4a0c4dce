#!/usr/bin/env python3
"""Run from the repository root: python3 Tests/Fixtures/eval/make.py Corpus Tests/Fixtures/eval

Builds answers-tune.jsonl and answers-check.jsonl from questions.py and checks every evidence span and answer
against `pdftotext -f P -l P` of the listed page (whitespace folded)."""
import json, subprocess, sys, os
sys.path.insert(0, os.path.dirname(__file__))
from questions import A, U
corpus = sys.argv[1]; out = sys.argv[2]
def page(doc, p):
    t = subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), f"{corpus}/{doc}.pdf", "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(t.split())
fold = lambda s: " ".join(s.split()).lower()
bad = 0; rows = []
for i, (doc, q, p, ans, aliases, ev, typ) in enumerate(A):
    text = fold(page(doc, p))
    if fold(ev) not in text: print("EVIDENCE NOT ON PAGE:", doc, p, ev); bad += 1
    if not any(fold(a) in fold(ev) for a in [ans] + aliases): print("ANSWER NOT IN EVIDENCE:", q); bad += 1
    for a in [ans] + aliases:
        if fold(a) not in text: print("ALIAS NOT ON PAGE:", q, a); bad += 1
    rows.append(dict(id=f"a{i+1:03d}", question=q, document=f"{doc}.pdf", pages=[p], answer=ans, aliases=aliases, evidence=ev, type=typ))
for j, q in enumerate(U):
    rows.append(dict(id=f"u{j+1:03d}", question=q, document=None, pages=[], answer=None, aliases=[], evidence=None, type="unanswerable"))
# Split: every third answerable and every third unanswerable question goes to the check part.
ans = [r for r in rows if r["document"]]; un = [r for r in rows if not r["document"]]
check = ans[2::3] + un[2::3]; tune = [r for r in rows if r not in check]
for name, part in (("answers-tune.jsonl", tune), ("answers-check.jsonl", check)):
    with open(f"{out}/{name}", "w") as f:
        for r in part: f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(name, sum(1 for r in part if r["document"]), "answerable,", sum(1 for r in part if not r["document"]), "unanswerable")
sys.exit(1 if bad else 0)
