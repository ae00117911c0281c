"""LaTeX in titles and abstracts, rendered as MathML on the server.

`$...$`, `$$...$$` and `\\(...\\)` become MathML (latex2mathml), which browsers display
natively: no script, no web font. The converter's output is cleaned to MathML elements and
presentation attributes only (it passes `\\text{...}` through raw, and `\\href` as an
attribute), and anything it cannot parse stays as the escaped original text, so a malformed
formula never breaks a page.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)", re.S)
MAX_FORMULA = 400
_TAGS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup",
    "mfrac", "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd",
    "mstyle", "mpadded", "mphantom", "menclose",
}  # fmt: skip
_PRESENTATION = {
    "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "accent",
    "accentunder", "displaystyle", "scriptlevel", "minsize", "maxsize", "movablelimits",
    "largeop", "symmetric", "width", "linethickness", "notation", "columnalign",
    "rowspacing", "columnspacing",
}  # fmt: skip
_ATTRIBUTES = dict.fromkeys(_TAGS, _PRESENTATION) | {"math": {"xmlns", "display"}}


# Text-mode commands whose argument the converter copies into <mtext> unescaped: `<`, `>`
# and `&` there are text to show (`\texttt{<think>}`), not markup for the cleaner to drop.
_TEXT_ARGUMENT = re.compile(r"(\\(?:text\w*|mathrm|mbox|operatorname)\s*\{)([^{}]*)(\})")
_STAND_INS = {"<": "\ue000", ">": "\ue001", "&": "\ue002"}
_ENTITIES = {"\ue000": "&lt;", "\ue001": "&gt;", "\ue002": "&amp;"}


def _protect_text(latex: str) -> str:
    def protect(match: re.Match) -> str:
        inner = match.group(2)
        for char, stand_in in _STAND_INS.items():
            inner = inner.replace(char, stand_in)
        return match.group(1) + inner + match.group(3)

    return _TEXT_ARGUMENT.sub(protect, latex)


def _formula(latex: str, display: bool) -> str | None:
    from latex2mathml.converter import convert

    if len(latex) > MAX_FORMULA or any(c in latex for c in _ENTITIES):
        return None
    try:
        mathml = convert(_protect_text(latex), display="block" if display else "inline")
    except Exception:  # the converter raises many kinds of error on malformed input
        return None
    cleaned = nh3.clean(mathml, tags=_TAGS, attributes=_ATTRIBUTES)
    for stand_in, entity in _ENTITIES.items():
        cleaned = cleaned.replace(stand_in, entity)
    return cleaned


@lru_cache(maxsize=8192)
def render_math(text: str) -> SafeString:
    """HTML for `text`: escaped, with its LaTeX formulas as MathML."""
    parts, position = [], 0
    for match in _MATH.finditer(text):
        parts.append(escape(text[position : match.start()]))
        latex = match.group(1) or match.group(2) or match.group(3)
        rendered = _formula(latex.strip(), display=match.group(1) is not None)
        parts.append(rendered if rendered is not None else escape(match.group(0)))
        position = match.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped or cleaned


def preview(text: str, words: int = 45) -> tuple[str, bool]:
    """The first `words` words (never cutting a formula in two), and whether more follow."""
    tokens = text.split()
    if len(tokens) <= words:
        return " ".join(tokens), False
    taken = tokens[:words]
    while " ".join(taken).count("$") % 2 and len(taken) < len(tokens):
        taken.append(tokens[len(taken)])
    return " ".join(taken) + "…", len(taken) < len(tokens)
