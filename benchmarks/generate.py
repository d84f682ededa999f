"""Write a synthetic, valid ketdata folder of N claims, laid out like the real data.

Usage: python benchmarks/generate.py N OUT_DIR

The shipped vocabularies (categories, evidence statuses, predicates, rules) are copied; concepts,
claims and caveats are made up in proportion (a concept per 20 claims, a caveat per 8), with statements
of realistic length. The source text is synthesised sentence by sentence so that every claim quotes its
own sentence exactly (offsets in code points, a non-breaking space included) and coverage is complete.
Claims go to ``claims/<category>-NNN.yaml``, at most 500 to a file, like the real per-category files.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
PER_FILE = 500
WORDS = (
    "ketamine", "therapy", "session", "patient", "dose", "effect", "route", "infusion", "supervision", "monitoring",
    "clinic", "anesthesia", "relief", "depression", "symptom", "response", "evidence", "report", "trial", "outcome",
)  # fmt: skip
HEDGES = ("can", "may", "typically", "usually", "sometimes", "primarily")


def dump(path: Path, docs: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(docs, explicit_start=True, sort_keys=False, allow_unicode=True, width=100),
                    encoding="utf-8")  # fmt: skip


def load_docs(name: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load_all((ROOT / "data" / name).read_text(encoding="utf-8")))


def sentence(
    rng: random.Random, hedge: str | None, n: int, about: str, relation: str = "about", subject: str = ""
) -> str:
    words = rng.choices(WORDS, k=rng.randint(9, 16))
    if hedge:
        words.insert(2, hedge)
    on = f" on {subject}" if subject else ""
    return f"Synthetic claim {n}{on} says {' '.join(words)} {relation} {about}."


def table_rows() -> list[tuple[str, str | None, list[str]]]:
    """The decision table's rows a synthetic claim can follow: (status, hedge or None, predicates).

    Only rows outside an experimental passage (there is none here) whose cue is a plain hedge, or that have no
    cue, so that the claim's hedge, its predicate and the status the table gives agree.
    """
    return [(s["id"], r.get("cue"), r["predicates"]) for s in load_docs("evidence-statuses.yaml")
            for r in s["decision"] if r.get("cue") in (None, *HEDGES) and not r.get("experimental")]  # fmt: skip


def generate(n: int, out: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    data = out / "data"
    for name in ("categories.yaml", "evidence-statuses.yaml", "predicates.yaml"):
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "data" / name, data / name)
    # A rule naming the real caveats has nothing to look at here; the decision table's passage is never experimental.
    rules = [r for r in load_docs("rules.yaml") if r["kind"] != "status-in-scope"]
    qualifiers = {w for r in rules if r["kind"] == "qualifier-words" for w in r["words"]}
    dump(data / "rules.yaml", [{k: v for k, v in r.items() if k != "caveats"} for r in rules])
    categories = [c["id"] for c in load_docs("categories.yaml")]
    predicates = {p["id"]: p for p in load_docs("predicates.yaml")}
    # A claim is filed under a category its predicate lists (KD581): only predicates that list some are drawn.
    rows = [(s, cue, fit) for s, cue, allowed in table_rows()
            if (fit := [p for p in allowed if predicates[p].get("categories")])]  # fmt: skip
    # A concept a harm claim names keeps its gloss to its label's words and the framing (KD619).
    concepts = [{"id": f"concept-{i:05d}", "label": f"Concept {i:05d}", "kind": "effect",
                 "definition": {"text": f"Concept {i:05d}, as the article names it.", "origin": "external",
                                "reason": "Editorial gloss by ketdata's editors, for readers; the article gives no "
                                          "definition."}} for i in range(max(n // 20, 2))]  # fmt: skip
    dump(data / "concepts.yaml", concepts)

    heading = "Synthetic article"
    parts = [heading, "\n\n"]
    offset = len(heading) + 2
    claims: dict[str, list[dict[str, Any]]] = {c: [] for c in categories}
    stated: set[tuple[str, ...]] = set()
    for i in range(1, n + 1):
        status, hedge, allowed = rng.choice(rows)
        # The statement says its predicate's label whole (KD639): only a label whose hedges are the claim's own.
        fitting = [p for p in allowed if set(predicates[p]["label"].split()) & qualifiers <= {hedge}] or allowed
        predicate = predicates[rng.choice(fitting)]
        fits = predicate["categories"]
        category = fits[i % len(fits)]
        # One fact per claim: a triple already stated is drawn again (KD636 warns of a repeat).
        triple: tuple[str, ...] = ()
        while not triple or triple in stated:
            target = rng.choice(concepts)
            subject = rng.choice([c for c in concepts[:3] if c is not target])
            obj = ({"concept": target["id"]} if predicate["object_kind"] == "concept"
                   else {"value": " ".join(rng.choices(WORDS, k=3))})  # fmt: skip
            triple = (subject["id"], predicate["id"], *obj.values())
        stated.add(triple)
        # The predicate's label, so that the statement says what its predicate does (KD639), and the subject's
        # label, so that it names the triple's subject (KD670).
        text = sentence(rng, hedge, i, obj.get("value") or target["label"], predicate["label"], subject["label"])
        text += "\u00a0" if i % 97 == 0 else " "
        quote = text.rstrip(" \u00a0")
        claims[category].append({
            "id": f"claim-{i:06d}", "version": 1, "status": "active", "statement": quote,
            "subject": subject["id"], "predicate": predicate["id"], "object": obj,
            "category": category, "evidence_status": status, "hedge": hedge,
            "evidence": [{"source": "synthetic", "section": "body", "role": "statement", "quote": quote,
                          "start": offset, "end": offset + len(quote)}],
            "review": {"status": "unreviewed"},
        })  # fmt: skip
        parts.append(text)
        offset += len(text)
    caveats = []
    all_claims = [c for items in claims.values() for c in items]
    for k in range(0, len(all_claims), 8):
        group = all_claims[k : k + 8]
        first = group[0]
        # The caveat's own sentence, with its first claim's hedge: quoted as its statement (a record states what it
        # quotes as a statement or item, KD632), and apart from the claims' sentences, so it restates none (KD321).
        hedged = f" {first['hedge']}" if first["hedge"] else ""
        said = f"A synthetic caveat qualifying {len(group)} claims{hedged}."
        caveats.append({
            "id": f"caveat-{k // 8 + 1:06d}", "version": 1, "status": "active", "statement": said,
            "hedge": first["hedge"],
            "kind": "safety-warning", "scope": {"claims": [c["id"] for c in group]},
            "applies_to": [c["id"] for c in group], "review": {"status": "unreviewed"},
            "evidence": [{"source": "synthetic", "section": "body", "role": "statement", "quote": said,
                          "start": offset, "end": offset + len(said)}],
        })  # fmt: skip
        parts.append(said + " ")
        offset += len(said) + 1
    body = "".join(parts).rstrip() + "\n"
    sources = data / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    (sources / "synthetic.txt").write_text(body, encoding="utf-8")
    dump(sources / "synthetic.yaml", [{
        "id": "synthetic", "title": heading, "file": "synthetic.txt",
        "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(), "media_type": "text/plain; charset=utf-8",
        "language": "en", "author": None, "url": None, "published": None, "license": None,
        "sections": [{"id": "body", "heading": heading, "start": 0, "end": len(body)}],
    }])  # fmt: skip
    for category, items in claims.items():
        for k in range(0, len(items), PER_FILE):
            dump(data / "claims" / f"{category}-{k // PER_FILE:03d}.yaml", items[k : k + PER_FILE])
    for k in range(0, len(caveats), PER_FILE * 2):
        dump(data / "caveats" / f"caveats-{k // (PER_FILE * 2):03d}.yaml", caveats[k : k + PER_FILE * 2])
    dump(data / "dataset.yaml", [{
        "id": "synthetic-dataset", "name": f"Synthetic dataset of {n} claims", "version": "1.0.0",
        "release_date": "2026-01-01", "license": "MIT", "description": "Generated for benchmarks.",
        "maintainers": [{"name": "ketdata benchmarks"}],
    }])  # fmt: skip


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    generate(int(sys.argv[1]), Path(sys.argv[2]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
