"""Re-anchoring at scale: N evidence spans against a new revision of a source of S bytes, against exact search.

A synthetic source of about S bytes (paragraphs of generated words, the tracked hedge words among them) and
N spans of whole words are made with a fixed seed; the new revision inserts sentences, replaces words, deletes
sentences and moves paragraphs (a few hundred edits in all). Measured in the same process, best of --repeat:
  floor     finding every quote in the new revision by exact search (``str.find``), nothing else;
  reanchor  re-anchoring every span (ketdata._editor.reanchor.Reanchorer: the diff, then each span's verdict);
and the ratio of the two. Target: a few times the floor (at most 5x).

Usage: python benchmarks/reanchor.py [--spans 100000] [--bytes 1000000] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ketdata._editor.reanchor import Reanchorer

TARGET = 5.0
HEDGES = ["primarily", "can", "may", "typically", "usually", "sometimes", "potential", "particularly", "including"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(1, 4)))


def _sentence(rng: random.Random, vocabulary: list[str]) -> str:
    words = [rng.choice(HEDGES) if rng.random() < 0.05 else rng.choice(vocabulary) for _ in range(rng.randint(6, 20))]
    return " ".join(words).capitalize() + "."


def source(size: int, seed: int = 7) -> str:
    """About ``size`` characters of paragraphs, each a line of sentences, blank lines between."""
    rng = random.Random(seed)
    vocabulary = [_word(rng) for _ in range(20000)]
    paragraphs, total = [], 0
    while total < size:
        paragraph = " ".join(_sentence(rng, vocabulary) for _ in range(rng.randint(2, 6)))
        paragraphs.append(paragraph)
        total += len(paragraph) + 2
    return "\n\n".join(paragraphs) + "\n"


def spans(text: str, count: int, seed: int = 11) -> list[tuple[int, int, str]]:
    """``count`` spans of 2 to 12 whole words, anywhere in the text."""
    rng = random.Random(seed)
    import re

    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    found = []
    for _ in range(count):
        i = rng.randrange(len(words) - 12)
        j = i + rng.randint(1, 11)
        found.append((words[i][0], words[j][1], text[words[i][0] : words[j][1]]))
    return found


def revise(text: str, edits: int, seed: int = 13) -> str:
    """The new revision: sentences inserted and deleted, words replaced, paragraphs moved."""
    rng = random.Random(seed)
    vocabulary = [_word(rng) for _ in range(2000)]
    paragraphs = text.rstrip("\n").split("\n\n")
    for n in range(edits):
        i = rng.randrange(len(paragraphs))
        sentences = paragraphs[i].split(". ")
        kind = n % 4
        if kind == 0:
            sentences.insert(rng.randrange(len(sentences) + 1), _sentence(rng, vocabulary).rstrip("."))
        elif kind == 1 and len(sentences) > 1:
            del sentences[rng.randrange(len(sentences))]
        elif kind == 2:
            k = rng.randrange(len(sentences))
            words = sentences[k].split(" ")
            words[rng.randrange(len(words))] = rng.choice(vocabulary)
            sentences[k] = " ".join(words)
        else:
            paragraphs.insert(rng.randrange(len(paragraphs)), paragraphs.pop(i))
            continue
        paragraphs[i] = ". ".join(sentences)
    return "\n\n".join(paragraphs) + "\n"


def measure(size: int, count: int, repeat: int) -> dict[str, object]:
    old = source(size)
    new = revise(old, edits=max(4, size // 4000))
    quoted = spans(old, count)
    floors, runs = [], []
    kinds: Counter[str] = Counter()
    for _ in range(repeat):
        start = time.perf_counter()
        for _, _, quote in quoted:
            new.find(quote)
        floors.append(time.perf_counter() - start)
        start = time.perf_counter()
        anchorer = Reanchorer(old, new, HEDGES)
        kinds = Counter(anchorer.place(s, e, q).kind for s, e, q in quoted)
        runs.append(time.perf_counter() - start)
    floor, run = min(floors), min(runs)
    return {"bytes": len(old.encode()), "spans": count, "floor_seconds": floor, "reanchor_seconds": run,
            "ratio": run / floor, "target": TARGET, "met": run / floor <= TARGET, "verdicts": dict(kinds)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=100_000)
    parser.add_argument("--bytes", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.bytes, args.spans, args.repeat)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['spans']:,} spans, {result['bytes']:,}-byte source: verdicts {result['verdicts']}")
        print(f"floor (exact search) {result['floor_seconds']:.3f} s, re-anchoring {result['reanchor_seconds']:.3f} s")
        print(f"ratio {result['ratio']:.2f} (target <= {TARGET}): {'met' if result['met'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
