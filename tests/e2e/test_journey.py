"""One visitor's journey through the real site in a real browser, plus accessibility and
screenshots of the main pages in both themes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from community.models import Upvote
from digests.models import Subscription
from digests.services.building import build_digests
from digests.services.sending import send_pending
from search.services.indexing import update_index
from tests.e2e.conftest import screenshot, serious_accessibility_violations
from tests.factories import DailyListingFactory, PaperFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLES = [
    "Diffusion transformers for long video generation",
    "Scaling laws for $\\mathcal{O}(n \\log n)$ attention",
    "Retrieval augmented agents that read papers",
    "Protein folding with equivariant graph networks",
]


@pytest.fixture
def site(settings, live_server):
    settings.BASE_URL = live_server.url
    today = timezone.localdate()
    for number, title in enumerate(TITLES):
        DailyListingFactory(
            paper=PaperFactory(
                arxiv_id=f"2608.0010{number}",
                title=title,
                abstract=f"{title}. " + "We study this question in depth and report results. " * 8,
                published_on=today,
                code_url="https://github.com/example/code" if number == 0 else "",
            ),
            listed_on=today,
            imported_upvotes=40 - number * 10,
        )
    PaperFactory(
        arxiv_id="2608.00200",
        title="A paper to submit",
        submitted_at=timezone.now() - dt.timedelta(days=1),
        published_on=today,
    )
    update_index(rebuild=True)
    return live_server


def mail_link(outbox, part: str) -> str:
    return next(link for link in outbox.links() if part in link)


def test_a_visitor_searches_joins_votes_submits_subscribes_and_unsubscribes(
    site, open_page, smtp_server
):
    page = open_page()
    page.goto("/")
    assert page.locator("article.card").count() == 4
    assert page.locator("article.card h2 math").count() == 1  # LaTeX rendered as MathML
    screenshot(page, "home-light")

    # Search, with suggestions while typing.
    page.fill("header ~ main input[name=q], #q", "diffusion") if page.locator(
        "#q"
    ).count() else None
    page.goto("/search")
    page.locator("#q").press_sequentially("diffusion", delay=30)
    page.locator("#suggestions li").first.wait_for()
    page.locator("#q").press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=diffusion"))
    assert "Diffusion transformers" in page.locator("#results").inner_text()
    page.locator("#results article a", has_text="Diffusion transformers").first.click()
    page.wait_for_url(re.compile(r"/papers/2608\.00100$"))
    assert page.locator("h1").inner_text().startswith("Diffusion transformers")

    # Sign up, and confirm the address from the mail the test SMTP server caught.
    page.goto("/accounts/signup")
    page.fill("#id_username", "ada")
    page.fill("#id_email", "ada@example.org")
    page.fill("#id_password1", "analytical engine 1843")
    page.fill("#id_password2", "analytical engine 1843")
    page.click("form.stack button")
    page.goto(mail_link(smtp_server, "/accounts/verify/"))
    assert "confirmed" in page.content()

    # Upvote in place (htmx): the count changes without leaving the page.
    page.goto("/")
    vote = page.locator("article.card").first.locator("button.vote")
    before = int(re.search(r"\d+", vote.inner_text()).group())
    vote.click()
    page.locator("article.card").first.locator("button.vote.on").wait_for()
    after = int(
        re.search(r"\d+", page.locator("article.card button.vote").first.inner_text()).group()
    )
    assert after == before + 1 and page.url.endswith("/")
    assert Upvote.objects.filter(user__username="ada").count() == 1

    # Comment in place (htmx, no inline script): the form clears, "No comments yet." goes.
    page.locator("article.card h2 a").first.click()
    page.wait_for_load_state()
    assert page.locator("#no-comments").count() == 1
    page.fill("#comment-body", "A first *comment*.")
    page.click("form.comment-form button")
    page.locator("#comment-list article.comment").first.wait_for()
    assert page.locator("#no-comments").count() == 0
    assert page.input_value("#comment-body") == ""

    # Submit a paper.
    page.goto("/submit")
    page.fill("form.stack input[name=paper]", "https://arxiv.org/abs/2608.00200")
    page.click("form.stack button")
    page.wait_for_load_state()
    assert "A paper to submit" in page.content()

    # Subscribe to a weekly topic digest and confirm it.
    page.goto("/digests/subscribe")
    page.fill("#id_email", "reader@example.org")
    page.select_option("#id_frequency", "weekly")
    page.fill("#id_topic", "video generation")
    page.click("form.stack button")
    assert "Check your inbox" in page.content()
    page.goto(mail_link(smtp_server, "/digests/confirm/"))
    page.click("main form button")
    page.wait_for_url(re.compile(r"/digests/preferences/"))
    assert "You are subscribed" in page.content()
    subscription = Subscription.objects.get(email="reader@example.org")
    assert subscription.status == "active" and subscription.topics == ["video generation"]

    # The digest arrives; its one-click unsubscribe link works from the browser too.
    next_monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    build_digests("weekly", next_monday)
    assert send_pending().sent == 1
    digest = smtp_server.to("reader@example.org")[-1]
    assert "Diffusion transformers" in digest.get_body(("plain",)).get_content()
    unsubscribe = re.search(r"<(http[^>]+)>", digest["List-Unsubscribe"]).group(1)
    page.goto(unsubscribe)
    subscription.refresh_from_db()
    assert subscription.status == "active"  # the GET only asks
    page.click("main form button")
    assert "You are unsubscribed" in page.content()
    subscription.refresh_from_db()
    assert subscription.status == "unsubscribed"


MAIN_PAGES = [
    ("home", "/"),
    ("search", "/search?q=attention"),
    ("paper", "/papers/2608.00101"),
    ("trending", "/papers/trending"),
    ("category", "/categories/cs"),
    ("subscribe", "/digests/subscribe"),
    ("signup", "/accounts/signup"),
    ("about", "/about"),
    ("not-found", "/papers/2608.99999"),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_main_pages_pass_the_accessibility_check_in_both_themes(site, open_page, scheme):
    page = open_page(scheme)
    problems = {}
    for name, path in MAIN_PAGES:
        page.goto(path)
        screenshot(page, f"{name}-{scheme}")
        found = serious_accessibility_violations(page)
        if found:
            problems[path] = found
    assert problems == {}


def test_pages_work_on_a_phone(site, open_page):
    page = open_page(width=390)
    page.goto("/")
    screenshot(page, "home-phone")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390  # nothing overflows sideways


def test_load_more_appends_the_next_page_in_place(site, open_page, settings):
    from web.views import lists

    lists.PAGE_SIZE, saved = 2, lists.PAGE_SIZE
    try:
        page = open_page()
        page.goto("/")
        assert page.locator("article.card").count() == 2
        page.click("p.more a")
        page.locator("article.card").nth(3).wait_for()
        assert page.locator("article.card").count() == 4 and page.url.endswith("/")
    finally:
        lists.PAGE_SIZE = saved


PASTED = (
    "We fold proteins by passing messages over graphs of residues whose features are "
    "equivariant to rotations, and we show on several structure benchmarks that such graph "
    "networks predict the three dimensional structure of a protein from its sequence more "
    "accurately than earlier methods while using far fewer parameters and less compute than "
    "the large language models of proteins that are used for the same task today."
)


def test_a_reader_pastes_an_abstract_asks_why_and_takes_the_citation(site, open_page):
    from search import dense
    from search.services.embedding import embed_pending

    embed_pending()
    dense.forget()
    page = open_page()
    page.goto("/search")
    page.fill("#q", "protein folding")
    page.check("input[name=explain]")
    page.locator("#q").press("Enter")
    page.wait_for_url(re.compile(r"explain=1"))
    first = page.locator("#results article").first
    assert "Protein folding" in first.inner_text()
    assert "Fused score" in first.locator(".explain").inner_text()
    assert serious_accessibility_violations(page) == []

    page.fill("#q", PASTED)
    page.locator("#q").press("Enter")
    page.locator("#treatment").wait_for()
    assert "Protein folding" in page.locator("#results article").first.inner_text()

    page.locator("#results article a", has_text="Protein folding").first.click()
    page.wait_for_url(re.compile(r"/papers/2608\.00103$"))
    bib = page.locator(".cite a", has_text="BibTeX").get_attribute("href")
    body = page.request.get(bib).text()
    assert body.startswith("@misc{") and "eprint = {2608.00103}" in body


def test_a_member_builds_a_collection_exports_it_and_imports_the_file_into_another(
    site, open_page, tmp_path
):
    from community.models import CitationImport, User
    from community.services.citation_imports import complete_import

    User.objects.create_user("grace", "grace@example.org", "compiler 1952 cobol")
    page = open_page()
    page.goto("/accounts/login")
    page.fill("#id_username", "grace")
    page.fill("#id_password", "compiler 1952 cobol")
    page.click("form.stack button")

    # Start a collection and add a paper to it from the paper's page (htmx, in place).
    page.goto("/collections")
    page.fill("#collection-name", "Video generation")
    page.click("form.stack button")
    page.wait_for_url(re.compile(r"/collections/grace/video-generation$"))
    page.goto("/papers/2608.00100")
    page.click("form.collect button")
    # htmx swaps the box for its answer; waiting on the box itself raced with the swap.
    page.locator("[role=status]", has_text="Added to Video generation").wait_for()
    page.goto("/collections/grace/video-generation")
    assert "Diffusion transformers" in page.locator("ol.collection").inner_text()

    # Its BibTeX, saved as a file, imported into a second collection.
    bib = page.locator("a", has_text="BibTeX").get_attribute("href")
    saved = tmp_path / "video.bib"
    saved.write_text(page.request.get(bib).text())
    page.goto("/collections")
    page.fill("#collection-name", "Copied")
    page.click("form.stack button")
    page.wait_for_url(re.compile(r"/collections/grace/copied$"))
    page.set_input_files("#import-file", str(saved))
    page.click("form[action$='/import'] button")
    page.wait_for_url(re.compile(r"/collections/\d+/imports/\d+$"))
    assert "Importing" in page.locator("#import-report").inner_text()
    complete_import(CitationImport.objects.get().pk)  # what `paperboy worker` does
    page.locator("#import-report", has_text="1 matched in the catalogue").wait_for()
    assert serious_accessibility_violations(page) == []
    page.locator("#import-report a", has_text="Copied").click()
    assert "Diffusion transformers" in page.locator("ol.collection").inner_text()


def test_a_member_follows_an_author_and_a_search_and_saves_from_a_card(site, open_page):
    from catalog.models import Author
    from community.models import Collection, Follow, User

    member = User.objects.create_user("katherine", "kj@example.org", "orbits 1962 friendship")
    Collection.objects.create(owner=member, name="Reading", slug="reading")
    author = Author.objects.filter(authorships__paper__arxiv_id="2608.00103").first()
    page = open_page()
    page.goto("/accounts/login")
    page.fill("#id_username", "katherine")
    page.fill("#id_password", "orbits 1962 friendship")
    page.click("form.stack button")

    # Follow the author from their page: the button turns into "Following" in place.
    page.goto(f"/authors/{author.pk}")
    page.click("button.follow")
    page.locator("button.follow.on", has_text="Following").wait_for()
    # Follow a search from the results page.
    page.goto("/search?q=protein+folding")
    page.click("button.follow")
    page.locator("button.follow.on").wait_for()
    assert {f.kind for f in Follow.objects.filter(user=member)} == {"author", "search"}

    page.goto("/following")
    cards = page.locator("#cards").inner_text()
    assert "Protein folding with equivariant graph networks" in cards
    assert f"by {author.name}" in cards  # each paper once, with the first follow that brought it
    assert serious_accessibility_violations(page) == []

    # Save a paper from a list card: the link opens the collection box in place.
    page.goto("/papers")
    card = page.locator("article.card", has_text="Retrieval augmented agents")
    card.locator("a.save").click()
    card.locator("form.collect button").click()
    card.locator("[role=status]", has_text="Added to Reading").wait_for()
    assert list(
        Collection.objects.get(owner=member).items.values_list("paper__arxiv_id", flat=True)
    ) == ["2608.00102"]
