"""Paper cards from shared, cached pieces with the reader's own part laid over them.

A card's markup is the same for every reader apart from its vote button (a member's own vote,
the log-in link for visitors) and its rank on the page. So each card is rendered once per
version and kept in the per-process "fragments" cache, under a key made of everything that
can change what it shows: the paper's `modified` time (any edit of the paper, its authors or
its categories moves it), the listing's comment counts, featured and hidden flags and
submitter. A new comment or an edited abstract makes a new key, so nothing is ever stale and
nothing needs invalidating across processes; old versions age out of the cache.

The vote count is not in the cached piece: it is read fresh on every request with the rows
(community.queries.listed_rows), so a vote shows at once to everyone who gets a fresh page.
Visitors and members go through these same functions; only `vote_button` differs.
"""

from __future__ import annotations

from django.core.cache import caches
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from community.queries import listings_by_pk

# Markers in the cached markup where the reader's part goes. Each stands in the template
# before any paper text (which is escaped, so it cannot contain one), and is replaced once.
VOTE_SLOT = "<!--vote-->"
RANK_SLOT = "<!--rank-->"
CARD_TEMPLATE = "web/_paper_card.html"
VERSION = 3  # bump when the card template changes shape, if the cache outlives a deploy
SECONDS = 3600


class VoteButtons:
    """Draws the upvote control for one request: a form for members, a log-in link for
    visitors. The paper page, the list cards and the htmx answer to a vote all draw it here.

    Everything but the paper, the count and the pressed state is the same for every button
    of a page (CSRF token, the way back, the URL pattern), so it is escaped and put together
    once per request: drawn with format_html, 50 buttons cost a week page about 1.5 ms of
    escaping (docs/decisions.md, 2026-12-01)."""

    SAMPLE_ID = "0000.00000"

    def __init__(self, request) -> None:
        next_path = request.get_full_path()
        self.member = request.user.is_authenticated
        if self.member:
            before, _, after = reverse("web:upvote", args=[self.SAMPLE_ID]).partition(
                self.SAMPLE_ID
            )
            self.action = (escape(before), escape(after))
            token, back = escape(get_token(request)), escape(next_path)
            self.inputs = (
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
                f'<input type="hidden" name="next" value="{back}">\n  '
            )
        else:
            login = reverse("web:login") + "?" + urlencode({"next": next_path})
            self.link = f'<a class="vote" href="{escape(login)}" title="Log in to upvote">'

    def __call__(self, arxiv_id: str, *, on: bool, votes: int, error: str = "") -> SafeString:
        count = f'<span aria-hidden="true">▲</span> {int(votes)}'
        if not self.member:
            hidden = '<span class="visually-hidden"> upvotes, log in to upvote</span></a>'
            return mark_safe(self.link + count + hidden)  # noqa: S308 - escaped above
        pressed = (
            'class="vote on" aria-pressed="true" title="Remove your upvote"'
            if on
            else 'class="vote" aria-pressed="false" title="Upvote"'
        )
        alert = f' <span class="errors" role="alert">{escape(error)}</span>' if error else ""
        action = escape(arxiv_id).join(self.action)
        return mark_safe(  # noqa: S308 - every variable part is escaped or an int
            f'<form method="post" action="{action}" class="inline vote-form" hx-post="{action}"'
            f' hx-swap="outerHTML">{self.inputs}<button {pressed}>{count}'
            f'<span class="visually-hidden"> upvotes</span></button>{alert}</form>'
        )


def vote_button(request, arxiv_id: str, *, on: bool, votes: int, error: str = "") -> SafeString:
    """One upvote control (see VoteButtons)."""
    return VoteButtons(request)(arxiv_id, on=on, votes=votes, error=error)


def _listing_key(row: dict) -> str:
    return (
        f"card:{VERSION}:L{row['pk']}:{row['paper_id']}:{row['version'].replace(' ', 'T')}:"
        f"{row['member_comments']}:{row['imported_comments']}:{row['featured']:d}"
        f"{row['hidden']:d}:{row['submitted_by_id'] or 0}"
    )


def _paper_key(paper) -> str:
    return f"card:{VERSION}:P{paper.pk}:{paper.modified.timestamp()}"


def _render(paper, listing=None) -> str:
    return render_to_string(CARD_TEMPLATE, {"paper": paper, "listing": listing})


def _listing_pieces(rows: list[dict]) -> dict[int, str]:
    """Each row's cached card markup by listing id, rendering (and keeping) the ones not
    seen before. A listing deleted since the rows were read is left out."""
    cache = caches["fragments"]
    keys = {row["pk"]: _listing_key(row) for row in rows}
    found = cache.get_many(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        fresh = {
            keys[pk]: _render(listing.paper, listing)
            for pk, listing in listings_by_pk(missing).items()
        }
        cache.set_many(fresh, SECONDS)
        found.update(fresh)
    return {pk: found[key] for pk, key in keys.items() if key in found}


def listing_cards(request, rows: list[dict], *, rank_offset: int, upvoted: set[int]) -> SafeString:
    """A page of list cards (rows from community.queries.listed_rows), ranked from
    rank_offset + 1, with the reader's votes (`upvoted`: paper ids) laid over."""
    vote_button = VoteButtons(request)
    pieces = _listing_pieces(rows)
    cards = []
    for number, row in enumerate(rows, 1):
        piece = pieces.get(row["pk"])
        if piece is None:
            continue
        vote = vote_button(row["arxiv_id"], on=row["paper_id"] in upvoted, votes=row["votes"])
        rank = f'<span class="rank">{rank_offset + number}.</span> '
        cards.append(piece.replace(VOTE_SLOT, vote, 1).replace(RANK_SLOT, rank, 1))
    return mark_safe("".join(cards))  # noqa: S308 - pieces are rendered, escaped templates


def paper_card(paper) -> SafeString:
    """A catalogue card without listing or vote (author, category and latest pages)."""
    cache = caches["fragments"]
    key = _paper_key(paper)
    piece = cache.get(key)
    if piece is None:
        piece = _render(paper)
        cache.set(key, piece, SECONDS)
    return mark_safe(piece.replace(RANK_SLOT, "", 1))  # noqa: S308 - a rendered template
