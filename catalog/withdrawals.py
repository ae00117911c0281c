"""Withdrawn papers: arXiv keeps a withdrawn paper's page, with a last version whose
comments (and usually abstract) say it was withdrawn. Such a paper stays in the catalogue,
marked, and leaves search on every node like a paper a curator hides."""

from __future__ import annotations

import re

# arXiv's wording at the start of the comments (or, where a snapshot has none, of the
# abstract): "This paper has been withdrawn by the authors", "Paper withdrawn", "arXiv admin
# note: This submission has been withdrawn by arXiv administrators", "withdrawn due to an
# error". A text that only mentions a withdrawal later on ("supersedes the withdrawn ...")
# is not one.
_NOUNS = "paper|papers|article|submission|manuscript|preprint|version|work|note"
_SUBJECT = rf"(?:(?:this|the|our)\s+)?(?:(?:{_NOUNS})\s+)?"
_WITHDRAWN = re.compile(
    r"^\W*(?:arxiv\s+admin\s+note\s*:\s*)?(?:"
    + _SUBJECT
    + r"(?:(?:has\s+been|have\s+been|is|was|were)\s+)?withdrawn"
    + r"|(?:the\s+)?authors?\s+(?:has|have)\s+withdrawn)\b",
    re.IGNORECASE,
)


def is_withdrawn(comments: str | None, abstract: str | None = None) -> bool:
    """Whether arXiv's comments (or, when there are none, the abstract) announce that the
    paper was withdrawn."""
    text = comments or abstract
    return bool(text and _WITHDRAWN.match(text))
