"""Template filters for paper text: math rendering and abstract previews."""

from __future__ import annotations

import functools

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString

from web import cards
from web.math import preview, render_math

register = template.Library()


@register.filter(name="math")
def math_filter(text: str | None) -> SafeString:
    """Escape `text` and render its LaTeX as MathML."""
    return render_math(text or "")


@register.filter
def abstract_preview(text: str | None) -> str:
    """The start of an abstract for cards (plain text; pipe it through `math`)."""
    return preview(text or "")[0]


@register.filter
def is_long(text: str | None) -> bool:
    return preview(text or "")[1]


@register.simple_tag(takes_context=True)
def vote_button(context, arxiv_id: str, on: bool, votes: int) -> SafeString:
    """The upvote control for this reader (web/cards.py)."""
    return cards.vote_button(context["request"], arxiv_id, on=bool(on), votes=votes)


@register.simple_tag
def paper_card(paper) -> SafeString:
    """A catalogue card, from the fragment cache when this version was drawn before."""
    return cards.paper_card(paper)


@register.simple_tag
def link(name: str, *args) -> str:
    """`{% url %}` for the links on every page (menus, the list's period links), remembered
    per process: reversing the page chrome's 20 links on every request was a fifth of a
    member's week page (docs/decisions.md, 2026-12-01)."""
    return _reversed(get_script_prefix(), name, args)


@functools.lru_cache(maxsize=4096)
def _reversed(prefix: str, name: str, args: tuple) -> str:
    return reverse(name, args=args)  # `prefix` is in the key: reverse() reads it per thread
