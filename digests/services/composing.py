"""A digest as an email: subject / text / HTML templates, and list headers (RFC 2369, 8058)."""

from __future__ import annotations

import hashlib
import textwrap
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from catalog.models import Paper
from community.periods import Period
from digests.models import Delivery, Subscription
from digests.periods import describe

ABSTRACT_CHARS = 320
AUTHORS_SHOWN = 4
WIDTH = 78


def wrap_text(body: str, width: int = WIDTH) -> str:
    """Wrap every line to `width` columns at spaces; long URLs stay whole on their line."""
    lines = []
    for line in body.splitlines():
        if len(line) <= width:
            lines.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        lines.extend(
            textwrap.wrap(
                line,
                width,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines).rstrip() + "\n"


def short_abstract(text: str, limit: int = ABSTRACT_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


@dataclass
class DigestItem:
    paper: Paper
    authors: str
    abstract: str
    upvotes: int
    reason: str
    page_url: str
    arxiv_url: str
    code_url: str


def site_domain() -> str:
    return urlparse(settings.BASE_URL).hostname or "localhost"


def make_item(paper: Paper, upvotes: int, reason: str) -> DigestItem:
    names = [a.author.name for a in paper.authorships.all()]
    authors = ", ".join(names[:AUTHORS_SHOWN]) + (" et al." if len(names) > AUTHORS_SHOWN else "")
    return DigestItem(
        paper=paper,
        authors=authors,
        abstract=short_abstract(paper.abstract),
        upvotes=upvotes,
        reason=reason,
        page_url=settings.BASE_URL + paper.get_absolute_url(),
        arxiv_url=paper.abs_url,
        code_url=paper.code_url,
    )


class ItemBlocks:
    """Each paper's text and HTML block, rendered once however many digests hold it."""

    def __init__(self) -> None:
        self.text: dict[tuple, str] = {}
        self.html: dict[tuple, str] = {}

    def for_items(self, items: list[DigestItem]) -> tuple[list[str], list[str]]:
        texts, htmls = [], []
        for number, item in enumerate(items, start=1):
            key = (item.paper.pk, item.upvotes, item.reason)
            if (number, *key) not in self.text:
                context = {"item": item, "number": number}
                block = render_to_string("digests/email/digest_item.txt", context)
                self.text[(number, *key)] = wrap_text(block)
            if key not in self.html:
                self.html[key] = render_to_string("digests/email/digest_item.html", {"item": item})
            texts.append(self.text[(number, *key)])
            htmls.append(self.html[key])
        return texts, htmls


def compose(
    delivery: Delivery,
    subscription: Subscription,
    items: list[DigestItem],
    *,
    unsubscribe_link: str,
    preferences_link: str,
    blocks: ItemBlocks | None = None,
) -> EmailMultiAlternatives:
    """The digest message: multipart/alternative with a text part written for text (not
    converted from HTML), an HTML part with inline styles, and the list headers that let
    mail clients offer one-click unsubscribe."""
    period = Period("day", delivery.period_start, delivery.period_end)
    domain = site_domain()
    kind = delivery.frequency
    text_blocks, html_blocks = (blocks or ItemBlocks()).for_items(items)
    context = {
        "text_blocks": text_blocks,
        "html_blocks": html_blocks,
        "subscription": subscription,
        "frequency": subscription.get_frequency_display().split(" ")[0].lower(),
        "period": describe(delivery.frequency, period),
        "items": items,
        "top": items[0] if items else None,
        "site": settings.BASE_URL,
        "unsubscribe_link": unsubscribe_link,
        "preferences_link": preferences_link,
    }
    subject = " ".join(render_to_string("digests/email/digest_subject.txt", context).split())
    text = wrap_text(render_to_string("digests/email/digest.txt", context))
    html = render_to_string("digests/email/digest.html", context)
    # Stable per delivery, so a digest sent again after a crash carries the same Message-ID
    # and receiving systems can drop the copy.
    digest = hashlib.sha256(f"{delivery.pk}:{subscription.token}".encode()).hexdigest()[:16]
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[subscription.email],
        headers={
            "Message-ID": f"<digest.{delivery.pk}.{digest}@{domain}>",
            "List-Id": f"Paperboy {kind} digest <{kind}.digest.{domain}>",
            "List-Unsubscribe": (
                f"<{unsubscribe_link}>, "
                f"<mailto:unsubscribe@{domain}?subject=unsubscribe%20{subscription.token}>"
            ),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "Precedence": "bulk",
        },
    )
    message.attach_alternative(html, "text/html")
    return message
