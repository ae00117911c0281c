"""Write search/common_stems.py: the word stems found in at least 1% of the arXiv snapshot's
papers (title or abstract), with the keyword index's own analyzer.

A quoted phrase of two such words ("language models", "models with") makes tantivy check
word positions in every paper holding both, tens of thousands at 3M papers. The index
records which adjacent pairs of these stems each paper holds (the `pairs` field), so such
a phrase first narrows to the papers holding its pairs. The list is part of the index's
schema: changing it means a new SCHEMA_VERSION and a rebuild.

    .venv/bin/python scripts/make_common_stems.py
"""

from __future__ import annotations

import gzip
import json
import sys
import textwrap
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT.parent / "shared" / "data" / "arxiv" / "arxiv-snapshot.jsonl.gz"
SHARE = 0.01


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from search.phrases import analyzer

    analyze = analyzer().analyze
    papers = 0
    frequency: Counter[str] = Counter()
    with gzip.open(SNAPSHOT, "rt") as handle:
        for line in handle:
            record = json.loads(line)
            papers += 1
            frequency.update(set(analyze(record["title"])) | set(analyze(record["abstract"])))
    stems = sorted(stem for stem, count in frequency.items() if count >= SHARE * papers)
    body = textwrap.fill(" ".join(stems), width=92)
    (ROOT / "search" / "common_stems.py").write_text(
        '"""Stems in at least 1% of the arXiv snapshot\'s papers (written by '
        "scripts/make_common_stems.py;\nsee search/phrases.py). Part of the keyword "
        'index\'s schema: do not edit by hand."""\n\n'
        f'_WORDS = """\n{body}\n"""\n\nSTEMS = frozenset(_WORDS.split())\n'
    )
    print(f"{len(stems)} stems from {papers} papers")


if __name__ == "__main__":
    main()
