"""Comment Markdown: a safe subset rendered to HTML and sanitised with nh3."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
_RENDERER.disable(["image", "table"])
ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> str:
    """HTML for `text`: Markdown without raw HTML or images, then sanitised, links made
    `rel="nofollow noopener ugc"`, and only http(s) and mailto links kept."""
    html = _RENDERER.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
    )
