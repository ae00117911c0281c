"""Template filters for paper text: math rendering and abstract previews."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

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
